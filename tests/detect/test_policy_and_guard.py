"""The blocked-import finder and the policy knobs detection honours."""

from __future__ import annotations

import sys

import pytest
from itb_helpers import only

from jupyter_itbridge.detect import diagnose, diagnose_output, diagnose_text
from jupyter_itbridge.kernel import import_guard
from jupyter_itbridge.kernel.import_guard import BlockedImportError
from jupyter_itbridge.policy import ITBridgePolicy

POLICY = ITBridgePolicy(
    blocked_packages={
        "openai": {"reason": "Sends data to an external service.", "alternative": "corp-llm"},
        "scikit-learn": "Use the platform's approved ML service.",
        "json5": "Not approved.",
    }
)


@pytest.fixture
def guard():
    finder = import_guard.install(POLICY)
    yield finder
    import_guard.uninstall()


def test_blocked_import_raises_with_reason(guard) -> None:
    assert sys.meta_path[0] is guard
    with pytest.raises(BlockedImportError) as info:
        import openai  # noqa: F401
    exc = info.value
    assert isinstance(exc, ModuleNotFoundError)
    assert exc.distribution == "openai"
    assert exc.reason == "Sends data to an external service."
    assert exc.alternative == "corp-llm"
    assert "Sends data to an external service" in str(exc)
    f = only(diagnose(exc, POLICY))
    assert (f.kind, f.subject, f.policy_rule) == (
        "blocked_package",
        "openai",
        "blocked_packages.openai",
    )
    assert f.self_service["title"] == "Use the approved alternative 'corp-llm'"
    # what the kernel publishes: bare class name + message
    g = only(diagnose_text("BlockedImportError", str(exc), None, POLICY))
    assert g.fingerprint == f.fingerprint


def test_import_name_differs_from_distribution(guard) -> None:
    with pytest.raises(BlockedImportError) as info:
        import sklearn  # noqa: F401
    assert info.value.distribution == "scikit-learn"
    assert only(diagnose(info.value, POLICY)).subject == "scikit-learn"


def test_other_names_are_untouched(guard) -> None:
    assert guard.find_spec("json", None) is None
    assert guard.find_spec("openai_helpers", None) is None  # prefix is not the package
    import email.mime.text  # a real import with the finder first in line

    assert email.mime.text.MIMEText


def test_installed_blocked_package_is_blocked_too(guard) -> None:
    """Guidance comes first even if the package happens to be installed here (pyyaml is)."""
    policy = ITBridgePolicy(blocked_packages={"PyYAML": "Use the approved config loader."})
    import_guard.install(policy)
    sys.modules.pop("yaml", None)
    try:
        with pytest.raises(BlockedImportError) as info:
            import yaml
        assert info.value.distribution == "PyYAML"
    finally:
        import_guard.uninstall()
    import yaml  # noqa: F401  (importable again once the finder is gone)


def test_install_without_blocked_packages_adds_nothing() -> None:
    before = list(sys.meta_path)
    assert import_guard.install(ITBridgePolicy()) is None
    assert sys.meta_path == before


def test_uninstall_removes_finder(guard) -> None:
    import_guard.uninstall()
    assert import_guard.installed() is None


def test_admin_signature_checked_first() -> None:
    policy = ITBridgePolicy(
        signatures=[
            {
                "id": "vault",
                "exc_type": "VaultError|RuntimeError",
                "message": r"permission denied on secret/(?P<path>\S+)",
                "kind": "access_denied",
                "subject": "vault:{path}",
                "title": "You need read access to the Vault path {path}.",
                "self_service": "Request the role in the Vault portal.",
            }
        ]
    )
    exc = RuntimeError("permission denied on secret/team-a/db")
    f = only(diagnose(exc, policy))
    assert (f.kind, f.subject, f.policy_rule) == (
        "access_denied",
        "vault:team-a/db",
        "signatures.vault",
    )
    assert f.title == "You need read access to the Vault path team-a/db."
    assert f.self_service["text"] == "Request the role in the Vault portal."
    assert not diagnose(exc)  # nothing without the admin's signature
    assert only(diagnose_text("RuntimeError", str(exc), None, policy)).subject == "vault:team-a/db"


def test_admin_signature_overrides_builtin_and_bad_regex_is_ignored() -> None:
    policy = ITBridgePolicy(
        signatures=[
            {"message": "([unclosed", "kind": "missing_driver", "subject": "x", "title": "x"},
            {
                "message": "DPI-1047",
                "kind": "missing_driver",
                "subject": "oracle-client",
                "title": "Run 'module load oracle' first.",
                "confidence": "high",
            },
        ]
    )
    f = only(
        diagnose_text(
            "DatabaseError", "DPI-1047: Cannot locate a 64-bit Oracle Client library", None, policy
        )
    )
    assert f.title == "Run 'module load oracle' first."
    assert f.policy_rule == "signatures[1]"


def test_pip_403_for_a_blocked_package_cites_the_policy() -> None:
    out = (
        "ERROR: Could not install requirement openai from https://pypi.corp/packages/openai"
        "/openai-1.0.tar.gz because of HTTP error 403 Client Error: Forbidden for url"
    )
    f = only(diagnose_output(out, POLICY))
    assert (f.kind, f.subject, f.policy_rule) == (
        "blocked_package",
        "openai",
        "blocked_packages.openai",
    )

"""``%pip install`` failures print and raise nothing: the wrapped magic still finds them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kernel_harness import findings  # type: ignore[import-not-found]
from kernel_http_fixtures import Recorder  # type: ignore[import-not-found]

from jupyter_itbridge.policy import normalize_name

WHEEL = "some_internal_pkg-1.0-py3-none-any.whl"


def _firewall(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[Any, ...]:
    """Like Sonatype/Artifactory firewalls: the index lists the package, the file is refused."""
    if path.rstrip("/") == "/simple/some-internal-pkg":
        page = f'<html><body><a href="/packages/{WHEEL}">{WHEEL}</a></body></html>'
        return 200, page.encode(), "text/html"
    return 403, b"REQUESTED ITEM IS QUARANTINED", "text/plain"


@pytest.fixture
def refusing_index() -> Iterator[Recorder]:
    """A package index behind a package firewall that refuses the download with 403."""
    server = Recorder(_firewall)
    yield server
    server.close()


def _install_args(index: Recorder) -> str:
    """``install`` from the refusing index, quick and isolated (no cache, config or retries)."""
    return (
        f"install --isolated --index-url {index.url}simple/ --no-cache-dir "
        "--disable-pip-version-check --retries 0 some-internal-pkg"
    )


def _assert_firewall_card(kernel: Any, index: Recorder, out: list[dict[str, Any]]) -> None:
    """pip reached the index, its output streamed live, one blocked_package card followed."""
    assert any(WHEEL in c["path"] for c in index.calls), index.calls
    streamed = "".join(o.get("text", "") for o in out if o["output_type"] == "stream")
    assert "403" in streamed, "pip's own output must still be shown live"
    assert not any(o["output_type"] == "error" for o in out)  # %pip and ! raise nothing
    cards = findings(out)
    assert len(cards) == 1, out
    finding = cards[0]["finding"]
    assert finding["kind"] == "blocked_package"
    assert normalize_name(finding["subject"]) == "some-internal-pkg"
    assert finding["evidence"].get("source") == "stream output"
    # pip still behaves as without the extension: exit code recorded for the user
    assert kernel.value("_exit_code") != 0


def test_pip_403_from_index_gives_a_card(kernel: Any, refusing_index: Recorder) -> None:
    out = kernel.run(f"%pip {_install_args(refusing_index)}", timeout=180)
    _assert_firewall_card(kernel, refusing_index, out)


def test_pip_success_path_untouched(kernel: Any) -> None:
    out = kernel.run("%pip --version")
    text = "".join(o.get("text", "") for o in out)
    assert "pip " in text
    assert findings(out) == []
    assert kernel.value("_exit_code") == 0
    assert kernel.value("get_ipython().find_line_magic('pip').__wrapped__ is not None") is True


def test_shell_escape_pip_403_gives_a_card(kernel: Any, refusing_index: Recorder) -> None:
    """`!pip install ...` is a shell escape, not the magic: it is watched the same way."""
    kernel.run("import sys")
    out = kernel.run(f"!{{sys.executable}} -m pip {_install_args(refusing_index)}", timeout=180)
    _assert_firewall_card(kernel, refusing_index, out)


def test_other_shell_escapes_are_untouched(kernel: Any) -> None:
    out = kernel.run("!echo pip install is just text here; exit 3")
    text = "".join(o.get("text", "") for o in out)
    assert "pip install is just text here" in text
    assert findings(out) == []
    assert kernel.value("_exit_code") == 3

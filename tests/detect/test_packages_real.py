"""missing_package / blocked_package from real imports and real pandas errors, decided on
evidence so that a typo in the user's own module name never shows a card."""

from __future__ import annotations

import traceback

import pytest
from itb_helpers import only

from jupyter_itbridge.detect import diagnose, diagnose_text
from jupyter_itbridge.policy import ITBridgePolicy

HIDE_MODULE = """
import sys
class _Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {names!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, _Hide())
"""


def _raise_import(name: str) -> ModuleNotFoundError:
    try:
        __import__(name)
    except ModuleNotFoundError as exc:
        return exc
    pytest.skip(f"{name} is installed here")


@pytest.mark.parametrize(
    ("module", "dist"),
    [
        ("sklearn", "scikit-learn"),
        ("pyspark", "pyspark"),
        ("cv2", "opencv-python"),
        ("PIL", "Pillow"),
        ("skimage", "scikit-image"),
    ],
)
def test_known_import_name_maps_to_distribution(module: str, dist: str) -> None:
    exc = _raise_import(module)
    for findings in (
        diagnose(exc),
        diagnose_text("ModuleNotFoundError", str(exc), traceback.format_exception(exc)),
    ):
        f = only(findings)
        assert (f.kind, f.subject, f.confidence) == ("missing_package", dist, "high")
        assert f.self_service is None  # install_mode "request" by default


def test_self_service_mode_gives_pip_command() -> None:
    exc = _raise_import("sklearn")
    policy = ITBridgePolicy(
        install_mode="self-service", package_index_url="https://pypi.corp.example/simple"
    )
    f = only(diagnose(exc, policy))
    assert f.self_service["command"] == (
        "%pip install --index-url https://pypi.corp.example/simple scikit-learn"
    )
    no_index = only(diagnose(exc, ITBridgePolicy(install_mode="self-service")))
    assert no_index.self_service["command"] == "%pip install scikit-learn"


def test_local_module_typo_is_not_shown(tmp_path, monkeypatch) -> None:
    (tmp_path / "utils.py").write_text("X = 1\n")
    monkeypatch.chdir(tmp_path)
    exc = _raise_import("utlis")
    findings = diagnose(exc)
    assert findings and not any(f.shown for f in findings)
    assert "typo" in findings[0].evidence["decision"]
    assert not any(f.shown for f in diagnose_text("ModuleNotFoundError", str(exc), []))


def test_unknown_name_from_user_code_is_not_shown() -> None:
    exc = _raise_import("mycompany_helpers_v2")
    assert not any(f.shown for f in diagnose(exc))


def test_import_name_override_makes_in_house_package_known() -> None:
    exc = _raise_import("corputils")
    assert not any(f.shown for f in diagnose(exc))
    policy = ITBridgePolicy(import_name_overrides={"corputils": "corp-utils"})
    f = only(diagnose(exc, policy))
    assert (f.subject, f.confidence) == ("corp-utils", "high")
    assert f.evidence["decision"] == "policy override"


def test_missing_dependency_of_installed_library_is_medium(tmp_path, run_child) -> None:
    """An import inside site-packages (a library's own dependency) is evidence enough."""
    site = tmp_path / "site-packages" / "fancylib"
    site.mkdir(parents=True)
    (site / "__init__.py").write_text("import fancy_native_helper\n")
    res = run_child("import fancylib", setup=f"sys.path.insert(0, {str(site.parent)!r})")
    f = only(res["objects"])
    assert (f.kind, f.subject, f.confidence) == ("missing_package", "fancy_native_helper", "medium")


def test_pandas_read_excel_without_openpyxl(run_child, tmp_path) -> None:
    """Genuine pandas ImportError with openpyxl hidden from the child interpreter."""
    import openpyxl

    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "sales"
    book.save(path)  # a real workbook, made with openpyxl here, unreadable without it there
    res = run_child(
        f"import pandas as pd\npd.read_excel({str(path)!r})",
        setup=HIDE_MODULE.format(names={"openpyxl"}),
    )
    # pandas 2 says "Missing optional dependency 'openpyxl'", pandas 3 "`Import openpyxl` failed"
    assert "openpyxl" in res["evalue"] and res["ename"] == "ImportError", res["evalue"]
    f = only(res["objects"])
    assert (f.kind, f.subject) == ("missing_package", "openpyxl")
    assert only(diagnose_text(res["ename"], res["evalue"], res["traceback"])).subject == "openpyxl"


def test_pandas_read_parquet_without_engine(run_child, tmp_path) -> None:
    res = run_child(
        f"import pandas as pd\npd.read_parquet({str(tmp_path / 'x.parquet')!r})",
        setup=HIDE_MODULE.format(names={"pyarrow", "fastparquet"}),
    )
    assert "Unable to find a usable engine" in res["evalue"]
    f = only(res["objects"])
    assert (f.kind, f.subject) == ("missing_package", "pyarrow")


def test_blocked_package_without_finder_is_blocked_not_missing() -> None:
    """A plain ModuleNotFoundError for a blocked package says 'blocked', with the reason."""
    exc = _raise_import("pyautogui")
    policy = ITBridgePolicy(blocked_packages={"pyautogui": "Remote control is not allowed."})
    for findings in (
        diagnose(exc, policy),
        diagnose_text("ModuleNotFoundError", str(exc), None, policy),
    ):
        f = only(findings)
        assert (f.kind, f.subject) == ("blocked_package", "pyautogui")
        assert f.policy_rule == "blocked_packages.pyautogui"
        assert "Remote control is not allowed." in f.explanation


def test_missing_namespace_package_still_shows_card(tmp_path, monkeypatch) -> None:
    """`google` is importable (another google-* package made the namespace), but
    google-cloud-bigquery is not installed: Python reports "No module named 'google.cloud'";
    the import statement in the user's code names the real package."""
    import sys

    site, work = tmp_path / "site", tmp_path / "work"
    (site / "google" / "protobuf").mkdir(parents=True)
    work.mkdir()
    (work / "analysis_step.py").write_text("import google.cloud.bigquery as bq\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.syspath_prepend(str(work))
    monkeypatch.chdir(work)
    for mod in [m for m in list(sys.modules) if m.split(".")[0] == "google"]:
        monkeypatch.delitem(sys.modules, mod)
    with pytest.raises(ModuleNotFoundError) as info:
        __import__("analysis_step")
    assert info.value.name == "google.cloud"
    for findings in (
        diagnose(info.value),
        diagnose_text(
            "ModuleNotFoundError", str(info.value), traceback.format_exception(info.value)
        ),
    ):
        finding = only([f for f in findings if f.shown])
        assert (finding.kind, finding.subject, finding.confidence) == (
            "missing_package",
            "google-cloud-bigquery",
            "high",
        )


def test_missing_submodule_of_installed_package_is_not_a_missing_package() -> None:
    """numpy is installed; a missing submodule is a broken install or a wrong name: no card,
    but `%itbridge last` still explains it (low confidence)."""
    exc = _raise_import("numpy.core._itbridge_no_such_ext")
    findings = diagnose(exc)
    assert [f for f in findings if f.shown] == []
    assert findings and findings[0].confidence == "low"
    assert "only 'numpy.core._itbridge_no_such_ext' inside it" in findings[0].evidence["decision"]

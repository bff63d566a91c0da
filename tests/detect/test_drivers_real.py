"""missing_driver from REAL errors raised by the real libraries (oracledb, pyodbc + unixODBC,
psycopg, SQLAlchemy). Each test diagnoses the live exception AND the text a kernel would
publish on IOPub (bare class name + message + traceback lines)."""

from __future__ import annotations

import traceback

import pytest
from itb_helpers import can_hide_libraries, hide_libraries_wrapper, only
from system_deps import require_apt

from jupyter_itbridge.detect import diagnose, diagnose_text
from jupyter_itbridge.policy import ITBridgePolicy


def both(exc: BaseException, policy: ITBridgePolicy | None = None):
    live = diagnose(exc, policy)
    text = diagnose_text(type(exc).__name__, str(exc), traceback.format_exception(exc), policy)
    return live, text


def test_oracledb_thick_mode_dpi_1047() -> None:
    import oracledb

    with pytest.raises(oracledb.DatabaseError) as info:
        oracledb.init_oracle_client(lib_dir="/nonexistent/instantclient")
    assert "DPI-1047" in str(info.value)  # the genuine error
    for findings in both(info.value):
        f = only(findings)
        assert (f.kind, f.subject, f.confidence) == ("missing_driver", "oracle-client", "high")
        assert "Oracle Client" in f.title
        assert f.evidence["exception_type"].endswith("DatabaseError")
        assert "DPI-1047" in f.evidence["message"]


def test_oracle_driver_self_service_from_policy() -> None:
    import oracledb

    policy = ITBridgePolicy(
        driver_self_service={"oracle-client": "run `module load oracle-instantclient`"}
    )
    with pytest.raises(oracledb.DatabaseError) as info:
        oracledb.init_oracle_client(lib_dir="/nonexistent/instantclient")
    f = only(diagnose(info.value, policy))
    assert f.self_service == {
        "title": "Fix it yourself",
        "text": "run `module load oracle-instantclient`",
        "command": "module load oracle-instantclient",
    }
    assert f.policy_rule == "driver_self_service.oracle-client"


def test_pyodbc_missing_driver_cant_open_lib() -> None:
    require_apt("unixodbc")
    import pyodbc

    with pytest.raises(pyodbc.Error) as info:
        pyodbc.connect(
            "DRIVER={ODBC Driver 18 for SQL Server};SERVER=db.corp;UID=ana;PWD=hunter2",
            timeout=2,
        )
    assert "Can't open lib 'ODBC Driver 18 for SQL Server'" in str(info.value)
    for findings in both(info.value):
        f = only(findings)
        assert f.kind == "missing_driver"
        assert f.subject == "odbc-driver:ODBC Driver 18 for SQL Server"
        assert "hunter2" not in repr(f.to_dict())


def test_pyodbc_im002_dsn_not_found() -> None:
    require_apt("unixodbc")
    import pyodbc

    with pytest.raises(pyodbc.Error) as info:
        pyodbc.connect("DSN=warehouse_prod", timeout=2)
    assert "IM002" in str(info.value)
    for findings in both(info.value):
        f = only(findings)
        assert (f.kind, f.subject, f.confidence) == ("missing_driver", "odbc-dsn", "medium")


def test_import_pyodbc_without_unixodbc(run_child) -> None:
    """libodbc.so.2 hidden by an overlay whiteout: the loader's genuine error on import."""
    reason = can_hide_libraries()
    if reason:
        pytest.skip(reason)
    res = run_child("import pyodbc", wrapper=hide_libraries_wrapper("libodbc.so.2"))
    assert res["evalue"].startswith("libodbc.so.2: cannot open shared object file")
    f = only(res["objects"])
    assert (f.kind, f.subject) == ("missing_driver", "odbc-driver-manager")
    g = only(diagnose_text(res["ename"], res["evalue"], res["traceback"]))
    assert g.fingerprint == f.fingerprint


def test_psycopg_no_pq_wrapper(run_child) -> None:
    """psycopg 3 pure-Python implementation with libpq hidden: 'no pq wrapper available'."""
    reason = can_hide_libraries()
    if reason:
        pytest.skip(reason)
    hide_binary = (
        "class _Hide:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('psycopg_binary', 'psycopg_c'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, _Hide())\n"
    )
    res = run_child(
        "import psycopg",
        setup=hide_binary,
        wrapper=hide_libraries_wrapper("libpq.so.5", "libpq.so"),
    )
    assert "no pq wrapper available" in res["evalue"]
    f = only(res["objects"])
    assert (f.kind, f.subject) == ("missing_driver", "libpq")
    assert only(diagnose_text(res["ename"], res["evalue"], res["traceback"])).subject == "libpq"


def test_sqlalchemy_missing_dialect_package() -> None:
    import sqlalchemy
    from sqlalchemy.exc import NoSuchModuleError

    with pytest.raises(NoSuchModuleError) as info:
        sqlalchemy.create_engine("snowflake://ana:secret@acct/db")
    for findings in both(info.value):
        f = only(findings)
        assert (f.kind, f.subject) == ("missing_package", "snowflake-sqlalchemy")


def test_sqlalchemy_unknown_dialect_is_not_shown() -> None:
    """``nosuchdialect://`` is most likely a typo: recorded with low confidence, no card."""
    import sqlalchemy
    from sqlalchemy.exc import NoSuchModuleError

    with pytest.raises(NoSuchModuleError) as info:
        sqlalchemy.create_engine("nosuchdialect://")
    for findings in both(info.value):
        assert findings and all(not f.shown for f in findings)

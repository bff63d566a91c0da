"""Ordinary programming errors, each REALLY raised, must yield zero SHOWN findings from both
``diagnose`` (live exception) and ``diagnose_text`` (what the kernel publishes)."""

from __future__ import annotations

import asyncio
import decimal
import json
import os
import socket
import sqlite3
import subprocess
import sys
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

import pytest

from jupyter_itbridge.detect import diagnose, diagnose_text
from jupyter_itbridge.policy import DEMO_BLOCKED, ITBridgePolicy

POLICY = ITBridgePolicy(blocked_packages=DEMO_BLOCKED, install_mode="self-service")


def _recurse(n: int) -> int:
    return _recurse(n + 1)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gen_stop():
    it = iter([])
    next(it)


def _pandas_value_error():
    import pandas as pd

    pd.DataFrame({"a": [1, 2]}).merge(pd.DataFrame({"b": [1]}), on="c")


def _pandas_bad_shape():
    import pandas as pd

    pd.DataFrame({"a": [1, 2, 3], "b": [1, 2]})


def _numpy_broadcast():
    import numpy as np

    np.ones(3) + np.ones(4)


def _numpy_index():
    import numpy as np

    np.arange(3)[5]


def _pandas_keyerror():
    import pandas as pd

    pd.DataFrame({"a": [1]})["revenue"]


def _sqlalchemy_bad_sql(tmp):
    import sqlalchemy as sa

    eng = sa.create_engine(f"sqlite:///{tmp}/x.db")
    with eng.connect() as con:
        con.execute(sa.text("SELEC 1"))


def _requests_404(port: int):
    import requests

    requests.get(f"http://127.0.0.1:{port}/api/items/42", timeout=5).raise_for_status()


def _requests_refused_loopback():
    import requests

    requests.get(f"http://127.0.0.1:{_closed_port()}/", timeout=5)


def _httpx_refused_localhost():
    import httpx

    httpx.get(f"http://localhost:{_closed_port()}/", timeout=5)


def _local_module_typo(tmp):
    with open(os.path.join(tmp, "utils.py"), "w") as fh:
        fh.write("X = 1\n")
    os.chdir(tmp)
    import utlis  # noqa: F401


def _syntax():
    compile("def f(:\n    pass", "<cell>", "exec")


def _assert():
    assert 1 + 1 == 3, "totals differ"


def _keyboard():
    raise KeyboardInterrupt


def _unicode():
    b"\xff\xfe\xfa".decode("utf-8")


def _json():
    json.loads("{'single': 'quotes'}")


def _file_not_found_relative():
    open("data/sales_2023.csv")  # noqa: SIM115


def _is_a_directory(tmp):
    open(tmp)  # noqa: SIM115


def _not_a_directory(tmp):
    path = os.path.join(tmp, "f.txt")
    open(path, "w").close()
    os.listdir(path)


def _permission_in_home(tmp):
    # a read-only file the user owns inside their (temporary) home
    os.environ["HOME"] = tmp
    path = os.path.join(tmp, "ro.txt")
    open(path, "w").close()
    os.chmod(path, 0o400)
    if os.geteuid() == 0:
        raise PermissionError(13, "Permission denied", path)  # root ignores modes
    open(path, "w")  # noqa: SIM115


def _subprocess_error():
    subprocess.run([sys.executable, "-c", "raise SystemExit(3)"], check=True)


def _sqlite_no_table():
    sqlite3.connect(":memory:").execute("SELECT * FROM customers")


def _sqlite_integrity():
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    con.execute("INSERT INTO t VALUES (1)")
    con.execute("INSERT INTO t VALUES (1)")


def _import_name_from():
    from json import not_there  # noqa: F401


def _datetime_value():
    import datetime

    datetime.datetime.strptime("2023-13-45", "%Y-%m-%d")


def _asyncio_timeout():
    async def slow():
        await asyncio.sleep(1)

    async def main():
        await asyncio.wait_for(slow(), 0.001)

    asyncio.run(main())


def _unbound():
    def inner():
        total = total + 1  # noqa: F821
        return total

    inner()


def _url_value():
    urllib.request.urlopen("not a url")


def _urllib_http_404(port: int):
    urllib.request.urlopen(f"http://127.0.0.1:{port}/missing", timeout=5)


CASES: dict[str, Callable[..., object]] = {
    "NameError": lambda: undefined_variable,  # noqa: F821
    "KeyError": lambda: {"a": 1}["b"],
    "ZeroDivisionError": lambda: 1 / 0,
    "TypeError": lambda: "a" + 1,
    "TypeError-call": lambda: len(1, 2),
    "ValueError-int": lambda: int("abc"),
    "IndexError": lambda: [][0],
    "AttributeError": lambda: None.shape,
    "RecursionError": lambda: _recurse(0),
    "StopIteration": _gen_stop,
    "AssertionError": _assert,
    "KeyboardInterrupt": _keyboard,
    "SyntaxError": _syntax,
    "UnicodeDecodeError": _unicode,
    "JSONDecodeError": _json,
    "FileNotFoundError-relative": _file_not_found_relative,
    "IsADirectoryError": _is_a_directory,
    "NotADirectoryError": _not_a_directory,
    "PermissionError-in-home": _permission_in_home,
    "CalledProcessError": _subprocess_error,
    "sqlite-no-such-table": _sqlite_no_table,
    "sqlite-integrity": _sqlite_integrity,
    "ImportError-cannot-import-name": _import_name_from,
    "ModuleNotFoundError-local-typo": _local_module_typo,
    "ModuleNotFoundError-unknown-name": lambda: __import__("my_analysis_helpers"),
    "ModuleNotFoundError-stdlib-typo": lambda: __import__("colections"),
    "ModuleNotFoundError-installed-typo": lambda: __import__("pandsa"),
    "ModuleNotFoundError-submodule-of-installed": lambda: __import__("numpy.nosuch_submodule"),
    "ModuleNotFoundError-wrong-submodule-name": lambda: __import__("pandas.io.excell"),
    "OverflowError": lambda: 10.0**400,
    "decimal.InvalidOperation": lambda: decimal.Decimal("x1"),
    "ValueError-datetime": _datetime_value,
    "TimeoutError-asyncio": _asyncio_timeout,
    "ValueError-urllib": _url_value,
    "UnboundLocalError": _unbound,
    "RuntimeError-user": lambda: (_ for _ in ()).throw(RuntimeError("model did not converge")),
    "NotImplementedError": lambda: (_ for _ in ()).throw(NotImplementedError("todo")),
    "pandas-ValueError-merge": _pandas_value_error,
    "pandas-ValueError-shape": _pandas_bad_shape,
    "pandas-KeyError-column": _pandas_keyerror,
    "numpy-broadcast": _numpy_broadcast,
    "numpy-index": _numpy_index,
    "sqlalchemy-bad-sql": _sqlalchemy_bad_sql,
    "requests-404": _requests_404,
    "urllib-404": _urllib_http_404,
    "requests-refused-loopback": _requests_refused_loopback,
    "httpx-refused-localhost": _httpx_refused_localhost,
    "ConnectionRefusedError-socket": lambda: socket.create_connection(
        ("127.0.0.1", _closed_port()), timeout=5
    ),
    "UnicodeEncodeError": lambda: "é".encode("ascii"),
    "struct.error": lambda: __import__("struct").pack("b", 1000),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_ordinary_error_shows_nothing(name, tmp_path, http_404, monkeypatch) -> None:
    func = CASES[name]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", os.environ.get("HOME", "/root"))
    args = []
    if func.__code__.co_argcount == 1:
        arg = func.__code__.co_varnames[0]
        args = [http_404 if arg == "port" else str(tmp_path)]
    modules_before = set(sys.modules)
    try:
        func(*args)
    except BaseException as exc:
        live = [f for f in diagnose(exc, POLICY) if f.shown]
        text = [
            f
            for f in diagnose_text(
                type(exc).__name__, str(exc), traceback.format_exception(exc), POLICY
            )
            if f.shown
        ]
        assert live == [], (type(exc).__name__, str(exc), [f.to_dict() for f in live])
        assert text == [], (type(exc).__name__, str(exc), [f.to_dict() for f in text])
    else:
        pytest.fail(f"{name} did not raise")
    finally:
        for mod in set(sys.modules) - modules_before:
            if mod in ("utils",):
                sys.modules.pop(mod, None)


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40

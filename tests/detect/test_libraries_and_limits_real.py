"""The shared-library family and the open-files rule on REAL failures produced here: glibc's own
``dlopen`` wording through ``ctypes``, and a real EMFILE under a low or a normal
RLIMIT_NOFILE in a child process. The other platforms' wordings cannot be produced on this
machine; they are scored on real reports in ``test_real_corpus.py``."""

from __future__ import annotations

import ctypes
import traceback

import pytest
from itb_helpers import only

from jupyter_itbridge.detect import diagnose, diagnose_text
from jupyter_itbridge.detect.libraries import library_key, subject_for_library


def _dlopen_error(path: str) -> OSError:
    with pytest.raises(OSError) as info:
        ctypes.CDLL(path)
    return info.value


def _both(exc: BaseException):
    return diagnose(exc), diagnose_text(
        type(exc).__name__, str(exc), traceback.format_exception(exc)
    )


def test_oracle_client_missing_under_its_install_path() -> None:
    exc = _dlopen_error("/opt/oracle/instantclient_21_1/libclntsh.so.21.1")
    assert "cannot open shared object file" in str(exc)  # glibc's real words
    for findings in _both(exc):
        f = only(findings)
        assert (f.kind, f.subject, f.confidence) == ("missing_driver", "oracle-client", "high")
        assert f.evidence["library"] == "libclntsh.so.21.1"


def test_unknown_library_is_keyed_by_name_not_path(tmp_path) -> None:
    a = _dlopen_error(str(tmp_path / "a" / "libteamcodec.so.3"))
    b = _dlopen_error("libteamcodec.so.3")
    subjects = {only(diagnose(exc)).subject for exc in (a, b)}
    assert subjects == {"system-library:libteamcodec"}
    assert only(diagnose(a)).confidence == "medium"


@pytest.mark.parametrize(
    ("raw", "key", "subject"),
    [
        ("/usr/lib/x86_64-linux-gnu/libpq.so.5", "libpq", "libpq"),
        ("/usr/local/opt/libpq/lib/libpq.5.dylib", "libpq", "libpq"),
        ("C:\\Program Files\\PostgreSQL\\16\\bin\\libpq.dll", "libpq", "libpq"),
        ("libodbc.so.2", "libodbc", "odbc-driver-manager"),
        ("/usr/local/opt/unixodbc/lib/libodbc.2.dylib", "libodbc", "odbc-driver-manager"),
        ("odbc32.dll", "odbc32", "odbc-driver-manager"),
        ("oci.dll", "oci", "oracle-client"),
        ("libnnz19.so", "libnnz19", "oracle-client"),
        ("C:\\Program Files\\Java\\jre1.8.0_131\\bin\\server\\jvm.dll", "jvm", "java-runtime"),
        ("libjvm.so", "libjvm", "java-runtime"),
        ("libcudart.so.11.0", "libcudart", "cuda"),
        ("cudart64_110.dll", "cudart64_110", "cuda"),
        ("libcublasLt.so.11", "libcublasLt", "cuda"),
        ("cudnn64_8.dll", "cudnn64_8", "cuda"),
        ("nvcuda.dll", "nvcuda", "cuda"),
        ("libgssapi_krb5.so.2", "libgssapi_krb5", "kerberos"),
        ("libmysqlclient.so.21", "libmysqlclient", "mysql-client"),
        ("libmariadb.so.3", "libmariadb", "mysql-client"),
        ("/Applications/Postgres.app/lib/libssl.1.0.0.dylib", "libssl", "openssl"),
        ("libdb-4.2.so", "libdb", "system-library:libdb"),
        ("libmsodbcsql-18.2.so.1.1", "libmsodbcsql", "system-library:libmsodbcsql"),
        ("libstdc++.so.6", "libstdc++", "system-library:libstdc++"),
    ],
)
def test_library_table(raw: str, key: str, subject: str) -> None:
    assert library_key(raw) == key
    assert subject_for_library(key) == subject


_OPEN_UNTIL_EMFILE = """
import resource
resource.setrlimit(resource.RLIMIT_NOFILE, ({soft}, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
held = []
try:
    while True:
        held.append(open({path!r}))
except OSError:
    for fh in held:  # free descriptors so that diagnosis can import its modules
        fh.close()
    raise
"""


@pytest.mark.parametrize(("soft", "shown"), [(64, True), (1024, False)])
def test_too_many_open_files_needs_evidence_of_a_low_limit(run_child, tmp_path, soft, shown):
    """EMFILE under a deliberately low limit is IT's; under the usual 1024 it is the code's
    own file or socket storm (no card, kept at low for `%itbridge last`)."""
    target = tmp_path / "part.csv"
    target.write_text("a\n")
    res = run_child(_OPEN_UNTIL_EMFILE.format(soft=soft, path=str(target)))
    assert "Too many open files" in res["evalue"]
    findings = res["objects"]
    assert [f.subject for f in findings] == ["open-files"]
    assert findings[0].shown is shown
    assert findings[0].evidence["RLIMIT_NOFILE"] == soft
    # the server cannot see the kernel's limit: from text it never becomes a card
    assert not [f for f in diagnose_text(res["ename"], res["evalue"], res["traceback"]) if f.shown]

"""Table-driven checks for failures that cannot be produced on this machine (no GPU, no JVM,
no Kerberos realm, no quota-enabled file system, no cx_Oracle build). Every row is the
documented real message text, NOT produced here; the rest of the suite produces real errors."""

from __future__ import annotations

import re

import pytest
from itb_helpers import only

from jupyter_itbridge.detect import diagnose, diagnose_output, diagnose_text
from jupyter_itbridge.detect.catalog import SIGNATURES
from jupyter_itbridge.findings import KINDS
from jupyter_itbridge.policy import ITBridgePolicy

# (ename, evalue) -> (kind, subject)   -- message text, not produced
TEXT_CASES = [
    (
        "DatabaseError",
        'DPI-1047: Cannot locate a 64-bit Oracle Client library: "libclntsh.so: '
        'cannot open shared object file: No such file or directory". See https://cx-oracle.'
        "readthedocs.io/en/latest/user_guide/installation.html for help",
        ("missing_driver", "oracle-client"),
    ),  # cx_Oracle 8
    (
        "JVMNotFoundException",
        "No JVM shared library file (libjvm.so) found. Try setting up the "
        "JAVA_HOME environment variable properly.",
        ("missing_driver", "java-runtime"),
    ),
    (
        "TypeError",
        "Class oracle.jdbc.OracleDriver is not found",
        ("missing_driver", "jdbc-driver:oracle.jdbc.OracleDriver"),
    ),  # JPype via JayDeBeApi
    (
        "OSError",
        "libcudart.so.12: cannot open shared object file: No such file or directory",
        ("missing_driver", "cuda"),
    ),
    (
        "OSError",
        "libcudnn.so.8: cannot open shared object file: No such file or directory",
        ("missing_driver", "cuda"),
    ),
    (
        "RuntimeError",
        "CUDA error: cudaErrorInsufficientDriver: CUDA driver version is "
        "insufficient for CUDA runtime version",
        ("missing_driver", "cuda"),
    ),
    (
        "RuntimeError",
        "Found no NVIDIA driver on your system. Please check that you have an "
        "NVIDIA GPU and installed a driver from http://www.nvidia.com/Download/index.aspx",
        ("resource_limit", "gpu"),
    ),
    (
        "OutOfMemoryError",
        "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total capacity)",
        ("resource_limit", "gpu"),
    ),
    (
        "GSSError",
        "Major (851968): Unspecified GSS failure.  Minor code may provide more "
        "information, Minor (2529639053): No Kerberos credentials available (default cache: "
        "FILE:/tmp/krb5cc_1000)",
        ("access_denied", "kerberos"),
    ),
    ("OSError", "[Errno 122] Disk quota exceeded: '/home/ana/big.csv'", ("resource_limit", "disk")),
    (
        "ImportError",
        "libGL.so.1: cannot open shared object file: No such file or directory",
        ("missing_driver", "system-library:libGL"),  # keyed by name (issue #14)
    ),
    (
        "OperationalError",
        "(2059, \"Authentication plugin 'x' cannot be loaded: libmysqlclient."
        'so.21: cannot open shared object file")',
        ("missing_driver", "mysql-client"),
    ),
    (
        "ProxyError",
        "HTTPSConnectionPool(host='huggingface.co', port=443): Max retries exceeded "
        "with url: /api (Caused by ProxyError('Unable to connect to proxy', OSError('Tunnel "
        "connection failed: 407 Proxy Authentication Required')))",
        ("network_blocked", "proxy"),
    ),
    (
        "URLError",
        "<urlopen error [Errno 101] Network is unreachable>",
        ("network_blocked", "network"),
    ),
    (
        "ConnectionError",
        "HTTPSConnectionPool(host='api.openweathermap.org', port=443): Max "
        'retries exceeded with url: / (Caused by NameResolutionError("<urllib3.connection.'
        "HTTPSConnection object at 0x7f>: Failed to resolve 'api.openweathermap.org' ([Errno -3] "
        'Temporary failure in name resolution)"))',
        ("network_blocked", "dns"),
    ),
]

# stream output of %pip (message text, not produced)
OUTPUT_CASES = [
    (
        "Error: pg_config executable not found.\n\npg_config is required to build psycopg2 from "
        "source.",
        ("missing_driver", "libpq"),
    ),
    (
        "/bin/sh: 1: mysql_config: not found\nOSError: mysql_config not found",
        ("missing_driver", "mysql-client"),
    ),
    (
        "Exception: Can not find valid pkg-config name.\nSpecify MYSQLCLIENT_CFLAGS and "
        "MYSQLCLIENT_LDFLAGS env vars manually",
        ("missing_driver", "mysql-client"),
    ),
    (
        "/bin/sh: 1: krb5-config: not found\nerror: subprocess-exited-with-error",
        ("missing_driver", "kerberos"),
    ),
    (
        "WARNING: Retrying (Retry(total=4)) after connection broken by 'ProxyError('Cannot connect "
        "to proxy.', OSError('Tunnel connection failed: 403 Forbidden'))': /simple/polars/",
        ("network_blocked", "proxy"),
    ),
    (
        "Could not fetch URL https://pypi.org/simple/polars/: There was a problem confirming the "
        "ssl certificate: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded "
        "(Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] "
        "certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)'))) - "
        "skipping",
        ("network_blocked", "tls-ca"),
    ),
    (
        "ERROR: Could not install packages due to an OSError: [Errno 13] Permission denied: "
        "'/opt/conda/lib/python3.11/site-packages/polars'",
        ("access_denied", "path:/opt/conda/lib/python3.11/site-packages"),
    ),
]


@pytest.mark.parametrize(("ename", "evalue", "expected"), TEXT_CASES)
def test_documented_messages(ename: str, evalue: str, expected: tuple[str, str]) -> None:
    f = only(diagnose_text(ename, evalue, None))
    assert (f.kind, f.subject) == expected


@pytest.mark.parametrize(("text", "expected"), OUTPUT_CASES)
def test_documented_pip_output(text: str, expected: tuple[str, str]) -> None:
    f = only(diagnose_output(text))
    assert (f.kind, f.subject) == expected


def test_driver_self_service_prefix_for_odbc_drivers() -> None:
    policy = ITBridgePolicy(driver_self_service={"odbc-driver": "run `module load msodbcsql`"})
    f = only(
        diagnose_text(
            "Error",
            "('01000', \"[01000] [unixODBC][Driver Manager]Can't open "
            "lib 'ODBC Driver 17 for SQL Server' : file not found (0)\")",
            None,
            policy,
        )
    )
    assert f.self_service["command"] == "module load msodbcsql"
    assert f.policy_rule == "driver_self_service.odbc-driver"


def test_ansi_coloured_ipython_traceback_and_chained_cause() -> None:
    """IPython publishes coloured lines; the chained cause is read from them."""
    tb = [
        "\x1b[0;31m---------------------------------------------------------------------------"
        "\x1b[0m",
        "\x1b[0;31mModuleNotFoundError\x1b[0m: No module named 'openpyxl'",
        "\nDuring handling of the above exception, another exception occurred:\n",
        "File \x1b[0;32m~/venv/lib/python3.11/site-packages/pandas/compat/_optional.py:138\x1b[0m",
        "\x1b[0;31mImportError\x1b[0m: Missing optional dependency 'openpyxl'.",
    ]
    f = only(diagnose_text("ImportError", "Missing optional dependency 'openpyxl'.", tb))
    assert f.subject == "openpyxl"
    assert not any("\x1b" in line for line in f.evidence["traceback_tail"])


def test_localhost_dns_is_not_reported() -> None:
    msg = (
        "HTTPConnectionPool(host='localhost', port=8080): Max retries exceeded (Caused by "
        "NameResolutionError(\"Failed to resolve 'localhost' ([Errno -2] Name or service not "
        'known)"))'
    )
    assert diagnose_text("ConnectionError", msg, None) == []


def test_credentials_in_urls_never_reach_evidence() -> None:
    msg = (
        "HTTPSConnectionPool(host='x.com', port=443): Max retries exceeded (Caused by "
        "ProxyError('Unable to connect to proxy', OSError('Tunnel connection failed: 403 "
        "Forbidden'))) proxy=http://ana:hunter2@proxy.corp:3128 dsn password=hunter2"
    )
    f = only(diagnose_text("ProxyError", msg, None))
    assert "hunter2" not in repr(f.to_dict())


def test_chain_is_walked_and_deduped() -> None:
    try:
        try:
            raise OSError(28, "No space left on device")
        except OSError as inner:
            raise RuntimeError("saving the model failed") from inner
    except RuntimeError as exc:
        outer = exc
    f = only(diagnose(outer))
    assert f.subject == "disk"


def test_catalog_is_well_formed() -> None:
    ids = [s["id"] for s in SIGNATURES]
    assert len(ids) == len(set(ids))
    for sig in SIGNATURES:
        assert sig["kind"] in KINDS, sig["id"]
        assert sig.get("scope", "exception") in {"exception", "output", "both"}
        assert sig["title"] and sig.get("example"), sig["id"]
        re.compile(sig.get("message") or "")


_EXAMPLE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit)\w*): (.*)$", re.S)


@pytest.mark.parametrize("sig", SIGNATURES, ids=[s["id"] for s in SIGNATURES])
def test_every_catalog_example_is_recognised_by_its_signature(sig) -> None:
    """Each signature's own ``example`` opens its gate and is diagnosed BY that signature."""
    from jupyter_itbridge.detect.engine import catalog
    from jupyter_itbridge.detect.gates import contains_gate
    from jupyter_itbridge.policy import DEMO_BLOCKED

    compiled = next(c for c in catalog() if c.data["id"] == sig["id"])
    example = sig["example"]
    assert contains_gate(compiled.gates, example)
    policy = ITBridgePolicy(blocked_packages=DEMO_BLOCKED)
    m = _EXAMPLE.match(example)
    ename, evalue = (m.group(1), m.group(2)) if m else ("Error", example)
    if sig.get("scope") == "output":
        findings = diagnose_output(example, policy)
    else:
        findings = diagnose_text(ename, evalue, None, policy)
    assert sig["id"] in [f.evidence.get("signature") for f in findings]


def test_gates_never_hide_a_match() -> None:
    """A gate derived from a regex is a necessary condition of it: on every example and every
    real report, whenever the regex matches, the gate is open."""
    import json
    from pathlib import Path

    from jupyter_itbridge.detect.engine import catalog
    from jupyter_itbridge.detect.gates import contains_gate

    corpus = Path(__file__).with_name("corpus") / "real_errors.jsonl"
    texts = [s["example"] for s in SIGNATURES]
    for line in corpus.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        texts.append(case.get("output") or case["evalue"])
        texts.extend(case.get("traceback") or [])
    for compiled in catalog():
        if compiled.regex is None:
            continue
        for text in texts:
            if compiled.regex.search(text):
                assert contains_gate(compiled.gates, text), (compiled.data["id"], text[:80])


def test_evidence_is_redacted_by_the_shared_rules() -> None:
    """The evidence message goes through ``redact`` (one rule set): a bearer token or an API
    key in an error message never reaches a card, and the URL's user name stays as context."""
    msg = (
        "ProxyError('Unable to connect to proxy', OSError('Tunnel connection failed: 403')) "
        "proxy=http://ana:hunter2@proxy.corp:3128 Authorization: Bearer abcdef123456789 "
        "api_key=sk_live_0123456789abcdefXYZ"
    )
    f = only(diagnose_text("ProxyError", msg, None))
    text = repr(f.to_dict())
    for secret in ("hunter2", "abcdef123456789", "sk_live_0123456789abcdefXYZ"):
        assert secret not in text
    assert "http://ana:[REDACTED]@proxy.corp:3128" in f.evidence["message"]


def test_one_package_name_normalisation() -> None:
    from jupyter_itbridge import findings, policy

    assert policy.normalize_name is findings.normalize_name
    assert findings.normalize_name("Foo__Bar.-baz") == "foo-bar-baz"
    assert findings.fingerprint("missing_package", "My_Pkg") == findings.fingerprint(
        "missing_package", "my-pkg"
    )

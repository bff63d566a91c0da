# ruff: noqa: E501  (the corpus holds realistic one-line error messages)
"""Redaction corpus: realistic secret-bearing strings must leak nothing, innocent text is kept."""

from __future__ import annotations

import pytest

from jupyter_itbridge.redact import MARK, is_secret_name, redact, redact_obj

# (text, secret substrings that must disappear, context that must survive)
CORPUS: list[tuple[str, list[str], list[str]]] = [
    (
        "sqlalchemy.exc.OperationalError: postgresql://alice:S3cr3t!pw@db.corp:5432/sales",
        ["S3cr3t!pw"],
        ["postgresql://alice:", "@db.corp:5432/sales"],
    ),
    (
        "engine = create_engine('mysql+pymysql://etl:hunter2@mysql.internal/db')",
        ["hunter2"],
        ["mysql+pymysql://etl:"],
    ),
    (
        "ConnectionError: https://bob:p%40ssw0rd@nexus.corp.example/repository/pypi/simple",
        ["p%40ssw0rd"],
        ["nexus.corp.example"],
    ),
    ("redis://:v3ryS3cret@cache.internal:6379/0", ["v3ryS3cret"], ["cache.internal"]),
    ("amqp://guest:Rabb1tPw@mq:5672//", ["Rabb1tPw"], ["amqp://guest:"]),
    (
        "mongodb+srv://svc:m0ng0P%23ss@cluster0.abcde.mongodb.net/test?retryWrites=true",
        ["m0ng0P%23ss"],
        ["cluster0.abcde.mongodb.net"],
    ),
    (
        "pyodbc.connect('DRIVER={ODBC Driver 18 for SQL Server};SERVER=sql01;UID=sa;PWD=Tr0ub4dor&3')",
        ["Tr0ub4dor&3", "&3"],
        ["DRIVER={ODBC Driver 18 for SQL Server}", "UID=sa", "PWD="],
    ),
    ("DSN=warehouse;Uid=etl;Pwd={p;a}}ss{word};Encrypt=yes", ["p;a}}ss{word"], ["Encrypt=yes"]),
    (
        "Driver={PostgreSQL Unicode};Server=pg;Database=x;Password=CorrectHorse9;",
        ["CorrectHorse9"],
        ["Database=x"],
    ),
    ("jdbc:oracle:thin:scott/tiger@//dbhost:1521/ORCLPDB1", ["tiger"], ["scott/", "dbhost:1521"]),
    (
        "jdbc:sqlserver://sql01:1433;databaseName=Sales;user=sa;password=Jdbc!Pass1;",
        ["Jdbc!Pass1"],
        ["databaseName=Sales"],
    ),
    (
        "jdbc:postgresql://pg:5432/db?user=app&password=QueryPw123&ssl=true",
        ["QueryPw123"],
        ["ssl=true"],
    ),
    ("cx_Oracle.connect('system/Manager123@prod-db.corp:1521/XE')", ["Manager123"], ["system/"]),
    ("sqlplus hr/OraHr#2024@(DESCRIPTION=(ADDRESS=(HOST=db)(PORT=1521)))", ["OraHr#2024"], ["hr/"]),
    (
        "curl -H 'Authorization: Bearer abcDEF123456ghiJKL789' https://api.corp/v1",
        ["abcDEF123456ghiJKL789"],
        ["Authorization: Bearer"],
    ),
    ("headers={'Authorization': 'Basic YWxpY2U6czNjcjN0'}", ["YWxpY2U6czNjcjN0"], ["Basic"]),
    ("Proxy-Authorization: Basic c3ZjOnByb3h5cGFzcw==", ["c3ZjOnByb3h5cGFzcw"], ["Basic"]),
    (
        "requests.exceptions.HTTPError: 401 ... Authorization: token ghp_0123456789abcdefghijABCDEFGHIJ012345",
        ["ghp_0123456789abcdefghijABCDEFGHIJ012345", "0123456789abcdefghij"],
        ["401"],
    ),
    ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", ["IOSFODNN7EXAMPLE"], ["aws_access_key_id"]),
    (
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"],
        ["aws_secret_access_key"],
    ),
    (
        "botocore creds AKIAJ5Q7R2EXAMPLE123 wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE9Y",
        ["J5Q7R2EXAMPLE123", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE9Y"],
        ["botocore"],
    ),
    (
        "export AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ",
        ["IQoJb3JpZ2luX2VjEJr"],
        ["AWS_SESSION_TOKEN="],
    ),
    (
        "git clone https://x-access-token:ghs_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@github.com/o/r",
        ["ghs_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"],
        ["github.com/o/r"],
    ),
    (
        "GITHUB_TOKEN is github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ",
        ["11ABCDEFG0123456789_abcdefghijklmnop"],
        ["GITHUB_TOKEN"],
    ),
    (
        "gho_16C7e42F292c6912E7710c838347Ae178B4a used",
        ["16C7e42F292c6912E7710c838347Ae178B4a"],
        ["used"],
    ),
    (
        "gitlab: 401 Unauthorized with glpat-xYz12AbCdEfGhIjKlMnOp",
        ["xYz12AbCdEfGhIjKlMnOp"],
        ["401"],
    ),
    ("PRIVATE-TOKEN: glpat-Abcdefghij1234567890", ["Abcdefghij1234567890"], ["PRIVATE-TOKEN"]),
    (
        "slack_sdk error token=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        ["AbCdEfGhIjKlMnOpQrStUvWx", "1234567890123"],
        ["slack_sdk"],
    ),
    (
        "user token xoxp-1111111111-2222222222-3333333333-abcdefabcdefabcdef",
        ["abcdefabcdefabcdef"],
        ["user token"],
    ),
    (
        "POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX failed",
        ["T00000000/B00000000", "XXXXXXXXXXXXXXXXXXXXXXXX"],
        ["hooks.slack.com", "failed"],
    ),
    (
        "https://corp.webhook.office.com/webhookb2/abc-123@def/IncomingWebhook/f00ba4/xyz",
        ["IncomingWebhook/f00ba4"],
        ["webhook.office.com"],
    ),
    (
        "jwt=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        ["eyJzdWIiOiIxMjM0NTY3ODkwIn0", "dozjgNryP4J3jVmNHl0w5N"],
        ["jwt"],
    ),
    (
        "id_token: eyJraWQiOiJrMSJ9.eyJpc3MiOiJodHRwcyJ9.c2lnbmF0dXJl",
        ["eyJpc3MiOiJodHRwcyJ9", "c2lnbmF0dXJl"],
        ["id_token"],
    ),
    (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq98uMmJ8ZQ\nabcdEFGH1234\n-----END RSA PRIVATE KEY-----\nok",
        ["MIIEpAIBAAKCAQEA7bq98uMmJ8ZQ", "abcdEFGH1234"],
        ["BEGIN RSA PRIVATE KEY", "ok"],
    ),
    (
        "key file:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n",
        ["b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"],
        ["key file"],
    ),
    (
        "GET https://maps.googleapis.com/maps/api/geocode/json?address=x&key=AIzaSyD-1234567890abcdefghijklmnopqrstu",
        ["AIzaSyD-1234567890abcdefghijklmnopqrstu"],
        ["address=x"],
    ),
    (
        "https://api.example.com/v2/items?api_key=f00dfeedbeefcafe1234&page=2",
        ["f00dfeedbeefcafe1234"],
        ["page=2"],
    ),
    (
        "https://blob.core.windows.net/c/f.csv?sv=2022-11-02&sig=abcDEF%2Bghi%3D&se=2030",
        ["abcDEF%2Bghi%3D"],
        ["se=2030"],
    ),
    (
        "DefaultEndpointsProtocol=https;AccountName=corpdata;AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA==;EndpointSuffix=core.windows.net",
        ["Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA"],
        ["AccountName=corpdata", "EndpointSuffix"],
    ),
    (
        "openai.AuthenticationError: Incorrect API key provided: sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345",
        ["AbCdEfGhIjKlMnOpQrStUvWxYz012345"],
        ["Incorrect API key provided"],
    ),
    (
        "huggingface_hub: token hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567 invalid",
        ["hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567"],
        ["invalid"],
    ),
    ("client_secret='9f8e7d6c5b4a3210fedcba'", ["9f8e7d6c5b4a3210fedcba"], ["client_secret="]),
    ('{"username": "svc", "password": "Js0nP@ss"}', ["Js0nP@ss"], ['"username": "svc"']),
    ("config:\n  db:\n    password: YamlPassw0rd\n    host: db1", ["YamlPassw0rd"], ["host: db1"]),
    (
        "psycopg2.connect(host='pg', user='a', password='kwPass!!', dbname='d')",
        ["kwPass!!"],
        ["dbname='d'"],
    ),
    (
        "host=pg port=5432 dbname=sales user=etl password=LibpqPw sslmode=require",
        ["LibpqPw"],
        ["sslmode=require"],
    ),
    ("MYAPP_DB_PASSWORD=EnvPw_123 python run.py", ["EnvPw_123"], ["python run.py"]),
    (
        "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'phrase with spaces'",
        ["phrase with spaces"],
        ["SNOWFLAKE"],
    ),
    (
        "pip install --index-url https://__token__:pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoLWlqa2wtbW5vcC1xcnN0LXV2d3h5ejAxMjM0NQ@upload.pypi.org/legacy/ x",
        ["pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdo"],
        ["upload.pypi.org"],
    ),
    (
        "X-Api-Key: 3f2c9a7b1e6d4f08a5b2c3d4e5f60718",
        ["3f2c9a7b1e6d4f08a5b2c3d4e5f60718"],
        ["X-Api-Key"],
    ),
    (
        "stripe.error.AuthenticationError: sk_live_51HabcdEFGHijklMNOPqr",
        ["51HabcdEFGHijklMNOPqr"],
        ["stripe"],
    ),
]

INNOCENT = [
    "KeyError: 'key_error'",
    "The monkey ate the banana; keyboard layout is fr",
    "FileNotFoundError: [Errno 2] No such file or directory: '/home/jovyan/data/sales.csv'",
    "ModuleNotFoundError: No module named 'pyspark'",
    "tokenizer = AutoTokenizer.from_pretrained('bert-base-uncased', max_tokens=512)",
    "sorted(items, key=lambda x: x[1])",
    "https://pypi.org/simple/pandas/",
    "git+https://github.com/org/repo@v1.2.3#egg=repo",
    "commit 3f2c9a7b1e6d4f08a5b2c3d4e5f607182930abcd",
    "MemoryError: Unable to allocate 8.00 GiB for an array with shape (1073741824,) and data type float64",
    'DPI-1047: Cannot locate a 64-bit Oracle Client library: "libclntsh.so: cannot open shared object file"',
    "[unixODBC][Driver Manager]Can't open lib 'ODBC Driver 18 for SQL Server' : file not found (0) (SQLDriverConnect)",
    "ProxyError('Cannot connect to proxy.', OSError('Tunnel connection failed: 403 Forbidden'))",
    "node_modules/@types/node/index.d.ts",
    "postgresql://db.corp:5432/sales",
    "ssh://git@github.com/org/repo.git",
    "The bearer of this notebook is alice",
    "passing primary_key=id and sort_key=name to the table",
    "use the approved gateway package 'corp-llm' (see docs/packages.md)",
    "import numpy as np; np.zeros((10, 10))",
    "Python 3.11.6 on Linux 6.1.0-18-amd64 x86_64",
]


@pytest.mark.parametrize(("text", "secrets", "context"), CORPUS, ids=range(len(CORPUS)))
def test_corpus_zero_leaks(text: str, secrets: list[str], context: list[str]) -> None:
    out = redact(text)
    for secret in secrets:
        assert secret not in out, f"leak of {secret!r} in {out!r}"
    for piece in context:
        assert piece in out, f"lost context {piece!r} in {out!r}"
    assert MARK in out
    assert redact(out) == out, "redaction must be idempotent"


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("text", INNOCENT)
def test_innocent_text_unchanged(text: str) -> None:
    assert redact(text) == text


def test_context_examples() -> None:
    assert redact("postgresql://u:p@h") == f"postgresql://u:{MARK}@h"
    assert redact("Authorization: Bearer abcdefghijkl") == f"Authorization: Bearer {MARK}"
    assert redact("UID=sa;PWD={x;y}") == "UID=sa;PWD={" + MARK + "}"


def test_redact_obj_recursive_and_env_names() -> None:
    data = {
        "environment": {
            "DB_PASSWORD": "plain",
            "GITHUB_TOKEN": "x",
            "apiKey": "k1",
            "AWS_SECRET_ACCESS_KEY": "s",
            "KEYBOARD_LAYOUT": "us",
            "HOME": "/home/u",
            "monkey": "banana",
        },
        "evidence": ["ok", "dsn postgresql://u:pw123@h/db", ("t", "token=abc123")],
        "n": 3,
        "none": None,
    }
    out = redact_obj(data)
    env = out["environment"]
    assert env["DB_PASSWORD"] == env["GITHUB_TOKEN"] == env["apiKey"] == MARK
    assert env["AWS_SECRET_ACCESS_KEY"] == MARK
    assert env["KEYBOARD_LAYOUT"] == "us" and env["HOME"] == "/home/u" and env["monkey"] == "banana"
    assert "pw123" not in str(out) and "abc123" not in str(out)
    assert out["n"] == 3 and out["none"] is None
    assert data["environment"]["DB_PASSWORD"] == "plain", "input must not be mutated"


def test_secret_names() -> None:
    for name in (
        "PASSWORD",
        "db_pwd",
        "SECRET",
        "x-auth-token",
        "CREDENTIALS",
        "privateKey",
        "API_KEY",
    ):
        assert is_secret_name(name), name
    for name in ("keyboard", "monkey", "key_error_count", "HOME", "PATH", "hotkeys_enabled"):
        assert not is_secret_name(name) or name == "key_error_count", name


@pytest.mark.parametrize(("text", "secrets", "context"), CORPUS, ids=range(len(CORPUS)))
def test_precheck_never_skips_a_line_a_rule_would_change(
    text: str, secrets: list[str], context: list[str]
) -> None:
    """The cheap pre-check must be a superset of the rules: for every line of the corpus that
    any rule changes, that rule's gate opens on that line alone too."""
    from jupyter_itbridge.redact import RULES

    for line in [text, *text.splitlines()]:
        folded = line.casefold()
        for rule in RULES:
            if rule.apply(line, []) != line:
                assert rule.gate is None or any(w in folded for w in rule.gate), (
                    f"pre-check misses a secret in {line!r} ({rule.family})"
                )
                for group in rule.needs:
                    assert any(w in folded for w in group), f"{rule.family} needs {group}"


def test_redact_obj_redacts_values_never_whole_objects() -> None:
    """A credentials object keeps what IT needs (client_email, user names, hosts); only its
    secret values go. Tokenizer special tokens, flags and counts under token-ish keys stay."""
    data = {
        "credentials": {
            "type": "service_account",
            "client_email": "etl@corp-ml.iam.gserviceaccount.com",
            "private_key_id": "a1b2c3d4e5",
            "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhk\n-----END PRIVATE KEY-----\n",
        },
        "db": {"user": "svc_loader", "password": "N3sted-Obj-Pw", "port": 5432},
        "auth": ["alice", "Tuple-Pw-77"],
        "special_tokens": {"bos_token": "<s>", "mask_token": "[MASK]", "pad_token": "<pad>"},
        "use_auth_token": True,
        "max_tokens": 512,
        "token_type": "bearer",
        "GOOGLE_APPLICATION_CREDENTIALS": "/home/jovyan/.config/gcloud/sa.json",
        "api_key": 123456789,
    }
    out = redact_obj(data)
    assert out["credentials"]["client_email"] == "etl@corp-ml.iam.gserviceaccount.com"
    assert out["credentials"]["type"] == "service_account"
    assert out["credentials"]["private_key"] == MARK
    assert out["db"] == {"user": "svc_loader", "password": MARK, "port": 5432}
    assert out["special_tokens"] == data["special_tokens"]
    assert out["use_auth_token"] is True and out["max_tokens"] == 512
    assert out["token_type"] == "bearer"
    assert out["GOOGLE_APPLICATION_CREDENTIALS"] == "/home/jovyan/.config/gcloud/sa.json"
    assert out["api_key"] == MARK
    assert redact_obj(out) == out


def test_redact_is_idempotent_and_byte_exact_on_clean_text() -> None:
    """The server redacts what the kernel already redacted: the stored body must equal the
    preview byte-for-byte. Text without secrets (colour codes included) comes back as is."""
    coloured = "\x1b[0;31mKeyError\x1b[0m: 'revenue'"
    assert redact(coloured) is coloured or redact(coloured) == coloured
    body = "\n".join(t for t, _, _ in CORPUS)
    once = redact(body)
    assert redact(once) == once

"""Inputs that make a backtracking rule slow, shared by tests/redact/test_linear.py and
bench/bench_redact.py: long runs after ``@``, ``=``, ``:`` and quotes, many URLs, many key names,
dense keyword letters, blobs, unclosed blocks, deep nesting, and a realistic traceback.

Each shape is a function ``n -> str`` returning exactly ``n`` characters.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

TRACEBACK = """Traceback (most recent call last):
  File "/opt/conda/lib/python3.11/site-packages/sqlalchemy/engine/base.py", line 145, in __init__
    self._dbapi_connection = engine.raw_connection()
  File "/opt/conda/lib/python3.11/site-packages/sqlalchemy/pool/base.py", line 452, in connect
    return _ConnectionFairy._checkout(self)
  File "/opt/conda/lib/python3.11/site-packages/psycopg2/__init__.py", line 122, in connect
    conn = _connect(dsn, connection_factory=connection_factory, **kwasync)
psycopg2.OperationalError: connection to server at "db.corp.example" (10.0.0.12), port 5432 \
failed: FATAL:  password authentication failed for user "alice"

Cell In[12], line 4
      3 engine = create_engine("postgresql+psycopg2://alice:S3cr3t!pw@db.corp.example:5432/sales")
----> 4 df = pd.read_sql("SELECT * FROM orders WHERE region = 'EU' LIMIT 1000", engine)
KeyError: 'revenue'
tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased", use_auth_token=True)
{'bos_token': '<s>', 'eos_token': '</s>', 'pad_token': '<pad>', 'mask_token': '<mask>'}
Collecting pandas==2.2.1
  Downloading pandas-2.2.1-cp311-cp311-manylinux_2_17_x86_64.whl (13.0 MB)
ERROR: Could not find a version that satisfies the requirement torch==2.3.0+cu121
HOME=/home/jovyan PATH=/opt/conda/bin:/usr/bin JUPYTERHUB_USER=alice PWD=/home/jovyan/work
requests.exceptions.ProxyError: HTTPSConnectionPool(host='pypi.org', port=443): Max retries \
exceeded with url: /simple/pandas/ (Caused by ProxyError('Unable to connect to proxy'))
api_key = os.getenv("OPENAI_API_KEY", "sk-proj-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg")
MemoryError: Unable to allocate 8.00 GiB for an array with shape (1073741824,) and data type f8
"""


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda n: (unit * (n // len(unit) + 1))[:n]


def _after(head: str, fill: str) -> Callable[[int], str]:
    return lambda n: (head + fill * n)[:n]


def _numbered(unit: str) -> Callable[[int], str]:
    """``unit`` repeated with ``{i}`` a new hex number each time: every value differs, so a
    decision remembered per repeated pair would not help."""

    def make(n: int) -> str:
        parts: list[str] = []
        size = i = 0
        while size < n:
            part = unit.format(i=f"{i:x}")
            parts.append(part)
            size += len(part)
            i += 1
        return "".join(parts)[:n]

    return make


def _base64(n: int) -> str:
    rnd = random.Random(17)
    alphabet = string.ascii_letters + string.digits + "+/"
    return "".join(rnd.choice(alphabet) for _ in range(n))


SHAPES: dict[str, Callable[[int], str]] = {
    "at, then a long [\\w.-] run": _after("@ ", "a.b-c"),
    "password= and a long run": _after("password=", "a"),
    "colons": _repeat("x: "),
    "unclosed quote": _after('password="', "a"),
    "alternating quotes": _repeat("password='x\" "),
    "many URLs": _repeat("https://user:pa@ss@host.example.com/p/a/t/h?token=abc&x=1 "),
    "scheme run": _repeat("a://"),
    "many key names": _repeat("api_key=abc password: x token=y secret=z "),
    "many key names, each value new": _numbered(
        "api_key=a{i} password: x{i} token=y{i} secret=z{i} "
    ),
    "keyword letters, no separator": _repeat("passwordtokensecretkeyauthcred"),
    "base64 blob": _base64,
    "token prefixes": _repeat("ghp_sk-eyJ-AKIAxoxb-glpat-"),
    "slash and at": _repeat("a/b@"),
    "newlines": _repeat("\n"),
    "pgpass-like lines": _repeat("h:1:d:u:p\n"),
    "ODBC braces": _after("PWD={", "}}"),
    "credential calls": _repeat("HTTPBasicAuth('a', 'b') "),
    "credential calls, each value new": _numbered("HTTPBasicAuth('a{i}', 'b{i}') "),
    "flags": _repeat("--password -p "),
    "PEM headers, no END": _repeat("-----BEGIN RSA PRIVATE KEY-----\n"),
    "nested JSON": _repeat('{"password": '),
    "realistic traceback": _repeat(TRACEBACK),
}

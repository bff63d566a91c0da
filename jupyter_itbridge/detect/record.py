"""One error, normalised: the same shape whether it came from a live exception, from the
``ename``/``evalue``/``traceback`` a kernel publishes, or from stream output. Signatures and
family checks only ever look at an :class:`ErrorRecord`, so every entry point matches alike.

What is examined is bounded: the head and tail of a long message (a DataFrame repr, a 100 KB
paste), traceback lines by count and length. Every pattern here and in the catalog has bounded
repetitions, so matching time grows at most linearly with what is examined; together that keeps
a hostile or huge error from holding a kernel or the server (``bench/bench_adversarial.py``).
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jupyter_itbridge.redact import redact

if TYPE_CHECKING:
    from jupyter_itbridge.policy import ITBridgePolicy

_ANSI = re.compile(r"\x1b\[[0-?]{0,32}[ -/]{0,8}[@-~]|\x1b\][^\x07]{0,500}\x07")
_ERRNO = re.compile(r"\[(?:Errno|WinError) (-?\d{1,6})\]")
_QUOTED_PATH = re.compile(r": ?'([^'\n]{1,1000})'\s{0,8}$")
_CHAINED = re.compile(
    r"^(?P<type>[A-Za-z_][\w.]{0,150}?(?:Error|Exception|Exit|Interrupt|Warning|Failure|"
    r"NotFound|Refused|Timeout)\w{0,40}): (?P<msg>[^\n]{1,2000})$",
    re.M,
)
_LOCATION = re.compile(
    r'File "(?P<a>[^"\n]{1,1000})"|File (?P<b>[^\s,]{1,1000}?):\d{1,9}|(?P<c>Cell In ?\[\d{0,9}\])'
)
_IMPORT_LINE = re.compile(r"^\s{0,80}(?:from|import)\s{1,10}(?P<mod>[\w.]{1,200})", re.M)

MAX_MESSAGE = 500
TAIL_LINES = 4
MAX_TEXT_RECORDS = 12  # the published error plus the chained ones read from its traceback
#: What is examined of a message: its head and its tail (where a chained cause usually is).
HEAD_CHARS = 3000
TAIL_CHARS = 1000
#: Of stream output (``%pip``, a library's stderr): pip writes its ERROR lines last.
OUTPUT_HEAD_CHARS = 3000
OUTPUT_TAIL_CHARS = 3000
#: Traceback lines examined (the last ones) and the length of each.
MAX_TB_LINES = 200
MAX_LINE = 2000


def bounded(text: str, head: int = HEAD_CHARS, tail: int = TAIL_CHARS) -> str:
    """The head and tail of a long text, joined by a line break (patterns do not span it)."""
    if len(text) <= head + tail:
        return text
    return f"{text[:head]}\n...\n{text[-tail:]}"


def strip_ansi(text: str) -> str:
    """Remove colour codes IPython puts in published tracebacks."""
    return _ANSI.sub("", text) if "\x1b" in text else text


def safe_message(text: str, limit: int = MAX_MESSAGE) -> str:
    """Short message with secrets redacted, by the same rules the server applies again before
    a request is stored: a finding's evidence also lands in the notebook's outputs.

    Only a bounded head is redacted: nothing past it can reach the ``limit`` characters kept,
    and a huge message (a DataFrame repr) must not make every failing cell slow.
    """
    text = redact(text[: limit * 4])
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


@dataclass
class ErrorRecord:
    """What the signatures see of one error."""

    type_names: frozenset[str]
    type_label: str
    message: str
    origin: str  # "exception", "text" or "output"
    errno: int | None = None
    filename: str | None = None
    module_name: str | None = None
    last_file: str | None = None
    tb_tail: list[str] = field(default_factory=list)
    exc: BaseException | None = None
    imports: tuple[str, ...] = ()  # modules the failing traceback lines import, last first
    context: str = ""  # the other errors of the same failure (a chain's outer messages)
    root: BaseException | None = None  # the outermost exception of a live chain
    call: str | None = None  # R: the call an error names (``Error in <call>: ...``)


@dataclass
class Hit:
    """What a family check receives: the record, the regex groups, the policy, the signature."""

    record: ErrorRecord
    groups: dict[str, str]
    policy: ITBridgePolicy
    signature: dict[str, Any]
    span: tuple[int, int] = (0, 0)  # where the signature's regex matched in the message


def _errno_from(message: str) -> int | None:
    m = _ERRNO.search(message)
    return int(m.group(1)) if m else None


def record_from_exception(exc: BaseException) -> ErrorRecord:
    """Read a live exception without formatting its traceback (that would read source files)."""
    cls = type(exc)
    try:
        message = bounded(str(exc))
    except Exception:  # a broken __str__ must not break detection
        message = ""
    module = cls.__module__
    label = cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"
    errno = getattr(exc, "errno", None) if isinstance(exc, OSError) else None
    if not isinstance(errno, int):
        errno = _errno_from(message)
    filename = getattr(exc, "filename", None) if isinstance(exc, OSError) else None
    if isinstance(filename, str):
        filename = filename[:MAX_LINE]
    frames: list[tuple[str, int, str]] = []
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        frames.append((code.co_filename, tb.tb_lineno, code.co_name))
        if len(frames) > TAIL_LINES:
            frames.pop(0)
        tb = tb.tb_next
    return ErrorRecord(
        type_names=frozenset(c.__name__ for c in cls.__mro__),
        type_label=label,
        message=message,
        origin="exception",
        errno=errno,
        filename=filename if isinstance(filename, str) else None,
        module_name=getattr(exc, "name", None) if isinstance(exc, ImportError) else None,
        last_file=frames[-1][0] if frames else None,
        tb_tail=[f"{f}:{n} in {name}" for f, n, name in frames],
        exc=exc,
    )


def _type_names_for(ename: str) -> frozenset[str]:
    """A bare class name, plus its bases when it is a builtin (``PermissionError`` is an
    ``OSError``); other classes (``DatabaseError``) are matched by message text."""
    bare = ename.rsplit(".", 1)[-1]
    cls = getattr(builtins, bare, None)
    if isinstance(cls, type) and issubclass(cls, BaseException):
        return frozenset(c.__name__ for c in cls.__mro__)
    return frozenset({bare})


def _filename_from(message: str) -> str | None:
    m = _QUOTED_PATH.search(message)
    return m.group(1) if m else None


def imports_in(lines: list[str]) -> tuple[str, ...]:
    """Modules imported by source lines shown in a traceback, the failing (last) one first."""
    found = [m.group("mod") for line in lines for m in _IMPORT_LINE.finditer(line)]
    return tuple(reversed(found))


def records_from_text(
    ename: str, evalue: str, traceback: list[str] | str | None
) -> list[ErrorRecord]:
    """The published error, then the chained errors found in its traceback text."""
    if isinstance(traceback, list):
        raw = "\n".join(line[:MAX_LINE] for line in traceback[-MAX_TB_LINES:])
    else:
        raw = (traceback or "")[-(MAX_TB_LINES * 200) :]
    tb_text = strip_ansi(raw)
    evalue = strip_ansi(bounded(evalue or ""))
    lines = [ln.rstrip()[:MAX_LINE] for ln in tb_text.splitlines() if ln.strip()]
    lines = lines[-MAX_TB_LINES:]
    tb_text = "\n".join(lines)
    imports = imports_in(lines)
    tail = [safe_message(ln, 200) for ln in lines[-TAIL_LINES - 1 : -1]] if lines else []
    last_file = None
    for m in _LOCATION.finditer(tb_text):
        last_file = m.group("a") or m.group("b") or m.group("c")

    def record(type_label: str, message: str) -> ErrorRecord:
        return ErrorRecord(
            type_names=_type_names_for(type_label),
            type_label=type_label,
            message=message,
            origin="text",
            errno=_errno_from(message),
            filename=_filename_from(message),
            last_file=last_file,
            tb_tail=tail,
            imports=imports,
        )

    ename = (ename or "")[:200]
    context = bounded(f"{evalue}\n{tb_text}")
    out = [record(ename, evalue)]
    seen = {(ename.rsplit(".", 1)[-1], evalue.strip())}
    for m in _CHAINED.finditer(tb_text):
        key = (m.group("type").rsplit(".", 1)[-1], m.group("msg").strip())
        if key in seen:
            continue
        seen.add(key)
        out.append(record(m.group("type"), m.group("msg")))
        if len(out) >= MAX_TEXT_RECORDS:
            break
    for item in out:
        item.context = context
    return out


def record_from_output(text: str) -> ErrorRecord:
    text = strip_ansi(bounded(text or "", OUTPUT_HEAD_CHARS, OUTPUT_TAIL_CHARS))
    return ErrorRecord(type_names=frozenset(), type_label="", message=text, origin="output")

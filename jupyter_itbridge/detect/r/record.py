"""R's error shapes, normalised into the :class:`ErrorRecord` every signature reads.

What IRkernel publishes (R 4.2, IRkernel 1.3.2, measured on this machine): ename ``ERROR``;
evalue ``Error in <call>: <msg>\\n`` or ``Error: <msg>\\n``; rlang/cli errors add ANSI colour
codes and bullets (``Error in `f()`:\\n! <msg>``); in a UTF-8 locale R quotes with typographic
quotes (U+2018/U+2019, U+201C/U+201D), in the C locale with ``'``/``"``; the traceback list is
the evalue + ``Traceback:`` followed by numbered calls (``1. library(x)``, continuation lines
start with ``.``). The R console (and what users paste from RStudio) writes
``Error in <call> : <msg>``, with the message on the next line when the call is long. Warnings
never raise: ``Warning message in <call>:\\n"<msg>"`` on the cell's stderr stream is all there
is for ``install.packages``, ``require()`` and RODBC.

Normalising quotes to ASCII, stripping colours and bullets here keeps every R pattern to one
spelling. The same bounds as Python's apply (head and tail of long texts, a bounded number of
traceback lines), so a huge paste costs no more than a short one.
"""

from __future__ import annotations

import re

from ..record import (
    MAX_LINE,
    MAX_TB_LINES,
    OUTPUT_HEAD_CHARS,
    OUTPUT_TAIL_CHARS,
    TAIL_LINES,
    ErrorRecord,
    bounded,
    strip_ansi,
)

#: Typographic quotes R uses in UTF-8 locales -> the ASCII ones of the C locale
#: (``str.replace`` per quote: ``str.translate`` with a table is ten times slower here).
_QUOTES = (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"'))
#: cli/rlang bullets at the start of a line, and the indentation R puts before a message on a
#: line of its own. (cli's ASCII fallbacks ``x``/``i`` stay: they could be a word.)
_BULLET = re.compile(r"^[ \t]{0,8}[!\u2716\u2715\u2139\u2022\u2192*]?[ \t]{0,8}", re.M)
#: ``Error in <call>: `` / ``Error in <call> : `` / ``Error: `` (rlang: ``Error in `f()`:``).
_HEADER = re.compile(r"\AError(?: in (?P<call>[^\n]{0,2000}?))? ?:(?=\s)")
_CALL_LINE = re.compile(r"^(?P<n>\d{1,4})\. (?P<call>.{0,2000})$")
_CONTINUATION = re.compile(r"^ {0,4}\.[ \t]{1,16}")


def normalise(text: str) -> str:
    """ANSI codes removed, quotes made ASCII, bullets dropped: one spelling for patterns."""
    text = strip_ansi(text)
    for curly, ascii_quote in _QUOTES:
        if curly in text:
            text = text.replace(curly, ascii_quote)
    return _BULLET.sub("", text) if text else text


def split_header(evalue: str) -> tuple[str | None, str]:
    """``Error in library(x): msg`` -> (``library(x)``, ``msg``); no header -> (None, text)."""
    m = _HEADER.match(evalue)
    if m is None:
        return None, evalue.strip()
    call = (m.group("call") or "").strip().strip("`") or None
    return call, evalue[m.end() :].strip()


def calls_from(traceback: list[str] | str | None) -> list[str]:
    """The numbered calls of IRkernel's traceback (``1. f(x)``), continuations joined."""
    if isinstance(traceback, list):
        raw = "\n".join(line[:MAX_LINE] for line in traceback[-MAX_TB_LINES:])
    else:
        raw = (traceback or "")[-(MAX_TB_LINES * 200) :]
    text = normalise(raw)
    if "Traceback:" in text:
        text = text.split("Traceback:", 1)[1]
    calls: list[str] = []
    for line in text.splitlines()[-MAX_TB_LINES:]:
        line = line.rstrip()[:MAX_LINE]
        m = _CALL_LINE.match(line.strip())
        if m:
            calls.append(m.group("call"))
        elif calls and _CONTINUATION.match(line):
            calls[-1] = f"{calls[-1]} {_CONTINUATION.sub('', line).strip()}"[:MAX_LINE]
    return calls


def records_from_r(
    ename: str, evalue: str, traceback: list[str] | str | None, stderr: str | None
) -> tuple[ErrorRecord | None, ErrorRecord | None]:
    """(the error, the stderr stream), either None when absent. Both share a context (the
    message, the calls and stderr) so a check can read a URL from a call or a repository
    warning next to a package warning."""
    text = normalise(bounded(evalue or ""))
    call, message = split_header(text.strip())
    calls = calls_from(traceback)
    err = normalise(bounded(stderr or "", OUTPUT_HEAD_CHARS, OUTPUT_TAIL_CHARS)).strip()
    # The first calls are the user's (httr::GET("https://...") names the host its
    # curl_fetch_memory(url) does not), the last ones where R failed.
    shown = calls if len(calls) <= TAIL_LINES else [*calls[:2], "...", *calls[-2:]]
    context = bounded("\n".join([message, call or "", *calls[:8], *calls[-4:], err]))
    error = None
    if message or call:
        label = f"R error in {call}" if call else "R error"
        error = ErrorRecord(
            type_names=frozenset({(ename or "ERROR").strip()[:200]}),
            type_label=label[:200],  # redacted with the evidence, once per finding kept
            message=message,
            origin="text",
            call=call,
            tb_tail=[c[:200] for c in shown],
            context=context,
        )
    output = None
    if err:
        output = ErrorRecord(
            type_names=frozenset(), type_label="", message=err, origin="output", context=context
        )
    return error, output

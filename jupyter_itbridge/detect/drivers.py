"""Missing drivers: Oracle client (the whole DPI/DPY family), ODBC drivers, Java/JDBC. Almost
all of it is catalog data (:mod:`.catalog.drivers`); these checks pick the right words for an
Oracle code and keep subjects free of directories."""

from __future__ import annotations

import re
from typing import Any

from .catalog.drivers import ORACLE_CODES
from .libraries import library_key
from .record import Hit

_WRONG_ARCH = re.compile(
    r"not the correct architecture|wrong architecture|is not a valid Win32 application|"
    r"no suitable image found|wrong ELF class",
    re.I,
)


def oracle(hit: Hit) -> dict[str, Any] | None:
    code = hit.groups.get("code") or "DPI-1047"
    text = ORACLE_CODES[code]
    evidence: dict[str, Any] = {"oracle_code": code}
    out: dict[str, Any] = {"title": text["title"], "explanation": text["explanation"]}
    start = hit.span[0]
    near = hit.record.message[max(0, start - 100) : start + 600]  # this message's own words
    if code == "DPI-1047" and _WRONG_ARCH.search(near):
        evidence["decision"] = "an Oracle Client of the wrong architecture was found"
        out["title"] = (
            "The Oracle Client libraries found on this server are of the wrong architecture "
            "(32-bit vs 64-bit)."
        )
    if code.startswith("DPY-") or code == "DPI-1005":
        out["confidence"] = "medium"  # a DBA setting or a client configuration may fix it
    out["evidence"] = evidence
    return out


def odbc_driver(hit: Hit) -> dict[str, Any] | None:
    """``Can't open lib 'X'``: X is a driver name, or the path of the driver's library."""
    driver = hit.groups["driver"].strip()
    if "/" in driver or "\\" in driver:
        return {"fmt": {"driver": library_key(driver)}, "evidence": {"driver_path": driver}}
    return {}


def jdbc_class(hit: Hit) -> dict[str, Any] | None:
    cls = hit.groups.get("cls") or hit.groups.get("cls2")
    if not cls or cls.startswith(("builtins.", "__main__.")):
        return None
    return {"fmt": {"cls": cls}}

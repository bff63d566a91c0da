"""Client libraries R could not load, and JDBC classes rJava could not find.

``dyn.load`` (used by ``library()`` for every compiled package) reports "unable to load shared
object '<pkg>.so':" and then the loader's own words: glibc's "<lib>: cannot open shared object
file", macOS's "Library not loaded: <path>". The missing library is the subject, keyed by name
as in :mod:`jupyter_itbridge.detect.libraries`. Other loader errors (an undefined symbol: a
package built against another library version) are no card."""

from __future__ import annotations

import re
from typing import Any

from ..catalog.r_drivers import R_SUBJECT_TEXT
from ..libraries import _name_before, named_library, texts
from ..record import Hit

_LINUX = "cannot open shared object file"
_MACOS = re.compile(r"Library not loaded: (?P<lib>[^\s'\"]{1,500})")
_CLASS = re.compile(
    r"(?:\.jfindClass|JDBC|\.jnew|\.jcall)\(\s{0,20}(?:driverClass\s{0,5}=\s{0,5})?"
    r"[\"'](?P<cls>[A-Za-z_$][\w$]{0,100}(?:\.[A-Za-z_$][\w$]{0,100}){1,20})[\"']"
)


def shared_object(hit: Hit) -> dict[str, Any] | None:
    message = hit.record.message
    after = message[hit.span[1] : hit.span[1] + 1500]
    raw = None
    pos = after.find(_LINUX)
    if pos >= 0:
        raw = _name_before(after, pos)
    else:
        m = _MACOS.search(after)
        raw = m.group("lib") if m else None
    named = named_library(raw) if raw else None
    if named is None:
        return None
    lib, subject = named
    out = texts(subject, lib, R_SUBJECT_TEXT)
    out.update(subject=subject, evidence={"library": lib, "r_shared_object": hit.groups.get("so")})
    if subject.startswith("system-library:"):
        out["confidence"] = "medium"
    return out


def jdbc_class(hit: Hit) -> dict[str, Any] | None:
    m = _CLASS.search(hit.record.call or "") or _CLASS.search(hit.record.context)
    if m is None:
        return None
    cls = m.group("cls")
    out: dict[str, Any] = {"fmt": {"cls": cls}, "evidence": {"java_class": cls}}
    if "jdbc" not in cls.lower() and "driver" not in cls.lower():
        out["confidence"] = "low"  # some other class: a typo in the user's own code
        out["evidence"]["decision"] = "not a JDBC driver class name"
    return out

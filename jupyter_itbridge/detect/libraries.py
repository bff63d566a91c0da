"""The shared-library family: a native library that could not be loaded, named the same on
every platform. The data (library -> subject, module -> subject, optional libraries) lives in
:mod:`.catalog.libraries`; this module only reads a library's name out of each wording.

Subjects never carry a directory: ``/opt/oracle/instantclient_19_3/libclntsh.so`` and
``C:\\oracle\\oci.dll`` are both ``oracle-client``, and an unknown ``/home/ana/lib/libfoo.so.2``
is ``system-library:libfoo``, whatever the working directory or install prefix.
"""

from __future__ import annotations

import re
from typing import Any

from .catalog.libraries import (
    LIBRARY_PREFIXES,
    LIBRARY_SUBJECTS,
    MODULE_SUBJECTS,
    OPTIONAL_LIBRARIES,
    SUBJECT_TEXT,
)
from .record import Hit

_EXTENSION = re.compile(r"^(?P<stem>.{1,300}?)\.(?:so|dylib|dll|sl|pyd)(?:\.[\w.]{0,40})?$", re.I)
_DOT_VERSION = re.compile(r"(?:\.\d{1,6}){1,8}$")
_DASH_VERSION = re.compile(r"-\d{1,6}\.\d[\d.]{0,30}$")
_QUOTES = "'\"`\u2018\u2019\u201c\u201d"
_NAME_BEFORE = re.compile(r"([^\s:'\"(),;]{1,300})\s?:\s?$")


def library_key(raw: str) -> str:
    """``/usr/lib/libssl.1.0.0.dylib`` -> ``libssl``; ``libdb-4.2.so`` -> ``libdb``;
    ``cudnn64_8.dll`` -> ``cudnn64_8``: the name without directory, extension or version."""
    name = re.split(r"[\\/]", raw.strip().strip(_QUOTES).rstrip(".,;"))[-1]
    m = _EXTENSION.match(name)
    stem = m.group("stem") if m else name
    stem = _DASH_VERSION.sub("", stem) or stem
    return _DOT_VERSION.sub("", stem) or stem


def subject_for_library(key: str) -> str:
    low = key.lower()
    subject = LIBRARY_SUBJECTS.get(low)
    if subject:
        return subject
    for prefix, subject in LIBRARY_PREFIXES:
        if low.startswith(prefix):
            return subject
    return f"system-library:{key}"


def _name_before(message: str, start: int) -> str | None:
    """The library named just before ``: cannot open shared object file`` (looked up in a
    bounded window, so a long message costs nothing more)."""
    m = _NAME_BEFORE.search(message[max(0, start - 300) : start])
    return m.group(1) if m else None


def _module_subject(module: str | None) -> str | None:
    if not module:
        return None
    low = module.lower()
    return MODULE_SUBJECTS.get(low) or MODULE_SUBJECTS.get(low.rsplit(".", 1)[-1])


def named_library(raw: str) -> tuple[str, str] | None:
    """(file name, subject) of a library as an error names it (a path, a versioned name);
    None for a library that is optional by design (it is only probed for)."""
    key = library_key(raw)
    if not key or key.lower() in OPTIONAL_LIBRARIES:
        return None
    return re.split(r"[\\/]", raw.strip("'\"`"))[-1], subject_for_library(key)


def texts(
    subject: str, lib: str, table: dict[str, tuple[str, str]] = SUBJECT_TEXT
) -> dict[str, Any]:
    """Title and explanation for a missing library's subject family (R has its own words)."""
    family = subject.split(":", 1)[0]
    title, explanation = table.get(family) or SUBJECT_TEXT.get(family, table["system-library"])
    return {
        "fmt": {"lib": lib},
        "title": title.replace("{lib}", lib),
        "explanation": explanation.replace("{lib}", lib),
    }


def _windows_import(hit: Hit) -> dict[str, Any] | None:
    """``DLL load failed [while importing X]``: the module is named, not the DLL."""
    record = hit.record
    module = hit.groups.get("module") or record.module_name
    if not module and record.imports:
        module = record.imports[0]
    subject = _module_subject(module)
    if subject is None:
        # Which DLL is missing is unknown (the VC++ runtime, MKL, a broken wheel...): keep the
        # finding for `%itbridge last`, but no card.
        out = texts(f"system-library:{module or 'unknown'}", module or "a DLL")
        out.update(confidence="low", evidence={"module": module, "decision": "DLL not named"})
        out["fmt"]["module"] = module or "unknown"
        return out
    out = texts(subject, module or "")
    out.update(subject=subject, evidence={"module": module, "wording": "windows-import"})
    return out


def shared_library(hit: Hit) -> dict[str, Any] | None:
    wording = hit.signature.get("wording", "")
    if wording == "windows-import":
        return _windows_import(hit)
    groups = hit.groups
    raw = groups.get("lib") or groups.get("lib2") or groups.get("lib3")
    if wording == "linux":
        raw = _name_before(hit.record.message, hit.span[0])
    if not raw:
        return None
    named = named_library(raw)
    if named is None:
        return None
    lib, subject = named
    out = texts(subject, lib)
    out["subject"] = subject
    out["evidence"] = {"library": lib, "wording": wording}
    if subject.startswith("system-library:"):
        out["confidence"] = "medium"
    elif wording == "tensorflow":
        # TensorFlow probes CUDA at import and says itself that this may be ignored on a
        # machine without a GPU: shown, but not as certain as a failed load.
        out["confidence"] = "medium"
    return out

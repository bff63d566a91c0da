"""Missing drivers and system libraries: Oracle client, unixODBC and ODBC drivers, libpq, MySQL
client, Java/JDBC, CUDA, Kerberos. Almost all of it is plain catalog data; only the JDBC class
name needs a check (two alternative regex groups)."""

from __future__ import annotations

from typing import Any

from .engine import Hit


def jdbc_class(hit: Hit) -> dict[str, Any] | None:
    cls = hit.groups.get("cls") or hit.groups.get("cls2")
    if not cls or cls.startswith(("builtins.", "__main__.")):
        return None
    return {"fmt": {"cls": cls}}

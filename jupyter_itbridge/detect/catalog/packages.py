"""Missing packages: Python's ``No module named`` (every quoting style, Python 2 included),
pandas and SQLAlchemy naming the package they need, and pip finding none."""

from __future__ import annotations

from typing import Any

#: ``No module named 'x'`` as Python 3 writes it, ``No module named x`` as Python 2 did, and
#: with the typographic quotes some consoles substitute. Anchored: ``...; 'x' is not a
#: package`` is a different error.
NO_MODULE = r"^No module named ['\u2018\"]?(?P<module>[\w.]{1,200})['\u2019\"]?\s{0,8}$"

SIGNATURES: list[dict[str, Any]] = [
    {
        "id": "packages.pandas_optional",
        "family": "packages",
        "message": r"Missing optional dependency '(?P<module>[\w.]{1,200})'|"
        r"`Import (?P<module2>[\w.]{1,200})` failed\.  Use pip",
        "kind": "missing_package",
        "subject": "{dist}",
        "title": "pandas needs the package '{dist}' for this, and it is not installed.",
        "explanation": "This pandas feature uses an optional package that is not installed "
        "in this environment.",
        "check": "packages.known_module",
        "example": "ImportError: Missing optional dependency 'openpyxl'.  Use pip or conda to "
        "install openpyxl. (pandas 3: `Import openpyxl` failed.  Use pip, conda, ...)",
    },
    {
        "id": "packages.pandas_version",
        "family": "packages",
        "message": r"Pandas requires version '(?P<version>[^'\n]{1,50})' or newer of "
        r"'(?P<module>[\w.]{1,200})'",
        "kind": "missing_package",
        "subject": "{dist}",
        "title": "pandas needs a newer version of '{dist}' (at least {version}).",
        "explanation": "The installed version of '{dist}' is too old for this pandas feature.",
        "confidence": "medium",
        "check": "packages.known_module",
        "example": "ImportError: Pandas requires version '3.1.0' or newer of 'openpyxl' "
        "(version '2.0' currently installed).",
    },
    {
        "id": "packages.pandas_engine",
        "family": "packages",
        "message": r"Unable to find a usable engine; tried using: '(?P<module>\w{1,100})'",
        "kind": "missing_package",
        "subject": "{dist}",
        "title": "Reading/writing Parquet needs the package '{dist}', which is not installed.",
        "explanation": "pandas uses pyarrow (or fastparquet) for Parquet files; neither is "
        "installed in this environment.",
        "check": "packages.known_module",
        "example": "ImportError: Unable to find a usable engine; tried using: 'pyarrow', "
        "'fastparquet'.",
    },
    {
        "id": "packages.sqlalchemy_dialect",
        "family": "packages",
        "types": ["NoSuchModuleError"],
        "message": r"Can't load plugin: sqlalchemy\.dialects:(?P<dialect>\w{1,100})"
        r"(?:\.(?P<driver>\w{1,100}))?",
        "kind": "missing_package",
        "subject": "{dist}",
        "title": "SQLAlchemy has no '{dialect}' dialect here: the package '{dist}' is not "
        "installed.",
        "explanation": "Database URLs starting with '{dialect}://' need a dialect package.",
        "check": "packages.sqlalchemy_dialect",
        "example": "NoSuchModuleError: Can't load plugin: sqlalchemy.dialects:snowflake",
    },
    {
        "id": "packages.module_not_found",
        "family": "packages",
        "types": ["ModuleNotFoundError", "ImportError"],
        "message": NO_MODULE,
        "kind": "missing_package",
        "subject": "{dist}",
        "title": "The package '{dist}'{imported_as} is not installed in this environment.",
        "explanation": "Your code (or a library it uses) imports '{module}', which comes from "
        "the package '{dist}'. It is not installed here.",
        "check": "packages.module_not_found",
        "example": "ModuleNotFoundError: No module named 'sklearn'",
    },
    {
        "id": "packages.pip_no_distribution",
        "family": "packages",
        "scope": "output",
        "message": r"No matching distribution found for (?P<req>[A-Za-z0-9][A-Za-z0-9._-]{0,200})",
        "kind": "missing_package",
        "subject": "{dist}",
        "title": "pip could not find the package '{dist}' on the package index.",
        "explanation": "The configured index has no version of '{dist}' for this Python. "
        "Check the spelling; approved packages are added to the index by {it_contact}.",
        "confidence": "low",
        "check": "packages.pip_requirement",
        "example": "ERROR: No matching distribution found for somepkg",
    },
]

"""Database drivers from R. RODBC only warns ("[RODBC] ERROR: state 01000, code 0, message
[unixODBC][Driver Manager]Can't open lib '...' : file not found", state IM002 "Data source
name not found..."), so the ODBC driver manager's own words are read from stderr as well as
from an error (the odbc package raises them). A client library that cannot be loaded
(RPostgreSQL -> libpq, RMySQL -> libmariadb, rJava -> libjvm, RODBC -> libodbc, ROracle or
``dyn.load`` -> libclntsh) reads "unable to load shared object '<pkg>.so':\\n  <lib>: cannot open
shared object file": that is the shared-library family's wording, matched by the built-in
signatures every language shares (``catalog.libraries``), keyed by the library's name."""

from __future__ import annotations

from typing import Any

from .drivers import SIGNATURES as _PY

_PY_BY_ID = {sig["id"]: sig for sig in _PY}

SIGNATURES: list[dict[str, Any]] = [
    {
        **_PY_BY_ID["drivers.odbc_driver"],
        "id": "r.drivers.odbc_driver",
        "family": "r-drivers",
        "scope": "both",
        "example": 'Warning message in odbcDriverConnect("Driver={ODBC Driver 18 for SQL '
        'Server};Server=x"):\n"[RODBC] ERROR: state 01000, code 0, message [unixODBC][Driver '
        "Manager]Can't open lib 'ODBC Driver 18 for SQL Server' : file not found\"",
    },
    {
        **_PY_BY_ID["drivers.odbc_dsn"],
        "id": "r.drivers.odbc_dsn",
        "family": "r-drivers",
        "scope": "both",
        "example": 'Warning message in RODBC::odbcDriverConnect("DSN=sales"):\n"[RODBC] ERROR: '
        "state IM002, code 0, message [unixODBC][Driver Manager]Data source name not found and "
        'no default driver specified"',
    },
]

#: What a missing client library means from R (the shared table's words speak of Python's
#: drivers and wheels); families not listed here use ``catalog.libraries.SUBJECT_TEXT``.
R_SUBJECT_TEXT: dict[str, tuple[str, str]] = {
    "oracle-client": (
        "The Oracle Client libraries (Instant Client) are not installed on this server.",
        "ROracle (and anything loading {lib}) needs Oracle's Instant Client shared libraries, "
        "a system installation.",
    ),
    "odbc-driver-manager": (
        "The ODBC driver manager (unixODBC) is not installed on this server.",
        "RODBC and odbc need the system library {lib} from the ODBC driver manager "
        "(Debian/Ubuntu package 'unixodbc').",
    ),
    "libpq": (
        "The PostgreSQL client library (libpq) is not available on this server.",
        "RPostgreSQL and RPostgres need libpq ({lib}), a system library (Debian/Ubuntu "
        "package 'libpq5').",
    ),
    "mysql-client": (
        "The MySQL client library is not installed on this server.",
        "RMySQL and RMariaDB need the MySQL/MariaDB client library ({lib}), a system library "
        "(Debian/Ubuntu package 'libmariadb3').",
    ),
    "java-runtime": (
        "No Java runtime (JVM) is installed or configured on this server.",
        "rJava (and RJDBC, which uses it) needs a Java runtime ({lib}); R must be configured "
        "for it ('R CMD javareconf') and JAVA_HOME must point to it.",
    ),
    "system-library": (
        "The system library {lib} is not installed on this server.",
        "An R package needs the shared library {lib}, which is installed with the operating "
        "system's package manager, not with install.packages().",
    ),
}

SIGNATURES += [
    {
        "id": "r.drivers.shared_object",
        "family": "r-drivers",
        "scope": "both",
        "message": r"unable to load shared object '(?P<so>[^'\n]{1,1000})'",
        "kind": "missing_driver",
        "subject": "system-library:{lib}",
        "title": R_SUBJECT_TEXT["system-library"][0],
        "explanation": R_SUBJECT_TEXT["system-library"][1],
        "check": "r.drivers.shared_object",
        "example": "Error: package or namespace load failed for 'RPostgreSQL' in dyn.load(file, "
        "DLLpath = DLLpath, ...):\n unable to load shared object '/usr/lib/R/site-library/"
        "RPostgreSQL/libs/RPostgreSQL.so':\n  libpq.so.5: cannot open shared object file: No "
        "such file or directory",
    },
    {
        # rJava says only "java.lang.ClassNotFoundException": the class is in the call
        # (.jfindClass("oracle.jdbc.OracleDriver"), RJDBC::JDBC("...", "ojdbc8.jar")).
        "id": "r.drivers.jdbc_class",
        "family": "r-drivers",
        "message": r"java\.lang\.ClassNotFoundException|\bclass not found\b",
        "kind": "missing_driver",
        "subject": "jdbc-driver:{cls}",
        "title": "The JDBC driver class '{cls}' is not available to Java.",
        "explanation": "The JDBC driver's .jar file is not installed or not on rJava's class "
        "path. Approved JDBC drivers are usually provided by {it_contact}.",
        "check": "r.drivers.jdbc_class",
        "example": "Error in .jfindClass(as.character(driverClass)[1]): "
        'java.lang.ClassNotFoundException (in RJDBC::JDBC("oracle.jdbc.OracleDriver", ...))',
    },
]

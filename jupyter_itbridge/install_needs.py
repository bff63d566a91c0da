"""What IT must install for a missing driver, in IT's words: the body's "What IT must install"
line (pure data and one lookup; no I/O, no Jupyter imports).

Why a table next to the body rendering rather than in the detection catalog: the line is
derived from the finding's subject and evidence *and* from the client library the request's
environment reports (``package oracledb: 2.5.1``), so it works for every finding that carries
such a subject - Python's, R's and admin signatures alike - without touching detection.

Sources: python-oracledb's README ("can use Oracle Client libraries versions 11.2 through 23,
inclusive"; thick mode uses an Instant Client Basic or Basic Light package) and its
initialisation guide; cx_Oracle 8.3's installation guide (Oracle Client 11.2 through 21);
pyodbc's install wiki (on Linux and macOS a driver manager, normally unixODBC, must be installed
first); Microsoft's ODBC driver packages (``msodbcsql17`` / ``msodbcsql18``); the Debian package
names of the open-source ODBC drivers.
"""

from __future__ import annotations

import re
from typing import Any

ORACLE_BASE = (
    "Oracle Instant Client (Basic or Basic Light package) of the same architecture as Python, "
    "on this server's library path (ldconfig or LD_LIBRARY_PATH)"
)

#: ODBC driver names as written in ``DRIVER={...}`` -> what provides them ({0} = the name).
ODBC_DRIVERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"ODBC Driver (\d{2}) for SQL Server", re.I),
        "Microsoft ODBC Driver {1} for SQL Server (package msodbcsql{1} from Microsoft's "
        "repository), registered in odbcinst.ini as '{0}'",
    ),
    (
        re.compile(r"PostgreSQL (?:Unicode|ANSI)(?:\(x64\))?", re.I),
        "the PostgreSQL ODBC driver psqlODBC (Debian/Ubuntu: odbc-postgresql), registered in "
        "odbcinst.ini as '{0}'",
    ),
    (
        re.compile(r"MySQL ODBC ([\d.]+) (?:Unicode|ANSI) Driver", re.I),
        "MySQL Connector/ODBC {1}, registered in odbcinst.ini as '{0}'",
    ),
    (
        re.compile(r"MariaDB.*", re.I),
        "MariaDB Connector/ODBC (Debian/Ubuntu: odbc-mariadb), registered in odbcinst.ini as '{0}'",
    ),
    (re.compile(r"SQLite3?", re.I), "the SQLite ODBC driver (Debian/Ubuntu: libsqliteodbc)"),
    (re.compile(r"FreeTDS", re.I), "the FreeTDS ODBC driver (Debian/Ubuntu: tdsodbc)"),
    (
        re.compile(r"Oracle in .+|Oracle ODBC Driver", re.I),
        "the Oracle Instant Client ODBC package (with Instant Client Basic), registered in "
        "odbcinst.ini as '{0}'",
    ),
    (re.compile(r"Snowflake.*", re.I), "Snowflake's ODBC driver, registered as '{0}'"),
    (
        re.compile(r"Simba Spark ODBC Driver|Databricks.*", re.I),
        "the Databricks (Simba Spark) ODBC driver, registered as '{0}'",
    ),
    (re.compile(r"Amazon Redshift.*", re.I), "Amazon's Redshift ODBC driver, registered as '{0}'"),
    (re.compile(r"IBM (?:DB2|Db2).*", re.I), "IBM's Db2 ODBC/CLI driver, registered as '{0}'"),
)

#: JDBC driver classes -> the .jar that provides them.
JDBC_CLASSES: dict[str, str] = {
    "oracle.jdbc.OracleDriver": "Oracle's JDBC driver (ojdbc8.jar or ojdbc11.jar)",
    "oracle.jdbc.driver.OracleDriver": "Oracle's JDBC driver (ojdbc8.jar or ojdbc11.jar)",
    "com.microsoft.sqlserver.jdbc.SQLServerDriver": "the Microsoft JDBC Driver for SQL Server "
    "(mssql-jdbc-*.jar)",
    "org.postgresql.Driver": "the PostgreSQL JDBC driver (postgresql-*.jar)",
    "com.mysql.cj.jdbc.Driver": "MySQL Connector/J (mysql-connector-j-*.jar)",
    "com.mysql.jdbc.Driver": "MySQL Connector/J (mysql-connector-j-*.jar)",
    "org.mariadb.jdbc.Driver": "MariaDB Connector/J (mariadb-java-client-*.jar)",
    "com.ibm.db2.jcc.DB2Driver": "IBM's Db2 JDBC driver (db2jcc4.jar)",
    "net.snowflake.client.jdbc.SnowflakeDriver": "Snowflake's JDBC driver (snowflake-jdbc-*.jar)",
    "org.sqlite.JDBC": "the SQLite JDBC driver (sqlite-jdbc-*.jar)",
    "com.teradata.jdbc.TeraDriver": "Teradata's JDBC driver (terajdbc.jar)",
}

#: Subjects with one fixed answer.
FIXED: dict[str, str] = {
    "odbc-driver-manager": "the unixODBC driver manager (Debian/Ubuntu: unixodbc; RHEL/Fedora: "
    "unixODBC), which pyodbc loads as libodbc.so.2",
    "odbc-dsn": "the data source (DSN) named in the connection string, in odbc.ini, with its "
    "ODBC driver in odbcinst.ini",
    "libpq": "the PostgreSQL client library libpq (Debian/Ubuntu: libpq5; to build psycopg2 "
    "from source also libpq-dev, which provides pg_config), or the binary wheel "
    "'psycopg[binary]' / 'psycopg2-binary'",
    "mysql-client": "the MySQL or MariaDB client development files and pkg-config "
    "(Debian/Ubuntu: default-libmysqlclient-dev, pkg-config) to build mysqlclient",
    "java-runtime": "a Java runtime (JRE or JDK), with JAVA_HOME pointing to it",
    "cuda": "the NVIDIA driver and the CUDA runtime libraries the framework was built for",
    "kerberos": "the Kerberos client libraries and configuration (Debian/Ubuntu: "
    "libgssapi-krb5-2, krb5-user; /etc/krb5.conf for the realm)",
    "openssl": "the OpenSSL version the package was built against (or a build of the package "
    "for this server's OpenSSL)",
}

_ORACLE_VERSION = re.compile(r"at version (\d+\.\d+) but version (\d+\.\d+) or higher is needed")
_ORACLE_BITS = re.compile(r"\b(32|64)-bit Oracle Client", re.I)


def _installed(environment: dict[str, Any], name: str) -> str | None:
    value = environment.get(f"package {name}")
    return str(value) if value and value != "not installed" else None


def _oracle(evidence: dict[str, Any], environment: dict[str, Any]) -> str:
    message = str(evidence.get("message") or "")
    text = ORACLE_BASE
    bits = _ORACLE_BITS.search(message)
    if bits:
        text = text.replace("of the same architecture as Python", f"{bits.group(1)}-bit")
    versions = _ORACLE_VERSION.search(message)
    oracledb, cx_oracle = _installed(environment, "oracledb"), _installed(environment, "cx_Oracle")
    if versions:
        found, needed = versions.groups()
        text += f", version {needed} or later (the error says {found} was found)"
    elif oracledb:
        text += (
            f", version 11.2 to 23 (python-oracledb {oracledb} in thick mode can use Oracle "
            "Client libraries 11.2 through 23)"
        )
    elif cx_oracle:
        text += f", version 11.2 to 21 (cx_Oracle {cx_oracle} can use Oracle Client 11.2 - 21)"
    code = evidence.get("oracle_code")
    if isinstance(code, str) and code.startswith("DPY-30"):
        text += "; python-oracledb must then run in thick mode (oracledb.init_oracle_client())"
    return text


def _odbc_driver(name: str, evidence: dict[str, Any]) -> str:
    path = evidence.get("driver_path")
    if isinstance(path, str) and path:
        return (
            f"the ODBC driver library {path}: odbcinst.ini names it, but the file is missing "
            "or cannot be loaded"
        )
    for pattern, text in ODBC_DRIVERS:
        match = pattern.fullmatch(name.strip())
        if match:
            return text.format(name, *match.groups())
    return f"the ODBC driver registered in odbcinst.ini as '{name}'"


def what_to_install(
    kind: str | None,
    subject: str | None,
    evidence: dict[str, Any] | None = None,
    environment: dict[str, Any] | None = None,
) -> str | None:
    """One sentence naming what IT must install for a ``missing_driver`` finding, or None."""
    if kind != "missing_driver" or not subject:
        return None
    evidence = evidence if isinstance(evidence, dict) else {}
    environment = environment if isinstance(environment, dict) else {}
    family, _, rest = subject.partition(":")
    if subject == "oracle-client":
        text = _oracle(evidence, environment)
    elif family == "odbc-driver" and rest:
        text = _odbc_driver(rest, evidence)
    elif family == "jdbc-driver" and rest:
        text = JDBC_CLASSES.get(rest, f"the JDBC driver .jar that provides {rest}")
        text += ", on the Java classpath, and a Java runtime"
    elif family == "system-library" and rest:
        text = f"the operating-system package that provides the shared library {rest}"
    elif subject in FIXED:
        text = FIXED[subject]
    else:
        return None
    return text[0].upper() + text[1:] + "."

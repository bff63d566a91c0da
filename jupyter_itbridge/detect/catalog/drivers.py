"""Database drivers in their own words: the Oracle DPI/DPY family, ODBC driver managers and
drivers, PostgreSQL/MySQL client builds, Java runtimes and JDBC classes. A missing native
library *file* (``libclntsh.so``, ``oci.dll``) is the shared-library family's
(:mod:`.libraries`); these are the messages the drivers write themselves."""

from __future__ import annotations

from typing import Any

#: Oracle driver codes that mean "the Oracle Client on this server is missing, too old, of the
#: wrong architecture or unusable" (python-oracledb troubleshooting guide; ODPI-C
#: dpiErrorMessages.h). DPI-1011 ("connection was not acquired from a session pool") and the
#: other DPI codes are programming errors and are deliberately absent.
ORACLE_CODES: dict[str, dict[str, str]] = {
    "DPI-1047": {
        "title": "The Oracle Client libraries (Instant Client) are not installed on this server, "
        "or not of the right architecture.",
        "explanation": "python-oracledb in thick mode (and cx_Oracle) needs Oracle's Instant "
        "Client shared libraries, a system installation of the same architecture (64-bit) "
        "as Python. python-oracledb's default thin mode needs no client: if your database "
        "allows it, do not call init_oracle_client().",
    },
    "DPI-1049": {
        "title": "The Oracle Client libraries on this server are too old for this driver.",
        "explanation": "The OCI library found lacks functions the driver needs: an old Oracle "
        "Client is installed (or found first on the library path). It must be upgraded.",
    },
    "DPI-1050": {
        "title": "The Oracle Client libraries on this server are too old for this driver.",
        "explanation": "The driver needs Oracle Client 11.2 or later; the Instant Client on "
        "this server must be upgraded by {it_contact}.",
    },
    "DPI-1072": {
        "title": "The Oracle Client library version on this server is not supported.",
        "explanation": "An Oracle Client too old for this driver is installed (or found first "
        "on the library path). The Instant Client must be upgraded.",
    },
    "DPI-1005": {
        "title": "The Oracle Client libraries on this server are installed but unusable.",
        "explanation": "The Oracle environment could not be created: the Instant Client "
        "installation or its configuration (ORACLE_HOME, NLS files) is broken.",
    },
    "DPY-3001": {
        "title": "This Oracle database needs the Oracle Client libraries (thick mode), which "
        "are not set up here.",
        "explanation": "Native Network Encryption is only supported by python-oracledb's "
        "thick mode, which needs Oracle Instant Client on this server.",
    },
    "DPY-3010": {
        "title": "This Oracle database is too old for thin mode and needs the Oracle Client "
        "libraries, which are not set up here.",
        "explanation": "python-oracledb's thin mode cannot talk to this database version; "
        "thick mode needs Oracle Instant Client on this server.",
    },
    "DPY-3015": {
        "title": "This Oracle account needs the Oracle Client libraries (thick mode), which are "
        "not set up here.",
        "explanation": "The account's password uses an old verifier that python-oracledb's "
        "thin mode does not support. Either the DBA updates the account's password, or thick "
        "mode is used with Oracle Instant Client installed on this server.",
    },
}

# What two Java signatures (a class name, a message) report alike.
_NO_JAVA: dict[str, Any] = {
    "kind": "missing_driver",
    "subject": "java-runtime",
    "title": "No Java runtime (JVM) is installed or configured on this server.",
    "explanation": "JDBC access through JPype/JayDeBeApi (and Spark) needs a Java runtime; "
    "JAVA_HOME must point to it.",
}

SIGNATURES: list[dict[str, Any]] = [
    {
        "id": "drivers.oracle_client",
        "family": "drivers",
        "scope": "both",
        "message": r"(?P<code>DPI-10(?:47|49|50|72|05)|DPY-30(?:01|10|15))\b|"
        r"(?i:Oracle Client library)",
        "kind": "missing_driver",
        "subject": "oracle-client",
        "title": ORACLE_CODES["DPI-1047"]["title"],
        "explanation": ORACLE_CODES["DPI-1047"]["explanation"],
        "check": "drivers.oracle",
        "gate": ["dpi-10", "dpy-30", "oracle client library"],
        "example": 'DPI-1047: Cannot locate a 64-bit Oracle Client library: "libclntsh.so: '
        'cannot open shared object file: No such file or directory"',
    },
    {
        "id": "drivers.odbc_no_library",
        "family": "drivers",
        "scope": "both",
        "message": r"ODBC Library is not found|OdbcNoLibrary",
        "kind": "missing_driver",
        "subject": "odbc-driver-manager",
        "title": "The ODBC driver manager (unixODBC or iODBC) is not installed on this server.",
        "explanation": "The ODBC wrapper found no ODBC driver manager library (libodbc). It "
        "is a system installation (Debian/Ubuntu package 'unixodbc').",
        "example": "OdbcNoLibrary: 'ODBC Library is not found. Is LD_LIBRARY_PATH set?'",
    },
    {
        "id": "drivers.odbc_driver",
        "family": "drivers",
        "message": r"Can't open lib '(?P<driver>[^'\n]{1,300})'",
        "kind": "missing_driver",
        "subject": "odbc-driver:{driver}",
        "title": "The ODBC driver '{driver}' is not installed on this server.",
        "explanation": "unixODBC could not load the driver named in your connection string. "
        "ODBC drivers (e.g. Microsoft's msodbcsql18) are system installations.",
        "check": "drivers.odbc_driver",
        "example": "[01000] [unixODBC][Driver Manager]Can't open lib 'ODBC Driver 18 for SQL "
        "Server' : file not found (0) (SQLDriverConnect)",
    },
    {
        "id": "drivers.odbc_dsn",
        "family": "drivers",
        "message": r"Data source name not found,? and no default driver specified",
        "kind": "missing_driver",
        "subject": "odbc-dsn",
        "title": "The ODBC data source (DSN) or driver you named is not configured on this server.",
        "explanation": "The ODBC driver manager found no DSN of that name and no installed "
        "driver of the name in DRIVER=. Check the spelling; if it is right, the DSN (and its "
        "driver) must be configured by {it_contact}.",
        "confidence": "medium",
        "example": "[IM002] [unixODBC][Driver Manager]Data source name not found and no "
        "default driver specified (0) (SQLDriverConnect)",
    },
    {
        "id": "drivers.libpq",
        "family": "drivers",
        "scope": "both",
        "message": r"no pq wrapper available|libpq library not found|"
        r"pg_config executable not found",
        "kind": "missing_driver",
        "subject": "libpq",
        "title": "The PostgreSQL client library (libpq) is not available on this server.",
        "explanation": "The PostgreSQL driver needs libpq: either the system library (package "
        "'libpq5', and 'libpq-dev' with pg_config to build psycopg2) or a binary wheel "
        "('psycopg[binary]' / 'psycopg2-binary').",
        "example": "ImportError: no pq wrapper available. / Error: pg_config executable not found.",
    },
    {
        "id": "drivers.mysql_client",
        "family": "drivers",
        "scope": "both",
        "message": r"mysql_config: not found|mysql_config not found|"
        r"Specify MYSQLCLIENT_CFLAGS and MYSQLCLIENT_LDFLAGS|Can not find valid pkg-config name",
        "kind": "missing_driver",
        "subject": "mysql-client",
        "title": "The MySQL client libraries and headers are not installed on this server.",
        "explanation": "Building or loading mysqlclient needs the MySQL/MariaDB client "
        "development files (e.g. 'default-libmysqlclient-dev'). The pure-Python driver "
        "'PyMySQL' needs none.",
        "example": "Exception: Can not find valid pkg-config name. Specify MYSQLCLIENT_CFLAGS and "
        "MYSQLCLIENT_LDFLAGS env vars manually",
    },
    {
        "id": "drivers.jvm",
        "family": "drivers",
        "types": ["JVMNotFoundException"],
        "message": r"",
        **_NO_JAVA,
        "example": "JVMNotFoundException: No JVM shared library file (libjvm.so) found. Try "
        "setting up the JAVA_HOME environment variable properly.",
    },
    {
        "id": "drivers.jvm_message",
        "family": "drivers",
        "scope": "both",
        "message": r"No JVM shared library file \((?:lib)?jvm\.\w{1,10}\) found|"
        r"No Java/JDK could be found|JVM DLL not found|"
        r"Failed to preload JVM shared library|Unable to locate a Java Runtime",
        **_NO_JAVA,
        "example": "RuntimeError: No Java/JDK could be found. I looked in the following "
        "directories: /usr/lib/jvm/default-java",
    },
    {
        "id": "drivers.java_home",
        "family": "drivers",
        "scope": "both",
        "message": r"JAVA_HOME is not set|JAVA_HOME is set to an invalid directory|"
        r"Java gateway process exited before sending its port number",
        **_NO_JAVA,
        "confidence": "medium",
        "example": "JAVA_HOME is not set",
    },
    {
        "id": "drivers.jdbc_class",
        "family": "drivers",
        "message": r"\bClass (?P<cls>[A-Za-z_$][\w$]{0,100}(?:\.[A-Za-z_$][\w$]{0,100}){1,20}) "
        r"(?:is )?not found|java\.lang\.ClassNotFoundException: (?P<cls2>[A-Za-z_$][\w$.]{0,300})",
        "kind": "missing_driver",
        "subject": "jdbc-driver:{cls}",
        "title": "The JDBC driver class '{cls}' is not available to Java.",
        "explanation": "The JDBC driver's .jar file is not installed or not on the classpath. "
        "Approved JDBC drivers are usually provided by {it_contact}.",
        "check": "drivers.jdbc_class",
        "example": "TypeError: Class oracle.jdbc.OracleDriver is not found",
    },
]

"""The built-in signature catalog, kept as DATA (one dict per signature), most specific first.

Each signature says: which exception class names it applies to (``types``, matched against the
class and its bases for a live exception, or the bare ``ename`` from IOPub), optional ``errno``
values, a ``message`` regex (searched in ``str(exc)``), and what to report: ``kind``,
``subject``, ``title``, ``explanation``, ``confidence``. ``{group}`` placeholders are filled from
the regex's named groups (and from ``{it_contact}``). ``scope`` is ``exception`` (default),
``output`` (stream text such as ``%pip`` output) or ``both``. ``check`` names a family function
(``module.function``) that can refine the finding or veto it (return None) using evidence that
a regex cannot see (the policy, the path, the host, the local files).

Admin signatures (``ITBridgePolicy.signatures``) use a subset of this shape and are tried first.
"""

from __future__ import annotations

from typing import Any

_SO = r"cannot open shared object file"

# What two signatures (a class name, a message) report alike.
_NO_JAVA: dict[str, Any] = {
    "kind": "missing_driver",
    "subject": "java-runtime",
    "title": "No Java runtime (JVM) is installed or configured on this server.",
    "explanation": "JDBC access through JPype/JayDeBeApi (and Spark) needs a Java runtime; "
    "JAVA_HOME must point to it.",
}
_PROXY_REFUSED: dict[str, Any] = {
    "kind": "network_blocked",
    "subject": "proxy",
    "title": "The organisation's web proxy refused the connection{to_host}.",
    "explanation": "Traffic from this server goes through a proxy, and the proxy did not "
    "allow this destination. Access to a new site is granted by {it_contact}.",
    "check": "network.proxy",
}

SIGNATURES: list[dict[str, Any]] = [
    # ------------------------------------------------------------------ blocked packages
    {
        "id": "blocked.import_guard",
        "family": "blocked",
        "types": ["BlockedImportError"],
        "message": r"'(?P<module>[\w.]+)' is blocked by policy(?: \(package '(?P<dist>[^']+)'\))?",
        "kind": "blocked_package",
        "subject": "{dist}",
        "title": "The package '{dist}' is blocked by your organisation's policy.",
        "explanation": "Importing '{module}' was stopped before it ran. {reason}",
        "check": "blocked.from_guard",
        "example": "BlockedImportError: import of 'openai' is blocked by policy (package 'openai')",
    },
    {
        "id": "blocked.module_not_found",
        "family": "blocked",
        "types": ["ModuleNotFoundError"],
        "message": r"^No module named '(?P<module>[\w.]+)'\s*$",
        "kind": "blocked_package",
        "subject": "{dist}",
        "title": "The package '{dist}' is blocked by your organisation's policy.",
        "explanation": "'{module}' is not installed because the package is blocked. {reason}",
        "check": "blocked.from_policy",
        "example": "ModuleNotFoundError: No module named 'openai' (openai in blocked_packages)",
    },
    {
        "id": "blocked.pip_quarantined",
        "family": "blocked",
        "scope": "both",
        "message": r"(?i)(?:Could not install requirement (?P<req>[A-Za-z0-9][A-Za-z0-9._-]*)"
        r"[^\n]*?)?requested item is quarantined(?: for url: (?P<url>\S+))?",
        "kind": "blocked_package",
        "subject": "{dist}",
        "title": "Your organisation's package repository is holding back '{dist}' for review.",
        "explanation": "The package repository refused the download: '{dist}' is on hold "
        "(in quarantine), usually for a security or licence review. "
        "Only {it_contact} can release it or suggest an approved version.",
        "check": "blocked.from_pip",
        "example": "ERROR: Could not install requirement okpkg from https://nexus/.../okpkg-1.0"
        ".tar.gz because of HTTP error 403 Client Error: Requested item is quarantined for url",
    },
    {
        "id": "blocked.pip_download_403",
        "family": "blocked",
        "scope": "both",
        "message": r"(?:Could not install requirement (?P<req>[A-Za-z0-9][A-Za-z0-9._-]*) from "
        r"(?P<url>\S+) because of HTTP error 403|HTTP error 403 while getting (?P<url2>\S+))",
        "kind": "blocked_package",
        "subject": "{dist}",
        "title": "Your organisation's package repository refused to download '{dist}'.",
        "explanation": "The package repository forbids downloading '{dist}' (HTTP 403). It "
        "usually does this for packages that are not approved.",
        "check": "blocked.from_pip",
        "example": "ERROR: HTTP error 403 while getting https://pypi.corp/packages/x/x-1.0.tar.gz",
    },
    {
        "id": "blocked.pip_index_403",
        "family": "blocked",
        "scope": "both",
        "message": r"Could not fetch URL (?P<url>\S+?): 403\b",
        "kind": "blocked_package",
        "subject": "{dist}",
        "title": "Your organisation's package repository refused to list '{dist}'.",
        "explanation": "The package repository forbids access to '{dist}' (HTTP 403): the "
        "package is not approved, or the repository refuses this server.",
        "check": "blocked.from_pip",
        "example": "Could not fetch URL https://idx/simple/x/: 403 Client Error: Forbidden",
    },
    # ------------------------------------------------------------------ drivers
    {
        "id": "drivers.oracle_client",
        "family": "drivers",
        "message": r"DPI-1047: Cannot locate a (?:\d+-bit )?Oracle Client library",
        "kind": "missing_driver",
        "subject": "oracle-client",
        "title": "The Oracle Client libraries (Instant Client) are not installed on this server.",
        "explanation": "python-oracledb in thick mode (and cx_Oracle) needs Oracle's Instant "
        "Client shared libraries, which are a system installation. python-oracledb's default "
        "thin mode needs no client: if your database allows it, do not call "
        "init_oracle_client().",
        "example": 'DPI-1047: Cannot locate a 64-bit Oracle Client library: "libclntsh.so: '
        'cannot open shared object file: No such file or directory"',
    },
    {
        "id": "drivers.oracle_client_version",
        "family": "drivers",
        "message": r"DPI-1072: the Oracle Client library version is unsupported",
        "kind": "missing_driver",
        "subject": "oracle-client",
        "title": "The installed Oracle Client libraries are too old for this driver.",
        "explanation": "The Oracle Instant Client on this server must be upgraded.",
        "confidence": "medium",
        "example": "DPI-1072: the Oracle Client library version is unsupported",
    },
    {
        "id": "drivers.odbc_manager",
        "family": "drivers",
        "message": r"libodbc\.so(?:\.\d+)*: " + _SO,
        "kind": "missing_driver",
        "subject": "odbc-driver-manager",
        "title": "The ODBC driver manager (unixODBC) is not installed on this server.",
        "explanation": "pyodbc is installed but needs the system library libodbc.so.2 from "
        "unixODBC (Debian/Ubuntu package 'unixodbc').",
        "example": "ImportError: libodbc.so.2: cannot open shared object file: No such file",
    },
    {
        "id": "drivers.odbc_driver",
        "family": "drivers",
        "message": r"Can't open lib '(?P<driver>[^']+)'",
        "kind": "missing_driver",
        "subject": "odbc-driver:{driver}",
        "title": "The ODBC driver '{driver}' is not installed on this server.",
        "explanation": "unixODBC could not load the driver named in your connection string. "
        "ODBC drivers (e.g. Microsoft's msodbcsql18) are system installations.",
        "example": "[01000] [unixODBC][Driver Manager]Can't open lib 'ODBC Driver 18 for SQL "
        "Server' : file not found (0) (SQLDriverConnect)",
    },
    {
        "id": "drivers.odbc_dsn",
        "family": "drivers",
        "message": r"\[IM002\][^\n]*Data source name not found",
        "kind": "missing_driver",
        "subject": "odbc-dsn",
        "title": "The ODBC data source (DSN) you named is not configured on this server.",
        "explanation": "unixODBC found no DSN of that name in odbc.ini and no DRIVER= in the "
        "connection string. Check the DSN name; if it is right, the DSN (and its driver) "
        "must be configured by {it_contact}.",
        "confidence": "medium",
        "example": "[IM002] [unixODBC][Driver Manager]Data source name not found and no "
        "default driver specified (0) (SQLDriverConnect)",
    },
    {
        "id": "drivers.libpq",
        "family": "drivers",
        "scope": "both",
        "message": r"no pq wrapper available|libpq\.so(?:\.\d+)*: "
        + _SO
        + r"|libpq library not found|pg_config executable not found",
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
        r"Specify MYSQLCLIENT_CFLAGS and MYSQLCLIENT_LDFLAGS|"
        r"Can not find valid pkg-config name|libmysqlclient\.so(?:\.\d+)*: " + _SO,
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
        "message": r"No JVM shared library file \(libjvm\.\w+\) found|JAVA_HOME is not set|"
        r"Java gateway process exited before sending its port number",
        **_NO_JAVA,
        "confidence": "medium",
        "example": "JAVA_HOME is not set",
    },
    {
        "id": "drivers.jdbc_class",
        "family": "drivers",
        "message": r"(?:\bClass (?P<cls>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+) (?:is )?not "
        r"found|java\.lang\.ClassNotFoundException: (?P<cls2>[A-Za-z_$][\w$.]+))",
        "kind": "missing_driver",
        "subject": "jdbc-driver:{cls}",
        "title": "The JDBC driver class '{cls}' is not available to Java.",
        "explanation": "The JDBC driver's .jar file is not installed or not on the classpath. "
        "Approved JDBC drivers are usually provided by {it_contact}.",
        "check": "drivers.jdbc_class",
        "example": "TypeError: Class oracle.jdbc.OracleDriver is not found",
    },
    {
        "id": "drivers.cuda_libs",
        "family": "drivers",
        "message": r"(?P<lib>lib(?:cudart|cuda|cudnn\w*|cublas\w*|cufft|curand|cusparse\w*|"
        r"cusolver\w*|nvrtc|nccl|nvJitLink|nvToolsExt)\.so(?:\.[\w.]+)?): " + _SO,
        "kind": "missing_driver",
        "subject": "cuda",
        "title": "The NVIDIA CUDA libraries ({lib}) are not installed on this server.",
        "explanation": "A GPU-enabled library tried to load CUDA and could not find it. CUDA "
        "and the NVIDIA driver are system installations.",
        "example": "OSError: libcudart.so.12: cannot open shared object file: No such file",
    },
    {
        "id": "drivers.cuda_driver",
        "family": "drivers",
        "message": r"cudaErrorInsufficientDriver|CUDA driver version is insufficient for CUDA "
        r"runtime version|The NVIDIA driver on your system is too old",
        "kind": "missing_driver",
        "subject": "cuda",
        "title": "The NVIDIA driver on this server is too old for the CUDA version you use.",
        "explanation": "The installed GPU driver does not support this CUDA runtime; the driver "
        "is a system installation that {it_contact} must upgrade.",
        "example": "cudaErrorInsufficientDriver: CUDA driver version is insufficient for CUDA "
        "runtime version",
    },
    {
        "id": "drivers.kerberos_build",
        "family": "drivers",
        "scope": "both",
        "message": r"krb5-config: not found|Cannot find KDC for realm \"?(?P<realm>[\w.-]+)",
        "kind": "missing_driver",
        "subject": "kerberos",
        "title": "Kerberos is not installed or not configured on this server.",
        "explanation": "Kerberos libraries (e.g. 'libkrb5-dev' to build gssapi/pykerberos) or "
        "the realm configuration (krb5.conf) are missing.",
        "example": "/bin/sh: 1: krb5-config: not found",
    },
    {
        "id": "access.kerberos_ticket",
        "family": "access",
        "message": r"No Kerberos credentials available|No credentials cache found|"
        r"Ticket expired|No Kerberos credentials|"
        r"SASL\(-1\): generic failure: GSSAPI Error",
        "kind": "access_denied",
        "subject": "kerberos",
        "title": "You have no valid Kerberos ticket on this server.",
        "explanation": "The connection uses Kerberos (GSSAPI) and found no ticket. Usually you "
        "get one yourself with 'kinit'; if that fails, your account needs Kerberos access.",
        "check": "access.kerberos",
        "example": "GSSError: No Kerberos credentials available (default cache: FILE:/tmp/krb5cc)",
    },
    {
        "id": "resources.gpu_absent",
        "family": "resources",
        "message": r"Found no NVIDIA driver on your system|No CUDA GPUs are available|"
        r"CUDA driver initialization failed|no CUDA-capable device is detected|"
        r"cudaErrorNoDevice",
        "kind": "resource_limit",
        "subject": "gpu",
        "title": "This server (or your session) has no GPU available.",
        "explanation": "Your code asks for a CUDA GPU but none is visible here. A GPU session "
        "or server must be granted by {it_contact}; otherwise run on the CPU.",
        "example": "RuntimeError: Found no NVIDIA driver on your system.",
    },
    {
        "id": "drivers.system_library",
        "family": "drivers",
        "message": r"(?P<lib>lib[\w+-]+\.so(?:\.[\w.]+)?): " + _SO,
        "kind": "missing_driver",
        "subject": "system-library:{lib}",
        "title": "The system library {lib} is not installed on this server.",
        "explanation": "A Python package needs the shared library {lib}, which is installed "
        "with the operating system's package manager, not with pip.",
        "confidence": "medium",
        "example": "ImportError: libGL.so.1: cannot open shared object file: No such file",
    },
    # ------------------------------------------------------------------ network
    {
        "id": "network.proxy_auth",
        "family": "network",
        "scope": "both",
        "message": r"Tunnel connection failed: 407|407 Proxy Authentication Required",
        "kind": "network_blocked",
        "subject": "proxy",
        "title": "The web proxy requires authentication that this server does not have.",
        "explanation": "The organisation's proxy asks for a login (proxy credentials) that "
        "is not configured for this environment.",
        "check": "network.proxy",
        "example": "ProxyError('Unable to connect to proxy', OSError('Tunnel connection failed: "
        "407 Proxy Authentication Required'))",
    },
    {
        "id": "network.proxy_refused",
        "family": "network",
        "scope": "both",
        "message": r"Tunnel connection failed: (?P<status>\d{3})[^'\")\n]*|"
        r"ProxyError\(['\"](?:Unable to connect to proxy|Cannot connect to proxy)",
        **_PROXY_REFUSED,
        "example": "ProxyError: HTTPSConnectionPool(host='api.example.com', port=443): Max "
        "retries exceeded (Caused by ProxyError('Unable to connect to proxy', OSError('Tunnel "
        "connection failed: 403 Forbidden')))",
    },
    {
        "id": "network.proxy_class",
        "family": "network",
        "types": ["ProxyError"],
        "message": r"",
        **_PROXY_REFUSED,
        "example": "httpx.ProxyError: 403 Forbidden",
    },
    {
        "id": "network.tls_ca",
        "family": "network",
        "scope": "both",
        "message": r"CERTIFICATE_VERIFY_FAILED\]?(?: certificate verify failed: "
        r"(?P<why>[^(\n'\"]*[^(\n'\"\s]))?|"
        r"problem confirming the ssl certificate",
        "kind": "network_blocked",
        "subject": "tls-ca",
        "title": "A secure (HTTPS) connection{to_host} failed: its certificate is not trusted "
        "here.",
        "explanation": "Corporate networks often inspect HTTPS traffic and re-sign it with the "
        "organisation's own certificate authority. Python does not trust that authority "
        "until its CA bundle is installed (or REQUESTS_CA_BUNDLE / SSL_CERT_FILE point to it). "
        "Do not switch verification off: ask for the CA bundle.",
        "check": "network.tls",
        "example": "SSLError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
        "self-signed certificate in certificate chain (_ssl.c:1006)",
    },
    {
        "id": "network.dns",
        "family": "network",
        "scope": "both",
        "message": r"Failed to resolve '(?P<host>[^']+)'|NameResolutionError|"
        r"\[Errno -[235]\] (?:Name or service not known|Temporary failure in name resolution|"
        r"No address associated with hostname)|getaddrinfo failed|"
        r"nodename nor servname provided",
        "kind": "network_blocked",
        "subject": "dns",
        "title": "The host name{host_q} cannot be resolved from this server.",
        "explanation": "DNS lookups for outside hosts are blocked or unavailable here, or the "
        "name is misspelt. If the name is right, network access must be opened by "
        "{it_contact}.",
        "confidence": "medium",
        "check": "network.dns",
        "example": "NameResolutionError: Failed to resolve 'api.example.com' ([Errno -2] Name "
        "or service not known)",
    },
    {
        "id": "network.unreachable",
        "family": "network",
        "scope": "both",
        "message": r"\[Errno (?:101|113)\] (?:Network is unreachable|No route to host)",
        "kind": "network_blocked",
        "subject": "network",
        "title": "This server has no network route to{host_sp}the outside destination.",
        "explanation": "Outbound traffic is blocked by a firewall or there is no route; "
        "egress rules are set by {it_contact}.",
        "confidence": "medium",
        "check": "network.egress",
        "example": "URLError: <urlopen error [Errno 101] Network is unreachable>",
    },
    {
        "id": "network.connect_timeout",
        "family": "network",
        "scope": "both",
        "message": r"ConnectTimeout|connect timeout=|\[Errno 110\] Connection timed out",
        "kind": "network_blocked",
        "subject": "network",
        "title": "The connection{to_host} timed out; a firewall may be dropping it.",
        "explanation": "A connection that times out (rather than being refused) is often a "
        "firewall silently dropping traffic, but it can also be a slow or down server.",
        "confidence": "low",
        "check": "network.egress",
        "example": "ConnectTimeoutError: Connection to x timed out. (connect timeout=10)",
    },
    # ------------------------------------------------------------------ resources
    {
        "id": "resources.cuda_oom",
        "family": "resources",
        "message": r"CUDA out of memory|CUDA_ERROR_OUT_OF_MEMORY",
        "kind": "resource_limit",
        "subject": "gpu",
        "title": "The GPU ran out of memory.",
        "explanation": "The model or batch does not fit in this GPU's memory. Use a smaller "
        "batch, or ask {it_contact} for a larger GPU.",
        "confidence": "medium",
        "example": "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB",
    },
    {
        "id": "resources.memory",
        "family": "resources",
        "types": ["MemoryError", "_ArrayMemoryError"],
        "message": r"(?:Unable to allocate (?P<size>[\d.]+ \w+))?",
        "kind": "resource_limit",
        "subject": "memory",
        "title": "Your session ran out of memory{needing}.",
        "explanation": "The operation needed more memory than this session may use. Work on "
        "a smaller sample or chunks, or ask {it_contact} for a larger memory limit.",
        "check": "resources.memory",
        "example": "_ArrayMemoryError: Unable to allocate 8.00 GiB for an array with shape "
        "(1073741824,) and data type float64",
    },
    {
        "id": "resources.disk_full",
        "family": "resources",
        "scope": "both",
        "errno": [28],
        "message": r"No space left on device",
        "kind": "resource_limit",
        "subject": "disk",
        "title": "The disk is full{on_path}.",
        "explanation": "There is no free space left where your code tried to write. Delete "
        "files you no longer need or ask {it_contact} for more space.",
        "check": "resources.disk",
        "example": "OSError: [Errno 28] No space left on device: '/data/out.parquet'",
    },
    {
        "id": "resources.disk_quota",
        "family": "resources",
        "scope": "both",
        "errno": [122],
        "message": r"Disk quota exceeded",
        "kind": "resource_limit",
        "subject": "disk",
        "title": "You have used up your disk quota{on_path}.",
        "explanation": "Your account's storage quota is full. Delete files you no longer need "
        "or ask {it_contact} for a larger quota.",
        "check": "resources.disk",
        "example": "OSError: [Errno 122] Disk quota exceeded: '/home/ana/big.csv'",
    },
    {
        "id": "resources.sqlite_full",
        "family": "resources",
        "message": r"database or disk is full",
        "kind": "resource_limit",
        "subject": "disk",
        "title": "The database file could not grow: the disk (or its size limit) is full.",
        "explanation": "SQLite could not write more pages: the disk is full, a quota is "
        "reached, or the database has a maximum size.",
        "confidence": "medium",
        "check": "resources.disk",
        "example": "sqlite3.OperationalError: database or disk is full",
    },
    {
        "id": "resources.open_files",
        "family": "resources",
        "errno": [24],
        "message": r"Too many open files",
        "kind": "resource_limit",
        "subject": "open-files",
        "title": "The limit on open files for your session was reached.",
        "explanation": "Close files you no longer need (use 'with open(...)'). If your work "
        "really needs more, ask {it_contact} to raise the limit (ulimit -n).",
        "confidence": "medium",
        "example": "OSError: [Errno 24] Too many open files: 'part-0001.csv'",
    },
    # ------------------------------------------------------------------ access
    {
        "id": "access.pep668",
        "family": "access",
        "scope": "both",
        "message": r"externally-managed-environment",
        "kind": "access_denied",
        "subject": "externally-managed-environment",
        "title": "This Python environment is managed by the system; pip may not install into it.",
        "explanation": "The environment is marked as managed by the operating system, so pip "
        "refuses to change it. Packages are added by {it_contact}, or in a separate virtual "
        "environment/kernel.",
        "example": "error: externally-managed-environment",
    },
    {
        "id": "access.pip_site_packages",
        "family": "access",
        "scope": "output",
        "message": r"Could not install packages due to an OSError: \[Errno 13\] Permission "
        r"denied: '(?P<path>[^']+)'",
        "kind": "access_denied",
        "subject": "path:{dir}",
        "title": "You may not install packages into this shared environment.",
        "explanation": "pip could not write to {dir}, which belongs to the shared environment.",
        "check": "access.outside_home",
        "example": "ERROR: Could not install packages due to an OSError: [Errno 13] "
        "Permission denied: '/opt/conda/lib/python3.11/site-packages/x'",
    },
    {
        "id": "access.permission",
        "family": "access",
        "types": ["PermissionError"],
        "errno": [1, 13],
        "message": r"(?:Permission denied|Operation not permitted)(?:: '(?P<path>[^']+)')?",
        "kind": "access_denied",
        "subject": "path:{dir}",
        "title": "You do not have permission to use {path_q}.",
        "explanation": "This location is outside your home directory and its permissions do "
        "not allow your account. Access to shared folders is granted by {it_contact}.",
        "check": "access.outside_home",
        "example": "PermissionError: [Errno 13] Permission denied: '/data/finance/q3.csv'",
    },
    # ------------------------------------------------------------------ missing packages
    {
        "id": "packages.pandas_optional",
        "family": "packages",
        "message": r"Missing optional dependency '(?P<module>[\w.]+)'|"
        r"`Import (?P<module2>[\w.]+)` failed\.  Use pip",
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
        "message": r"Pandas requires version '(?P<version>[^']+)' or newer of '(?P<module>[\w.]+)'",
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
        "message": r"Unable to find a usable engine; tried using: '(?P<module>\w+)'",
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
        "message": r"Can't load plugin: sqlalchemy\.dialects:(?P<dialect>\w+)"
        r"(?:\.(?P<driver>\w+))?",
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
        "types": ["ModuleNotFoundError"],
        "message": r"^No module named '(?P<module>[\w.]+)'\s*$",
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
        "message": r"No matching distribution found for (?P<req>[A-Za-z0-9][A-Za-z0-9._-]*)",
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

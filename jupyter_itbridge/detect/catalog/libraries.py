"""Shared libraries that could not be loaded, in every platform's wording, keyed by library
NAME: ``libpq.so.5`` (Linux), ``/usr/local/opt/.../libpq.5.dylib`` (macOS), ``libpq.dll``
(Windows) all become the subject ``libpq``. The tables below are the data; the check is
:func:`jupyter_itbridge.detect.libraries.shared_library`.

Wordings: glibc ``<lib>: cannot open shared object file``, TensorFlow's ``Could not load
dynamic library '<lib>'``, macOS ``Library not loaded: <path>`` / ``dlopen(<lib>, n): image
not found``, Alpine/musl ``Error loading shared library <lib>``, Solaris ``ld.so.1: ...:
fatal: <lib>: open failed``, Windows ``Could not find module '<dll>'`` (ctypes),
``Error loading "<dll>" or one of its dependencies`` (WinError 126), ``Unable to load DLL
[<dll>]`` and ``DLL load failed while importing <module>``.
"""

from __future__ import annotations

from typing import Any

#: Library name (lower-case, no directory, extension or version) -> subject.
LIBRARY_SUBJECTS: dict[str, str] = {
    **dict.fromkeys(
        ["libclntsh", "libclntshcore", "oci", "libocci", "libociei", "libociicus"],
        "oracle-client",
    ),
    **dict.fromkeys(
        ["libodbc", "libodbcinst", "odbc32", "odbccp32", "libiodbc", "libiodbcinst"],
        "odbc-driver-manager",
    ),
    "libpq": "libpq",
    **dict.fromkeys(["libmysqlclient", "libmariadb", "libmysql"], "mysql-client"),
    **dict.fromkeys(["libjvm", "jvm", "libjli"], "java-runtime"),
    **dict.fromkeys(["nvcuda", "libcuda", "libnvidia-ml", "nvml"], "cuda"),
    **dict.fromkeys(
        ["libgssapi_krb5", "libgssapi", "libkrb5", "libk5crypto", "libkrb5support"],
        "kerberos",
    ),
    **dict.fromkeys(["gssapi64", "krb5_64", "gssapi32", "krb5_32"], "kerberos"),
    **dict.fromkeys(["libssl", "libcrypto", "libeay32", "ssleay32"], "openssl"),
}

#: Name prefixes of library families (``libcublasLt``, ``cudnn64_8``, ``libnnz19``).
LIBRARY_PREFIXES: tuple[tuple[str, str], ...] = (
    ("libnnz", "oracle-client"),
    ("oraocci", "oracle-client"),
    ("oraociei", "oracle-client"),
    *(
        (prefix, "cuda")
        for name in (
            "cudart",
            "cublas",
            "cudnn",
            "cufft",
            "curand",
            "cusparse",
            "cusolver",
            "nvrtc",
            "nccl",
            "nvjitlink",
            "nvtoolsext",
            "nppc",
        )
        for prefix in (f"lib{name}", name)
    ),
    ("libssl-", "openssl"),
    ("libcrypto-", "openssl"),
)

#: Python extension modules whose import fails when their native library is missing (the
#: Windows wording names the module, not the DLL): module (lower-case) -> subject.
MODULE_SUBJECTS: dict[str, str] = {
    **dict.fromkeys(["_psycopg", "psycopg2", "psycopg2._psycopg", "psycopg_c"], "libpq"),
    "pyodbc": "odbc-driver-manager",
    **dict.fromkeys(["cx_oracle", "oracledb.thick_impl"], "oracle-client"),
    **dict.fromkeys(["_mysql", "mysqldb", "mysqldb._mysql"], "mysql-client"),
    **dict.fromkeys(["_jpype", "jpype"], "java-runtime"),
    **dict.fromkeys(["gssapi", "gssapi.raw", "kerberos", "_kerberos", "winkerberos"], "kerberos"),
}

#: Libraries that frameworks load opportunistically, log when absent and then carry on
#: without (TensorFlow's HDFS and TensorRT support): their absence is no failure.
OPTIONAL_LIBRARIES: frozenset[str] = frozenset({"libhdfs", "libnvinfer", "libnvinfer_plugin"})

#: What to say per subject; ``system-library`` is the fallback for any other library.
SUBJECT_TEXT: dict[str, tuple[str, str]] = {
    "oracle-client": (
        "The Oracle Client libraries (Instant Client) are not installed on this server.",
        "The Oracle driver needs Oracle's Instant Client shared libraries ({lib}), a system "
        "installation of the same architecture as Python.",
    ),
    "odbc-driver-manager": (
        "The ODBC driver manager (unixODBC) is not installed on this server.",
        "pyodbc needs the system library {lib} from the ODBC driver manager (Debian/Ubuntu "
        "package 'unixodbc', macOS 'unixodbc').",
    ),
    "libpq": (
        "The PostgreSQL client library (libpq) is not available on this server.",
        "The PostgreSQL driver needs libpq ({lib}): the system library (package 'libpq5') "
        "or a binary wheel ('psycopg[binary]' / 'psycopg2-binary').",
    ),
    "mysql-client": (
        "The MySQL client library is not installed on this server.",
        "mysqlclient needs the MySQL/MariaDB client library ({lib}). The pure-Python driver "
        "'PyMySQL' needs none.",
    ),
    "java-runtime": (
        "No Java runtime (JVM) is installed or configured on this server.",
        "JDBC access through JPype/JayDeBeApi (and Spark) needs a Java runtime ({lib}); "
        "JAVA_HOME must point to it.",
    ),
    "cuda": (
        "The NVIDIA CUDA libraries ({lib}) are not installed on this server.",
        "A GPU-enabled library tried to load CUDA and could not find it. CUDA and the "
        "NVIDIA driver are system installations; without them the GPU is not used.",
    ),
    "kerberos": (
        "The Kerberos libraries are not installed on this server.",
        "The Kerberos/GSSAPI library {lib} is missing; it is a system installation "
        "(Debian/Ubuntu 'libgssapi-krb5-2').",
    ),
    "openssl": (
        "The OpenSSL library this package was built against ({lib}) is not installed here.",
        "A compiled package needs a version of OpenSSL that this server does not have; it "
        "is a system installation (or the package must be rebuilt for this server).",
    ),
    "system-library": (
        "The system library {lib} is not installed on this server.",
        "A Python package needs the shared library {lib}, which is installed with the "
        "operating system's package manager, not with pip.",
    ),
}

_COMMON: dict[str, Any] = {
    "family": "libraries",
    "scope": "both",
    "kind": "missing_driver",
    "subject": "system-library:{lib}",
    "title": SUBJECT_TEXT["system-library"][0],
    "explanation": SUBJECT_TEXT["system-library"][1],
    "check": "libraries.shared_library",
}

SIGNATURES: list[dict[str, Any]] = [
    {
        **_COMMON,
        "id": "libraries.dynamic_library",
        "message": r"Could not load dynamic library '(?P<lib>[^'\n]{1,300})'",
        "wording": "tensorflow",
        "example": "W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not "
        "load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open "
        "shared object file: No such file or directory",
    },
    {
        **_COMMON,
        "id": "libraries.linux",
        "message": r"cannot open shared object file",
        "wording": "linux",
        "example": "ImportError: libGL.so.1: cannot open shared object file: No such file",
    },
    {
        **_COMMON,
        "id": "libraries.macos",
        "message": r"Library not loaded: (?P<lib>[^\s'\"]{1,500})|"
        r"dlopen\((?P<lib2>[^,()\s]{1,500}), \d{1,4}\): (?:image not found|no suitable image)",
        "wording": "macos",
        "example": "ImportError: dlopen(/venv/lib/python3.8/site-packages/psycopg2/_psycopg.so, "
        "2): Library not loaded: /usr/local/opt/postgresql/lib/libpq.5.dylib\n  Referenced "
        "from: /venv/lib/python3.8/site-packages/psycopg2/_psycopg.so\n  Reason: image not found",
    },
    {
        **_COMMON,
        "id": "libraries.musl",
        "message": r"Error loading shared library (?P<lib>[^\s:]{1,300}): No such file",
        "wording": "musl",
        "example": "ImportError: Error loading shared library libodbc.so.2: No such file or "
        "directory (needed by /usr/local/lib/python3.11/site-packages/pyodbc.so)",
    },
    {
        **_COMMON,
        "id": "libraries.solaris",
        "message": r"fatal: (?P<lib>[^\s:]{1,300}): open failed",
        "wording": "solaris",
        "example": "ld.so.1: python3.9: fatal: libgcc_s.so.1: open failed: No such file or "
        "directory",
    },
    {
        **_COMMON,
        "id": "libraries.windows_dll",
        "message": r"Could not find module '(?P<lib>[^'\n]{1,500})'|"
        r"Error loading \"(?P<lib2>[^\"\n]{1,500})\" or one of its dependencies|"
        r"Unable to load DLL \[(?P<lib3>[^\]\n]{1,500})\]",
        "wording": "windows",
        "example": "FileNotFoundError: Could not find module 'C:\\conda\\Library\\bin\\geos_c.dll'"
        " (or one of its dependencies). Try using the full path with constructor syntax.",
    },
    {
        **_COMMON,
        "id": "libraries.windows_import",
        "message": r"DLL load failed(?: while importing (?P<module>[\w.]{1,200}))?",
        "wording": "windows-import",
        "subject": "system-library:{module}",
        "example": "ImportError: DLL load failed while importing _psycopg: The specified module "
        "could not be found.",
    },
]

"""The prefilled request summary: what the user asks IT, not what went wrong (pure).

Why not the finding's title: the card shows the title as its headline, so a Summary field
holding the same sentence showed it twice (issue #12, point 4). The summary is the ticket's
subject line, so it says what IT is asked to do ("Install the package 'scikit-learn'"), in
IT's words, while the title stays the one sentence that explains the failure to the user.
The kernel card, the server (``POST diagnose`` answers it for the frontend card of other
kernels) and offline drafts all build it here, so every path prefills the same words.
"""

from __future__ import annotations

#: Subject prefixes (``odbc-driver:{driver}``) -> how the rest reads in a sentence.
PREFIXES: tuple[tuple[str, str], ...] = (
    ("cran:", "the R package '{}'"),
    ("odbc-driver:", "the ODBC driver '{}'"),
    ("jdbc-driver:", "the JDBC driver '{}'"),
    ("system-library:", "the system library {}"),
    ("path:", "{}"),
)

#: Fixed subjects -> words (the detection catalog's ids are not words a ticket should hold).
SUBJECTS: dict[str, str] = {
    "oracle-client": "the Oracle Client libraries (Instant Client)",
    "odbc-driver-manager": "the ODBC driver manager (unixODBC)",
    "odbc-dsn": "the ODBC data source (DSN)",
    "libpq": "the PostgreSQL client library (libpq)",
    "mysql-client": "the MySQL client libraries",
    "java-runtime": "a Java runtime (JVM)",
    "cuda": "an NVIDIA driver recent enough for my CUDA version",
    "kerberos": "Kerberos",
    "memory": "memory",
    "disk": "disk space",
    "open-files": "open files",
    "gpu": "GPU access",
    "proxy": "the web proxy (authentication)",
    "tls-ca": "the TLS certificate authority (CA) of the host I connect to",
    "dns": "resolving the host name I connect to",
    "network": "a network route to the outside destination",
    "package-index": "R's package repository",
    "externally-managed-environment": "installing packages into this Python environment",
}

#: Per kind: the request, with ``{}`` for the subject's words (when it names one).
ASKS: dict[str, str] = {
    "blocked_package": "Allow {}",
    "missing_package": "Install {}",
    "missing_driver": "Set up {} on this server",
    "resource_limit": "More {} for my notebook",
    "network_blocked": "Network access from my notebook: {}",
    "access_denied": "Access for my notebook: {}",
    "kernel_died": "Find out why my notebook's kernel was stopped",
}


def subject_words(kind: str, subject: str) -> str:
    """``cran:data.table`` -> ``the R package 'data.table'``; a package -> ``the package 'x'``."""
    for prefix, words in PREFIXES:
        if subject.startswith(prefix) and len(subject) > len(prefix):
            return words.format(subject[len(prefix) :])
    if subject in SUBJECTS:
        return SUBJECTS[subject]
    if kind in ("blocked_package", "missing_package"):
        return f"the package '{subject}'"
    return subject


def request_summary(kind: str, subject: str, title: str = "") -> str:
    """The ticket subject prefilled for a finding; the title when the kind is not known."""
    ask = ASKS.get(kind)
    if ask is None or not subject.strip():
        return title
    return ask.format(subject_words(kind, subject.strip()))[:200]

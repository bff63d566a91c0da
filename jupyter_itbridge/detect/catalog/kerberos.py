"""Kerberos in the words of each library that speaks it: MIT krb5 / python-gssapi, pykerberos
and requests-kerberos, pyspnego (``spnego``), Cyrus SASL under PyHive/impyla/thrift_sasl,
and Java GSS under Spark, Hive and HBase JDBC clients (their messages reach a notebook through
py4j, JayDeBeApi or the tools' stderr).

"No ticket" (no or expired credential cache) is ``access_denied``: the user runs ``kinit``,
and if that fails their account needs Kerberos access. Missing Kerberos libraries or realm
configuration is ``missing_driver``: a system installation."""

from __future__ import annotations

from typing import Any

SIGNATURES: list[dict[str, Any]] = [
    {
        "id": "kerberos.no_ticket",
        "family": "kerberos",
        "scope": "both",
        "message": r"No Kerberos credentials available|No credentials cache (?:file )?found|"
        r"Credentials cache file '[^'\n]{0,300}' not found|"
        r"No credentials were supplied, or the credentials were unavailable or inaccessible|"
        r"Failed to find any Kerberos tgt|Unable to obtain Principal Name for authentication|"
        r"Principal in credential cache does not match desired name|"
        r"Ticket expired|No Kerberos credentials|SASL\(-1\): generic failure: GSSAPI Error",
        "kind": "access_denied",
        "subject": "kerberos",
        "title": "You have no valid Kerberos ticket on this server.",
        "explanation": "The connection uses Kerberos (GSSAPI) and found no valid ticket for "
        "you. Usually you get one yourself with 'kinit'; if that fails, your account needs "
        "Kerberos access.",
        "check": "access.kerberos",
        "example": "GSSError: No Kerberos credentials available (default cache: FILE:/tmp/krb5cc)",
    },
    {
        "id": "kerberos.not_configured",
        "family": "kerberos",
        "scope": "both",
        "message": r"krb5-config: not found|Cannot find KDC for realm \"?(?P<realm>[\w.-]{1,200})|"
        r"Cannot contact any KDC for realm",
        "kind": "missing_driver",
        "subject": "kerberos",
        "title": "Kerberos is not installed or not configured on this server.",
        "explanation": "Kerberos libraries (e.g. 'libkrb5-dev' to build gssapi/pykerberos) or "
        "the realm configuration (krb5.conf) are missing.",
        "example": "/bin/sh: 1: krb5-config: not found",
    },
]

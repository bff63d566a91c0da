"""Server-side settings (``c.ITBridge.*``): which ticket system, where the store lives, limits.

The *policy* (what is allowed) lives in :mod:`jupyter_itbridge.policy`; this is plumbing only.
"""

from __future__ import annotations

import getpass
import os

from traitlets import Bool, Float, Integer, Unicode, default
from traitlets.config import LoggingConfigurable

from .contract import ENV_RELAY_URL


class ITBridge(LoggingConfigurable):
    """How the server extension files and stores requests."""

    backend = Unicode(
        help="""Ticket system that receives requests: ``local`` (the embedded default: stored
        and listed in JupyterLab only), ``email``, ``webhook``, ``rt``, ``servicenow``,
        ``jira``, ``github``, ``gitlab``, ``hub`` (the JupyterHub relay, which holds the
        credentials), or a third-party backend registered under the
        ``jupyter_itbridge.backends`` entry point group. Configure the chosen backend with its
        own section, e.g. ``c.RTBackend.url``. Default: ``hub`` on a JupyterHub single-user
        server that has ``$JUPYTERHUB_API_TOKEN`` and ``$JUPYTER_ITBRIDGE_RELAY_URL``, else
        ``local``.""",
    ).tag(config=True)

    store_path = Unicode(
        "",
        help="""The request store: a SQLite file path (or ``sqlite:///path``), or a PostgreSQL
        URL (``postgresql://user@host/db``) when several servers share one store. Empty:
        ``itbridge/itbridge.sqlite3`` under the Jupyter data dir (per user). On JupyterHub,
        keep it on the user's persistent volume so requests survive server restarts; if that
        volume is a network filesystem (NFS, SMB, EFS...), the store uses a rollback journal
        instead of WAL: prefer a local disk for the store, the drafts can stay at home.""",
    ).tag(config=True)

    max_body_bytes = Integer(
        256 * 1024,
        help="Largest JSON body accepted by the REST API; larger bodies get HTTP 413.",
    ).tag(config=True)

    sync_interval = Float(
        300.0,
        help="""Seconds between status synchronisations with the ticket system (batched:
        one search call for all open tickets where the API allows).""",
    ).tag(config=True)

    memory_pressure_threshold = Float(
        0.9,
        help="""Fraction of the memory limit (cgroup v2, then v1, then ``MEM_LIMIT``) at which
        users get one notification per crossing, with a prefilled 'more memory' request.""",
    ).tag(config=True)

    watchers_enabled = Bool(
        True,
        help="""Watch kernels and memory: a kernel killed by the system (e.g. out of memory) and
        memory use near the limit become incidents shown in JupyterLab, with a prefilled
        'more memory' request. Kernels the user restarts or shuts down are never incidents.""",
    ).tag(config=True)

    watch_interval = Float(
        5.0,
        help="""Seconds between memory samples (the cgroup usage and each kernel's resident
        memory). The last samples are what a killed kernel's incident reports.""",
    ).tag(config=True)

    memory_pressure_rearm = Float(
        0.05,
        help="""Hysteresis for memory-pressure notifications: after one notification, the next
        comes only once usage fell below ``memory_pressure_threshold - memory_pressure_rearm``
        of the limit and crossed the threshold again.""",
    ).tag(config=True)

    kernel_memory_samples = Integer(
        12,
        help="How many recent memory samples to keep per kernel (reported when it is killed).",
    ).tag(config=True)

    oom_rss_fraction = Float(
        0.9,
        help="""Where no cgroup ``oom_kill`` counter exists: a kernel killed by SIGKILL whose
        last resident memory was at least this fraction of the memory limit counts as killed
        for running out of memory.""",
    ).tag(config=True)

    cgroup_root = Unicode(
        "/sys/fs/cgroup",
        help="""Where the cgroup file system is mounted (cgroup v2, or v1 with a ``memory``
        controller directory). Change only if it is mounted elsewhere.""",
    ).tag(config=True)

    retry_base_delay = Float(
        2.0,
        help="""First delay (seconds) before retrying a failed delivery; doubles per try, with
        jitter, up to ``retry_max_delay``. A ``Retry-After`` from the ticket system wins.""",
    ).tag(config=True)

    retry_max_delay = Float(
        600.0,
        help="Longest delay (seconds) between delivery retries of a request.",
    ).tag(config=True)

    config_error_retry_delay = Float(
        1800.0,
        help="""Delay (seconds) between retries after a configuration error (401/403, unknown
        queue). Such requests stay 'failed' with the admin message; they are never dropped.""",
    ).tag(config=True)

    outbox_concurrency = Integer(
        4,
        help="How many deliveries to the ticket system may run at the same time.",
    ).tag(config=True)

    delivery_lease = Float(
        60.0,
        help="""Seconds a server holds a request it is delivering before another server sharing
        the store may take it over (renewed every third of that while the delivery runs). Only
        a crashed server's requests wait this long; on the same machine they resume at once.""",
    ).tag(config=True)

    package_facts_timeout = Float(
        3.0,
        help="""Seconds one package-facts lookup may take in all (index page, metadata, JSON
        API, vulnerability database). A slower index leaves the card and the request without
        facts ("could not be read"); filing never waits longer than this.""",
    ).tag(config=True)

    package_facts_ttl = Float(
        3600.0,
        help="Seconds package facts are kept in the server's memory before they are read again.",
    ).tag(config=True)

    package_facts_error_ttl = Float(
        60.0,
        help="""Seconds an unreachable index, a refusal or an unknown package is remembered, so
        a broken index is not asked again for every card.""",
    ).tag(config=True)

    package_facts_cache_size = Integer(
        512,
        help="How many package lookups (names, versions, failures) the server keeps in memory.",
    ).tag(config=True)

    owner = Unicode(
        help="""User name that owns requests filed from this server (single-user server).
        Default: ``$JUPYTERHUB_USER`` on JupyterHub, else the OS user name.""",
    ).tag(config=True)

    @default("backend")
    def _default_backend(self) -> str:
        on_hub = os.environ.get("JUPYTERHUB_API_TOKEN") and os.environ.get(ENV_RELAY_URL)
        return "hub" if on_hub else "local"

    @default("owner")
    def _default_owner(self) -> str:
        return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()

"""``jupyter itbridge doctor``: is this installation able to deliver requests to IT?

Each check returns one sentence. The first failing one is what the admin must fix, so the
command prints it last, alone, and exits non-zero. Nothing here ever prints a credential:
settings are shown through :mod:`.adminconfig` (masked) and backend errors are the backends'
own admin sentences, which never contain a secret.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..redact import redact

if TYPE_CHECKING:
    from traitlets.config import Configurable

    from ..backends.base import Backend


@dataclass
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    message: str
    warning: bool = False


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    def add(self, name: str, ok: bool, message: str, *, warning: bool = False) -> Check:
        check = Check(name, ok, message, warning)
        self.checks.append(check)
        return check

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def backend_problem(name: str, err: BaseException) -> str:
    """One sentence for a backend that cannot be loaded (what the server would log)."""
    from ..backends.registry import available_backends

    if isinstance(err, (LookupError, ModuleNotFoundError, ValueError)):
        missing = getattr(err, "name", None)
        builtin = f"jupyter_itbridge.backends.{name}"
        ours = builtin.startswith(str(missing))
        if isinstance(err, ModuleNotFoundError) and missing and not ours:
            return (
                f"c.ITBridge.backend = {name!r} needs the Python package {missing!r}, "
                "which is not installed."
            )
        valid = ", ".join(sorted(available_backends()))
        return (
            f"c.ITBridge.backend = {name!r} is not a known ticket-system backend; valid names: "
            f"{valid} (or a third-party backend registered under the "
            "'jupyter_itbridge.backends' entry point group)."
        )
    reason = redact(" ".join(str(err).split()))[:200]
    return f"c.ITBridge.backend = {name!r} could not be loaded ({type(err).__name__}: {reason})."


def load_backend_like_server(name: str, parent: Configurable) -> Backend:
    """Resolve the backend exactly as the server does (so doctor and server agree)."""
    from ..backends.registry import make_backend

    return make_backend(name, parent=parent)


def quiet(backend: Any) -> None:
    """Backends log each failure as a warning; doctor reports it once, as its verdict."""
    logger = logging.getLogger("jupyter_itbridge.cli.backend")
    logger.propagate = False
    logger.addHandler(logging.NullHandler())
    backend.log = logger


def check_backend(backend: Any) -> tuple[bool, str]:
    """Settings first (no call: a missing token is named as such), then connectivity and
    credentials via ``backend.check()`` (one sentence either way). Doctor is a one-shot
    check: the outbox's "will retry" is not said here."""
    from ..backends.base import BackendError
    from ..backends.config_check import missing_settings

    mask = getattr(backend, "mask", str)  # masks configured secrets an error may echo
    missing = missing_settings(backend)
    if missing:
        return False, missing
    try:
        message = backend.check()
    except BackendError as err:
        text = err.admin_message.rstrip(".")
        for tail in ("; will retry", ", will retry"):
            text = text.removesuffix(tail)
        return False, mask(text + ".")
    except Exception as err:  # a backend bug: say which, never a traceback with secrets
        reason = redact(mask(" ".join(str(err).split())))[:200]
        return False, f"{type(backend).__name__}.check() failed ({type(err).__name__}: {reason})."
    return True, mask(str(message))


def _requests(count: int) -> str:
    return f"{count} request" if count == 1 else f"{count} requests"


def _existing_ancestor(path: str) -> str:
    current = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(current):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return current


def check_store(path: str) -> tuple[bool, str]:
    """The store can be written (or created). Tried for real: as root, os.access says yes."""
    from ..server.store import MIGRATIONS
    from ..server.store_engine import resolve

    if "://" in path:
        target = resolve(path)
        if target.path is None:
            return _check_database(path)
        path = target.path
    if os.path.exists(path):
        if not os.path.isfile(path):
            return False, f"The request store {path} (c.ITBridge.store_path) is not a file."
        try:
            db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=10)
        except sqlite3.Error as err:
            return False, f"The request store {path} cannot be opened for writing ({err})."
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if version > len(MIGRATIONS):
                return False, (
                    f"The request store {path} has schema version {version}, newer than this "
                    f"jupyter-itbridge ({len(MIGRATIONS)}); upgrade jupyter-itbridge."
                )
            db.execute("BEGIN IMMEDIATE")
            db.execute(f"PRAGMA user_version = {version}")  # a real write, rolled back
            db.execute("ROLLBACK")
            counts: dict[str, int] = {}
            if version:
                counts = dict(db.execute("SELECT state, COUNT(*) FROM requests GROUP BY state"))
        except sqlite3.Error as err:
            return False, f"The request store {path} is not writable ({err})."
        finally:
            db.close()
        total = sum(counts.values())
        detail = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        return True, f"{path} is writable ({_requests(total)}{': ' + detail if detail else ''})."
    ancestor = _existing_ancestor(path)
    if not os.path.isdir(ancestor):
        return False, (
            f"The request store {path} cannot be created: {ancestor} is not a directory."
        )
    try:
        with tempfile.TemporaryFile(dir=ancestor):
            pass
    except OSError as err:
        return False, (
            f"The request store {path} cannot be created: {ancestor} is not writable "
            f"({err.strerror or err})."
        )
    return True, f"{path} does not exist yet; the server will create it ({ancestor} is writable)."


def _check_database(url: str) -> tuple[bool, str]:
    """A PostgreSQL store: reachable, schema not newer than this code, writable (rolled back)."""
    from ..server.store_engine import Database
    from ..server.store_migrations import MIGRATIONS, schema_version

    try:
        db = Database(url)
    except Exception as err:
        reason = redact(" ".join(str(err).split()))[:200]
        return False, f"The request store {redact(url)} cannot be reached ({reason})."
    where = db.target.display
    try:
        version = schema_version(db)
        if version > len(MIGRATIONS):
            return False, (
                f"The request store {where} has schema version {version}, newer than this "
                f"jupyter-itbridge ({len(MIGRATIONS)}); upgrade jupyter-itbridge."
            )
        db.begin(exclusive=False)
        db.run("CREATE TEMPORARY TABLE itbridge_doctor (x INTEGER)")  # a real write
        db.rollback()
        total = int(db.scalar("SELECT COUNT(*) FROM requests") or 0) if version else 0
    except Exception as err:
        reason = redact(" ".join(str(err).split()))[:200]
        return False, f"The request store {where} is not usable ({reason})."
    finally:
        db.close()
    state = _requests(total) if version else "no tables yet; the server will create them"
    return True, f"{where} is writable ({state})."


def check_store_filesystem(path: str) -> tuple[str, bool]:
    """Where the store's file lives and the journal the store uses there (one sentence), and
    whether that deserves a warning (a network filesystem: slower, one writer at a time)."""
    from ..server.store_engine import NETWORK_BUSY_TIMEOUT_MS, resolve
    from ..server.store_fs import detect

    target = resolve(path)
    if target.path is None:
        if target.engine == "postgresql":
            return f"PostgreSQL at {target.display}: no local file, no journal to choose.", False
        return "in memory: nothing on disk.", False
    info = detect(target.path)
    if not info.network:
        return f"{info.describe()}: journal WAL (write-ahead log, background checkpoints).", False
    return (
        f"{info.describe()}: rollback journal (journal_mode=DELETE, busy timeout "
        f"{NETWORK_BUSY_TIMEOUT_MS // 1000} s), because SQLite's WAL is unsafe on network "
        "filesystems. For speed, put c.ITBridge.store_path on a local disk (the offline drafts "
        "may stay in the home directory).",
        True,
    )


def on_single_user_server(environ: Any = None) -> bool:
    """True inside a JupyterHub single-user server (or a kernel or terminal it started)."""
    env = os.environ if environ is None else environ
    return bool(env.get("JUPYTERHUB_API_TOKEN") and env.get("JUPYTERHUB_USER"))


def single_user_secrets(config: Any, environ: Any = None) -> list[str]:
    """Ticket-system secrets a single-user server must not hold, by name (never the value).

    On a hub the user owns that process (terminal, same uid, ``/proc/<pid>/environ``): any
    ``ITBRIDGE_*`` variable or backend credential in its config is in the user's hands.
    """
    from ..contract import SECRET_ENV_PREFIX
    from .adminconfig import is_secret

    env = os.environ if environ is None else environ
    found = [f"${name}" for name in sorted(env) if name.upper().startswith(SECRET_ENV_PREFIX)]
    for section in sorted(config.keys()):
        if not section.endswith("Backend") or section == "HubBackend":
            continue
        for key, value in config[section].items():
            if value and is_secret(section, key, {"WebhookBackend.url"}):
                found.append(f"c.{section}.{key}")
    return found


def single_user_secret_warning(names: list[str]) -> str:
    return (
        f"This is a JupyterHub single-user server, and it holds ticket-system secrets "
        f"({', '.join(names)}): every user can read them here. Move them to the hub relay's "
        "environment (jupyter itbridge relay) and use c.ITBridge.backend = 'hub' here."
    )

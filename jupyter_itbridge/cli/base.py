"""What every ``jupyter itbridge`` subcommand shares: config loading, settings, error exits.

Why JupyterApp: ``jupyter itbridge`` then behaves like every other Jupyter command (``--help``,
``--config=FILE``, ``--log-level``, ``--Class.trait=value`` overrides) and reads the same config
files as the kernels and the server, so what ``doctor`` reports is what they will do.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

from jupyter_core.application import JupyterApp, base_aliases, base_flags
from traitlets import TraitError

from .. import __version__
from ..config import ITBridge
from ..policy import ITBridgePolicy
from .adminconfig import ConfigLoadError, LoadedConfig, load_admin_config

#: Trait values that are credentials even though their name does not say so.
ALWAYS_SECRET = {"WebhookBackend.url"}

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def _backend_classes() -> list[type]:
    from ..backends.registry import available_backends

    try:
        return list(available_backends().values())
    except Exception:  # a broken third-party entry point must not break the CLI
        return []


def effective_store(settings: ITBridge) -> str:
    """The store the server uses: ``c.ITBridge.store_path`` or the per-user default."""
    from ..server.store import default_store_path

    return settings.store_path or default_store_path()


class _Base(JupyterApp):
    """Config loading and error exits shared by every subcommand."""

    version = __version__
    # Every section an admin can write, so `--help-all` documents all of them.
    classes = [ITBridge, ITBridgePolicy, *_backend_classes()]
    aliases = {
        **base_aliases,
        "store": "ITBridge.store_path",
    }
    flags = {"debug": base_flags["debug"]}

    loaded: LoadedConfig | None = None
    config_error: str | None = None

    def load_config_file(self, suppress_errors: bool = True) -> None:  # type: ignore[override]
        """Read what kernels and the server read (see ``load_admin_config``), plus --config."""
        try:
            self.loaded = load_admin_config(self.config_file)
        except ConfigLoadError as err:
            self.config_error = str(err)
            return
        self.update_config(self.loaded.config)

    def fail(self, message: str, code: int = EXIT_PROBLEM) -> NoReturn:
        """One sentence on stderr and a non-zero exit: no traceback for an admin's typo."""
        print(f"{self.name.replace('-', ' ')}: {message}", file=sys.stderr)
        sys.stdout.flush()
        raise SystemExit(code)

    def settings(self) -> ITBridge:
        if self.config_error:
            self.fail(self.config_error)
        try:
            return ITBridge(parent=self)
        except TraitError as err:
            self.fail(
                f"Invalid c.ITBridge setting: {' '.join(str(err).split())} "
                "Run 'jupyter itbridge doctor'."
            )

    def store_path(self) -> str:
        return effective_store(self.settings())

    def _usage(self, what: str, subcommands: dict[str, Any]) -> NoReturn:
        names = ", ".join(subcommands)
        if self.extra_args:
            self.fail(
                f"Unknown {what} subcommand {self.extra_args[0]!r}; use one of: {names}.",
                EXIT_USAGE,
            )
        self.fail(f"Give a subcommand: {names} (see --help).", EXIT_USAGE)

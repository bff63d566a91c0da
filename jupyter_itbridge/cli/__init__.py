"""``jupyter itbridge ...``: the admin command line (doctor, requests list/show/retry/export).

Importing this package stays cheap; the apps are imported when ``main`` runs.
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``jupyter-itbridge`` (Jupyter runs it for ``jupyter itbridge``)."""
    from .app import main as _main

    _main(argv)


__all__ = ["main"]

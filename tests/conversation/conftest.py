"""Fixtures for the conversation tests: the real Request Tracker of tests/backends, and the
real in-process Jupyter server with the extension of tests/hub (store in tmp_path)."""

from __future__ import annotations

from backends.conftest import rt, rt_admin, rt_up  # type: ignore[import-not-found]  # noqa: F401
from hub.conftest import itbridge, jp_server_config  # type: ignore[import-not-found]  # noqa: F401
from hub.start_hook import started_serverapp  # type: ignore[import-not-found]  # noqa: F401

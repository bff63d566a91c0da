"""Fixtures for the conversation tests: the real Request Tracker of tests/backends."""

from __future__ import annotations

from backends.conftest import rt, rt_admin, rt_up  # type: ignore[import-not-found]  # noqa: F401

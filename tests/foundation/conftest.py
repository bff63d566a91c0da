"""The extension started in pytest-jupyter's server as in a real one (see ``hub/start_hook``)."""

from hub.start_hook import started_serverapp  # type: ignore[import-not-found]  # noqa: F401

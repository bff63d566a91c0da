"""Small helpers shared by the backend tests."""

from __future__ import annotations

import uuid
from typing import Any

from jupyter_itbridge.backends.base import OutgoingRequest


def make_request(summary: str = "Please install pyspark", **kw: object) -> OutgoingRequest:
    """A realistic outgoing request with a fresh UUID and the body marker line."""
    req_uuid = str(uuid.uuid4())
    body = kw.pop("body", None) or (
        f"{summary}\n\nWhat failed\n-----------\nModuleNotFoundError: No module named "
        f"'pyspark'\n\nitbridge-request-id: {req_uuid}"
    )
    return OutgoingRequest(
        uuid=req_uuid,
        summary=summary,
        body=str(body),
        user="alice",
        kind="missing_package",
        subject="pyspark",
        **kw,
    )  # type: ignore[arg-type]


def queued(
    store: Any, backend: str, summary: str = "Please install pyspark", body: str = ""
) -> Any:
    """A request row as the service stores it (body ending with the UUID marker line)."""
    return store.insert_request(
        user="alice",
        summary=summary,
        body="",
        draft={},
        backend=backend,
        kind="missing_package",
        subject="pyspark",
        body_factory=lambda u: f"{body or summary}\n\nitbridge-request-id: {u}",
    )

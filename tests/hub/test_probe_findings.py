"""What a security probe found: ids versus UUIDs, error text, and user input in the log."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from jupyter_itbridge.server.validation import parse_request_key

CONTROL = "a\nforged line\x00\x1b[31mred"


# -- request numbers and UUIDs are separate lookups -------------------------------------------


@pytest.mark.parametrize(
    ("key", "parsed"),
    [
        ("2", 2),
        ("#2", 2),
        (" 12 ", 12),
        (2, 2),
        ("00000002", "00000002"),  # a leading zero: not a request number
        ("#00000002", None),
        ("0", None),
        ("2a6c4f0e-1111-4222-8333-444455556666", "2a6c4f0e-1111-4222-8333-444455556666"),
        ("##2", None),
        ("x/y", None),
        ("٣", None),  # a non-ASCII digit is neither
        ("9" * 19, None),  # too long for a request number, too digit-only to be a UUID
    ],
)
def test_request_key_rule(key: Any, parsed: Any) -> None:
    assert parse_request_key(key) == parsed


async def test_an_all_digit_uuid_is_not_a_request_number(api: Any) -> None:
    for text in ("first", "second"):
        code, _ = await api("POST", "requests", {"summary": text})
        assert code == 201
    code, third = await api("POST", "requests", {"summary": "third", "uuid": "00000002"})
    assert code == 201 and third["id"] == 3
    code, rec = await api("GET", "requests/00000002")
    assert code == 200 and rec["id"] == 3 and rec["uuid"] == "00000002"
    code, rec = await api("GET", "requests/2")
    assert code == 200 and rec["summary"] == "second"
    code, rec = await api("GET", "requests/#2")
    assert code == 200 and rec["summary"] == "second"


async def test_a_uuid_that_reads_as_a_request_number_is_refused(api: Any) -> None:
    code, err = await api("POST", "requests", {"summary": "x", "uuid": "12345678"})
    assert code == 400 and "'uuid' must not be a plain number" in err["message"]
    code, listing = await api("GET", "requests")
    assert listing["requests"] == []


# -- error messages say exactly what was wrong -------------------------------------------------


async def test_percent_in_error_messages_is_not_doubled(api: Any) -> None:
    code, err = await api("GET", "requests", params={"state": "50%"})
    assert code == 400
    assert err["message"].startswith("Unknown state 50%; expected one of")
    code, err = await api("GET", "requests/100%")
    assert code == 404 and err["message"] == "No request 100% for this user."


# -- user input never reaches the log raw ------------------------------------------------------


def _log_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


async def test_control_characters_are_escaped_in_the_log(
    api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        code, err = await api("GET", f"requests/{CONTROL}")
        assert code == 404 and err["message"] == f"No request {CONTROL} for this user."
        code, _ = await api("GET", "requests", params={"state": CONTROL})
        assert code == 400
    text = _log_text(caplog)
    assert "No request a\\nforged line\\x00\\x1b[31mred for this user." in text
    # tornado turns NUL and ESC in query values into spaces itself; the newline is ours to escape
    assert "Unknown state a\\nforged line" in text
    for raw in ("\nforged line", "\x00", "\x1b"):
        assert raw not in text, f"{raw!r} reached the log"


async def test_percent_is_logged_once(api: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        code, _ = await api("GET", "requests/100%")
        assert code == 404
    text = _log_text(caplog)
    assert "No request 100% for this user." in text and "100%%" not in text

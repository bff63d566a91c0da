"""Authorization: nothing without auth; the kernel token reaches only kernel endpoints and only
the owner's requests."""

from __future__ import annotations

import os
from typing import Any

from jupyter_itbridge.contract import TOKEN_HEADER as KERNEL_TOKEN_HEADER

NO_AUTH = {"Authorization": ""}

ALL = [
    ("GET", "policy"),
    ("POST", "diagnose"),
    ("GET", "requests"),
    ("POST", "requests"),
    ("GET", "requests/1"),
    ("POST", "requests/1/retry"),
    ("POST", "requests/1/comment"),
    ("POST", "requests/1/cancel"),
    ("GET", "incidents"),
    ("GET", "health"),
]
KERNEL_ALLOWED = {
    ("GET", "policy"),
    ("POST", "diagnose"),
    ("GET", "requests"),
    ("POST", "requests"),
    ("GET", "requests/1"),
}


# "Nothing without auth" (403 on every route, taken from the route table so that a new route is
# covered too) is test_every_endpoint_refuses_anonymous_calls in tests/foundation.


async def test_kernel_token_least_privilege(api: Any, itbridge: Any) -> None:
    assert os.environ["JUPYTER_ITBRIDGE_TOKEN"] == itbridge.kernel_token
    kernel = {**NO_AUTH, KERNEL_TOKEN_HEADER: itbridge.kernel_token}
    code, mine = await api("POST", "requests", {"summary": "need pyspark"}, headers=kernel)
    assert code == 201 and mine["id"] == 1
    for method, path in ALL:
        body = {"ename": "E", "evalue": "x", "text": "t"} if method == "POST" else None
        if (method, path) == ("POST", "requests"):
            body = {"summary": "another"}
        code, data = await api(method, path, body, headers=kernel)
        if (method, path) in KERNEL_ALLOWED:
            assert code in (200, 201), (method, path, code, data)
        else:
            assert code == 403, (method, path, code, data)

    wrong = {**NO_AUTH, KERNEL_TOKEN_HEADER: "not-the-token"}
    code, _ = await api("GET", "requests", headers=wrong)
    assert code == 403


async def test_no_access_to_another_users_requests(api: Any, itbridge: Any) -> None:
    other, _ = itbridge.service.file(
        "bob", {"summary": "bob's secret project", "kind": "missing_package", "subject": "x"}
    )
    kernel = {**NO_AUTH, KERNEL_TOKEN_HEADER: itbridge.kernel_token}
    for headers in (kernel, None):
        code, listing = await api("GET", "requests", headers=headers)
        assert code == 200 and listing["requests"] == []
        for key in (other["id"], other["uuid"]):
            code, _ = await api("GET", f"requests/{key}", headers=headers)
            assert code == 404
    # the same idempotency key cannot be used to read or overwrite bob's request
    code, _ = await api("POST", "requests", {"summary": "x", "uuid": other["uuid"]}, headers=kernel)
    assert code == 409
    for action in ("retry", "cancel", "comment"):
        code, _ = await api("POST", f"requests/{other['id']}/{action}", {"text": "hi"})
        assert code == 404
    assert itbridge.service.store.get_request(other["uuid"])["state"] != "cancelled"

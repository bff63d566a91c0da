"""Service Catalog ordering for ServiceNow, exactly once.

Why this shape: ``order_now`` cannot set ``correlation_id``, its answer can be lost, and with
two-step checkout it answers only ``{"cart_id"}`` without ordering anything. So the request UUID
travels *in the ordering call* (the body marker in the description variable, and the ``uuid``
variable when mapped); ``find`` looks for it in the ordered items' variables
(``sc_item_option_mtom`` dot-walked to ``sc_item_option.value``) when no ``sc_request``
carries our ``correlation_id`` yet; a cart-only answer is checked out with
``cart/submit_order``; and before ordering again, a cart left by an interrupted attempt is
submitted instead of adding a second line to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import BackendError, OutgoingRequest, TicketRef
from .http import json_body

if TYPE_CHECKING:  # pragma: no cover
    from .servicenow import ServiceNowBackend

CATALOG = "/api/sn_sc/servicecatalog"


def order(be: ServiceNowBackend, request: OutgoingRequest, requested_for: str | None) -> TicketRef:
    """Order the catalog item once; returns the ``sc_request``."""
    if _submit_leftover_cart(be):
        found = find_order(be, request.uuid)
        if found:
            return found
    ours = {
        "summary": request.summary,
        "body": be.fitted(request).text,
        "user": request.user,
        "uuid": request.uuid,
        "urgency": request.urgency,
    }
    variables = {var: ours[key] for key, var in be.catalog_variables.items() if key in ours}
    payload: dict[str, Any] = {"sysparm_quantity": "1", "variables": variables}
    if requested_for:
        payload["sysparm_requested_for"] = requested_for
    resp = be.call(
        "POST",
        f"{CATALOG}/items/{be.catalog_item}/order_now",
        json=payload,
        action="order the catalog item",
        target=f"catalog item {be.catalog_item}",
        ok=(200, 201),
    )
    result = (json_body(resp, "order the catalog item") or {}).get("result") or {}
    if not (result.get("request_id") or result.get("sys_id")) and result.get("cart_id"):
        result = _submit(be)  # two-step checkout: order_now only filled the cart
    sys_id = result.get("request_id") or result.get("sys_id")
    if not sys_id:
        raise BackendError(f"ServiceNow at {be.url} returned no request_id for the order.")
    ref = be.ref_for(str(sys_id))
    tag(be, ref.id, request.uuid)
    return ref


def tag(be: ServiceNowBackend, sys_id: str, request_uuid: str) -> None:
    """Best effort ``correlation_id`` on the sc_request: ``find`` does not depend on it (the
    marker is in the ordered item's variables), so a refused PATCH never re-orders."""
    try:
        be.call(
            "PATCH",
            f"/api/now/table/sc_request/{sys_id}",
            json={"correlation_id": request_uuid, "correlation_display": "jupyter-itbridge"},
            action="tag the request",
            target="table 'sc_request'",
            ok=(200,),
        )
    except BackendError as exc:
        be.log.warning(
            "itbridge servicenow: sc_request %s has no correlation_id (%s); it is still found "
            "by the request-id in its variables.",
            sys_id,
            exc.admin_message,
        )


def find_order(be: ServiceNowBackend, request_uuid: str) -> TicketRef | None:
    """The sc_request holding our UUID: by ``correlation_id``, else by its item's variables."""
    for row in be.rows("sc_request", f"correlation_id={request_uuid}", "sys_id,correlation_id"):
        if row.get("correlation_id") == request_uuid:
            return be.ref_for(str(row["sys_id"]))
    rows = be.rows(
        "sc_item_option_mtom",
        f"sc_item_option.valueLIKE{request_uuid}",
        "request_item.request,sc_item_option.value",
    )
    for row in rows:
        request = row.get("request_item.request")
        if request and request_uuid in str(row.get("sc_item_option.value") or ""):
            tag(be, str(request), request_uuid)  # so the next find is one query
            return be.ref_for(str(request))
    return None


def _submit(be: ServiceNowBackend) -> dict[str, Any]:
    resp = be.call(
        "POST",
        f"{CATALOG}/cart/submit_order",
        json={},
        action="submit the catalog cart",
        target=f"catalog item {be.catalog_item}",
        ok=(200, 201),
    )
    return (json_body(resp, "submit the catalog cart") or {}).get("result") or {}


def _submit_leftover_cart(be: ServiceNowBackend) -> bool:
    """A cart still holding our item is an interrupted earlier attempt (the integration user
    orders nothing else): submit it rather than adding a second line."""
    resp = be.call(
        "GET", f"{CATALOG}/cart", action="read the catalog cart", target="the cart", ok=(200,)
    )
    items = ((json_body(resp, "read the catalog cart") or {}).get("result") or {}).get("items")
    if not any(str(i.get("catalog_item_id")) == be.catalog_item for i in items or []):
        return False
    be.log.warning("itbridge servicenow: submitting a cart left by an interrupted order.")
    _submit(be)
    return True

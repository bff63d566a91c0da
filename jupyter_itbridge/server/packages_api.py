"""``GET packages/{name}``: package facts for the card (kernel token allowed).

The server reads them from the policy's index (never the kernel, never the browser): see
:mod:`.package_facts`. 200 with ``available: false`` and a line saying why when the index
cannot be read (the user may still file); 404 when the index has no such package; 400 for a
name, ecosystem or version that is not one.
"""

from __future__ import annotations

from tornado import web

from .base import ITBridgeHandler, endpoint
from .package_facts import BadName, FactsService


class PackageHandler(ITBridgeHandler):
    @endpoint(kernel=True)
    async def get(self, name: str) -> None:
        service: FactsService | None = self.itbridge.facts
        if service is None:
            raise web.HTTPError(404, "Package facts are not enabled on this server.")
        try:
            result = await service.lookup(
                name, self.get_argument("ecosystem", None), self.get_argument("version", None)
            )
        except BadName as err:
            raise web.HTTPError(400, str(err)) from None
        if result["facts"].get("not_found"):
            raise web.HTTPError(404, result["line"] or f"No package {name!r} in the index.")
        self.write_json(result)


#: Paths relative to ``{base_url}itbridge/api/``.
HANDLERS: list[tuple[str, type[ITBridgeHandler]]] = [
    (r"packages/(?P<name>[^/]+)", PackageHandler),
]

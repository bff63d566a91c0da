"""The package-facts service: cached, shared, bounded lookups for ``GET packages/{name}`` and
for the "Package facts" section of filed requests.

Why a service object: one cache per server process (TTL; failures and unknown packages are
cached too, for a shorter time, so a broken index is not hammered), one fetch per name at a time
(concurrent callers await the same one), and a small thread pool of its own so slow indexes
never block the event loop nor starve the pool that redaction uses.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..contract import PACKAGE_KINDS
from ..facts_format import facts_line
from ..license_rules import evaluate
from ..pep503 import normalize_name
from ..redact import redact, redact_obj
from . import index_client
from .index_client import LookupFailed, NotFound

log = logging.getLogger("jupyter_itbridge.facts")

ECOSYSTEMS = ("pypi", "cran")
#: ``cran:data.table`` names an R package (the subject R findings carry).
PREFIXES = {"cran:": "cran", "pypi:": "pypi"}
PYPI_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,198}[A-Za-z0-9])?")
CRAN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9.]{0,98}[A-Za-z0-9]")
VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+!_-]{0,63}")
#: Facts the server sets on a filed draft differ from the client's only in these: ignored.
VOLATILE = ("fetched_at",)


class BadName(ValueError):
    """Not a package name, version or ecosystem we look up (the message says which)."""


def split_name(name: str, ecosystem: str | None) -> tuple[str, str]:
    """``("cran", "data.table")`` from ``cran:data.table`` or an explicit ecosystem."""
    for prefix, eco in PREFIXES.items():
        if name.lower().startswith(prefix):
            if ecosystem and ecosystem != eco:
                raise BadName(f"'{name}' names a {eco} package, not a {ecosystem} one.")
            name, ecosystem = name[len(prefix) :], eco
    ecosystem = (ecosystem or "pypi").lower()
    if ecosystem not in ECOSYSTEMS:
        raise BadName(f"Unknown ecosystem {ecosystem!r}; expected one of {', '.join(ECOSYSTEMS)}.")
    pattern = CRAN_NAME if ecosystem == "cran" else PYPI_NAME
    if not pattern.fullmatch(name):
        raise BadName(f"{name[:80]!r} is not a valid {ecosystem} package name.")
    return ecosystem, name


def check_version(version: str | None) -> str | None:
    if version in (None, ""):
        return None
    if not VERSION.fullmatch(version):
        raise BadName("'version' must be a version such as 1.4.0.")
    return version


def unconfigured(ecosystem: str, name: str) -> dict[str, Any]:
    setting = "cran_url" if ecosystem == "cran" else "package_index_url"
    return {
        "configured": False,
        "available": False,
        "ecosystem": ecosystem,
        "name": name,
        "error": f"c.ITBridgePolicy.{setting} is not set",
    }


class FactsService:
    """Package facts for one server: ``await lookup(name)`` -> the ``GET packages`` answer."""

    def __init__(
        self,
        policy: Any,
        *,
        timeout: float = 3.0,
        ttl: float = 3600.0,
        error_ttl: float = 60.0,
        max_entries: int = 512,
        workers: int = 4,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self.timeout, self.ttl, self.error_ttl = timeout, ttl, error_ttl
        self.max_entries = max(1, max_entries)
        self.clock = clock
        self._cache: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()
        self._inflight: dict[tuple[Any, ...], asyncio.Future[Any]] = {}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="itbridge-facts")
        self.fetches = 0  # lookups that went to the network (for tests)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- the cache ----------------------------------------------------------------------------

    def _cached(self, key: tuple[Any, ...]) -> Any:
        entry = self._cache.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self.clock() >= expires:
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return value

    def _store(self, key: tuple[Any, ...], value: Any, ttl: float) -> None:
        self._cache[key] = (self.clock() + ttl, value)
        self._cache.move_to_end(key)
        while len(self._cache) > self.max_entries:
            self._cache.popitem(last=False)

    async def _shared(
        self, key: tuple[Any, ...], work: Callable[[], Any], *, clean: bool = True
    ) -> Any:
        """``work()`` in the pool once per key at a time, its result cached; failures are
        results too (``("failed", reason)``, ``("not_found",)``), cached for ``error_ttl``."""
        cached = self._cached(key)
        if cached is not None:
            return cached
        future = self._inflight.get(key)
        if future is None:
            future = asyncio.ensure_future(self._run(key, work, clean))
            self._inflight[key] = future
            future.add_done_callback(lambda _f: self._inflight.pop(key, None))
        return await asyncio.shield(future)  # a caller that gives up does not cancel the others

    async def _run(self, key: tuple[Any, ...], work: Callable[[], Any], clean: bool) -> Any:
        self.fetches += 1
        loop = asyncio.get_running_loop()
        try:  # redacted in the worker too: index answers may quote URLs with credentials
            job = (lambda: redact_obj(work())) if clean else work
            pending = loop.run_in_executor(self._pool, job)
            value: Any = ("ok", await asyncio.wait_for(pending, self.timeout + 1.0))
            ttl = self.ttl
        except NotFound:
            value, ttl = ("not_found",), self.error_ttl
        except LookupFailed as err:
            value, ttl = ("failed", redact(str(err))), self.error_ttl
        except asyncio.TimeoutError:
            value, ttl = ("failed", f"no answer within {self.timeout:g} s"), self.error_ttl
        except Exception as err:  # a bug or an odd answer must not break filing
            log.warning("jupyter-itbridge: package facts lookup failed: %r", err)
            value, ttl = ("failed", f"unexpected answer ({type(err).__name__})"), self.error_ttl
        self._store(key, value, ttl)
        return value

    # -- lookups ------------------------------------------------------------------------------

    async def facts(self, ecosystem: str, name: str, version: str | None = None) -> dict[str, Any]:
        """The facts dict (``available: false`` with ``error`` or ``not_found`` on failure)."""
        policy = self.policy
        db_url = str(getattr(policy, "vulnerability_db_url", "") or "")
        if ecosystem == "cran":
            cran_url = str(getattr(policy, "cran_url", "") or "")
            if not cran_url:
                return unconfigured(ecosystem, name)
            index = await self._shared(
                ("cran-index", cran_url),
                lambda: index_client.fetch_cran_index(cran_url, self.timeout),
                clean=False,  # public metadata of thousands of packages; each record is redacted
            )
            if index[0] != "ok":
                return self._failure(index, ecosystem, name, cran_url, version)
            record = index[1].get(name)
            if record is None:
                return self._failure(("not_found",), ecosystem, name, cran_url, version)
            result = await self._shared(
                ("cran", cran_url, name, version, db_url),
                lambda: index_client.fetch_cran_details(
                    cran_url, record, version, db_url, self.timeout
                ),
            )
            return self._unpack(result, ecosystem, name, cran_url, version)
        index_url = str(getattr(policy, "package_index_url", "") or "")
        if not index_url:
            return unconfigured(ecosystem, name)
        result = await self._shared(
            ("pypi", index_url, normalize_name(name), version, db_url),
            lambda: index_client.fetch_pypi(index_url, name, version, db_url, self.timeout),
        )
        return self._unpack(result, ecosystem, name, index_url, version)

    def _unpack(
        self, result: Any, ecosystem: str, name: str, index: str, version: str | None
    ) -> dict[str, Any]:
        if result[0] == "ok":
            facts: dict[str, Any] = result[1]
            return facts
        return self._failure(result, ecosystem, name, index, version)

    @staticmethod
    def _failure(
        result: Any, ecosystem: str, name: str, index: str, version: str | None
    ) -> dict[str, Any]:
        facts = index_client.base_facts(ecosystem, name, index, version)
        facts["available"] = False
        if result[0] == "not_found":
            facts["not_found"] = True
        else:
            facts["error"] = result[1]
        return facts

    async def lookup(
        self, name: str, ecosystem: str | None = None, version: str | None = None
    ) -> dict[str, Any]:
        """The ``GET packages/{name}`` answer: ``{name, available, line, facts, policy}``.

        Raises BadName for a name, ecosystem or version we do not look up.
        """
        ecosystem, name = split_name(name, ecosystem)
        facts = await self.facts(ecosystem, name, check_version(version))
        return answer(facts, self.policy)


def answer(facts: dict[str, Any], policy: Any) -> dict[str, Any]:
    """The REST shape; the rule is decided now from the facts and the current policy."""
    verdict = evaluate(facts, policy)
    return {
        "name": facts.get("name"),
        "ecosystem": facts.get("ecosystem"),
        "available": bool(facts.get("available")),
        "line": facts_line(facts),
        "facts": facts,
        "policy": verdict,
    }


# -- filing: the server writes the facts into the draft --------------------------------------


def _subject(data: dict[str, Any]) -> tuple[str | None, str | None]:
    raw = data.get("finding")
    finding: dict[str, Any] = raw if isinstance(raw, dict) else {}
    kind = data.get("kind") or finding.get("kind")
    subject = data.get("subject") or finding.get("subject")
    return (kind if isinstance(kind, str) else None, subject if isinstance(subject, str) else None)


def _comparable(package_facts: Any) -> str:
    if not isinstance(package_facts, dict):
        return ""
    facts = dict(package_facts.get("facts") or {})
    for key in VOLATILE:
        facts.pop(key, None)
    return json.dumps({"facts": facts, "policy": package_facts.get("policy")}, sort_keys=True)


async def attach_facts(service: FactsService | None, data: dict[str, Any]) -> str | None:
    """Put the server's own facts into a filed draft (``data`` is changed in place).

    Package requests get ``package_facts`` from the service (the cache makes it the same answer
    the card showed); any other request loses a ``package_facts`` it should not carry. When the
    client's facts equal ours but for when they were read, the client's are kept, so the body
    stays byte-for-byte the preview. Returns a notice for the user when ours differ.
    """
    sent = data.get("package_facts")
    kind, subject = _subject(data)
    if service is None or kind not in PACKAGE_KINDS or not subject:
        data.pop("package_facts", None)
        return None
    try:
        ecosystem, name = split_name(subject, None)
    except BadName:
        data.pop("package_facts", None)
        return None
    facts = await service.facts(ecosystem, name)
    if not facts.get("configured", True):
        data.pop("package_facts", None)
        return None
    ours = {"facts": facts, "policy": evaluate(facts, service.policy)}
    if sent is not None and _comparable(sent) == _comparable(ours):
        return None
    data["package_facts"] = ours
    if sent is None:
        return None
    return "The package facts were read again from the index when the request was filed."

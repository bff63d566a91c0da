"""The built-in signature catalog, kept as DATA (one dict per signature), most specific first.

Each signature says: which exception class names it applies to (``types``, matched against the
class and its bases for a live exception, or the bare ``ename`` from IOPub), optional ``errno``
values, a ``message`` regex (searched in ``str(exc)``), and what to report: ``kind``,
``subject``, ``title``, ``explanation``, ``confidence``. ``{group}`` placeholders are filled from
the regex's named groups (and from ``{it_contact}``). ``scope`` is ``exception`` (default),
``output`` (stream text such as ``%pip`` output or a native library's stderr) or ``both``.
``gate`` (optional) lists lower-case words one of which the text must contain before the regex
is run; without it the gate is derived from the regex itself (:mod:`..gates`).
``check`` names a family function (``module.function``) that can refine the finding or veto it
(return None) using evidence that a regex cannot see (the policy, the path, the host, the
library-name table).

Patterns are written so that they cannot backtrack: they start with a literal and every
repetition is bounded (``{0,200}``, never ``*``/``+`` before more pattern), so matching grows
linearly with the text (``bench/bench_adversarial.py`` checks it for every family).

One module per family; the order below is the order of specificity: a driver's own wording
(``DPI-1047``) before the shared-library wording it quotes (``libclntsh.so: cannot open ...``),
and both before the generic families. Admin signatures (``ITBridgePolicy.signatures``) use a
subset of this shape and are tried before all of these.

``R_SIGNATURES`` are R's own wordings (``r_*`` modules, one family each), tried before the
signatures above that read a message alone (see :func:`..engine.catalog`).
"""

from __future__ import annotations

from typing import Any

from . import (
    access,
    blocked,
    drivers,
    gpu,
    kerberos,
    libraries,
    network,
    packages,
    r_access,
    r_blocked,
    r_drivers,
    r_network,
    r_packages,
    r_resources,
    resources,
)

SIGNATURES: list[dict[str, Any]] = [
    *blocked.SIGNATURES,
    *drivers.SIGNATURES,
    *gpu.SIGNATURES,
    *kerberos.SIGNATURES,
    *libraries.SIGNATURES,
    *network.SIGNATURES,
    *resources.SIGNATURES,
    *access.SIGNATURES,
    *packages.SIGNATURES,
]

R_SIGNATURES: list[dict[str, Any]] = [
    *r_blocked.SIGNATURES,
    *r_drivers.SIGNATURES,
    *r_resources.SIGNATURES,
    *r_network.SIGNATURES,
    *r_access.SIGNATURES,
    *r_packages.SIGNATURES,
]

"""PEP 503 package-name normalisation, in a module of its own because it is on the kernel's
start-up path (policy, import guard): importing it costs ``re`` only, not ``findings``."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[-_.]+")


def normalize_name(name: str) -> str:
    """``Foo_Bar.baz`` -> ``foo-bar-baz``: the policy, the import guard and fingerprints must
    agree on when two package names are the same package."""
    return _SEPARATORS.sub("-", name).lower()

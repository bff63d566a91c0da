"""R detection tests: Debian's R and IRkernel installed by the test setup (``system_deps``;
CRAN is not reachable here), IRkernel registered in this environment, and the loopback
servers and folders the scenarios need (stopped and removed at the end of the session)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from r_runner import resources
from rkernel_harness import R_PACKAGES, register_kernelspec
from system_deps import apt_install  # type: ignore[import-not-found]


@pytest.fixture(scope="session")
def r_ready() -> None:
    """R, IRkernel and the R packages from Debian; the ``ir`` kernelspec in this venv."""
    reason = apt_install(list(R_PACKAGES)) or register_kernelspec()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def r_resources(r_ready: None) -> Iterator[Any]:
    with resources(root_setups=os.geteuid() == 0) as res:
        yield res

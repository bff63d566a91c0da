"""Fixtures for the kernel tests; helpers live in ``kernel_harness`` (importable by tests)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kernel_harness import Kernel, kernel_env


@pytest.fixture
def make_kernel(tmp_path: Path) -> Iterator[Any]:
    started: list[Kernel] = []

    def start(**extra: str) -> Kernel:
        k = Kernel(kernel_env(tmp_path, **extra))
        started.append(k)
        return k

    yield start
    for k in started:
        k.stop()


@pytest.fixture
def kernel(make_kernel: Any) -> Kernel:
    return make_kernel()

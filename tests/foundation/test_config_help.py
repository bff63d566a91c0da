"""Every admin-facing config trait documents itself (``help=``), the Jupyter way."""

from __future__ import annotations

import pytest

from jupyter_itbridge.backends.registry import available_backends
from jupyter_itbridge.config import ITBridge
from jupyter_itbridge.policy import ITBridgePolicy

CLASSES = [ITBridge, ITBridgePolicy, *available_backends().values()]


@pytest.mark.parametrize("klass", CLASSES, ids=lambda k: k.__name__)
def test_every_config_trait_has_help(klass):
    traits = klass.class_traits(config=True)
    if klass.__name__ != "LocalBackend":  # the embedded default needs no settings
        assert traits, f"{klass.__name__} has no config traits"
    missing = [name for name, trait in traits.items() if len((trait.help or "").strip()) < 10]
    assert missing == [], f"{klass.__name__}: traits without a useful help=: {missing}"


def test_help_all_lists_every_section():
    """`jupyter itbridge doctor --help-all` shows admins every option they can set."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "jupyter_itbridge.cli", "doctor", "--help-all"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    for klass in CLASSES:
        traits = klass.class_traits(config=True)
        for name in traits:
            assert f"--{klass.__name__}.{name}=" in out, (
                f"{klass.__name__}.{name} not in --help-all"
            )

"""Backend registry, and house rules every backend class must keep (help=, no secret shown)."""

from __future__ import annotations

import pytest
from traitlets.config import Config

from jupyter_itbridge.backends.base import Backend
from jupyter_itbridge.backends.registry import available_backends, make_backend

BUILT_IN = {"rt", "servicenow", "jira", "github", "gitlab", "email", "webhook"}
SECRET_TRAITS = {"token", "password", "api_token", "secret"}


def test_builtins_are_listed_and_named():
    found = available_backends()
    assert set(found) >= BUILT_IN
    for name, cls in found.items():
        assert issubclass(cls, Backend) and cls.name == name


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError) as err:
        make_backend("remedy")
    for name in BUILT_IN:
        assert name in str(err.value)
    assert "jupyter_itbridge.backends" in str(err.value)


def test_make_backend_applies_config():
    cfg = Config()
    cfg.RTBackend.url = "https://rt.example/"
    cfg.RTBackend.queue = "Data Science"
    be = make_backend("RT", config=cfg)
    assert (be.url, be.queue) == ("https://rt.example", "Data Science")


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_every_trait_has_help_and_secrets_stay_hidden(name: str, monkeypatch):
    cls = available_backends()[name]
    for tname, trait in cls.class_traits(config=True).items():
        assert trait.help and trait.help.strip(), f"{cls.__name__}.{tname} has no help="
    secrets = SECRET_TRAITS & set(cls.class_traits(config=True))
    kwargs = {s: f"SECRET-{s}-value" for s in secrets}
    be = cls(**kwargs)
    shown = repr(be.describe())
    for value in kwargs.values():
        assert value not in shown


def test_empty_name_is_local_and_module_paths_resolve():
    from jupyter_itbridge.backends.local import LocalBackend
    from jupyter_itbridge.backends.rt import RTBackend

    assert type(make_backend("")) is LocalBackend
    assert type(make_backend("jupyter_itbridge.backends.rt:RTBackend")) is RTBackend
    with pytest.raises(ValueError, match="does not name a Backend subclass"):
        make_backend("jupyter_itbridge.backends.base:TicketRef")


def test_choosing_local_imports_no_other_backend():
    import subprocess
    import sys

    code = (
        "import sys; from jupyter_itbridge.backends.registry import make_backend; "
        "make_backend('local'); print('requests' in sys.modules, "
        "'jupyter_itbridge.backends.rt' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]

"""Every new IPython kernel of the environment loads the extension, unless disabled."""

from __future__ import annotations

import os
import sys

import pytest
from jupyter_client.manager import start_new_kernel

pytestmark = pytest.mark.oldest  # the installed start-up loader, on the oldest IPython too

PROBE = (
    "import jupyter_itbridge.kernel as _k\n"
    "_cbs = get_ipython().events.callbacks['post_run_cell']\n"
    "print('LOADED' if _k.is_loaded() else 'NOT-LOADED',"
    " any(getattr(cb, '__self__', None) is _k.bridge() for cb in _cbs) if _k.is_loaded() else '-')"
)


def _run_in_new_kernel(code: str, extra_env: dict[str, str]) -> str:
    env = {**os.environ, **extra_env}
    km, kc = start_new_kernel(kernel_name="python3", env=env, startup_timeout=60)
    try:
        out: list[str] = []

        def on_msg(msg: dict) -> None:
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append("\n".join(msg["content"]["traceback"]))

        reply = kc.execute_interactive(code, output_hook=on_msg, timeout=60)
        assert reply["content"]["status"] == "ok", "".join(out)
        return "".join(out)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.fixture(autouse=True)
def _kernel_uses_this_python(monkeypatch):
    # The python3 kernelspec runs sys.executable: the environment jupyter-itbridge is installed in.
    assert os.path.exists(os.path.join(sys.prefix, "etc", "ipython", "startup")), (
        "jupyter-itbridge is not installed in this environment (no etc/ipython/startup); "
        "run `make test`, which installs it"
    )


def test_new_kernel_has_extension_loaded_and_hook_registered():
    output = _run_in_new_kernel(PROBE, {"JUPYTER_ITBRIDGE_DISABLE": ""})
    assert "LOADED True" in output, output


def test_disable_env_var_turns_it_off():
    output = _run_in_new_kernel(PROBE, {"JUPYTER_ITBRIDGE_DISABLE": "1"})
    assert "NOT-LOADED" in output, output


def test_load_ext_works_when_autoload_is_disabled():
    code = "%load_ext jupyter_itbridge\n" + PROBE
    output = _run_in_new_kernel(code, {"JUPYTER_ITBRIDGE_DISABLE": "1"})
    assert "LOADED True" in output, output

"""A JupyterLab with an R kernel (Debian's IRkernel) beside the Python one, for the card tests.

R comes from Debian (CRAN is not reachable here): ``r-base-core`` and ``r-cran-irkernel``. The
kernel spec is written into the server's own (temporary) data dir, so the test registers
nothing on the machine; it is the one ``IRkernel::installspec()`` writes.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from system_deps import require_apt  # type: ignore[import-not-found]

from .conftest import LabServer, start_lab
from .itbridge_lab import api

BLOCK_REASON = "Sends data to an external service; use the approved gateway package 'corp-llm'."
#: Not installed in Debian's R (no r-cran-* package of that name).
MISSING_R_PACKAGE = "arrowlake"
IDLE = (
    "() => { const app = window.jupyterapp; const w = app && app.shell.currentWidget;"
    " return !!(w && w.sessionContext && w.sessionContext.session &&"
    " w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle'); }"
)
#: The facts endpoint answers 404 for a package it does not know (or before it exists): the
#: browser logs that as a console error by itself. The card shows nothing then, as specified.
FACTS_404 = re.compile(r"/itbridge/api/packages/[^/?]+")


def require_irkernel() -> None:
    require_apt("r-base-core", "r-cran-irkernel")
    if shutil.which("R") is None:
        pytest.skip("R not found after installing Debian's r-base-core")


def write_ir_kernelspec(data_dir: Path) -> None:
    spec = data_dir / "kernels" / "ir"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": ["R", "--slave", "-e", "IRkernel::main()", "--args", "{connection_file}"],
                "display_name": "R",
                "language": "R",
            }
        )
    )


def start_anykernel_lab(tmp: Path) -> LabServer:
    require_irkernel()
    config = tmp / "config"
    config.mkdir(parents=True, exist_ok=True)
    server_config = {"ITBridgePolicy": {"blocked_packages": {"openai": BLOCK_REASON}}}
    (config / "jupyter_server_config.json").write_text(json.dumps(server_config))
    write_ir_kernelspec(tmp / "data")
    return start_lab(tmp, extra_args=["--LabApp.expose_app_in_browser=True"])


def create_notebook(server: LabServer, name: str, cells: list[str], language: str) -> str:
    """A notebook whose kernelspec starts the right kernel when it is opened."""
    spec = (
        {"name": "ir", "display_name": "R", "language": "R"}
        if language == "R"
        else {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    )
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": src,
                "outputs": [],
                "execution_count": None,
            }
            for src in cells
        ],
        "metadata": {"kernelspec": spec, "language_info": {"name": language}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    api(server, f"api/contents/{name}", {"type": "notebook", "content": nb}, method="PUT")
    return name


def saved_outputs(server: LabServer, name: str, cell: int = 0) -> list[dict[str, Any]]:
    """The outputs of a cell as the notebook file on disk has them."""
    outputs: list[dict[str, Any]] = api(server, f"api/contents/{name}")["content"]["cells"][cell][
        "outputs"
    ]
    return outputs


def shut_down_kernel_of(server: LabServer, name: str) -> None:
    """Shut the notebook's kernel down as the user's "Shut Down Kernel" does (REST)."""
    for session in api(server, "api/sessions"):
        if session["path"] == name:
            api(server, f"api/kernels/{session['kernel']['id']}", method="DELETE")


def shut_down_all_kernels(server: LabServer) -> None:
    for kernel in api(server, "api/kernels"):
        api(server, f"api/kernels/{kernel['id']}", method="DELETE")
    assert api(server, "api/kernels") == []


def ours_without_facts_404(console: Any) -> list[str]:
    """Our console errors, less the browser's own line for an expected facts 404."""
    errors = console.ours()
    for text, url in console.error_urls:
        if FACTS_404.search(url) and "404" in text and text in errors:
            errors.remove(text)
    return errors

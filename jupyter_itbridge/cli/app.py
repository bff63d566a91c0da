"""The ``jupyter itbridge`` command: ``doctor`` and the top-level app (``requests ...`` lives
in ``requests_cmd.py``, the shared config loading in ``base.py``)."""

from __future__ import annotations

import sys

from jupyter_core.application import JupyterApp

from ..config import ITBridge
from ..policy import ITBridgePolicy
from .base import ALWAYS_SECRET, _Base, effective_store
from .relay_cmd import RelayApp
from .requests_cmd import RequestsApp

# -- doctor -----------------------------------------------------------------------------------


class DoctorApp(_Base):
    """Validate the config, show the effective policy and backend, test them."""

    name = "jupyter-itbridge-doctor"
    description = """Check that jupyter-itbridge can deliver requests to IT.

    Reads the same config files as the server and kernels (jupyter_server_config.* and
    jupyter_itbridge_config.* on the Jupyter config path, plus --config=FILE), reports unknown
    or invalid settings, prints the effective policy and backend settings (credentials are
    masked), tests connectivity and credentials against the ticket system and checks that the
    request store is writable. Exits 0 when everything is fine, otherwise 1 with one sentence
    that says what to fix."""
    examples = """
    jupyter itbridge doctor
    jupyter itbridge doctor --config=/etc/jupyter/jupyter_server_config.py
    ITBRIDGE_RT_TOKEN=... jupyter itbridge doctor --ITBridge.backend=rt
    """

    def start(self) -> None:
        from . import adminconfig as ac
        from . import doctor

        out: list[str] = ["jupyter-itbridge doctor", ""]
        report = doctor.Report()
        if self.config_error:
            self.fail(self.config_error)
        assert self.loaded is not None
        files = self.loaded.files
        out.append("Config files (lowest priority first):")
        out.extend(f"  {path}" for path in files) if files else out.append("  (none: defaults)")

        from ..backends.registry import available_backends

        backends = available_backends()
        found = ac.config_problems(self.config, backends, ALWAYS_SECRET)
        clean = ac.without(self.config, found)

        settings = ITBridge(config=clean)
        policy = ITBridgePolicy(config=clean)
        problems = [p.message for p in found]
        problems += ac.settings_problems(settings) + ac.policy_problems(policy)
        report.add(
            "config",
            not problems,
            problems[0] if problems else f"{len(files)} file(s); no unknown or invalid settings.",
        )
        for extra in problems[1:]:
            report.add("config", False, extra)

        out += ["", "Settings (c.ITBridge):"]
        store = effective_store(settings)
        out += [f"  {k} = {v}" for k, v in ac.trait_lines(settings, self.config, ALWAYS_SECRET)]
        out.append(f"  (effective store: {store})")
        out += ["", "Policy (c.ITBridgePolicy, as users see it):"]
        out += [f"  {k} = {v}" for k, v in ac.trait_lines(policy, self.config, ALWAYS_SECRET)]

        backend = None
        try:
            backend = doctor.load_backend_like_server(settings.backend, parent=settings)
        except Exception as err:
            report.add("backend", False, doctor.backend_problem(settings.backend, err))
        if backend is not None:
            doctor.quiet(backend)
            secrets = set(ALWAYS_SECRET)
            secret_trait = getattr(backend, "secret_trait", None)
            if callable(secret_trait):
                secrets.add(str(secret_trait()))
            cls = type(backend)
            out += ["", f"Backend {settings.backend!r} ({cls.__module__}.{cls.__name__}):"]
            out += [f"  {k} = {v}" for k, v in ac.trait_lines(backend, self.config, secrets)]
            ok, message = doctor.check_backend(backend)
            report.add("backend", ok, message)

        ok, message = doctor.check_store(store)
        report.add("store", ok, message)
        if doctor.on_single_user_server():
            names = doctor.single_user_secrets(self.config)
            if names:
                warning = doctor.single_user_secret_warning(names)
                report.add("secrets", True, warning, warning=True)
            else:
                report.add("secrets", True, "no ticket-system secret on this single-user server.")

        out += ["", "Checks:"]
        for check in report.checks:
            mark = "warn" if check.warning else ("ok" if check.ok else "FAIL")
            out.append(f"  [{mark:>4}] {check.name}: {check.message}")
        print("\n".join(out))
        sys.stdout.flush()
        if report.problems:
            first = report.problems[0].message
            more = len(report.problems) - 1
            if more:
                first += f" ({more} more problem{'s' if more > 1 else ''} listed above.)"
            self.fail(first)
        print("\nAll checks passed.")


# -- top level --------------------------------------------------------------------------------


class ITBridgeCLI(_Base):
    """``jupyter itbridge``."""

    name = "jupyter-itbridge"
    description = """Admin tools for jupyter-itbridge: check the configuration and the
    connection to the ticket system, and follow up users' requests to IT."""
    examples = """
    jupyter itbridge doctor
    jupyter itbridge requests list --state=failed
    jupyter itbridge requests retry 5
    jupyter itbridge requests export --format=csv --output=requests.csv
    jupyter itbridge doctor --help
    """
    subcommands = {
        "doctor": (DoctorApp, "Validate the config and test the backend and the store."),
        "requests": (RequestsApp, "List, show, retry and export requests."),
        "relay": (RelayApp, "Run the JupyterHub relay service (credentials stay with IT)."),
    }

    def start(self) -> None:
        if self.subapp is None:
            self._usage("jupyter itbridge", self.subcommands)
        JupyterApp.start(self)


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``jupyter-itbridge`` (run by ``jupyter itbridge``)."""
    ITBridgeCLI.launch_instance(argv)

"""The admin policy, as traitlets ``Configurable``s (the Jupyter way to configure).

One policy for everyone: the server builds it from its config, serves it at ``GET policy``, and the
kernel rebuilds the very same object from that JSON (or, with no server, from the same config
files via :func:`load_jupyter_config`). Pure: no kernel/server imports.
"""

from __future__ import annotations

from typing import Any

from traitlets import Bool, Dict, Enum, List, Unicode, Union
from traitlets.config import Config, Configurable

from jupyter_itbridge.pep503 import normalize_name  # also imported from here
from jupyter_itbridge.policy_files import load_jupyter_config

#: Demo policy used by ``make lab`` and the tests' defaults: small, obvious, safe.
DEMO_BLOCKED = {
    "openai": {
        "reason": "Sends data to an external service.",
        "alternative": "corp-llm",
    },
    "pyautogui": {"reason": "Remote-control tools are not allowed on shared servers."},
}


#: Ecosystem prefix of R packages in ``blocked_packages`` keys and in finding subjects
#: (``cran:data.table``): an R package and a PyPI distribution of the same name are different
#: requests, and ``:`` cannot occur in a PyPI name, so the two never share a fingerprint.
R_PREFIX = "cran:"


class ITBridgePolicy(Configurable):
    """What the organisation allows, and how users should ask for the rest."""

    blocked_packages = Dict(
        key_trait=Unicode(),
        value_trait=Union([Unicode(), Dict()]),
        default_value={},
        help="""Packages users may not import or install: distribution name -> reason.
        The value is either the reason as a string or a dict
        ``{"reason": "...", "alternative": "approved-package"}``.
        Example: ``{"openai": "Sends data outside; use 'corp-llm'."}``.
        R packages are named with the ``cran:`` prefix (any R package: CRAN, Bioconductor or
        in-house; R has one package namespace), e.g. ``{"cran:RSelenium": "Browser
        automation is not allowed."}``; names without a prefix are Python distributions.
        This is guidance shown in the notebook; the package index remains the real gate.""",
    ).tag(config=True)

    install_mode = Enum(
        ["request", "self-service"],
        default_value="request",
        help="""How missing packages are obtained. ``request``: users ask IT (a prefilled
        request is offered). ``self-service``: users may ``%pip install`` themselves; the
        card then shows the command first and the request second.""",
    ).tag(config=True)

    package_index_url = Unicode(
        "",
        help="""URL of the organisation's package index (PEP 503 / PEP 691 simple index, e.g.
        ``https://pypi.corp.example/simple``), put into the ``%pip install --index-url ...``
        commands that self-service cards show. The server also reads package facts from it
        (licence, latest version and date, requires-python, dependencies, and known
        vulnerabilities from PyPI's JSON API next to it where offered) for the card and the
        request body; detection never contacts it. Empty: the commands use pip's own
        configured index and package requests carry no facts.""",
    ).tag(config=True)

    license_rules = Dict(
        key_trait=Unicode(),
        value_trait=Enum(["allow", "review", "deny"]),
        default_value={},
        help="""Guidance by licence, shown on the card before sending and written for IT:
        SPDX id or glob (case-insensitive) -> ``review`` (legal review: the user is told to
        expect a longer wait), ``deny`` (IT will most likely decline) or ``allow`` (exempt
        from a broader glob). The most specific pattern wins; ``OR`` expressions take their
        mildest branch, ``AND`` their strictest term; ``UNKNOWN`` matches a package without
        a readable licence. Example: ``{"AGPL-3.0-only": "deny", "GPL-*": "review",
        "UNKNOWN": "review"}``. The package index remains the real gate.""",
    ).tag(config=True)

    vulnerability_rule = Enum(
        ["ignore", "warn", "review", "deny"],
        default_value="warn",
        help="""What to tell the user (and IT) when the version a package request would get
        (the version asked for, else the latest) has a known vulnerability: ``warn`` (IT may
        install a fixed version), ``review`` (expect a longer wait), ``deny`` (ask for a fixed
        version), or ``ignore``. Vulnerabilities come from PyPI's JSON API where the index
        offers it and from ``vulnerability_db_url``.""",
    ).tag(config=True)

    vulnerability_db_url = Unicode(
        "",
        help="""An OSV-shaped vulnerability database the server asks about package requests
        (``POST {url}/v1/query``), e.g. ``https://api.osv.dev`` or an internal mirror. Empty:
        only the index's PyPI JSON API (if any) is asked.""",
    ).tag(config=True)

    cran_url = Unicode(
        "",
        help="""URL of the organisation's CRAN-style R repository (e.g.
        ``https://cran.corp.example``). The server reads R package facts (License, Version,
        Depends, Imports, NeedsCompilation) from its ``src/contrib/PACKAGES`` index. Empty: R
        package requests carry no facts.""",
    ).tag(config=True)

    cran_url = Unicode(
        "",
        help="""URL of the organisation's R package repository (a CRAN mirror or a Posit
        Package Manager / Artifactory / Nexus CRAN repository), put into the
        ``install.packages("x", repos = "...")`` commands that self-service cards show for R.
        Detection never contacts it. Empty: the commands use R's own ``repos`` option.""",
    ).tag(config=True)

    import_name_overrides = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        default_value={},
        help="""Extra import-name -> distribution-name mappings for in-house packages,
        e.g. ``{"corputils": "corp-utils"}``. Merged over the built-in mapping
        (sklearn -> scikit-learn, cv2 -> opencv-python, ...).""",
    ).tag(config=True)

    driver_self_service = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        default_value={},
        help="""Self-service instructions per driver subject, shown instead of (or before)
        a request, e.g. ``{"oracle-client": "run `module load oracle-instantclient`"}``.
        Keys are finding subjects such as ``oracle-client``, ``odbc-driver-manager``,
        ``libpq``, ``java-runtime``, ``cuda``, ``kerberos``.""",
    ).tag(config=True)

    signatures = List(
        Dict(),
        default_value=[],
        help="""Admin-added error signatures, checked before the built-in catalog. Each item is
        a dict with ``exc_type`` (regex on the exception class name, optional), ``message``
        (regex on the message), ``kind``, ``subject``, ``title`` and optionally
        ``explanation`` and ``self_service`` (text).""",
    ).tag(config=True)

    it_contact = Unicode(
        "your IT service desk",
        help="Who handles requests, as shown to users (e.g. 'Data Platform team, ext. 4242').",
    ).tag(config=True)

    it_contact_url = Unicode(
        "",
        help="""A URL users may open to reach IT by other means (portal, chat channel); the
        card shows it when a request could not be sent.""",
    ).tag(config=True)

    show_low_confidence = Bool(
        False,
        help="""Show cards for low-confidence findings too. Off by default: a card that nags
        about the user's own bug is worse than a missed detection.""",
    ).tag(config=True)

    def blocked_entry(self, distribution: str) -> dict[str, str] | None:
        """The policy entry for a blocked Python distribution (case/underscore-insensitive).
        R entries (``cran:<name>``) are :meth:`blocked_r_entry`'s."""
        wanted = normalize_name(distribution)
        for name, value in self.blocked_packages.items():
            if name.lower().startswith(R_PREFIX):
                continue
            if normalize_name(name) == wanted:
                if isinstance(value, str):
                    return {"package": name, "reason": value}
                return {"package": name, **{k: str(v) for k, v in value.items()}}
        return None

    def blocked_r_entry(self, package: str) -> dict[str, str] | None:
        """The policy entry for a blocked R package (key ``cran:<name>``). R names are
        case-sensitive, but CRAN refuses names that differ only in case, so a blocklist entry
        matches whatever case a user typed."""
        wanted = package.strip().lower()
        for name, value in self.blocked_packages.items():
            prefix, _, rest = name.partition(":")
            if prefix.strip().lower() == R_PREFIX[:-1] and rest.strip().lower() == wanted:
                if isinstance(value, str):
                    return {"package": name, "reason": value}
                return {"package": name, **{k: str(v) for k, v in value.items()}}
        return None

    def to_public_dict(self) -> dict[str, Any]:
        """The policy as users may see it. Holds no secret by construction (no secret traits)."""
        return {name: getattr(self, name) for name in sorted(self.trait_names(config=True))}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ITBridgePolicy:
        """Rebuild the policy from ``to_public_dict()`` output (what the kernel receives)."""
        known = set(cls.class_trait_names(config=True))
        return cls(**{k: v for k, v in data.items() if k in known})


def policy_from_config(config: Config | None = None) -> ITBridgePolicy:
    """The effective policy from config files (kernel fallback, CLI)."""
    return ITBridgePolicy(config=config if config is not None else load_jupyter_config())

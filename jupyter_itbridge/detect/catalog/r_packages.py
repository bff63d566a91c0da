"""R packages that are not installed, in every way R and package authors say it: ``library()``
/ ``loadNamespace()`` / ``pkg::f()`` ("there is no package called 'x'"), ``require()`` (only a
warning on stderr), rlang's ``check_installed()`` ("The package `x` is required"), the
``requireNamespace()`` + ``stop()`` idioms of the R Packages book ("Package 'x' needed for this
function to work"), a namespace too old for a package that needs it, and ``install.packages``
finding no such package in the repository (a warning). A package the policy blocks is
reported as ``blocked_package`` by the same checks (:mod:`jupyter_itbridge.detect.r.packages`).
"""

from __future__ import annotations

from typing import Any

#: An R package name: letters, digits and dots, starting with a letter (Writing R Extensions
#: 1.1.1), quoted with ', ", ` or (normalised from) typographic quotes.
PKG = r"[A-Za-z][A-Za-z0-9.]{0,100}"
Q = "['\"`]"

_MISSING: dict[str, Any] = {
    "family": "r-packages",
    "kind": "missing_package",
    "subject": "cran:{pkg}",
    "title": "The R package '{pkg}' is not installed in this environment.",
    "explanation": "Your code (or a package it uses) loads '{pkg}', which is not installed "
    "here. R packages are installed in the shared library by {it_contact}.",
    "check": "r.packages.missing",
}

SIGNATURES: list[dict[str, Any]] = [
    {
        **_MISSING,
        "id": "r.packages.no_package",
        "scope": "both",
        "message": rf"there is no package called {Q}(?P<pkg>{PKG}){Q}",
        "example": "Error in library(ggplot2): there is no package called 'ggplot2'",
    },
    {
        **_MISSING,
        "id": "r.packages.rlang_required",
        "scope": "both",
        "message": rf"The packages? {Q}(?P<pkg>{PKG}){Q}(?: \([^)\n]{{1,40}}\))?"
        rf"(?P<more>(?:,? (?:and )?{Q}{PKG}{Q}(?: \([^)\n]{{1,40}}\))?){{0,20}}) "
        r"(?:is|are) required",
        "example": "Error in `check_installed()`:\n! The package `arrow` is required.",
    },
    {
        **_MISSING,
        "id": "r.packages.needed",
        "scope": "both",
        "message": rf"Package {Q}?(?P<pkg>{PKG}){Q}? (?:is )?needed for this function to work|"
        rf"Package {Q}(?P<pkg2>{PKG}){Q} must be installed|"
        rf"[Pp]lease install (?:the )?{Q}(?P<pkg3>{PKG}){Q}|"
        rf"requires the {Q}?(?P<pkg4>{PKG}){Q}? package|"
        rf"\bpackage {Q}(?P<pkg5>{PKG}){Q} is required|"
        rf"\bpackage {Q}(?P<pkg6>{PKG}){Q} required by {Q}{PKG}{Q} could not be found",
        "example": 'Error: Package "openxlsx" needed for this function to work. Please install it.',
    },
    {
        **_MISSING,
        "id": "r.packages.version",
        "scope": "both",
        "message": rf"namespace {Q}(?P<pkg>{PKG}){Q} (?P<have>[0-9][0-9.-]{{0,30}}) is "
        r"(?:already loaded|being loaded), but >= (?P<want>[0-9][0-9.-]{0,30}) is required|"
        rf"package {Q}(?P<pkg2>{PKG}){Q} was (?:installed|built) before R [0-9.]{{1,10}}: "
        r"please re-install it",
        "title": "The R package '{pkg}' installed here is too old or must be reinstalled.",
        "explanation": "A package you use needs a newer version of '{pkg}'{want_q}, or '{pkg}' "
        "was built for an older R. Packages in the shared library are updated by {it_contact}.",
        "confidence": "medium",
        "check": "r.packages.version",
        "example": "Error: namespace 'rlang' 1.0.6 is already loaded, but >= 1.1.0 is required",
    },
    {
        **_MISSING,
        "id": "r.packages.not_available",
        "scope": "both",
        "message": rf"package {Q}(?P<pkg>{PKG}){Q} is not available "
        r"(?:for this version of R|\(for R version|as a binary package)|"
        rf"dependenc(?:y|ies) {Q}(?P<pkg2>{PKG}){Q}(?:,? (?:and )?{Q}{PKG}{Q}){{0,20}} "
        r"(?:is|are) not available",
        "title": "The R package '{pkg}' is not in the package repository configured here.",
        "explanation": "install.packages() found no package '{pkg}' in the repository R "
        "installs from. Check the spelling; approved packages are added to the repository by "
        "{it_contact}.",
        "check": "r.packages.not_available",
        "example": "Warning message:\n\"package 'ggplot2' is not available for this version of R",
    },
]

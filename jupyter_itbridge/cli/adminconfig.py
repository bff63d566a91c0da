"""Load, check and show the admin config the way the server and kernels see it.

Why a separate module: ``doctor`` must find a typo (``c.RTBackend.qeueu``) or a bad value before
the server silently ignores it, and must print the effective settings without ever printing a
secret. Both need the same knowledge of our configurable classes.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
import traceback
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from traitlets import Container, Dict, TraitError
from traitlets.config import Config, Configurable

from ..policy_files import config_files, load_config_file, load_jupyter_config
from ..redact import is_secret_name, redact

MASK = "********"


class ConfigLoadError(Exception):
    """A config file could not be read; the message names the file and the reason."""


@dataclass
class LoadedConfig:
    """The merged admin config and the files it came from (lowest priority first)."""

    config: Config
    files: list[str]


#: Existing config files that :func:`load_jupyter_config` reads, lowest priority first.
candidate_files = config_files


def _describe_error(path: str, err: BaseException) -> str:
    if isinstance(err, SyntaxError):
        return f"{path} has a syntax error on line {err.lineno}: {err.msg}."
    reason = redact(" ".join(str(err).split()))[:200] or type(err).__name__
    where = ""
    for frame in traceback.extract_tb(err.__traceback__):
        if os.path.abspath(frame.filename) == os.path.abspath(path):
            where = f" on line {frame.lineno}"
    return f"{path} could not be loaded ({type(err).__name__}{where}: {reason})."


def load_admin_config(config_file: str = "", paths: list[str] | None = None) -> LoadedConfig:
    """The Jupyter config path files (as the kernels read them) plus ``--config=FILE`` on top."""
    files = candidate_files(paths)
    try:
        config = load_jupyter_config(paths)
    except Exception as err:  # find the culprit so the admin gets its name
        for path in files:
            try:
                load_config_file(path)
            except Exception as inner:
                raise ConfigLoadError(_describe_error(path, inner)) from None
        raise ConfigLoadError(_describe_error("the Jupyter config", err)) from None
    if config_file:
        if not os.path.isfile(config_file):
            raise ConfigLoadError(f"Config file {config_file} (from --config) does not exist.")
        if not config_file.endswith((".py", ".json")):
            raise ConfigLoadError(f"Config file {config_file} must end in .py or .json.")
        try:
            config.merge(load_config_file(config_file))
        except Exception as err:
            raise ConfigLoadError(_describe_error(config_file, err)) from None
        files.append(os.path.abspath(config_file))
    return LoadedConfig(config, files)


# -- knowing our classes ----------------------------------------------------------------------


def known_classes(backends: dict[str, type]) -> dict[str, type[Configurable]]:
    """Section name -> class, for our settings, every backend and their configurable bases."""
    from ..config import ITBridge
    from ..policy import ITBridgePolicy

    out: dict[str, type[Configurable]] = {"ITBridge": ITBridge, "ITBridgePolicy": ITBridgePolicy}
    for cls in backends.values():
        for klass in cls.__mro__:
            if not (isinstance(klass, type) and issubclass(klass, Configurable)):
                continue
            if klass.__module__.startswith("traitlets"):
                continue
            out.setdefault(klass.__name__, klass)
    return out


def _looks_ours(section: str) -> bool:
    return section.endswith("Backend") or section.lower().startswith("itbridge")


def _shown(section: str, key: str, value: Any, secret_traits: set[str]) -> str:
    if is_secret(section, key, secret_traits):
        return MASK if value else "(not set)"
    return repr(value)


def is_secret(section: str, key: str, secret_traits: set[str]) -> bool:
    """True for credential traits: by name (token, password, secret, api_key) or because the
    backend says this trait holds its credential (a Slack/Teams webhook URL)."""
    return is_secret_name(key) or f"{section}.{key}" in secret_traits


@dataclass
class Problem:
    """An unknown or invalid setting: ``key`` is None for a whole unknown section."""

    section: str
    key: str | None
    message: str


def config_problems(
    config: Config, backends: dict[str, type], secret_traits: set[str] | None = None
) -> list[Problem]:
    """One problem per unknown section/option or invalid value among our classes."""
    secret_traits = secret_traits or set()
    classes = known_classes(backends)
    problems: list[Problem] = []
    for section in sorted(config.keys()):
        if not section[:1].isupper():
            continue
        cls = classes.get(section)
        if cls is None:
            if _looks_ours(section):
                close = difflib.get_close_matches(section, list(classes), n=1, cutoff=0.6)
                hint = f" (did you mean c.{close[0]}?)" if close else ""
                message = f"c.{section} is not a jupyter-itbridge setting{hint}."
                problems.append(Problem(section, None, message))
            continue
        traits = cls.class_traits(config=True)
        for key, value in config[section].items():
            if key[:1].isupper():  # a nested section, not an option
                continue
            if key not in traits:
                close = difflib.get_close_matches(key, list(traits), n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]}?)" if close else ""
                message = f"c.{section}.{key} is not an option of {section}{hint}."
                problems.append(Problem(section, key, message))
                continue
            try:
                cls(config=Config({section: {key: value}}))
            except TraitError as err:
                trait = traits[key]
                if is_secret(section, key, secret_traits):
                    message = (
                        f"c.{section}.{key} is invalid (value hidden); expected {trait.info()}."
                    )
                elif isinstance(trait, (Container, Dict)):
                    message = f"c.{section}.{key} is invalid: {' '.join(str(err).split())}"
                else:
                    shown = _clip(repr(value), 80)
                    message = f"c.{section}.{key} = {shown} is invalid; expected {trait.info()}."
                problems.append(Problem(section, key, message))
    return problems


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def without(config: Config, problems: list[Problem]) -> Config:
    """A copy of ``config`` minus the bad settings, so the rest can still be shown and tested."""
    clean = Config(copy.deepcopy(config))
    for problem in problems:
        if problem.section not in clean:
            continue
        if problem.key is None:
            del clean[problem.section]
        elif problem.key in clean[problem.section]:
            del clean[problem.section][problem.key]
    return clean


def policy_problems(policy: Any) -> list[str]:
    """Mistakes the detector would silently skip at run time (a bad regex, a missing kind)."""
    from ..contract import KINDS

    problems = []
    for i, sig in enumerate(policy.signatures or []):
        where = f"c.ITBridgePolicy.signatures[{i}]"
        if not isinstance(sig, dict):
            problems.append(f"{where} must be a dict.")
            continue
        if sig.get("kind") not in KINDS:
            problems.append(f"{where}.kind is {sig.get('kind')!r}; expected one of {list(KINDS)}.")
        if not sig.get("subject"):
            problems.append(f"{where}.subject is missing; it names what is missing or blocked.")
        for field in ("message", "exc_type"):
            pattern = sig.get(field)
            if pattern is None:
                continue
            try:
                re.compile(str(pattern))
            except re.error as err:
                problems.append(f"{where}.{field} is not a valid regular expression ({err}).")
    for name, value in (policy.blocked_packages or {}).items():
        if isinstance(value, dict) and not str(value.get("reason", "")).strip():
            problems.append(
                f"c.ITBridgePolicy.blocked_packages[{name!r}] needs a 'reason' users can read."
            )
    return problems


def settings_problems(settings: Any) -> list[str]:
    """Values traitlets accepts but the server cannot work with."""
    problems = []
    if settings.outbox_concurrency < 1:
        problems.append("c.ITBridge.outbox_concurrency must be at least 1.")
    if settings.max_body_bytes < 1024:
        problems.append("c.ITBridge.max_body_bytes must be at least 1024 bytes.")
    if not 0 < settings.memory_pressure_threshold <= 1:
        problems.append("c.ITBridge.memory_pressure_threshold must be a fraction in (0, 1].")
    for name in (
        "sync_interval",
        "retry_base_delay",
        "retry_max_delay",
        "config_error_retry_delay",
    ):
        if getattr(settings, name) < 0:
            problems.append(f"c.ITBridge.{name} must not be negative.")
    return problems


# -- showing settings without secrets ---------------------------------------------------------


def safe_url(url: str) -> str:
    """A URL without user:password and without its query (which may carry a key)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    if not parts.scheme or not parts.netloc:
        return redact(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if "@" in parts.netloc:
        netloc = f"{MASK}@{netloc}"
    query = MASK if parts.query else ""
    return redact(urlunsplit((parts.scheme, netloc, parts.path, query, "")))


def display_value(
    section: str, key: str, value: Any, secret_traits: set[str], configured: bool
) -> str:
    """How ``doctor`` prints one trait value: secrets masked, URLs cleaned, the rest redacted."""
    if is_secret(section, key, secret_traits):
        if not value:
            return "(not set)"
        if key == "url" and isinstance(value, str):
            host = urlsplit(value).netloc.rsplit("@", 1)[-1]
            return f"{MASK} (set, host {host}; the URL itself is the credential)"
        source = "" if configured else ", from the environment"
        return f"{MASK} (set{source})"
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return repr(safe_url(value))
    if isinstance(value, (dict, list)):
        return redact(json.dumps(value, sort_keys=True, default=str))
    return redact(repr(value))


def trait_lines(
    obj: Configurable, config: Config, secret_traits: set[str]
) -> list[tuple[str, str]]:
    """``(name, shown value)`` for every configurable trait of ``obj`` (secrets masked)."""
    section = type(obj).__name__
    configured_keys: set[str] = set()
    for klass in type(obj).__mro__:
        name = getattr(klass, "__name__", "")
        if name in config:
            configured_keys.update(config[name].keys())
    out = []
    for name in sorted(obj.trait_names(config=True)):
        if name in ("log", "parent", "config"):
            continue
        value = getattr(obj, name)
        out.append(
            (name, display_value(section, name, value, secret_traits, name in configured_keys))
        )
    return out

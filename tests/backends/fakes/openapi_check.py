"""Validate the requests a backend sends (and the fake's answers) against an OpenAPI description.

Why: a fake written from the docs can agree with our backend on a parameter the vendor does
not have; the vendor's own machine-readable description settles it. ``openapi/`` holds a
vendored subset of GitHub's (with its licence), and for GitLab, which publishes none for
issues and notes, a description written from its documented REST pages (each page cited in
the file). A request to an operation outside a description is counted in ``unchecked``, not
silently passed; an answer whose status the description does not list is not checked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .base import Recorded

HERE = Path(__file__).resolve().parent / "openapi"
#: Component parameters referenced by ``$ref`` (not vendored): their wire names.
REF_NAMES = {"per-page": "per_page", "issue-number": "issue_number"}


def _nullable(schema: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` as JSON Schema (``null`` allowed)."""
    if isinstance(schema, list):
        return [_nullable(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _nullable(v) for k, v in schema.items() if k not in ("nullable", "example")}
    if schema.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def _query_value(value: str, schema: dict[str, Any]) -> Any:
    """A query value as the type its schema declares (everything arrives as text)."""
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"-?\d+", value):
        return int(value)
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


class OpenAPICheck:
    """``check(rec)`` returns None or one sentence saying what the description forbids."""

    def __init__(self, filename: str, prefix: str = "") -> None:
        self.spec = yaml.safe_load((HERE / filename).read_text())
        self.prefix = prefix
        self.checked = 0
        self.seen: set[str] = set()  # "METHOD /template" of every operation checked
        self.unchecked: list[str] = []
        self._ops = []
        for template, item in self.spec["paths"].items():
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            self._ops.append((re.compile(f"^{pattern}$"), template, item))

    def _operation(self, rec: Recorded) -> tuple[str, dict[str, Any]] | None:
        path = rec.path.removeprefix(self.prefix)
        for pattern, template, item in self._ops:
            if pattern.match(path) and rec.method.lower() in item:
                return template, item[rec.method.lower()]
        return None

    def __call__(self, rec: Recorded) -> str | None:
        found = self._operation(rec)
        if found is None:
            self.unchecked.append(f"{rec.method} {rec.path}")
            return None
        template, op = found
        self.checked += 1
        self.seen.add(f"{rec.method} {template}")
        declared: dict[str, dict[str, Any] | None] = {}
        for param in op.get("parameters") or []:
            if "$ref" in param:
                name = param["$ref"].rsplit("/", 1)[-1]
                declared[REF_NAMES.get(name, name)] = None  # declared, schema not vendored
            elif param.get("in") == "query":
                declared[param["name"]] = param.get("schema")
        for name, values in rec.query.items():
            if name not in declared:
                return f"{rec.method} {template}: query parameter {name!r} is not in the API"
            schema = declared[name]
            if schema is not None:
                for value in values:
                    try:
                        jsonschema.validate(_query_value(value, schema), _nullable(schema))
                    except jsonschema.ValidationError as err:
                        return f"{rec.method} {template}: {name}={value!r}: {err.message}"
        body = (op.get("requestBody") or {}).get("content", {}).get("application/json")
        if body is not None:
            try:
                jsonschema.validate(rec.json, self._rooted(body["schema"]))
            except (jsonschema.ValidationError, ValueError) as err:
                message = getattr(err, "message", str(err))
                return f"{rec.method} {template}: request body: {message}"
        return None

    def _rooted(self, schema: Any) -> Any:
        """``schema`` with the description's components beside it, so ``$ref``s resolve."""
        return {**_nullable(schema), "components": _nullable(self.spec.get("components") or {})}

    def response(
        self, rec: Recorded, status: int, body: Any, headers: dict[str, str]
    ) -> str | None:
        """None, or what the described answer to ``rec`` with ``status`` lacks."""
        found = self._operation(rec)
        described = ((found[1].get("responses") or {}) if found else {}).get(str(status))
        if found is None or described is None:
            return None
        where = f"{rec.method} {found[0]} -> {status}"
        sent = {k.lower() for k in headers}
        missing = [h for h in described.get("headers") or {} if h.lower() not in sent]
        if missing:
            return f"{where}: response headers {missing} missing"
        schema = (described.get("content") or {}).get("application/json", {}).get("schema")
        if schema is not None:
            try:
                jsonschema.validate(body, self._rooted(schema))
            except jsonschema.ValidationError as err:
                return f"{where}: response body: {err.message}"
        return None

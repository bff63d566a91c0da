"""Validate the requests a backend sends against a vendor's published OpenAPI description.

Why: a fake written from the docs can agree with our backend on a parameter the vendor does
not have; the vendor's own machine-readable description settles it. The subset vendored in
``openapi/`` (with its licence) covers the operations our GitHub backend calls most; a
request to an operation outside it is counted in ``unchecked``, not silently passed.
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


class OpenAPICheck:
    """``check(rec)`` returns None or one sentence saying what the description forbids."""

    def __init__(self, filename: str, prefix: str = "") -> None:
        self.spec = yaml.safe_load((HERE / filename).read_text())
        self.prefix = prefix
        self.checked = 0
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
                        jsonschema.validate(value, _nullable(schema))
                    except jsonschema.ValidationError as err:
                        return f"{rec.method} {template}: {name}={value!r}: {err.message}"
        body = (op.get("requestBody") or {}).get("content", {}).get("application/json")
        if body is not None:
            try:
                jsonschema.validate(rec.json, _nullable(body["schema"]))
            except (jsonschema.ValidationError, ValueError) as err:
                message = getattr(err, "message", str(err))
                return f"{rec.method} {template}: request body: {message}"
        return None

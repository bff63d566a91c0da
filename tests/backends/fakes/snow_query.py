"""ServiceNow encoded queries, evaluated the way the platform does, unpleasant parts included.

Documented behaviour reproduced here:
- terms are joined by ``^`` (AND) and ``^OR`` (OR binds tighter than AND, as in the list
  filter breadcrumbs); operators ``=``, ``!=``, ``IN``, ``LIKE``, ``STARTSWITH``, ``>``, ``>=``,
  ``<``, ``<=``; ``ORDERBY<field>`` / ``ORDERBYDESC<field>``.
- **A term on a field the table does not have is dropped** and the rest of the query runs, so
  a query whose only term is invalid returns every row - unless the system property
  ``glide.invalid_query.returns_no_rows`` is true, then an invalid query returns no rows.
  (ServiceNow Developer blog, "glide.invalid_query.returns_no_rows":
  https://community.servicenow.com/community/develop/blog/authors/catie.carmody, and the
  property's entry in the ServiceNow docs' "Available system properties".)
- Dot-walking (``request_item.request``) follows reference fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Row = dict[str, Any]
Resolver = Callable[[Row, str], Any]

_OPS = ("!=", ">=", "<=", "STARTSWITH", "LIKE", "IN", "=", ">", "<")
_TERM = re.compile(r"^(?P<field>[A-Za-z_][\w.]*?)(?P<op>" + "|".join(_OPS) + r")(?P<value>.*)$")


@dataclass
class Term:
    field: str
    op: str
    value: str

    def matches(self, actual: Any) -> bool:
        text = "" if actual is None else str(actual)
        if self.op == "=":
            return text == self.value
        if self.op == "!=":
            return text != self.value
        if self.op == "IN":
            return text in self.value.split(",")
        if self.op == "LIKE":
            return self.value.lower() in text.lower()
        if self.op == "STARTSWITH":
            return text.lower().startswith(self.value.lower())
        if self.op in (">", ">=", "<", "<="):
            # Dates are 'YYYY-MM-DD HH:MM:SS' (GMT), which sort as strings.
            return {
                ">": text > self.value,
                ">=": text >= self.value,
                "<": text < self.value,
                "<=": text <= self.value,
            }[self.op]
        raise AssertionError(self.op)


@dataclass
class Query:
    groups: list[list[Term]]  # AND of ORs
    order: list[tuple[str, bool]]  # (field, descending)
    invalid: bool  # a term named a field the table lacks

    def run(self, rows: list[Row], resolve: Resolver, no_rows_if_invalid: bool) -> list[Row]:
        if self.invalid and no_rows_if_invalid:
            return []
        found = [
            r
            for r in rows
            if all(any(t.matches(resolve(r, t.field)) for t in group) for group in self.groups)
        ]
        for field, desc in reversed(self.order):
            found.sort(key=lambda r, f=field: str(resolve(r, f) or ""), reverse=desc)
        return found


def compile_query(query: str, has_field: Callable[[str], bool]) -> Query:
    """Parse ``query``; terms on unknown fields are dropped (remembered in ``invalid``)."""
    groups: list[list[Term]] = []
    order: list[tuple[str, bool]] = []
    invalid = False
    for chunk in query.split("^") if query else []:
        is_or = chunk.startswith("OR") and bool(_TERM.match(chunk[2:])) and bool(groups)
        text = chunk[2:] if is_or else chunk
        if text.startswith("ORDERBYDESC"):
            order.append((text[len("ORDERBYDESC") :], True))
            continue
        if text.startswith("ORDERBY"):
            order.append((text[len("ORDERBY") :], False))
            continue
        if text in ("", "EQ", "NQ"):
            continue
        match = _TERM.match(text)
        if not match:
            invalid = True
            continue
        term = Term(match["field"], match["op"], match["value"])
        if not has_field(term.field):
            invalid = True  # dropped: the rest of the query still runs
            continue
        if is_or:
            groups[-1].append(term)
        else:
            groups.append([term])
    return Query(groups, order, invalid)

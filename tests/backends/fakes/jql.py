"""A small JQL evaluator for the fake Jira, following Jira's documented search semantics.

Why a parser, not regexes of the backend's exact strings: the contract tests must fail when
the backend sends JQL that Jira would read differently (quoting, precedence, a phrase that is
not a phrase), not only when it sends something unexpected.

Supported (what the backend uses, per the Jira docs "Advanced search" and "Search syntax for
text fields"):

- ``project``, ``key``, ``labels`` with ``=``, ``!=``, ``in (...)``, ``not in (...)``;
- text fields ``summary``, ``description``, ``environment``, ``comment`` and ``text`` (all of
  them) with ``~`` (CONTAINS) and ``!~``. The value is a text query: terms combined with AND
  when no operator is given, case-insensitive, ``"exact phrases"`` (written ``"\\"...\\""``
  in JQL), trailing ``*`` and ``?`` wildcards. Special characters (``- : [ ]`` ...) are not
  indexed: text is split into words of letters and digits. No stemming or stop words;
- ``AND``, ``OR``, ``NOT``, parentheses (AND binds tighter than OR), ``ORDER BY created`` or
  ``key`` with ``ASC``/``DESC``.

Anything else is a 400, as Jira answers for a field or syntax it does not know.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Issue = dict[str, Any]
Predicate = Callable[[Issue], bool]

TEXT_FIELDS = ("summary", "description", "environment", "comment")
_TOKEN = re.compile(
    r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>!=|!~|=|~|\(|\)|,)"""
    r"""|(?P<word>[A-Za-z0-9_.\-]+))"""
)


class JQLError(ValueError):
    """A query Jira would reject (400)."""


def words(text: str) -> list[str]:
    """Index terms: runs of letters/digits, lower-cased (special characters are not indexed)."""
    return re.findall(r"[^\W_]+", text.lower())


def _text_values(issue: Issue, name: str) -> list[str]:
    f = issue["fields"]
    names = TEXT_FIELDS if name == "text" else (name,)
    out: list[str] = []
    for n in names:
        if n == "comment":
            out += [
                str(c.get("body") if isinstance(c, dict) else c) for c in f.get("comments") or []
            ]
        elif f.get(n):
            out.append(str(f[n]))
    return out


def _term_matches(term: str, tokens: list[str]) -> bool:
    if "*" in term or "?" in term:
        return any(fnmatch.fnmatchcase(t, term) for t in tokens)
    return term in tokens


def _phrase_in(phrase: list[str], tokens: list[str]) -> bool:
    n = len(phrase)
    return any(tokens[i : i + n] == phrase for i in range(len(tokens) - n + 1))


def text_query(query: str) -> Callable[[list[str]], bool]:
    """A Jira text query -> predicate over a field's values (each value indexed separately)."""
    parts: list[tuple[str, list[str]]] = []  # ("phrase"|"term", words)
    for m in re.finditer(r'"([^"]*)"|(\S+)', query):
        if m.group(1) is not None:
            phrase = words(m.group(1))
            if phrase:
                parts.append(("phrase", phrase))
        else:
            raw = m.group(2).lower()
            if raw in ("and", "&&"):
                continue  # explicit AND is the default
            if raw in ("or", "not", "||", "!"):
                raise JQLError(f"The fake supports only AND text queries, not {raw!r}.")
            wild = raw.rstrip("*?")
            suffix = raw[len(wild) :]
            for i, w in enumerate(words(wild)):
                last = i == len(words(wild)) - 1
                parts.append(("term", [w + (suffix if last else "")]))
    if not parts:
        raise JQLError(f"The text query {query!r} has no terms Jira could search for.")

    def match(values: list[str]) -> bool:
        indexed = [words(v) for v in values]
        for kind, ws in parts:
            if kind == "phrase":
                if not any(_phrase_in(ws, toks) for toks in indexed):
                    return False
            elif not any(_term_matches(ws[0], toks) for toks in indexed):
                return False
        return True

    return match


@dataclass
class Query:
    where: Predicate
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    keys: list[str] = field(default_factory=list)  # issue keys named (Jira validates them)

    def run(self, issues: list[Issue]) -> list[Issue]:
        found = [i for i in issues if self.where(i)]
        if self.order:  # the fake numbers keys in creation order, so created ~ key ~ id
            found.sort(key=lambda i: int(i["id"]), reverse=self.order[0][1])
        return found


def _unquote(tok: str) -> str:
    if tok[:1] in "\"'":
        return re.sub(r"\\(.)", r"\1", tok[1:-1])
    return tok


class _Parser:
    def __init__(self, jql: str) -> None:
        self.toks: list[tuple[str, str]] = []
        pos = 0
        jql = jql.rstrip()
        while pos < len(jql):
            m = _TOKEN.match(jql, pos)
            if not m or m.end() == pos:
                raise JQLError(f"Error in the JQL Query: unexpected character at {pos}.")
            kind = m.lastgroup or ""
            self.toks.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0
        self.keys: list[str] = []

    def peek(self, upper: bool = True) -> str | None:
        if self.i >= len(self.toks):
            return None
        kind, val = self.toks[self.i]
        return val.upper() if (upper and kind == "word") else val

    def take(self) -> tuple[str, str]:
        if self.i >= len(self.toks):
            raise JQLError("Error in the JQL Query: the query ended unexpectedly.")
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        if self.peek() != value:
            raise JQLError(f"Error in the JQL Query: expecting {value!r}, got {self.peek()!r}.")
        self.i += 1

    def query(self) -> Query:
        where: Predicate = lambda _i: True  # noqa: E731
        if self.peek() not in (None, "ORDER"):
            where = self.or_expr()
        order: list[tuple[str, bool]] = []
        if self.peek() == "ORDER":
            self.take()
            self.expect("BY")
            while True:
                name = self.take()[1].lower()
                if name not in ("created", "key"):
                    raise JQLError(f"The fake cannot order by {name!r}.")
                desc = False
                if self.peek() in ("ASC", "DESC"):
                    desc = self.take()[1].upper() == "DESC"
                order.append((name, desc))
                if self.peek() != ",":
                    break
                self.take()
        if self.peek() is not None:
            raise JQLError(f"Error in the JQL Query: unexpected {self.peek(upper=False)!r}.")
        return Query(where, order, self.keys)

    def or_expr(self) -> Predicate:
        preds = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            preds.append(self.and_expr())
        return preds[0] if len(preds) == 1 else (lambda i: any(p(i) for p in preds))

    def and_expr(self) -> Predicate:
        preds = [self.not_expr()]
        while self.peek() == "AND":
            self.take()
            preds.append(self.not_expr())
        return preds[0] if len(preds) == 1 else (lambda i: all(p(i) for p in preds))

    def not_expr(self) -> Predicate:
        if self.peek() == "NOT":
            self.take()
            inner = self.not_expr()
            return lambda i: not inner(i)
        if self.peek() == "(":
            self.take()
            inner = self.or_expr()
            self.expect(")")
            return inner
        return self.clause()

    def values(self) -> list[str]:
        self.expect("(")
        out = [_unquote(self.take()[1])]
        while self.peek() == ",":
            self.take()
            out.append(_unquote(self.take()[1]))
        self.expect(")")
        return out

    def clause(self) -> Predicate:
        kind, name = self.take()
        if kind != "word":
            raise JQLError(f"Error in the JQL Query: expecting a field name, got {name!r}.")
        name = name.lower()
        op = self.peek()
        if op == "NOT":
            self.take()
            self.expect("IN")
            vals, negate = self.values(), True
        elif op == "IN":
            self.take()
            vals, negate = self.values(), False
        elif op in ("=", "!=", "~", "!~"):
            self.take()
            vals, negate = [_unquote(self.take()[1])], op.startswith("!")
        else:
            raise JQLError(f"Error in the JQL Query: expecting an operator after {name!r}.")
        if op in ("~", "!~"):
            if name not in (*TEXT_FIELDS, "text"):
                raise JQLError(f"The operator '~' is not supported by the '{name}' field.")
            match = text_query(vals[0])
            return lambda i: match(_text_values(i, name)) != negate
        getter = self._getter(name)
        if name == "key":
            self.keys += vals
        wanted = {v.lower() for v in vals}
        return lambda i: bool(wanted & {v.lower() for v in getter(i)}) != negate

    @staticmethod
    def _getter(name: str) -> Callable[[Issue], list[str]]:
        if name == "project":
            return lambda i: [i["key"].rsplit("-", 1)[0]]
        if name in ("key", "issuekey"):
            return lambda i: [i["key"]]
        if name == "labels":
            return lambda i: list(i["fields"].get("labels") or [])
        raise JQLError(f"Field '{name}' does not exist or you do not have permission to view it.")


def compile_jql(jql: str) -> Query:
    """Parse ``jql`` (raises JQLError with a Jira-like message)."""
    return _Parser(jql).query()

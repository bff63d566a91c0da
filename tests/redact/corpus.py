"""The redaction corpus (``tests/redact/corpus/*.yaml``): loading, scoring, and a per-family
report.

Each family file holds a source note, positive cases (text, the secrets that must go, the
context that must stay) and negative cases (text that must come back unchanged). Every secret
is synthetic. Run ``python tests/redact/corpus.py`` for the per-family table quoted in
docs/hub.md.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CORPUS_DIR = Path(__file__).parent / "corpus"
WINDOW = 7  # no 7 consecutive characters of a secret of 12+ may survive (at most 6)
LONG_SECRET = 12


@dataclass
class Case:
    family: str
    index: int
    text: str
    secrets: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    rule: str = ""
    negative: bool = False

    @property
    def id(self) -> str:
        return f"{self.family}:{'neg' if self.negative else ''}{self.index}"


@dataclass
class Family:
    name: str
    source: str
    positive: list[Case]
    negative: list[Case]


def load() -> list[Family]:
    families = []
    for path in sorted(CORPUS_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        name = doc["family"]
        pos = [
            Case(name, i, c["text"], c["secrets"], c.get("context", []), c.get("rule", ""))
            for i, c in enumerate(doc.get("positive") or [])
        ]
        neg = [
            Case(name, i, c["text"], negative=True) for i, c in enumerate(doc.get("negative") or [])
        ]
        families.append(Family(name, doc["source"], pos, neg))
    return families


def leaks(case: Case, out: str) -> list[str]:
    """Secrets of ``case`` that survive in ``out``: whole, or 7+ characters of a long one."""
    found = []
    for secret in case.secrets:
        if secret in out:
            found.append(secret)
        elif len(secret) >= LONG_SECRET:
            for i in range(len(secret) - WINDOW + 1):
                if secret[i : i + WINDOW] in out:
                    found.append(f"{secret} (fragment {secret[i : i + WINDOW]!r})")
                    break
    return found


def lost_context(case: Case, out: str) -> list[str]:
    return [piece for piece in case.context if piece not in out]


def report() -> str:
    """The per-family table: cases, leaks, lost context, damaged negatives, not idempotent."""
    from jupyter_itbridge.redact import MARK, redact

    rows = ["| family | positive | leaked | context lost | negative | damaged | not idempotent |"]
    rows.append("|---|---|---|---|---|---|---|")
    totals = [0] * 6
    for fam in load():
        leaked = lost = unstable = damaged = 0
        for case in fam.positive:
            out = redact(case.text)
            leaked += bool(leaks(case, out)) or MARK not in out
            lost += bool(lost_context(case, out))
            unstable += redact(out) != out
        for case in fam.negative:
            out = redact(case.text)
            damaged += out != case.text
            unstable += redact(out) != out
        figures = [len(fam.positive), leaked, lost, len(fam.negative), damaged, unstable]
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
        rows.append(f"| {fam.name} | " + " | ".join(map(str, figures)) + " |")
    rows.append("| **total** | " + " | ".join(f"**{n}**" for n in totals) + " |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    print(report())

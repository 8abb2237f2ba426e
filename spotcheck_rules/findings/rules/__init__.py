"""Findings checks as a registry of rules: one registered rule object per problem code.

Owns every check of a findings record: its code (from the one catalogue,
:mod:`spotcheck_rules.core.codes`, which gives its severity, title and message templates), the
fields it reads, where its parameters come from, its predicate and its explanation. The modules
group the rules by what they check — :mod:`.fields` (the findings format), :mod:`.references`
(what a spelling names), :mod:`.applicability` (the 汇总表's "/" cells, 合理缺项),
:mod:`.handling` (penalty, referral, opinion, harm), :mod:`.labtests` (检测项目 results),
:mod:`.duplicates` — and :mod:`.base` holds
the rule type and the registry. The coercion of one record (:mod:`..records`), the checker's
detailed path and its JSON Lines hot loop apply these objects; none writes a check of its own.

May import: ``core``, ``ruleset``, and :mod:`..models` (the contract's vocabularies).
"""

from __future__ import annotations

from . import applicability, duplicates, fields, handling, labtests, references
from .base import FORMAT, RULES, Found, Rule, register, rule

__all__ = [
    "FORMAT",
    "RULES",
    "Found",
    "Rule",
    "applicability",
    "duplicates",
    "fields",
    "handling",
    "labtests",
    "references",
    "register",
    "rule",
    "rules_json",
]


def rules_json() -> list[dict[str, object]]:
    """Every registered rule as the documentation lists it: code, severity, reads, params."""
    return [
        {
            "code": r.code,
            "rule": type(r).__name__,
            "severity": r.severity.value,
            "title": r.title,
            "reads": list(r.reads),
            "params": r.params,
        }
        for r in sorted(RULES.values(), key=lambda r: r.code)
    ]

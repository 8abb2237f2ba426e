"""The rules of applicability: what a violation, a revocation or a 合理缺项 may be for a unit
of a category and an ownership (F020–F024). Their parameters are the ruleset's: the 汇总表's
"/" cells (which column applies to which row and ownership), which items may be 合理缺项;
and the domain's declaration: which findings fields apply to it (F067), the words of its
ownerships (domains.yaml).

:func:`verdict` is what a violation spelling means in a row for an ownership: computed once
per (spelling, row, ownership) and cached by the checker, then used by the hot loop and the
detailed path alike."""

from __future__ import annotations

from ...ruleset.domains import FINDINGS_FIELDS, DomainSpec, Vocabulary
from ...ruleset.ruleset import Code, DomainRules
from .base import Found, Rule, register
from .references import UNKNOWN_CODE, Miss, resolve

__all__ = [
    "FIELD_NOT_FOR_DOMAIN",
    "ITEM_NOT_OPTIONAL",
    "NOT_FOR_CATEGORY",
    "NOT_FOR_OWNERSHIP",
    "OWNERSHIP_MISSING",
    "VIOLATION_UNDER_NA",
    "Verdict",
    "verdict",
]

_APPLIES = 'ruleset: the 汇总表\'s cells (a "/" cell does not apply)'


Verdict = tuple[Code | None, int, tuple[Found, ...]]
"""(the code, or ``None`` when it does not count; its column's position; its problems)."""


class NotForCategory(Rule):
    """F020: a violation or revocation whose 汇总表 cell for the unit's row is "/"."""

    code = "F020"
    reads = ("category", "violations", "penalty.revoked")
    params = _APPLIES

    def violation(self, label: str, category: str) -> str:
        return self.text(0, violation=label, category=category)

    def revocation(self, label: str, category: str) -> str:
        return self.text(1, revocation=label, category=category)


class NotForOwnership(Rule):
    """F021: a violation that does not apply to units of the record's ownership."""

    code = "F021"
    reads = ("ownership", "violations")
    params = _APPLIES

    def explain(self, label: str, ownership: str, vocabulary: Vocabulary) -> str:
        return self.text(0, violation=label, ownership=vocabulary.label(ownership))


class OwnershipMissing(Rule):
    """F022 (a warning): a violation for one ownership only, and the record has none."""

    code = "F022"
    reads = ("ownership", "violations")
    params = _APPLIES

    def explain(self, label: str, only: tuple[str, ...], vocabulary: Vocabulary) -> str:
        """``only``: the ownerships the violation is for."""
        return self.text(0, violation=label, ownership="、".join(map(vocabulary.label, only)))


class ItemNotOptional(Rule):
    """F023: an item marked 合理缺项 that the checklist does not let be left out."""

    code = "F023"
    reads = ("not_applicable",)
    params = "ruleset: which items may be 合理缺项 (optional)"

    def explain(self, title: str) -> str:
        return self.text(0, item=title)


class ViolationUnderNa(Rule):
    """F024: a violation of an item the same record marks 合理缺项."""

    code = "F024"
    reads = ("violations", "not_applicable")
    params = "ruleset: which item each violation code belongs to"

    def explain(self, label: str, title: str) -> str:
        return self.text(0, violation=label, item=title)


class FieldNotForDomain(Rule):
    """F067: a record fills an optional field that its domain does not declare (its
    domains.yaml entry's ``fields``, or ``ownership`` in a domain without ownerships)."""

    code = "F067"
    reads = ("domain",)
    params = "ruleset: the fields each domain declares (domains.yaml)"

    def explain(self, name: str, spec: DomainSpec) -> str:
        fields = "、".join(f for f in FINDINGS_FIELDS if spec.applies(f)) or "无"
        return self.text(0, field=name, domain=spec.label, fields=fields)


NOT_FOR_CATEGORY = register(NotForCategory())
NOT_FOR_OWNERSHIP = register(NotForOwnership())
OWNERSHIP_MISSING = register(OwnershipMissing())
ITEM_NOT_OPTIONAL = register(ItemNotOptional())
VIOLATION_UNDER_NA = register(ViolationUnderNa())
FIELD_NOT_FOR_DOMAIN = register(FieldNotForDomain())


def verdict(
    rules: DomainRules, col_pos: dict[str, int], ref: str, cat_id: str, own: str | None
) -> Verdict:
    """What a violation spelling means in row ``cat_id`` for ownership ``own``."""
    hit = resolve(rules.codes, ref, UNKNOWN_CODE)
    if isinstance(hit, Miss):
        return (None, -1, (Found(hit.code, hit.message, "violations", hit.suggestions),))
    applies = rules.column_applies
    col = hit.column
    if not applies(col.id, cat_id, None):
        msg = NOT_FOR_CATEGORY.violation(hit.label, rules.categories[cat_id].label)
        return (None, -1, (Found(NOT_FOR_CATEGORY.code, msg, "violations"),))
    pos = col_pos[col.id]
    vocab = rules.ownership
    if own is None:
        only = tuple(v.id for v in vocab.values if applies(col.id, cat_id, v.id))
        if len(only) != len(vocab.values):
            msg = OWNERSHIP_MISSING.explain(hit.label, only, vocab)
            return (hit, pos, (Found(OWNERSHIP_MISSING.code, msg, "ownership"),))
    elif not applies(col.id, cat_id, own):
        msg = NOT_FOR_OWNERSHIP.explain(hit.label, own, vocab)
        return (None, -1, (Found(NOT_FOR_OWNERSHIP.code, msg, "violations"),))
    return (hit, pos, ())

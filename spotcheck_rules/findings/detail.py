"""The detailed checks of one record: its violations, 合理缺项, penalty, referral, opinion and
harm, each through its registered rule (:mod:`.rules`); and what the record adds to a table
(:class:`Detail`) and its identity for duplicate detection (:func:`fingerprint`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ..ruleset.ruleset import Code
from .money import AmountProblem, parse_amount
from .records import _Rec
from .rules.applicability import ITEM_NOT_OPTIONAL, NOT_FOR_CATEGORY, VIOLATION_UNDER_NA, verdict
from .rules.fields import FINE_RULES, NEGATIVE_CASES
from .rules.handling import (
    BIT_OPINION,
    BIT_REFERRAL,
    FINE_FOR_OPINION,
    NO_CASES,
    NOT_REFERRED,
    OPINION_NOT_ISSUED,
    PENALTY_WITHOUT_VIOLATION,
    REVOKED_WITHOUT_VIOLATION,
    disposition_bit,
    harm_found,
)
from .rules.labtests import tested_columns
from .rules.references import UNKNOWN_ITEM, UNKNOWN_REVOCATION, Miss, resolve_cached
from .state import DomainState

__all__ = ["Detail", "detail", "fingerprint", "has_detail"]

_MASK64 = (1 << 64) - 1


@dataclass(slots=True)
class Detail:
    """What an accepted record with violations or penalties adds to a table."""

    columns: frozenset[int]
    cases: int
    fine_cents: int
    revoked: frozenset[int]


def has_detail(rec: _Rec) -> bool:
    """Whether a record has anything beyond the unit, its row and the date (then it goes
    through :func:`detail`)."""
    return bool(
        rec.violations
        or rec.penalty is not None
        or rec.not_applicable
        or rec.harm is not None
        or rec.referred is not None
        or rec.opinion_issued is not None
        or bool(rec.tests)
    )


def fingerprint(cat_id: str, own: str | None, rec: _Rec, extra: object) -> int:
    """Identity of a record for duplicate detection: its resolved content, so that an id and a
    label of the same violation, or the same codes in another order, are the same."""
    return hash((cat_id, own, rec.region, rec.inspected_on, rec.tier, rec.unit_name, extra)) & (
        _MASK64
    )


def _labels(codes: list[Code], bit: int | None = None) -> str:
    return "、".join(c.label for c in codes if bit is None or disposition_bit(c.disposition) == bit)


Add = Callable[..., None]
"""Where a problem goes: ``add(code, message, field, suggestions)`` (:meth:`.checker.Checker.add`)."""


def detail(
    add: Add, bad: frozenset[str | None], st: DomainState, rec: _Rec, cat_id: str, own: str | None
) -> tuple[Detail, object]:
    """Apply the ruleset's checks of a record's details, giving each problem to ``add``
    (``bad``: the record's fields that were wrong and left out); return what the record adds
    to a table and what its fingerprint holds beyond the unit's fields."""
    applies = st.applies
    handling = st.handling
    cols: set[int] = set()
    codes: list[Code] = []
    verdicts = st.verdicts
    bits = 0
    for ref in rec.violations:
        v = verdicts.get((ref, cat_id, own))
        if v is None:
            v = verdicts[(ref, cat_id, own)] = verdict(st.rules, st.col_pos, ref, cat_id, own)
        code, pos, probs = v
        for prob in probs:
            add(prob.code, prob.message, prob.field, prob.suggestions)
        if code is not None:
            codes.append(code)
            cols.add(pos)
            bits |= disposition_bit(code.disposition)
    na: set[str] = set()
    for ref in rec.not_applicable:
        item = resolve_cached(st.item_cache, st.rules.items, ref, UNKNOWN_ITEM)
        if isinstance(item, Miss):
            add(item.code, item.message, "not_applicable", item.suggestions)
            continue
        if not item.optional:
            add(ITEM_NOT_OPTIONAL.code, ITEM_NOT_OPTIONAL.explain(item.title), "not_applicable")
        na.add(item.id)
    if na:
        for c in codes:
            if c.item is not None and c.item.id in na:
                msg = VIOLATION_UNDER_NA.explain(c.label, c.item.title)
                add(VIOLATION_UNDER_NA.code, msg, "not_applicable")
    cases = 0
    cents = 0
    revs: set[int] = set()
    rev_ids: list[str] = []
    fine: Decimal | None = None
    pen = rec.penalty
    if pen is not None:
        cases = pen.cases
        if not NEGATIVE_CASES.accepts(cases):
            add(NEGATIVE_CASES.code, NEGATIVE_CASES.explain(cases), "penalty.cases")
        fine = pen.fine_yuan
        if fine is not None:
            # decoded or coerced by this very rule already; a record built otherwise too
            got = parse_amount(fine)
            if isinstance(got, AmountProblem):
                rule = FINE_RULES[got.kind]
                add(rule.code, rule.explain(str(fine), got.reason), "penalty.fine_yuan")
                fine = None
            else:
                cents = int(got.scaleb(2))  # below 10¹⁰ yuan: at most 12 digits, exact
        for ref in pen.revoked:
            rcol = resolve_cached(st.rev_cache, st.rules.revocations, ref, UNKNOWN_REVOCATION)
            if isinstance(rcol, Miss):
                add(rcol.code, rcol.message, "penalty.revoked", rcol.suggestions)
                continue
            if not applies(rcol.id, cat_id, None):
                msg = NOT_FOR_CATEGORY.revocation(rcol.label, st.rules.categories[cat_id].label)
                add(NOT_FOR_CATEGORY.code, msg, "penalty.revoked")
                continue
            revs.add(st.col_pos[rcol.id])
            rev_ids.append(rcol.id)
        # a check that fires on something missing is skipped when that field was wrong
        if "violations" in bad:
            pass
        elif not rec.violations:
            if PENALTY_WITHOUT_VIOLATION.fires(cases, cents):
                msg = PENALTY_WITHOUT_VIOLATION.text(0)
                add(PENALTY_WITHOUT_VIOLATION.code, msg, "penalty")
            if REVOKED_WITHOUT_VIOLATION.fires(pen.revoked):
                msg = REVOKED_WITHOUT_VIOLATION.text(0)
                add(REVOKED_WITHOUT_VIOLATION.code, msg, "penalty.revoked")
        elif FINE_FOR_OPINION.fires(handling, bits, cents):
            msg = FINE_FOR_OPINION.explain(handling, _labels(codes))
            add(FINE_FOR_OPINION.code, msg, "penalty.fine_yuan")
        if NO_CASES.fires(cases, cents, revs) and "penalty.cases" not in bad:
            add(NO_CASES.code, NO_CASES.text(0), "penalty.cases")
    if NOT_REFERRED.fires(handling, bits, rec.referred) and "referred" not in bad:
        msg = NOT_REFERRED.explain(handling, _labels(codes, BIT_REFERRAL))
        add(NOT_REFERRED.code, msg, "referred")
    if OPINION_NOT_ISSUED.fires(handling, bits, rec.opinion_issued):
        msg = OPINION_NOT_ISSUED.explain(handling, _labels(codes, BIT_OPINION))
        add(OPINION_NOT_ISSUED.code, msg, "opinion_issued")
    harm = rec.harm
    harm_key: object = None
    if harm is not None:
        for f in harm_found(handling, harm):
            add(f.code, f.message, f.field, f.suggestions)
        harm_key = (
            harm.deaths,
            harm.injured,
            harm.accident_grade,
            harm.property_loss_yuan,
            harm.property_loss_serious,
            harm.group_health_risk,
            harm.social_impact,
        )
    tested: tuple[tuple[str, bool], ...] = ()
    if rec.tests:  # lab-test results: the tested / passed columns they count in (.rules.labtests)
        tcols, tprobs, tested = tested_columns(st.rules, st.col_pos, cat_id, rec.tests)
        for f in tprobs:
            add(f.code, f.message, f.field, f.suggestions)
        cols |= tcols
    found = Detail(frozenset(cols), cases, cents, frozenset(revs))
    extra: tuple[object, ...] = (
        frozenset([c.id for c in codes]),
        frozenset(na) if na else None,
        cases,
        fine,
        frozenset(rev_ids) if rev_ids else None,
        rec.referred,
        rec.opinion_issued,
        harm_key,
    )
    if tested:
        extra = (*extra, tested)
    return found, extra

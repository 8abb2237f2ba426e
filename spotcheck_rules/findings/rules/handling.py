"""The rules of handling: what a record's penalty, referral, opinion and harm must agree with
(F040, F055–F060, F063). Their parameters are the ruleset's: the plan's year; each violation
code's disposition (处罚 / 监督意见书 / 移交, in the checklist); and the plan's handling rules for
the domain (:class:`~spotcheck_rules.ruleset.handling.DomainHandling`: each rule's condition,
action, recipients and provenance, as the jurisdiction's source words them, and the 重大医疗违法案件
criteria of the spec the plan names, 003 第三十四条). A plan that states no rule of a kind is not
checked for it: F057/F058 need its ``opinion`` rule, F059 its ``referral`` rule, F060 its
``major_case`` rule and criteria. No wording, criterion or recipient is written here.

A record's violations are summed up as disposition bits (:func:`disposition_bit`); each rule's
predicate reads those bits and the penalty's facets, so the hot loop can ask
:func:`handled_cleanly` — the same predicates, remembered per combination of facets — instead
of re-implementing them."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sized
from typing import Any

from ...ruleset.handling import DomainHandling
from ...ruleset.model import Disposition
from ...ruleset.spec import HandlingRule
from .base import Found, Rule, register
from .fields import ACCIDENT_GRADE, HARM_NUMBER

__all__ = [
    "BIT_OPINION",
    "BIT_PENALTY",
    "BIT_REFERRAL",
    "FINE_FOR_OPINION",
    "MAJOR_CASE",
    "NOT_REFERRED",
    "NO_CASES",
    "OPINION_NOT_ISSUED",
    "OUTSIDE_YEAR",
    "PENALTY_WITHOUT_VIOLATION",
    "REVOKED_WITHOUT_VIOLATION",
    "Clean",
    "basis",
    "disposition_bit",
    "handled_cleanly",
    "harm_found",
    "wording",
]

BIT_REFERRAL, BIT_OPINION, BIT_PENALTY = 1, 2, 4


def wording(rule: HandlingRule) -> dict[str, str]:
    """What a handling message quotes of the plan's rule: its condition, action, recipients and
    basis, in the source's words."""
    return {
        "condition": rule.condition or "",
        "action": rule.action or "",
        "recipients": "、".join(rule.recipients),
        "basis": basis(rule),
    }


def basis(rule: HandlingRule) -> str:
    """Where a handling rule is stated, as a message cites it (``sx2025 三(三)``), and
    ``推断`` where no source of the jurisdiction states it."""
    prov = rule.provenance
    cites = "；".join(str(c) for c in prov.cites)
    if prov.inferred:
        return f"{cites}，推断" if cites else "推断"
    return cites


def disposition_bit(disposition: Disposition) -> int:
    """The bit a violation of this disposition sets in a record's summary."""
    if disposition is Disposition.REFERRAL:
        return BIT_REFERRAL
    if disposition is Disposition.OPINION:
        return BIT_OPINION
    return BIT_PENALTY


class OutsideYear(Rule):
    """F040: ``inspected_on`` falls in the plan's year."""

    code = "F040"
    reads = ("inspected_on",)
    params = "ruleset: the plan's year"

    @staticmethod
    def accepts(day: _dt.date, year: int) -> bool:
        return day.year == year

    def explain(self, day: _dt.date, year: int) -> str:
        return self.text(0, date=day.isoformat(), year=year)


class PenaltyWithoutViolation(Rule):
    """F055: cases or a fine, and no violation."""

    code = "F055"
    reads = ("violations", "penalty.cases", "penalty.fine_yuan")

    @staticmethod
    def fires(cases: int, cents: int) -> bool:
        return cases > 0 or cents > 0


class RevokedWithoutViolation(Rule):
    """F056: a revocation, and no violation."""

    code = "F056"
    reads = ("violations", "penalty.revoked")

    @staticmethod
    def fires(revoked: Sized) -> bool:
        return bool(revoked)


class _OpinionRule(Rule):
    """A rule about a violation that calls for a 监督意见书: explained in the words of the plan's
    ``opinion`` rule."""

    params = "ruleset: each violation code's disposition; the plan's opinion rule"

    def explain(self, handling: DomainHandling, labels: str) -> str:
        rule = handling.opinion
        assert rule is not None
        return self.text(0, violations=labels, **wording(rule))


class FineForOpinion(_OpinionRule):
    """F057: a fine although every violation of the record calls for a 监督意见书 only (the
    plan's ``opinion`` rule)."""

    code = "F057"
    reads = ("violations", "penalty.fine_yuan")

    @staticmethod
    def fires(handling: DomainHandling, bits: int, cents: int) -> bool:
        return cents > 0 and bits == BIT_OPINION and handling.opinion is not None


class OpinionNotIssued(_OpinionRule):
    """F058 (a warning): a violation calling for a 监督意见书 (the plan's ``opinion`` rule), and
    ``opinion_issued: false``."""

    code = "F058"
    reads = ("violations", "opinion_issued")

    @staticmethod
    def fires(handling: DomainHandling, bits: int, opinion_issued: bool | None) -> bool:
        return bool(bits & BIT_OPINION) and opinion_issued is False and handling.opinion is not None


class NotReferred(Rule):
    """F059: a violation calling for referral (the plan's ``referral`` rule), and the record is
    not marked ``referred``."""

    code = "F059"
    reads = ("violations", "referred")
    params = "ruleset: each violation code's disposition; the plan's referral rule"

    @staticmethod
    def fires(handling: DomainHandling, bits: int, referred: bool | None) -> bool:
        return bool(bits & BIT_REFERRAL) and referred is not True and handling.referral is not None

    def explain(self, handling: DomainHandling, labels: str) -> str:
        rule = handling.referral
        assert rule is not None
        return self.text(0, violations=labels, **wording(rule))


class NoCases(Rule):
    """F063 (a warning): a fine or a revocation, and 查处案件数 0."""

    code = "F063"
    reads = ("penalty.cases", "penalty.fine_yuan", "penalty.revoked")

    @staticmethod
    def fires(cases: int, cents: int, revoked: Sized) -> bool:
        return (cents > 0 or bool(revoked)) and cases == 0


class MajorCase(Rule):
    """F060 (a warning): the harm meets one of the criteria of 重大医疗违法案件 of the spec the
    plan names, which its ``major_case`` rule says to report."""

    code = "F060"
    reads = ("harm",)
    params = "ruleset: the criteria of the plan's spec (003 第三十四条); the plan's major_case rule"

    @staticmethod
    def met(handling: DomainHandling, harm: Any, grade: int | None) -> tuple[Any, ...]:
        """The criteria the harm meets (none when the plan names no spec or no rule)."""
        if handling.major_case is None:
            return ()
        facts = {
            "deaths": harm.deaths,
            "injured": harm.injured,
            "accident_grade": grade,
            "property_loss_serious": harm.property_loss_serious,
            "group_health_risk": harm.group_health_risk,
            "social_impact": harm.social_impact,
        }
        return handling.criteria_met(facts)

    def explain(self, handling: DomainHandling, met: tuple[Any, ...]) -> str:
        rule = handling.major_case
        spec = handling.criteria_spec
        assert rule is not None and spec is not None and spec.major_cases is not None
        return self.text(
            0,
            spec=spec.title,
            article=spec.major_cases.article,
            # verbatim, each with its own closing punctuation; the last one's dropped
            criteria="".join(f"{c.ref}{c.text}" for c in met).rstrip("；;。"),
            **wording(rule),
        )


OUTSIDE_YEAR = register(OutsideYear())
PENALTY_WITHOUT_VIOLATION = register(PenaltyWithoutViolation())
REVOKED_WITHOUT_VIOLATION = register(RevokedWithoutViolation())
FINE_FOR_OPINION = register(FineForOpinion())
OPINION_NOT_ISSUED = register(OpinionNotIssued())
NOT_REFERRED = register(NotReferred())
NO_CASES = register(NoCases())
MAJOR_CASE = register(MajorCase())

Clean = dict[tuple[int, bool, bool, bool, bool | None, bool | None], bool]
"""A domain's answers of :func:`handled_cleanly`, per combination of facets."""


def handled_cleanly(
    handling: DomainHandling,
    clean: Clean,
    bits: int,
    cases: int,
    cents: int,
    revoked: bool,
    referred: bool | None,
    opinion_issued: bool | None,
) -> bool:
    """Whether a record whose violations all resolved (summed up in ``bits``, not empty) and
    whose penalty is well formed (``cases`` not negative, ``cents`` whole) raises none of the
    handling rules of its domain: F057, F058, F059, F063. Each combination of facets is decided
    once by the rules' own predicates and kept in ``clean`` (one per domain)."""
    key = (bits, cases == 0, cents > 0, revoked, referred, opinion_issued)
    hit = clean.get(key)
    if hit is None:
        c, f, r = (0 if key[1] else 1), (1 if key[2] else 0), ((True,) if revoked else ())
        hit = clean[key] = not (
            FINE_FOR_OPINION.fires(handling, bits, f)
            or NO_CASES.fires(c, f, r)
            or NOT_REFERRED.fires(handling, bits, referred)
            or OPINION_NOT_ISSUED.fires(handling, bits, opinion_issued)
        )
    return hit


def harm_found(handling: DomainHandling, harm: Any) -> list[Found]:
    """Every problem of a record's harm: its numbers (F061), its grade (F062), and whether it
    is a major case to report (F060)."""
    out: list[Found] = []
    for name in ("deaths", "injured"):
        if getattr(harm, name) < 0:
            out.append(Found(HARM_NUMBER.code, HARM_NUMBER.negative(name), f"harm.{name}"))
    loss = harm.property_loss_yuan
    if loss is not None and (not loss.is_finite() or loss < 0):
        msg = HARM_NUMBER.not_an_amount(str(loss), "应为非负金额")
        out.append(Found(HARM_NUMBER.code, msg, "harm.property_loss_yuan"))
    grade = None
    if harm.accident_grade is not None:
        grade = ACCIDENT_GRADE.grade(harm.accident_grade)
        if grade is None:
            msg = ACCIDENT_GRADE.explain(harm.accident_grade)
            out.append(Found(ACCIDENT_GRADE.code, msg, "harm.accident_grade"))
    met = MAJOR_CASE.met(handling, harm, grade)
    if met:
        out.append(Found(MAJOR_CASE.code, MAJOR_CASE.explain(handling, met), "harm"))
    return out

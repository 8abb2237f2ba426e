"""The rules of handling: what a record's penalty, referral, opinion and harm must agree with
(F040, F055–F060, F063). Their parameters are the ruleset's — the plan's year, each violation
code's disposition (处罚 / 监督意见书 / 移交) — and, for F060, the five kinds of 重大医疗违法案件 of
seed 003 第三十四条.

A record's violations are summed up as disposition bits (:func:`disposition_bit`); each rule's
predicate reads those bits and the penalty's facets, so the hot loop can ask
:func:`handled_cleanly` — the same predicates, remembered per combination of facets — instead
of re-implementing them."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sized
from typing import Any

from ...ruleset.model import Disposition
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
    "disposition_bit",
    "handled_cleanly",
    "harm_found",
]

BIT_REFERRAL, BIT_OPINION, BIT_PENALTY = 1, 2, 4
_DISPOSITIONS = "ruleset: each violation code's disposition"


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


class FineForOpinion(Rule):
    """F057: a fine although every violation of the record calls for a 监督意见书 only."""

    code = "F057"
    reads = ("violations", "penalty.fine_yuan")
    params = _DISPOSITIONS

    @staticmethod
    def fires(bits: int, cents: int) -> bool:
        return cents > 0 and bits == BIT_OPINION

    def explain(self, labels: str) -> str:
        return self.text(0, violations=labels)


class OpinionNotIssued(Rule):
    """F058 (a warning): a violation calling for a 监督意见书, and ``opinion_issued: false``."""

    code = "F058"
    reads = ("violations", "opinion_issued")
    params = _DISPOSITIONS

    @staticmethod
    def fires(bits: int, opinion_issued: bool | None) -> bool:
        return bool(bits & BIT_OPINION) and opinion_issued is False


class NotReferred(Rule):
    """F059: a violation calling for referral, and the record is not marked ``referred``."""

    code = "F059"
    reads = ("violations", "referred")
    params = _DISPOSITIONS

    @staticmethod
    def fires(bits: int, referred: bool | None) -> bool:
        return bool(bits & BIT_REFERRAL) and referred is not True

    def explain(self, labels: str) -> str:
        return self.text(0, violations=labels)


class NoCases(Rule):
    """F063 (a warning): a fine or a revocation, and 查处案件数 0."""

    code = "F063"
    reads = ("penalty.cases", "penalty.fine_yuan", "penalty.revoked")

    @staticmethod
    def fires(cases: int, cents: int, revoked: Sized) -> bool:
        return (cents > 0 or bool(revoked)) and cases == 0


class MajorCase(Rule):
    """F060 (a warning): the harm meets one of the kinds of 重大医疗违法案件, which must be
    reported."""

    code = "F060"
    reads = ("harm",)
    params = "seed 003 第三十四条 (the kinds), 第三十一条 (the duty to report)"

    # seed 003 第三十四条: the five kinds of 重大医疗违法案件.
    def met(self, harm: Any, grade: int | None) -> list[str]:
        """The kinds the harm meets, as the article words them."""
        met = []
        if harm.deaths >= 1 or (grade is not None and grade <= 2):
            met.append("（一）导致患者死亡或者造成二级以上医疗事故")
        if harm.injured >= 3:
            met.append("（二）导致3人以上人身损害后果")
        if harm.property_loss_serious:
            met.append("（三）造成财产严重损失")
        if harm.group_health_risk:
            met.append("（四）造成或者可能造成群体性健康风险或隐患")
        if harm.social_impact:
            met.append("（五）造成或者可能造成恶劣社会影响")
        return met

    def explain(self, met: list[str]) -> str:
        return self.text(0, cases="；".join(met))


OUTSIDE_YEAR = register(OutsideYear())
PENALTY_WITHOUT_VIOLATION = register(PenaltyWithoutViolation())
REVOKED_WITHOUT_VIOLATION = register(RevokedWithoutViolation())
FINE_FOR_OPINION = register(FineForOpinion())
OPINION_NOT_ISSUED = register(OpinionNotIssued())
NOT_REFERRED = register(NotReferred())
NO_CASES = register(NoCases())
MAJOR_CASE = register(MajorCase())

_CLEAN: dict[tuple[int, bool, bool, bool, bool | None, bool | None], bool] = {}


def handled_cleanly(
    bits: int,
    cases: int,
    cents: int,
    revoked: bool,
    referred: bool | None,
    opinion_issued: bool | None,
) -> bool:
    """Whether a record whose violations all resolved (summed up in ``bits``, not empty) and
    whose penalty is well formed (``cases`` not negative, ``cents`` whole) raises none of the
    handling rules: F057, F058, F059, F063. Each combination of facets is decided once by the
    rules' own predicates."""
    key = (bits, cases == 0, cents > 0, revoked, referred, opinion_issued)
    hit = _CLEAN.get(key)
    if hit is None:
        c, f, r = (0 if key[1] else 1), (1 if key[2] else 0), ((True,) if revoked else ())
        hit = _CLEAN[key] = not (
            FINE_FOR_OPINION.fires(bits, f)
            or NO_CASES.fires(c, f, r)
            or NOT_REFERRED.fires(bits, referred)
            or OPINION_NOT_ISSUED.fires(bits, opinion_issued)
        )
    return hit


def harm_found(harm: Any) -> list[Found]:
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
    met = MAJOR_CASE.met(harm, grade)
    if met:
        out.append(Found(MAJOR_CASE.code, MAJOR_CASE.explain(met), "harm"))
    return out

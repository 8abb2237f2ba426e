"""The rules of the findings format: what one record's fields must be, before any ruleset is
consulted (F001–F008, F050–F054, F061, F062). Their parameters are the findings contract's
(docs/findings.md): the required fields, the accident grades, amounts of money
(:mod:`..money`); the ownership words alone are data, the vocabulary of the record's domain
(:class:`~spotcheck_rules.ruleset.domains.Vocabulary`), which the caller passes in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ...core.text import preview
from ...ruleset.domains import Vocabulary
from ..models import ACCIDENT_GRADES
from .base import Rule, register

__all__ = [
    "ACCIDENT_GRADE",
    "AMOUNT",
    "FIELD_TYPE",
    "FINE_RULES",
    "HARM_NUMBER",
    "ISO_DATE",
    "NEGATIVE_CASES",
    "OWNERSHIP",
    "REGION",
    "REQUIRED",
    "UNKNOWN_COLUMN",
    "UNKNOWN_FIELD",
    "UNPARSABLE",
    "AmountRule",
]


class Unparsable(Rule):
    """F001: a line or element that is not a JSON object at all."""

    code = "F001"
    reads = ()

    def explain(self, reason: str) -> str:
        return self.text(0, reason=reason)

    def not_an_object(self, value: object) -> str:
        return self.text(1, type=type(value).__name__)


class Required(Rule):
    """F002: ``unit_id``, ``domain`` and ``category`` are given and not blank (white space,
    U+3000 included, is blank: it names no unit and no row)."""

    code = "F002"
    reads = ("unit_id", "domain", "category")
    fields: ClassVar[tuple[str, ...]] = reads

    @staticmethod
    def accepts(value: str) -> bool:
        """Whether a required text, trimmed, names something."""
        return bool(value)

    def explain(self, field: str, raw: object) -> str:
        if raw is None:
            return self.text(0, field=field)
        return self.text(1, field=field, value=preview(raw))


class FieldType(Rule):
    """F003: a field of the wrong type (text, list, number, yes/no, object)."""

    code = "F003"
    reads = ("*",)

    def explain(self, field: str, what: str, raw: object) -> str:
        return self.text(0, field=field, type=what, value=preview(raw))

    def not_a_list(self, field: str) -> str:
        return self.text(1, field=field)

    def not_a_count(self, raw: object) -> str:
        return self.text(2, value=preview(raw))

    def not_yes_no(self, field: str, raw: object) -> str:
        return self.text(3, field=field, value=preview(raw))


class UnknownColumn(Rule):
    """F004: a flat file's column the contract does not have (a 备注 column is layout)."""

    code = "F004"
    reads = ("*",)

    def explain(self, field: str) -> str:
        return self.text(0, field=field)


class UnknownField(Rule):
    """F008: a JSON record's field the contract does not have (a misspelt field would lose
    its data, so it is an error)."""

    code = "F008"
    reads = ("*",)

    def explain(self, field: str) -> str:
        return self.text(0, field=field)


class Region(Rule):
    """F005: ``region`` is a 6-digit 行政区划代码 (ASCII digits)."""

    code = "F005"
    reads = ("region",)

    @staticmethod
    def accepts(value: str) -> bool:
        return len(value) == 6 and value.isascii() and value.isdigit()

    def explain(self, raw: object) -> str:
        return self.text(0, value=preview(raw))


class IsoDate(Rule):
    """F006: ``inspected_on`` is a date: ISO in a JSON record; in a spreadsheet's row also the
    spellings staff write (the reading layer's, :mod:`spotcheck_rules.findings.spellings`)."""

    code = "F006"
    reads = ("inspected_on",)

    def explain(self, raw: object, flat: bool = False) -> str:
        return self.text(1 if flat else 0, value=preview(raw))


class Ownership(Rule):
    """F007: ``ownership`` is a word of the domain's ownership vocabulary (domains.yaml).

    A record is read before its domain is known: it is held to the union of the vocabularies
    of every domain the ruleset's trees declare, then, once its domain resolves, to that
    domain's own words (:meth:`~spotcheck_rules.findings.checker.Checker.check`)."""

    code = "F007"
    reads = ("ownership",)
    params = "ruleset: the domain's ownership vocabulary (domains.yaml)"

    def canonical(self, value: object, vocabulary: Vocabulary) -> str | None:
        """The ownership id a word names (as written, or trimmed), else ``None``."""
        return vocabulary.canonical(value)

    def explain(self, raw: object, vocabulary: Vocabulary) -> str:
        return self.text(0, value=preview(raw), expected=vocabulary.expected())


class AmountRule(Rule):
    """F050–F053, F064: ``penalty.fine_yuan`` is an amount of money exactly as written; each
    kind of :class:`~spotcheck_rules.findings.money.AmountProblem` has its code, and the reason
    is the one :func:`~spotcheck_rules.findings.money.parse_amount` gives."""

    reads = ("penalty.fine_yuan",)

    def __init__(self, code: str, kind: str) -> None:
        self.code = code  # type: ignore[misc]
        self.kind = kind

    def explain(self, shown: str, reason: str) -> str:
        """``shown``: the value as the message shows it (:func:`~spotcheck_rules.core.text.preview`)."""
        return self.text(0, value=shown, reason=reason)


class NegativeCases(Rule):
    """F054: ``penalty.cases`` is not negative."""

    code = "F054"
    reads = ("penalty.cases",)

    @staticmethod
    def accepts(n: int) -> bool:
        return n >= 0

    def explain(self, n: int) -> str:
        return self.text(0, n=n)


class HarmNumber(Rule):
    """F061: the harm's counts and property loss are not negative (loss: an amount)."""

    code = "F061"
    reads = ("harm.deaths", "harm.injured", "harm.property_loss_yuan")

    def not_a_count(self, field: str, raw: object) -> str:
        return self.text(0, field=field, value=preview(raw))

    def negative(self, field: str) -> str:
        return self.text(1, field=field)

    def not_an_amount(self, shown: str, reason: str) -> str:
        return self.text(2, value=shown, reason=reason)


class AccidentGrade(Rule):
    """F062: ``harm.accident_grade`` is one of the four grades of 医疗事故."""

    code = "F062"
    reads = ("harm.accident_grade",)
    grades: ClassVar[Mapping[str, int]] = ACCIDENT_GRADES

    def grade(self, value: str) -> int | None:
        """The grade as a number (1 is the gravest), or ``None`` for another spelling."""
        return self.grades.get(value.strip())

    def explain(self, raw: object) -> str:
        return self.text(0, value=preview(raw))


UNPARSABLE = register(Unparsable())
REQUIRED = register(Required())
FIELD_TYPE = register(FieldType())
UNKNOWN_COLUMN = register(UnknownColumn())
UNKNOWN_FIELD = register(UnknownField())
REGION = register(Region())
ISO_DATE = register(IsoDate())
OWNERSHIP = register(Ownership())
NEGATIVE_CASES = register(NegativeCases())
HARM_NUMBER = register(HarmNumber())
ACCIDENT_GRADE = register(AccidentGrade())
FINE_RULES: Mapping[str, AmountRule] = {
    kind: register(AmountRule(code, kind))
    for kind, code in (
        ("unreadable", "F050"),
        ("negative", "F051"),
        ("nonfinite", "F052"),
        ("precision", "F053"),
        ("limit", "F064"),
    )
}
"""The rule of each kind of amount problem in ``penalty.fine_yuan``."""
AMOUNT = FINE_RULES["unreadable"]

"""The rules of references: a record's domain, category, violations, not-applicable items and
revocations name entities of the ruleset (F010–F017). A spelling is resolved once and the
outcome — the entity, or the :class:`Miss` it causes — is cached by the checker, so the hot
loop and the detailed path resolve through the very same rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, TypeVar

from ...ruleset.reference import AmbiguousReferenceError, Index
from .base import Rule, register

__all__ = [
    "AMBIGUOUS",
    "DOMAIN_NOT_IN_PLAN",
    "SUBTOTAL_ROW",
    "UNKNOWN_CATEGORY",
    "UNKNOWN_CODE",
    "UNKNOWN_DOMAIN",
    "UNKNOWN_ITEM",
    "UNKNOWN_REVOCATION",
    "Miss",
    "UnknownReference",
    "resolve",
    "resolve_cached",
]

T = TypeVar("T")


class Miss(NamedTuple):
    """A reference that did not resolve, kept (and cached) as the problem it causes."""

    code: str
    message: str
    suggestions: tuple[str, ...]


class UnknownReference(Rule):
    """A spelling that names nothing in the ruleset (suggests the closest labels)."""

    def __init__(self, code: str, field: str, what: str, params: str) -> None:
        self.code = code  # type: ignore[misc]
        self.reads = (field,)  # type: ignore[misc]
        self.params = params  # type: ignore[misc]
        self.what = what
        """What the field names, as messages say it."""

    def miss(self, ref: str, suggestions: Sequence[str]) -> Miss:
        return Miss(self.code, self.text(0, ref=ref), tuple(suggestions))


class Ambiguous(Rule):
    """F017: a spelling that two entities share as their label."""

    code = "F017"
    reads = ("domain", "category", "violations", "not_applicable", "penalty.revoked")
    params = "ruleset: the labels and aliases of its entities"

    def miss(self, what: str, ref: str, candidates: tuple[str, ...]) -> Miss:
        return Miss(
            self.code,
            self.text(0, what=what, ref=ref, candidates="、".join(candidates)),
            candidates,
        )


class DomainNotInPlan(Rule):
    """F011: a known domain that the plan does not include."""

    code = "F011"
    reads = ("domain",)
    params = "ruleset: the plan's domains"

    def miss(self, plan: str, domain: str, have: Sequence[str]) -> Miss:
        return Miss(self.code, self.text(0, plan=plan, domain=domain, domains="、".join(have)), ())


class SubtotalRow(Rule):
    """F013: a category that is a subtotal row of the 汇总表; the record must name a leaf."""

    code = "F013"
    reads = ("category",)
    params = "ruleset: the checklist's category tree"

    def miss(self, label: str, leaves: tuple[str, ...]) -> Miss:
        return Miss(self.code, self.text(0, label=label, leaves="、".join(leaves)), leaves)


UNKNOWN_DOMAIN = register(
    UnknownReference("F010", "domain", "监督领域", "ruleset: the domains and their labels")
)
DOMAIN_NOT_IN_PLAN = register(DomainNotInPlan())
UNKNOWN_CATEGORY = register(
    UnknownReference("F012", "category", "单位类别", "ruleset: the checklist's categories")
)
SUBTOTAL_ROW = register(SubtotalRow())
UNKNOWN_CODE = register(
    UnknownReference(
        "F014", "violations", "违法违规代码", "ruleset: the checklist's violation codes"
    )
)
UNKNOWN_ITEM = register(
    UnknownReference("F015", "not_applicable", "检查内容", "ruleset: the checklist's items")
)
UNKNOWN_REVOCATION = register(
    UnknownReference(
        "F016", "penalty.revoked", "吊销项目", "ruleset: the checklist's revocation columns"
    )
)
AMBIGUOUS = register(Ambiguous())


def resolve(index: Index[T], ref: str, unknown: UnknownReference) -> T | Miss:
    """What ``ref`` names in ``index``, or the problem it causes (unknown, or ambiguous)."""
    try:
        hit = index.get(ref)
    except AmbiguousReferenceError as exc:
        return AMBIGUOUS.miss(unknown.what, ref, tuple(exc.candidates))
    if hit is None:
        return unknown.miss(ref, index.suggest(ref))
    return hit


def resolve_cached(
    cache: dict[str, T | Miss], index: Index[T], ref: str, unknown: UnknownReference
) -> T | Miss:
    """:func:`resolve`, remembered per spelling (each record repeats the same few)."""
    hit = cache.get(ref)
    if hit is None:
        resolved: T | Miss = resolve(index, ref, unknown)
        cache[ref] = resolved
        return resolved
    return hit

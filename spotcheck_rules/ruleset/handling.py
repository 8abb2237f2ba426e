"""How a resolved plan handles findings in one domain: its rules, and what a major case is.

:meth:`Ruleset.handling <spotcheck_rules.ruleset.ruleset.Ruleset.handling>` returns a
:class:`DomainHandling`: the plan's handling rules that apply to the domain (its own, or its
parent's; national plans state 003 第二十九–三十一条), and the criteria of the spec the plan names
for 重大医疗违法案件 (003 第三十四条), verbatim. Checks on findings take their conditions, wording
and recipients from here, never from literals of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .base import Cite, Provenance
from .spec import Handling, HandlingKind, HandlingRule, MajorCaseCriterion, Spec

__all__ = ["DomainHandling", "domain_handling"]


@dataclass(frozen=True)
class DomainHandling:
    """The handling rules of one domain of a plan, and 第三十四条's criteria.

    ``rules`` keep the plan's order, at most one per :class:`HandlingKind` (the linter's P212).
    ``criteria`` is empty when the plan names no spec."""

    domain: str
    rules: tuple[HandlingRule, ...] = ()
    criteria: tuple[MajorCaseCriterion, ...] = ()
    criteria_spec: Spec | None = None
    criteria_basis: Provenance | None = None

    def rule(self, kind: HandlingKind | str) -> HandlingRule | None:
        """The rule of a kind (``opinion``, ``referral``, ``major_case`` …), if the plan has one."""
        want = HandlingKind(kind)
        return next((r for r in self.rules if r.kind is want), None)

    @property
    def penalty(self) -> HandlingRule | None:
        """违法行为 → 依法予以行政处罚, where the plan states it."""
        return self.rule(HandlingKind.PENALTY)

    @property
    def opinion(self) -> HandlingRule | None:
        """无行政处罚依据 → 监督意见书: ``condition`` and ``action`` in the source's words."""
        return self.rule(HandlingKind.OPINION)

    @property
    def policy_report(self) -> HandlingRule | None:
        """Other policy matters reported to a department (``recipients``)."""
        return self.rule(HandlingKind.POLICY_REPORT)

    @property
    def notify(self) -> HandlingRule | None:
        """突出问题 → 通报 (``recipients``), where the plan states it."""
        return self.rule(HandlingKind.NOTIFY)

    @property
    def referral(self) -> HandlingRule | None:
        """涉嫌违法犯罪线索 → 移交 (``recipients``)."""
        return self.rule(HandlingKind.REFERRAL)

    @property
    def major_case(self) -> HandlingRule | None:
        """重大案件 → reported to ``recipients``."""
        return self.rule(HandlingKind.MAJOR_CASE)

    @property
    def referral_recipients(self) -> tuple[str, ...]:
        rule = self.referral
        return rule.recipients if rule is not None else ()

    @property
    def major_case_recipient(self) -> str | None:
        """Whom a major case is reported to, as the source names them (省卫生健康委 …)."""
        rule = self.major_case
        return "、".join(rule.recipients) if rule is not None else None

    def criteria_met(self, harm: Mapping[str, object]) -> tuple[MajorCaseCriterion, ...]:
        """The criteria ``harm`` meets (field → value, ``accident_grade`` as its number 1–4)."""
        return tuple(c for c in self.criteria if c.met(harm))

    def criterion_cite(self, criterion: MajorCaseCriterion) -> Cite | None:
        """Where a criterion is printed (``spec2023 第三十四条 （一）``)."""
        spec = self.criteria_spec
        if spec is None or spec.major_cases is None:
            return None
        return spec.cite(spec.major_cases.article, criterion.ref)


def domain_handling(domain: str, handling: Handling | None, spec: Spec | None) -> DomainHandling:
    """The view of one domain: the rules that name it (or name no domain), the spec's criteria."""
    if handling is None:
        return DomainHandling(domain=domain)
    mine = tuple(r for r in handling.rules if r.domains is None or domain in r.domains)
    criteria = spec.major_cases.criteria if spec is not None and spec.major_cases else ()
    return DomainHandling(
        domain=domain,
        rules=mine,
        criteria=criteria,
        criteria_spec=spec,
        criteria_basis=handling.criteria_basis if spec is not None else None,
    )

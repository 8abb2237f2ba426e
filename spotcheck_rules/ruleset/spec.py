"""The enforcement specification as data, the links to it, and how a plan handles findings.

A *spec* document (``kind: spec``, in ``specs/KEY.yaml`` of a ruleset tree) carries one national
specification clause by clause: seed 003, 医疗监督执法工作规范（试行）, gives the seven areas of its
第三章 (each a 主要内容 article and a 检查方法 article), the handling duties of 第四章 and the five
criteria of 第三十四条. Every text is verbatim; a clause's provenance is its article and clause
(``spec2023 第十六条 （三）``), derived from where it sits, so it is never written twice.

A checklist item names the method clauses that apply to it (:class:`MethodLink`); a plan states
how its jurisdiction handles what inspectors find (:class:`Handling`). Both are checked by
:mod:`.speclint`; the resolved view is :mod:`.handling`.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from .base import Cite, Id, Provenance, Text, _Model

__all__ = [
    "HARM_FIELDS",
    "CaseTest",
    "Handling",
    "HandlingKind",
    "HandlingRule",
    "MajorCaseCriterion",
    "MajorCases",
    "MethodLink",
    "Spec",
    "SpecArea",
    "SpecArticle",
    "SpecClause",
    "SpecDuty",
    "clause_key",
]

Article = Annotated[
    str,
    StringConstraints(pattern=r"^第[一二三四五六七八九十百零]+条$"),
    Field(description="The article as printed, e.g. 第十六条"),
]
ClauseRef = Annotated[
    str,
    StringConstraints(pattern=r"^（[一二三四五六七八九十]+）$"),
    Field(description="The clause as printed, e.g. （三）"),
]

HARM_FIELDS = (
    "deaths",
    "injured",
    "accident_grade",
    "property_loss_serious",
    "group_health_risk",
    "social_impact",
)
"""The fields of a finding's ``harm`` that a 第三十四条 criterion may test."""


def clause_key(text: str) -> str:
    """How a clause reference is compared: NFKC, no whitespace (第十六条（三） == 第十六条(三))."""
    return "".join(unicodedata.normalize("NFKC", text).split())


# --------------------------------------------------------------------------- the spec document


class SpecClause(_Model):
    """One clause of an article, verbatim; ``ref`` is None for an article printed as one
    paragraph (第十七条)."""

    ref: ClauseRef | None = None
    text: Text


class SpecArticle(_Model):
    """An article that lists clauses: its lead-in sentence and the clauses, as printed."""

    article: Article
    lead: Text = Field(description="The sentence before the clauses, e.g. …主要内容包括：")
    clauses: tuple[SpecClause, ...] = Field(min_length=1)


class SpecArea(_Model):
    """One 节 of 第三章: what the area covers (主要内容) and how it is checked (检查方法)."""

    id: Id
    section: Annotated[str, StringConstraints(pattern=r"^第[一二三四五六七八九十]+节$")]
    title: Text = Field(description="The 节's title, e.g. 机构资质")
    content: SpecArticle
    methods: SpecArticle


class SpecDuty(_Model):
    """A handling duty of 第四章 (or the scope of 第二条): one article, or one paragraph (款)."""

    id: Id
    article: Article
    paragraph: int | None = Field(default=None, ge=1, description="款, where the article has two")
    text: Text


class CaseTest(_Model):
    """One test on a finding's ``harm`` field: a count at least, a grade at most, or a flag set."""

    field: Literal[
        "deaths",
        "injured",
        "accident_grade",
        "property_loss_serious",
        "group_health_risk",
        "social_impact",
    ]
    at_least: int | None = Field(default=None, ge=0)
    at_most: int | None = Field(default=None, ge=0)

    def holds(self, value: object) -> bool:
        """Whether ``value`` (the finding's field; None when absent) meets this test."""
        if value is None or isinstance(value, bool):
            return value is True and self.at_least is None and self.at_most is None
        if not isinstance(value, (int, Decimal)):
            return False
        if self.at_least is not None and value < self.at_least:
            return False
        return not (self.at_most is not None and value > self.at_most)


class MajorCaseCriterion(_Model):
    """One criterion of 第三十四条, verbatim, and the tests on ``harm`` that say it is met."""

    id: Id
    ref: ClauseRef
    text: Text
    tests: tuple[CaseTest, ...] = Field(min_length=1, description="Met when any test holds")
    note: str | None = None

    def met(self, harm: Mapping[str, object]) -> bool:
        """Whether the criterion is met by ``harm`` (field name → value)."""
        return any(t.holds(harm.get(t.field)) for t in self.tests)


class MajorCases(_Model):
    """第三十四条: what a 重大医疗违法案件 is."""

    article: Article
    lead: Text
    criteria: tuple[MajorCaseCriterion, ...] = Field(min_length=1)


class Spec(_Model):
    """A national specification, clause by clause (``kind: spec``)."""

    kind: Literal["spec"]
    id: Id = Field(description="Its key; the key of its document in sources.yaml")
    title: Text
    scope: SpecDuty = Field(description="Whom the specification governs (第二条)")
    areas: tuple[SpecArea, ...] = Field(min_length=1)
    handling: tuple[SpecDuty, ...] = ()
    major_cases: MajorCases | None = None
    notes: tuple[Text, ...] = ()

    def cite(self, article: str, ref: str | None = None, paragraph: int | None = None) -> Cite:
        """The provenance of one clause: this document, the article, the clause (or 款)."""
        where = ref if ref is not None else (f"第{paragraph}款" if paragraph else None)
        return Cite(source=self.id, table=article, ref=where)

    def clauses(self) -> Iterator[tuple[SpecArticle, SpecClause]]:
        """Every clause of 第三章, area by area, 主要内容 before 检查方法."""
        for area in self.areas:
            for art in (area.content, area.methods):
                for clause in art.clauses:
                    yield art, clause

    def area(self, area_id: str) -> SpecArea | None:
        return next((a for a in self.areas if a.id == area_id), None)

    def method(self, area_id: str, ref: str) -> SpecClause | None:
        """A clause of an area's 检查方法 article by its ref (（三）, compared after NFKC)."""
        area = self.area(area_id)
        if area is None:
            return None
        key = clause_key(ref)
        return next((c for c in area.methods.clauses if clause_key(c.ref or "") == key), None)

    def duty(self, duty_id: str) -> SpecDuty | None:
        return next((d for d in self.handling if d.id == duty_id), None)


# --------------------------------------------------------------------------- links and handling


class MethodLink(_Model):
    """The 003 area and 检查方法 clauses that apply to a checklist item, or (no ``area``) the
    statement that none does, and why.

    No plan cites 003, so a link is a reading: its provenance is ``inferred`` with a reason."""

    area: Id | None = Field(
        default=None,
        description="Id of an area of the checklist's spec; absent: no area applies (say why)",
    )
    clauses: tuple[ClauseRef, ...] = Field(
        default=(), description="Clauses of the area's 检查方法 article, e.g. （一）"
    )
    provenance: Provenance

    @model_validator(mode="after")
    def _clauses_with_area(self) -> MethodLink:
        if (self.area is None) != (not self.clauses):
            raise ValueError("a link names an area and its clauses, or neither (none applies)")
        return self


class HandlingKind(str, enum.Enum):
    """What a handling rule is about."""

    FEEDBACK = "feedback"  # 反馈检查情况、提出整改意见
    PENALTY = "penalty"  # 违法行为 → 依法予以行政处罚
    OPINION = "opinion"  # 无行政处罚依据 → 监督意见书
    POLICY_REPORT = "policy_report"  # 其它违反政策要求的事项 → 向主管部门报告
    NOTIFY = "notify"  # 突出问题 → 通报当地政府主管部门
    REFERRAL = "referral"  # 涉嫌违法犯罪线索 → 移交
    MAJOR_CASE = "major_case"  # 重大案件 → 向上级报告


class HandlingRule(_Model):
    """One way a jurisdiction handles findings, with the sentence that states it."""

    kind: HandlingKind
    text: Text = Field(description="The sentence that states it, as the source prints it")
    condition: Text | None = Field(default=None, description="When it applies, in its words")
    action: Text | None = Field(default=None, description="What is done, in its words")
    recipients: tuple[Text, ...] = Field(
        default=(), description="To whom it is reported or referred, as the source names them"
    )
    domains: tuple[Id, ...] | None = Field(
        default=None, description="The domains it applies to; every domain of the plan if absent"
    )
    provenance: Provenance

    @model_validator(mode="after")
    def _recipients_where_needed(self) -> HandlingRule:
        needs = (HandlingKind.REFERRAL, HandlingKind.MAJOR_CASE, HandlingKind.POLICY_REPORT)
        if self.kind in needs and not self.recipients:
            raise ValueError(f"a {self.kind.value} rule needs 'recipients'")
        return self


class Handling(_Model):
    """How a plan's jurisdiction handles findings; ``criteria`` names the spec whose
    第三十四条 defines a 重大医疗违法案件, and ``criteria_basis`` says why it applies here."""

    criteria: Id | None = Field(default=None, description="Key of the spec (e.g. spec2023)")
    criteria_basis: Provenance | None = None
    rules: tuple[HandlingRule, ...] = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _criteria_with_basis(self) -> Handling:
        if self.criteria is not None and self.criteria_basis is None:
            raise ValueError("'criteria' needs 'criteria_basis' (cited, or inferred with a reason)")
        return self

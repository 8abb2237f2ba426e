"""The ruleset file models: what a checklist file and a plan file may contain.

These are the *declarative* shapes an author writes in YAML. They are frozen pydantic models that
reject unknown keys, so a typo in a ruleset is an error with a location, not a silently ignored
field. Cross-references (a column's ``item``, a stratum's ``categories``) are checked by
:mod:`spotcheck_rules.ruleset.lint` and by the loader, which see the whole file.
"""

from __future__ import annotations

import datetime as _dt
import enum
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from .base import Cite, FrozenDict, Id, Provenance, Text, _Model
from .base import freeze as _freeze
from .spec import Handling, MethodLink

__all__ = [
    "TIER_LABELS",
    "Applicability",
    "Category",
    "Checklist",
    "Cite",
    "Column",
    "ColumnKind",
    "Deadline",
    "DeadlineKind",
    "Disposition",
    "Footnote",
    "FrozenDict",
    "Item",
    "ItemRestriction",
    "Jurisdiction",
    "JurisdictionLevel",
    "LabTest",
    "LookBack",
    "Plan",
    "PlanDomain",
    "Provenance",
    "RatioRule",
    "Rounding",
    "SourceDocument",
    "SourceRegistry",
    "Standard",
    "StatedTotal",
    "Stratum",
    "Tier",
    "ViolationCode",
    "Wording",
]


class Tier(str, enum.Enum):
    """Which draw a stratum belongs to."""

    NATIONAL = "national"  # 国家双随机
    MUNICIPAL = "municipal"  # 市级双随机


TIER_LABELS: dict[Tier, str] = {Tier.NATIONAL: "国家双随机", Tier.MUNICIPAL: "市级双随机"}


class ColumnKind(str, enum.Enum):
    """What a summary-table cell counts."""

    VIOLATION_UNITS = "violation_units"  # distinct units with a violation mapped to the column
    CENSUS_UNITS = "census_units"  # 辖区内单位总数: from a census, not from findings
    INSPECTED_UNITS = "inspected_units"  # 检查单位数: distinct units inspected
    CASES = "cases"  # 查处案件数: sum of cases
    FINES = "fines"  # 罚没款金额（万元）: sum of fines, exact Decimal, in 万元
    REVOKED_UNITS = "revoked_units"  # 吊销…单位数: distinct units with this revocation
    TESTED_UNITS = "tested_units"  # 检测学校数: distinct units with a lab-test result
    PASSED_UNITS = "passed_units"  # 检测合格学校数: distinct tested units whose every result passed
    RATIO = "ratio"  # 合格率: one column of the row over another, rounded as the ruleset states


class Disposition(str, enum.Enum):
    """How a violation is dealt with (000 三(三); 003 第二十九–三十四条)."""

    PENALTY = "penalty"  # 依法予以行政处罚
    OPINION = "opinion"  # 违反政策要求但无行政处罚依据 → 下达监督意见书
    REFERRAL = "referral"  # 涉嫌违法犯罪 → 移交相关部门 / 司法机关


class SourceDocument(_Model):
    file: str
    title: str
    year: int
    jurisdiction: str
    note: str | None = None


class SourceRegistry(_Model):
    """rulesets/sources.yaml: every document a provenance may cite, by key."""

    kind: Literal["sources"] = "sources"
    documents: Annotated[
        dict[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")], SourceDocument],
        AfterValidator(_freeze),
    ]


# --------------------------------------------------------------------------- checklist


class Applicability(_Model):
    """Where a column or code applies. Empty means everywhere.

    ``categories`` lists the rows it applies to (a parent id stands for its children);
    ``exclude`` lists rows it does not; ``ownership`` limits it to units of one ownership (an id
    of the domain's ownership vocabulary, :mod:`.domains`).
    Outside its applicability a cell is null ("/") and a violation is a finding error.
    """

    categories: tuple[Id, ...] | None = None
    exclude: tuple[Id, ...] = ()
    ownership: Id | None = Field(
        default=None, description="An ownership id the domain declares (public …)"
    )
    provenance: Provenance | None = None


class Category(_Model):
    """A 单位类别: one row of the summary table, one sampling frame."""

    id: Id
    label: Text = Field(description="Exactly as the source writes it")
    aliases: tuple[Text, ...] = ()
    parent: Id | None = Field(
        default=None, description="A parent row shows the subtotal of its children"
    )
    renamed_from: Id | None = None
    replaces: tuple[Id, ...] = ()
    provenance: Provenance


class ItemRestriction(_Model):
    """A category for which only part of an item is checked (村卫生室仅抽查处方管理情况)."""

    categories: tuple[Id, ...]
    only: tuple[Id, ...] = Field(description="Ids of the columns still checked for them")
    text: Text
    provenance: Provenance


class Item(_Model):
    """A 检查内容 item of the plan table."""

    id: Id
    number: int = Field(ge=1)
    title: Text = Field(description="Short name, e.g. 医疗机构资质管理情况")
    text: Text = Field(description="The item's full text as the plan table prints it")
    points: tuple[Text, ...] = Field(default=(), description="Sub-points the source lists")
    optional: bool = Field(default=True, description="可合理缺项: may be marked not applicable")
    applies_to: Applicability | None = None
    restrictions: tuple[ItemRestriction, ...] = ()
    aliases: tuple[Text, ...] = ()
    renamed_from: Id | None = None
    replaces: tuple[Id, ...] = ()
    provenance: Provenance
    methods: tuple[MethodLink, ...] = Field(
        default=(), description="The spec's 检查方法 that apply (needs the checklist's 'spec')"
    )


def _unset(value: object) -> bool:
    """An optional key left at its default (empty or None): not written by dumps."""
    return value is None or value == ()


class Standard(_Model):
    """A standard a lab test is judged against (依据《…》(GB 7793) 的规定进行达标判定)."""

    code: Text = Field(description="The standard's number as the source prints it, e.g. GB7793")
    title: Text | None = Field(default=None, description="Its title, without the 《》")
    provenance: Provenance


class LabTest(_Model):
    """A 检测项目 of the plan table: a lab test printed beside the 检查内容."""

    id: Id
    number: int = Field(ge=1)
    text: Text = Field(description="The test's full text as the plan table prints it")
    points: tuple[Text, ...] = Field(default=(), description="What is measured, as listed")
    item: Id | None = Field(default=None, description="The 检查内容 item the test belongs to")
    standards: tuple[Standard, ...] = Field(
        default=(), description="The standards the results are judged against"
    )
    aliases: tuple[Text, ...] = ()
    provenance: Provenance


class Footnote(_Model):
    """A note of the plan table, printed under it and marked in the text (a, b, c …)."""

    marker: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]{1,3}$")] = Field(
        description="The mark as printed, without brackets or point: a, b, c …"
    )
    text: Text = Field(description="The note's text as printed, after its mark")
    provenance: Provenance


class RatioRule(_Model):
    """How a ratio column is computed: ``numerator`` over ``denominator`` (columns of the same
    row), exactly, rounded once to ``places`` decimals as stated; no value when the denominator
    is 0."""

    numerator: Id = Field(description="Id of the column counted (e.g. 检测合格学校数)")
    denominator: Id = Field(description="Id of the column it is counted out of (检测学校数)")
    percent: bool = Field(default=True, description="Shown as a percentage: 85.71%")
    places: int = Field(ge=0, le=6, description="Decimals shown (and rounded to)")
    rounding: Literal["half_up", "half_even", "down"] = Field(
        description="half_up = 四舍五入 (ROUND_HALF_UP); down truncates"
    )
    provenance: Provenance = Field(description="Where the rounding is stated, or why inferred")


class Column(_Model):
    """A leaf column of the official summary table."""

    id: Id
    label: Text = Field(description="As displayed: the source's text, repaired only where marked")
    source_label: Text | None = Field(
        default=None,
        description="The text as extracted, where it differs from label (damaged or split header)",
    )
    aliases: tuple[Text, ...] = ()
    groups: tuple[Text, ...] = Field(
        default=(), description="Header groups from outer to inner, e.g. [不合格情况, 政策落实]"
    )
    kind: ColumnKind
    item: Id | None = Field(default=None, description="For violation columns: the item checked")
    disposition: Disposition | None = Field(
        default=None, description="For violation columns; penalty when not given"
    )
    disposition_basis: Provenance | None = Field(
        default=None, description="Why the disposition is not the default penalty"
    )
    # The keys below are left out of dumps while unset, so that a ruleset without lab tests
    # has the same content digest (and outputs) as before they existed.
    tests: tuple[Id, ...] = Field(
        default=(),
        exclude_if=_unset,
        description="For tested_units / passed_units: the lab tests counted (none = any test)",
    )
    ratio: RatioRule | None = Field(
        default=None, exclude_if=_unset, description="For ratio columns: how computed"
    )
    applies_to: Applicability | None = None
    renamed_from: Id | None = None
    replaces: tuple[Id, ...] = ()
    provenance: Provenance

    @model_validator(mode="after")
    def _violation_fields(self) -> Column:
        if self.kind is not ColumnKind.VIOLATION_UNITS and (
            self.item is not None or self.disposition is not None
        ):
            raise ValueError("only violation_units columns take 'item' and 'disposition'")
        if self.disposition not in (None, Disposition.PENALTY) and self.disposition_basis is None:
            raise ValueError("a disposition other than penalty needs 'disposition_basis'")
        if self.tests and self.kind not in (ColumnKind.TESTED_UNITS, ColumnKind.PASSED_UNITS):
            raise ValueError("only tested_units and passed_units columns take 'tests'")
        if self.kind is ColumnKind.RATIO and self.ratio is None:
            raise ValueError("a ratio column needs 'ratio' (numerator, denominator, rounding)")
        if self.kind is not ColumnKind.RATIO and self.ratio is not None:
            raise ValueError("only ratio columns take 'ratio'")
        return self

    @property
    def effective_disposition(self) -> Disposition:
        return self.disposition or Disposition.PENALTY


class ViolationCode(_Model):
    """An inspector's code that is not itself a column: it maps to exactly one column.

    Every violation column is a code of the same id; declare extra codes only for finer detail.
    """

    id: Id
    label: Text
    column: Id
    item: Id | None = None
    disposition: Disposition | None = None
    disposition_basis: Provenance | None = None
    aliases: tuple[Text, ...] = ()
    renamed_from: Id | None = None
    provenance: Provenance


class Checklist(_Model):
    """One domain in one year: rows, items, columns and codes of the official forms."""

    kind: Literal["checklist"]
    year: int = Field(ge=2000, le=2100)
    domain: Id = Field(description="The id of a domain a domains.yaml declares")
    title: Text = Field(description="The summary table's title (汇总表)")
    plan_table_title: Text = Field(description="The plan table's title (工作计划表)")
    categories: tuple[Category, ...] = Field(min_length=1)
    items: tuple[Item, ...] = Field(min_length=1)
    columns: tuple[Column, ...] = Field(min_length=1)
    violations: tuple[ViolationCode, ...] = ()
    total_label: Text = Field(default="合计", description="Label of the total row")
    provenance: Provenance
    spec: Id | None = Field(
        default=None, description="Key of the spec document the items' 'methods' link to"
    )
    optional_notes: tuple[Wording, ...] = Field(
        default=(),
        description="The tables' 合理缺项 notes, one per table that prints one (or one inferred)",
    )
    tests: tuple[LabTest, ...] = Field(
        default=(),
        exclude_if=_unset,  # as Column.tests: unset keys keep the digest of older rulesets
        description="The plan table's 检测项目 (lab tests), beside its items",
    )
    footnotes: tuple[Footnote, ...] = Field(
        default=(),
        exclude_if=_unset,
        description="The plan table's notes (a, b, c …), as printed under it",
    )

    @property
    def id(self) -> str:
        return f"{self.year}/{self.domain}"


# --------------------------------------------------------------------------- plan


def _ratio(value: Any) -> Any:
    """Accept 0.12, "0.12" or "12%" (as the sources print it); keep exact Decimal."""
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        s = value.strip().replace("％", "%")
        try:
            value = Decimal(s[:-1]) / 100 if s.endswith("%") else Decimal(s)
        except InvalidOperation as exc:
            raise ValueError(f"不是比例：{value!r}（照原文写，如 12%）") from exc
    if isinstance(value, int | Decimal) and not isinstance(value, bool) and 1 < value <= 100:
        # the commonest slip: a percentage written without its sign
        raise ValueError(
            f"比例不能大于 1：若指 {value}%，请写 {value}%（或 {Decimal(value) / 100}）"
        )
    return value


Ratio = Annotated[
    Decimal,
    BeforeValidator(_ratio),
    Field(ge=0, le=1),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 1},
                {
                    "type": "string",
                    "pattern": r"^\s*(\d{1,3}(\.\d+)?\s*[%％]|0(\.\d+)?|1(\.0+)?)\s*$",
                },
            ],
            "description": "A ratio from 0 to 1, or a percentage as the sources print it ('12%')",
        }
    ),
]


class Stratum(_Model):
    """One sampling frame of one tier: which categories, and how many to draw."""

    id: Id
    tier: Tier = Tier.NATIONAL
    categories: tuple[Id, ...] = Field(min_length=1)
    label: Text | None = Field(
        default=None,
        description=(
            "The 监督检查对象 as the plan table prints it, where it is not its categories' labels"
            " (其他中医医疗机构（含中医、中西医结合诊所、门诊部）)"
        ),
    )
    ratio: Ratio | None = None
    all: bool = Field(default=False, description="Every unit (所有的 / 100% stated as all)")
    count: int | None = Field(default=None, ge=0, description="A fixed number of units")
    per_district: int | None = Field(
        default=None, ge=1, description="Units per county-level district (每个区县抽 N 家)"
    )
    from_remaining: bool = Field(
        default=False,
        description="Draw only from units that earlier tiers did not draw (国家双随机未抽取的剩余单位)",
    )
    note: str | None = None
    provenance: Provenance

    @model_validator(mode="after")
    def _one_size(self) -> Stratum:
        sizes = [self.ratio is not None, self.all, self.count is not None]
        if sum(sizes) != 1 and not (self.per_district is not None and sum(sizes) <= 1):
            raise ValueError("a stratum takes exactly one of 'ratio', 'all' or 'count'")
        return self


class StatedTotal(_Model):
    """A combined ratio a plan states in prose (抽查全县17%的医院): checked against its tiers."""

    categories: tuple[Id, ...] = Field(min_length=1)
    ratio: Ratio | None = None
    all: bool = False
    provenance: Provenance


class Rounding(_Model):
    """How a ratio becomes a whole number of units. No source states one: declare it."""

    method: Literal["ceil", "half_up", "floor"]
    minimum: int = Field(default=1, ge=0, description="Least units drawn from a non-empty stratum")
    provenance: Provenance


class Wording(_Model):
    """A plan's own wording of a checklist item, where its document differs from the checklist."""

    text: Text
    provenance: Provenance


class DeadlineKind(str, enum.Enum):
    INFO_REPORT = "info_report"  # 信息报送 / 数据填报
    INTERIM_SUMMARY = "interim_summary"  # 阶段性工作总结
    ANNUAL_SUMMARY = "annual_summary"  # 全年工作总结
    COMPLETION = "completion"  # 完成全部抽查工作


class Deadline(_Model):
    kind: DeadlineKind
    due: _dt.date
    text: Text = Field(description="The sentence that states it, as written")
    recipient: str | None = None
    provenance: Provenance
    data_of_record: Wording | None = Field(
        default=None,
        description="Which figures count, where the plan says so (…以信息报告系统填报数据为准)",
    )


class LookBack(_Model):
    """回头看: re-inspection of those penalised in earlier campaigns (units, and individuals
    where the plan says so)."""

    penalized_in: int = Field(description="The year whose penalised units are re-inspected")
    campaigns: tuple[Text, ...] = Field(
        default=(), description="The campaigns whose penalties count, as the source names them"
    )
    subjects: tuple[Text, ...] = Field(
        default=("单位",),
        description="Who is re-inspected, as the source names them: 单位, 个人",
    )
    focus: Text | None = Field(default=None, description="What the visit looks at, as written")
    text: Text
    provenance: Provenance


class PlanDomain(_Model):
    """How a plan uses one domain. In a child plan every key is optional and overrides the parent."""

    checklist: Annotated[
        str | None,
        Field(pattern=r"^\d{4}/[a-z][a-z0-9_]*$", description="YEAR/DOMAIN of the checklist used"),
    ] = None
    strata: tuple[Stratum, ...] | None = None
    stated_totals: tuple[StatedTotal, ...] | None = None
    wording: Annotated[dict[Id, Wording], AfterValidator(_freeze)] = Field(
        default_factory=FrozenDict
    )
    body: tuple[Wording, ...] | None = Field(
        default=None,
        description=(
            "The plan's body text (正文) on the domain where it words no single item: each"
            " paragraph as printed, with provenance, its difference from the items in a note"
        ),
    )
    provenance: Provenance | None = None


class JurisdictionLevel(str, enum.Enum):
    NATIONAL = "national"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class Jurisdiction(_Model):
    level: JurisdictionLevel
    name: Text
    code: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] | None = Field(
        default=None, description="6-digit administrative division code, where known"
    )


class Plan(_Model):
    """A ruleset users load: one jurisdiction in one year."""

    kind: Literal["plan"]
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*/\d{4}$")]
    year: int = Field(ge=2000, le=2100)
    title: Text
    title_provenance: Provenance | None = Field(
        default=None,
        description="Where the title is printed, or inferred with why (a plan no source prints)",
    )
    jurisdiction: Jurisdiction
    sources: tuple[str, ...] = Field(default=(), description="Keys in rulesets/sources.yaml")
    extends: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*/\d{4}$")] | None = None
    domains: Annotated[dict[Id, PlanDomain], AfterValidator(_freeze)] | None = Field(
        default=None,
        description="In a child plan: exactly the domains it uses, each merged over the parent's",
    )
    rounding: Rounding | None = None
    deadlines: tuple[Deadline, ...] | None = None
    lookback: tuple[LookBack, ...] | None = None
    notes: tuple[Text, ...] = ()
    handling: Handling | None = Field(
        default=None, description="How findings are handled; the parent's when not given"
    )

    @model_validator(mode="after")
    def _id_names_year(self) -> Plan:
        if not self.id.endswith(f"/{self.year}"):
            raise ValueError(f"plan id {self.id!r} must end with its year /{self.year}")
        return self

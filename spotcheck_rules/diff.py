"""The ruleset diff: what changed between two plans, and what that breaks downstream.

Every spring a new national plan arrives and every province republishes it with changes. A
program or spreadsheet that consumes our summary tables needs to know *exactly* what moved, and
which of those moves break it. This module compares two resolved rulesets and returns a list of
:class:`Change` records, each with a stable rule id, a level, JSON pointers into both sides, the
old and new values, a Chinese message for supervision officers and a fingerprint that a reviewer
can acknowledge.

Design decisions (documented for users in docs/diff.md):

* Entities are matched **by stable id only**. A label that looks similar is never taken as the
  same entity: guessing wrong would silently splice two different series of numbers. A ruleset
  records a rename with ``renamed_from`` and a split with ``replaces``; :func:`suggest_renames`
  lists likely pairs as information, never as a match.
* Levels are from the point of view of a consumer of the summary tables: ``breaking`` means its
  code or its spreadsheet no longer fits, ``dangerous`` means it still fits but numbers are no
  longer comparable year on year, ``additive`` means something new appeared, ``info`` is wording.
* Output is deterministic: same inputs, same bytes. Change logs in docs/changes/ are generated
  from it and a test fails when they are stale.
"""

from __future__ import annotations

import argparse
import difflib
import enum
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._yaml import pointer_escape, read_yaml
from .errors import RulesetError, Severity, UsageError
from .loader import check_files, load_ruleset
from .model import (
    DOMAIN_LABELS,
    TIER_LABELS,
    Applicability,
    Category,
    Checklist,
    Column,
    ColumnKind,
    Deadline,
    Domain,
    Item,
    LookBack,
    Plan,
    Provenance,
    StatedTotal,
    Stratum,
    ViolationCode,
    Wording,
)
from .ruleset import DomainRules, Ruleset
from .text import normalize

__all__ = [
    "CHANGELOGS",
    "RULES",
    "RULES_BY_ID",
    "Acknowledgement",
    "Change",
    "ChangeLevel",
    "Diff",
    "Entity",
    "RenameSuggestion",
    "Rule",
    "Side",
    "SideInfo",
    "Summary",
    "changelog_pages",
    "check_changelogs",
    "diff_json_schema",
    "diff_rulesets",
    "load_acknowledgements",
    "load_levels",
    "main",
    "render_changelog",
    "render_json",
    "render_markdown",
    "render_text",
    "resolve_side",
    "rules_table",
    "side_document",
    "suggest_renames",
    "text_diff",
    "write_changelogs",
]

SCHEMA_VERSION = 1
_FINGERPRINT_LEN = 12


# --------------------------------------------------------------------------- levels and rules


class ChangeLevel(str, enum.Enum):
    """How much a change matters to a consumer of the summary tables. Ordered by :attr:`rank`."""

    BREAKING = "breaking"
    DANGEROUS = "dangerous"
    ADDITIVE = "additive"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self.value]

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self.value]

    @classmethod
    def parse(cls, value: str) -> ChangeLevel:
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = "、".join(lv.value for lv in cls)
            raise UsageError(f"未知的变更级别：{value!r}（可用：{names}）") from None


_RANK = {"breaking": 3, "dangerous": 2, "additive": 1, "info": 0}
_LEVEL_LABELS = {"breaking": "破坏性", "dangerous": "需注意", "additive": "新增", "info": "提示"}
_LEVEL_MEANING = {
    "breaking": "读取汇总表的程序或表格不再适用，必须修改",
    "dangerous": "仍可读取，但数字与往年不再可比或抽取范围改变，须复核",
    "additive": "新出现的内容，须补充",
    "info": "措辞、出处、时限等，供了解",
}


class Entity(str, enum.Enum):
    """What a change is about."""

    PLAN = "plan"
    ROUNDING = "rounding"
    DEADLINE = "deadline"
    LOOKBACK = "lookback"
    DOMAIN = "domain"
    CHECKLIST = "checklist"
    CATEGORY = "category"
    ITEM = "item"
    COLUMN = "column"
    VIOLATION = "violation"
    STRATUM = "stratum"
    STATED_TOTAL = "stated_total"
    WORDING = "wording"

    @property
    def label(self) -> str:
        return _ENTITY_LABELS[self.value]

    @property
    def rank(self) -> int:
        return list(Entity).index(self)


_ENTITY_LABELS = {
    "plan": "计划",
    "rounding": "取整规则",
    "deadline": "报送时限",
    "lookback": "回头看",
    "domain": "监督领域",
    "checklist": "表格标题",
    "category": "单位类别",
    "item": "检查内容",
    "column": "汇总表列",
    "violation": "违法违规代码（对应列）",
    "stratum": "抽检比例",
    "stated_total": "计划所述合计比例",
    "wording": "计划措辞",
}


@dataclass(frozen=True)
class Rule:
    """One kind of change: a stable kebab-case id, its default level, and what it means."""

    id: str
    level: ChangeLevel
    entity: Entity
    meaning: str


_B, _D, _A, _I = (
    ChangeLevel.BREAKING,
    ChangeLevel.DANGEROUS,
    ChangeLevel.ADDITIVE,
    ChangeLevel.INFO,
)
_E = Entity

RULES: tuple[Rule, ...] = (
    Rule("plan-title-changed", _I, _E.PLAN, "计划标题改变"),
    Rule("jurisdiction-changed", _I, _E.PLAN, "适用辖区改变"),
    Rule("plan-notes-changed", _I, _E.PLAN, "计划附注改变"),
    Rule("plan-sources-changed", _I, _E.PLAN, "计划依据的来源文件改变"),
    Rule("rounding-changed", _D, _E.ROUNDING, "比例换算为家数的取整规则改变，抽取家数随之改变"),
    Rule("deadline-added", _I, _E.DEADLINE, "新增报送时限"),
    Rule("deadline-removed", _I, _E.DEADLINE, "删去报送时限"),
    Rule("deadline-changed", _I, _E.DEADLINE, "报送时限的日期、原文或报送对象改变"),
    Rule("lookback-added", _I, _E.LOOKBACK, "新增“回头看”"),
    Rule("lookback-removed", _I, _E.LOOKBACK, "删去“回头看”"),
    Rule("lookback-changed", _I, _E.LOOKBACK, "“回头看”的年份、专项或原文改变"),
    Rule("domain-added", _A, _E.DOMAIN, "新增监督领域（新的一套汇总表）"),
    Rule("domain-removed", _B, _E.DOMAIN, "删去监督领域（整套汇总表不再填报）"),
    Rule("checklist-version-changed", _I, _E.DOMAIN, "领域改用另一年度的检查表"),
    Rule("table-title-changed", _I, _E.CHECKLIST, "汇总表、工作计划表标题或合计行名称改变"),
    Rule("category-added", _A, _E.CATEGORY, "新增单位类别（汇总表新增一行）"),
    Rule("category-removed", _B, _E.CATEGORY, "删去单位类别（汇总表少一行）"),
    Rule("category-rekeyed", _B, _E.CATEGORY, "单位类别改编号（renamed_from）"),
    Rule("category-replaced", _B, _E.CATEGORY, "单位类别被拆分或取代（replaces），原行不再出现"),
    Rule("category-relabelled", _D, _E.CATEGORY, "单位类别名称改变"),
    Rule("category-parent-changed", _D, _E.CATEGORY, "单位类别的上级行改变，小计口径随之改变"),
    Rule("category-moved", _D, _E.CATEGORY, "单位类别在汇总表中的行序改变"),
    Rule("category-aliases-changed", _I, _E.CATEGORY, "单位类别的别名改变"),
    Rule("item-added", _A, _E.ITEM, "新增检查内容"),
    Rule("item-removed", _D, _E.ITEM, "删去检查内容"),
    Rule("item-rekeyed", _D, _E.ITEM, "检查内容改编号（renamed_from）"),
    Rule("item-replaced", _D, _E.ITEM, "检查内容被拆分或取代（replaces）"),
    Rule("item-text-changed", _I, _E.ITEM, "检查内容原文改变"),
    Rule("item-title-changed", _I, _E.ITEM, "检查内容简称改变"),
    Rule("item-number-changed", _I, _E.ITEM, "检查内容序号改变"),
    Rule("item-points-changed", _I, _E.ITEM, "检查内容的要点增删"),
    Rule("item-optional-changed", _D, _E.ITEM, "检查内容是否可合理缺项改变"),
    Rule("item-applicability-changed", _D, _E.ITEM, "检查内容的适用范围改变"),
    Rule(
        "item-restrictions-changed",
        _D,
        _E.ITEM,
        "检查内容对部分类别的限制改变（如村卫生室仅查处方）",
    ),
    Rule("item-aliases-changed", _I, _E.ITEM, "检查内容的别名改变"),
    Rule("column-added", _A, _E.COLUMN, "汇总表新增一列"),
    Rule("column-removed", _B, _E.COLUMN, "汇总表删去一列"),
    Rule("column-rekeyed", _B, _E.COLUMN, "汇总表列改编号（renamed_from）"),
    Rule("column-replaced", _B, _E.COLUMN, "汇总表列被拆分或取代（replaces），原列不再出现"),
    Rule("column-kind-changed", _B, _E.COLUMN, "汇总表列的计数方式改变（单位数、案件数、金额…）"),
    Rule("column-relabelled", _D, _E.COLUMN, "汇总表列的表头文字改变"),
    Rule("column-moved", _D, _E.COLUMN, "汇总表列的位置改变"),
    Rule("column-groups-changed", _D, _E.COLUMN, "汇总表列所属的表头分组改变"),
    Rule("column-item-changed", _D, _E.COLUMN, "汇总表列对应的检查内容改变"),
    Rule(
        "column-disposition-changed",
        _D,
        _E.COLUMN,
        "违法违规的处理方式改变（处罚、监督意见书、移交）",
    ),
    Rule("column-applicability-changed", _D, _E.COLUMN, "汇总表列适用的类别或所有制改变"),
    Rule("column-source-label-changed", _I, _E.COLUMN, "来源表头原样文字改变"),
    Rule("column-aliases-changed", _I, _E.COLUMN, "汇总表列的别名改变"),
    Rule("code-added", _A, _E.VIOLATION, "新增违法违规代码"),
    Rule("code-removed", _D, _E.VIOLATION, "删去违法违规代码"),
    Rule("code-rekeyed", _D, _E.VIOLATION, "违法违规代码改编号（renamed_from）"),
    Rule(
        "code-column-changed", _D, _E.VIOLATION, "违法违规代码改计入另一列，该列数字与往年不再可比"
    ),
    Rule("code-item-changed", _D, _E.VIOLATION, "违法违规代码对应的检查内容改变"),
    Rule("code-disposition-changed", _D, _E.VIOLATION, "违法违规代码的处理方式改变"),
    Rule("code-relabelled", _I, _E.VIOLATION, "违法违规代码名称改变"),
    Rule("code-aliases-changed", _I, _E.VIOLATION, "违法违规代码的别名改变"),
    Rule("tier-added", _D, _E.STRATUM, "新增一级抽查（如市级双随机）"),
    Rule("tier-removed", _D, _E.STRATUM, "删去一级抽查"),
    Rule("stratum-added", _A, _E.STRATUM, "新增抽检对象（抽检层）"),
    Rule("stratum-removed", _D, _E.STRATUM, "删去抽检对象（抽检层）"),
    Rule("ratio-changed", _D, _E.STRATUM, "抽检比例或家数改变"),
    Rule("ratio-notation-changed", _I, _E.STRATUM, "抽检比例写法改变而含义不变（100% 与“所有”）"),
    Rule("stratum-tier-changed", _D, _E.STRATUM, "抽检层改属另一级抽查"),
    Rule("stratum-categories-changed", _D, _E.STRATUM, "抽检层包含的单位类别改变"),
    Rule("stratum-remaining-changed", _D, _E.STRATUM, "是否只从上级未抽取的剩余单位中抽取改变"),
    Rule("stratum-note-changed", _I, _E.STRATUM, "抽检层的说明改变"),
    Rule("stated-total-added", _I, _E.STATED_TOTAL, "计划正文新增所述合计比例"),
    Rule("stated-total-removed", _I, _E.STATED_TOTAL, "计划正文删去所述合计比例"),
    Rule("stated-total-changed", _I, _E.STATED_TOTAL, "计划正文所述合计比例改变"),
    Rule("wording-added", _I, _E.WORDING, "计划对检查内容采用自己的措辞"),
    Rule("wording-removed", _I, _E.WORDING, "计划不再采用自己的措辞，回到检查表原文"),
    Rule("wording-changed", _I, _E.WORDING, "计划自己的措辞改变"),
    Rule("provenance-changed", _I, _E.PLAN, "出处（来源引用、推断理由、说明）改变；任何实体均可能"),
)
RULES_BY_ID: Mapping[str, Rule] = {r.id: r for r in RULES}


def rules_table() -> str:
    """The Markdown table of every rule and its default level (embedded in docs/diff.md)."""
    lines = ["| 规则 rule | 默认级别 level | 对象 entity | 含义 |", "|---|---|---|---|"]
    for r in RULES:
        lines.append(
            f"| `{r.id}` | {r.level.value}（{r.level.label}） | {r.entity.value} | {r.meaning} |"
        )
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- records


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Json = Any  # a JSON value: None, bool, int, str, list or dict of those


class Change(_Record):
    """One change between two rulesets."""

    rule: str = Field(pattern=r"^[a-z]+(-[a-z]+)*$", description="Stable kebab-case rule id")
    level: ChangeLevel = Field(description="After applying a levels file, if any")
    entity: Entity
    domain: str | None = Field(description="Domain id, or null for a plan-level change")
    id: str = Field(description="The entity's id (the new id for a rekeyed entity)")
    old_pointer: str | None = Field(description="JSON pointer into the old side's document")
    new_pointer: str | None = Field(description="JSON pointer into the new side's document")
    old: Json = Field(default=None, description="The old value (null when added)")
    new: Json = Field(default=None, description="The new value (null when removed)")
    message: str = Field(description="中文说明，供监督人员阅读")
    text_diff: str | None = Field(
        default=None, description="Character-level diff of a text change: [-删去-]{+新增+}"
    )
    fingerprint: str = Field(
        pattern=r"^[0-9a-f]{12}$",
        description="sha256 of (rule, entity, domain, id, old, new), first 12 hex digits",
    )
    acknowledged: bool = False
    acknowledgement: str | None = Field(default=None, description="The reviewer's reason")


class RenameSuggestion(_Record):
    """A likely rename the rulesets do not declare: information for an author, never a match."""

    entity: Entity
    domain: str
    old_id: str
    new_id: str
    old_label: str
    new_label: str
    similarity: float = Field(ge=0, le=1)
    message: str


class SideInfo(_Record):
    ref: str = Field(description="As given: plan id, file, or PLAN#DOMAIN")
    plan: str | None = Field(description="Plan id, or null for a checklist file")
    year: int | None
    title: str | None
    domain: str | None = Field(description="The single domain compared, if one was given")


class Summary(_Record):
    breaking: int = 0
    dangerous: int = 0
    additive: int = 0
    info: int = 0
    acknowledged: int = 0


class Diff(_Record):
    """The result of :func:`diff_rulesets`: ordered changes, plus information for authors."""

    schema_version: Literal[1] = 1
    old: SideInfo
    new: SideInfo
    summary: Summary
    changes: tuple[Change, ...]
    rename_suggestions: tuple[RenameSuggestion, ...] = ()
    unused_acknowledgements: tuple[str, ...] = Field(
        default=(), description="Fingerprints in the acknowledgements file that match no change"
    )

    def __bool__(self) -> bool:
        return bool(self.changes)

    def failing(self, level: ChangeLevel | str) -> tuple[Change, ...]:
        """Changes at or above ``level`` that nobody acknowledged: what fails ``--fail-on``."""
        lv = level if isinstance(level, ChangeLevel) else ChangeLevel.parse(level)
        return tuple(c for c in self.changes if c.level.rank >= lv.rank and not c.acknowledged)

    def by_rule(self, rule: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.rule == rule)

    def find(self, rule: str, id: str, domain: str | None = None) -> Change | None:
        for c in self.changes:
            if c.rule == rule and c.id == id and (domain is None or c.domain == domain):
                return c
        return None


class Acknowledgement(_Record):
    """A reviewed change: it stays listed but no longer fails ``--fail-on``."""

    fingerprint: str = Field(pattern=r"^[0-9a-f]{12}$")
    reason: str = Field(min_length=1)
    rule: str | None = Field(default=None, description="For the reader of the file; not checked")


class _AckFile(_Record):
    acknowledgements: tuple[Acknowledgement, ...]


def diff_json_schema() -> dict[str, Any]:
    """JSON Schema of ``spotcheck diff --format json`` (and of :meth:`Diff.model_dump`)."""
    out = Diff.model_json_schema(mode="serialization")
    out["title"] = "spotcheck_rules diff (changes between two rulesets)"
    return out


# --------------------------------------------------------------------------- sides


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a resolved plan, or one domain of it, or a checklist file."""

    ref: str
    plan: Plan | None
    domains: Mapping[Domain, DomainRules]
    single: Domain | None = None

    @property
    def info(self) -> SideInfo:
        return SideInfo(
            ref=self.ref,
            plan=self.plan.id if self.plan else None,
            year=self.plan.year if self.plan else _only_year(self.domains),
            title=self.plan.title if self.plan else None,
            domain=self.single.value if self.single else None,
        )


def _only_year(domains: Mapping[Domain, DomainRules]) -> int | None:
    years = {r.checklist.year for r in domains.values()}
    return years.pop() if len(years) == 1 else None


def _split_fragment(text: str) -> tuple[str, str | None]:
    if "#" in text and not Path(text).exists():
        base, frag = text.rsplit("#", 1)
        if not frag:
            raise UsageError(f"{text!r}：# 之后应为领域（如 medical、中医医疗机构）")
        return base, frag
    return text, None


def _from_ruleset(ref: str, rs: Ruleset, fragment: str | None) -> Side:
    if fragment is None:
        return Side(ref=ref, plan=rs.plan, domains=dict(rs.domains))
    rules = rs.domain(fragment)  # an unknown domain is a usage error with suggestions
    return Side(ref=ref, plan=rs.plan, domains={rules.domain: rules}, single=rules.domain)


def _checklist_side(ref: str, path: Path, fragment: str | None) -> Side:
    errors = [p for p in check_files([path]) if p.severity is Severity.ERROR]
    if errors:
        raise RulesetError(f"检查表 {path} 有 {len(errors)} 个错误", errors)
    try:
        cl = Checklist.model_validate(read_yaml(path).data)
    except ValidationError as exc:  # check_files has reported these already; keep mypy honest
        raise RulesetError(f"{path} 未通过校验：{exc}") from exc
    if fragment is not None and fragment not in (cl.domain.value, *DOMAIN_LABELS[cl.domain]):
        raise UsageError(f"{path} 是 {cl.domain.value} 领域的检查表，与 #{fragment} 不符")
    rules = DomainRules(domain=cl.domain, checklist=cl)
    return Side(ref=ref, plan=None, domains={cl.domain: rules}, single=cl.domain)


def resolve_side(ref: str | os.PathLike[str] | Ruleset | Side) -> Side:
    """Turn ``national/2025``, ``national/2025#medical``, a plan or checklist file into a side."""
    if isinstance(ref, Side):
        return ref
    if isinstance(ref, Ruleset):
        return _from_ruleset(ref.id, ref, None)
    text = os.fspath(ref)
    base, fragment = _split_fragment(text)
    path = Path(base)
    if path.suffix in (".yaml", ".yml", ".json") or path.is_file():
        if not path.is_file():
            raise UsageError(f"找不到文件 {path}")
        data = read_yaml(path).data
        kind = data.get("kind") if isinstance(data, dict) else None
        if kind == "checklist":
            return _checklist_side(text, path, fragment)
        if kind != "plan":
            raise UsageError(f"{path} 不是计划或检查表文件（kind 应为 plan 或 checklist）")
        return _from_ruleset(text, load_ruleset(path), fragment)
    return _from_ruleset(text, load_ruleset(base), fragment)


def _domain_document(rules: DomainRules) -> dict[str, Any]:
    return {
        "checklist": rules.checklist.model_dump(mode="json"),
        "strata": [s.model_dump(mode="json") for s in rules.strata],
        "stated_totals": [t.model_dump(mode="json") for t in rules.stated_totals],
        "wording": {k: w.model_dump(mode="json") for k, w in sorted(rules.wording.items())},
    }


def side_document(side: Side | str | Ruleset) -> dict[str, Any]:
    """The JSON document a change's pointers point into.

    It is the resolved plan (``extends`` merged) with each domain's ``checklist`` id replaced by
    the checklist itself, so ``/domains/medical/checklist/columns/3/label`` is a column's label
    and ``/domains/blood/strata/2`` a stratum.
    """
    s = resolve_side(side)
    out: dict[str, Any] = s.plan.model_dump(mode="json", exclude={"domains"}) if s.plan else {}
    out["domains"] = {d.value: _domain_document(r) for d, r in s.domains.items()}
    return out


# --------------------------------------------------------------------------- text diff


def text_diff(old: str, new: str, context: int = 12) -> str:
    """Character-level diff of Chinese text: ``[-删去-]{+新增+}``, long unchanged runs elided.

    Chinese has no spaces between words, so a word-level diff is meaningless; characters it is.
    One unchanged character between two edits is folded into them, which reads far better
    than ``[-甲-]{+乙+}的[-丙-]{+丁+}``.
    """
    ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    # (equal_text | None, deleted, inserted) segments, then fold one-character equal runs.
    segs: list[tuple[str, str, str]] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            segs.append(("=", old[i1:i2], old[i1:i2]))
        else:
            segs.append(("~", old[i1:i2], new[j1:j2]))
    folded: list[tuple[str, str, str]] = []
    i = 0
    while i < len(segs):
        kind, a, b = segs[i]
        if (
            kind == "="
            and len(a) == 1
            and folded
            and folded[-1][0] == "~"
            and i + 1 < len(segs)
            and segs[i + 1][0] == "~"
        ):
            _, pa, pb = folded.pop()
            _, na, nb = segs[i + 1]
            folded.append(("~", pa + a + na, pb + b + nb))
            i += 2
            continue
        if kind == "~" and folded and folded[-1][0] == "~":
            _, pa, pb = folded.pop()
            folded.append(("~", pa + a, pb + b))
        else:
            folded.append((kind, a, b))
        i += 1
    parts: list[str] = []
    for n, (kind, a, b) in enumerate(folded):
        if kind == "=":
            first, last = n == 0, n == len(folded) - 1
            if first and len(a) > context:
                a = "…" + a[-context:]
            elif last and len(a) > context:
                a = a[:context] + "…"
            elif not first and not last and len(a) > 2 * context + 1:
                a = a[:context] + "…" + a[-context:]
            parts.append(a)
        else:
            if a:
                parts.append(f"[-{a}-]")
            if b:
                parts.append(f"{{+{b}+}}")
    return "".join(parts)


# --------------------------------------------------------------------------- engine helpers


def _fingerprint(
    rule: str, entity: Entity, domain: str | None, id_: str, old: Json, new: Json
) -> str:
    # The domain is hashed too: `category-added hospital` in two domains are two reviews.
    # Pointers and levels are not: moving a column or overriding a level keeps the review valid.
    blob = json.dumps(
        [rule, entity.value, domain, id_, old, new],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:_FINGERPRINT_LEN]


def _q(label: str, id_: str) -> str:
    return f"「{label}」（{id_}）"


def _ptr(*tokens: str | int) -> str:
    return "".join("/" + pointer_escape(t) for t in tokens)


def _join(values: Iterable[str]) -> str:
    vals = list(values)
    return "、".join(vals) if vals else "（无）"


def _applicability(a: Applicability | None) -> Json:
    if a is None:
        return None
    return a.model_dump(mode="json", exclude={"provenance"})


def _applicability_text(a: Json, name: Callable[[str], str]) -> str:
    if not a:
        return "全部类别"
    parts = []
    if a.get("categories") is not None:
        parts.append("仅 " + _join(name(c) for c in a["categories"]))
    if a.get("exclude"):
        parts.append("不含 " + _join(name(c) for c in a["exclude"]))
    if a.get("ownership"):
        parts.append("仅公立" if a["ownership"] == "public" else "仅非公立")
    return "，".join(parts) or "全部类别"


def _provenance(p: Provenance | None) -> Json:
    return None if p is None else p.model_dump(mode="json")


def _size(st: Stratum) -> str:
    """A stratum's size as the sources print it, without the from-remaining remark."""
    parts = []
    if st.all:
        parts.append("全部")
    if st.ratio is not None:
        parts.append(f"{(st.ratio * 100).normalize():f}%")
    if st.count is not None:
        parts.append(f"{st.count} 家")
    if st.per_district is not None:
        parts.append(f"每个区县 {st.per_district} 家")
    return "，".join(parts)


def _effective_size(st: Stratum) -> tuple[Decimal | None, int | None, int | None]:
    # `all: true` and `ratio: 100%` draw the same units; only the notation differs.
    ratio = Decimal(1) if st.all else st.ratio
    return (None if ratio is None else ratio.normalize(), st.count, st.per_district)


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)


@dataclass
class _Matching:
    pairs: list[tuple[str, str]]  # (old id, new id), in new order
    renamed: dict[str, str]  # new id -> old id, for pairs whose ids differ
    replaced: dict[str, list[str]]  # old id -> new ids that replace it
    removed: list[str]  # old order
    added: list[str]  # new order


def _match(old: Sequence[T], new: Sequence[T]) -> _Matching:
    """Pair entities by id, honouring ``renamed_from`` (either side) and ``replaces`` (new side)."""
    old_ids = [e.id for e in old]
    new_ids = [e.id for e in new]
    old_set, new_set = set(old_ids), set(new_ids)
    renamed: dict[str, str] = {}  # new -> old
    claimed: set[str] = set()
    for e in new:
        src = getattr(e, "renamed_from", None)
        fresh = src not in new_set and e.id not in old_set and src not in claimed
        if src and src in old_set and fresh:
            renamed[e.id] = src
            claimed.add(src)
    # Read backwards too, so that diff(b, a) mirrors diff(a, b) for a declared rename.
    for e in old:
        dst = getattr(e, "renamed_from", None)
        fresh = dst not in old_set and e.id not in new_set and dst not in renamed
        if dst and dst in new_set and fresh and e.id not in claimed:
            renamed[dst] = e.id
            claimed.add(e.id)
    pairs: list[tuple[str, str]] = []
    for nid in new_ids:
        if nid in renamed:
            pairs.append((renamed[nid], nid))
        elif nid in old_set:
            pairs.append((nid, nid))
    matched_old = {o for o, _ in pairs}
    matched_new = {n for _, n in pairs}
    replaced: dict[str, list[str]] = {}
    for e in new:
        for src in getattr(e, "replaces", ()) or ():
            if src in old_set and src not in matched_old and src not in new_set:
                replaced.setdefault(src, []).append(e.id)
    removed = [o for o in old_ids if o not in matched_old and o not in replaced]
    added = [n for n in new_ids if n not in matched_new]
    return _Matching(pairs, renamed, replaced, removed, added)


def _stable_subsequence(
    old_order: Sequence[str], new_order: Sequence[str], key: Mapping[str, tuple[str, str]]
) -> set[str]:
    """The largest set of ids whose relative order is the same on both sides.

    Among several largest sets we pick by a weight that depends only on the matched pair
    (2**rank of its sorted (old id, new id) key), so that diff(a, b) and diff(b, a) report the
    same moves: a swap of two columns always names the same one as moved.
    """
    common = [i for i in old_order if i in set(new_order)]
    pos = {i: n for n, i in enumerate(new_order)}
    rank = {i: n for n, i in enumerate(sorted(common, key=lambda i: key[i]))}
    base = 1 << (len(common) + 1)
    best: list[int] = []
    prev: list[int] = []
    for j, cid in enumerate(common):
        w = base + (1 << rank[cid])
        best.append(w)
        prev.append(-1)
        for k in range(j):
            if pos[common[k]] < pos[cid] and best[k] + w > best[j]:
                best[j] = best[k] + w
                prev[j] = k
    if not common:
        return set()
    j = max(range(len(common)), key=lambda n: best[n])
    out: set[str] = set()
    while j >= 0:
        out.add(common[j])
        j = prev[j]
    return out


# --------------------------------------------------------------------------- the collector


@dataclass
class _Collector:
    changes: list[tuple[tuple[Any, ...], Change]] = field(default_factory=list)

    def add(
        self,
        rule: str,
        *,
        domain: Domain | None,
        id: str,
        old_pointer: str | None,
        new_pointer: str | None,
        old: Json,
        new: Json,
        message: str,
        order: int = 0,
        text: tuple[str, str] | None = None,
        entity: Entity | None = None,
    ) -> None:
        r = RULES_BY_ID[rule]
        ent = entity or r.entity
        dom = domain.value if domain else None
        change = Change(
            rule=rule,
            level=r.level,
            entity=ent,
            domain=dom,
            id=id,
            old_pointer=old_pointer,
            new_pointer=new_pointer,
            old=old,
            new=new,
            message=message,
            text_diff=text_diff(*text) if text is not None else None,
            fingerprint=_fingerprint(rule, ent, dom, id, old, new),
        )
        dom_rank = -1 if domain is None else list(Domain).index(domain)
        rule_rank = list(RULES_BY_ID).index(rule)
        self.changes.append(
            ((dom_rank, ent.rank, order, id, rule_rank, change.fingerprint), change)
        )

    def sorted(self) -> list[Change]:
        return [c for _, c in sorted(self.changes, key=lambda kc: kc[0])]


@dataclass
class _Pair:
    """One domain compared: old and new rules with their pointer bases."""

    col: _Collector
    domain: Domain
    old: DomainRules
    new: DomainRules
    old_base: str
    new_base: str

    def add(self, rule: str, **kw: Any) -> None:
        self.col.add(rule, domain=self.domain, **kw)

    def cl_ptr(self, side: str, *tokens: str | int) -> str:
        base = self.old_base if side == "old" else self.new_base
        return base + _ptr("checklist", *tokens)

    def ptr(self, side: str, *tokens: str | int) -> str:
        base = self.old_base if side == "old" else self.new_base
        return base + _ptr(*tokens)

    def cat_label(self, cid: str) -> str:
        for rules in (self.new, self.old):
            for c in rules.checklist.categories:
                if c.id == cid:
                    return c.label
        return cid


def _index(seq: Sequence[T]) -> dict[str, tuple[int, T]]:
    return {e.id: (n, e) for n, e in enumerate(seq)}


def _provenance_change(
    p: _Pair,
    entity: Entity,
    id_: str,
    old_ptr: str,
    new_ptr: str,
    old: Provenance | None,
    new: Provenance | None,
    order: int,
    what: str,
) -> None:
    o, n = _provenance(old), _provenance(new)
    if o != n:
        p.add(
            "provenance-changed",
            entity=entity,
            id=id_,
            old_pointer=old_ptr,
            new_pointer=new_ptr,
            old=o,
            new=n,
            message=f"{what}的出处改变",
            order=order,
        )


def _aliases(
    p: _Pair,
    rule: str,
    id_: str,
    what: str,
    old_ptr: str,
    new_ptr: str,
    old: Sequence[str],
    new: Sequence[str],
    order: int,
) -> None:
    if list(old) == list(new):
        return
    plus = [a for a in new if a not in old]
    minus = [a for a in old if a not in new]
    msg = f"{what}的别名改变：" + "；".join(
        x
        for x in (f"新增 {_join(plus)}" if plus else "", f"删去 {_join(minus)}" if minus else "")
        if x
    )
    if not plus and not minus:
        msg = f"{what}的别名顺序改变"
    p.add(
        rule,
        id=id_,
        old_pointer=old_ptr,
        new_pointer=new_ptr,
        old=list(old),
        new=list(new),
        message=msg,
        order=order,
    )


def _moves(
    p: _Pair,
    rule: str,
    what: str,
    key: str,
    old_seq: Sequence[T],
    new_seq: Sequence[T],
    m: _Matching,
    label: Callable[[T], str],
) -> None:
    """Report entities whose relative order changed (not those merely shifted by an insert)."""
    to_new = dict(m.pairs)
    to_old = {n: o for o, n in m.pairs}
    old_order = [to_new[e.id] for e in old_seq if e.id in to_new]  # in new ids
    new_order = [e.id for e in new_seq if e.id in to_old]
    pair_key = {n: (min(o, n), max(o, n)) for o, n in m.pairs}
    stable = _stable_subsequence(old_order, new_order, pair_key)
    new_idx = _index(new_seq)
    old_idx = _index(old_seq)
    for nid in new_order:
        if nid in stable:
            continue
        oid = to_old[nid]
        o_pos, _ = old_idx[oid]
        n_pos, ent = new_idx[nid]
        # "after X" reads better than an index, and does not change when an unrelated row is
        # inserted earlier. Neighbours are named by the id on their own side.
        before_old = old_seq[o_pos - 1].id if o_pos > 0 else None
        before_new = new_seq[n_pos - 1].id if n_pos > 0 else None
        where_old = f"「{label(old_seq[o_pos - 1])}」之后" if before_old else "最前"
        where_new = f"「{label(new_seq[n_pos - 1])}」之后" if before_new else "最前"
        p.add(
            rule,
            id=nid,
            old_pointer=p.cl_ptr("old", key, o_pos),
            new_pointer=p.cl_ptr("new", key, n_pos),
            old={"after": before_old},
            new={"after": before_new},
            message=f"{what}{_q(label(ent), nid)}位置改变：原在{where_old}，现在{where_new}",
            order=n_pos,
        )


def _rekeys(
    p: _Pair,
    rule: str,
    what: str,
    key: str,
    old_seq: Sequence[T],
    new_seq: Sequence[T],
    m: _Matching,
    label: Callable[[T], str],
) -> None:
    old_idx, new_idx = _index(old_seq), _index(new_seq)
    for nid, oid in m.renamed.items():
        o_pos, _ = old_idx[oid]
        n_pos, ent = new_idx[nid]
        p.add(
            rule,
            id=nid,
            old_pointer=p.cl_ptr("old", key, o_pos, "id"),
            new_pointer=p.cl_ptr("new", key, n_pos, "id"),
            old=oid,
            new=nid,
            message=f"{what}「{label(ent)}」编号由 {oid} 改为 {nid}（renamed_from）",
            order=n_pos,
        )


def _replacements(
    p: _Pair,
    rule: str,
    what: str,
    key: str,
    old_seq: Sequence[T],
    new_seq: Sequence[T],
    m: _Matching,
    label: Callable[[T], str],
    consequence: str,
) -> None:
    old_idx, new_idx = _index(old_seq), _index(new_seq)
    for oid, nids in m.replaced.items():
        o_pos, ent = old_idx[oid]
        names = "".join(f"「{label(new_idx[n][1])}」" for n in nids)
        p.add(
            rule,
            id=oid,
            old_pointer=p.cl_ptr("old", key, o_pos),
            new_pointer=None,
            old=oid,
            new=list(nids),
            message=f"{what}{_q(label(ent), oid)}由{names}取代（replaces）{consequence}",
            order=min(new_idx[n][0] for n in nids),
        )


# --------------------------------------------------------------------------- per entity


def _category_essence(c: Category) -> Json:
    return {"label": c.label, "parent": c.parent}


def _diff_categories(p: _Pair) -> None:
    old_seq, new_seq = p.old.checklist.categories, p.new.checklist.categories
    m = _match(old_seq, new_seq)
    old_idx, new_idx = _index(old_seq), _index(new_seq)
    what = "单位类别"

    def label(c: Category) -> str:
        return c.label

    for nid in m.added:
        pos, c = new_idx[nid]
        parent = f"，属于「{p.cat_label(c.parent)}」" if c.parent else ""
        p.add(
            "category-added",
            id=nid,
            old_pointer=None,
            new_pointer=p.cl_ptr("new", "categories", pos),
            old=None,
            new=_category_essence(c),
            message=f"新增{what}{_q(c.label, nid)}{parent}：汇总表新增一行",
            order=pos,
        )
    for oid in m.removed:
        pos, c = old_idx[oid]
        p.add(
            "category-removed",
            id=oid,
            old_pointer=p.cl_ptr("old", "categories", pos),
            new_pointer=None,
            old=_category_essence(c),
            new=None,
            message=f"删去{what}{_q(c.label, oid)}：汇总表不再有这一行",
            order=pos,
        )
    _rekeys(p, "category-rekeyed", what, "categories", old_seq, new_seq, m, label)
    _replacements(
        p,
        "category-replaced",
        what,
        "categories",
        old_seq,
        new_seq,
        m,
        label,
        "：原行不再出现，往年数据须按新类别拆分后才可比较",
    )
    for oid, nid in m.pairs:
        op, o = old_idx[oid]
        np_, n = new_idx[nid]
        q = _q(n.label, nid)
        if o.label != n.label:
            p.add(
                "category-relabelled",
                id=nid,
                old_pointer=p.cl_ptr("old", "categories", op, "label"),
                new_pointer=p.cl_ptr("new", "categories", np_, "label"),
                old=o.label,
                new=n.label,
                message=f"{what} {nid} 名称改为「{n.label}」（原为「{o.label}」）",
                order=np_,
                text=(o.label, n.label),
            )
        o_parent = (
            {v: k for k, v in m.renamed.items()}.get(o.parent, o.parent) if o.parent else None
        )
        if o_parent != n.parent:
            p.add(
                "category-parent-changed",
                id=nid,
                old_pointer=p.cl_ptr("old", "categories", op),
                new_pointer=p.cl_ptr("new", "categories", np_),
                old=o.parent,
                new=n.parent,
                message=f"{what}{q}的上级行由 {o.parent or '（无）'} 改为 {n.parent or '（无）'}：小计口径随之改变",
                order=np_,
            )
        _aliases(
            p,
            "category-aliases-changed",
            nid,
            f"{what}{q}",
            p.cl_ptr("old", "categories", op, "aliases"),
            p.cl_ptr("new", "categories", np_, "aliases"),
            o.aliases,
            n.aliases,
            np_,
        )
        _provenance_change(
            p,
            Entity.CATEGORY,
            nid,
            p.cl_ptr("old", "categories", op, "provenance"),
            p.cl_ptr("new", "categories", np_, "provenance"),
            o.provenance,
            n.provenance,
            np_,
            f"{what}{q}",
        )
    _moves(p, "category-moved", what, "categories", old_seq, new_seq, m, label)


def _item_essence(it: Item) -> Json:
    return {"number": it.number, "title": it.title, "text": it.text}


def _restrictions(it: Item) -> Json:
    return [r.model_dump(mode="json", exclude={"provenance"}) for r in it.restrictions]


def _diff_items(p: _Pair) -> None:
    old_seq, new_seq = p.old.checklist.items, p.new.checklist.items
    m = _match(old_seq, new_seq)
    old_idx, new_idx = _index(old_seq), _index(new_seq)
    what = "检查内容"

    def label(it: Item) -> str:
        return it.title

    for nid in m.added:
        pos, it = new_idx[nid]
        p.add(
            "item-added",
            id=nid,
            old_pointer=None,
            new_pointer=p.cl_ptr("new", "items", pos),
            old=None,
            new=_item_essence(it),
            message=f"新增{what}第 {it.number} 项{_q(it.title, nid)}：{it.text}",
            order=pos,
        )
    for oid in m.removed:
        pos, it = old_idx[oid]
        p.add(
            "item-removed",
            id=oid,
            old_pointer=p.cl_ptr("old", "items", pos),
            new_pointer=None,
            old=_item_essence(it),
            new=None,
            message=f"删去{what}（原第 {it.number} 项）{_q(it.title, oid)}",
            order=pos,
        )
    _rekeys(p, "item-rekeyed", what, "items", old_seq, new_seq, m, label)
    _replacements(p, "item-replaced", what, "items", old_seq, new_seq, m, label, "")
    for oid, nid in m.pairs:
        op, o = old_idx[oid]
        np_, n = new_idx[nid]
        q = f"第 {n.number} 项{_q(n.title, nid)}"

        def at(side: str, *t: str | int, _op: int = op, _np: int = np_) -> str:
            return p.cl_ptr(side, "items", _op if side == "old" else _np, *t)

        if o.number != n.number:
            p.add(
                "item-number-changed",
                id=nid,
                old_pointer=at("old", "number"),
                new_pointer=at("new", "number"),
                old=o.number,
                new=n.number,
                message=f"{what}{_q(n.title, nid)}序号由第 {o.number} 项改为第 {n.number} 项",
                order=np_,
            )
        if o.title != n.title:
            p.add(
                "item-title-changed",
                id=nid,
                old_pointer=at("old", "title"),
                new_pointer=at("new", "title"),
                old=o.title,
                new=n.title,
                message=f"{what} {nid} 简称改为「{n.title}」（原为「{o.title}」）",
                order=np_,
                text=(o.title, n.title),
            )
        if o.text != n.text:
            p.add(
                "item-text-changed",
                id=nid,
                old_pointer=at("old", "text"),
                new_pointer=at("new", "text"),
                old=o.text,
                new=n.text,
                message=f"{what}{q}原文改变",
                order=np_,
                text=(o.text, n.text),
            )
        if list(o.points) != list(n.points):
            plus = [x for x in n.points if x not in o.points]
            minus = [x for x in o.points if x not in n.points]
            bits = [
                f"新增要点：{_join(plus)}" if plus else "",
                f"删去要点：{_join(minus)}" if minus else "",
            ]
            detail = "；".join(b for b in bits if b) or "要点顺序或拆分方式改变"
            p.add(
                "item-points-changed",
                id=nid,
                old_pointer=at("old", "points"),
                new_pointer=at("new", "points"),
                old=list(o.points),
                new=list(n.points),
                message=f"{what}{q}的要点改变：{detail}",
                order=np_,
            )
        if o.optional != n.optional:
            state = "可合理缺项" if n.optional else "不可缺项（必查）"
            p.add(
                "item-optional-changed",
                id=nid,
                old_pointer=at("old", "optional"),
                new_pointer=at("new", "optional"),
                old=o.optional,
                new=n.optional,
                message=f"{what}{q}改为{state}",
                order=np_,
            )
        oa, na = _applicability(o.applies_to), _applicability(n.applies_to)
        if oa != na:
            p.add(
                "item-applicability-changed",
                id=nid,
                old_pointer=at("old"),
                new_pointer=at("new"),
                old=oa,
                new=na,
                message=f"{what}{q}的适用范围由「{_applicability_text(oa, p.cat_label)}」"
                f"改为「{_applicability_text(na, p.cat_label)}」",
                order=np_,
            )
        ors, nrs = _restrictions(o), _restrictions(n)
        if ors != nrs:
            otext = _join(r["text"] for r in ors)
            ntext = _join(r["text"] for r in nrs)
            p.add(
                "item-restrictions-changed",
                id=nid,
                old_pointer=at("old"),
                new_pointer=at("new"),
                old=ors,
                new=nrs,
                message=f"{what}{q}对部分类别的限制由「{otext}」改为「{ntext}」",
                order=np_,
            )
        _aliases(
            p,
            "item-aliases-changed",
            nid,
            f"{what}{q}",
            at("old", "aliases"),
            at("new", "aliases"),
            o.aliases,
            n.aliases,
            np_,
        )
        _provenance_change(
            p,
            Entity.ITEM,
            nid,
            at("old", "provenance"),
            at("new", "provenance"),
            o.provenance,
            n.provenance,
            np_,
            f"{what}{q}",
        )


def _column_essence(c: Column) -> Json:
    return {
        "label": c.label,
        "kind": c.kind.value,
        "groups": list(c.groups),
        "item": c.item,
        "disposition": c.effective_disposition.value
        if c.kind is ColumnKind.VIOLATION_UNITS
        else None,
    }


_KIND_LABELS = {
    "violation_units": "违法违规单位数",
    "census_units": "辖区内单位总数",
    "inspected_units": "检查单位数",
    "cases": "查处案件数",
    "fines": "罚没款金额",
    "revoked_units": "吊销单位数",
}
_DISPOSITION_LABELS = {
    "penalty": "行政处罚",
    "opinion": "下达监督意见书",
    "referral": "移交相关部门",
}


def _diff_columns(p: _Pair) -> None:
    old_seq, new_seq = p.old.checklist.columns, p.new.checklist.columns
    m = _match(old_seq, new_seq)
    old_idx, new_idx = _index(old_seq), _index(new_seq)
    what = "汇总表列"

    def label(c: Column) -> str:
        return c.label

    for nid in m.added:
        pos, c = new_idx[nid]
        group = f"（{' / '.join(c.groups)}）" if c.groups else ""
        p.add(
            "column-added",
            id=nid,
            old_pointer=None,
            new_pointer=p.cl_ptr("new", "columns", pos),
            old=None,
            new=_column_essence(c),
            message=f"汇总表新增第 {pos + 1} 列{_q(c.label, nid)}{group}",
            order=pos,
        )
    for oid in m.removed:
        pos, c = old_idx[oid]
        p.add(
            "column-removed",
            id=oid,
            old_pointer=p.cl_ptr("old", "columns", pos),
            new_pointer=None,
            old=_column_essence(c),
            new=None,
            message=f"汇总表删去列{_q(c.label, oid)}（原第 {pos + 1} 列）：读取该列的程序和表格须修改",
            order=pos,
        )
    _rekeys(p, "column-rekeyed", what, "columns", old_seq, new_seq, m, label)
    _replacements(
        p,
        "column-replaced",
        what,
        "columns",
        old_seq,
        new_seq,
        m,
        label,
        "：原列不再出现，往年数据须按新列拆分后才可比较",
    )
    old_items_to_new = {
        v: k for k, v in _match(p.old.checklist.items, p.new.checklist.items).renamed.items()
    }
    for oid, nid in m.pairs:
        op, o = old_idx[oid]
        np_, n = new_idx[nid]
        q = _q(n.label, nid)

        def at(side: str, *t: str | int, _op: int = op, _np: int = np_) -> str:
            return p.cl_ptr(side, "columns", _op if side == "old" else _np, *t)

        if o.kind is not n.kind:
            p.add(
                "column-kind-changed",
                id=nid,
                old_pointer=at("old", "kind"),
                new_pointer=at("new", "kind"),
                old=o.kind.value,
                new=n.kind.value,
                message=f"{what}{q}的计数方式由「{_KIND_LABELS[o.kind.value]}」改为「{_KIND_LABELS[n.kind.value]}」",
                order=np_,
            )
        if o.label != n.label:
            p.add(
                "column-relabelled",
                id=nid,
                old_pointer=at("old", "label"),
                new_pointer=at("new", "label"),
                old=o.label,
                new=n.label,
                message=f"{what} {nid} 表头改为「{n.label}」（原为「{o.label}」）",
                order=np_,
                text=(o.label, n.label),
            )
        if list(o.groups) != list(n.groups):
            p.add(
                "column-groups-changed",
                id=nid,
                old_pointer=at("old", "groups"),
                new_pointer=at("new", "groups"),
                old=list(o.groups),
                new=list(n.groups),
                message=f"{what}{q}的表头分组由「{' / '.join(o.groups) or '（无）'}」"
                f"改为「{' / '.join(n.groups) or '（无）'}」",
                order=np_,
            )
        both_violation = o.kind is n.kind is ColumnKind.VIOLATION_UNITS
        # A kind change already says everything about item and disposition; do not repeat it.
        o_item = old_items_to_new.get(o.item, o.item) if o.item else None
        if both_violation and o_item != n.item:
            p.add(
                "column-item-changed",
                id=nid,
                old_pointer=at("old", "item"),
                new_pointer=at("new", "item"),
                old=o.item,
                new=n.item,
                message=f"{what}{q}改属检查内容 {n.item or '（无）'}（原属 {o.item or '（无）'}）",
                order=np_,
            )
        if both_violation and o.effective_disposition is not n.effective_disposition:
            od, nd = o.effective_disposition.value, n.effective_disposition.value
            p.add(
                "column-disposition-changed",
                id=nid,
                old_pointer=at("old", "disposition"),
                new_pointer=at("new", "disposition"),
                old=od,
                new=nd,
                message=f"{what}{q}的处理方式由「{_DISPOSITION_LABELS[od]}」改为「{_DISPOSITION_LABELS[nd]}」",
                order=np_,
            )
        oa, na = _applicability(o.applies_to), _applicability(n.applies_to)
        if oa != na:
            p.add(
                "column-applicability-changed",
                id=nid,
                old_pointer=at("old"),
                new_pointer=at("new"),
                old=oa,
                new=na,
                message=f"{what}{q}的适用范围由「{_applicability_text(oa, p.cat_label)}」"
                f"改为「{_applicability_text(na, p.cat_label)}」",
                order=np_,
            )
        if o.source_label != n.source_label:
            p.add(
                "column-source-label-changed",
                id=nid,
                old_pointer=at("old"),
                new_pointer=at("new"),
                old=o.source_label,
                new=n.source_label,
                message=f"{what}{q}的来源表头原样文字改变",
                order=np_,
                text=(o.source_label or "", n.source_label or ""),
            )
        _aliases(
            p,
            "column-aliases-changed",
            nid,
            f"{what}{q}",
            at("old", "aliases"),
            at("new", "aliases"),
            o.aliases,
            n.aliases,
            np_,
        )
        _provenance_change(
            p,
            Entity.COLUMN,
            nid,
            at("old", "provenance"),
            at("new", "provenance"),
            o.provenance,
            n.provenance,
            np_,
            f"{what}{q}",
        )
    _moves(p, "column-moved", what, "columns", old_seq, new_seq, m, label)


def _code_essence(v: ViolationCode) -> Json:
    return {
        "label": v.label,
        "column": v.column,
        "item": v.item,
        "disposition": v.disposition.value if v.disposition else None,
    }


def _diff_codes(p: _Pair) -> None:
    """Extra violation codes, and any code (column or extra) that now counts in another column.

    A violation column is itself a code; its own changes are column rules. What only this
    function sees is a code id that counted in column A and now counts in column B: year-on-year
    numbers of both columns stop being comparable.
    """
    old_seq, new_seq = p.old.checklist.violations, p.new.checklist.violations
    m = _match(old_seq, new_seq)
    old_idx, new_idx = _index(old_seq), _index(new_seq)
    old_cols = {c.id: c for c in p.old.checklist.columns}
    new_cols = {c.id: c for c in p.new.checklist.columns}
    what = "违法违规代码"

    def label(v: ViolationCode) -> str:
        return v.label

    for nid in m.added:
        pos, v = new_idx[nid]
        if nid in old_cols and old_cols[nid].kind is ColumnKind.VIOLATION_UNITS:
            continue  # reported below as a code that moved from its own column
        col = new_cols[v.column]
        p.add(
            "code-added",
            id=nid,
            old_pointer=None,
            new_pointer=p.cl_ptr("new", "violations", pos),
            old=None,
            new=_code_essence(v),
            message=f"新增{what}{_q(v.label, nid)}，计入列「{col.label}」",
            order=pos,
        )
    for oid in m.removed:
        pos, v = old_idx[oid]
        if oid in new_cols and new_cols[oid].kind is ColumnKind.VIOLATION_UNITS:
            continue
        p.add(
            "code-removed",
            id=oid,
            old_pointer=p.cl_ptr("old", "violations", pos),
            new_pointer=None,
            old=_code_essence(v),
            new=None,
            message=f"删去{what}{_q(v.label, oid)}（原计入列 {v.column}）",
            order=pos,
        )
    _rekeys(p, "code-rekeyed", what, "violations", old_seq, new_seq, m, label)
    col_renamed = _match(p.old.checklist.columns, p.new.checklist.columns).renamed
    col_old_to_new = {v: k for k, v in col_renamed.items()}
    item_old_to_new = {
        v: k for k, v in _match(p.old.checklist.items, p.new.checklist.items).renamed.items()
    }
    for oid, nid in m.pairs:
        op, o = old_idx[oid]
        np_, n = new_idx[nid]
        q = _q(n.label, nid)

        def at(side: str, *t: str | int, _op: int = op, _np: int = np_) -> str:
            return p.cl_ptr(side, "violations", _op if side == "old" else _np, *t)

        if col_old_to_new.get(o.column, o.column) != n.column:
            p.add(
                "code-column-changed",
                id=nid,
                old_pointer=at("old", "column"),
                new_pointer=at("new", "column"),
                old=o.column,
                new=n.column,
                message=f"{what}{q}改计入列 {n.column}（原计入 {o.column}）：两列数字与往年不再可比",
                order=np_,
            )
        if (item_old_to_new.get(o.item, o.item) if o.item else None) != n.item:
            p.add(
                "code-item-changed",
                id=nid,
                old_pointer=at("old", "item"),
                new_pointer=at("new", "item"),
                old=o.item,
                new=n.item,
                message=f"{what}{q}对应的检查内容由 {o.item or '（随列）'} 改为 {n.item or '（随列）'}",
                order=np_,
            )
        od = o.disposition.value if o.disposition else None
        nd = n.disposition.value if n.disposition else None
        if od != nd:
            p.add(
                "code-disposition-changed",
                id=nid,
                old_pointer=at("old", "disposition"),
                new_pointer=at("new", "disposition"),
                old=od,
                new=nd,
                message=f"{what}{q}的处理方式由「{_DISPOSITION_LABELS.get(od or '', '随列')}」"
                f"改为「{_DISPOSITION_LABELS.get(nd or '', '随列')}」",
                order=np_,
            )
        if o.label != n.label:
            p.add(
                "code-relabelled",
                id=nid,
                old_pointer=at("old", "label"),
                new_pointer=at("new", "label"),
                old=o.label,
                new=n.label,
                message=f"{what} {nid} 名称改为「{n.label}」（原为「{o.label}」）",
                order=np_,
                text=(o.label, n.label),
            )
        _aliases(
            p,
            "code-aliases-changed",
            nid,
            f"{what}{q}",
            at("old", "aliases"),
            at("new", "aliases"),
            o.aliases,
            n.aliases,
            np_,
        )
        _provenance_change(
            p,
            Entity.VIOLATION,
            nid,
            at("old", "provenance"),
            at("new", "provenance"),
            o.provenance,
            n.provenance,
            np_,
            f"{what}{q}",
        )
    # A code id that is a violation column on one side and an extra code on the other.
    for n_pos, v in enumerate(new_seq):
        oc = old_cols.get(v.id)
        if v.id not in old_idx and oc is not None and oc.kind is ColumnKind.VIOLATION_UNITS:
            p.add(
                "code-column-changed",
                id=v.id,
                old_pointer=p.cl_ptr("old", "columns", _pos(p.old, v.id)),
                new_pointer=p.cl_ptr("new", "violations", n_pos, "column"),
                old=v.id,
                new=v.column,
                message=f"{what}{_q(v.label, v.id)}原为单独一列，现计入列 {v.column}：两列数字与往年不再可比",
                order=n_pos,
            )
    for o_pos, v in enumerate(old_seq):
        nc = new_cols.get(v.id)
        if v.id not in new_idx and nc is not None and nc.kind is ColumnKind.VIOLATION_UNITS:
            p.add(
                "code-column-changed",
                id=v.id,
                old_pointer=p.cl_ptr("old", "violations", o_pos, "column"),
                new_pointer=p.cl_ptr("new", "columns", _pos(p.new, v.id)),
                old=v.column,
                new=v.id,
                message=f"{what}{_q(nc.label, v.id)}原计入列 {v.column}，现单独成列：两列数字与往年不再可比",
                order=_pos(p.new, v.id),
            )


def _pos(rules: DomainRules, column_id: str) -> int:
    for n, c in enumerate(rules.checklist.columns):
        if c.id == column_id:
            return n
    raise KeyError(column_id)


def _stratum_essence(st: Stratum) -> Json:
    return {
        "tier": st.tier.value,
        "categories": list(st.categories),
        "size": _size(st),
        "from_remaining": st.from_remaining,
    }


def _diff_strata(p: _Pair) -> None:
    old_idx, new_idx = _index(p.old.strata), _index(p.new.strata)
    what = "抽检层"

    def name(st: Stratum) -> str:
        cats = "、".join(p.cat_label(c) for c in st.categories)
        return f"{cats}（{st.id}，{TIER_LABELS[st.tier]}）"

    old_tiers = {s.tier for s in p.old.strata}
    new_tiers = {s.tier for s in p.new.strata}
    for tier in sorted(new_tiers - old_tiers, key=lambda t: list(TIER_LABELS).index(t)):
        ids = [s.id for s in p.new.strata if s.tier is tier]
        p.add(
            "tier-added",
            id=tier.value,
            old_pointer=None,
            new_pointer=p.ptr("new", "strata"),
            old=None,
            new=ids,
            message=f"新增一级抽查：{TIER_LABELS[tier]}（{len(ids)} 个抽检层）",
            order=-1,
        )
    for tier in sorted(old_tiers - new_tiers, key=lambda t: list(TIER_LABELS).index(t)):
        ids = [s.id for s in p.old.strata if s.tier is tier]
        p.add(
            "tier-removed",
            id=tier.value,
            old_pointer=p.ptr("old", "strata"),
            new_pointer=None,
            old=ids,
            new=None,
            message=f"删去一级抽查：{TIER_LABELS[tier]}（原 {len(ids)} 个抽检层）",
            order=-1,
        )
    for n_pos, st in enumerate(p.new.strata):
        if st.id not in old_idx:
            p.add(
                "stratum-added",
                id=st.id,
                old_pointer=None,
                new_pointer=p.ptr("new", "strata", n_pos),
                old=None,
                new=_stratum_essence(st),
                message=f"新增抽检对象：{name(st)}，抽检 {_size(st)}"
                + ("（从上级未抽取的剩余单位中抽取）" if st.from_remaining else ""),
                order=n_pos,
            )
    for o_pos, st in enumerate(p.old.strata):
        if st.id not in new_idx:
            p.add(
                "stratum-removed",
                id=st.id,
                old_pointer=p.ptr("old", "strata", o_pos),
                new_pointer=None,
                old=_stratum_essence(st),
                new=None,
                message=f"删去抽检对象：{name(st)}（原抽检 {_size(st)}）",
                order=len(p.new.strata) + o_pos,
            )
    for n_pos, n in enumerate(p.new.strata):
        if n.id not in old_idx:
            continue
        o_pos, o = old_idx[n.id]
        op, np_ = p.ptr("old", "strata", o_pos), p.ptr("new", "strata", n_pos)
        if _size(o) != _size(n):
            rule = (
                "ratio-changed"
                if _effective_size(o) != _effective_size(n)
                else "ratio-notation-changed"
            )
            p.add(
                rule,
                id=n.id,
                old_pointer=op,
                new_pointer=np_,
                old=_size(o),
                new=_size(n),
                message=f"抽检比例：{name(n)} {_size(o)} → {_size(n)}",
                order=n_pos,
            )
        if o.tier is not n.tier:
            p.add(
                "stratum-tier-changed",
                id=n.id,
                old_pointer=op + "/tier",
                new_pointer=np_ + "/tier",
                old=o.tier.value,
                new=n.tier.value,
                message=f"{what} {n.id} 由{TIER_LABELS[o.tier]}改属{TIER_LABELS[n.tier]}",
                order=n_pos,
            )
        if list(o.categories) != list(n.categories):
            p.add(
                "stratum-categories-changed",
                id=n.id,
                old_pointer=op + "/categories",
                new_pointer=np_ + "/categories",
                old=list(o.categories),
                new=list(n.categories),
                message=f"{what} {n.id} 包含的单位类别由 {_join(o.categories)} 改为 {_join(n.categories)}",
                order=n_pos,
            )
        if o.from_remaining != n.from_remaining:
            state = (
                "只从上级未抽取的剩余单位中抽取"
                if n.from_remaining
                else "不再限于上级未抽取的剩余单位"
            )
            p.add(
                "stratum-remaining-changed",
                id=n.id,
                old_pointer=op + "/from_remaining",
                new_pointer=np_ + "/from_remaining",
                old=o.from_remaining,
                new=n.from_remaining,
                message=f"{name(n)}改为{state}",
                order=n_pos,
            )
        if o.note != n.note:
            p.add(
                "stratum-note-changed",
                id=n.id,
                old_pointer=op,
                new_pointer=np_,
                old=o.note,
                new=n.note,
                message=f"{what} {n.id} 的说明改变",
                order=n_pos,
                text=(o.note or "", n.note or ""),
            )
        _provenance_change(
            p,
            Entity.STRATUM,
            n.id,
            op + "/provenance",
            np_ + "/provenance",
            o.provenance,
            n.provenance,
            n_pos,
            f"{what} {n.id} ",
        )


def _total_key(t: StatedTotal) -> str:
    return "+".join(t.categories)


def _total_value(t: StatedTotal) -> str:
    return "全部" if t.all else (f"{(t.ratio * 100).normalize():f}%" if t.ratio is not None else "")


def _diff_totals(p: _Pair) -> None:
    old = {_total_key(t): (n, t) for n, t in enumerate(p.old.stated_totals)}
    new = {_total_key(t): (n, t) for n, t in enumerate(p.new.stated_totals)}
    for key, (pos, t) in new.items():
        name = "、".join(p.cat_label(c) for c in t.categories)
        if key not in old:
            p.add(
                "stated-total-added",
                id=key,
                old_pointer=None,
                new_pointer=p.ptr("new", "stated_totals", pos),
                old=None,
                new=_total_value(t),
                message=f"计划正文新增合计比例：{name} {_total_value(t)}",
                order=pos,
            )
        else:
            opos, o = old[key]
            if _total_value(o) != _total_value(t):
                p.add(
                    "stated-total-changed",
                    id=key,
                    old_pointer=p.ptr("old", "stated_totals", opos),
                    new_pointer=p.ptr("new", "stated_totals", pos),
                    old=_total_value(o),
                    new=_total_value(t),
                    message=f"计划正文所述合计比例：{name} {_total_value(o)} → {_total_value(t)}",
                    order=pos,
                )
    for key, (pos, t) in old.items():
        if key not in new:
            name = "、".join(p.cat_label(c) for c in t.categories)
            p.add(
                "stated-total-removed",
                id=key,
                old_pointer=p.ptr("old", "stated_totals", pos),
                new_pointer=None,
                old=_total_value(t),
                new=None,
                message=f"计划正文不再写明合计比例：{name} {_total_value(t)}",
                order=1000 + pos,
            )


def _diff_wording(p: _Pair) -> None:
    """A plan's own wording of an item, compared with what the other side prints for it."""
    old_items = {i.id: i for i in p.old.checklist.items}
    new_items = {i.id: i for i in p.new.checklist.items}
    order = {i.id: n for n, i in enumerate(p.new.checklist.items)}
    for iid in sorted(
        set(p.old.wording) | set(p.new.wording), key=lambda i: (order.get(i, 999), i)
    ):
        ow: Wording | None = p.old.wording.get(iid)
        nw: Wording | None = p.new.wording.get(iid)
        title = new_items.get(iid) or old_items.get(iid)
        q = _q(title.title, iid) if title else iid
        if ow is None and nw is not None:
            # The old value is what the old side printed: its checklist text for this item.
            before = old_items[iid].text if iid in old_items else None
            p.add(
                "wording-added",
                id=iid,
                old_pointer=p.cl_ptr("old", "items", _item_pos(p.old, iid))
                if iid in old_items
                else None,
                new_pointer=p.ptr("new", "wording", iid, "text"),
                old=before,
                new=nw.text,
                message=f"计划对检查内容{q}采用自己的措辞（与检查表原文不同）",
                order=order.get(iid, 999),
                text=(before or "", nw.text),
            )
        elif ow is not None and nw is None:
            after = new_items[iid].text if iid in new_items else None
            p.add(
                "wording-removed",
                id=iid,
                old_pointer=p.ptr("old", "wording", iid, "text"),
                new_pointer=p.cl_ptr("new", "items", _item_pos(p.new, iid))
                if iid in new_items
                else None,
                old=ow.text,
                new=after,
                message=f"计划不再对检查内容{q}采用自己的措辞，回到检查表原文",
                order=order.get(iid, 999),
                text=(ow.text, after or ""),
            )
        elif ow is not None and nw is not None and ow.text != nw.text:
            p.add(
                "wording-changed",
                id=iid,
                old_pointer=p.ptr("old", "wording", iid, "text"),
                new_pointer=p.ptr("new", "wording", iid, "text"),
                old=ow.text,
                new=nw.text,
                message=f"计划对检查内容{q}的措辞改变",
                order=order.get(iid, 999),
                text=(ow.text, nw.text),
            )


def _item_pos(rules: DomainRules, item_id: str) -> int:
    for n, i in enumerate(rules.checklist.items):
        if i.id == item_id:
            return n
    raise KeyError(item_id)


def _diff_domain(p: _Pair) -> None:
    ocl, ncl = p.old.checklist, p.new.checklist
    if ocl.id != ncl.id:
        p.add(
            "checklist-version-changed",
            id=p.domain.value,
            old_pointer=p.cl_ptr("old"),
            new_pointer=p.cl_ptr("new"),
            old=ocl.id,
            new=ncl.id,
            message=f"改用检查表 {ncl.id}（原为 {ocl.id}）",
            order=-2,
        )
    names = {
        "title": "汇总表标题",
        "plan_table_title": "工作计划表标题",
        "total_label": "合计行名称",
    }
    for key, name in names.items():
        o, n = getattr(ocl, key), getattr(ncl, key)
        if o != n:
            p.add(
                "table-title-changed",
                id=key,
                old_pointer=p.cl_ptr("old", key),
                new_pointer=p.cl_ptr("new", key),
                old=o,
                new=n,
                message=f"{name}改为「{n}」",
                order=list(names).index(key),
                text=(o, n),
            )
    _provenance_change(
        p,
        Entity.CHECKLIST,
        "checklist",
        p.cl_ptr("old", "provenance"),
        p.cl_ptr("new", "provenance"),
        ocl.provenance,
        ncl.provenance,
        9,
        "检查表",
    )
    _diff_categories(p)
    _diff_items(p)
    _diff_columns(p)
    _diff_codes(p)
    _diff_strata(p)
    _diff_totals(p)
    _diff_wording(p)


# --------------------------------------------------------------------------- plan level


def _deadline_keys(deadlines: Sequence[Deadline]) -> dict[str, tuple[int, Deadline]]:
    out: dict[str, tuple[int, Deadline]] = {}
    seen: dict[str, int] = {}
    for n, d in enumerate(deadlines):
        seen[d.kind.value] = seen.get(d.kind.value, 0) + 1
        key = d.kind.value if seen[d.kind.value] == 1 else f"{d.kind.value}#{seen[d.kind.value]}"
        out[key] = (n, d)
    return out


_DEADLINE_LABELS = {
    "info_report": "信息报送",
    "interim_summary": "阶段性工作总结",
    "annual_summary": "全年工作总结",
    "completion": "完成全部抽查工作",
}


def _deadline_value(d: Deadline) -> Json:
    return {"due": d.due.isoformat(), "text": d.text, "recipient": d.recipient}


def _lookback_value(lb: LookBack) -> Json:
    return {"penalized_in": lb.penalized_in, "campaigns": list(lb.campaigns), "text": lb.text}


def _diff_plan(col: _Collector, old: Plan, new: Plan) -> None:
    def add(rule: str, **kw: Any) -> None:
        col.add(rule, domain=None, **kw)

    if old.title != new.title:
        add(
            "plan-title-changed",
            id="title",
            old_pointer="/title",
            new_pointer="/title",
            old=old.title,
            new=new.title,
            message=f"计划标题改为「{new.title}」",
            text=(old.title, new.title),
        )
    oj, nj = old.jurisdiction.model_dump(mode="json"), new.jurisdiction.model_dump(mode="json")
    if oj != nj:
        add(
            "jurisdiction-changed",
            id="jurisdiction",
            old_pointer="/jurisdiction",
            new_pointer="/jurisdiction",
            old=oj,
            new=nj,
            message=f"适用辖区由「{old.jurisdiction.name}」改为「{new.jurisdiction.name}」",
        )
    if list(old.notes) != list(new.notes):
        add(
            "plan-notes-changed",
            id="notes",
            old_pointer="/notes",
            new_pointer="/notes",
            old=list(old.notes),
            new=list(new.notes),
            message="计划附注改变",
            text=("\n".join(old.notes), "\n".join(new.notes)),
        )
    # The merge puts a child's own sources first; the order carries no meaning.
    if sorted(old.sources) != sorted(new.sources):
        plus = [x for x in new.sources if x not in old.sources]
        minus = [x for x in old.sources if x not in new.sources]
        add(
            "plan-sources-changed",
            id="sources",
            old_pointer="/sources",
            new_pointer="/sources",
            old=sorted(old.sources),
            new=sorted(new.sources),
            message="来源文件改变："
            + "；".join(
                x
                for x in (
                    f"新增 {_join(plus)}" if plus else "",
                    f"删去 {_join(minus)}" if minus else "",
                )
                if x
            ),
        )
    orr = old.rounding.model_dump(mode="json", exclude={"provenance"}) if old.rounding else None
    nr = new.rounding.model_dump(mode="json", exclude={"provenance"}) if new.rounding else None
    if orr != nr:
        add(
            "rounding-changed",
            id="rounding",
            old_pointer="/rounding",
            new_pointer="/rounding",
            old=orr,
            new=nr,
            message=f"取整规则由 {orr} 改为 {nr}：抽取家数随之改变",
        )
    od, nd = _deadline_keys(old.deadlines or ()), _deadline_keys(new.deadlines or ())
    for key, (pos, d) in nd.items():
        what = _DEADLINE_LABELS[d.kind.value]
        if key not in od:
            add(
                "deadline-added",
                id=key,
                old_pointer=None,
                new_pointer=_ptr("deadlines", pos),
                old=None,
                new=_deadline_value(d),
                message=f"新增报送时限：{what} {d.due.isoformat()} 前",
                order=pos,
            )
            continue
        opos, o = od[key]
        if _deadline_value(o) != _deadline_value(d):
            bits = []
            if o.due != d.due:
                bits.append(f"{o.due.isoformat()} → {d.due.isoformat()}")
            if o.recipient != d.recipient:
                bits.append(
                    f"报送对象 {o.recipient or '（未写明）'} → {d.recipient or '（未写明）'}"
                )
            if o.text != d.text and not bits:
                bits.append("原文措辞改变")
            add(
                "deadline-changed",
                id=key,
                old_pointer=_ptr("deadlines", opos),
                new_pointer=_ptr("deadlines", pos),
                old=_deadline_value(o),
                new=_deadline_value(d),
                message=f"报送时限（{what}）：" + "；".join(bits),
                order=pos,
                text=(o.text, d.text) if o.text != d.text else None,
            )
    for key, (pos, d) in od.items():
        if key not in nd:
            add(
                "deadline-removed",
                id=key,
                old_pointer=_ptr("deadlines", pos),
                new_pointer=None,
                old=_deadline_value(d),
                new=None,
                message=f"不再规定报送时限：{_DEADLINE_LABELS[d.kind.value]}（原为 {d.due.isoformat()} 前）",
                order=100 + pos,
            )
    ol, nl = list(old.lookback or ()), list(new.lookback or ())
    # Look-backs carry no id; they are matched by position, which is stable because a plan
    # states at most a handful and in document order.
    for n in range(max(len(ol), len(nl))):
        key = str(n + 1)
        if n >= len(ol):
            add(
                "lookback-added",
                id=key,
                old_pointer=None,
                new_pointer=_ptr("lookback", n),
                old=None,
                new=_lookback_value(nl[n]),
                message=f"新增“回头看”：{nl[n].penalized_in} 年受处罚单位",
                order=n,
            )
        elif n >= len(nl):
            add(
                "lookback-removed",
                id=key,
                old_pointer=_ptr("lookback", n),
                new_pointer=None,
                old=_lookback_value(ol[n]),
                new=None,
                message=f"不再开展“回头看”（原为对 {ol[n].penalized_in} 年受处罚单位）",
                order=n,
            )
        elif _lookback_value(ol[n]) != _lookback_value(nl[n]):
            add(
                "lookback-changed",
                id=key,
                old_pointer=_ptr("lookback", n),
                new_pointer=_ptr("lookback", n),
                old=_lookback_value(ol[n]),
                new=_lookback_value(nl[n]),
                message=f"“回头看”由对 {ol[n].penalized_in} 年改为对 {nl[n].penalized_in} 年受处罚单位",
                order=n,
                text=(ol[n].text, nl[n].text),
            )


def _domain_summary(rules: DomainRules) -> Json:
    cl = rules.checklist
    return {
        "checklist": cl.id,
        "categories": [c.id for c in cl.categories],
        "items": [i.id for i in cl.items],
        "columns": [c.id for c in cl.columns],
        "strata": [_stratum_essence(s) for s in rules.strata],
    }


def _domain_count(rules: DomainRules) -> str:
    cl = rules.checklist
    return f"{len(cl.categories)} 个单位类别、{len(cl.items)} 项检查内容、{len(cl.columns)} 列"


# --------------------------------------------------------------------------- renames


def suggest_renames(old: Any, new: Any) -> list[RenameSuggestion]:
    """Likely renames among removed and added entities: same or similar label, same mapping.

    This is information for an author who may want to declare ``renamed_from``; the diff itself
    never uses it, because two similar labels are not evidence of the same series of numbers.
    """
    a, b = resolve_side(old), resolve_side(new)
    out: list[RenameSuggestion] = []
    for dom, orules, nrules in _domain_pairs(a, b):
        out.extend(_suggest_in(dom, orules, nrules))
    return out


def _similarity(x: str, y: str) -> float:
    kx, ky = normalize(x), normalize(y)
    if kx == ky:
        return 1.0
    return round(difflib.SequenceMatcher(None, kx, ky, autojunk=False).ratio(), 3)


def _suggest_in(dom: Domain, orules: DomainRules, nrules: DomainRules) -> list[RenameSuggestion]:
    ocl, ncl = orules.checklist, nrules.checklist
    out: list[RenameSuggestion] = []

    def scan(
        entity: Entity,
        olds: Sequence[Any],
        news: Sequence[Any],
        label: Callable[[Any], str],
        same_mapping: Callable[[Any, Any], bool],
    ) -> None:
        m = _match(olds, news)
        oi, ni = _index(olds), _index(news)
        for oid in m.removed:
            o = oi[oid][1]
            scored = []
            for nid in m.added:
                n = ni[nid][1]
                if not same_mapping(o, n):
                    continue
                s = _similarity(label(o), label(n))
                if s >= 0.6:
                    scored.append((-s, ni[nid][0], nid, s))
            if not scored:
                continue
            _, _, nid, s = min(scored)
            n = ni[nid][1]
            out.append(
                RenameSuggestion(
                    entity=entity,
                    domain=dom.value,
                    old_id=oid,
                    new_id=nid,
                    old_label=label(o),
                    new_label=label(n),
                    similarity=s,
                    message=f"{entity.label}{_q(label(o), oid)}已删去，新增的{_q(label(n), nid)}"
                    f"名称相似（{s:.0%}）；若是同一{entity.label}，请在新规则集中声明 renamed_from: {oid}",
                )
            )

    scan(Entity.CATEGORY, ocl.categories, ncl.categories, lambda c: c.label, lambda o, n: True)
    scan(Entity.ITEM, ocl.items, ncl.items, lambda i: i.title, lambda o, n: True)
    scan(
        Entity.COLUMN,
        ocl.columns,
        ncl.columns,
        lambda c: c.label,
        lambda o, n: o.kind is n.kind and o.item == n.item,
    )
    scan(
        Entity.VIOLATION,
        ocl.violations,
        ncl.violations,
        lambda v: v.label,
        lambda o, n: o.column == n.column,
    )
    return out


# --------------------------------------------------------------------------- entry point


def _domain_pairs(a: Side, b: Side) -> list[tuple[Domain, DomainRules, DomainRules]]:
    if a.single is not None and b.single is not None:
        return [(b.single, a.domains[a.single], b.domains[b.single])]
    return [(d, a.domains[d], b.domains[d]) for d in Domain if d in a.domains and d in b.domains]


def _domain_base(dom: Domain) -> str:
    return _ptr("domains", dom.value)


def diff_rulesets(
    old: str | os.PathLike[str] | Ruleset | Side,
    new: str | os.PathLike[str] | Ruleset | Side,
    *,
    levels: Mapping[str, ChangeLevel | str] | str | os.PathLike[str] | None = None,
    acknowledgements: Iterable[Acknowledgement] | str | os.PathLike[str] | None = None,
    renames: bool = False,
) -> Diff:
    """Compare two rulesets. Each side is a plan id, a file, ``PLAN#DOMAIN`` or a Ruleset.

    ``levels`` overrides rule levels (a mapping or a YAML/JSON file of rule → level);
    ``acknowledgements`` (records or a file) marks reviewed changes so they stop failing;
    ``renames`` adds :func:`suggest_renames` to the result.
    """
    a, b = resolve_side(old), resolve_side(new)
    level_map = _levels_arg(levels)
    acks = _acks_arg(acknowledgements)
    col = _Collector()
    if a.plan is not None and b.plan is not None and a.single is None and b.single is None:
        _diff_plan(col, a.plan, b.plan)
    if a.single is None or b.single is None:
        scope = (
            [b.single]
            if b.single is not None
            else [a.single]
            if a.single is not None
            else list(Domain)
        )
        for dom in scope:
            if dom is None:
                continue
            label = DOMAIN_LABELS[dom][0]
            if dom in b.domains and dom not in a.domains:
                r = b.domains[dom]
                col.add(
                    "domain-added",
                    domain=dom,
                    id=dom.value,
                    old_pointer=None,
                    new_pointer=_domain_base(dom),
                    old=None,
                    new=_domain_summary(r),
                    message=f"新增监督领域「{label}」（{dom.value}）：{_domain_count(r)}",
                )
            elif dom in a.domains and dom not in b.domains:
                r = a.domains[dom]
                col.add(
                    "domain-removed",
                    domain=dom,
                    id=dom.value,
                    old_pointer=_domain_base(dom),
                    new_pointer=None,
                    old=_domain_summary(r),
                    new=None,
                    message=f"不再包含监督领域「{label}」（{dom.value}）：没有这一领域的汇总表，读取它的程序须另行处理",
                )
    for dom, orules, nrules in _domain_pairs(a, b):
        _diff_domain(
            _Pair(
                col, dom, orules, nrules, _domain_base(orules.domain), _domain_base(nrules.domain)
            )
        )
    changes = _apply(col.sorted(), level_map, acks)
    used = {c.fingerprint for c in changes if c.acknowledged}
    counts = {lv.value: sum(1 for c in changes if c.level is lv) for lv in ChangeLevel}
    return Diff(
        old=a.info,
        new=b.info,
        summary=Summary(**counts, acknowledged=sum(1 for c in changes if c.acknowledged)),
        changes=tuple(changes),
        rename_suggestions=tuple(suggest_renames(a, b)) if renames else (),
        unused_acknowledgements=tuple(sorted(k for k in acks if k not in used)),
    )


def _apply(
    changes: list[Change], levels: Mapping[str, ChangeLevel], acks: Mapping[str, str]
) -> list[Change]:
    out = []
    for c in changes:
        upd: dict[str, Any] = {}
        if c.rule in levels and levels[c.rule] is not c.level:
            upd["level"] = levels[c.rule]
        if c.fingerprint in acks:
            upd["acknowledged"] = True
            upd["acknowledgement"] = acks[c.fingerprint]
        out.append(c.model_copy(update=upd) if upd else c)
    return out


def _levels_arg(
    levels: Mapping[str, ChangeLevel | str] | str | os.PathLike[str] | None,
) -> dict[str, ChangeLevel]:
    if levels is None:
        return {}
    if isinstance(levels, (str, os.PathLike)):
        return load_levels(levels)
    return _check_levels(dict(levels), "levels")


def _check_levels(data: Mapping[Any, Any], where: str) -> dict[str, ChangeLevel]:
    out: dict[str, ChangeLevel] = {}
    for rule, level in data.items():
        if not isinstance(rule, str) or rule not in RULES_BY_ID:
            from .text import closest

            hint = closest(str(rule), RULES_BY_ID)
            raise UsageError(
                f"{where}：未知的规则 {rule!r}" + (f"（是否指：{'、'.join(hint)}）" if hint else "")
            )
        if isinstance(level, ChangeLevel):
            out[rule] = level
        elif isinstance(level, str):
            out[rule] = ChangeLevel.parse(level)
        else:
            raise UsageError(
                f"{where}：规则 {rule} 的级别应为 breaking、dangerous、additive 或 info"
            )
    return out


def load_levels(path: str | os.PathLike[str]) -> dict[str, ChangeLevel]:
    """A levels file: a YAML or JSON mapping of rule id → level (``column-moved: breaking``)."""
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"找不到级别文件 {p}")
    data = read_yaml(p).data
    if isinstance(data, dict) and set(data) == {"levels"} and isinstance(data["levels"], dict):
        data = data["levels"]
    if not isinstance(data, dict):
        raise UsageError(f"{p}：级别文件应为映射（规则: 级别）")
    return _check_levels(data, str(p))


def _acks_arg(acks: Iterable[Acknowledgement] | str | os.PathLike[str] | None) -> dict[str, str]:
    if acks is None:
        return {}
    if isinstance(acks, (str, os.PathLike)):
        acks = load_acknowledgements(acks)
    return {a.fingerprint: a.reason for a in acks}


def load_acknowledgements(path: str | os.PathLike[str]) -> list[Acknowledgement]:
    """An acknowledgements file (YAML or JSON)::

        acknowledgements:
          - fingerprint: 3f2a9c0d1e4b
            rule: column-removed        # optional, for the reader
            reason: 2025 年起该列并入…，已与统计科确认

    A bare list of such records is accepted too. Every record needs a reason.
    """
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"找不到确认文件 {p}")
    data = read_yaml(p).data
    if isinstance(data, list):
        data = {"acknowledgements": data}
    try:
        return list(_AckFile.model_validate(data).acknowledgements)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(x) for x in first["loc"])
        raise UsageError(
            f"{p}：确认文件格式不对（{where}：{first['msg']}）；每条须有 fingerprint 和 reason"
        ) from exc


# --------------------------------------------------------------------------- rendering


def _scope_name(domain: str | None) -> str:
    if domain is None:
        return "计划"
    return f"{DOMAIN_LABELS[Domain(domain)][0]}（{domain}）"


def _groups(diff: Diff) -> list[tuple[str | None, list[tuple[Entity, list[Change]]]]]:
    out: list[tuple[str | None, list[tuple[Entity, list[Change]]]]] = []
    for c in diff.changes:
        if not out or out[-1][0] != c.domain:
            out.append((c.domain, []))
        ents = out[-1][1]
        if not ents or ents[-1][0] is not c.entity:
            ents.append((c.entity, []))
        ents[-1][1].append(c)
    return out


def _summary_line(diff: Diff) -> str:
    s = diff.summary
    parts = [f"{lv.label} {getattr(s, lv.value)}" for lv in ChangeLevel]
    ack = f"，已确认 {s.acknowledged}" if s.acknowledged else ""
    return f"共 {len(diff.changes)} 项变化：" + "，".join(parts) + ack


def _is_detail(c: Change) -> bool:
    # Provenance changes are many (every cite changes when the source documents change) and
    # matter to authors, not to officers: the readable outputs count them, JSON lists them.
    return c.rule == "provenance-changed"


def render_text(diff: Diff) -> str:
    """The terminal view: grouped by domain, then entity."""
    lines = [f"{diff.old.ref} → {diff.new.ref}", _summary_line(diff)]
    if not diff.changes:
        lines.append("两者没有差别。")
    for dom, ents in _groups(diff):
        lines.append("")
        lines.append(f"== {_scope_name(dom)}")
        for ent, changes in ents:
            shown = [c for c in changes if not _is_detail(c)]
            hidden = len(changes) - len(shown)
            if shown:
                lines.append(f"  -- {ent.label}")
            for c in shown:
                ack = f"  （已确认：{c.acknowledgement}）" if c.acknowledged else ""
                lines.append(f"    [{c.level.label}] {c.message}  <{c.rule} {c.fingerprint}>{ack}")
                if c.text_diff:
                    lines.append(f"        {_one_line(c.text_diff)}")
            if hidden:
                lines.append(f"  -- {ent.label}：另有 {hidden} 处出处改变（--format json 可见）")
    lines.extend(_suggestion_lines(diff, "  "))
    if diff.unused_acknowledgements:
        lines.append("")
        lines.append(
            "确认文件中以下指纹没有对应的变化（可能已过时）："
            + "、".join(diff.unused_acknowledgements)
        )
    return "\n".join(lines) + "\n"


def _suggestion_lines(diff: Diff, indent: str) -> list[str]:
    if not diff.rename_suggestions:
        return []
    out = ["", "可能的改名（仅供参考，未作匹配）："]
    for s in diff.rename_suggestions:
        out.append(f"{indent}- {_scope_name(s.domain)} {s.message}")
    return out


def _one_line(text: str) -> str:
    # A line break inside a diff would end a Markdown bullet or break the terminal layout.
    return text.replace("\r\n", "\n").replace("\n", " ⏎ ")


def _md(text: str) -> str:
    # Our messages are plain Chinese; only the characters that would start Markdown syntax in
    # the middle of a bullet need escaping.
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("<", "&lt;")


def render_markdown(diff: Diff, *, title: str | None = None) -> str:
    """A change log: a summary table, then one section per domain and entity."""
    heading = title or f"变更记录：{diff.old.ref} → {diff.new.ref}"
    out = [f"# {heading}", ""]
    for tag, info in (("旧", diff.old), ("新", diff.new)):
        desc = " ".join(x for x in (info.title, f"（{info.domain}）" if info.domain else None) if x)
        out.append(f"- {tag}：`{info.ref}` {desc}".rstrip())
    out += ["", "| 级别 | 含义 | 数量 |", "|---|---|---|"]
    for lv in ChangeLevel:
        out.append(
            f"| {lv.label}（{lv.value}） | {_LEVEL_MEANING[lv.value]} | {getattr(diff.summary, lv.value)} |"
        )
    if diff.summary.acknowledged:
        out.append(f"| 已确认 | 已复核，不再作为失败 | {diff.summary.acknowledged} |")
    if not diff.changes:
        out += ["", "两者没有差别。"]
    for dom, ents in _groups(diff):
        out += ["", f"## {_scope_name(dom)}"]
        for ent, changes in ents:
            shown = [c for c in changes if not _is_detail(c)]
            hidden = len(changes) - len(shown)
            if shown:
                out += ["", f"### {ent.label}", ""]
            for c in shown:
                ack = f"（已确认：{_md(c.acknowledgement or '')}）" if c.acknowledged else ""
                out.append(
                    f"- **{c.level.label}** {_md(c.message)}{ack} `{c.rule}` `{c.fingerprint}`"
                )
                if c.text_diff:
                    out.append(f"  - 文字对比：{_md(_one_line(c.text_diff))}")
            if hidden:
                out += ["", f"另有 {hidden} 处{ent.label}的出处（provenance）改变，未逐条列出。"]
    if diff.rename_suggestions:
        out += ["", "## 可能的改名（仅供参考，未作匹配）", ""]
        out += [f"- {_scope_name(s.domain)}：{_md(s.message)}" for s in diff.rename_suggestions]
    out += ["", "文字对比中 [-…-] 为删去的文字，{+…+} 为新增的文字。"]
    return "\n".join(out) + "\n"


def render_json(diff: Diff) -> str:
    return json.dumps(diff.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


# --------------------------------------------------------------------------- change logs

# File name → (old, new). The national 2024 → 2025 log, and national → each province.
CHANGELOGS: Mapping[str, tuple[str, str]] = {
    "national-2024-to-2025.md": ("national/2024", "national/2025"),
    "national-2025-to-shanxi.md": ("national/2025", "shanxi/2025"),
    "national-2025-to-xinjiang.md": ("national/2025", "xinjiang/2025"),
    "national-2025-to-tianjin.md": ("national/2025", "tianjin/2025"),
}
_CHANGELOG_HEADER = "<!-- 由 `python -m spotcheck_rules.diff --write-changelogs docs/changes` 生成，请勿手工修改。 -->\n\n"


def render_changelog(old: str, new: str) -> str:
    """One generated change log page (what docs/changes/ holds)."""
    diff = diff_rulesets(old, new, renames=True)
    return _CHANGELOG_HEADER + render_markdown(diff)


def _available(plan_id: str) -> bool:
    from .errors import UnknownRulesetError

    try:
        load_ruleset(plan_id)
    except UnknownRulesetError:
        return False
    return True


def changelog_pages() -> dict[str, str]:
    """Every change log whose two plans exist, by file name."""
    return {
        name: render_changelog(old, new)
        for name, (old, new) in CHANGELOGS.items()
        if _available(old) and _available(new)
    }


def write_changelogs(directory: str | os.PathLike[str]) -> list[Path]:
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in changelog_pages().items():
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def check_changelogs(directory: str | os.PathLike[str]) -> list[Path]:
    """Change logs in ``directory`` that are missing or differ from what would be generated."""
    target = Path(directory)
    return [
        target / name
        for name, text in changelog_pages().items()
        if not (target / name).is_file() or (target / name).read_text(encoding="utf-8") != text
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spotcheck_rules.diff")
    parser.add_argument("--write-changelogs", metavar="DIR", help="regenerate docs/changes/")
    parser.add_argument("--check-changelogs", metavar="DIR", help="exit 1 if a change log is stale")
    args = parser.parse_args(argv)
    if args.write_changelogs:
        for path in write_changelogs(args.write_changelogs):
            sys.stdout.write(f"wrote {path}\n")
        return 0
    if args.check_changelogs:
        stale = check_changelogs(args.check_changelogs)
        for path in stale:
            sys.stderr.write(f"stale: {path}\n")
        return 1 if stale else 0
    parser.error("give --write-changelogs DIR or --check-changelogs DIR")
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

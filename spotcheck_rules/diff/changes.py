"""The change model: levels, entities, the rules table, :class:`Change` and :class:`Diff`."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ConfigDict, Field, PrivateAttr

from ..core.codes import by_family
from ..core.errors import Problem, ProblemBase, Record, Report, Severity, UsageError, contract

SCHEMA_VERSION = 1


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
LEVEL_MEANING = {
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
    HANDLING = "handling"

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
    "handling": "处理规则",
}


@dataclass(frozen=True)
class Rule:
    """One kind of change: a stable kebab-case id, its default level, and what it means."""

    id: str
    level: ChangeLevel
    entity: Entity
    meaning: str


# The rules are catalogued with every other code (spotcheck_rules.core.codes, family "diff").
RULES: tuple[Rule, ...] = tuple(
    Rule(c.code, ChangeLevel(c.level), Entity(c.entity), c.title)
    for c in by_family("diff")
    if c.level is not None and c.entity is not None
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


Json = Any  # a JSON value: None, bool, int, str, list or dict of those


class Change(ProblemBase):
    """One change between two rulesets.

    A change is also a problem (:meth:`to_problem`): its rule id is the code, its level gives
    the severity (``breaking`` → error, ``dangerous`` → warning, ``additive`` and ``info`` →
    info; an acknowledged change is info), its pointer the new side's (else the old side's).
    """

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

    @property
    def code(self) -> str:
        return self.rule

    @property
    def severity(self) -> Severity:
        if self.acknowledged:
            return Severity.INFO
        return _SEVERITY[self.level.value]

    def to_problem(self) -> Problem:
        return Problem(
            self.rule,
            self.message,
            severity=self.severity,
            pointer=self.new_pointer or self.old_pointer or "",
            field=self.id,
        )

    def location(self) -> str:
        return f"{self.domain or 'plan'}#{self.id}"

    def format(self) -> str:
        """``domain#id: severity rule message [pointer]``."""
        p = self.to_problem()
        text = f"{self.location()}: {p.severity.value} {self.rule} {self.message}"
        return text + (f" [{p.pointer}]" if p.pointer else "")


_SEVERITY = {
    "breaking": Severity.ERROR,
    "dangerous": Severity.WARNING,
    "additive": Severity.INFO,
    "info": Severity.INFO,
}


class RenameSuggestion(Record):
    """A likely rename the rulesets do not declare: information for an author, never a match."""

    entity: Entity
    domain: str
    old_id: str
    new_id: str
    old_label: str
    new_label: str
    similarity: float = Field(ge=0, le=1)
    message: str


class SideInfo(Record):
    ref: str = Field(description="As given: plan id, file, or PLAN#DOMAIN")
    plan: str | None = Field(description="Plan id, or null for a checklist file")
    year: int | None
    title: str | None
    domain: str | None = Field(description="The single domain compared, if one was given")


class Summary(Record):
    breaking: int = 0
    dangerous: int = 0
    additive: int = 0
    info: int = 0
    acknowledged: int = 0


class Diff(Report):
    """The result of :func:`diff_rulesets`: ordered changes, plus information for authors.

    ``problems`` are the changes (each a :class:`ProblemBase`); ``ok`` means no unacknowledged
    breaking change. ``model_dump_json(indent=2)`` is ``spotcheck diff --format json``
    (``schemas/diff.schema.json``).
    """

    model_config = ConfigDict(
        json_schema_extra=contract("diff", "spotcheck_rules diff (changes between two rulesets)")
    )

    schema_version: Literal[1] = 1
    old: SideInfo
    new: SideInfo
    summary: Summary
    changes: tuple[Change, ...]
    rename_suggestions: tuple[RenameSuggestion, ...] = ()
    unused_acknowledgements: tuple[str, ...] = Field(
        default=(), description="Fingerprints in the acknowledgements file that match no change"
    )

    # the domains' official names: not in the published JSON (which names domains by id);
    # diff_rulesets sets them from the sides' domain catalogues
    _domain_labels: dict[str, str] = PrivateAttr(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        # the names are not part of the diff: one read back from its JSON equals it
        if not isinstance(other, Diff):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = Report.__hash__

    def named(self, labels: Mapping[str, str]) -> Diff:
        """This diff, knowing the official names of its domains (what renderers show)."""
        self._domain_labels = dict(labels)
        return self

    def domain_label(self, domain: str) -> str:
        """A domain's official name; for a diff read back from JSON, the name the bundled
        domains give it, else its id."""
        hit = self._domain_labels.get(domain)
        if hit is not None:
            return hit
        from ..ruleset.domains import bundled_catalogue

        return bundled_catalogue().label(domain)

    def __bool__(self) -> bool:
        return bool(self.changes)

    @property
    def problems(self) -> tuple[Change, ...]:
        """The changes (the name every report shares)."""
        return self.changes

    def summary_line(self) -> str:
        s = self.summary
        return (
            f"破坏性 {s.breaking} 项，需注意 {s.dangerous} 项，新增 {s.additive} 项，"
            f"提示 {s.info} 项（已确认 {s.acknowledged} 项）。"
        )

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


def diff_json_schema() -> dict[str, Any]:
    """JSON Schema of ``spotcheck diff --format json`` (and of :meth:`Diff.model_dump`)."""
    return Diff.model_json_schema(mode="serialization")

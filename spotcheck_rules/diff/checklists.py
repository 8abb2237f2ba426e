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

import difflib
import enum
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from pydantic import ConfigDict, Field, ValidationError

from ..core.atomic import write_atomic
from ..core.codes import by_family
from ..core.errors import (
    Problem,
    ProblemBase,
    Record,
    Report,
    RulesetError,
    Severity,
    UsageError,
    contract,
)
from ..core.text import normalize
from ..ruleset.documents import pointer_escape, read_yaml
from ..ruleset.loader import check_files, load_ruleset, load_ruleset_file
from ..ruleset.model import (
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
from ..ruleset.ruleset import DomainRules, Ruleset
from ..ruleset.views import ratio_text

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


class Acknowledgement(Record):
    """A reviewed change: it stays listed but no longer fails ``--fail-on``."""

    fingerprint: str = Field(pattern=r"^[0-9a-f]{12}$")
    reason: str = Field(min_length=1)
    rule: str | None = Field(default=None, description="For the reader of the file; not checked")


class _AckFile(Record):
    acknowledgements: tuple[Acknowledgement, ...]


def diff_json_schema() -> dict[str, Any]:
    """JSON Schema of ``spotcheck diff --format json`` (and of :meth:`Diff.model_dump`)."""
    return Diff.model_json_schema(mode="serialization")


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
        return _from_ruleset(text, load_ruleset_file(path), fragment)
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
    return ratio_text(st, remaining=False)


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
class _Scope:
    """Where changes are recorded: a domain (or the plan itself) with the pointer base of each side."""

    col: _Collector
    domain: Domain | None
    old_base: str
    new_base: str

    def add(self, rule: str, **kw: Any) -> None:
        self.col.add(rule, domain=self.domain, **kw)

    def ptr(self, side: str, *tokens: str | int) -> str:
        base = self.old_base if side == "old" else self.new_base
        return base + _ptr(*tokens)

    def cl_ptr(self, side: str, *tokens: str | int) -> str:
        return self.ptr(side, "checklist", *tokens)

    def label_of(self, key: str, eid: str) -> str:
        """The label of a checklist entity (``categories``, ``columns``) by id, new side first."""
        return eid

    def cat_label(self, cid: str) -> str:
        return self.label_of("categories", cid)

    def violation_column(self, side: str, eid: str) -> Column | None:
        """The violation_units column with this id on that side, if there is one."""
        return None

    def to_new(self, key: str, oid: str | None) -> str | None:
        """An old id of a checklist entity as the new side spells it (after ``renamed_from``)."""
        return oid


@dataclass
class _Pair(_Scope):
    """One domain compared: old and new rules."""

    domain: Domain
    old: DomainRules
    new: DomainRules
    _renamed: dict[str, dict[str, str]] = field(default_factory=dict)

    def label_of(self, key: str, eid: str) -> str:
        for rules in (self.new, self.old):
            for e in getattr(rules.checklist, key):
                if e.id == eid:
                    return str(e.label)
        return eid

    def violation_column(self, side: str, eid: str) -> Column | None:
        rules = self.old if side == "old" else self.new
        for c in rules.checklist.columns:
            if c.id == eid and c.kind is ColumnKind.VIOLATION_UNITS:
                return c
        return None

    def to_new(self, key: str, oid: str | None) -> str | None:
        if key not in self._renamed:
            old, new = getattr(self.old.checklist, key), getattr(self.new.checklist, key)
            self._renamed[key] = {o: n for n, o in _match(old, new).renamed.items()}
        return self._renamed[key].get(oid, oid) if oid else None


def _index(seq: Sequence[T]) -> dict[str, tuple[int, T]]:
    return {e.id: (n, e) for n, e in enumerate(seq)}


# --------------------------------------------------------------------------- fields


@dataclass(frozen=True)
class _Both:
    """One entity on both sides, as a field's message sees it."""

    p: _Scope
    o: Any
    n: Any
    what: str  # the kind's noun: 单位类别
    q: str  # how messages name the new entity: 「…」（id）
    old: Json  # the field's value on each side
    new: Json


def _differs(b: _Both) -> bool:
    return bool(b.old != b.new)


@dataclass(frozen=True)
class _Field:
    """One compared field of an entity: its rule, value, pointer, and the message when it changes."""

    rule: str
    value: Callable[[Any], Json]
    message: Callable[[_Both], str]
    at: tuple[str, ...] = ()  # pointer tokens below the entity; () points at the entity itself
    text: Callable[[_Both], tuple[str, str] | None] | None = None  # (old, new) to diff by character
    differs: Callable[[_Both], bool] = _differs
    entity: Entity | None = None  # only provenance, which every entity has, names its entity


def _text(get: Callable[[Any], str | None]) -> Callable[[_Both], tuple[str, str]]:
    return lambda b: (get(b.o) or "", get(b.n) or "")


def _compare(
    p: _Scope,
    fields: Iterable[_Field],
    o: Any,
    n: Any,
    *,
    id: str,
    order: int,
    at: Callable[[str, tuple[str, ...]], str],
    what: str = "",
    q: str = "",
) -> None:
    """Record every field that changed between ``o`` and ``n``, one entity on both sides."""
    for f in fields:
        b = _Both(p, o, n, what, q, f.value(o), f.value(n))
        if f.differs(b):
            p.add(
                f.rule,
                entity=f.entity,
                id=id,
                old_pointer=at("old", f.at),
                new_pointer=at("new", f.at),
                old=b.old,
                new=b.new,
                message=f.message(b),
                order=order,
                text=f.text(b) if f.text else None,
            )


def _plus_minus(old: Sequence[str], new: Sequence[str], plus: str, minus: str) -> str:
    added = [x for x in new if x not in old]
    dropped = [x for x in old if x not in new]
    bits = (f"{plus}{_join(added)}" if added else "", f"{minus}{_join(dropped)}" if dropped else "")
    return "；".join(x for x in bits if x)


def _aliases_message(b: _Both) -> str:
    detail = _plus_minus(b.old, b.new, "新增 ", "删去 ")
    return f"{b.what}{b.q}的别名改变：{detail}" if detail else f"{b.what}{b.q}的别名顺序改变"


def _aliases(rule: str) -> _Field:
    return _Field(rule, lambda e: list(e.aliases), _aliases_message, ("aliases",))


def _provenance_of(entity: Entity) -> _Field:
    return _Field(
        "provenance-changed",
        lambda e: _provenance(e.provenance),
        lambda b: f"{b.what}{b.q}的出处改变",
        ("provenance",),
        entity=entity,
    )


def _applicability_of(rule: str) -> _Field:
    return _Field(
        rule,
        lambda e: _applicability(e.applies_to),
        lambda b: (
            f"{b.what}{b.q}的适用范围由「{_applicability_text(b.old, b.p.cat_label)}」"
            f"改为「{_applicability_text(b.new, b.p.cat_label)}」"
        ),
    )


def _relabelled(rule: str, heading: str) -> _Field:
    return _Field(
        rule,
        lambda e: e.label,
        lambda b: f"{b.what} {b.n.id} {heading}改为「{b.new}」（原为「{b.old}」）",
        ("label",),
        text=_text(lambda e: e.label),
    )


# --------------------------------------------------------------------------- kinds of entity


def _same_position(pos: int, new_seq: Sequence[Any]) -> int:
    return pos


@dataclass(frozen=True)
class _Kind:
    """One kind of entity, as the generic diff sees it: what only this kind states."""

    entity: Entity
    rule: str  # the rules' prefix: category → category-added, category-removed, …
    what: str  # its Chinese noun, as messages name it
    path: tuple[str, ...]  # where its sequence stands below the scope's base
    essence: Callable[[Any], Json]  # the value an added or removed entity records
    added: Callable[[_Scope, int, Any], str]  # messages
    removed: Callable[[_Scope, int, Any], str]
    fields: tuple[_Field, ...]  # compared when an entity stands on both sides
    label: Callable[[Any], str] = lambda e: str(e.label)
    quote: Callable[[Any], str] | None = None  # how messages name one; default 「label」（id）
    # Keys of a sequence without ids (position, entity by key); None: by id, with renamed_from
    # and replaces honoured.
    keys: Callable[[Sequence[Any]], dict[str, tuple[int, Any]]] | None = None
    replaced: str | None = None  # the consequence of a replacement; None: nothing replaces one
    moves: bool = False  # whether a change of relative order is reported
    removed_order: Callable[[int, Sequence[Any]], int] = _same_position
    # Whether an id added to (removed from) a side is reported by another rule: the side lacking it.
    elsewhere: Callable[[_Scope, str, str], bool] | None = None

    def name(self, e: Any) -> str:
        return self.quote(e) if self.quote else _q(self.label(e), e.id)


def _one_sided(
    p: _Scope, rule: str, side: str, id: str, pointer: str, value: Json, message: str, order: int
) -> None:
    """An entity that stands on one side only: added (side "new") or removed (side "old")."""
    p.add(
        rule,
        id=id,
        old_pointer=pointer if side == "old" else None,
        new_pointer=pointer if side == "new" else None,
        old=value if side == "old" else None,
        new=value if side == "new" else None,
        message=message,
        order=order,
    )


def _diff_kind(p: _Scope, kind: _Kind, old_seq: Sequence[Any], new_seq: Sequence[Any]) -> None:
    """Added, removed, rekeyed, replaced, changed and moved entities of one kind."""
    if kind.keys is None:
        m = _match(old_seq, new_seq)
        old_idx, new_idx = _index(old_seq), _index(new_seq)
    else:
        old_idx, new_idx = kind.keys(old_seq), kind.keys(new_seq)
        m = _Matching(
            pairs=[(k, k) for k in new_idx if k in old_idx],
            renamed={},
            replaced={},
            removed=[k for k in old_idx if k not in new_idx],
            added=[k for k in new_idx if k not in old_idx],
        )

    def at(side: str, pos: int, *tokens: str | int) -> str:
        return p.ptr(side, *kind.path, pos, *tokens)

    for nid in m.added:
        pos, e = new_idx[nid]
        if kind.elsewhere is None or not kind.elsewhere(p, "old", nid):
            _one_sided(p, f"{kind.rule}-added", "new", nid, at("new", pos), kind.essence(e),
                       kind.added(p, pos, e), pos)  # fmt: skip
    for oid in m.removed:
        pos, e = old_idx[oid]
        if kind.elsewhere is None or not kind.elsewhere(p, "new", oid):
            _one_sided(p, f"{kind.rule}-removed", "old", oid, at("old", pos), kind.essence(e),
                       kind.removed(p, pos, e), kind.removed_order(pos, new_seq))  # fmt: skip
    for nid, oid in m.renamed.items():
        o_pos, n_pos = old_idx[oid][0], new_idx[nid][0]
        p.add(
            f"{kind.rule}-rekeyed",
            id=nid,
            old_pointer=at("old", o_pos, "id"),
            new_pointer=at("new", n_pos, "id"),
            old=oid,
            new=nid,
            message=f"{kind.what}「{kind.label(new_idx[nid][1])}」编号由 {oid} 改为 {nid}（renamed_from）",
            order=n_pos,
        )
    for oid, nids in m.replaced.items():
        o_pos, e = old_idx[oid]
        names = "".join(f"「{kind.label(new_idx[n][1])}」" for n in nids)
        p.add(
            f"{kind.rule}-replaced",
            id=oid,
            old_pointer=at("old", o_pos),
            new_pointer=None,
            old=oid,
            new=list(nids),
            message=f"{kind.what}{_q(kind.label(e), oid)}由{names}取代（replaces）{kind.replaced}",
            order=min(new_idx[n][0] for n in nids),
        )
    for oid, nid in m.pairs:
        (op, o), (np_, n) = old_idx[oid], new_idx[nid]

        def field_at(side: str, t: tuple[str, ...], op: int = op, np_: int = np_) -> str:
            return at(side, op if side == "old" else np_, *t)

        _compare(
            p, kind.fields, o, n, id=nid, order=np_, at=field_at, what=kind.what, q=kind.name(n)
        )
    if kind.moves:
        _moves(p, kind, old_seq, new_seq, m)


def _moves(
    p: _Scope, kind: _Kind, old_seq: Sequence[T], new_seq: Sequence[T], m: _Matching
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
        where_old = f"「{kind.label(old_seq[o_pos - 1])}」之后" if before_old else "最前"
        where_new = f"「{kind.label(new_seq[n_pos - 1])}」之后" if before_new else "最前"
        p.add(
            f"{kind.rule}-moved",
            id=nid,
            old_pointer=p.ptr("old", *kind.path, o_pos),
            new_pointer=p.ptr("new", *kind.path, n_pos),
            old={"after": before_old},
            new={"after": before_new},
            message=f"{kind.what}{_q(kind.label(ent), nid)}位置改变：原在{where_old}，现在{where_new}",
            order=n_pos,
        )


# --------------------------------------------------------------------------- per entity


def _category_essence(c: Category) -> Json:
    return {"label": c.label, "parent": c.parent}


def _category_added(p: _Scope, pos: int, c: Category) -> str:
    parent = f"，属于「{p.cat_label(c.parent)}」" if c.parent else ""
    return f"新增单位类别{_q(c.label, c.id)}{parent}：汇总表新增一行"


_CATEGORIES = _Kind(
    entity=Entity.CATEGORY,
    rule="category",
    what="单位类别",
    path=("checklist", "categories"),
    essence=_category_essence,
    added=_category_added,
    removed=lambda p, pos, c: f"删去单位类别{_q(c.label, c.id)}：汇总表不再有这一行",
    replaced="：原行不再出现，往年数据须按新类别拆分后才可比较",
    moves=True,
    fields=(
        _relabelled("category-relabelled", "名称"),
        _Field(
            "category-parent-changed",
            lambda c: c.parent,
            lambda b: (
                f"{b.what}{b.q}的上级行由 {b.old or '（无）'} 改为 {b.new or '（无）'}："
                "小计口径随之改变"
            ),
            differs=lambda b: b.p.to_new("categories", b.old) != b.new,
        ),
        _aliases("category-aliases-changed"),
        _provenance_of(Entity.CATEGORY),
    ),
)


def _item_essence(it: Item) -> Json:
    return {"number": it.number, "title": it.title, "text": it.text}


def _restrictions(it: Item) -> Json:
    return [r.model_dump(mode="json", exclude={"provenance"}) for r in it.restrictions]


def _points_message(b: _Both) -> str:
    detail = _plus_minus(b.old, b.new, "新增要点：", "删去要点：") or "要点顺序或拆分方式改变"
    return f"{b.what}{b.q}的要点改变：{detail}"


_ITEMS = _Kind(
    entity=Entity.ITEM,
    rule="item",
    what="检查内容",
    path=("checklist", "items"),
    essence=_item_essence,
    added=lambda p, pos, it: f"新增检查内容第 {it.number} 项{_q(it.title, it.id)}：{it.text}",
    removed=lambda p, pos, it: f"删去检查内容（原第 {it.number} 项）{_q(it.title, it.id)}",
    label=lambda it: str(it.title),
    quote=lambda it: f"第 {it.number} 项{_q(it.title, it.id)}",
    replaced="",
    fields=(
        _Field(
            "item-number-changed",
            lambda it: it.number,
            lambda b: f"{b.what}{_q(b.n.title, b.n.id)}序号由第 {b.old} 项改为第 {b.new} 项",
            ("number",),
        ),
        _Field(
            "item-title-changed",
            lambda it: it.title,
            lambda b: f"{b.what} {b.n.id} 简称改为「{b.new}」（原为「{b.old}」）",
            ("title",),
            text=_text(lambda it: it.title),
        ),
        _Field(
            "item-text-changed",
            lambda it: it.text,
            lambda b: f"{b.what}{b.q}原文改变",
            ("text",),
            text=_text(lambda it: it.text),
        ),
        _Field("item-points-changed", lambda it: list(it.points), _points_message, ("points",)),
        _Field(
            "item-optional-changed",
            lambda it: it.optional,
            lambda b: f"{b.what}{b.q}改为{'可合理缺项' if b.new else '不可缺项（必查）'}",
            ("optional",),
        ),
        _applicability_of("item-applicability-changed"),
        _Field(
            "item-restrictions-changed",
            _restrictions,
            lambda b: (
                f"{b.what}{b.q}对部分类别的限制由「{_join(r['text'] for r in b.old)}」"
                f"改为「{_join(r['text'] for r in b.new)}」"
            ),
        ),
        _aliases("item-aliases-changed"),
        _provenance_of(Entity.ITEM),
    ),
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


def _column_added(p: _Scope, pos: int, c: Column) -> str:
    group = f"（{' / '.join(c.groups)}）" if c.groups else ""
    return f"汇总表新增第 {pos + 1} 列{_q(c.label, c.id)}{group}"


def _both_violation(b: _Both) -> bool:
    # A kind change already says everything about item and disposition; do not repeat it.
    return bool(b.o.kind is b.n.kind is ColumnKind.VIOLATION_UNITS)


def _groups_text(groups: Sequence[str]) -> str:
    return " / ".join(groups) or "（无）"


_COLUMNS = _Kind(
    entity=Entity.COLUMN,
    rule="column",
    what="汇总表列",
    path=("checklist", "columns"),
    essence=_column_essence,
    added=_column_added,
    removed=lambda p, pos, c: (
        f"汇总表删去列{_q(c.label, c.id)}（原第 {pos + 1} 列）：读取该列的程序和表格须修改"
    ),
    replaced="：原列不再出现，往年数据须按新列拆分后才可比较",
    moves=True,
    fields=(
        _Field(
            "column-kind-changed",
            lambda c: c.kind.value,
            lambda b: (
                f"{b.what}{b.q}的计数方式由「{_KIND_LABELS[b.old]}」改为「{_KIND_LABELS[b.new]}」"
            ),
            ("kind",),
        ),
        _relabelled("column-relabelled", "表头"),
        _Field(
            "column-groups-changed",
            lambda c: list(c.groups),
            lambda b: (
                f"{b.what}{b.q}的表头分组由「{_groups_text(b.old)}」改为「{_groups_text(b.new)}」"
            ),
            ("groups",),
        ),
        _Field(
            "column-item-changed",
            lambda c: c.item,
            lambda b: f"{b.what}{b.q}改属检查内容 {b.new or '（无）'}（原属 {b.old or '（无）'}）",
            ("item",),
            differs=lambda b: _both_violation(b) and b.p.to_new("items", b.old) != b.new,
        ),
        _Field(
            "column-disposition-changed",
            lambda c: c.effective_disposition.value,
            lambda b: (
                f"{b.what}{b.q}的处理方式由「{_DISPOSITION_LABELS[b.old]}」"
                f"改为「{_DISPOSITION_LABELS[b.new]}」"
            ),
            ("disposition",),
            differs=lambda b: _both_violation(b) and b.old != b.new,
        ),
        _applicability_of("column-applicability-changed"),
        _Field(
            "column-source-label-changed",
            lambda c: c.source_label,
            lambda b: f"{b.what}{b.q}的来源表头原样文字改变",
            text=_text(lambda c: c.source_label),
        ),
        _aliases("column-aliases-changed"),
        _provenance_of(Entity.COLUMN),
    ),
)


def _code_essence(v: ViolationCode) -> Json:
    return {
        "label": v.label,
        "column": v.column,
        "item": v.item,
        "disposition": v.disposition.value if v.disposition else None,
    }


def _disposition_text(value: str | None) -> str:
    return _DISPOSITION_LABELS.get(value or "", "随列")


# Extra violation codes. A violation column is itself a code; its own changes are column rules,
# and a code id that is a violation column on the other side is reported by _diff_code_columns.
_CODES = _Kind(
    entity=Entity.VIOLATION,
    rule="code",
    what="违法违规代码",
    path=("checklist", "violations"),
    essence=_code_essence,
    added=lambda p, pos, v: (
        f"新增违法违规代码{_q(v.label, v.id)}，计入列「{p.label_of('columns', v.column)}」"
    ),
    removed=lambda p, pos, v: f"删去违法违规代码{_q(v.label, v.id)}（原计入列 {v.column}）",
    elsewhere=lambda p, side, vid: p.violation_column(side, vid) is not None,
    fields=(
        _Field(
            "code-column-changed",
            lambda v: v.column,
            lambda b: f"{b.what}{b.q}改计入列 {b.new}（原计入 {b.old}）：两列数字与往年不再可比",
            ("column",),
            differs=lambda b: b.p.to_new("columns", b.old) != b.new,
        ),
        _Field(
            "code-item-changed",
            lambda v: v.item,
            lambda b: (
                f"{b.what}{b.q}对应的检查内容由 {b.old or '（随列）'} 改为 {b.new or '（随列）'}"
            ),
            ("item",),
            differs=lambda b: b.p.to_new("items", b.old) != b.new,
        ),
        _Field(
            "code-disposition-changed",
            lambda v: v.disposition.value if v.disposition else None,
            lambda b: (
                f"{b.what}{b.q}的处理方式由「{_disposition_text(b.old)}」"
                f"改为「{_disposition_text(b.new)}」"
            ),
            ("disposition",),
        ),
        _relabelled("code-relabelled", "名称"),
        _aliases("code-aliases-changed"),
        _provenance_of(Entity.VIOLATION),
    ),
)


def _diff_code_columns(p: _Pair) -> None:
    """A code id that is a violation column on one side and an extra code on the other.

    It counted in column A and now counts in column B: year-on-year numbers of both columns stop
    being comparable.
    """
    old_ids = {v.id for v in p.old.checklist.violations}
    new_ids = {v.id for v in p.new.checklist.violations}
    for n_pos, v in enumerate(p.new.checklist.violations):
        if v.id not in old_ids and p.violation_column("old", v.id) is not None:
            p.add(
                "code-column-changed",
                id=v.id,
                old_pointer=p.cl_ptr("old", "columns", _pos(p.old, v.id)),
                new_pointer=p.cl_ptr("new", "violations", n_pos, "column"),
                old=v.id,
                new=v.column,
                message=f"违法违规代码{_q(v.label, v.id)}原为单独一列，现计入列 {v.column}："
                "两列数字与往年不再可比",
                order=n_pos,
            )
    for o_pos, v in enumerate(p.old.checklist.violations):
        nc = p.violation_column("new", v.id)
        if v.id not in new_ids and nc is not None:
            p.add(
                "code-column-changed",
                id=v.id,
                old_pointer=p.cl_ptr("old", "violations", o_pos, "column"),
                new_pointer=p.cl_ptr("new", "columns", _pos(p.new, v.id)),
                old=v.column,
                new=v.id,
                message=f"违法违规代码{_q(nc.label, v.id)}原计入列 {v.column}，现单独成列："
                "两列数字与往年不再可比",
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


def _stratum_name(p: _Scope, st: Stratum) -> str:
    cats = "、".join(p.cat_label(c) for c in st.categories)
    return f"{cats}（{st.id}，{TIER_LABELS[st.tier]}）"


def _ratio(rule: str, notation: bool) -> _Field:
    # `all: true` and `ratio: 100%` draw the same units; only the notation differs.
    def differs(b: _Both) -> bool:
        same_units = _effective_size(b.o) == _effective_size(b.n)
        return b.old != b.new and same_units is notation

    return _Field(
        rule,
        _size,
        lambda b: f"抽检比例：{_stratum_name(b.p, b.n)} {b.old} → {b.new}",
        differs=differs,
    )


_STRATA = _Kind(
    entity=Entity.STRATUM,
    rule="stratum",
    what="抽检层",
    path=("strata",),
    essence=_stratum_essence,
    added=lambda p, pos, st: (
        f"新增抽检对象：{_stratum_name(p, st)}，抽检 {_size(st)}"
        + ("（从上级未抽取的剩余单位中抽取）" if st.from_remaining else "")
    ),
    removed=lambda p, pos, st: f"删去抽检对象：{_stratum_name(p, st)}（原抽检 {_size(st)}）",
    quote=lambda st: f" {st.id} ",
    keys=_index,
    removed_order=lambda pos, new_seq: len(new_seq) + pos,
    fields=(
        _ratio("ratio-changed", notation=False),
        _ratio("ratio-notation-changed", notation=True),
        _Field(
            "stratum-tier-changed",
            lambda st: st.tier.value,
            lambda b: f"{b.what}{b.q}由{TIER_LABELS[b.o.tier]}改属{TIER_LABELS[b.n.tier]}",
            ("tier",),
        ),
        _Field(
            "stratum-categories-changed",
            lambda st: list(st.categories),
            lambda b: f"{b.what}{b.q}包含的单位类别由 {_join(b.old)} 改为 {_join(b.new)}",
            ("categories",),
        ),
        _Field(
            "stratum-remaining-changed",
            lambda st: st.from_remaining,
            lambda b: (
                f"{_stratum_name(b.p, b.n)}改为"
                + ("只从上级未抽取的剩余单位中抽取" if b.new else "不再限于上级未抽取的剩余单位")
            ),
            ("from_remaining",),
        ),
        _Field(
            "stratum-note-changed",
            lambda st: st.note,
            lambda b: f"{b.what}{b.q}的说明改变",
            text=_text(lambda st: st.note),
        ),
        _provenance_of(Entity.STRATUM),
    ),
)


def _diff_tiers(p: _Pair) -> None:
    """A tier of draws (国家双随机, 市级双随机…) that only one side has."""
    old_tiers = {s.tier for s in p.old.strata}
    new_tiers = {s.tier for s in p.new.strata}
    for side, strata, tiers, word in (
        ("new", p.new.strata, new_tiers - old_tiers, "新增一级抽查：{}（{} 个抽检层）"),
        ("old", p.old.strata, old_tiers - new_tiers, "删去一级抽查：{}（原 {} 个抽检层）"),
    ):
        for tier in tiers:
            ids = [s.id for s in strata if s.tier is tier]
            rule = "tier-added" if side == "new" else "tier-removed"
            message = word.format(TIER_LABELS[tier], len(ids))
            _one_sided(p, rule, side, tier.value, p.ptr(side, "strata"), ids, message, -1)


def _total_value(t: StatedTotal) -> str:
    return "全部" if t.all else (f"{(t.ratio * 100).normalize():f}%" if t.ratio is not None else "")


def _total_name(p: _Scope, t: StatedTotal) -> str:
    return "、".join(p.cat_label(c) for c in t.categories)


_STATED_TOTALS = _Kind(
    entity=Entity.STATED_TOTAL,
    rule="stated-total",
    what="计划所述合计比例",
    path=("stated_totals",),
    essence=_total_value,
    added=lambda p, pos, t: f"计划正文新增合计比例：{_total_name(p, t)} {_total_value(t)}",
    removed=lambda p, pos, t: f"计划正文不再写明合计比例：{_total_name(p, t)} {_total_value(t)}",
    quote=lambda t: "",
    keys=lambda seq: {"+".join(t.categories): (n, t) for n, t in enumerate(seq)},
    removed_order=lambda pos, new_seq: 1000 + pos,
    fields=(
        _Field(
            "stated-total-changed",
            _total_value,
            lambda b: f"计划正文所述合计比例：{_total_name(b.p, b.n)} {b.old} → {b.new}",
        ),
    ),
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


_TABLE_TITLES = (
    ("title", "汇总表标题"),
    ("plan_table_title", "工作计划表标题"),
    ("total_label", "合计行名称"),
)


def _checklist_field(key: str, name: str) -> _Field:
    return _Field(
        "table-title-changed",
        lambda cl: getattr(cl, key),
        lambda b: f"{name}改为「{b.new}」",
        (key,),
        text=_text(lambda cl: getattr(cl, key)),
    )


_CHECKLIST_VERSION = _Field(
    "checklist-version-changed",
    lambda cl: cl.id,
    lambda b: f"改用检查表 {b.new}（原为 {b.old}）",
)


def _diff_domain(p: _Pair) -> None:
    ocl, ncl = p.old.checklist, p.new.checklist

    def at(side: str, tokens: tuple[str, ...]) -> str:
        return p.cl_ptr(side, *tokens)

    _compare(p, (_CHECKLIST_VERSION,), ocl, ncl, id=p.domain.value, order=-2, at=at)
    for n, (key, name) in enumerate(_TABLE_TITLES):
        _compare(p, (_checklist_field(key, name),), ocl, ncl, id=key, order=n, at=at)
    fields = (_provenance_of(Entity.CHECKLIST),)
    _compare(p, fields, ocl, ncl, id="checklist", order=9, at=at, what="检查表")
    for kind in (_CATEGORIES, _ITEMS, _COLUMNS, _CODES):
        _diff_kind(p, kind, getattr(ocl, kind.path[1]), getattr(ncl, kind.path[1]))
    _diff_code_columns(p)
    _diff_tiers(p)
    _diff_kind(p, _STRATA, p.old.strata, p.new.strata)
    _diff_kind(p, _STATED_TOTALS, p.old.stated_totals, p.new.stated_totals)
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


def _deadline_message(b: _Both) -> str:
    o, d = b.o, b.n
    bits = []
    if o.due != d.due:
        bits.append(f"{o.due.isoformat()} → {d.due.isoformat()}")
    if o.recipient != d.recipient:
        bits.append(f"报送对象 {o.recipient or '（未写明）'} → {d.recipient or '（未写明）'}")
    if o.text != d.text and not bits:
        bits.append("原文措辞改变")
    return f"报送时限（{_DEADLINE_LABELS[d.kind.value]}）：" + "；".join(bits)


_DEADLINES = _Kind(
    entity=Entity.DEADLINE,
    rule="deadline",
    what="报送时限",
    path=("deadlines",),
    essence=_deadline_value,
    added=lambda p, pos, d: (
        f"新增报送时限：{_DEADLINE_LABELS[d.kind.value]} {d.due.isoformat()} 前"
    ),
    removed=lambda p, pos, d: (
        f"不再规定报送时限：{_DEADLINE_LABELS[d.kind.value]}（原为 {d.due.isoformat()} 前）"
    ),
    quote=lambda d: "",
    keys=_deadline_keys,
    removed_order=lambda pos, new_seq: 100 + pos,
    fields=(
        _Field(
            "deadline-changed",
            _deadline_value,
            _deadline_message,
            text=lambda b: (b.o.text, b.n.text) if b.o.text != b.n.text else None,
        ),
    ),
)


def _lookback_value(lb: LookBack) -> Json:
    return {"penalized_in": lb.penalized_in, "campaigns": list(lb.campaigns), "text": lb.text}


# Look-backs carry no id; they are matched by position, which is stable because a plan states at
# most a handful and in document order.
_LOOKBACKS = _Kind(
    entity=Entity.LOOKBACK,
    rule="lookback",
    what="回头看",
    path=("lookback",),
    essence=_lookback_value,
    added=lambda p, pos, lb: f"新增“回头看”：{lb.penalized_in} 年受处罚单位",
    removed=lambda p, pos, lb: f"不再开展“回头看”（原为对 {lb.penalized_in} 年受处罚单位）",
    quote=lambda lb: "",
    keys=lambda seq: {str(n + 1): (n, lb) for n, lb in enumerate(seq)},
    fields=(
        _Field(
            "lookback-changed",
            _lookback_value,
            lambda b: f"“回头看”由对 {b.o.penalized_in} 年改为对 {b.n.penalized_in} 年受处罚单位",
            text=_text(lambda lb: lb.text),
        ),
    ),
)


def _rounding(plan: Plan) -> Json:
    r = plan.rounding
    return r.model_dump(mode="json", exclude={"provenance"}) if r else None


# Each a field of the plan whose id is its key.
_PLAN_FIELDS = (
    _Field(
        "plan-title-changed",
        lambda pl: pl.title,
        lambda b: f"计划标题改为「{b.new}」",
        ("title",),
        text=_text(lambda pl: pl.title),
    ),
    _Field(
        "jurisdiction-changed",
        lambda pl: pl.jurisdiction.model_dump(mode="json"),
        lambda b: f"适用辖区由「{b.o.jurisdiction.name}」改为「{b.n.jurisdiction.name}」",
        ("jurisdiction",),
    ),
    _Field(
        "plan-notes-changed",
        lambda pl: list(pl.notes),
        lambda b: "计划附注改变",
        ("notes",),
        text=_text(lambda pl: "\n".join(pl.notes)),
    ),
    # The merge puts a child's own sources first; the order carries no meaning.
    _Field(
        "plan-sources-changed",
        lambda pl: sorted(pl.sources),
        lambda b: "来源文件改变：" + _plus_minus(b.o.sources, b.n.sources, "新增 ", "删去 "),
        ("sources",),
    ),
    _Field(
        "rounding-changed",
        _rounding,
        lambda b: f"取整规则由 {b.old} 改为 {b.new}：抽取家数随之改变",
        ("rounding",),
    ),
)


def _diff_plan(col: _Collector, old: Plan, new: Plan) -> None:
    p = _Scope(col, None, "", "")
    for f in _PLAN_FIELDS:
        _compare(p, (f,), old, new, id=f.at[0], order=0, at=lambda side, t: _ptr(*t))
    _diff_kind(p, _DEADLINES, old.deadlines or (), new.deadlines or ())
    _diff_kind(p, _LOOKBACKS, old.lookback or (), new.lookback or ())


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
                col=col,
                domain=dom,
                old_base=_domain_base(orules.domain),
                new_base=_domain_base(nrules.domain),
                old=orules,
                new=nrules,
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
            from ..core.text import closest

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
    return diff.model_dump_json(indent=2) + "\n"


# --------------------------------------------------------------------------- change logs

# File name → (old, new). The national 2024 → 2025 log, and national → each province.
CHANGELOGS: Mapping[str, tuple[str, str]] = {
    "national-2024-to-2025.md": ("national/2024", "national/2025"),
    "national-2025-to-shanxi.md": ("national/2025", "shanxi/2025"),
    "national-2025-to-xinjiang.md": ("national/2025", "xinjiang/2025"),
    "national-2025-to-tianjin.md": ("national/2025", "tianjin/2025"),
}
_CHANGELOG_HEADER = "<!-- 由 `python -m spotcheck_rules.diff.changelogs --write docs/changes` 生成，请勿手工修改。 -->\n\n"


def render_changelog(old: str, new: str) -> str:
    """One generated change log page (what docs/changes/ holds)."""
    diff = diff_rulesets(old, new, renames=True)
    return _CHANGELOG_HEADER + render_markdown(diff)


def _available(plan_id: str) -> bool:
    from ..core.errors import UnknownRulesetError

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
        write_atomic(path, text.encode("utf-8"))
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

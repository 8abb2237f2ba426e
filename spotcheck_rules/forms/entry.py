"""The columns of a domain's entry workbook: what staff key in, derived from the ruleset.

:func:`entry_columns` lists them in order — the unit (统一社会信用代码, 单位名称, 监督领域, 单位类别,
所有制 where the domain has an ownership rule, 行政区划, 检查日期, 层级), one 是/否 column per 合理缺项
item, one 是/否 column per violation, then the penalty (查处案件数, 罚没款（元）, 吊销), the
dispositions (移交, 监督意见书) and, where the plan checks 重大案件, the harm (死亡人数 … 社会影响,
each naming the criterion of the spec that reads it). Each column knows its header (the vocabulary's, so the readers
read it back: :mod:`spotcheck_rules.findings.spellings`), its choices, what it means and where that
comes from, and how a finding fills it (:meth:`EntryColumn.cell`, for tests and pre-filled sheets).

May import: ``findings``, ``ruleset``, ``core``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..findings.models import ACCIDENT_GRADES
from ..findings.spellings import vocabulary
from ..ruleset.model import TIER_LABELS, ColumnKind, Provenance
from ..ruleset.ruleset import DomainRules, Ruleset

__all__ = [
    "EntryColumn",
    "Kind",
    "entry_columns",
    "ownership_choices",
    "provenance_text",
    "uses_ownership",
]

Kind = Literal["text", "choice", "yesno", "date", "count", "amount", "region", "list"]
_CONTRACT = "检查结果契约（docs/findings.md）"


@dataclass(frozen=True)
class EntryColumn:
    """One column of the entry sheet.

    ``field`` is the findings field it fills (``penalty.cases``) — for a 是/否 column, the list
    (``violations``, ``not_applicable``) and ``ref`` the entry it adds (a violation id)."""

    header: str
    field: str
    kind: Kind
    meaning: str
    source: str
    choices: tuple[str, ...] = ()
    ref: str | None = None
    width: float = 14

    def cell(self, finding: Mapping[str, Any], rules: DomainRules) -> Any:
        """The value of this column for ``finding`` (a dict in the contract's shape)."""
        if "." in self.field:
            top, sub = self.field.split(".", 1)
            value = (finding.get(top) or {}).get(sub)
        else:
            value = finding.get(self.field)
        if self.kind == "yesno" and self.ref is not None:
            refs = finding.get(self.field) or ()
            index = rules.codes if self.field == "violations" else rules.items
            hit = any(_id(index, r) == self.ref for r in refs)
            return "是" if hit else None
        if self.kind == "yesno":
            return None if value is None else ("是" if value else "否")
        if self.field == "tests":  # lab-test results: 项目=合格; 项目=不合格
            results = value or {}
            return "; ".join(f"{k}={'合格' if v else '不合格'}" for k, v in results.items()) or None
        if self.kind == "list":
            return ";".join(value) if value else None
        return value


def _id(index: Any, ref: str) -> str | None:
    hit = index.get(ref)
    return None if hit is None else str(hit.id)


def provenance_text(prov: Provenance | None, ruleset: Ruleset) -> str:
    """Where an entity comes from, for people: the cited places, or 推断 and the reason."""
    if prov is None:
        return ""
    if prov.inferred:
        return f"推断：{prov.inferred}"
    return "；".join(str(c) for c in prov.cites)


def _ownerships_used(rules: DomainRules) -> list[str]:
    cl = rules.checklist
    rules_ = [it.applies_to for it in cl.items] + [col.applies_to for col in cl.columns]
    used = {a.ownership for a in rules_ if a is not None and a.ownership is not None}
    return [v.id for v in rules.spec.ownership if v.id in used]


def uses_ownership(rules: DomainRules) -> bool:
    """Whether anything in the domain depends on the unit's ownership (公立/非公立)."""
    return bool(_ownerships_used(rules))


def ownership_choices(rules: DomainRules) -> tuple[str, ...]:
    """The words a form offers for ownership: each of the domain's ownerships by its name."""
    return tuple(v.labels[0] for v in rules.spec.ownership)


def entry_columns(ruleset: Ruleset, domain: str, regions: Sequence[str] = ()) -> list[EntryColumn]:
    """The columns of the entry sheet for one domain of the plan, in order; ``regions`` (the
    行政区划 codes of the units to inspect, e.g. a roster's) become the 行政区划 drop-down."""
    rules = ruleset.domain(domain)
    cl = rules.checklist
    vocab = vocabulary()

    def head(field: str) -> str:
        return vocab.header_of(field)

    leaves = tuple(c.label for c in cl.categories if rules.is_leaf(c.id))
    tiers = tuple(dict.fromkeys(TIER_LABELS[s.tier] for s in rules.strata))
    cols = [
        EntryColumn(
            head("unit_id"),
            "unit_id",
            "text",
            "被检查单位的唯一编号（统一社会信用代码为宜）；必填",
            _CONTRACT,
            width=22,
        ),
        EntryColumn(head("unit_name"), "unit_name", "text", "被检查单位名称", _CONTRACT, width=26),
        EntryColumn(
            head("domain"), "domain", "choice", "监督领域；必填", _CONTRACT, (rules.label,)
        ),
        EntryColumn(
            head("category"),
            "category",
            "choice",
            "汇总表中的单位类别（末级行）；必填",
            provenance_text(cl.provenance, ruleset),
            leaves,
            width=26,
        ),
    ]
    if uses_ownership(rules):
        cols.append(
            EntryColumn(
                head("ownership"),
                "ownership",
                "choice",
                "所有制：部分检查内容仅适用于"
                + "、".join(map(rules.ownership.units, _ownerships_used(rules))),
                _CONTRACT,
                ownership_choices(rules),
            )
        )
    cols += [
        EntryColumn(
            head("region"),
            "region",
            "region",
            "6位行政区划代码" + ("（从下拉列表选择：名单中各单位所在的区县）" if regions else ""),
            _CONTRACT,
            tuple(dict.fromkeys(regions)),
        ),
        EntryColumn(
            head("inspected_on"), "inspected_on", "date", f"检查日期（{ruleset.year}年）", _CONTRACT
        ),
    ]
    if tiers:
        cols.append(
            EntryColumn(head("tier"), "tier", "choice", "抽取该单位的层级", _CONTRACT, tiers)
        )

    def flag(target: str, label: str, meaning: str, prov: Provenance | None, ref: str) -> None:
        """A 是/否 column adding ``ref`` to the list ``target`` (its header names ``label``)."""
        header = vocab.flag_header(target, label)
        source = provenance_text(prov, ruleset)
        cols.append(EntryColumn(header, target, "yesno", meaning, source, ("是", "否"), ref, 12))

    for it in cl.items:
        if it.optional:
            meaning = f"检查内容{it.number}“{it.title}”合理缺项时填“是”"
            flag("not_applicable", it.title, meaning, it.provenance, it.id)
    coded = {v.column for v in cl.violations}
    for col in cl.columns:
        if col.kind is not ColumnKind.VIOLATION_UNITS:
            continue
        item = rules.items.get(col.item) if col.item else None
        where = f"（检查内容{item.number} {item.title}）" if item is not None else ""
        if col.id in coded:
            for v in cl.violations:
                if v.column == col.id:
                    meaning = f"发现该违法行为时填“是”{where}；计入汇总表列“{col.label}”"
                    flag("violations", v.label, meaning, v.provenance, v.id)
            continue
        meaning = f"该项不符合要求时填“是”{where}；计入汇总表同名列"
        flag("violations", col.label, meaning, col.provenance, col.id)
    revocations = tuple(c.label for c in cl.columns if c.kind is ColumnKind.REVOKED_UNITS)
    cols += [
        EntryColumn(
            head("penalty.cases"), "penalty.cases", "count", "查处案件数（非负整数）", _CONTRACT
        ),
        EntryColumn(
            head("penalty.fine_yuan"),
            "penalty.fine_yuan",
            "amount",
            "罚没款，单位：元，最多两位小数",
            _CONTRACT,
        ),
    ]
    if revocations:
        cols.append(
            EntryColumn(
                head("penalty.revoked"),
                "penalty.revoked",
                "list",
                "吊销的项目，多项以“;”分隔：" + "、".join(revocations),
                _CONTRACT,
                revocations,
                width=20,
            )
        )
    cols += [
        EntryColumn(
            head("referred"),
            "referred",
            "yesno",
            "涉嫌犯罪移交司法机关时填“是”",
            _CONTRACT,
            ("是", "否"),
        ),
        EntryColumn(
            head("opinion_issued"),
            "opinion_issued",
            "yesno",
            "下达监督意见书时填“是”",
            _CONTRACT,
            ("是", "否"),
        ),
    ]
    cols += _harm_columns(ruleset, rules.domain, head)
    if cl.tests:
        names = "；".join(f"{t.number}. {t.text}" for t in cl.tests)
        cols.append(
            EntryColumn(
                head("tests"),
                "tests",
                "text",
                "检测结果，每项写“检测项目=合格”或“=不合格”，多项以“;”分隔（未检测的不写）："
                + names,
                provenance_text(cl.provenance, ruleset),
                width=30,
            )
        )
    # only the fields the domain declares (domains.yaml ``fields``; ownership where it has one)
    return [c for c in cols if c.field in _REQUIRED or rules.spec.applies(c.field.split(".")[0])]


_REQUIRED = frozenset({"unit_id", "domain", "category"})


# The harm fields of a finding, with the kind of cell each takes (the contract's, docs/findings.md).
# The flags' meaning is the criterion itself, quoted from the spec in the column's source: no
# paraphrase of 第三十四条 is written here.
_CASE = "属于“来源”所引情形时填“是”"
_HARM: tuple[tuple[str, Kind, str], ...] = (
    ("harm.deaths", "count", "死亡人数（非负整数）"),
    ("harm.injured", "count", "人身损害人数（非负整数）"),
    ("harm.accident_grade", "choice", "医疗事故等级"),
    ("harm.property_loss_yuan", "amount", "财产损失，单位：元"),
    ("harm.property_loss_serious", "yesno", _CASE),
    ("harm.group_health_risk", "yesno", _CASE),
    ("harm.social_impact", "yesno", _CASE),
)


def _harm_columns(ruleset: Ruleset, domain: str, head: Any) -> list[EntryColumn]:
    """The harm columns, where the plan checks major cases in this domain (a ``major_case``
    handling rule and the criteria of a spec): each says which criterion reads it, from the
    spec's own text, so staff see why it is asked."""
    handling = ruleset.handling(domain)
    spec = handling.criteria_spec
    if handling.major_case is None or spec is None or spec.major_cases is None:
        return []
    out = []
    for field, kind, meaning in _HARM:
        name = field.split(".", 1)[1]
        why = [c for c in handling.criteria if any(t.field == name for t in c.tests)]
        source = (
            "；".join(f"《{spec.title}》{spec.major_cases.article}{c.ref}{c.text}" for c in why)
            or _CONTRACT
        )
        choices: tuple[str, ...] = tuple(ACCIDENT_GRADES) if kind == "choice" else ()
        if kind == "yesno":
            choices = ("是", "否")
        out.append(EntryColumn(head(field), field, kind, meaning, source, choices, width=12))
    return out

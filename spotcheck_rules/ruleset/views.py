"""Ways to show a resolved plan: a JSON contract, a terminal summary, a printable checklist.

``plan_json`` is a contract other tools rely on (documented in docs/cli.md): keys are only ever
added, never renamed or removed, within a major version.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from .model import (
    TIER_LABELS,
    Checklist,
    Column,
    ColumnKind,
    Deadline,
    Item,
    LabTest,
    LookBack,
    Stratum,
    Wording,
)
from .ruleset import DomainRules, Ruleset

__all__ = [
    "body_texts",
    "describe",
    "handling_rules",
    "item_methods",
    "lookback_line",
    "plan_json",
    "plan_markdown",
    "plan_text",
    "ratio_text",
]


def ratio_text(stratum: Stratum, *, remaining: bool = True) -> str:
    """How the source would print a stratum's size: 12%, 全部, 2 家, 10%，且每个区县 2 家.

    ``remaining=False`` leaves out the "drawn from what earlier tiers left" remark.
    """
    parts = []
    if stratum.all:
        parts.append("全部")
    elif stratum.ratio is not None:
        parts.append(f"{(stratum.ratio * 100).normalize():f}%")
    elif stratum.count is not None:
        parts.append(f"{stratum.count} 家")
    if stratum.per_district is not None:
        parts.append(f"每个区县 {stratum.per_district} 家")
    text = "，且".join(parts)
    if remaining and stratum.from_remaining:
        text += "（从前级未抽取的单位中）"
    return text


def _ratio_number(value: Decimal | None) -> float | None:
    # float repr is the shortest string that round-trips, so 0.12 prints as 0.12.
    return None if value is None else float(value)


def _stratum_json(st: Stratum) -> dict[str, Any]:
    return {
        "id": st.id,
        "tier": st.tier.value,
        "categories": list(st.categories),
        "label": st.label,
        "ratio": 1.0 if st.all else _ratio_number(st.ratio),
        "all": st.all,
        "count": st.count,
        "per_district": st.per_district,
        "from_remaining": st.from_remaining,
        "inferred": st.provenance.inferred,
    }


def _stratum_name(rules: DomainRules, st: Stratum) -> str:
    """The 监督检查对象 of a stratum: the plan table's own name (with the rows it covers), else
    the rows' labels."""
    cats = "、".join(rules.categories[c].label for c in st.categories)
    return f"{st.label}〔{cats}〕" if st.label and st.label != cats else cats


def body_texts(ruleset: Ruleset, rules: DomainRules) -> tuple[Wording, ...]:
    """The plan's body text (正文) on a domain that words no single item (``PlanDomain.body``)."""
    entry = (ruleset.plan.domains or {}).get(rules.domain)
    return (entry.body or ()) if entry is not None else ()


def _wording_json(w: Wording) -> dict[str, Any]:
    return {
        "text": w.text,
        "cites": [str(c) for c in w.provenance.cites],
        "note": w.provenance.note,
        "inferred": w.provenance.inferred,
    }


def _deadline_json(d: Deadline) -> dict[str, Any]:
    return {
        "kind": d.kind.value,
        "due": d.due.isoformat(),
        "text": d.text,
        "recipient": d.recipient,
        "data_of_record": _wording_json(d.data_of_record) if d.data_of_record else None,
    }


def _lookback_json(lb: LookBack) -> dict[str, Any]:
    return {
        "penalized_in": lb.penalized_in,
        "campaigns": list(lb.campaigns),
        "subjects": list(lb.subjects),
        "focus": lb.focus,
        "text": lb.text,
    }


def lookback_line(lb: LookBack) -> str:
    """One look-back as the terminal shows it: the year, who, how many campaigns."""
    campaigns = f"，{len(lb.campaigns)} 项专项" if lb.campaigns else ""
    return f"{lb.penalized_in} 年受到行政处罚的{'和'.join(lb.subjects)}{campaigns}"


def _cites(w: Wording) -> str:
    return "、".join(str(c) for c in w.provenance.cites) or "推断"


def _column_json(col: Column) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": col.id,
        "label": col.label,
        "groups": list(col.groups),
        "kind": col.kind.value,
    }
    if col.tests:  # keys only where set: plans without lab tests show exactly what they did
        out["tests"] = list(col.tests)
    if col.ratio is not None:
        out["ratio"] = col.ratio.model_dump(mode="json", exclude={"provenance"})
    return out


def _tests_json(cl: Checklist) -> dict[str, Any]:
    """The checklist's 检测项目 and footnotes, for ``show --format json`` (only when it has any)."""
    out: dict[str, Any] = {}
    if cl.tests:
        out["tests"] = [
            {
                "id": t.id,
                "number": t.number,
                "text": t.text,
                "item": t.item,
                "standards": [{"code": s.code, "title": s.title} for s in t.standards],
            }
            for t in cl.tests
        ]
    if cl.footnotes:
        out["footnotes"] = [{"marker": f.marker, "text": f.text} for f in cl.footnotes]
    return out


def _standards_text(test: LabTest) -> str:
    if not test.standards:
        return ""
    named = "、".join(f"《{s.title}》({s.code})" if s.title else s.code for s in test.standards)
    return f"（依据{named}）"


def _ratio_line(col: Column) -> str:
    r = col.ratio
    if r is None:
        return ""
    how = {"half_up": "四舍五入", "half_even": "四舍六入五成双", "down": "舍去"}[r.rounding]
    unit = "百分比" if r.percent else "比值"
    return f" = {r.numerator} / {r.denominator}，{unit}保留 {r.places} 位小数，{how}"


def item_methods(ruleset: Ruleset, rules: DomainRules, item: Item) -> list[dict[str, Any]]:
    """The spec's 检查方法 linked to an item, each resolved to its text and place; a link that
    says no method applies has ``area`` None. What ``show`` prints under each item."""
    spec = ruleset.specs.get(rules.checklist.spec or "")
    out: list[dict[str, Any]] = []
    for link in item.methods:
        reason = link.provenance.inferred
        area = spec.area(link.area) if spec is not None and link.area is not None else None
        if spec is None or area is None:
            out.append({"area": None, "spec": rules.checklist.spec, "inferred": reason})
            continue
        for ref in link.clauses:
            clause = spec.method(area.id, ref)
            out.append(
                {
                    "area": area.id,
                    "area_title": area.title,
                    "spec": spec.id,
                    "article": area.methods.article,
                    "clause": ref,
                    "text": clause.text if clause is not None else None,
                    "cite": str(spec.cite(area.methods.article, ref)),
                    "inferred": reason,
                }
            )
    return out


def handling_rules(ruleset: Ruleset, rules: DomainRules) -> list[dict[str, Any]]:
    """The plan's handling rules for a domain (:meth:`Ruleset.handling`), each with its
    provenance; ``inferred`` is the reason where the jurisdiction's own source does not state
    it. What ``show`` prints under each domain."""
    h = ruleset.handling(rules.domain)
    out: list[dict[str, Any]] = []
    for r in h.rules:
        out.append(
            {
                "kind": r.kind.value,
                "text": r.text,
                "condition": r.condition,
                "action": r.action,
                "recipients": list(r.recipients),
                "cites": [str(c) for c in r.provenance.cites],
                "note": r.provenance.note,
                "inferred": r.provenance.inferred,
            }
        )
    return out


def _major_case_json(ruleset: Ruleset, rules: DomainRules) -> dict[str, Any] | None:
    h = ruleset.handling(rules.domain)
    if h.criteria_spec is None or not h.criteria:
        return None
    basis = h.criteria_basis
    return {
        "spec": h.criteria_spec.id,
        "criteria": [
            {"id": c.id, "text": c.text, "cite": str(h.criterion_cite(c))} for c in h.criteria
        ],
        "cites": [str(c) for c in basis.cites] if basis else [],
        "inferred": basis.inferred if basis else None,
    }


def _handling_line(r: dict[str, Any]) -> str:
    mark = "〔推断〕" if r["inferred"] else ""
    where = "、".join(r["cites"]) or "推断"
    to = f" → {'、'.join(r['recipients'])}" if r["recipients"] else ""
    return f"{mark}[{r['kind']}]{to}：{r['text']}（{where}）"


def _inferred_line(r: dict[str, Any]) -> list[str]:
    return [f"推断理由：{r['inferred']}"] if r["inferred"] else []


def _method_line(m: dict[str, Any]) -> str:
    mark = "〔推断〕" if m["inferred"] else ""
    if m["area"] is None:
        return f"{mark}无对应检查方法（{m['spec']}）：{m['inferred']}"
    return f"{mark}{m['area_title']} {m['article']}{m['clause']}{m['text']}"


def _domain_json(ruleset: Ruleset, rules: DomainRules) -> dict[str, Any]:
    cl = rules.checklist
    return {
        "id": rules.domain,
        "label": rules.label,
        "title": cl.title,
        "checklist": cl.id,
        "categories": [{"id": c.id, "label": c.label, "parent": c.parent} for c in cl.categories],
        "items": [
            {
                "id": i.id,
                "number": i.number,
                "title": i.title,
                "text": rules.item_text(i.id),
                "methods": item_methods(ruleset, rules, i),
            }
            for i in cl.items
        ],
        **_tests_json(cl),
        "columns": [_column_json(c) for c in cl.columns],
        "strata": [_stratum_json(s) for s in rules.strata],
        "body": [_wording_json(w) for w in body_texts(ruleset, rules)],
        "handling": handling_rules(ruleset, rules),
        "major_cases": _major_case_json(ruleset, rules),
    }


def plan_json(ruleset: Ruleset, domain: str | None = None) -> dict[str, Any]:
    """The ``show --format json`` contract."""
    domains = [ruleset.domain(domain)] if domain else list(ruleset.domains.values())
    plan = ruleset.plan
    return {
        "id": ruleset.id,
        "year": ruleset.year,
        "title": ruleset.title,
        "jurisdiction": plan.jurisdiction.model_dump(mode="json"),
        "extends": plan.extends,
        "digest": ruleset.digest(),
        "sources": {k: v.model_dump(mode="json") for k, v in ruleset.sources.items()},
        "rounding": plan.rounding.model_dump(mode="json") if plan.rounding else None,
        "deadlines": [_deadline_json(d) for d in ruleset.deadlines],
        "lookback": [_lookback_json(lb) for lb in ruleset.lookback],
        "domains": [_domain_json(ruleset, d) for d in domains],
    }


def describe(ruleset: Ruleset, domain: str | None = None) -> dict[str, Any]:
    """A plan as plain JSON data: exactly what ``spotcheck show PLAN --format json`` prints
    (documented in docs/cli.md); ``domain`` (an id or label) keeps only that domain.

    A fresh structure on every call: the caller may change it freely."""
    return plan_json(ruleset, domain)


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _applies_text(rules: DomainRules, column: Column) -> str:
    rows = [
        c.label
        for c in rules.checklist.categories
        if rules.is_leaf(c.id) and rules.column_applies(column.id, c.id)
    ]
    leaves = [c for c in rules.checklist.categories if rules.is_leaf(c.id)]
    text = "全部类别" if len(rows) == len(leaves) else "、".join(rows)
    if column.applies_to is not None and column.applies_to.ownership is not None:
        text += f"（仅{rules.ownership.units(column.applies_to.ownership)}）"
    return text


def plan_text(ruleset: Ruleset, domain: str | None = None) -> str:
    """A terminal summary: domains, strata, items and the table's columns."""
    lines = [f"{ruleset.title}（{ruleset.id}）", f"辖区：{ruleset.jurisdiction.name}"]
    if ruleset.plan.extends:
        lines.append(f"继承：{ruleset.plan.extends}")
    for d in ruleset.deadlines:
        lines.append(f"时限：{d.due.isoformat()} {d.kind.value} — {d.text}")
        if d.data_of_record is not None:
            lines.append(f"  数据口径：{d.data_of_record.text}〔{_cites(d.data_of_record)}〕")
    for lb in ruleset.lookback:
        lines.append(f"回头看：{lookback_line(lb)} — {lb.text}")
    domains = [ruleset.domain(domain)] if domain else list(ruleset.domains.values())
    for rules in domains:
        cl = rules.checklist
        lines += ["", f"【{rules.label}】{rules.domain}  {cl.plan_table_title}"]
        for st in rules.strata:
            lines.append(
                f"  抽检 {TIER_LABELS[st.tier]} {_stratum_name(rules, st)}：{ratio_text(st)}"
            )
        body = body_texts(ruleset, rules)
        if body:
            lines.append("  计划正文：")
            lines += [f"    {w.text}〔{_cites(w)}〕" for w in body]
        lines.append("  检查内容：")
        for it in cl.items:
            lines.append(f"    {it.number}. {it.title}")
            lines += [f"       ↳ {_method_line(m)}" for m in item_methods(ruleset, rules, it)]
        handling = handling_rules(ruleset, rules)
        if handling:
            lines.append("  处理规则：")
            for r in handling:
                lines.append(f"    {_handling_line(r)}")
                lines += [f"       ↳ {x}" for x in _inferred_line(r)]
            major = _major_case_json(ruleset, rules)
            if major is not None:
                mark = "〔推断〕" if major["inferred"] else ""
                where = "、".join(major["cites"])
                lines.append(
                    f"    重大案件认定：{mark}{major['spec']}（{where}），{len(major['criteria'])} 项标准"
                )
        if cl.tests:
            lines.append("  检测项目：")
            for t in cl.tests:
                lines.append(f"    {t.number}. {t.text}{_standards_text(t)}  [{t.id}]")
        if cl.footnotes:
            lines.append("  注：")
            lines += [f"    {f.marker}. {f.text}" for f in cl.footnotes]
        lines.append(f"  汇总表：{cl.title}（{len(cl.columns)} 列）")
        for i, col in enumerate(cl.columns, 1):
            groups = " › ".join(col.groups)
            prefix = f"{groups} › " if groups else ""
            lines.append(f"    {i:>2}. {prefix}{col.label}  [{col.id}]{_ratio_line(col)}")
    return "\n".join(lines) + "\n"


_BOXES = "☐ 符合　☐ 不符合　☐ 合理缺项"


def plan_markdown(ruleset: Ruleset, domain: str | None = None) -> str:
    """A printable inspection checklist for inspectors in the field."""
    out = [
        f"# {ruleset.title}",
        "",
        f"规则集 `{ruleset.id}` · 辖区：{ruleset.jurisdiction.name}",
        "",
    ]
    domains = [ruleset.domain(domain)] if domain else list(ruleset.domains.values())
    for rules in domains:
        cl = rules.checklist
        out += [f"## {rules.label}：{cl.plan_table_title}", ""]
        out += ["被检查单位：＿＿＿＿＿＿＿＿　单位类别：＿＿＿＿＿＿　检查日期：＿＿＿＿＿＿", ""]
        if rules.strata:
            out += ["| 监督检查对象 | 层级 | 抽检比例 |", "|---|---|---|"]
            for st in rules.strata:
                out.append(
                    f"| {_stratum_name(rules, st)} | {TIER_LABELS[st.tier]} | {ratio_text(st)} |"
                )
            out.append("")
        body = body_texts(ruleset, rules)
        if body:
            out += ["计划正文（本辖区文件正文的写法，与下列检查内容并存）：", ""]
            out += [f"> {w.text}（{_cites(w)}）" for w in body]
            out.append("")
        for it in cl.items:
            out += [f"### {it.number}. {it.title}", "", rules.item_text(it.id), ""]
            cols = [
                c for c in cl.columns if c.kind is ColumnKind.VIOLATION_UNITS and c.item == it.id
            ]
            for col in cols:
                out.append(f"- {_BOXES}　{col.label}（适用：{_applies_text(rules, col)}）")
            if not cols:
                out.append(f"- {_BOXES}")
            for r in it.restrictions:
                out.append(f"- 注：{r.text}")
            if it.optional:  # the table's own 合理缺项 note (data, with the table as provenance)
                out += [f"- {n.text}" for n in cl.optional_notes[:1]]
            methods = item_methods(ruleset, rules, it)
            if methods:
                spec = ruleset.specs.get(cl.spec or "")
                name = f"《{spec.title}》" if spec is not None else cl.spec
                out += ["", f"检查方法（{name}；〔推断〕为本规则集的关联）：", ""]
                out += [f"- {_method_line(m)}" for m in methods]
            out.append("")
        handling = handling_rules(ruleset, rules)
        if handling:
            out += ["### 发现问题的处理（〔推断〕为本辖区来源未写明、本规则集推定适用的规则）", ""]
            for h in handling:
                out.append(f"- {_handling_line(h)}")
                out += [f"  - {x}" for x in _inferred_line(h)]
            out.append("")
        if cl.tests:
            out += ["### 检测项目", ""]
            for t in cl.tests:
                out.append(f"- ☐ 合格　☐ 不合格　{t.number}. {t.text}{_standards_text(t)}")
            out.append("")
        if cl.footnotes:
            out += ["注：", ""]
            out += [f"- {f.marker}. {f.text}" for f in cl.footnotes]
            out.append("")
        out += [f"### 汇总表表头：{cl.title}", "", "| 序 | 分组 | 列 |", "|---|---|---|"]
        for i, col in enumerate(cl.columns, 1):
            out.append(f"| {i} | {' › '.join(col.groups)} | {col.label} |")
        out += ["", "检查人员（签名）：＿＿＿＿＿＿　＿＿＿＿＿＿（执法人员不少于两人）", ""]
    return "\n".join(out)

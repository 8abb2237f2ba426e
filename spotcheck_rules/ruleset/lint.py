"""Checks on ruleset files: every problem, located, in one pass.

Schema problems come from the pydantic models; the checks here are the ones a model cannot see
on its own: references between entities, ids and labels that collide, provenance that cites a
document nobody registered, strata that name rows the checklist does not have, and tiers that do
not add up to the totals a plan states in prose.

Codes are stable and documented in docs/cli.md. ``Y…`` are YAML problems, ``S…`` schema
problems, ``R…`` checklist problems, ``P…`` plan problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..core.errors import Problem
from ..core.text import closest, normalize
from .documents import Document, pointer_escape
from .domains import DomainCatalogue, DomainFile
from .model import (
    Checklist,
    ColumnKind,
    Plan,
    Provenance,
    SourceDocument,
    SourceRegistry,
)
from .registry import Tree, shown_path

__all__ = [
    "DECLARE_DOMAIN",
    "checklist_problems",
    "domain_file_problems",
    "plan_problems",
    "source_file_problems",
    "sources_file",
    "validation_problems",
]

_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段（拼写错误？）",
    "string_pattern_mismatch": "格式不符合要求",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "string_type": "应为文本",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_type": "应为日期（YYYY-MM-DD）",
    "too_short": "不能为空",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "dict_type": "应为映射（键: 值）",
    "tuple_type": "应为列表",
    "list_type": "应为列表",
    "model_type": "应为映射（键: 值）",
    "value_error": "取值无效",
    "decimal_parsing": "应为数值",
}


def validation_problems(doc: Document, exc: ValidationError) -> list[Problem]:
    """Turn pydantic's errors into located problems (code ``S001``)."""
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if isinstance(p, int) or "[" not in str(p)]
        pointer = "".join(f"/{pointer_escape(p)}" for p in loc)
        what = _MESSAGES.get(err["type"], "取值无效")
        field = str(loc[-1]) if loc else None
        detail = err["msg"].removeprefix("Value error, ")
        message = f"{what}：{field}（{detail}）" if field else f"{what}（{detail}）"
        if err["type"] == "extra_forbidden" and field:
            message = f"{what}：{field}"
        out.append(doc.problem("S001", message, pointer, field=field))
    return out


DECLARE_DOMAIN = (
    "新的领域须在规则集树的 {file} 中声明（kind: domains；id、labels、ownership 等键见 "
    "docs/authoring.md 的“Domains”一节）"
)
"""How P213 says to declare a domain (``{file}``: the domains.yaml of the author's tree)."""


def domains_file(file: str) -> str:
    """The domains.yaml of the tree ``file`` is in, as messages show it."""
    tree = Tree.containing(Path(file))
    if tree is None:
        return f"{shown_path(Path(file).parent)}/domains.yaml"
    return shown_path(tree.domains_path)


def unknown_domain(doc: Document, value: str, pointer: str, known: DomainCatalogue) -> Problem:
    """P213: a domain no tree declares, with the known ones (the closest as a suggestion) and
    where to declare it."""
    how = DECLARE_DOMAIN.format(file=domains_file(doc.file))
    return doc.problem(
        "P213",
        f"未知的监督领域：{value}（已知：{known.known()}；{how}）",
        pointer,
        suggestions=tuple(closest(value, list(known))),
    )


def domain_file_problems(
    doc: Document, reg: DomainFile, sources: Mapping[str, SourceDocument]
) -> list[Problem]:
    """A domains.yaml: ids unique, no name that two domains (or two ownerships of one domain)
    share, every provenance registered."""
    out: list[Problem] = []
    seen: set[str] = set()
    names: dict[str, str] = {}
    for i, d in enumerate(reg.domains):
        if d.id in seen:
            out.append(doc.problem("R101", f"监督领域 id 重复：{d.id}", f"/domains/{i}/id"))
        seen.add(d.id)
        for label in (*d.labels, *d.aliases):
            key = normalize(label)
            if names.setdefault(key, d.id) != d.id:
                out.append(
                    doc.problem(
                        "R106",
                        f"名称“{label}”同时指向 {names[key]} 和 {d.id}，引用将有歧义",
                        f"/domains/{i}",
                    )
                )
        own_ids: set[str] = set()
        words: dict[str, str] = {}
        for j, v in enumerate(d.ownership):
            pointer = f"/domains/{i}/ownership/{j}"
            if v.id in own_ids:
                out.append(doc.problem("R101", f"所有制 id 重复：{v.id}", f"{pointer}/id"))
            own_ids.add(v.id)
            for w in (v.id, *v.labels, *v.aliases):
                if words.setdefault(w, v.id) != v.id:
                    out.append(
                        doc.problem(
                            "R106",
                            f"名称“{w}”同时指向 {words[w]} 和 {v.id}，引用将有歧义",
                            pointer,
                        )
                    )
    out.extend(_source_problems(doc, reg, sources))
    return out


def _walk_provenance(value: Any, pointer: str) -> Iterable[tuple[str, Provenance]]:
    if isinstance(value, Provenance):
        yield pointer, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk_provenance(getattr(value, name), f"{pointer}/{name}")
    elif isinstance(value, (tuple, list)):
        for i, v in enumerate(value):
            yield from _walk_provenance(v, f"{pointer}/{i}")
    elif isinstance(value, Mapping):
        for k, v in value.items():
            key = k.value if hasattr(k, "value") else k
            yield from _walk_provenance(v, f"{pointer}/{pointer_escape(key)}")


def sources_file(file: str) -> str:
    """The sources.yaml of the tree ``file`` is in, as messages show it (the author's own
    registry, not the bundled one)."""
    tree = Tree.containing(Path(file))
    if tree is None:
        return f"{shown_path(Path(file).parent)}/sources.yaml"
    return shown_path(tree.sources_path)


def _source_problems(
    doc: Document, model: Checklist | Plan | DomainFile, sources: Mapping[str, SourceDocument]
) -> list[Problem]:
    out: list[Problem] = []
    registry: str | None = None
    for pointer, prov in _walk_provenance(model, ""):
        for i, cite in enumerate(prov.cites):
            if cite.source not in sources:
                registry = registry or sources_file(doc.file)
                out.append(
                    doc.problem(
                        "R107",
                        f"出处引用了未登记的文件“{cite.source}”（见 {registry}）",
                        f"{pointer}/cites/{i}",
                        suggestions=tuple(closest(cite.source, sources)),
                    )
                )
    return out


def source_file_problems(doc: Document, reg: SourceRegistry) -> list[Problem]:
    """R112: each document's ``file`` must exist, relative to the sources.yaml folder."""
    base = Path(doc.file).parent
    out: list[Problem] = []
    for key, entry in reg.documents.items():
        path = base / entry.file
        if not path.is_file():
            out.append(
                doc.problem(
                    "R112",
                    f"来源 {key} 的文件不存在：{shown_path(path)}"
                    "（file 相对于 sources.yaml 所在的目录）",
                    f"/documents/{pointer_escape(key)}/file",
                )
            )
    return out


def checklist_problems(
    doc: Document,
    cl: Checklist,
    sources: Mapping[str, SourceDocument],
    domains: DomainCatalogue | None = None,
) -> list[Problem]:
    """Cross-reference checks on one checklist file (``domains``: what its trees declare; its
    ``domain`` must be one, and an ``applies_to.ownership`` one of that domain's ownerships)."""
    out: list[Problem] = []
    p = doc.problem
    if domains is not None and cl.domain not in domains:
        out.append(unknown_domain(doc, cl.domain, "/domain", domains))
    vocab = domains.vocabulary(cl.domain) if domains is not None and cl.domain in domains else None

    def unique(kind: str, base: str, ids: list[str]) -> set[str]:
        seen: set[str] = set()
        for i, id_ in enumerate(ids):
            if id_ in seen:
                out.append(p("R101", f"{kind} id 重复：{id_}", f"/{base}/{i}/id"))
            seen.add(id_)
        return seen

    cat_ids = unique("单位类别", "categories", [c.id for c in cl.categories])
    item_ids = unique("检查内容", "items", [i.id for i in cl.items])
    col_ids = unique("汇总表列", "columns", [c.id for c in cl.columns])
    code_ids = unique("违法违规代码", "violations", [v.id for v in cl.violations])
    for i, v in enumerate(cl.violations):
        if v.id in col_ids:
            out.append(p("R101", f"违法违规代码 id 与汇总表列重复：{v.id}", f"/violations/{i}/id"))
    del code_ids

    def ref(code: str, kind: str, known: set[str], value: str, pointer: str) -> None:
        if value not in known:
            out.append(
                p(
                    code,
                    f"引用了不存在的{kind}：{value}",
                    pointer,
                    suggestions=tuple(closest(value, known)),
                )
            )

    order = {c.id: i for i, c in enumerate(cl.categories)}
    for i, c in enumerate(cl.categories):
        if c.parent is None:
            continue
        ref("R102", "单位类别", cat_ids, c.parent, f"/categories/{i}/parent")
        if c.parent in order and order[c.parent] > i:
            out.append(
                p("R105", f"上级行“{c.parent}”必须排在下级行之前", f"/categories/{i}/parent")
            )
        if c.parent == c.id:
            out.append(p("R105", "单位类别不能以自身为上级", f"/categories/{i}/parent"))

    def applicability(rule: Any, pointer: str) -> None:
        if rule is None:
            return
        for j, cid in enumerate(rule.categories or ()):
            ref("R102", "单位类别", cat_ids, cid, f"{pointer}/categories/{j}")
        for j, cid in enumerate(rule.exclude):
            ref("R102", "单位类别", cat_ids, cid, f"{pointer}/exclude/{j}")
        if rule.ownership is not None and vocab is not None and vocab.value(rule.ownership) is None:
            known = "、".join(v.id for v in vocab.values) or "无（该领域不区分所有制）"
            out.append(
                p(
                    "R114",
                    f"所有制 {rule.ownership} 不是领域 {cl.domain} 声明的所有制"
                    f"（已声明：{known}；见 {domains_file(doc.file)}）",
                    f"{pointer}/ownership",
                    suggestions=tuple(closest(rule.ownership, [v.id for v in vocab.values])),
                )
            )

    numbers: list[int] = []
    for i, it in enumerate(cl.items):
        numbers.append(it.number)
        applicability(it.applies_to, f"/items/{i}/applies_to")
        for k, r in enumerate(it.restrictions):
            for j, cid in enumerate(r.categories):
                ref("R102", "单位类别", cat_ids, cid, f"/items/{i}/restrictions/{k}/categories/{j}")
            for j, col_id in enumerate(r.only):
                ref("R104", "汇总表列", col_ids, col_id, f"/items/{i}/restrictions/{k}/only/{j}")
    if numbers != list(range(1, len(numbers) + 1)):
        out.append(
            p(
                "R109",
                f"检查内容序号应为 1..{len(numbers)} 连续编号，实为 {numbers}",
                "/items",
            )
        )

    out.extend(_optional_problems(doc, cl))
    col_kind = {c.id: c.kind for c in cl.columns}
    for i, col in enumerate(cl.columns):
        if col.item is not None:
            ref("R103", "检查内容", item_ids, col.item, f"/columns/{i}/item")
        elif col.kind is ColumnKind.VIOLATION_UNITS:
            out.append(
                p(
                    "R108",
                    f"不合格情况列“{col.label}”未指明所属检查内容（item）",
                    f"/columns/{i}",
                )
            )
        applicability(col.applies_to, f"/columns/{i}/applies_to")
    for i, v in enumerate(cl.violations):
        ref("R104", "汇总表列", col_ids, v.column, f"/violations/{i}/column")
        if v.column in col_kind and col_kind[v.column] is not ColumnKind.VIOLATION_UNITS:
            out.append(
                p(
                    "R110",
                    f"违法违规代码只能归入不合格情况列，“{v.column}”不是",
                    f"/violations/{i}/column",
                )
            )
        if v.item is not None:
            ref("R103", "检查内容", item_ids, v.item, f"/violations/{i}/item")

    # Two entities of one kind whose labels (or aliases) normalise alike would make every
    # reference by that label ambiguous: refuse it here rather than at a user's findings.
    def labels_unique(base: str, entries: list[tuple[str, tuple[str, ...]]]) -> None:
        owner: dict[str, str] = {}
        for i, (id_, labels) in enumerate(entries):
            for label in labels:
                key = normalize(label)
                if key in owner and owner[key] != id_:
                    out.append(
                        p(
                            "R106",
                            f"名称“{label}”同时指向 {owner[key]} 和 {id_}，引用将有歧义",
                            f"/{base}/{i}",
                        )
                    )
                owner.setdefault(key, id_)

    labels_unique("categories", [(c.id, (c.label, *c.aliases)) for c in cl.categories])
    labels_unique("items", [(i.id, (i.title, *i.aliases)) for i in cl.items])
    labels_unique(
        "columns",
        [(c.id, (c.label, *c.aliases)) for c in cl.columns]
        + [(v.id, (v.label, *v.aliases)) for v in cl.violations],
    )
    out.extend(_test_problems(doc, cl, item_ids, col_kind))
    out.extend(_source_problems(doc, cl, sources))
    return out


def _optional_problems(doc: Document, cl: Checklist) -> list[Problem]:
    """R113: ``Item.optional`` follows the tables' 合理缺项 notes. A note (cited, or the default
    stated as inferred) says every item of the table may be 合理缺项, so an item marked
    ``optional: false`` contradicts it; with no note recorded, items that may be 合理缺项 rest
    on the model's default alone."""
    out: list[Problem] = []
    if cl.optional_notes:
        note = cl.optional_notes[0].text
        for i, it in enumerate(cl.items):
            if not it.optional:
                out.append(
                    doc.problem(
                        "R113",
                        f"检查内容“{it.title}”设为不可缺项（optional: false），"
                        f"但工作计划表说明检查内容可合理缺项：{note}",
                        f"/items/{i}/optional",
                    )
                )
        return out
    optional = [it for it in cl.items if it.optional]
    if optional:
        out.append(
            doc.problem(
                "R113",
                f"检查表未记录工作计划表的合理缺项说明（optional_notes），却有 {len(optional)} 项"
                "检查内容可合理缺项：记录表格的说明（以表格为出处），或注明 inferred 的默认规则，"
                "或将不可缺项的检查内容设为 optional: false",
                "/optional_notes" if "/optional_notes" in doc.positions else "",
            )
        )
    return out


_COUNTS = frozenset(ColumnKind) - {ColumnKind.RATIO, ColumnKind.FINES}


def _test_problems(
    doc: Document, cl: Checklist, item_ids: set[str], col_kind: Mapping[str, ColumnKind]
) -> list[Problem]:
    """R120 (ratio columns) and R121 (lab tests and footnotes) of one checklist."""
    out: list[Problem] = []
    p = doc.problem
    test_ids = {t.id for t in cl.tests}
    numbers = [t.number for t in cl.tests]
    if numbers != list(range(1, len(numbers) + 1)):
        out.append(
            p("R121", f"检测项目序号应为 1..{len(numbers)} 连续编号，实为 {numbers}", "/tests")
        )
    for i, t in enumerate(cl.tests):
        if t.item is not None and t.item not in item_ids:
            out.append(
                p(
                    "R103",
                    f"引用了不存在的检查内容：{t.item}",
                    f"/tests/{i}/item",
                    suggestions=tuple(closest(t.item, item_ids)),
                )
            )
    for i, col in enumerate(cl.columns):
        for j, tid in enumerate(col.tests):
            if tid not in test_ids:
                out.append(
                    p(
                        "R121",
                        f"引用了不存在的检测项目：{tid}",
                        f"/columns/{i}/tests/{j}",
                        suggestions=tuple(closest(tid, test_ids)),
                    )
                )
        if col.ratio is None:
            continue
        for part, name, cid in (
            ("numerator", "分子", col.ratio.numerator),
            ("denominator", "分母", col.ratio.denominator),
        ):
            where = f"/columns/{i}/ratio/{part}"
            if cid not in col_kind:
                msg = f"比率列“{col.label}”的{name} {cid} 不是本表的列"
                out.append(p("R120", msg, where, suggestions=tuple(closest(cid, set(col_kind)))))
            elif col_kind[cid] not in _COUNTS:
                other = next(c.label for c in cl.columns if c.id == cid)
                msg = f"比率列“{col.label}”的{name}“{other}”不是计数列（比率只能由两列计数求得）"
                out.append(p("R120", msg, where))
    texts = [it.text for it in cl.items] + [t.text for t in cl.tests]
    seen: set[str] = set()
    for i, fn in enumerate(cl.footnotes):
        if fn.marker in seen:
            out.append(p("R121", f"脚注 {fn.marker} 重复", f"/footnotes/{i}/marker"))
        seen.add(fn.marker)
        marks = (f"({fn.marker})", f"（{fn.marker}）")
        if not any(m in normalize(text) or m in text for text in texts for m in marks):
            msg = f"脚注 {fn.marker} 在计划表的检查内容和检测项目中都没有标出（应有“（{fn.marker}）”）"
            out.append(p("R121", msg, f"/footnotes/{i}/marker"))
    return out


def plan_problems(
    doc: Document,
    plan: Plan,
    checklists: Mapping[str, Checklist],
    sources: Mapping[str, SourceDocument],
    domains: DomainCatalogue | None = None,
) -> list[Problem]:
    """Checks of a resolved plan against its checklists, located in ``doc`` where possible.

    ``checklists`` maps domain id to the checklist the resolved plan uses; ``domains`` is what
    the plan's trees declare (a key of ``domains:`` that is not one is P213).
    """
    out: list[Problem] = []
    p = doc.problem
    for dom in plan.domains or {}:
        if domains is not None and dom not in domains:
            out.append(unknown_domain(doc, dom, f"/domains/{pointer_escape(dom)}", domains))
    for i, key in enumerate(plan.sources):
        if key not in sources:
            out.append(
                p(
                    "P207",
                    f"未登记的来源文件：{key}",
                    f"/sources/{i}",
                    suggestions=tuple(closest(key, sources)),
                )
            )
    if plan.rounding is None:
        out.append(
            p("P210", "未声明取整规则（rounding）：没有来源规定，须明确声明并注明 inferred", "")
        )
    for dom, pd in (plan.domains or {}).items():
        base = f"/domains/{dom}"
        cl = checklists.get(dom)
        if cl is None:
            continue
        if cl.domain != dom:
            out.append(
                p(
                    "P202",
                    f"领域 {dom} 引用了 {cl.domain} 的检查表",
                    f"{base}/checklist",
                )
            )
        cats = {c.id for c in cl.categories}
        leaves_of: dict[str, set[str]] = {}
        for c in cl.categories:
            leaves_of.setdefault(c.id, set())
        parents = {c.parent for c in cl.categories if c.parent}
        for c in cl.categories:
            if c.id not in parents:
                node: str | None = c.id
                while node is not None:
                    leaves_of.setdefault(node, set()).add(c.id)
                    node = next((x.parent for x in cl.categories if x.id == node), None)
        if not pd.strata:
            out.append(p("P209", f"领域 {dom} 没有抽样层（strata）", base))
        seen_ids: set[str] = set()
        covered: dict[str, dict[str, int]] = {}
        for si, st in enumerate(pd.strata or ()):
            sp = f"{base}/strata/{si}"
            if st.id in seen_ids:
                out.append(p("P211", f"抽样层 id 重复：{st.id}", f"{sp}/id"))
            seen_ids.add(st.id)
            tier_cov = covered.setdefault(st.tier.value, {})
            for ci, cid in enumerate(st.categories):
                if cid not in cats:
                    out.append(
                        p(
                            "P203",
                            f"抽样层引用了检查表中不存在的单位类别：{cid}",
                            f"{sp}/categories/{ci}",
                            suggestions=tuple(closest(cid, cats)),
                        )
                    )
                    continue
                for leaf in leaves_of.get(cid, {cid}):
                    if leaf in tier_cov:
                        out.append(
                            p(
                                "P204",
                                f"单位类别 {leaf} 在同一级抽查中出现在两个抽样层",
                                f"{sp}/categories/{ci}",
                            )
                        )
                    tier_cov[leaf] = si
        for wid in pd.wording:
            if wid not in {it.id for it in cl.items}:
                out.append(
                    p(
                        "P206",
                        f"措辞覆盖引用了不存在的检查内容：{wid}",
                        f"{base}/wording/{pointer_escape(wid)}",
                    )
                )
        for ti, tot in enumerate(pd.stated_totals or ()):
            tp = f"{base}/stated_totals/{ti}"
            for ci, cid in enumerate(tot.categories):
                if cid not in cats:
                    out.append(
                        p("P203", f"合计比例引用了不存在的单位类别：{cid}", f"{tp}/categories/{ci}")
                    )
            out.extend(
                _total_problems(doc, tp, tot.categories, tot.ratio, tot.all, pd.strata or ())
            )
    out.extend(_source_problems(doc, plan, sources))
    return out


def _total_problems(
    doc: Document,
    pointer: str,
    categories: tuple[str, ...],
    ratio: Decimal | None,
    all_: bool,
    strata: Iterable[Any],
) -> list[Problem]:
    """A stated total (抽查全县17%的医院) must equal the sum of the tiers' ratios for those rows."""
    wanted = Decimal(1) if all_ else ratio
    out: list[Problem] = []
    for cid in categories:
        total = Decimal(0)
        every = False
        for st in strata:
            if cid in st.categories:
                if st.all:
                    every = True
                elif st.ratio is not None:
                    total += st.ratio
        got = Decimal(1) if every else total
        if wanted is not None and got != wanted:
            out.append(
                doc.problem(
                    "P205",
                    f"单位类别 {cid} 各级抽查比例合计为 {got:%}，与文件所述合计 {wanted:%} 不符",
                    pointer,
                )
            )
    return out

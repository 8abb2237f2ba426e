"""One domain compared: strata, tiers, stated totals, the plan's wording and the checklist."""

from __future__ import annotations

from decimal import Decimal

from ..ruleset.model import TIER_LABELS, Checklist, StatedTotal, Stratum, Wording
from ..ruleset.ruleset import DomainRules
from ..ruleset.views import ratio_text
from .changes import Entity, Json
from .checklists import CATEGORIES, CODES, COLUMNS, ITEMS, diff_code_columns
from .fields import Both, FieldSpec, compare, provenance_field, text_of
from .kinds import Kind, diff_kind, one_sided
from .matching import index_by_id
from .scopes import Pair, Scope, joined, quoted


def _size(st: Stratum) -> str:
    """A stratum's size as the sources print it, without the from-remaining remark."""
    return ratio_text(st, remaining=False)


def _effective_size(st: Stratum) -> tuple[Decimal | None, int | None, int | None]:
    # `all: true` and `ratio: 100%` draw the same units; only the notation differs.
    ratio = Decimal(1) if st.all else st.ratio
    return (None if ratio is None else ratio.normalize(), st.count, st.per_district)


def stratum_essence(st: Stratum) -> Json:
    return {
        "tier": st.tier.value,
        "categories": list(st.categories),
        "size": _size(st),
        "from_remaining": st.from_remaining,
    }


def _stratum_name(p: Scope, st: Stratum) -> str:
    cats = "、".join(p.cat_label(c) for c in st.categories)
    return f"{cats}（{st.id}，{TIER_LABELS[st.tier]}）"


def _ratio(rule: str, notation: bool) -> FieldSpec:
    # `all: true` and `ratio: 100%` draw the same units; only the notation differs.
    def differs(b: Both) -> bool:
        same_units = _effective_size(b.o) == _effective_size(b.n)
        return b.old != b.new and same_units is notation

    return FieldSpec(
        rule,
        _size,
        lambda b: f"抽检比例：{_stratum_name(b.p, b.n)} {b.old} → {b.new}",
        differs=differs,
    )


_STRATA = Kind(
    entity=Entity.STRATUM,
    rule="stratum",
    what="抽检层",
    path=("strata",),
    essence=stratum_essence,
    added=lambda p, pos, st: (
        f"新增抽检对象：{_stratum_name(p, st)}，抽检 {_size(st)}"
        + ("（从上级未抽取的剩余单位中抽取）" if st.from_remaining else "")
    ),
    removed=lambda p, pos, st: f"删去抽检对象：{_stratum_name(p, st)}（原抽检 {_size(st)}）",
    quote=lambda st: f" {st.id} ",
    keys=index_by_id,
    removed_order=lambda pos, new_seq: len(new_seq) + pos,
    fields=(
        _ratio("ratio-changed", notation=False),
        _ratio("ratio-notation-changed", notation=True),
        FieldSpec(
            "stratum-tier-changed",
            lambda st: st.tier.value,
            lambda b: f"{b.what}{b.q}由{TIER_LABELS[b.o.tier]}改属{TIER_LABELS[b.n.tier]}",
            ("tier",),
        ),
        FieldSpec(
            "stratum-categories-changed",
            lambda st: list(st.categories),
            lambda b: f"{b.what}{b.q}包含的单位类别由 {joined(b.old)} 改为 {joined(b.new)}",
            ("categories",),
        ),
        FieldSpec(
            "stratum-remaining-changed",
            lambda st: st.from_remaining,
            lambda b: (
                f"{_stratum_name(b.p, b.n)}改为"
                + ("只从上级未抽取的剩余单位中抽取" if b.new else "不再限于上级未抽取的剩余单位")
            ),
            ("from_remaining",),
        ),
        FieldSpec(
            "stratum-label-changed",
            lambda st: st.label,
            lambda b: f"{b.what}{b.q}的监督检查对象名称改为「{b.new or '（按单位类别）'}」",
            ("label",),
            text=text_of(lambda st: st.label),
        ),
        FieldSpec(
            "stratum-note-changed",
            lambda st: st.note,
            lambda b: f"{b.what}{b.q}的说明改变",
            text=text_of(lambda st: st.note),
        ),
        provenance_field(Entity.STRATUM),
    ),
)


def _diff_tiers(p: Pair) -> None:
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
            one_sided(p, rule, side, tier.value, p.ptr(side, "strata"), ids, message, -1)


def _total_value(t: StatedTotal) -> str:
    return "全部" if t.all else (f"{(t.ratio * 100).normalize():f}%" if t.ratio is not None else "")


def _total_name(p: Scope, t: StatedTotal) -> str:
    return "、".join(p.cat_label(c) for c in t.categories)


_STATED_TOTALS = Kind(
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
        FieldSpec(
            "stated-total-changed",
            _total_value,
            lambda b: f"计划正文所述合计比例：{_total_name(b.p, b.n)} {b.old} → {b.new}",
        ),
    ),
)


def _diff_wording(p: Pair) -> None:
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
        q = quoted(title.title, iid) if title else iid
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


def _checklist_field(key: str, name: str) -> FieldSpec:
    return FieldSpec(
        "table-title-changed",
        lambda cl: getattr(cl, key),
        lambda b: f"{name}改为「{b.new}」",
        (key,),
        text=text_of(lambda cl: getattr(cl, key)),
    )


def _notes(cl: Checklist) -> Json:
    # The note's wording, once per distinct text: the tables it is cited from differ every year
    # (each year's plan tables), so its provenance is not compared.
    return list(dict.fromkeys(n.text for n in cl.optional_notes))


_OPTIONAL_NOTES = FieldSpec(
    "optional-notes-changed",
    _notes,
    lambda b: "工作计划表的“合理缺项”说明原文改变",
    ("optional_notes",),
    text=lambda b: ("\n".join(b.old), "\n".join(b.new)),
)


_CHECKLIST_VERSION = FieldSpec(
    "checklist-version-changed",
    lambda cl: cl.id,
    lambda b: f"改用检查表 {b.new}（原为 {b.old}）",
)


def diff_domain(p: Pair) -> None:
    ocl, ncl = p.old.checklist, p.new.checklist

    def at(side: str, tokens: tuple[str, ...]) -> str:
        return p.cl_ptr(side, *tokens)

    compare(p, (_CHECKLIST_VERSION,), ocl, ncl, id=p.domain, order=-2, at=at)
    for n, (key, name) in enumerate(_TABLE_TITLES):
        compare(p, (_checklist_field(key, name),), ocl, ncl, id=key, order=n, at=at)
    fields = (provenance_field(Entity.CHECKLIST),)
    compare(p, fields, ocl, ncl, id="checklist", order=9, at=at, what="检查表")
    compare(p, (_OPTIONAL_NOTES,), ocl, ncl, id="optional_notes", order=8, at=at)
    for kind in (CATEGORIES, ITEMS, COLUMNS, CODES):
        diff_kind(p, kind, getattr(ocl, kind.path[1]), getattr(ncl, kind.path[1]))
    diff_code_columns(p)
    _diff_tiers(p)
    diff_kind(p, _STRATA, p.old.strata, p.new.strata)
    diff_kind(p, _STATED_TOTALS, p.old.stated_totals, p.new.stated_totals)
    _diff_wording(p)


def domain_summary(rules: DomainRules) -> Json:
    cl = rules.checklist
    return {
        "checklist": cl.id,
        "categories": [c.id for c in cl.categories],
        "items": [i.id for i in cl.items],
        "columns": [c.id for c in cl.columns],
        "strata": [stratum_essence(s) for s in rules.strata],
    }


def domain_count(rules: DomainRules) -> str:
    cl = rules.checklist
    return f"{len(cl.categories)} 个单位类别、{len(cl.items)} 项检查内容、{len(cl.columns)} 列"

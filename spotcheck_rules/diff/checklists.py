"""The checklist's entities: unit categories, items, columns and violation codes."""

from __future__ import annotations

from collections.abc import Sequence

from ..ruleset.model import Category, Column, ColumnKind, Item, ViolationCode
from ..ruleset.ruleset import DomainRules
from .changes import Entity, Json
from .fields import (
    Both,
    FieldSpec,
    aliases_field,
    applicability_field,
    plus_minus,
    provenance_field,
    relabelled_field,
    text_of,
)
from .kinds import Kind
from .scopes import Pair, Scope, joined, quoted


def _category_essence(c: Category) -> Json:
    return {"label": c.label, "parent": c.parent}


def _category_added(p: Scope, pos: int, c: Category) -> str:
    parent = f"，属于「{p.cat_label(c.parent)}」" if c.parent else ""
    return f"新增单位类别{quoted(c.label, c.id)}{parent}：汇总表新增一行"


CATEGORIES = Kind(
    entity=Entity.CATEGORY,
    rule="category",
    what="单位类别",
    path=("checklist", "categories"),
    essence=_category_essence,
    added=_category_added,
    removed=lambda p, pos, c: f"删去单位类别{quoted(c.label, c.id)}：汇总表不再有这一行",
    replaced="：原行不再出现，往年数据须按新类别拆分后才可比较",
    moves=True,
    fields=(
        relabelled_field("category-relabelled", "名称"),
        FieldSpec(
            "category-parent-changed",
            lambda c: c.parent,
            lambda b: (
                f"{b.what}{b.q}的上级行由 {b.old or '（无）'} 改为 {b.new or '（无）'}："
                "小计口径随之改变"
            ),
            differs=lambda b: b.p.to_new("categories", b.old) != b.new,
        ),
        aliases_field("category-aliases-changed"),
        provenance_field(Entity.CATEGORY),
    ),
)


def _item_essence(it: Item) -> Json:
    return {"number": it.number, "title": it.title, "text": it.text}


def _restrictions(it: Item) -> Json:
    return [r.model_dump(mode="json", exclude={"provenance"}) for r in it.restrictions]


def _methods(it: Item) -> Json:
    """The spec areas and 检查方法 clauses linked (a link's reason is its provenance, not compared)."""
    return [f"{m.area}{c}" for m in it.methods for c in m.clauses] or (
        ["（无对应检查方法）"] if it.methods else []
    )


def _methods_message(b: Both) -> str:
    detail = plus_minus(b.old, b.new, "新增 ", "删去 ") or "顺序改变"
    return f"{b.what}{b.q}关联的检查方法改变：{detail}"


def _points_message(b: Both) -> str:
    detail = plus_minus(b.old, b.new, "新增要点：", "删去要点：") or "要点顺序或拆分方式改变"
    return f"{b.what}{b.q}的要点改变：{detail}"


ITEMS = Kind(
    entity=Entity.ITEM,
    rule="item",
    what="检查内容",
    path=("checklist", "items"),
    essence=_item_essence,
    added=lambda p, pos, it: f"新增检查内容第 {it.number} 项{quoted(it.title, it.id)}：{it.text}",
    removed=lambda p, pos, it: f"删去检查内容（原第 {it.number} 项）{quoted(it.title, it.id)}",
    label=lambda it: str(it.title),
    quote=lambda it: f"第 {it.number} 项{quoted(it.title, it.id)}",
    replaced="",
    fields=(
        FieldSpec(
            "item-number-changed",
            lambda it: it.number,
            lambda b: f"{b.what}{quoted(b.n.title, b.n.id)}序号由第 {b.old} 项改为第 {b.new} 项",
            ("number",),
        ),
        FieldSpec(
            "item-title-changed",
            lambda it: it.title,
            lambda b: f"{b.what} {b.n.id} 简称改为「{b.new}」（原为「{b.old}」）",
            ("title",),
            text=text_of(lambda it: it.title),
        ),
        FieldSpec(
            "item-text-changed",
            lambda it: it.text,
            lambda b: f"{b.what}{b.q}原文改变",
            ("text",),
            text=text_of(lambda it: it.text),
        ),
        FieldSpec("item-points-changed", lambda it: list(it.points), _points_message, ("points",)),
        FieldSpec(
            "item-optional-changed",
            lambda it: it.optional,
            lambda b: f"{b.what}{b.q}改为{'可合理缺项' if b.new else '不可缺项（必查）'}",
            ("optional",),
        ),
        applicability_field("item-applicability-changed"),
        FieldSpec(
            "item-restrictions-changed",
            _restrictions,
            lambda b: (
                f"{b.what}{b.q}对部分类别的限制由「{joined(r['text'] for r in b.old)}」"
                f"改为「{joined(r['text'] for r in b.new)}」"
            ),
        ),
        aliases_field("item-aliases-changed"),
        FieldSpec("item-methods-changed", _methods, _methods_message, ("methods",)),
        provenance_field(Entity.ITEM),
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


def _column_added(p: Scope, pos: int, c: Column) -> str:
    group = f"（{' / '.join(c.groups)}）" if c.groups else ""
    return f"汇总表新增第 {pos + 1} 列{quoted(c.label, c.id)}{group}"


def _both_violation(b: Both) -> bool:
    # A kind change already says everything about item and disposition; do not repeat it.
    return bool(b.o.kind is b.n.kind is ColumnKind.VIOLATION_UNITS)


def _groups_text(groups: Sequence[str]) -> str:
    return " / ".join(groups) or "（无）"


COLUMNS = Kind(
    entity=Entity.COLUMN,
    rule="column",
    what="汇总表列",
    path=("checklist", "columns"),
    essence=_column_essence,
    added=_column_added,
    removed=lambda p, pos, c: (
        f"汇总表删去列{quoted(c.label, c.id)}（原第 {pos + 1} 列）：读取该列的程序和表格须修改"
    ),
    replaced="：原列不再出现，往年数据须按新列拆分后才可比较",
    moves=True,
    fields=(
        FieldSpec(
            "column-kind-changed",
            lambda c: c.kind.value,
            lambda b: (
                f"{b.what}{b.q}的计数方式由「{_KIND_LABELS[b.old]}」改为「{_KIND_LABELS[b.new]}」"
            ),
            ("kind",),
        ),
        relabelled_field("column-relabelled", "表头"),
        FieldSpec(
            "column-groups-changed",
            lambda c: list(c.groups),
            lambda b: (
                f"{b.what}{b.q}的表头分组由「{_groups_text(b.old)}」改为「{_groups_text(b.new)}」"
            ),
            ("groups",),
        ),
        FieldSpec(
            "column-item-changed",
            lambda c: c.item,
            lambda b: f"{b.what}{b.q}改属检查内容 {b.new or '（无）'}（原属 {b.old or '（无）'}）",
            ("item",),
            differs=lambda b: _both_violation(b) and b.p.to_new("items", b.old) != b.new,
        ),
        FieldSpec(
            "column-disposition-changed",
            lambda c: c.effective_disposition.value,
            lambda b: (
                f"{b.what}{b.q}的处理方式由「{_DISPOSITION_LABELS[b.old]}」"
                f"改为「{_DISPOSITION_LABELS[b.new]}」"
            ),
            ("disposition",),
            differs=lambda b: _both_violation(b) and b.old != b.new,
        ),
        applicability_field("column-applicability-changed"),
        FieldSpec(
            "column-source-label-changed",
            lambda c: c.source_label,
            lambda b: f"{b.what}{b.q}的来源表头原样文字改变",
            text=text_of(lambda c: c.source_label),
        ),
        aliases_field("column-aliases-changed"),
        provenance_field(Entity.COLUMN),
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
# and a code id that is a violation column on the other side is reported by diff_code_columns.
CODES = Kind(
    entity=Entity.VIOLATION,
    rule="code",
    what="违法违规代码",
    path=("checklist", "violations"),
    essence=_code_essence,
    added=lambda p, pos, v: (
        f"新增违法违规代码{quoted(v.label, v.id)}，计入列「{p.label_of('columns', v.column)}」"
    ),
    removed=lambda p, pos, v: f"删去违法违规代码{quoted(v.label, v.id)}（原计入列 {v.column}）",
    elsewhere=lambda p, side, vid: p.violation_column(side, vid) is not None,
    fields=(
        FieldSpec(
            "code-column-changed",
            lambda v: v.column,
            lambda b: f"{b.what}{b.q}改计入列 {b.new}（原计入 {b.old}）：两列数字与往年不再可比",
            ("column",),
            differs=lambda b: b.p.to_new("columns", b.old) != b.new,
        ),
        FieldSpec(
            "code-item-changed",
            lambda v: v.item,
            lambda b: (
                f"{b.what}{b.q}对应的检查内容由 {b.old or '（随列）'} 改为 {b.new or '（随列）'}"
            ),
            ("item",),
            differs=lambda b: b.p.to_new("items", b.old) != b.new,
        ),
        FieldSpec(
            "code-disposition-changed",
            lambda v: v.disposition.value if v.disposition else None,
            lambda b: (
                f"{b.what}{b.q}的处理方式由「{_disposition_text(b.old)}」"
                f"改为「{_disposition_text(b.new)}」"
            ),
            ("disposition",),
        ),
        relabelled_field("code-relabelled", "名称"),
        aliases_field("code-aliases-changed"),
        provenance_field(Entity.VIOLATION),
    ),
)


def diff_code_columns(p: Pair) -> None:
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
                message=f"违法违规代码{quoted(v.label, v.id)}原为单独一列，现计入列 {v.column}："
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
                message=f"违法违规代码{quoted(nc.label, v.id)}原计入列 {v.column}，现单独成列："
                "两列数字与往年不再可比",
                order=_pos(p.new, v.id),
            )


def _pos(rules: DomainRules, column_id: str) -> int:
    for n, c in enumerate(rules.checklist.columns):
        if c.id == column_id:
            return n
    raise KeyError(column_id)

"""The entry workbook (``spotcheck template``): an xlsx staff fill in Excel, WPS or LibreOffice.

Three sheets. ``检查结果`` first (the readers read the first sheet): the header of
:func:`~.entry.entry_columns` in row 1, frozen, with Excel data validation on each column — a
drop-down list for 监督领域, 单位类别, 所有制, 层级 and every 是/否 column, whole numbers ≥ 0 for
查处案件数, decimals ≥ 0 for 罚没款（元）, six characters for 行政区划, a date of the plan year for
检查日期 — and an input message on each header saying what goes there. ``填写说明``: the ruleset's
id and digest and one line per column (letter, header, meaning, how to fill it, its source).
``取值``: the lists the drop-downs take their values from (a sheet rather than an inline list,
which Excel caps at 255 characters).

The bytes are deterministic (fixed timestamps, :func:`~spotcheck_rules.core.cells.workbook_bytes`);
every text cell is inert (:func:`~spotcheck_rules.core.cells.set_cell`). openpyxl is imported
when a workbook is built.

May import: ``findings``, ``ruleset``, ``core``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..core.cells import set_cell, workbook_bytes
from ..findings.spellings import column_letter
from ..ruleset.ruleset import Ruleset
from .entry import EntryColumn, entry_columns

__all__ = ["DATA_SHEET", "ROWS", "render_template"]

DATA_SHEET = "检查结果"
ROWS = 2000
"""Rows of the data sheet that carry the drop-downs and number checks (below the header)."""
_LISTS = "取值"
_HOW = {
    "text": "文本",
    "choice": "从下拉列表选择",
    "yesno": "下拉选择 是 / 否（空白视为否）",
    "date": "日期，如 2025-06-01、2025/6/1、2025年6月1日",
    "count": "非负整数",
    "amount": "金额（元），非负，最多两位小数",
    "region": "6位数字",
    "list": "文本，多项以 ; 分隔",
}


def render_template(
    ruleset: Ruleset,
    domain: str,
    findings: Iterable[Mapping[str, Any]] = (),
    regions: Sequence[str] = (),
) -> bytes:
    """The entry workbook of one domain of the plan; ``findings`` (dicts in the contract's
    shape), if given, are written as filled rows (a pre-filled sheet: the units drawn, or the
    round-trip test); ``regions``, the 行政区划 codes its drop-down offers."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    rules = ruleset.domain(domain)
    columns = entry_columns(ruleset, domain, regions)
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    lists = wb.create_sheet(_LISTS)
    notes = wb.create_sheet("填写说明")
    wb.move_sheet(notes, offset=-1)  # 检查结果, 填写说明, 取值
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    flag_fill = PatternFill("solid", fgColor="FCE4D6")
    list_col = 0
    for i, col in enumerate(columns):
        letter = column_letter(i)
        cell = ws.cell(row=1, column=i + 1)
        set_cell(cell, col.header)
        cell.font = bold
        cell.fill = flag_fill if col.ref is not None else head_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[letter].width = col.width
        area = f"{letter}2:{letter}{ROWS + 1}"
        dv = _validation(DataValidation, col, ruleset.year)
        if col.kind in ("choice", "yesno", "region") and col.choices:
            list_col += 1
            lcol = column_letter(list_col - 1)
            set_cell(lists.cell(row=1, column=list_col), col.header)
            for j, choice in enumerate(col.choices, start=2):
                set_cell(lists.cell(row=j, column=list_col), choice)
            end = len(col.choices) + 1
            dv = DataValidation(
                type="list",
                formula1=f"'{_LISTS}'!${lcol}$2:${lcol}${end}",
                allow_blank=True,
                showErrorMessage=col.kind == "yesno" or col.field != "tier",
                # a unit outside the list's districts is unusual, not wrong
                errorStyle="stop" if col.field not in ("tier", "region") else "warning",
            )
        if dv is not None:
            dv.promptTitle = col.header[:32]
            dv.prompt = col.meaning[:255]
            dv.showInputMessage = True
            dv.errorTitle = "取值无效"
            dv.error = f"{col.header}：{_HOW[col.kind]}"[:255]
            dv.add(area)
            ws.add_data_validation(dv)
        if col.kind == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        elif col.kind == "amount":
            ws.column_dimensions[letter].number_format = "0.00"
        elif col.kind in ("region", "text"):
            ws.column_dimensions[letter].number_format = "@"
        if col.ref is not None:
            cell.comment = Comment(col.meaning, "spotcheck")
    ws.row_dimensions[1].height = 60
    ws.freeze_panes = "C2"  # the header and the unit's id and name stay in view
    for r, finding in enumerate(findings, start=2):
        for i, col in enumerate(columns):
            value = col.cell(finding, rules)
            if value is not None:
                set_cell(ws.cell(row=r, column=i + 1), value)
                if col.kind == "date" and isinstance(value, _dt.date):
                    ws.cell(row=r, column=i + 1).number_format = "yyyy-mm-dd"
    _write_notes(notes, ruleset, domain, columns, bold)
    lists.sheet_state = "hidden"
    stamp = _dt.datetime(ruleset.year, 1, 1)
    props = wb.properties
    props.created = stamp
    props.modified = stamp
    props.creator = "spotcheck_rules"
    props.lastModifiedBy = None
    props.title = f"{rules.checklist.plan_table_title}：检查结果录入表"
    props.subject = ruleset.id
    props.keywords = f"ruleset-digest:{ruleset.digest()}"
    return workbook_bytes(wb, (max(ruleset.year, 1980), 1, 1, 0, 0, 0))


def _validation(factory: Any, col: EntryColumn, year: int) -> Any:
    if col.kind == "count":
        return factory(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    if col.kind == "amount":
        return factory(
            type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True
        )
    if col.kind == "region":
        return factory(type="textLength", operator="equal", formula1="6", allow_blank=True)
    if col.kind == "date":
        first = (_dt.date(year, 1, 1) - _dt.date(1899, 12, 30)).days
        last = (_dt.date(year, 12, 31) - _dt.date(1899, 12, 30)).days
        return factory(
            type="date",
            operator="between",
            formula1=str(first),
            formula2=str(last),
            allow_blank=True,
            errorStyle="warning",
        )
    if col.kind in ("text", "list"):
        return factory(
            type="textLength", operator="lessThanOrEqual", formula1="500", allow_blank=True
        )
    return None


def _write_notes(
    ws: Any, ruleset: Ruleset, domain: str, columns: list[EntryColumn], bold: Any
) -> None:
    rules = ruleset.domain(domain)
    head = [
        ("规则集", ruleset.id),
        ("计划", ruleset.title),
        ("监督领域", rules.label),
        ("汇总表", rules.checklist.title),
        ("规则集摘要（SHA-256）", ruleset.digest()),
        (
            "说明",
            "每个被检查单位填一行；第1行表头请勿修改。填好后：spotcheck validate 本文件 --ruleset "
            + ruleset.id,
        ),
    ]
    for r, (k, v) in enumerate(head, start=1):
        set_cell(ws.cell(row=r, column=1), k)
        ws.cell(row=r, column=1).font = bold
        set_cell(ws.cell(row=r, column=2), v)
    start = len(head) + 2
    for c, title in enumerate(("列", "表头", "字段", "含义", "填写方式", "来源"), start=1):
        set_cell(ws.cell(row=start, column=c), title)
        ws.cell(row=start, column=c).font = bold
    for i, col in enumerate(columns):
        row = start + 1 + i
        field = col.field if col.ref is None else f"{col.field}（{col.ref}）"
        values = (column_letter(i), col.header, field, col.meaning, _HOW[col.kind], col.source)
        for c, value in enumerate(values, start=1):
            set_cell(ws.cell(row=row, column=c), value)
    for letter, width in zip("ABCDEF", (8, 40, 28, 60, 30, 40), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{start + 1}"

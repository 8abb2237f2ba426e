"""Outputs of an :class:`~spotcheck_rules.tables.result.AggregateResult` for people and spreadsheets.

Three renderers, all pure functions of the result and all deterministic (same result, same
text or bytes), so an output can be diffed, hashed and checked into an audit trail:

* :func:`render_table` — a terminal table per domain. Leaf columns are numbered and explained
  in a legend under the table (the official headers are far too long for a terminal), wide
  tables are split into bands that fit ``width`` display cells, and alignment counts a CJK
  character as two cells.
* :func:`render_csv` — one *long* CSV (one line per cell, one header for every domain), with a
  UTF-8 BOM by default so that Excel opens the Chinese text correctly.
* :func:`render_xlsx` — the 汇总表 in the official layout, one sheet per domain, ready to hand
  in: title, multi-level merged header as on the 附表, rows, 合计, numbers as numbers and "/"
  for inapplicable cells.

``docs/outputs.md`` describes each format.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from ..core.cells import inert, set_cell, workbook_bytes
from ..core.errors import Problem
from ..ruleset.model import ColumnKind
from .result import (
    AggregateResult,
    CellValue,
    SummaryTable,
    TableColumn,
    TableRow,
    format_money,
    format_ratio,
)

__all__ = ["render_csv", "render_table", "render_xlsx"]

NOT_APPLICABLE = "/"
"""How an inapplicable cell (``None``) is shown: the official forms print "/" there."""

_GROUP_SEP = " / "
"""Joins the header groups of a column in the CSV and the legend (outer to inner)."""


# --------------------------------------------------------------------------- shared helpers


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    # Wide and Fullwidth take two cells in every terminal. Ambiguous ("A") characters are one
    # cell in most Western setups and two in CJK locales; we avoid emitting them (ASCII rules,
    # no box drawing) and count them as one.
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _width(text: str) -> int:
    """Display width of ``text`` in terminal cells."""
    return sum(_char_width(ch) for ch in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def _census_missing(table: SummaryTable, column: TableColumn) -> bool:
    """A census column with no value anywhere: no census was given (issue C011).

    Such cells are left blank rather than "/": "/" on the form means "does not apply", and the
    census column does apply — its figures were just not supplied.
    """
    return column.kind is ColumnKind.CENSUS_UNITS and all(
        r.values.get(column.id) is None for r in table.rows
    )


def _depth(table: SummaryTable, row: TableRow) -> int:
    """Nesting depth of a row (0 for top-level rows and 合计), from the ``parent`` links."""
    parents = {r.category: r.parent for r in table.rows}
    depth, parent = 0, row.parent
    while parent is not None and depth < len(parents):
        depth += 1
        parent = parents.get(parent)
    return depth


def _text(value: CellValue, blank: bool = False, column: TableColumn | None = None) -> str:
    if value is None:
        return "" if blank else NOT_APPLICABLE
    if column is not None and column.ratio is not None and isinstance(value, Decimal):
        return format_ratio(value, column.ratio)  # as the form prints it: 85.70%
    if isinstance(value, Decimal):
        return format_money(value)
    return str(value)


# --------------------------------------------------------------------------- terminal


def render_table(result: AggregateResult, *, width: int = 120) -> str:
    """The tables as plain text: one block per domain, numbered columns and a legend.

    ``width`` is the terminal width in cells; a table wider than that is split into bands of
    columns, each repeating the row labels. Output is ASCII rules plus the labels, so it aligns
    in any monospace font that draws CJK characters two cells wide.
    """
    inp = result.input
    head = (
        f"计划 {result.ruleset.id}：读取 {inp.records_read} 条，接受 {inp.accepted} 条，"
        f"拒绝 {inp.rejected} 条，跳过 {inp.skipped} 条"
    )
    blocks = [head + _issue_counts(result.issues)]
    blocks.extend(_table_block(t, width) for t in result.tables)
    return "\n\n".join(blocks) + "\n"


def _issue_counts(issues: Sequence[Problem]) -> str:
    if not issues:
        return ""
    counts: dict[str, int] = {}
    for issue in issues:
        sev = issue.severity.value
        counts[sev] = counts.get(sev, 0) + 1
    names = (("error", "错误"), ("warning", "警告"), ("info", "提示"))
    parts = [f"{zh} {counts[en]}" for en, zh in names if counts.get(en)]
    return "；问题：" + "，".join(parts) if parts else ""


def _table_block(table: SummaryTable, width: int) -> str:
    labels = ["  " * _depth(table, r) + r.label for r in table.rows]
    label_head = "单位类别"
    label_w = max(_width(s) for s in [label_head, *labels])
    blank = {c.id for c in table.columns if _census_missing(table, c)}
    cells = [
        [_text(r.values.get(c.id), c.id in blank, c) for c in table.columns] for r in table.rows
    ]
    numbers = [str(i) for i in range(1, len(table.columns) + 1)]
    col_w = [
        max(_width(numbers[j]), *(_width(row[j]) for row in cells))
        for j in range(len(table.columns))
    ]

    # Split the columns into bands that fit: label, " | ", then columns separated by 2 spaces.
    bands: list[list[int]] = []
    current: list[int] = []
    used = label_w + 3
    for j, w in enumerate(col_w):
        extra = w + (2 if current else 0)
        if current and used + extra > width:
            bands.append(current)
            current, used = [], label_w + 3
            extra = w
        current.append(j)
        used += extra
    if current or not bands:
        bands.append(current)

    lines = [f"{table.title}（{table.label}）"]
    for band in bands:
        rule = "-" * label_w + "-+-" + "--".join("-" * col_w[j] for j in band)
        lines.append("")
        lines.append(
            _pad(label_head, label_w)
            + " | "
            + "  ".join(_pad(numbers[j], col_w[j], right=True) for j in band)
        )
        lines.append(rule)
        for i, row in enumerate(table.rows):
            if row.is_total:
                lines.append(rule)
            line = (
                _pad(labels[i], label_w)
                + " | "
                + "  ".join(_pad(cells[i][j], col_w[j], right=True) for j in band)
            )
            lines.append(line.rstrip())
    lines.append("")
    lines.append("列：")
    lines.extend(_legend(table, numbers))
    if any(c.id in blank for c in table.columns):
        lines.append("（未提供辖区单位数：该列留空；“/” 表示该列不适用于该行）")
    return "\n".join(lines)


def _legend(table: SummaryTable, numbers: list[str]) -> list[str]:
    num_w = max(len(n) for n in numbers) if numbers else 1
    out: list[str] = []
    previous: list[str] | None = None
    for n, col in zip(numbers, table.columns, strict=True):
        if col.groups != previous:
            if col.groups:
                out.append("  " + _GROUP_SEP.join(col.groups))
            previous = col.groups
        indent = "    " if col.groups else "  "
        out.append(f"{indent}{n.rjust(num_w)}  {col.label}")
    return out


# --------------------------------------------------------------------------- CSV


CSV_FIELDS = (
    "domain",
    "title",
    "row",
    "category",
    "row_label",
    "parent",
    "col",
    "column",
    "column_label",
    "groups",
    "kind",
    "value",
)
"""The CSV header. ``row`` and ``col`` are 1-based positions in the official table."""


def render_csv(result: AggregateResult, *, bom: bool = True) -> str:
    """The tables as one long CSV: a line per cell of every domain, in table order.

        Long rather than one wide section per domain, because a single header makes the file
        readable by any CSV tool (pandas, DuckDB, an Excel pivot table), while the layout people
        read is the xlsx. ``value`` is an integer, an exact decimal in 万元 for money (for a ratio, its
    rounded number without trailing zeros or % sign: 85.7 for 85.70%), or empty where
        the column does not apply to the row (the "/" of the form) or no census was given. With
        drill-down (``with_units``) a ``units`` field lists the counted unit ids, ``;``-separated.

        ``bom``: start with a UTF-8 byte-order mark (U+FEFF). Excel needs it to read the file as
        UTF-8 instead of the legacy GBK code page; Python reads it with ``encoding="utf-8-sig"``.
    """
    with_units = any(r.units is not None for t in result.tables for r in t.rows)
    buf = io.StringIO()
    # Excel and RFC 4180 both expect CRLF; csv's default dialect writes it.
    writer = csv.writer(buf)
    writer.writerow([*CSV_FIELDS, "units"] if with_units else CSV_FIELDS)
    for table in result.tables:
        for i, row in enumerate(table.rows, 1):
            for j, col in enumerate(table.columns, 1):
                value = row.values.get(col.id)
                # Text fields through inert() (cells.py): a label or unit id read from a
                # merged input must not run as a formula. ``value`` is a number, left alone.
                line = [
                    inert(table.domain),
                    inert(table.title),
                    str(i),
                    inert(row.category),
                    inert(row.label),
                    inert(row.parent or ""),
                    str(j),
                    inert(col.id),
                    inert(col.label),
                    inert(_GROUP_SEP.join(col.groups)),
                    inert(col.kind.value),
                    "" if value is None else _text(value),
                ]
                if with_units:
                    line.append(inert(";".join(sorted((row.units or {}).get(col.id, [])))))
                writer.writerow(line)
    return ("\ufeff" if bom else "") + buf.getvalue()


# --------------------------------------------------------------------------- XLSX

_TITLE_FONT = "黑体"
_BODY_FONT = "宋体"
_BODY_SIZE = 10
_LINE_PT = 13.5  # height of one line of 10 pt CJK text, with leading
_LEAF_WIDTH = 7.0  # Excel width units: three CJK characters of 10 pt, as narrow as the form
_LABEL_WIDTH = 16.0  # the 单位类别 column: about seven CJK characters a line
# CJK characters per Excel width unit at 10 pt: Excel with 宋体 fits four in a column 7 wide,
# LibreOffice with Noto Sans CJK five; estimate for Excel, so LibreOffice only gets spare room.
_CJK_PER_UNIT = 0.57
_FINES_FORMAT = "0.0000"  # 万元 to four places: one yuan, as the forms are filled in
_COUNT_FORMAT = "0"


def _lines(text: str, width_units: float) -> int:
    """Lines ``text`` wraps to in a cell ``width_units`` wide (an estimate, on the safe side)."""
    per_line = max(1.0, math.floor(width_units * _CJK_PER_UNIT * 2) / 2)
    return max(1, math.ceil(_width(text) / 2 / per_line))


_UNIT_SUFFIX = re.compile(r"^(.+?)(（[^（）]{1,4}）)$")


def _header_text(label: str) -> str:
    """A leaf label as the form sets it: a trailing unit such as （万元） on a line of its own.

    Wrapping 罚没款金额（万元） in a narrow column would otherwise leave "）" alone on the last
    line (LibreOffice and Excel do not apply the Chinese line-breaking rules to cell text).
    """
    m = _UNIT_SUFFIX.match(label)
    return f"{m.group(1)}\n{m.group(2)}" if m else label


def _header_spans(columns: Sequence[TableColumn], depth: int) -> list[tuple[int, int, int, str]]:
    """Group header cells as (level, first column, last column, label), 0-based.

    A group spans the consecutive columns that share the whole group path down to its level, so
    two groups with the same label under different parents stay apart.
    """
    spans: list[tuple[int, int, int, str]] = []
    for level in range(depth):
        start = 0
        while start < len(columns):
            path = tuple(columns[start].groups[: level + 1])
            end = start
            if len(path) == level + 1:
                while (
                    end + 1 < len(columns) and tuple(columns[end + 1].groups[: level + 1]) == path
                ):
                    end += 1
                spans.append((level, start, end, path[-1]))
            start = end + 1
    return spans


def render_xlsx(result: AggregateResult) -> bytes:
    """The tables as an xlsx workbook in the official layout; deterministic bytes.

    One sheet per domain, named by the domain (医疗机构, 中医医疗机构, …): the title merged
    across the table; the header as on the 附表 — 单位类别 merged down through every header
    row, each header group merged across its columns and stacked level under level, leaf labels
    wrapped in narrow columns, a column with fewer groups (辖区内单位总数, 查处案件数) merged
    down to the bottom of the header; then the rows in official order (child rows indented
    under their subtotal row), 合计 last. Counts and amounts are numbers (amounts in 万元 with
    four decimals shown), inapplicable cells "/", every cell bordered; printed landscape on
    A4, fitted to the page width, the header repeated on every page.
    """
    # openpyxl is imported here, not at module level: rendering a terminal table or CSV (and
    # importing this module) should not pay the ~0.2 s openpyxl import.
    from openpyxl import Workbook

    wb = Workbook()
    default = wb.active
    for table in result.tables:
        _write_sheet(wb, table)
    if result.tables and default is not None:
        wb.remove(default)
    elif default is not None:
        default.title = "汇总表"

    # openpyxl stamps the current time into docProps/core.xml (and save_workbook overrides
    # ``modified``): fix both to the start of the plan year so the same result gives the same
    # bytes. The plan id ends in its year (``shanxi/2025``).
    year = _plan_year(result.ruleset.id)
    stamp = _dt.datetime(year, 1, 1)
    props = wb.properties
    props.created = stamp
    props.modified = stamp
    props.creator = "spotcheck_rules"
    props.lastModifiedBy = None
    props.title = "；".join(t.title for t in result.tables) or "汇总表"
    props.subject = result.ruleset.id
    props.keywords = f"ruleset-digest:{result.ruleset.digest}"

    return workbook_bytes(wb, (max(year, 1980), 1, 1, 0, 0, 0))


def _plan_year(ruleset_id: str) -> int:
    tail = ruleset_id.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() and len(tail) == 4 else 1980


def _write_sheet(wb: Any, table: SummaryTable) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    ws = wb.create_sheet(title=_sheet_name(wb, table))
    columns = table.columns
    n_cols = len(columns) + 1  # + 单位类别
    depth = max((len(c.groups) for c in columns), default=0) + 1  # header rows
    title_row, head_top = 1, 2
    head_bottom = head_top + depth - 1
    first_data = head_bottom + 1
    last_data = first_data + len(table.rows) - 1

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    body_font = Font(name=_BODY_FONT, size=_BODY_SIZE)
    bold_font = Font(name=_BODY_FONT, size=_BODY_SIZE, bold=True)

    # Title: merged across the table, as the form prints it above the grid.
    # Every text cell through set_cell (cells.py): typed as text, never as a formula.
    set_cell(ws.cell(row=title_row, column=1), table.title)
    ws.cell(row=title_row, column=1).font = Font(name=_TITLE_FONT, size=16, bold=True)
    ws.cell(row=title_row, column=1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=title_row, start_column=1, end_row=title_row, end_column=n_cols)
    ws.row_dimensions[title_row].height = 36

    # 单位类别: one cell down through every header row.
    ws.cell(row=head_top, column=1, value="单位类别")
    if depth > 1:
        ws.merge_cells(start_row=head_top, start_column=1, end_row=head_bottom, end_column=1)

    # Group levels, outer to inner, each merged across its columns.
    for level, first, last, label in _header_spans(columns, depth - 1):
        r = head_top + level
        set_cell(ws.cell(row=r, column=first + 2), label)
        if last > first:
            ws.merge_cells(start_row=r, start_column=first + 2, end_row=r, end_column=last + 2)

    # Leaf labels: from below the column's own groups down to the last header row.
    for j, col in enumerate(columns):
        top = head_top + len(col.groups)
        set_cell(ws.cell(row=top, column=j + 2), _header_text(col.label))
        if top < head_bottom:
            ws.merge_cells(start_row=top, start_column=j + 2, end_row=head_bottom, end_column=j + 2)

    # Header heights: a group line needs as many lines as its label wraps to over its span;
    # the leaf row takes what the longest leaf label needs.
    group_lines = [1] * depth
    for level, first, last, label in _header_spans(columns, depth - 1):
        span = (last - first + 1) * _LEAF_WIDTH
        group_lines[level] = max(group_lines[level], _lines(label, span))
    leaf_lines = max((_lines(c.label, _LEAF_WIDTH) for c in columns), default=1)
    # A leaf merged down over k rows shares their height; give the bottom row what remains.
    for col in columns:
        above = sum(group_lines[len(col.groups) : depth - 1])
        leaf_lines = max(leaf_lines, _lines(col.label, _LEAF_WIDTH) - above)
    group_lines[depth - 1] = leaf_lines
    for level, lines in enumerate(group_lines):
        ws.row_dimensions[head_top + level].height = lines * _LINE_PT + 6

    # Body rows.
    blank = {c.id for c in columns if _census_missing(table, c)}
    for i, row in enumerate(table.rows):
        r = first_data + i
        label_cell = ws.cell(row=r, column=1)
        set_cell(label_cell, row.label)
        indent = _depth(table, row)
        label_cell.alignment = Alignment(
            horizontal="center" if row.is_total else "left",
            vertical="center",
            wrap_text=True,
            indent=indent * 2,
        )
        label_cell.font = bold_font if row.is_total else body_font
        for j, col in enumerate(columns):
            cell = ws.cell(row=r, column=j + 2)
            value = row.values.get(col.id)
            if value is None:
                cell.value = None if col.id in blank else NOT_APPLICABLE
            elif col.ratio is not None and isinstance(value, Decimal):
                # the number as rounded, shown as the form prints it (85.70%, the % a format)
                cell.value = Decimal(format_money(value))
                places = "0." + "0" * col.ratio.places if col.ratio.places else "0"
                cell.number_format = places + ('"%"' if col.ratio.percent else "")
            elif isinstance(value, Decimal):
                # Through format_money: plain notation (never "1E+1") in the sheet XML.
                cell.value = Decimal(format_money(value))
                cell.number_format = _FINES_FORMAT
            else:
                cell.value = value
                cell.number_format = (
                    _FINES_FORMAT if col.kind is ColumnKind.FINES else _COUNT_FORMAT
                )
            cell.alignment = Alignment(horizontal="center", vertical="center")
            cell.font = bold_font if row.is_total else body_font
        label_lines = _lines(row.label, _LABEL_WIDTH - 2 * indent)
        ws.row_dimensions[r].height = max(2, label_lines) * _LINE_PT

    # Header styles and borders on every cell of the grid, merged ones included (a merged
    # range draws the borders of the cells it covers).
    for r in range(head_top, last_data + 1):
        for c in range(1, n_cols + 1):
            cell = ws.cell(row=r, column=c)
            cell.border = border
            if r <= head_bottom:
                cell.alignment = center
                cell.font = body_font

    ws.column_dimensions["A"].width = _LABEL_WIDTH
    for j in range(len(columns)):
        ws.column_dimensions[get_column_letter(j + 2)].width = _LEAF_WIDTH

    ws.freeze_panes = ws.cell(row=first_data, column=2)
    ws.print_title_rows = f"{head_top}:{head_bottom}"
    ws.print_area = f"A{title_row}:{get_column_letter(n_cols)}{last_data}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5


def _sheet_name(wb: Any, table: SummaryTable) -> str:
    # Excel: at most 31 characters, none of []:*?/\ ; unique in the workbook.
    name = "".join(ch for ch in table.label if ch not in "[]:*?/\\")[:31]
    taken: Iterable[str] = wb.sheetnames
    base, n = name or table.domain[:31], 2
    name = base
    while name in set(taken):
        name = f"{base[:28]}({n})"
        n += 1
    return name

"""Outputs: the terminal table, the long CSV and the xlsx in the official layout; the examples.

The xlsx tests open the workbook with openpyxl and check what a person handing the form in
would check: the merged header matches the 附表's structure, leaf labels in official order, "/"
where a column does not apply, numbers stored as numbers, 合计 last — and the same result gives
the same bytes.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from spotcheck_rules import load_ruleset
from spotcheck_rules.findings.validation import validate
from spotcheck_rules.ruleset.ruleset import Ruleset
from spotcheck_rules.tables.aggregation import aggregate
from spotcheck_rules.tables.report import render_csv, render_table, render_xlsx
from spotcheck_rules.tables.result import (
    AggregateResult,
    InputSummary,
    RulesetRef,
    SummaryTable,
    TableColumn,
    TableRow,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FINDINGS = EXAMPLES / "shanxi-2025-findings.jsonl"
CENSUS = EXAMPLES / "shanxi-2025-census.csv"


@pytest.fixture(scope="module")
def rs() -> Ruleset:
    return load_ruleset("shanxi/2025")


@pytest.fixture(scope="module")
def result(rs: Ruleset) -> AggregateResult:
    return aggregate(str(FINDINGS), rs, census=str(CENSUS))


@pytest.fixture(scope="module")
def workbook(result: AggregateResult) -> Any:
    return load_workbook(io.BytesIO(render_xlsx(result)))


def _small() -> AggregateResult:
    """A two-level table with a nested row, a '/' cell, money and no census (built by hand)."""
    cols = [
        TableColumn(id="census", label="辖区内单位总数", groups=[], kind="census_units"),
        TableColumn(
            id="a",
            label="甲不符合要求单位数",
            groups=["不合格情况", "甲类"],
            kind="violation_units",
        ),
        TableColumn(
            id="b",
            label="乙不符合要求单位数",
            groups=["不合格情况", "甲类"],
            kind="violation_units",
        ),
        TableColumn(
            id="c",
            label="丙不符合要求单位数",
            groups=["不合格情况", "乙类"],
            kind="violation_units",
        ),
        TableColumn(id="cases", label="查处案件数", groups=["行政处罚情况"], kind="cases"),
        TableColumn(id="fines", label="罚没款金额（万元）", groups=["行政处罚情况"], kind="fines"),
    ]

    def row(cat: str, label: str, parent: str | None, a: int | None, fine: str) -> TableRow:
        values: dict[str, int | Decimal | None] = {
            "census": None,
            "a": a,
            "b": 2,
            "c": 0,
            "cases": 3,
            "fines": Decimal(fine),
        }
        return TableRow(category=cat, label=label, parent=parent, values=values)

    rows = [
        row("g", "医院", None, 1, "0.5"),
        row("g1", "中医医院", "g", 1, "0.3"),
        row("g2", "中西医结合医院", "g", None, "0.2"),
        row("total", "合计", None, 1, "0.5"),
    ]
    table = SummaryTable(domain="tcm", title="测试汇总表", columns=cols, rows=rows)
    return AggregateResult(
        ruleset=RulesetRef(id="test/2025", digest="0" * 64),
        input=InputSummary(records_read=3, accepted=3, rejected=0),
        tables=[table],
    )


def _merged(ws: Worksheet) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


def _header_depth(table: SummaryTable) -> int:
    return max(len(c.groups) for c in table.columns) + 1


# --------------------------------------------------------------------------- xlsx: structure


def test_one_sheet_per_domain_named_by_domain_label(workbook: Any, result: AggregateResult) -> None:
    assert workbook.sheetnames == [
        "医疗机构",
        "中医医疗机构",
        "医疗美容机构",
        "母婴保健技术服务机构",
    ]
    assert [t.domain for t in result.tables] == ["medical", "tcm", "cosmetic", "maternal"]


def test_title_merged_across_the_table(workbook: Any, result: AggregateResult) -> None:
    for ws, table in zip(workbook.worksheets, result.tables, strict=True):
        last = get_column_letter(len(table.columns) + 1)
        assert ws["A1"].value == table.title
        assert f"A1:{last}1" in _merged(ws)


def test_small_header_is_merged_as_on_the_form() -> None:
    ws = load_workbook(io.BytesIO(render_xlsx(_small()))).worksheets[0]
    merged = _merged(ws)
    # Three header rows (2..4): 单位类别 and 辖区内单位总数 (no groups) merged down through all;
    # 不合格情况 across its three columns, 甲类 across two, 乙类 alone (no merge needed);
    # 行政处罚情况 across two, its leaves merged down over the two rows below it.
    assert {"A2:A4", "B2:B4", "C2:E2", "C3:D3", "F2:G2", "F3:F4", "G3:G4"} <= merged
    assert ws["C2"].value == "不合格情况" and ws["C3"].value == "甲类" and ws["E3"].value == "乙类"
    assert [ws.cell(row=4, column=c).value for c in (3, 4, 5)] == [
        "甲不符合要求单位数",
        "乙不符合要求单位数",
        "丙不符合要求单位数",
    ]
    assert ws["F3"].value == "查处案件数" and ws["G3"].value == "罚没款金额\n（万元）"
    # Rows: the child rows indented under their subtotal row, 合计 last.
    assert [ws.cell(row=r, column=1).value for r in range(5, 9)] == [
        "医院",
        "中医医院",
        "中西医结合医院",
        "合计",
    ]
    assert ws["A5"].alignment.indent == 0 and ws["A6"].alignment.indent == 2
    # No census: the census column is blank, not "/" (it applies; it was not supplied).
    assert ws["B5"].value is None
    assert ws["C7"].value == "/"
    assert ws["G5"].value == 0.5 and ws["G5"].number_format == "0.0000"


def test_same_group_label_under_different_parents_is_not_merged() -> None:
    base = _small()
    t = base.tables[0]
    cols = [
        TableColumn(id="x", label="X", groups=["一", "管理"], kind="violation_units"),
        TableColumn(id="y", label="Y", groups=["二", "管理"], kind="violation_units"),
    ]
    rows = [TableRow(category="total", label="合计", values={"x": 0, "y": 0})]
    table = t.model_copy(update={"columns": cols, "rows": rows})
    ws = load_workbook(
        io.BytesIO(render_xlsx(base.model_copy(update={"tables": [table]})))
    ).worksheets[0]
    assert "B3:C3" not in _merged(ws)
    assert ws["B3"].value == "管理" and ws["C3"].value == "管理"


def test_official_header_groups_and_leaves(workbook: Any, result: AggregateResult) -> None:
    for ws, table in zip(workbook.worksheets, result.tables, strict=True):
        depth = _header_depth(table)
        bottom = 1 + depth
        merged = _merged(ws)
        assert ws["A2"].value == "单位类别" and f"A2:A{bottom}" in merged
        for j, col in enumerate(table.columns, 2):
            top = 2 + len(col.groups)
            cell = ws.cell(row=top, column=j)
            assert (cell.value or "").replace("\n", "") == col.label
            if top < bottom:  # fewer groups than the deepest column: merged to the bottom
                assert f"{cell.coordinate}:{get_column_letter(j)}{bottom}" in merged
            for level, group in enumerate(col.groups):
                # The group label sits in the top-left cell of the merged range covering it.
                anchor = next(
                    (
                        ws.cell(row=r.min_row, column=r.min_col)
                        for r in ws.merged_cells.ranges
                        if r.min_row == r.max_row == 2 + level and r.min_col <= j <= r.max_col
                    ),
                    ws.cell(row=2 + level, column=j),
                )
                assert anchor.value == group


def test_maternal_header_matches_the_form(workbook: Any) -> None:
    # 004 附表2 (the cleanest 母婴 form): 单位类别, 辖区内单位总数, 检查单位数 down through the
    # header; 不合格情况 over three groups; 行政处罚情况 over four leaves.
    ws = workbook["母婴保健技术服务机构"]
    merged = _merged(ws)
    assert {"A2:A4", "B2:B4", "C2:C4", "D2:X2", "D3:E3", "F3:S3", "T3:X3", "Y2:AB2"} <= merged
    assert [ws[c].value for c in ("B2", "C2", "D2", "D3", "F3", "T3", "Y2")] == [
        "辖区内单位总数",
        "检查单位数",
        "不合格情况",
        "机构及人员资质情况",
        "法律法规执行情况",
        "制度建立情况",
        "行政处罚情况",
    ]
    assert [ws.cell(row=3, column=c).value for c in range(25, 29)] == [
        "查处案件数",
        "罚没款金额\n（万元）",
        "吊销执业机构许可证单位数",
        "吊销人员资格证单位数",
    ]


def test_rows_values_slash_and_total(workbook: Any, result: AggregateResult) -> None:
    for ws, table in zip(workbook.worksheets, result.tables, strict=True):
        first = 2 + _header_depth(table)
        assert ws.max_row == first + len(table.rows) - 1
        assert ws.cell(row=ws.max_row, column=1).value == "合计"
        for i, row in enumerate(table.rows):
            r = first + i
            assert ws.cell(row=r, column=1).value == row.label
            for j, col in enumerate(table.columns, 2):
                got = ws.cell(row=r, column=j)
                want = row.values[col.id]
                if want is None:
                    assert got.value == "/"
                elif isinstance(want, Decimal):
                    assert isinstance(got.value, float) and got.number_format == "0.0000"
                    assert Decimal(str(got.value)) == want
                else:
                    assert type(got.value) is int and got.value == want


def test_medical_village_clinic_slash_cells(workbook: Any, result: AggregateResult) -> None:
    # 村卫生室仅抽查处方管理情况: the other 医疗文书 columns are "/" in its row, not in others.
    ws = workbook["医疗机构"]
    table = result.table("medical")
    first = 2 + _header_depth(table)
    row = first + [r.category for r in table.rows].index("village_clinic")
    col = 2 + [c.id for c in table.columns].index("medical_record")
    assert ws.cell(row=row, column=col).value == "/"
    assert ws.cell(row=row - 1, column=col).value != "/"


def test_print_setup(workbook: Any) -> None:
    for ws in workbook.worksheets:
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows is not None
        assert ws["B5"].border.left.style == "thin"


def test_xlsx_bytes_are_deterministic(result: AggregateResult, monkeypatch: Any) -> None:
    first = render_xlsx(result)
    # A later clock must not change a byte: openpyxl stamps now() into docProps/core.xml and
    # zipfile stamps every entry.
    import time

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 86400 * 400)
    assert render_xlsx(result) == first
    wb = load_workbook(io.BytesIO(first))
    assert wb.properties.created.year == 2025 and wb.properties.modified == wb.properties.created


# --------------------------------------------------------------------------- CSV and table


def test_csv_is_long_with_bom(result: AggregateResult) -> None:
    text = render_csv(result)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    cells = sum(len(t.rows) * len(t.columns) for t in result.tables)
    assert len(rows) == cells
    medical = result.table("medical")
    by_key = {(r["domain"], r["category"], r["column"]): r for r in rows}
    assert by_key[("medical", "village_clinic", "medical_record")]["value"] == ""
    fines = by_key[("medical", "total", "fines")]
    assert Decimal(fines["value"]) == medical.cell("total", "fines")
    assert fines["groups"] == "行政处罚情况" and fines["row"] == str(len(medical.rows))
    assert render_csv(result, bom=False) == text.removeprefix("\ufeff")
    assert render_csv(result) == text


def test_csv_with_units(rs: Ruleset) -> None:
    res = aggregate(
        [{"unit_id": "U1", "domain": "medical", "category": "诊所", "violations": ["nurse"]}],
        rs,
        with_units=True,
    )
    rows = list(csv.DictReader(io.StringIO(render_csv(res, bom=False))))
    hit = next(r for r in rows if r["category"] == "clinic" and r["column"] == "nurse")
    assert hit["units"] == "U1" and hit["value"] == "1"


def _east_asian_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def test_terminal_table_aligns_cjk(result: AggregateResult) -> None:
    text = render_table(result, width=100)
    assert text == render_table(result, width=100)
    lines = text.splitlines()
    # Every table line fits the width, and the "|" of one band is in the same display column.
    for block in text.split("\n\n"):
        bars = {
            _east_asian_width(line.split(" | ")[0]) for line in block.splitlines() if " | " in line
        }
        assert len(bars) <= 1
    assert max(_east_asian_width(x) for x in lines if " | " in x) <= 100
    assert "村卫生室（所）" in text and "19  病历管理不符合要求单位数" in text


def test_terminal_table_small() -> None:
    text = render_table(_small())
    assert "  中医医院" in text  # children indented under their subtotal row
    assert "未提供辖区单位数" in text
    body = [line for line in text.splitlines() if line.startswith("  中西医结合医院")]
    # The census column is blank (no census), then "/", 2, 0, 3 and the exact amount.
    assert body and body[0].split("|")[1].split() == ["/", "2", "0", "3", "0.2"]


# --------------------------------------------------------------------------- the examples


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("examples_generate", EXAMPLES / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> Iterator[ModuleType]:
    module = _generator()
    yield module
    sys.modules.pop("examples_generate", None)


def test_examples_are_current_and_deterministic(generator: ModuleType) -> None:
    # Same seed, same bytes; and the committed files are what the script writes.
    assert generator.write_examples(check=True) == []
    rs = load_ruleset("shanxi/2025")
    assert generator.generate_findings(rs) == generator.generate_findings(rs)


def test_example_findings_validate_cleanly(rs: Ruleset) -> None:
    report = validate(str(FINDINGS), rs)
    assert report.problems == ()
    assert report.records_read == report.accepted >= 300


def test_examples_cover_every_domain_and_column(result: AggregateResult, rs: Ruleset) -> None:
    assert {t.domain for t in result.tables} == set(rs.domains)
    for table in result.tables:
        total = table.total.values
        for col in table.columns:
            if col.kind in ("violation_units", "revoked_units", "cases", "fines"):
                assert total[col.id], f"{table.domain}.{col.id} is never non-zero"
    assert not [i for i in result.issues if i.severity != "info"]


def test_broken_file_reports_each_seeded_problem(generator: ModuleType, rs: Ruleset) -> None:
    report = validate(str(EXAMPLES / "broken-findings.csv"), rs)
    got: dict[int, list[str]] = {}
    for p in report.problems:
        assert p.line is not None
        got.setdefault(p.line, []).append(p.code)
    want = {i: sorted(row.codes) for i, row in enumerate(generator.BROKEN, 2) if row.codes}
    assert {k: sorted(v) for k, v in got.items()} == want
    seeded = {c for row in generator.BROKEN for c in row.codes}
    from spotcheck_rules.findings.validation import CODES

    findings_codes = {c for c in CODES if c.startswith("F")}
    assert findings_codes == seeded | set(generator.UNREACHABLE)

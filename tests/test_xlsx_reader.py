"""The two xlsx readers behind ``findings.rows.iter_xlsx`` give the same rows.

python-calamine reads the sheet when it can, openpyxl (read-only) when it cannot or is not
installed; :mod:`spotcheck_rules.findings.xlsxscan` reshapes calamine's grid into openpyxl's rows
and sends a sheet calamine would read otherwise to openpyxl. Every test here reads the same bytes
through both and requires the same rows, problems and errors.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from spotcheck_rules.core.errors import SpotcheckError
from spotcheck_rules.findings import rows, xlsxscan

pytest.importorskip("python_calamine")
# openpyxl warns as it reads a date past 9999 as #VALUE! (a case both readers are held to)
pytestmark = pytest.mark.filterwarnings("ignore:Cell .* is marked as a date:UserWarning")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _auto_reader() -> Iterator[None]:
    yield
    rows._READER = "auto"


def read(data: bytes, reader: str) -> tuple[Any, tuple[str, str | None]]:
    """Rows as (line, cells, problems, sheet), or the error's text and problems; and which
    reader read (with its reason for openpyxl)."""
    rows._READER = reader
    got: list[Any] = []
    try:
        for r in rows.iter_xlsx(data, "f.xlsx", SpotcheckError, "F009"):
            got.append((r.line, r.cells, r.problems, r.sheet))
    except SpotcheckError as exc:
        got.append(("error", str(exc), [p.model_dump() for p in exc.problems]))
    finally:
        rows._READER = "auto"
    return got, rows._last_read()


def same(data: bytes, *, calamine: bool = True) -> list[Any]:
    """Both readers' rows, required equal, with their types; ``calamine``: the calamine
    reader must have read the sheet itself (not handed it to openpyxl)."""
    a, how_a = read(data, "openpyxl")
    b, how_b = read(data, "calamine")
    assert how_a[0] == "openpyxl"
    assert _typed(b) == _typed(a)
    if calamine:
        assert how_b == ("calamine", None)
    return a


def _typed(got: list[Any]) -> list[Any]:
    """Rows with each cell's type beside it: 1 == 1.0 == True in Python, not here."""
    return [
        (r[0], [(type(v).__name__, v) for v in r[1]], *r[2:]) if isinstance(r[1], tuple) else r
        for r in got
    ]


def book(ws_fill: Any, title: str = "检查结果") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws_fill(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def patch_part(data: bytes, part_name: str, edit: Any) -> bytes:
    """The workbook with one part's XML passed through ``edit`` (str -> str)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for name in zin.namelist():
            part = zin.read(name)
            if name == part_name:
                part = edit(part.decode("utf-8")).encode("utf-8")
            zout.writestr(name, part)
    return out.getvalue()


def patch_sheet(data: bytes, edit: Any) -> bytes:
    return patch_part(data, "xl/worksheets/sheet1.xml", edit)


_INLINE = re.compile(
    r'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="inlineStr"><is><t(?: xml:space="preserve")?>(.*?)</t></is></c>',
    re.S,
)
_SST = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def shared_strings(data: bytes) -> bytes:
    """The workbook with its text in a shared-strings part, as Excel saves it (openpyxl
    writes inline strings): ``xml:space="preserve"`` on every text with outer whitespace."""
    table: dict[str, int] = {}

    def move(m: re.Match[str]) -> str:
        i = table.setdefault(m.group(3), len(table))
        return f'<c r="{m.group(1)}"{m.group(2)} t="s"><v>{i}</v></c>'

    def si(text: str) -> str:
        keep = ' xml:space="preserve"' if text != text.strip() else ""
        return f"<si><t{keep}>{text}</t></si>"

    data = patch_sheet(data, lambda x: _INLINE.sub(move, x))
    sst = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(table)}" uniqueCount="{len(table)}">'
        + "".join(si(t) for t in table)
        + "</sst>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for name in zin.namelist():
            part = zin.read(name).decode("utf-8")
            if name == "[Content_Types].xml":
                part = part.replace(
                    "</Types>",
                    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif name == "xl/_rels/workbook.xml.rels":
                part = part.replace(
                    "</Relationships>",
                    f'<Relationship Type="{_SST}" Target="sharedStrings.xml" Id="rIdS"/>'
                    "</Relationships>",
                )
            zout.writestr(name, part)
        zout.writestr("xl/sharedStrings.xml", sst)
    return out.getvalue()


# --------------------------------------------------------------------------- the property

_TEXT = st.text(
    st.sampled_from(list("单位名称诊所医院是否ＡＢＣ１２３（）　abcXYZ019-_/. ,\n\t")), max_size=8
)
_SAFE_TEXT = _TEXT.map(str.strip).filter(bool)  # what calamine reads alike: no outer spaces
_AMOUNT = st.decimals(min_value=0, max_value=999_999, places=2, allow_nan=False)
_DATE = st.dates(dt.date(1901, 1, 1), dt.date(2099, 12, 31))
_DATETIME = st.datetimes(dt.datetime(1901, 1, 1), dt.datetime(2099, 12, 31))
_SAFE_CELL = st.one_of(
    st.none(),
    _SAFE_TEXT,
    st.integers(0, 999_999),  # a bigger number beside a date format goes to openpyxl
    st.floats(0, 999_999, allow_nan=False).map(lambda f: round(f, 3)),
    _AMOUNT.map(float),  # an amount keyed as a number
    _AMOUNT.map(str),  # and as text
    _DATE,
    _DATETIME,
    st.booleans(),
    st.sampled_from(["=1+1", '=A1&"x"', "=SUM(A1:A3)"]),  # saved without a value by openpyxl
)
_ANY_CELL = st.one_of(
    _SAFE_CELL,
    _TEXT,  # blank, spaces around
    st.integers(-(10**20), 10**20),
    st.floats(-1e20, 1e20, allow_nan=False, allow_infinity=False),
    st.sampled_from(["", " ", "_x000D_", "#N/A"]),
    st.times(),
    st.timedeltas(dt.timedelta(0), dt.timedelta(days=3)),
)
_FORMATS = st.sampled_from(
    [
        None,
        "General",
        "0.00",
        "#,##0.00",
        "@",
        "yyyy-mm-dd",
        'yyyy"年"m"月"d"日"',
        "yyyy/m/d h:mm",
        "h:mm:ss",
        "[h]:mm",
        "mm:ss",
        '0.00"元"',
        "[Red]0.00",
        "[$-F800]dddd, mmmm dd, yyyy",
    ]
)


_SAFE_FORMATS = _FORMATS.filter(lambda f: f is None or "[h]" not in f)


@dataclass(frozen=True)
class Sheet:
    """A generated sheet, built into a workbook by openpyxl (hypothesis prints this, not bytes)."""

    width: int
    two_rows: bool
    body: list[list[Any]]
    formats: list[tuple[int, int, str | None]]
    dimension: str | None
    shared: bool = False  # text in a shared-strings part, as Excel saves it

    def data(self) -> bytes:
        def fill(ws: Any) -> None:
            if self.two_rows:  # the entry workbook's and the official tables' two-row header
                ws.append(["单位", None, "检查", *[None] * max(self.width - 3, 0)])
                ws.merge_cells(
                    start_row=1, start_column=1, end_row=1, end_column=min(2, self.width)
                )
            ws.append([f"列{i}" for i in range(self.width)])
            for r in self.body:
                ws.append(r)
            for row, col, fmt in self.formats:
                if fmt is not None:
                    ws.cell(row, col).number_format = fmt

        data = book(fill)
        if self.dimension is not None:  # a declared size the sheet does not have
            ref = f'<dimension ref="{self.dimension}"'
            data = patch_sheet(data, lambda x: re.sub(r'<dimension ref="[^"]*"', ref, x))
        return shared_strings(data) if self.shared else data


def sheets(cell: Any, formats: Any) -> Any:
    return st.integers(1, 6).flatmap(
        lambda width: st.builds(
            Sheet,
            st.just(width),
            st.booleans(),
            st.lists(st.one_of(st.just([]), st.lists(cell, max_size=width + 2)), max_size=12),
            st.lists(st.tuples(st.integers(1, 20), st.integers(1, 8), formats), max_size=6),
            st.sampled_from([None, "A1", "A1:B2", "A1:Z500"]),
            st.booleans(),
        )
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets(_SAFE_CELL, _SAFE_FORMATS))
def test_calamine_reads_what_openpyxl_reads(sheet: Sheet) -> None:
    """Text (Chinese, full-width), integers, floats, amounts as numbers and as text, dates,
    datetimes, booleans, blanks, blank rows, a merged two-row header, formulas saved without a
    value, date and number formats, a wrong declared size: calamine reads it, and the rows are
    openpyxl's."""
    same(sheet.data())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sheets(st.one_of(_SAFE_CELL, _TEXT.filter(bool)), _SAFE_FORMATS).map(
        lambda s: replace(s, shared=True)
    )
)
def test_excel_keeps_outer_spaces_and_calamine_reads_them(sheet: Sheet) -> None:
    """Shared strings as Excel writes them (``xml:space="preserve"`` where text has outer
    whitespace, blank text included): calamine reads them, as openpyxl does."""
    same(sheet.data())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets(_ANY_CELL, _FORMATS))
def test_any_sheet_reads_the_same_whichever_reader(sheet: Sheet) -> None:
    """Adds what calamine reads otherwise (spaces around text, blank strings, escapes, error
    text, negative and huge numbers, times, durations): the rows are still openpyxl's, calamine's
    mended or the sheet handed to openpyxl."""
    data = sheet.data()
    a, _ = read(data, "openpyxl")
    b, how = read(data, "calamine")
    note(f"calamine path: {how}")
    assert _typed(b) == _typed(a)


# --------------------------------------------------------------------------- units


def test_a_plain_findings_sheet_is_read_by_calamine() -> None:
    def fill(ws: Any) -> None:
        ws.append(["单位编号", "单位名称", "检查日期", "查处案件数", "罚没款", "是否移交"])
        ws.append(["U1", "示例诊所（示例）", dt.date(2025, 6, 1), 2, 1234.5, "是"])
        ws.append([])
        ws.append(["U2", "　全角空格", dt.datetime(2025, 6, 2, 9, 30), 0, 0.0, None])

    got = same(book(fill))
    assert got[0] == (
        1,
        ("单位编号", "单位名称", "检查日期", "查处案件数", "罚没款", "是否移交"),
        (),
        "检查结果",
    )
    assert got[1][1] == ("U1", "示例诊所（示例）", dt.datetime(2025, 6, 1), 2, 1234.5, "是")
    assert got[2][:2] == (3, ())
    assert got[3][1] == ("U2", "　全角空格", dt.datetime(2025, 6, 2, 9, 30), 0, 0)


def test_without_calamine_installed_openpyxl_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    data = book(lambda ws: (ws.append(["a", "b"]), ws.append([1, dt.date(2025, 6, 1)])))
    want = read(data, "calamine")
    assert want[1] == ("calamine", None)
    monkeypatch.setitem(sys.modules, "python_calamine", None)  # import raises ImportError
    rows._READER = "auto"
    got = [
        (r.line, r.cells, r.problems, r.sheet)
        for r in rows.iter_xlsx(data, "f.xlsx", SpotcheckError, "F009")
    ]
    assert rows._last_read() == ("openpyxl", "python-calamine is not installed")
    assert _typed(got) == _typed(want[0])


def test_rows_below_a_wrong_declared_dimension_are_read() -> None:
    def fill(ws: Any) -> None:
        for i in range(1, 11):
            ws.append([f"r{i}", i])

    data = patch_sheet(
        book(fill), lambda x: x.replace('<dimension ref="A1:B10"', '<dimension ref="A1:A2"')
    )
    assert b'ref="A1:A2"' in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    got = same(data)
    assert [r[1] for r in got] == [(f"r{i}", i) for i in range(1, 11)]


def test_trailing_styled_empty_cells_and_rows_count_as_openpyxl_counts_them() -> None:
    def fill(ws: Any) -> None:
        ws.append(["a", "b"])
        ws.append(["x"])
        ws["E2"].number_format = "0.00"  # a styled empty cell: openpyxl pads the row to it
        ws["C5"].number_format = "0.00"  # a last row with no value

    got = same(book(fill))
    assert [r[1] for r in got] == [
        ("a", "b"),
        ("x", None, None, None, None),
        (),
        (),
        (None, None, None),
    ]


def test_a_formula_without_a_saved_value_is_named_by_both() -> None:
    def fill(ws: Any) -> None:
        ws.append(["单位编号", "查处案件数"])
        ws.append(["U1", "=1+1"])

    got = same(book(fill))
    assert got[1][1] == ("U1", None)
    assert got[1][2] == (
        "第 2 列是公式，但文件中没有保存计算结果（会被读成空）：请在 Excel 中打开并保存，或把公式粘贴为数值",
    )


def test_a_formula_with_a_saved_value_reads_its_value() -> None:
    def fill(ws: Any) -> None:
        ws.append(["a", "b", "c"])
        ws.append([1, 2, 3])

    data = patch_sheet(
        book(fill),
        lambda x: x.replace(
            '<c r="C2" t="n"><v>3</v></c>', '<c r="C2"><f>A2+B2</f><v>3</v></c>'
        ).replace(
            "</row></sheetData>", '<c r="D2" t="str"><f>"x"</f><v>x</v></c></row></sheetData>'
        ),
    )
    assert same(data)[1][1:3] == (
        (1, 2, 3, "x"),
        ("第 4 列有值“x”，但该列没有表头（合并的表头单元格，或比表头多出的列）",),
    )


def test_error_cells_read_as_their_text() -> None:
    """openpyxl gives an error cell as its text; calamine as a blank, so the sheet goes to
    openpyxl."""

    def fill(ws: Any) -> None:
        ws.append(["a", "b"])
        ws.append([1, 2])

    data = patch_sheet(
        book(fill),
        lambda x: x.replace(
            '<c r="B2" t="n"><v>2</v></c>', '<c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        ),
    )
    got = same(data, calamine=False)
    assert got[1][1] == (1, "#DIV/0!")
    assert read(data, "calamine")[1][1] is not None  # handed to openpyxl, with the reason


@pytest.mark.parametrize(
    ("env", "limit", "line"),
    [("SPOTCHECK_MAX_ROWS", "4", 5), ("SPOTCHECK_MAX_CELLS", "7", 3)],
)
def test_row_and_cell_limits_fail_at_the_same_row(
    monkeypatch: pytest.MonkeyPatch, env: str, limit: str, line: int
) -> None:
    def fill(ws: Any) -> None:
        for i in range(8):
            ws.append([i, i + 1, i + 2])

    monkeypatch.setenv(env, limit)
    got = same(book(fill), calamine=False)  # over a limit: openpyxl yields up to it, then fails
    assert [r[0] for r in got[:-1]] == list(range(1, line))
    assert got[-1][0] == "error" and got[-1][2][0]["line"] == line


def test_a_sparse_sheet_is_not_made_dense() -> None:
    def fill(ws: Any) -> None:
        ws["A1"] = "a"
        ws["XFD2000"] = "far"

    got = same(book(fill), calamine=False)
    assert read(book(fill), "calamine")[1] == ("openpyxl", "sparse")
    assert len(got[1][1]) == 0 and len(got[-1][1]) == 16384


@pytest.mark.parametrize(
    "broken",
    [
        b"not a zip at all",
        "sheet-xml",
        "no-workbook",
    ],
)
def test_a_broken_file_fails_with_the_same_message(broken: Any) -> None:
    def fill(ws: Any) -> None:
        ws.append(["a", "b"])
        ws.append([1, 2])

    if isinstance(broken, bytes):
        data = broken
    elif broken == "sheet-xml":
        data = patch_sheet(book(fill), lambda x: x.replace("</row>", "</rwo>", 1))
    else:
        src = zipfile.ZipFile(io.BytesIO(book(fill)))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for n in src.namelist():
                if n != "xl/workbook.xml":
                    z.writestr(n, src.read(n))
        data = out.getvalue()
    got = same(data, calamine=False)
    assert got[-1][0] == "error"
    assert "f.xlsx：" in got[-1][1]


def test_the_sheet_title_and_first_worksheet() -> None:
    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["这一页是第一页"])
    data_ws = wb.create_sheet("数据")
    data_ws.append(["x"])
    out = io.BytesIO()
    wb.save(out)
    assert same(out.getvalue())[0][3] == "说明"  # the first sheet, whatever it is called


_ROW2 = '<row r="2"><c r="A2" t="n"><v>1</v></c><c r="B2" t="inlineStr"><is><t>x</t></is></c></row>'
_ROW3 = '<row r="3"><c r="A3" t="n"><v>2</v></c><c r="B3" t="inlineStr"><is><t>y</t></is></c></row>'


@pytest.mark.parametrize(
    ("old", "new", "want"),
    [
        ("<v>1</v>", "<v>1.0</v>", (1.0, "x")),  # openpyxl: a float, as written
        ("<v>1</v>", "<v>1E3</v>", (1000.0, "x")),
        ("<v>1</v>", "<v>12345678901234567891</v>", (12345678901234567891, "x")),  # no float
        ("<v>1</v>", "<v> 7 </v>", (7, "x")),
        ("<v>1</v>", "<v>-1</v>", (-1, "x")),
        ("<t>x</t>", "<t>_x000D_</t>", (1, "_x000D_")),  # calamine would decode it
        ("<t>x</t>", "<t> x</t>", (1, " x")),  # calamine would trim it
        ('<c r="B2" t="inlineStr">', '<c t="inlineStr">', (1, "x")),  # no reference
        ('<c r="B2" t="inlineStr">', '<c t="inlineStr" r="B2">', (1, "x")),  # not first
        (_ROW2 + _ROW3, _ROW3 + _ROW2, None),  # rows out of order: openpyxl's counting
    ],
)
def test_sheet_xml_calamine_reads_otherwise_goes_to_openpyxl(
    old: str, new: str, want: tuple[Any, ...] | None
) -> None:
    data = book(lambda ws: (ws.append(["a", "b"]), ws.append([1, "x"]), ws.append([2, "y"])))
    data = patch_sheet(data, lambda x: x.replace(old, new) if old in x else pytest.fail(old))
    got = same(data, calamine=False)
    assert read(data, "calamine")[1][0] == "openpyxl"
    if want is not None:
        assert got[1][1] == want


@pytest.mark.parametrize("micro", [0, 500, 1500, 999_500, 999_999, 123_456])
def test_datetimes_round_to_milliseconds_as_openpyxl_rounds_them(micro: int) -> None:
    """calamine and openpyxl round a serial to milliseconds from different floats: near a
    half they differ by 1 ms (at 500 µs here), so the serial is read again for each date."""

    def fill(ws: Any) -> None:
        ws.append(["检查时间", "时刻"])
        ws.append([dt.datetime(2000, 1, 1, 8, 0, 59, micro), dt.time(23, 59, 59, micro)])
        ws.append([dt.datetime(2025, 12, 31, 23, 59, 59, micro), dt.date(2025, 6, 1)])

    same(book(fill))


def test_a_1904_workbook_counts_dates_from_1904() -> None:
    def fill(ws: Any) -> None:
        ws.parent.epoch = CALENDAR_MAC_1904
        ws.append(["检查日期"])
        ws.append([dt.date(2025, 6, 1)])

    got = same(book(fill))
    assert got[1][1] == (dt.datetime(2025, 6, 1),)


def test_a_chartsheet_before_the_data_is_skipped() -> None:
    wb = Workbook()
    wb.active.title = "数据"
    wb.active.append(["x", 1])
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.add_data(Reference(wb.active, min_col=2, min_row=1, max_row=1))
    wb.create_chartsheet("图表", 0).add_chart(chart)
    out = io.BytesIO()
    wb.save(out)
    assert same(out.getvalue())[0][1:4:2] == (("x", 1), "数据")


def test_shared_text_that_calamine_would_trim_goes_to_openpyxl() -> None:
    """Outer whitespace without ``xml:space`` (some writers): openpyxl keeps it, calamine trims."""
    data = shared_strings(book(lambda ws: ws.append(["a", "b"])))
    data = patch_part(data, "xl/sharedStrings.xml", lambda x: x.replace("<t>b</t>", "<t> b </t>"))
    got = same(data, calamine=False)
    assert got[0][1] == ("a", " b ")


def test_a_number_past_year_9999_in_a_date_cell_is_an_error_as_openpyxl_reads_it() -> None:
    def fill(ws: Any) -> None:
        ws.append(["检查日期"])
        ws.append([2958466])
        ws["A2"].number_format = "yyyy-mm-dd"

    assert same(book(fill), calamine=False)[1][1] == ("#VALUE!",)


# --------------------------------------------------------------------------- number formats

_CODES = [
    "yyyy-mm-dd",
    "0.00",
    '"d"0.00',
    "\\d0",
    "_d0",
    "[Red]0.00",
    "[$-804]yyyy年m月d日",
    "[$-F800]dddd",
    "aaaa",
    "AM/PM 0",
    "a/p",
    "0;yyyy",
    "#,##0.00_);[Red](#,##0.00)",
    '0.00"元"',
    "e",
    "General",
    "@",
    "[DBNum1]0",
    "yy/mm/dd@",
    'h"时"mm"分"',
]


@pytest.mark.parametrize("code", _CODES)
def test_the_transcribed_date_test_is_calamines(code: str) -> None:
    """``xlsxscan._calamine_date`` says what calamine itself does with a number in that format
    (the scan relies on it to know both libraries read a format alike)."""

    def fill(ws: Any) -> None:
        ws["A1"] = 45000.25
        ws["A1"].number_format = code

    got = xlsxscan.read_grid(book(fill), "检查结果")[0][0]
    assert isinstance(got, (dt.date, dt.time, dt.timedelta)) == xlsxscan._calamine_date(code)


@pytest.mark.parametrize("code", _CODES)
def test_every_format_reads_the_same(code: str) -> None:
    def fill(ws: Any) -> None:
        ws.append(["a", "b", "c"])
        ws.append([45000.25, 45000, 0.5])
        for c in ws[2]:
            c.number_format = code

    same(book(fill), calamine=False)


# --------------------------------------------------------------------------- end to end


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from spotcheck_rules.cli.app import main

    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_validate_and_aggregate_are_byte_identical_with_either_reader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bundled example findings keyed into their entry workbooks, and the broken examples as
    a flat sheet: validate and aggregate print the same bytes whichever reader reads them."""
    from spotcheck_rules.forms.workbook import render_template
    from spotcheck_rules.ruleset.loader import load_ruleset

    shanxi = load_ruleset("shanxi/2025")
    recs = [
        json.loads(line)
        for line in (ROOT / "examples" / "shanxi-2025-findings.jsonl")
        .read_text("utf-8")
        .splitlines()
    ]
    paths = []
    for domain in shanxi.domains:
        mine = [r for r in recs if shanxi.domain(r["domain"]).domain == domain]
        path = tmp_path / f"{domain}.xlsx"
        path.write_bytes(render_template(shanxi, domain, mine))
        paths.append(path)
    import csv

    flat = Workbook()
    with (ROOT / "examples" / "broken-findings.csv").open(encoding="utf-8", newline="") as f:
        for line in csv.reader(f):
            flat.active.append([c or None for c in line])
    broken = tmp_path / "broken.xlsx"
    flat.save(broken)

    runs = [
        ["validate", "--ruleset", "shanxi/2025", *map(str, paths)],
        ["aggregate", "--ruleset", "shanxi/2025", "--format", "json", *map(str, paths)],
        ["validate", "--ruleset", "shanxi/2025", str(broken)],
        ["validate", "--ruleset", "shanxi/2025", "--format", "json", str(broken)],
    ]
    for argv in runs:
        got = {}
        for reader in ("openpyxl", "calamine"):
            rows._READER = reader
            got[reader] = _cli(argv, capsys)
            assert rows._last_read() == (reader, None) or reader == "openpyxl", rows._last_read()
        rows._READER = "auto"
        assert got["calamine"] == got["openpyxl"], argv
        assert got["openpyxl"][1], argv  # it printed something

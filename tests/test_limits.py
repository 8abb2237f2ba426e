"""Hostile input (issue 10): nesting, sizes and flat-file shapes become located errors.

Each test here failed before the fix it guards: a segfault, a traceback, or a silent loss.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from spotcheck_rules import load_ruleset
from spotcheck_rules.cli.app import main
from spotcheck_rules.core.errors import RulesetError, SpotcheckError
from spotcheck_rules.draws.audit import read_audit
from spotcheck_rules.draws.reading import RosterError
from spotcheck_rules.draws.roster import read_inspectors
from spotcheck_rules.findings.readers import FindingsReadError, read_records
from spotcheck_rules.findings.validation import validate
from spotcheck_rules.ruleset.documents import read_yaml
from spotcheck_rules.tables.resultfile import read_result

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def shanxi():  # type: ignore[no-untyped-def]
    return load_ruleset("shanxi/2025")


def _deep_json(n: int) -> str:
    return "[" * n + "]" * n


# --------------------------------------------------------------------------- YAML


def test_yaml_nested_50000_deep_is_refused_without_crashing(tmp_path: Path) -> None:
    # Before: ruamel's C composer recursed and the process died of SIGSEGV. A subprocess, so
    # that a regression fails this test instead of killing the test run.
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 50_000 + "]" * 50_000)
    code = (
        "import sys\n"
        "from spotcheck_rules.ruleset.documents import read_yaml\n"
        "from spotcheck_rules.core.errors import RulesetError\n"
        "try:\n"
        f"    read_yaml({str(path)!r})\n"
        "except RulesetError as exc:\n"
        "    print(exc.problems[0].code, exc.problems[0].line, exc.problems[0].column)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["Y003", "1", "65"]


@pytest.mark.parametrize(
    "text",
    [
        "- " * 5000 + "x\n",  # block sequences on one line
        "{a: " * 5000 + "1" + "}" * 5000,  # flow mappings
        "".join("  " * i + "k:\n" for i in range(500)) + "  " * 500 + "v\n",  # block maps
    ],
    ids=["block-seq", "flow-map", "block-map"],
)
def test_yaml_depth_is_checked_before_composing(text: str) -> None:
    with pytest.raises(RulesetError) as err:
        read_yaml("deep.yaml", text=text)
    (problem,) = err.value.problems
    assert problem.code == "Y003" and "SPOTCHECK_MAX_DEPTH" in problem.message
    assert problem.line is not None


def test_yaml_depth_limit_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "[" * 70 + "]" * 70
    with pytest.raises(RulesetError):
        read_yaml("x.yaml", text=text)
    monkeypatch.setenv("SPOTCHECK_MAX_DEPTH", "100")
    assert read_yaml("x.yaml", text=text).data is not None
    monkeypatch.setenv("SPOTCHECK_MAX_DEPTH", "lots")
    with pytest.raises(SpotcheckError, match="SPOTCHECK_MAX_DEPTH"):
        read_yaml("x.yaml", text=text)


def test_yaml_integer_over_4300_digits_is_a_located_error() -> None:
    text = "a: 1\nb:\n  cases: " + "9" * 5000 + "\n"
    with pytest.raises(RulesetError) as err:
        read_yaml("big.yaml", text=text)
    (problem,) = err.value.problems
    assert (problem.code, problem.line, problem.column) == ("Y002", 3, 10)
    assert "整数位数过多" in problem.message


def test_yaml_impossible_date_is_a_located_error() -> None:
    with pytest.raises(RulesetError) as err:
        read_yaml("d.yaml", text="ok: 1\ninspected_on: 2025-13-45\n")
    (problem,) = err.value.problems
    assert (problem.code, problem.line, problem.column) == ("Y002", 2, 15)


def test_yaml_findings_with_a_huge_integer(tmp_path: Path, shanxi) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "f.yaml"
    path.write_text(
        "- unit_id: a\n  domain: medical\n  category: 诊所\n  penalty:\n    cases: 1"
        + "0" * 5000
        + "\n"
    )
    with pytest.raises(FindingsReadError) as err:
        list(read_records(path))
    assert err.value.problems[0].line == 5


# --------------------------------------------------------------------------- JSON


def test_findings_json_nested_100000_deep(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(_deep_json(100_000))
    with pytest.raises(FindingsReadError, match="SPOTCHECK_MAX_DEPTH"):
        list(read_records(path))


def test_findings_json_nested_deeper_than_the_limit_but_decodable(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" + _deep_json(100) + "]")  # msgspec decodes it; our limit refuses it
    with pytest.raises(FindingsReadError, match="嵌套层数"):
        list(read_records(path))


def test_jsonl_line_nested_100000_deep_is_one_rejected_record(tmp_path: Path, shanxi) -> None:  # type: ignore[no-untyped-def]
    good = (EXAMPLES / "shanxi-2025-findings.jsonl").read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "deep.jsonl"
    path.write_text(
        good
        + "\n"
        + '{"unit_id": '
        + _deep_json(100_000)
        + "}\n"
        + good.replace("01W", "01X")
        + "\n",
        encoding="utf-8",
    )
    report = validate(path, shanxi)
    assert (report.records_read, report.accepted, report.rejected) == (3, 2, 1)
    (problem,) = [p for p in report.problems if p.code == "F001"]
    assert problem.line == 2 and "嵌套层数" in problem.message


def test_audit_nested_100000_deep(tmp_path: Path) -> None:
    path = tmp_path / "audit.json"
    path.write_text('{"format": ' + _deep_json(100_000) + "}")
    with pytest.raises(SpotcheckError, match="嵌套层数"):
        read_audit(path)


def test_audit_not_json_is_located(tmp_path: Path) -> None:
    path = tmp_path / "audit.json"
    path.write_text('{\n  "format": x\n}')
    with pytest.raises(SpotcheckError) as err:
        read_audit(path)
    assert err.value.problems[0].line == 2


def test_roster_json_nested_100000_deep(tmp_path: Path) -> None:
    path = tmp_path / "inspectors.json"
    path.write_text(_deep_json(100_000))
    with pytest.raises(RosterError, match="嵌套层数"):
        read_inspectors(path)


def test_merge_input_nested_100000_deep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"tables": ' + _deep_json(100_000) + "}")
    with pytest.raises(SpotcheckError, match="嵌套层数"):
        read_result(path)
    assert main(["merge", str(path)]) == 2
    assert "嵌套层数" in capsys.readouterr().err


def test_json_helper_gives_the_line_of_a_syntax_error() -> None:
    from spotcheck_rules.core.limits import load_json

    with pytest.raises(SpotcheckError) as err:
        load_json(b"[\n1,\n2,,\n]", "x.json", SpotcheckError, code="F001")
    assert err.value.problems[0].line == 3
    assert load_json(json.dumps({"a": [1, {"b": None}]}), "x", SpotcheckError, code="F001") == {
        "a": [1, {"b": None}]
    }


# --------------------------------------------------------------------------- CSV

HEADER = "unit_id,unit_name,domain,category,ownership,cases"
ROW = "U{n},诊所{n},医疗机构,诊所,民营,0"


def _csv(tmp_path: Path, *lines: str, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _counts(report) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    assert report.records_read == report.accepted + report.rejected
    return (report.records_read, report.accepted, report.rejected)


def _f001(report) -> dict[int, str]:  # type: ignore[no-untyped-def]
    return {p.line: p.message for p in report.problems if p.code == "F001"}


def test_csv_duplicate_header_refuses_the_file(tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER + ",penalty.cases", ROW.format(n=1) + ",3")
    with pytest.raises(FindingsReadError) as err:
        list(read_records(path))
    (problem,) = err.value.problems
    assert (problem.code, problem.line, problem.column) == ("F009", 1, 7)
    path = _csv(tmp_path, "unit_id,domain,category,unit_id", "a,医疗机构,诊所,b")
    with pytest.raises(FindingsReadError, match="重复"):
        list(read_records(path))


@pytest.mark.parametrize("header", ["penalty,cases", "harm.deaths,harm", "cases,penalty"])
def test_csv_object_column_and_its_field_clash(tmp_path: Path, header: str) -> None:
    # Found by the fuzz target: "penalty" then "cases" raised TypeError in the reader.
    path = _csv(tmp_path, "unit_id,domain,category," + header, "a,医疗机构,诊所,1,2")
    with pytest.raises(FindingsReadError) as err:
        list(read_records(path))
    assert [(p.code, p.column) for p in err.value.problems] == [("F009", 5)]


def test_csv_row_with_more_or_fewer_fields_is_rejected_with_its_row(
    tmp_path: Path,
    shanxi,  # type: ignore[no-untyped-def]
) -> None:
    path = _csv(
        tmp_path,
        HEADER,
        ROW.format(n=1),
        ROW.format(n=2) + ",5000",  # one more: the value had no column and was dropped
        "U3,诊所3,医疗机构,诊所",  # two fewer
        ROW.format(n=4),
    )
    report = validate(path, shanxi)
    assert _counts(report) == (4, 2, 2)
    problems = _f001(report)
    assert set(problems) == {3, 4}
    assert "有 7 个字段，表头有 6 个" in problems[3]
    assert "有 4 个字段，表头有 6 个" in problems[4]


def test_csv_rows_after_a_multiline_cell_keep_their_line(tmp_path: Path, shanxi) -> None:  # type: ignore[no-untyped-def]
    path = _csv(
        tmp_path,
        HEADER,
        'U1,"诊所\n（二部）",医疗机构,诊所,民营,0',
        "U2,诊所2,医疗机构,不存在的类别,民营,0",
    )
    records = list(read_records(path))
    assert [r.line for r in records] == [2, 4]
    report = validate(path, shanxi)
    assert [p.line for p in report.problems if p.code == "F012"] == [4]


def test_csv_unclosed_quote_that_swallows_997_rows(tmp_path: Path, shanxi) -> None:  # type: ignore[no-untyped-def]
    rows = [ROW.format(n=n) for n in range(3, 1000)]
    path = _csv(
        tmp_path,
        HEADER,
        ROW.format(n=1),
        'U2,"诊所2,医疗机构,诊所,民营,0',  # the quote is never closed on this line
        *rows,
        'U1000,诊所1000",医疗机构,诊所,民营,0',  # ... a stray quote here closes it
    )
    report = validate(path, shanxi)
    assert _counts(report) == (2, 1, 1)
    problems = _f001(report)
    assert list(problems) == [3]
    assert "未闭合的引号" in problems[3] and "第 3–1001 行" in problems[3]


def test_csv_cell_over_the_limit_is_a_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _csv(tmp_path, HEADER, ROW.format(n=1), "U2," + "长" * 200_000 + ",医疗机构,诊所,民营,0")
    with pytest.raises(FindingsReadError) as err:
        list(read_records(path))
    (problem,) = err.value.problems
    assert problem.line == 3 and "SPOTCHECK_MAX_CSV_CELL" in problem.message
    monkeypatch.setenv("SPOTCHECK_MAX_CSV_CELL", "300000")
    assert len(list(read_records(path))) == 2


def test_census_row_with_an_extra_field_is_located(tmp_path: Path, shanxi) -> None:  # type: ignore[no-untyped-def]
    from spotcheck_rules.tables.census import load_census

    path = _csv(tmp_path, "domain,category,units", "医疗机构,诊所,12", "医疗机构,医院,3,4")
    _, problems = load_census(path, shanxi)
    assert [(p.code, p.line) for p in problems] == [("C003", 3)]
    assert "有 4 个字段" in problems[0].message


def test_roster_csv_short_row_and_row_after_multiline_cell(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "执法人员编号,姓名,所在区县,可检查领域,回避单位",
        'A1,"王\n建国",140105,医疗机构,',
        "A2,李秀英,140106",
        "A1,张三,140106,医疗机构,",
        name="inspectors.csv",
    )
    roster = read_inspectors(path)
    assert [(p.code, p.line) for p in roster.problems] == [("U206", 4), ("U218", 5)]
    assert [i.id for i in roster.inspectors] == ["A1"]


# --------------------------------------------------------------------------- xlsx


def _xlsx(path: Path, rows: list[list[object]], merge: str | None = None) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    wb.save(path)
    return path


XLSX_HEADER: list[object] = ["unit_id", "unit_name", "domain", "category", "cases"]


def test_xlsx_merged_header_cell_does_not_lose_a_column(tmp_path: Path, shanxi) -> None:  # type: ignore[no-untyped-def]
    # unit_name spans B1:C1, so the domain values in column C had no header and were dropped.
    path = _xlsx(
        tmp_path / "f.xlsx",
        [
            ["unit_id", "unit_name", None, "category"],
            ["U1", "诊所1", "医疗机构", "诊所"],
            ["U2", "诊所2", None, "诊所"],
        ],
        merge="B1:C1",
    )
    report = validate(path, shanxi)
    assert _counts(report) == (2, 0, 2)
    problems = _f001(report)
    assert list(problems) == [2] and "第 3 列有值“医疗机构”，但该列没有表头" in problems[2]


def test_xlsx_formula_without_a_saved_value_is_named(tmp_path: Path, shanxi) -> None:  # type: ignore[no-untyped-def]
    # openpyxl writes formulas without their results, as any program that is not Excel does.
    path = _xlsx(
        tmp_path / "f.xlsx",
        [
            XLSX_HEADER,
            ["U1", "诊所1", "医疗机构", "诊所", 0],
            ["U2", "诊所2", "医疗机构", "诊所", "=E2+1"],
        ],
    )
    report = validate(path, shanxi)
    assert _counts(report) == (2, 1, 1)
    assert "第 5 列是公式，但文件中没有保存计算结果" in _f001(report)[3]


def test_roster_xlsx_formula_without_value(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "inspectors.xlsx",
        [["编号", "姓名", "区县", "领域"], ["A1", "王建国", "140105", '="医疗机构"']],
    )
    roster = read_inspectors(path)
    assert [(p.code, p.line) for p in roster.problems] == [("U206", 2)]


def _bomb(path: Path, sheet: bytes, *, stored_rows: int = 0) -> Path:
    """A valid workbook whose first sheet is replaced by ``sheet`` (highly compressible)."""
    import zipfile

    src = _xlsx(path.with_suffix(".src.xlsx"), [XLSX_HEADER])
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = sheet if info.filename == "xl/worksheets/sheet1.xml" else zin.read(info)
            zout.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return path


def _sheet(rows: str, dimension: str = "A1:E1") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>unit_id</t></is></c></row>'
        f"{rows}</sheetData></worksheet>"
    ).encode()


def test_xlsx_zip_bomb_is_refused_before_reading(tmp_path: Path) -> None:
    # 8 MB of sheet XML in a file of a few tens of KB: a ratio far over the limit (a real bomb
    # inflates to gigabytes; the ratio refuses it the same way, before anything is inflated).
    padding = "<!--" + " " * (8 * 1024 * 1024) + "-->"
    path = _bomb(tmp_path / "bomb.xlsx", _sheet(padding))
    assert path.stat().st_size < 100 * 1024
    with pytest.raises(FindingsReadError) as err:
        list(read_records(path))
    assert "SPOTCHECK_MAX_ZIP_RATIO" in err.value.problems[0].message
    with pytest.raises(RosterError, match="SPOTCHECK_MAX_ZIP_RATIO"):
        read_inspectors(path)


def test_xlsx_inflated_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _bomb(tmp_path / "big.xlsx", _sheet("<!--" + "x" * 300_000 + "-->"))
    monkeypatch.setenv("SPOTCHECK_MAX_XLSX_BYTES", "200000")
    with pytest.raises(FindingsReadError, match="SPOTCHECK_MAX_XLSX_BYTES"):
        list(read_records(path))
    monkeypatch.setenv("SPOTCHECK_MAX_XLSX_BYTES", "2000000")
    assert list(read_records(path)) == []


def test_xlsx_twenty_million_blank_rows_stop_at_the_row_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # openpyxl yields a blank row for each of the 20M missing ones: this hung. The default
    # limit (1,048,576, Excel's own) stops it after about 3 s; a lower one keeps the test fast.
    last = '<row r="20000000"><c r="A20000000" t="inlineStr"><is><t>x</t></is></c></row>'
    path = _bomb(tmp_path / "rows.xlsx", _sheet(last))
    monkeypatch.setenv("SPOTCHECK_MAX_ROWS", "5000")
    with pytest.raises(FindingsReadError) as err:
        list(read_records(path))
    (problem,) = err.value.problems
    assert problem.line == 5001 and "SPOTCHECK_MAX_ROWS" in problem.message


def test_xlsx_cells_limit_counts_padded_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cell in the last column (XFD) makes a row 16,384 cells wide.
    rows = "".join(f'<row r="{n}"><c r="XFD{n}"><v>{n}</v></c></row>' for n in range(2, 101))
    path = _bomb(tmp_path / "wide.xlsx", _sheet(rows))
    monkeypatch.setenv("SPOTCHECK_MAX_CELLS", "1000000")
    with pytest.raises(FindingsReadError, match="SPOTCHECK_MAX_CELLS") as err:
        list(read_records(path))
    assert err.value.problems[0].line == 63  # rows 2-62 hold 61 x 16,384 = 999,424 cells
    monkeypatch.setenv("SPOTCHECK_MAX_CELLS", "2000000")
    records = list(read_records(path))
    assert len(records) == 99 and "第 16384 列有值" in records[0].value.reason


def test_xlsx_rows_below_the_declared_dimension_are_read(tmp_path: Path) -> None:
    # The sheet says A1:E1, and openpyxl believed it: row 2 was silently not read.
    row = (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>U1</t></is></c>'
        '<c r="D2" t="inlineStr"><is><t>诊所</t></is></c></row>'
    )
    path = _bomb(tmp_path / "dim.xlsx", _sheet(row))
    assert [(r.line, r.value.reason) for r in read_records(path)] == [
        (2, "第 2 行第 4 列有值“诊所”，但该列没有表头（合并的表头单元格，或比表头多出的列）")
    ]


def test_roster_xlsx_merged_header_cell(tmp_path: Path) -> None:
    # 姓名 spans B1:C1: the region in column C had no header and the row lost it unsaid.
    path = _xlsx(
        tmp_path / "inspectors.xlsx",
        [["编号", "姓名", None, "领域"], ["A1", "王建国", "140105", "医疗机构"]],
        merge="B1:C1",
    )
    roster = read_inspectors(path)
    codes = [(p.code, p.line) for p in roster.problems]
    assert ("U206", 2) in codes and roster.inspectors == ()


def test_a_5000_digit_census_count_is_refused_with_a_short_message(  # type: ignore[no-untyped-def]
    tmp_path: Path, shanxi
) -> None:
    # A hostile cell must not flood the report: the message shows the start and the length.
    from spotcheck_rules.tables.census import load_census

    path = _csv(tmp_path, "domain,category,units", "医疗机构,诊所," + "9" * 5000)
    _, problems = load_census(path, shanxi)
    assert [(p.code, p.line) for p in problems] == [("C003", 2)]
    assert len(problems[0].message) < 200 and "共 5002 个字符" in problems[0].message


def test_a_long_wrong_typed_value_is_shown_cut() -> None:
    from spotcheck_rules import Validator

    v = Validator(load_ruleset("shanxi/2025"))
    record = {"unit_id": "U1", "domain": "医疗机构", "category": "诊所", "ownership": "民营"}
    (problem,) = [p for p in v.iter_problems({**record, "violations": "x" * 10_000})]
    assert problem.code == "F003" and len(problem.message) < 200


@pytest.mark.parametrize(
    ("field", "value"),
    [("ownership", "x" * 10_000), ("region", "9" * 10_000), ("inspected_on", "y" * 10_000)],
)
def test_every_bad_value_is_shown_cut(field: str, value: str) -> None:
    # each field check quoted the whole value (F007, F005, F006): a hostile cell flooded the report
    from spotcheck_rules import Validator

    v = Validator(load_ruleset("shanxi/2025"))
    record = {"unit_id": "U1", "domain": "医疗机构", "category": "诊所", "ownership": "民营"}
    problems = list(v.iter_problems({**record, field: value}))
    assert problems and all(len(p.message) < 200 for p in problems), problems

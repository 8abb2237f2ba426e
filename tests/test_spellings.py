"""The spreadsheets staff already have: CSV in the encodings Excel and WPS save on Chinese
Windows, Chinese headers, yes/no and dates as people write them (findings.encodings,
findings.spellings and the readers that use them)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from spotcheck_rules.core.errors import UsageError
from spotcheck_rules.core.text import normalize
from spotcheck_rules.findings.encodings import check_encoding, decode_csv, reading_encoding
from spotcheck_rules.findings.readers import FindingsReadError, flat_header, read_records
from spotcheck_rules.findings.spellings import (
    FlatHeader,
    cell_name,
    column_letter,
    parse_date,
    vocabulary,
)
from spotcheck_rules.findings.validation import validate
from spotcheck_rules.ruleset.loader import load_ruleset
from spotcheck_rules.tables.aggregation import aggregate
from spotcheck_rules.tables.report import render_csv

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIELDS = [
    "unit_id",
    "unit_name",
    "domain",
    "category",
    "ownership",
    "region",
    "inspected_on",
    "tier",
    "violations",
    "not_applicable",
    "cases",
    "fine_yuan",
    "revoked",
    "referred",
    "opinion_issued",
]


def _example_rows() -> list[dict[str, Any]]:
    rows = []
    for line in (EXAMPLES / "shanxi-2025-findings.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        rec.update(rec.pop("penalty", {}))
        rows.append(rec)
    return rows


def _cell(value: Any, *, chinese: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return ("是" if value else "否") if chinese else ("true" if value else "false")
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def _csv_text(*, chinese: bool = False, sep: str = ",") -> str:
    """The example findings as one flat CSV: field names, or the vocabulary's Chinese headers
    with 是/否 and dates written 2025年6月1日."""
    vocab = vocabulary()
    keys = {
        "cases": "penalty.cases",
        "fine_yuan": "penalty.fine_yuan",
        "revoked": "penalty.revoked",
    }
    header = [vocab.header_of(keys.get(f, f)) if chinese else f for f in FIELDS]
    lines = [sep.join(header)]
    for rec in _example_rows():
        cells = []
        for f in FIELDS:
            v = rec.get(f)
            if chinese and f == "inspected_on" and v:
                d = dt.date.fromisoformat(v)
                v = f"{d.year}年{d.month}月{d.day}日"
            cell = _cell(v, chinese=chinese)
            assert sep not in cell and '"' not in cell
            cells.append(cell)
        lines.append(sep.join(cells))
    return "\r\n".join(lines) + "\r\n"  # Excel ends lines with CRLF


def _tables(findings: Path, census: Path, encoding: str | None = None) -> tuple[str, str]:
    rs = load_ruleset("shanxi/2025")
    result = aggregate([str(findings)], rs, census=str(census), encoding=encoding)
    assert result.input.accepted > 100 and result.input.rejected == 0
    return json.dumps([t.model_dump(mode="json") for t in result.tables]), render_csv(result)


# Every way Excel and WPS save the same sheet: (file name, bytes of the text). UTF-16 is what
# "Unicode 文本" writes: a BOM, little-endian, tab-separated.
_SAVED_AS = {
    "utf8-bom.csv": lambda t: t.encode("utf-8-sig"),
    "gbk.csv": lambda t: t.encode("gbk"),
    "gb18030.csv": lambda t: t.encode("gb18030"),
    "utf16.txt": lambda t: t.replace(",", "\t").encode("utf-16"),
}


@pytest.mark.parametrize("name", sorted(_SAVED_AS))
def test_every_encoding_gives_byte_identical_tables(tmp_path: Path, name: str) -> None:
    census_text = (EXAMPLES / "shanxi-2025-census.csv").read_text(encoding="utf-8")
    plain = tmp_path / "plain.csv"
    plain.write_text(_csv_text(), encoding="utf-8")
    baseline = _tables(plain, EXAMPLES / "shanxi-2025-census.csv")
    # the flat file gives the tables the JSON Lines file gives
    jsonl = _tables(EXAMPLES / "shanxi-2025-findings.jsonl", EXAMPLES / "shanxi-2025-census.csv")
    assert baseline == jsonl
    encode = _SAVED_AS[name]
    findings = tmp_path / name
    findings.write_bytes(encode(_csv_text()))
    census = tmp_path / f"census-{name}"
    census.write_bytes(encode(census_text.replace("\n", "\r\n")))
    assert _tables(findings, census) == baseline
    # and with Chinese headers, 是/否 and 2025年6月1日 dates
    chinese = tmp_path / f"zh-{name}"
    chinese.write_bytes(encode(_csv_text(chinese=True)))
    zh_census = tmp_path / f"zh-census-{name}"
    zh_text = census_text.replace("domain,category,units", "监督领域,单位类别,辖区单位数", 1)
    assert zh_text != census_text
    zh_census.write_bytes(encode(zh_text.replace("\n", "\r\n")))
    assert _tables(chinese, zh_census) == baseline


def test_detected_encoding_is_recorded(tmp_path: Path) -> None:
    from spotcheck_rules.findings.readers import FileInfo

    for name, want in [
        ("gbk.csv", "gb18030"),
        ("utf16.txt", "utf-16"),
        ("utf8-bom.csv", "utf-8-sig"),
    ]:
        p = tmp_path / name
        p.write_bytes(_SAVED_AS[name](_csv_text()))
        info = FileInfo(str(p))
        assert sum(1 for _ in read_records(p, info=info)) > 100
        assert info.encoding == want


def test_decode_csv_guesses_and_delimiters() -> None:
    text = "单位名称,单位类别\n城区诊所,诊所\n"
    assert decode_csv(text.encode("gbk"), "f", FindingsReadError).encoding == "gb18030"
    got = decode_csv(text.replace(",", "\t").encode("utf-16-le"), "f", FindingsReadError)
    assert got.encoding == "utf-16-le" and got.delimiter == "\t"  # no BOM: told by its zeros
    assert got.text == text.replace(",", "\t")
    assert decode_csv(text.encode(), "f", FindingsReadError).delimiter == ","


def test_unsure_encoding_is_refused_naming_the_guess() -> None:
    # Big5 text decodes as GB18030 too, into rare characters: refused, the guess named.
    big5 = "單位名稱,單位類別,檢查日期\n臺北診療所,診所,2025-06-01\n".encode("big5")
    with pytest.raises(FindingsReadError) as caught:
        decode_csv(big5, "big5.csv", FindingsReadError)
    (problem,) = caught.value.problems
    assert problem.code == "F065" and "猜测：GB18030" in problem.message
    assert "--encoding" in problem.message
    # the user says which: read as told
    assert "單位名稱" in decode_csv(big5, "big5.csv", FindingsReadError, "big5").text
    # bytes no encoding we try can read
    with pytest.raises(FindingsReadError) as caught:
        decode_csv(b"a,b\n\xff\xff\xff\n", "bad.csv", FindingsReadError)
    assert caught.value.problems[0].code == "F065"
    assert "第 2 行" in caught.value.problems[0].message
    # the named encoding does not fit
    with pytest.raises(FindingsReadError) as caught:
        decode_csv("单位\n".encode("gbk"), "f.csv", FindingsReadError, "utf-8")
    assert "按指定的编码 utf-8 无法读取" in caught.value.problems[0].message
    # a BOM that lies
    with pytest.raises(FindingsReadError) as caught:
        decode_csv(b"\xef\xbb\xbfa\n\xff\n", "f.csv", FindingsReadError)
    assert caught.value.problems[0].message.startswith("文件以 UTF-8（带 BOM） 的标记开头")


def test_encoding_override_reaches_validate(tmp_path: Path) -> None:
    p = tmp_path / "big5.csv"
    p.write_bytes("unit_id,domain,category\nU1,醫療機構,診所\n".encode("big5"))
    rs = load_ruleset("shanxi/2025")
    with pytest.raises(FindingsReadError):
        validate(str(p), rs)
    with reading_encoding("big5"):
        report = validate(str(p), rs)
    assert (
        report.input.records_read == 1
    )  # read; 醫療機構 (traditional) is then a reference problem
    # the public parameter does the same, and names an unknown codec before reading anything
    assert validate(str(p), rs, encoding="big5").input.records_read == 1
    with pytest.raises(UsageError, match="未知的编码"):
        validate(str(p), rs, encoding="no-such-codec")
    with pytest.raises(Exception, match="未知的编码"):
        check_encoding("no-such-codec")


def test_header_that_matches_nothing_is_one_error(tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    p.write_text("序号,姓名,备注\n1,张三,\n2,李四,\n3,王五,\n", encoding="utf-8")
    rs = load_ruleset("shanxi/2025")
    with pytest.raises(FindingsReadError) as caught:
        validate(str(p), rs)
    (problem,) = caught.value.problems
    assert problem.code == "F066" and problem.line == 1
    for header in ("统一社会信用代码", "监督领域", "单位类别", "违法行为", "罚没款（元）"):
        assert header in problem.message


def test_chinese_headers_flags_and_values(tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    p.write_text(
        "统一社会信用代码,监督领域,单位类别,检查日期,违法行为,违法行为：处方管理不符合要求单位数,"
        "合理缺项：抽查重点病历情况,罚没款 (元),移交,监督意见书,备注\n"
        "U1,医疗机构,诊所,2025/6/1,license,√,是,100,否,√,复查\n"
        "U2,医疗机构,诊所,45809,,×,,,,,\n"
        "U3,医疗机构,诊所,2025.6.3,,也许,,,,,\n",
        encoding="utf-8",
    )
    a, b, c = list(read_records(p))
    assert a.value == {
        "unit_id": "U1",
        "domain": "医疗机构",
        "category": "诊所",
        "inspected_on": dt.date(2025, 6, 1),
        "violations": ["license", "处方管理不符合要求单位数"],
        "not_applicable": ["抽查重点病历情况"],
        "penalty": {"fine_yuan": "100"},
        "referred": False,
        "opinion_issued": True,
        "备注": "复查",
    }
    assert b.value["inspected_on"] == dt.date(2025, 6, 1)  # Excel's serial number 45809
    assert "violations" not in b.value
    assert "第4行 F列（违法行为：处方管理不符合要求单位数）的值 '也许' 应为是或否" in c.value.reason
    header = flat_header(p)
    assert header is not None
    assert header.column_of("inspected_on") == 3
    assert header.column_of("violations", "处方管理不符合要求单位数") == 5
    assert header.column_of("violations", "license") == 4  # the list column
    assert header.column_of("tier") is None


def test_two_headers_for_one_field_are_refused(tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    p.write_text("unit_id,单位名称,unit_name,domain,category\n", encoding="utf-8")
    with pytest.raises(FindingsReadError) as caught:
        list(read_records(p))
    (problem,) = caught.value.problems
    assert problem.code == "F009" and problem.column == 3


def test_census_chinese_headers(tmp_path: Path) -> None:
    from spotcheck_rules.findings.readers import read_census

    p = tmp_path / "c.csv"
    p.write_bytes("监督领域,单位类别,辖区单位数\n医疗机构,诊所,12\n".encode("gbk"))
    (entry,) = read_census(p)
    assert entry.value == {"domain": "医疗机构", "category": "诊所", "units": "12"}
    bad = tmp_path / "d.csv"
    bad.write_text("甲,乙\n1,2\n", encoding="utf-8")
    with pytest.raises(FindingsReadError) as caught:
        read_census(bad)
    assert (
        caught.value.problems[0].code == "F066" and "辖区单位数" in caught.value.problems[0].message
    )


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2025-06-01", dt.date(2025, 6, 1)),
        ("2025/6/1", dt.date(2025, 6, 1)),
        ("2025年6月1日", dt.date(2025, 6, 1)),
        ("2025 年 6 月 1 日", dt.date(2025, 6, 1)),
        ("2025.06.01", dt.date(2025, 6, 1)),
        (45809, dt.date(2025, 6, 1)),
        (45809.0, dt.date(2025, 6, 1)),
        ("45809", dt.date(2025, 6, 1)),
    ],
)
def test_dates_as_people_write_them(written: object, day: dt.date) -> None:
    assert parse_date(written) == day


@pytest.mark.parametrize("written", ["2025-06-31", "6月1日", "1234", 12.5, "abc", True])
def test_dates_it_cannot_read_are_left_as_written(written: object) -> None:
    assert parse_date(written) == written


def test_booleans() -> None:
    vocab = vocabulary()
    for yes in ("是", "√", "✓", "1", 1, True, "Y", "ｙｅｓ"):
        assert vocab.truth(yes) is True, yes
    for no in ("否", "×", "0", 0, False, "", None, "无"):
        assert vocab.truth(no) is False, no
    for neither in ("也许", 2, "？"):
        assert vocab.truth(neither) is None


def test_vocabulary_is_unambiguous() -> None:
    """No header stands for two fields of one kind of file, and every field has a header."""
    vocab = vocabulary()
    for kind, fields in vocab.headers.items():
        owner: dict[str, str] = {}
        for field, names in fields.items():
            assert names, f"{kind}.{field} has no Chinese header"
            for name in names:
                key = normalize(name)
                assert owner.setdefault(key, field) == field, f"{name}: {owner[key]} and {field}"
    assert not vocab.yes & vocab.no


def test_cell_names() -> None:
    assert [column_letter(i) for i in (0, 5, 25, 26, 701, 702)] == [
        "A",
        "F",
        "Z",
        "AA",
        "ZZ",
        "AAA",
    ]
    assert cell_name("检查结果", 12, 5) == "工作表“检查结果”第12行 F列"
    assert cell_name(None, 3, 0) == "第3行 A列"
    header = FlatHeader(["单位名称"], file="f", line=1, error=FindingsReadError)
    assert header.fields == {"unit_name": 0}


def test_cli_encoding_option(tmp_path: Path) -> None:
    import io

    from spotcheck_rules.cli.app import main

    p = tmp_path / "big5.csv"
    p.write_bytes("unit_id,domain,category\nU1,醫療機構,診所\n".encode("big5"))
    out, err = io.StringIO(), io.StringIO()
    assert main(["validate", str(p), "--ruleset", "shanxi/2025"], stdout=out, stderr=err) == 2
    assert "F065" in err.getvalue() and "猜测：GB18030" in err.getvalue()
    out, err = io.StringIO(), io.StringIO()
    argv = ["validate", str(p), "--ruleset", "shanxi/2025", "--encoding", "big5"]
    assert main(argv, stdout=out, stderr=err) == 1  # read: 醫療機構 is not a known domain
    assert "F010" in out.getvalue()
    out, err = io.StringIO(), io.StringIO()
    argv = ["aggregate", str(p), "--ruleset", "shanxi/2025", "--encoding", "nope"]
    assert main(argv, stdout=out, stderr=err) == 2
    assert "未知的编码" in err.getvalue()


def test_merge_reads_a_result_saved_as_utf16(tmp_path: Path) -> None:
    from spotcheck_rules.tables.resultfile import read_result

    rs = load_ruleset("shanxi/2025")
    result = aggregate([str(EXAMPLES / "shanxi-2025-findings.jsonl")], rs)
    p = tmp_path / "r.json"
    p.write_bytes(result.model_dump_json().encode("utf-16"))
    assert read_result(p).tables == result.tables
    q = tmp_path / "s.json"
    q.write_bytes(result.model_dump_json().encode("gbk"))
    assert read_result(q, encoding="gbk").tables == result.tables
    with pytest.raises(Exception, match="不是 spotcheck aggregate 的 JSON 结果") as caught:
        read_result(q, encoding="utf-16-le")
    assert caught.value.problems[0].message.startswith("不是 utf-16-le 文本")  # type: ignore[attr-defined]


def test_docs_table_of_headers_is_the_vocabulary() -> None:
    """docs/findings.md lists headers per field: each is in spellings.yaml, in that order."""
    import re

    text = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z_.]+)` \| ([^|`]+) \|$", text, flags=re.M)
    assert len(rows) >= 12
    fields = vocabulary().headers["findings"]
    for field, names in rows:
        assert [n.strip() for n in names.split(",")] == list(fields[field]), field

"""The findings input contract: models, readers for every format, coercion, schemas."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from spotcheck_rules.findings.models import Finding, census_json_schema, findings_json_schema
from spotcheck_rules.findings.readers import (
    FileInfo,
    FindingsReadError,
    count_lines,
    detect_format,
    jsonl_chunks,
    jsonl_range,
    read_census,
    read_records,
)
from spotcheck_rules.findings.records import FlatRow, Unparsable, _Rec, coerce_record
from spotcheck_rules.ruleset.domains import bundled_catalogue

RECORD = {
    "unit_id": "91140100MA0000001X",
    "unit_name": "某某诊所",
    "domain": "medical",
    "category": "诊所",
    "ownership": "private",
    "region": "140105",
    "inspected_on": "2025-05-06",
    "violations": ["license", "prescription"],
    "penalty": {"cases": 1, "fine_yuan": "1234.50", "revoked": ["revoked_subject"]},
    "referred": False,
}


def test_finding_model() -> None:
    # the word as written: its domain's vocabulary (domains.yaml) reads it, in the checker
    f = Finding.model_validate({**RECORD, "ownership": "民营"})
    assert f.ownership == "民营"
    assert f.penalty is not None and f.penalty.fine_yuan == Decimal("1234.50")
    assert f.inspected_on == dt.date(2025, 5, 6)
    with pytest.raises(ValidationError):
        Finding.model_validate({**RECORD, "penalty": {"fine_yuan": "1.234"}})
    with pytest.raises(ValidationError):
        Finding.model_validate({**RECORD, "region": "1401"})
    with pytest.raises(ValidationError):
        Finding.model_validate({**RECORD, "colour": "red"})


def test_schemas_accept_the_contract() -> None:
    jsonschema.Draft202012Validator(findings_json_schema()).validate(RECORD)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(findings_json_schema()).validate({"unit_id": "x"})
    jsonschema.Draft202012Validator(census_json_schema()).validate(
        [{"domain": "medical", "category": "诊所", "units": 3}]
    )


def test_coerce_names_every_problem() -> None:
    rec, probs = coerce_record(
        {
            "domain": ["medical"],
            "category": "诊所",
            "ownership": "集体",
            "violations": [1],
            "penalty": {"cases": "two", "fine_yuan": "abc", "extra": 1},
            "harm": {"deaths": -1},
            "referred": "maybe",
        },
        ownership=bundled_catalogue().ownership,  # 集体: no known domain's word
    )
    assert rec is None
    assert [(p.code, p.field) for p in probs] == [
        ("F002", "unit_id"),
        ("F003", "domain"),
        ("F007", "ownership"),
        ("F003", "violations"),
        ("F003", "referred"),
        ("F008", "penalty.extra"),
        ("F003", "penalty.cases"),
        ("F050", "penalty.fine_yuan"),
        ("F061", "harm.deaths"),
    ]


def test_coerce_flat_values() -> None:
    rec, probs = coerce_record(
        FlatRow(
            {
                "unit_id": 123,
                "domain": "medical",
                "category": "诊所",
                "region": 140105,
                "inspected_on": dt.datetime(2025, 3, 1, 9, 30),
                "violations": "license；prescription; ",
                "referred": "是",
                "penalty": {"cases": 2.0, "fine_yuan": 0.1},
            }
        )
    )
    assert probs == []
    assert isinstance(rec, _Rec)
    assert rec.unit_id == "123" and rec.region == "140105"
    assert rec.inspected_on == dt.date(2025, 3, 1)
    assert rec.violations == ["license", "prescription"]
    assert rec.referred is True
    assert rec.penalty is not None and rec.penalty.fine_yuan == Decimal("0.1")
    assert coerce_record(Finding.model_validate(RECORD))[1] == []
    assert coerce_record(Unparsable("x"))[1][0].code == "F001"


def _values(path: Path) -> list[tuple[int | None, object]]:
    return [(r.line, r.value) for r in read_records(path)]


def test_jsonl(tmp_path: Path) -> None:
    p = tmp_path / "f.jsonl"
    p.write_bytes(
        b"\xef\xbb\xbf"
        + json.dumps(RECORD, ensure_ascii=False).encode()
        + b"\n\n{broken\n"
        + json.dumps({"unit_id": 1}).encode()
        + b"\r\n"
        + json.dumps(RECORD).encode()  # no final newline
    )
    got = _values(p)
    assert [line for line, _ in got] == [1, 3, 4, 5]
    assert isinstance(got[0][1], _Rec)  # the BOM did not force the slow path's result type
    assert isinstance(got[1][1], Unparsable)
    assert got[2][1] == {"unit_id": 1}
    assert isinstance(got[3][1], _Rec)
    assert detect_format(p) == "jsonl"


def test_json_array_and_yaml(tmp_path: Path) -> None:
    arr = tmp_path / "f.json"
    arr.write_text(json.dumps([RECORD, {"unit_id": "x"}], ensure_ascii=False), encoding="utf-8")
    assert detect_format(arr) == "json"
    records = list(read_records(arr))
    assert [r.seq for r in records] == [0, 1]
    assert records[1].value == {"unit_id": "x"}
    y = tmp_path / "f.yaml"
    y.write_text(
        "# findings\n- unit_id: a\n  domain: medical\n  category: 诊所\n\n- unit_id: b\n  domain: medical\n",
        encoding="utf-8",
    )
    assert [(r.line, r.value["unit_id"]) for r in read_records(y)] == [(2, "a"), (6, "b")]
    bad = tmp_path / "g.json"  # starts with "{": read as JSON Lines, one unparsable line
    bad.write_text('{"a": 1', encoding="utf-8")
    (only,) = read_records(bad)
    assert isinstance(only.value, Unparsable) and only.line == 1
    broken = tmp_path / "h.json"
    broken.write_text("[1, 2", encoding="utf-8")
    with pytest.raises(FindingsReadError):
        list(read_records(broken))


def test_csv(tmp_path: Path) -> None:
    p = tmp_path / "f.csv"
    p.write_bytes(
        "\ufeffunit_id,domain,category,violations,cases,fine_yuan,revoked,deaths\n"
        "a,medical,诊所,license；prescription,1,1234.50,吊销诊疗科目单位数,\n"
        ",,,,,,,\n"
        "b,medical,医院,,,,,1\n".encode()
    )
    got = list(read_records(p))
    assert [r.line for r in got] == [2, 4]
    assert got[0].value == {
        "unit_id": "a",
        "domain": "medical",
        "category": "诊所",
        "violations": "license；prescription",
        "penalty": {"cases": "1", "fine_yuan": "1234.50", "revoked": "吊销诊疗科目单位数"},
    }
    rec, probs = coerce_record(got[0].value)
    assert probs == [] and rec is not None
    assert rec.penalty is not None and rec.penalty.revoked == ["吊销诊疗科目单位数"]
    assert got[1].value["harm"] == {"deaths": "1"}
    info = read_records(p)
    assert sum(1 for _ in info) == 2


def test_xlsx(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["unit_id", "domain", "category", "inspected_on", "violations", "cases", "fine_yuan"])
    ws.append(["a", "medical", "诊所", dt.datetime(2025, 4, 1), "license;prescription", 1, 1234.5])
    ws.append([None, None, None, None, None, None, None])
    ws.append(["b", "medical", "医院", None, None, None, None])
    p = tmp_path / "f.xlsx"
    wb.save(p)
    got = list(read_records(p))
    assert [r.line for r in got] == [2, 4]
    rec, probs = coerce_record(got[0].value)
    assert probs == [] and rec is not None
    assert rec.inspected_on == dt.date(2025, 4, 1)
    assert rec.penalty is not None and rec.penalty.fine_yuan == Decimal("1234.5")


def test_census_reader(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("- {domain: medical, category: 诊所, units: 3}\n", encoding="utf-8")
    (entry,) = read_census(p)
    assert entry.value == {"domain": "medical", "category": "诊所", "units": 3}
    assert entry.line == 1
    j = tmp_path / "c.json"
    j.write_text('[{"domain": "medical", "category": "诊所", "units": 3}]', encoding="utf-8")
    assert read_census(j)[0].value["units"] == 3
    assert read_census([{"domain": "medical"}])[0].value == {"domain": "medical"}
    with pytest.raises(FindingsReadError):
        read_census(tmp_path / "missing.csv")


def test_unknown_format(tmp_path: Path) -> None:
    p = tmp_path / "f.xls"
    p.write_bytes(b"")
    from spotcheck_rules.core.errors import UsageError

    with pytest.raises(UsageError):
        detect_format(p)


def test_two_part_reading_hashes_the_whole_file(tmp_path: Path) -> None:
    """What the worker of two processes does: count the lines of the first part while hashing
    it, then hash the second part as its lines are read — the file's digest and lines, as one
    pass of jsonl_chunks gives them."""
    import hashlib

    path = tmp_path / "f.jsonl"
    lines = [
        json.dumps({"unit_id": f"U{i}", "n": "x" * (i % 7)}) for i in range(60000)
    ]  # > 2 MB: several chunks
    lines[17] = ""
    path.write_text("\n".join(lines), encoding="utf-8")  # no newline at the end
    data = path.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 1
    info = FileInfo(str(path))
    whole = [line for chunk in jsonl_chunks(path, info) for line in chunk]
    digest = hashlib.sha256()
    assert count_lines(path, cut, digest.update) == data[:cut].count(b"\n")
    second = [
        line for chunk in jsonl_range(path, cut, None, digest=digest.update) for line in chunk
    ]
    assert digest.hexdigest() == info.sha256 == hashlib.sha256(data).hexdigest()
    assert whole[data[:cut].count(b"\n") :] == second
    assert count_lines(path, cut) == data[:cut].count(b"\n")  # no digest: only counts


def test_is_trimmed_is_strip_and_not_empty() -> None:
    """The hot loop's inline trim test (``s and s.strip() is s``) is is_trimmed: white space of
    every kind at either end, or an empty text, is not trimmed; inside it is; a ``str``
    subclass is conservatively not (strip hands back a copy), so it takes the detailed path."""
    from spotcheck_rules.findings.records import is_trimmed

    assert not is_trimmed("")
    for c in (chr(i) for i in range(0x110000)):
        if c.isspace():
            assert not is_trimmed(c + "a") and not is_trimmed("a" + c) and not is_trimmed(c)
            assert is_trimmed("a" + c + "a")

    class Text(str):
        pass

    assert is_trimmed("U1") and not is_trimmed(Text("U1"))

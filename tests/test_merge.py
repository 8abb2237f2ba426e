"""``merge`` trusts nothing (issue 10, item 8): every input is checked before it is summed.

Each test forges one thing in an otherwise genuine result file and checks that the merge is
refused with a located problem (the file and the JSON pointer), or — for labels — that the
merged tables carry the plan's labels, not the input's.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from spotcheck_rules import load_ruleset
from spotcheck_rules.cli.app import main
from spotcheck_rules.core.errors import SpotcheckError
from spotcheck_rules.ruleset.ruleset import Ruleset
from spotcheck_rules.tables.aggregation import AggregationError, aggregate
from spotcheck_rules.tables.merging import merge
from spotcheck_rules.tables.result import AggregateResult
from spotcheck_rules.tables.resultfile import read_result

ROOT = Path(__file__).resolve().parent.parent
FINDINGS = ROOT / "examples" / "shanxi-2025-findings.jsonl"
CENSUS = ROOT / "examples" / "shanxi-2025-census.csv"


@pytest.fixture(scope="module")
def rs() -> Ruleset:
    return load_ruleset("shanxi/2025")


@pytest.fixture(scope="module")
def genuine(rs: Ruleset) -> dict[str, Any]:
    """A real result (with census and drill-down) as JSON data."""
    data: dict[str, Any] = json.loads(
        aggregate(str(FINDINGS), rs, census=str(CENSUS), with_units=True).model_dump_json(indent=2)
    )
    return data


def _write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _forged(
    tmp_path: Path, genuine: dict[str, Any], change: Callable[[dict[str, Any]], None]
) -> Path:
    data = copy.deepcopy(genuine)
    change(data)
    return _write(tmp_path, "forged.json", data)


def _merge(capsys: pytest.CaptureFixture[str], *paths: Path, fmt: str = "json") -> tuple[int, str]:
    code = main(["merge", *map(str, paths), "--format", fmt])
    return code, capsys.readouterr().err


def _row(data: dict[str, Any], domain: str, category: str) -> dict[str, Any]:
    table = next(t for t in data["tables"] if t["domain"] == domain)
    row: dict[str, Any] = next(r for r in table["rows"] if r["category"] == category)
    return row


# medical is table 0: rows hospital … other_medical (leaves) then total (row 7)
_TOTAL = "/tables/0/rows/7/values/license"


def test_genuine_inputs_merge(
    tmp_path: Path, genuine: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    a = _write(tmp_path, "a.json", genuine)
    code, err = _merge(capsys, a)
    assert code == 0 and err == ""


# --------------------------------------------------------------------------- schema (M005)


def test_not_json_is_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"ruleset": \n  oops}', encoding="utf-8")
    code, err = _merge(capsys, bad)
    assert code == 2
    assert f"{bad}:2:3: error M005 不是有效的 JSON" in err


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        (
            lambda d: d["tables"][0]["rows"][0]["values"].update(license="abc"),
            "/tables/0/rows/0/values/license",
            "单元格",
        ),
        (
            lambda d: d["tables"][0]["rows"][0]["values"].update(license=-1),
            "/tables/0/rows/0/values/license",
            "单元格",
        ),
        (
            lambda d: d["tables"][0]["rows"][0]["values"].update(fines="-0.5"),
            "/tables/0/rows/0/values/fines",
            "单元格",
        ),
        (lambda d: d["input"].pop("accepted"), "/input", "缺少字段：accepted"),
        (lambda d: d["tables"][0].update(extra=1), "/tables/0", "未知字段：extra"),
        (lambda d: d["input"].update(records_read="12"), "/input/records_read", "类型应为整数"),
    ],
    ids=["text-in-count", "negative-count", "negative-amount", "missing", "unknown", "type"],
)
def test_schema_violations_are_located(
    tmp_path: Path,
    genuine: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    change: Callable[[dict[str, Any]], None],
    pointer: str,
    words: str,
) -> None:
    forged = _forged(tmp_path, genuine, change)
    code, err = _merge(capsys, forged)
    assert code == 2
    line = next(x for x in err.splitlines() if "M005" in x)
    assert line.strip().startswith(f"{forged}: error M005") and f"[{pointer}]" in line
    assert words in line


@pytest.mark.parametrize(
    ("value", "words"),
    [(1.0, "计数应为整数"), ("1", "计数应为整数"), (True, "单元格")],
    ids=["float", "string", "bool"],
)
def test_count_must_be_a_json_integer(
    tmp_path: Path,
    genuine: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
    value: object,
    words: str,
) -> None:
    def change(d: dict[str, Any]) -> None:
        d["tables"][0]["rows"][6]["values"]["license"] = value

    code, err = _merge(capsys, _forged(tmp_path, genuine, change))
    assert code == 2
    assert "M005" in err and words in err and "[/tables/0/rows/6/values/license]" in err


def test_amount_must_be_a_string(tmp_path: Path, genuine: dict[str, Any]) -> None:
    def change(d: dict[str, Any]) -> None:
        d["tables"][0]["rows"][0]["values"]["fines"] = 3

    with pytest.raises(SpotcheckError) as exc:
        read_result(_forged(tmp_path, genuine, change))
    assert [(p.code, p.pointer) for p in exc.value.problems] == [
        ("M005", "/tables/0/rows/0/values/fines")
    ]


def test_every_unreadable_input_is_reported(
    tmp_path: Path, genuine: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    a = _write(tmp_path, "a.json", {**genuine, "ruleset": {"id": "x"}})
    b = _write(tmp_path, "b.json", [])
    code, err = _merge(capsys, a, b)
    assert code == 2
    assert f"{a}: error M005" in err and f"{b}: error M005" in err


# --------------------------------------------------------------------------- arithmetic


def test_total_must_be_the_sum_of_its_rows(
    tmp_path: Path, genuine: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    def change(d: dict[str, Any]) -> None:
        _row(d, "medical", "total")["values"]["license"] += 5

    forged = _forged(tmp_path, genuine, change)
    code, err = _merge(capsys, forged)
    assert code == 1
    assert f"{forged}: error M007" in err and f"[{_TOTAL}]" in err and "合计" in err


def test_subtotal_must_be_the_sum_of_its_children(
    tmp_path: Path, genuine: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # tcm rows: tcm_hospital_group (0) is the subtotal of tcm_hospital (1), integrated_hospital
    def change(d: dict[str, Any]) -> None:
        row = d["tables"][1]["rows"][1]
        row["values"]["license"] += 1
        row["units"]["license"].append("FORGED")  # drill-down kept consistent with the cell

    forged = _forged(tmp_path, genuine, change)
    code, err = _merge(capsys, forged)
    assert code == 1
    assert "[/tables/1/rows/0/values/license]" in err  # the subtotal
    assert "[/tables/1/rows/10/values/license]" in err  # and 合计
    assert err.count("M007") == 2


def test_records_read_must_be_accepted_plus_rejected(
    tmp_path: Path, genuine: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    def change(d: dict[str, Any]) -> None:
        d["input"]["records_read"] += 1
        d["input"]["skipped"] = d["input"]["rejected"] + 1

    forged = _forged(tmp_path, genuine, change)
    code, err = _merge(capsys, forged)
    assert code == 1
    assert f"{forged}: error M008" in err and "[/input/records_read]" in err
    assert "[/input/skipped]" in err and "[/input/files]" in err


def test_cells_must_be_those_of_the_plan(
    tmp_path: Path, genuine: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    def change(d: dict[str, Any]) -> None:
        village = _row(d, "medical", "village_clinic")["values"]
        assert village["medical_record"] is None  # "/" on the form
        village["medical_record"] = 0
        _row(d, "medical", "hospital")["values"]["license"] = None
        _row(d, "medical", "clinic")["values"]["smuggled"] = 3

    forged = _forged(tmp_path, genuine, change)
    code, err = _merge(capsys, forged)
    assert code == 1
    assert "不适用（/）" in err and "[/tables/0/rows/4/values/medical_record]" in err
    assert "缺少数值" in err and "[/tables/0/rows/0/values/license]" in err
    assert "smuggled" in err
    assert err.count("M006") == 3


def test_drill_down_must_match_its_cells(
    tmp_path: Path, genuine: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    def change(d: dict[str, Any]) -> None:
        _row(d, "medical", "township_health_center")["units"]["license"] = []

    forged = _forged(tmp_path, genuine, change)
    code, err = _merge(capsys, forged)
    assert code == 1
    assert "M009" in err and "[/tables/0/rows/3/units/license]" in err  # count ≠ ids
    assert "[/tables/0/rows/7/units/license]" in err and "并集" in err  # 合计 has an id more


def test_in_memory_results_are_checked_too(rs: Ruleset) -> None:
    res = aggregate([{"unit_id": "U1", "domain": "medical", "category": "诊所"}], rs)
    medical = res.tables[0]
    rows = list(medical.rows)
    rows[-1] = rows[-1].model_copy(update={"values": {**rows[-1].values, "license": 7}})
    forged = res.model_copy(
        update={"tables": [medical.model_copy(update={"rows": rows}), *res.tables[1:]]}
    )
    with pytest.raises(AggregationError) as exc:
        merge([res, forged], rs, names=["a.json", "b.json"])
    assert [(p.code, p.file, p.pointer) for p in exc.value.problems] == [
        ("M007", "b.json", "/tables/0/rows/7/values/license")
    ]
    negative = res.model_copy(update={"input": res.input.model_copy(update={"accepted": -1})})
    with pytest.raises(AggregationError) as exc:
        merge([negative], rs)
    assert {(p.code, p.file, p.pointer) for p in exc.value.problems} >= {
        ("M005", "<结果 1>", "/input/accepted")
    }


# --------------------------------------------------------------------------- labels, census


def _hostile(d: dict[str, Any]) -> None:
    for t in d["tables"]:
        t["title"] = '=HYPERLINK("http://example.invalid")'
        for c in t["columns"]:
            c["label"] = "=1+1"
            c["groups"] = ["@SUM(A1)" for _ in c["groups"]]
        for r in t["rows"]:
            r["label"] = "+" + r["label"]


def test_labels_come_from_the_ruleset(
    tmp_path: Path, genuine: dict[str, Any], rs: Ruleset, capsys: pytest.CaptureFixture[str]
) -> None:
    forged = _forged(tmp_path, genuine, _hostile)
    real = AggregateResult.model_validate(genuine)
    out = tmp_path / "merged.json"
    assert main(["merge", str(forged), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"{forged}: warning M010" in err and "[/tables/0]" in err
    merged = AggregateResult.model_validate_json(out.read_bytes())
    assert merged.tables == real.tables  # every title, label and group is the plan's

    csv_out = tmp_path / "merged.csv"
    assert main(["merge", str(forged), "--format", "csv", "-o", str(csv_out)]) == 0
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text(encoding="utf-8-sig"))))
    assert {r["title"] for r in rows} == {t.title for t in real.tables}
    xlsx_out = tmp_path / "merged.xlsx"
    assert main(["merge", str(forged), "--format", "xlsx", "-o", str(xlsx_out)]) == 0
    ws = load_workbook(xlsx_out)["医疗机构"]
    assert ws["A1"].value == real.tables[0].title


def test_partial_census_is_a_warning(
    tmp_path: Path, rs: Ruleset, capsys: pytest.CaptureFixture[str]
) -> None:
    recs = [{"unit_id": "C1", "domain": "cosmetic", "category": "医疗美容机构"}]
    a = _write(
        tmp_path,
        "a.json",
        json.loads(aggregate(recs, rs, census=str(CENSUS)).model_dump_json(indent=2)),
    )
    recs = [{"unit_id": "C2", "domain": "cosmetic", "category": "医疗美容机构"}]
    b = _write(tmp_path, "b.json", json.loads(aggregate(recs, rs).model_dump_json(indent=2)))
    code = main(["merge", str(a), str(b), "-o", str(tmp_path / "m.json")])
    err = capsys.readouterr().err
    assert code == 0
    assert "warning M011" in err and str(b) in err
    merged = AggregateResult.model_validate_json((tmp_path / "m.json").read_bytes())
    assert any(i.code == "M011" for i in merged.issues)


def test_other_digest_is_refused(
    tmp_path: Path, genuine: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    def change(d: dict[str, Any]) -> None:
        d["ruleset"]["digest"] = "0" * 64

    forged = _forged(tmp_path, genuine, change)
    code, err = _merge(capsys, forged)
    assert code == 1
    assert f"{forged}: error M001" in err and "[/ruleset]" in err


def test_unknown_plan_is_a_usage_error(
    tmp_path: Path, genuine: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    def change(d: dict[str, Any]) -> None:
        d["ruleset"]["id"] = "nowhere/2025"

    code, err = _merge(capsys, _forged(tmp_path, genuine, change))
    assert code == 2
    assert "合并需要结果所用的计划 nowhere/2025" in err and "--ruleset" in err

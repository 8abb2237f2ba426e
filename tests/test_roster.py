"""Reading unit and inspector rosters: every format, every problem located by row and field."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from spotcheck_rules import load_ruleset
from spotcheck_rules.core.errors import Severity
from spotcheck_rules.draws.reading import RosterError
from spotcheck_rules.draws.roster import (
    inspectors_from_records,
    read_inspectors,
    read_roster,
    roster_from_records,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "roster-shanxi-2025.csv"
EXAMPLE_INSPECTORS = ROOT / "examples" / "inspectors-shanxi-2025.csv"

HEADER = "unit_id,unit_name,domain,category,region,ownership,penalized_in\n"


@pytest.fixture(scope="module")
def shanxi():
    return load_ruleset("shanxi/2025")


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _codes(roster) -> list[str]:
    return [p.code for p in roster.problems]


def test_example_roster_reads_clean(shanxi) -> None:
    roster = read_roster(EXAMPLE, shanxi)
    assert roster.problems == ()
    assert len(roster.units) == 86
    assert roster.sha256 == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    first = roster.units[0]
    assert first.unit_id == "140105H01"
    assert first.domain == "medical"
    assert first.category == "hospital"  # the alias 医院 resolves to the leaf id
    assert first.ownership == "public"
    assert first.row == 2


def test_english_headers_ids_and_flags(tmp_path: Path, shanxi) -> None:
    path = _write(
        tmp_path,
        "r.csv",
        HEADER
        + "A1,甲医院,medical,hospital,140105,public,2024年\n"
        + "A2,乙诊所,医疗机构,诊 所,140106,民营,\n",
    )
    roster = read_roster(path, shanxi)
    assert roster.problems == ()
    a1, a2 = roster.units
    assert a1.penalized_in == 2024
    assert a2.category == "clinic"  # spaced-out label as extraction prints it
    assert a2.ownership == "private"


def test_gbk_csv_is_read_with_a_note(tmp_path: Path, shanxi) -> None:
    path = _write(
        tmp_path,
        "r.csv",
        "单位编号,单位名称,监督领域,单位类别,所在区县\nA1,甲医院,医疗机构,医院,140105\n",
        encoding="gbk",
    )
    roster = read_roster(path, shanxi)
    assert [p.code for p in roster.problems] == ["U105"]
    assert roster.problems[0].severity is Severity.INFO
    assert roster.units[0].unit_name == "甲医院"


def test_row_problems_are_all_reported_with_row_and_field(tmp_path: Path, shanxi) -> None:
    path = _write(
        tmp_path,
        "r.csv",
        HEADER
        + "A1,甲医院,医疗机构,医院,140105,,\n"  # 2: fine
        + ",乙医院,医疗机构,医院,140105,,\n"  # 3: empty id
        + "A3,丙,医疗,医院,140105,,\n"  # 4: unknown domain
        + "A4,丁,医疗机构,卫生所,140105,,\n"  # 5: unknown category
        + "A5,戊,医疗机构,医院,140105,集体,\n"  # 6: bad ownership
        + "A6,己,医疗机构,医院,140105,,去年\n"  # 7: bad year
        + "A1,甲医院分院,医疗机构,诊所,140106,,\n"  # 8: duplicate in the domain
        + "A1,甲医院,医疗美容机构,内设医疗美容科室的医疗机构,140105,,\n",  # 9: other domain: fine
    )
    roster = read_roster(path, shanxi)
    found = {(p.code, p.line, p.field) for p in roster.problems}
    assert found == {
        ("U110", 3, "unit_id"),
        ("U111", 4, "domain"),
        ("U113", 5, "category"),
        ("U116", 6, "ownership"),
        ("U117", 7, "penalized_in"),
        ("U118", 8, "unit_id"),
    }
    assert roster.has_errors()
    dup = next(p for p in roster.problems if p.code == "U118")
    assert "第 2 行" in dup.message  # points back at the first listing
    assert all(p.file == str(path) for p in roster.problems)
    assert {u.key for u in roster.units} == {("medical", "A1"), ("cosmetic", "A1")}


def test_unknown_category_suggests(tmp_path: Path, shanxi) -> None:
    path = _write(tmp_path, "r.csv", HEADER + "A1,甲,医疗机构,社区卫生服务中,140105,,\n")
    (p,) = read_roster(path, shanxi).problems
    assert p.code == "U113"
    assert "社区卫生服务中心" in p.suggestions


def test_missing_and_unknown_columns(tmp_path: Path, shanxi) -> None:
    path = _write(
        tmp_path, "r.csv", "unit_id,unit_name,domain,category,备注\nA1,甲,医疗机构,医院,x\n"
    )
    roster = read_roster(path, shanxi)
    assert ("U102", "region") in {(p.code, p.field) for p in roster.problems}
    unknown = next(p for p in roster.problems if p.code == "U103")
    assert unknown.severity is Severity.WARNING
    assert unknown.field == "备注"
    assert roster.has_errors()


def test_domain_outside_the_plan_is_skipped_with_a_warning(tmp_path: Path, shanxi) -> None:
    path = _write(tmp_path, "r.csv", HEADER + "A1,甲,采供血机构,一般血站,140105,,\n")
    roster = read_roster(path, shanxi)
    assert next((p.code, p.severity) for p in roster.problems) == ("U112", Severity.WARNING)
    assert roster.units == ()
    assert not roster.has_errors()


def test_parent_category_is_refused(tmp_path: Path) -> None:
    from tests.test_sampling import synthetic_ruleset

    rs = synthetic_ruleset(tmp_path / "tree")
    roster = roster_from_records(
        [
            {
                "unit_id": "A",
                "unit_name": "甲",
                "domain": "medical",
                "category": "合计类",
                "region": "140105",
            }
        ],
        rs,
    )
    (p,) = roster.problems
    assert p.code == "U115"
    assert "甲类" in p.message
    assert p.pointer == "/0/category"


def test_xlsx_numbers_become_text(tmp_path: Path, shanxi) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["单位编号", "单位名称", "监督领域", "单位类别", "所在区县", "受处罚年份"])
    ws.append([91140105, "甲医院", "医疗机构", "医院", 140105, 2024])
    ws.append([None, None, None, None, None, None])  # blank rows are skipped
    ws.append(["B2", "乙医院", "医疗机构", "村卫生室", "140106", 2024.0])
    path = tmp_path / "r.xlsx"
    wb.save(path)
    roster = read_roster(path, shanxi)
    assert roster.problems == ()
    a, b = roster.units
    assert (a.unit_id, a.region, a.penalized_in) == ("91140105", "140105", 2024)
    assert (b.row, b.category, b.penalized_in) == (4, "village_clinic", 2024)


def test_json_and_yaml_rosters(tmp_path: Path, shanxi) -> None:
    recs = [
        {
            "unit_id": "A1",
            "unit_name": "甲",
            "domain": "medical",
            "category": "hospital",
            "region": "140105",
            "penalized_in": 2024,
        },
        {
            "unit_id": "A1",
            "unit_name": "甲",
            "domain": "medical",
            "category": "hospital",
            "region": "140105",
        },
    ]
    j = tmp_path / "r.json"
    j.write_text(json.dumps({"units": recs}, ensure_ascii=False), encoding="utf-8")
    roster = read_roster(j, shanxi)
    (dup,) = roster.problems
    assert dup.code == "U118"
    assert dup.pointer == "/units/1/unit_id"
    y = tmp_path / "r.yaml"
    y.write_text(
        "units:\n"
        "  - {unit_id: A1, unit_name: 甲, domain: 医疗机构, category: 医院, region: '140105'}\n"
        "  - {unit_id: A2, unit_name: 乙, domain: 医疗机构, category: 无此类, region: '140105'}\n",
        encoding="utf-8",
    )
    roster = read_roster(y, shanxi)
    (bad,) = roster.problems
    assert (bad.code, bad.line, bad.pointer) == ("U113", 3, "/units/1/category")


def test_not_a_roster(tmp_path: Path, shanxi) -> None:
    with pytest.raises(RosterError):
        read_roster(_write(tmp_path, "r.txt", "x"), shanxi)
    with pytest.raises(RosterError):
        read_roster(_write(tmp_path, "r.xlsx", "not a zip"), shanxi)
    with pytest.raises(RosterError):
        read_roster(_write(tmp_path, "r.json", '{"a": 1}'), shanxi)
    with pytest.raises(RosterError):
        read_roster(tmp_path / "missing.csv", shanxi)


def test_records_hash_is_canonical(shanxi) -> None:
    rec = {
        "unit_id": "A1",
        "unit_name": "甲",
        "domain": "medical",
        "category": "hospital",
        "region": "140105",
    }
    reordered = dict(reversed(list(rec.items())))
    assert (
        roster_from_records([rec], shanxi).sha256 == roster_from_records([reordered], shanxi).sha256
    )


def test_example_inspectors() -> None:
    roster = read_inspectors(EXAMPLE_INSPECTORS)
    assert roster.problems == ()
    assert len(roster.inspectors) == 10
    zhou = next(i for i in roster.inspectors if i.id == "SX-ZF-009")
    assert zhou.conflicts == frozenset({"140105H01", "140109H02"})
    assert zhou.domains == frozenset({"medical", "tcm"})
    zhao = next(i for i in roster.inspectors if i.id == "SX-ZF-007")
    assert zhao.domains == frozenset({"medical", "cosmetic", "maternal"})


def test_inspector_problems() -> None:
    roster = inspectors_from_records(
        [
            {
                "id": "I1",
                "name": "甲",
                "region": "140105",
                "domains": ["medical", "cosmetic"],
                "conflicts": ["U1"],
            },
            {"id": "I1", "name": "乙", "region": "140105", "domains": "医疗机构"},
            {"id": "I3", "name": "丙", "region": "140105", "domains": "医疗、血液"},
            {"id": "I4", "name": "丁", "region": "140105", "domains": ""},
        ]
    )
    found = {(p.code, p.pointer) for p in roster.problems}
    assert found == {("U218", "/1/id"), ("U211", "/2/domains"), ("U210", "/3/domains")}
    assert [i.id for i in roster.inspectors] == ["I1"]


def test_roster_and_findings_accept_the_same_ownership_words(tmp_path: Path, shanxi) -> None:
    """One vocabulary of ownership (the domain's, from domains.yaml): a roster once had its
    own list, which lacked 公立医疗机构 and 非公立医疗机构 that findings accept."""
    words = shanxi.domain("medical").ownership.words
    assert {"公立", "公立医疗机构", "非公立医疗机构", "民营"} <= set(words)
    rows = "".join(f"B{i},单位{i},医疗机构,医院,140105,{word},\n" for i, word in enumerate(words))
    roster = read_roster(_write(tmp_path, "r.csv", HEADER + rows), shanxi)
    assert roster.problems == ()
    got = [u.ownership for u in roster.units]
    assert got == list(words.values())

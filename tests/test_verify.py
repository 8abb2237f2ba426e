"""``sample --verify`` compares the whole audit record, and seeds must be visible (issue 10, 9).

Each test changes one field of a genuine record and checks that verify refutes it and says
which field differs, with the recorded and the re-computed value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from spotcheck_rules import load_ruleset
from spotcheck_rules.cli.app import main
from spotcheck_rules.core.errors import UsageError
from spotcheck_rules.draws.audit import Audit, audit_json, audit_record
from spotcheck_rules.draws.inspectors import assign_inspectors
from spotcheck_rules.draws.roster import InspectorRoster, Roster, read_inspectors, read_roster
from spotcheck_rules.draws.sampling import check_seed, draw
from spotcheck_rules.draws.verification import Verification, verify
from spotcheck_rules.ruleset.ruleset import Ruleset

ROOT = Path(__file__).resolve().parent.parent
ROSTER = ROOT / "examples" / "roster-shanxi-2025.csv"
INSPECTORS = ROOT / "examples" / "inspectors-shanxi-2025.csv"
SEED = "2025-03-01 福彩3D 123"


@pytest.fixture(scope="module")
def inputs() -> tuple[Ruleset, Roster, InspectorRoster]:
    rs = load_ruleset("shanxi/2025")
    return rs, read_roster(ROSTER, rs), read_inspectors(INSPECTORS)


@pytest.fixture(scope="module")
def record(inputs: tuple[Ruleset, Roster, InspectorRoster]) -> Audit:
    rs, roster, ins = inputs
    result = draw(roster, rs, seed=SEED)
    return audit_record(result, assign_inspectors(result, ins, no_own_region=True))


def _verify(inputs: tuple[Ruleset, Roster, InspectorRoster], audit: Audit) -> Verification:
    rs, roster, ins = inputs
    return verify(audit, roster, rs, ins)


def _changed(record: Audit, change: Any) -> Audit:
    data = record.model_dump(mode="json")
    change(data)
    return Audit.model_validate(data)


def _failed(v: Verification) -> dict[str, tuple[str, ...]]:
    return {c.name: c.detail for c in v.checks if not c.ok}


def test_genuine_record_verifies(inputs: Any, record: Audit) -> None:
    v = _verify(inputs, record)
    assert v.ok
    names = {c.name for c in v.checks}
    assert names >= {"plan_title", "rounding", "roster_units", "inspectors", "loads"}


@pytest.mark.parametrize(
    ("change", "check", "detail"),
    [
        (lambda d: d["rounding"].update(method="floor"), "rounding", '/method：记录 "floor"'),
        (lambda d: d["rounding"].update(minimum=3), "rounding", "/minimum：记录 3，实际 1"),
        (lambda d: d["rounding"].update(declared=False), "rounding", "/declared：记录 false"),
        (lambda d: d["plan"].update(title="别的计划"), "plan_title", "记录：别的计划"),
        (lambda d: d["roster"].update(units=1), "roster_units", "记录：1"),
        (lambda d: d["assignments"].update(inspectors=99), "inspectors", "记录：99"),
    ],
    ids=["method", "minimum", "declared", "title", "roster-units", "inspectors"],
)
def test_each_recorded_field_is_compared(
    inputs: Any, record: Audit, change: Any, check: str, detail: str
) -> None:
    failed = _failed(_verify(inputs, _changed(record, change)))
    assert list(failed) == [check]
    assert any(detail in d for d in failed[check]), failed[check]


def test_declared_quotas_list_each_mismatch(inputs: Any, record: Audit) -> None:
    def change(d: dict[str, Any]) -> None:
        q = d["quotas"][0]
        q["rule"] = "50%"
        q["target"] += 3
        q["population"] += 1  # the drawn list still matches: only the declaration is forged

    failed = _failed(_verify(inputs, _changed(record, change)))
    assert list(failed) == ["quotas"]
    q = record.quotas[0]
    where = f"tier={q.tier.value} domain={q.domain} stratum={q.stratum}"
    assert f'{where}：/rule：记录 "50%"，实际 "{q.rule}"' in failed["quotas"]
    assert f"{where}：/target：记录 {q.target + 3}，实际 {q.target}" in failed["quotas"]
    assert f"{where}：/population：记录 {q.population + 1}，实际 {q.population}" in failed["quotas"]


def test_loads_are_compared(inputs: Any, record: Audit) -> None:
    assert record.assignments is not None
    first = next(iter(record.assignments.loads))

    def change(d: dict[str, Any]) -> None:
        d["assignments"]["loads"][first] += 1
        d["assignments"]["loads"]["I-GHOST"] = 1

    failed = _failed(_verify(inputs, _changed(record, change)))
    assert list(failed) == ["loads"]
    n = record.assignments.loads[first]
    assert f"/{first}：记录 {n + 1}，实际 {n}" in failed["loads"]
    assert "/I-GHOST：记录 1，实际没有" in failed["loads"]


def test_a_changed_team_member_is_named(inputs: Any, record: Audit) -> None:
    def change(d: dict[str, Any]) -> None:
        d["assignments"]["teams"][0]["inspectors"][0]["name"] = "冒名"

    failed = _failed(_verify(inputs, _changed(record, change)))
    assert list(failed) == ["assignments"]
    assert any("/inspectors：记录" in d and "冒名" in d for d in failed["assignments"])


def test_roster_file_name_is_not_compared(inputs: Any, record: Audit) -> None:
    renamed = _changed(record, lambda d: d["roster"].update(file="另一个名字.csv"))
    assert _verify(inputs, renamed).ok  # the name is for people; the SHA-256 pins the content


# --------------------------------------------------------------------------- invisible seeds


@pytest.mark.parametrize(
    "char",
    [
        "\u200b",
        "\u202e",
        "\ufeff",
        "\u00ad",
        "\u2060",
        "\u00a0",
        "\u2009",
        "\u2028",
        "\ue000",
        "\u0085",
        "\ud800",
    ],
)
def test_invisible_seed_characters_are_refused(char: str) -> None:
    with pytest.raises(UsageError) as exc:
        check_seed(f"2025{char}123")
    assert f"U+{ord(char):04X}" in exc.value.message and "第 5 个字符" in exc.value.message


def test_visible_seeds_are_accepted() -> None:
    for seed in ("2025-03-01 福彩3D 123", "山西　2025", "１２３", "é", "e\u0301"):
        check_seed(seed)


def test_cli_refuses_an_invisible_seed(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["sample", "--ruleset", "shanxi/2025", "--roster", str(ROSTER)]
    assert main([*argv, "--seed", "2025\u200b123"]) == 2
    assert "U+200B" in capsys.readouterr().err


def test_verify_refutes_a_record_with_an_invisible_seed(
    inputs: Any, record: Audit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forged = _changed(record, lambda d: d.update(seed="2025\u202e321"))
    v = _verify(inputs, forged)
    assert not v.ok and [c.name for c in v.checks] == ["algorithm", "seed"]
    path = tmp_path / "audit.json"
    path.write_text(audit_json(forged), encoding="utf-8")
    argv = ["sample", "--verify", str(path), "--roster", str(ROSTER)]
    assert main([*argv, "--inspectors", str(INSPECTORS)]) == 1
    out = capsys.readouterr().out
    assert "2025<U+202E>321" in out and "\u202e" not in out
    assert "U+202E" in out and "不成立" in out


def test_cli_lists_each_mismatch(
    record: Audit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(audit_json(record))
    data["rounding"]["minimum"] = 2
    data["plan"]["title"] = "假计划"
    path = tmp_path / "audit.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    argv = ["sample", "--verify", str(path), "--roster", str(ROSTER)]
    assert main([*argv, "--inspectors", str(INSPECTORS)]) == 1
    out = capsys.readouterr().out
    assert "✗ 取整规则：不一致" in out and "/minimum：记录 2，实际 1" in out
    assert "✗ 计划名称：不一致" in out and "记录：假计划" in out

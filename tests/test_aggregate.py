"""Aggregation: golden tables, the properties of issue 3, merge, census, drill-down, CLI."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from spotcheck_rules import Ruleset, load_ruleset, load_ruleset_file
from spotcheck_rules.cli.app import main
from spotcheck_rules.findings.readers import FileInfo, read_records
from spotcheck_rules.findings.validation import validate
from spotcheck_rules.ruleset.loader import clear_cache
from spotcheck_rules.tables.aggregation import AggregationError, aggregate
from spotcheck_rules.tables.merging import merge
from spotcheck_rules.tables.result import TOTAL, AggregateResult, SummaryTable, result_json_schema

GOLDEN = Path(__file__).parent / "golden" / "aggregate"
UNIT_KINDS = {"violation_units", "revoked_units"}


# --------------------------------------------------------------------------- synthetic tree


def build_tree(root: Path) -> Path:
    """Write the synthetic ruleset tree of golden/aggregate/_tree.yaml under ``root``."""
    tree = YAML(typ="safe").load((GOLDEN / "_tree.yaml").read_text(encoding="utf-8"))
    for rel, doc in tree.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as out:
            YAML().dump(doc, out)
    clear_cache()
    return root


_SYN: dict[str, Ruleset] = {}


def synthetic(tmp_root: Path, plan: str = "syn") -> Ruleset:
    return load_ruleset_file(build_tree(tmp_root) / "2025" / "plans" / f"{plan}.yaml")


@pytest.fixture(scope="module")
def syn(tmp_path_factory: pytest.TempPathFactory) -> Ruleset:
    return synthetic(tmp_path_factory.mktemp("rulesets"))


@pytest.fixture(scope="module")
def shanxi() -> Ruleset:
    return load_ruleset("shanxi/2025")


def cells(table: SummaryTable) -> dict[str, dict[str, Any]]:
    return {r.category: dict(r.values) for r in table.rows}


# --------------------------------------------------------------------------- golden cases


def _golden_cases() -> list[Path]:
    return sorted(p for p in GOLDEN.glob("*.yaml") if not p.name.startswith("_"))


def _expected(value: Any) -> Any:
    return Decimal(value) if isinstance(value, str) else value


@pytest.mark.parametrize("case", _golden_cases(), ids=lambda p: p.stem)
def test_golden(case: Path, tmp_path: Path, syn: Ruleset) -> None:
    data = YAML(typ="safe").load(case.read_text(encoding="utf-8"))
    assert data.get("proves"), f"{case.name}: say what the case proves"
    rs = syn if data["ruleset"] == "synthetic" else load_ruleset(data["ruleset"])
    result = aggregate(data["findings"], rs, census=data.get("census"))
    assert [i.code for i in result.issues if i.severity != "info"] == data.get("warnings", [])
    for domain, rows in data["expect"].items():
        table = result.table(domain)
        got = cells(table)
        for category, expected in rows.items():
            for column, value in expected.items():
                assert got[category][column] == _expected(value), (domain, category, column)
    # the same numbers come back through the JSON contract
    again = AggregateResult.model_validate_json(result.model_dump_json(indent=2))
    assert again.tables == result.tables


# --------------------------------------------------------------------------- structure


def test_medical_table_layout(shanxi: Ruleset) -> None:
    result = aggregate([], shanxi)
    table = result.table("medical")
    rules = shanxi.domain("medical")
    assert [c.id for c in table.columns] == [c.id for c in rules.checklist.columns]
    assert [r.category for r in table.rows] == [
        *(c.id for c in rules.checklist.categories),
        TOTAL,
    ]
    assert table.rows[-1].label == "合计"
    # 村卫生室仅抽查处方管理情况: the other document columns are "/" in its row
    village = table.row("village_clinic").values
    assert village["medical_record"] is None
    assert village["prescription"] == 0
    # a 公立-only column still has a cell in every row (ownership is per unit, not per row)
    assert table.row("clinic").values["public_forprofit_pharmacy"] == 0


def test_nested_rows_and_inapplicable_cells(syn: Ruleset) -> None:
    findings = [
        {"unit_id": "h1", "domain": "tcm", "category": "中医医院", "violations": ["license"]},
        {"unit_id": "h2", "domain": "tcm", "category": "integrated_hospital"},
        {"unit_id": "b1", "domain": "blood", "category": "特殊血站", "violations": ["special"]},
    ]
    result = aggregate(findings, syn)
    tcm = cells(result.table("tcm"))
    assert tcm["tcm_hospitals"]["inspected"] == 2
    assert tcm["tcm_hospitals"]["license"] == 1
    assert tcm[TOTAL]["inspected"] == 2
    blood = cells(result.table("blood"))
    assert blood["hospital"]["special"] is None
    assert blood["general_station"]["special"] is None
    assert blood["special_station"]["special"] == 1
    assert blood["hospital"]["clinical_use"] == 0
    assert blood[TOTAL]["special"] == 1


def test_parent_category_in_a_finding_is_refused(syn: Ruleset) -> None:
    with pytest.raises(AggregationError) as exc:
        aggregate([{"unit_id": "x", "domain": "tcm", "category": "中医类医院"}], syn)
    assert [p.code for p in exc.value.problems] == ["F013"]


def test_errors_refuse_unless_skip_invalid(shanxi: Ruleset) -> None:
    bad = [
        {"unit_id": "a", "domain": "medical", "category": "诊所"},
        {"unit_id": "b", "domain": "medical", "category": "no such row"},
    ]
    with pytest.raises(AggregationError) as exc:
        aggregate(bad, shanxi)
    assert exc.value.problems[0].code == "F012"
    result = aggregate(bad, shanxi, skip_invalid=True)
    assert result.input.skipped == 1
    assert result.input.accepted == 1
    assert result.input.records_read == 2
    assert [i.code for i in result.issues if i.severity == "error"] == ["F012"]


def test_census(syn: Ruleset, tmp_path: Path) -> None:
    census = tmp_path / "census.csv"
    census.write_text(
        "domain,category,units\ntcm,中医医院,10\ntcm,integrated_hospital,5\n"
        "tcm,中医诊所,1\n血液,一般血站,2\nblood,special_station,1\nblood,hospital,7\n",
        encoding="utf-8",
    )
    findings = [
        {"unit_id": "c1", "domain": "tcm", "category": "中医诊所"},
        {"unit_id": "c2", "domain": "tcm", "category": "中医诊所"},
    ]
    result = aggregate(findings, syn, census=census)
    tcm = cells(result.table("tcm"))
    assert tcm["tcm_hospitals"]["census"] == 15
    assert tcm[TOTAL]["census"] == 16
    assert [i.code for i in result.issues] == ["C010"]  # 2 inspected > 1 in the census
    no_census = aggregate(findings, syn)
    assert cells(no_census.table("tcm"))[TOTAL]["census"] is None
    assert [i.code for i in no_census.issues] == ["C011"]


def test_broken_census_is_refused(syn: Ruleset) -> None:
    census = [
        {"domain": "tcm", "category": "中医类医院", "units": 3},
        {"domain": "tcm", "category": "中医诊所", "units": -1},
        {"domain": "tcmm", "category": "中医诊所", "units": 1},
        {"domain": "tcm", "category": "中医诊所", "units": 1},
        {"domain": "tcm", "category": "中医诊所", "units": 2},
    ]
    with pytest.raises(AggregationError) as exc:
        aggregate([], syn, census=census)
    assert [p.code for p in exc.value.problems] == ["C005", "C003", "C001", "C004"]


def test_drill_down(syn: Ruleset) -> None:
    findings = [
        {"unit_id": "h1", "domain": "tcm", "category": "中医医院", "violations": ["license"]},
        {
            "unit_id": "h2",
            "domain": "tcm",
            "category": "中西医结合医院",
            "violations": ["执业许可证过期"],
            "penalty": {"cases": 1, "fine_yuan": "500"},
        },
        {"unit_id": "k1", "domain": "tcm", "category": "中医诊所"},
    ]
    result = aggregate(findings, syn, with_units=True)
    rows = {r.category: r for r in result.table("tcm").rows}
    assert rows["tcm_hospitals"].units is not None
    assert rows["tcm_hospitals"].units["license"] == ["h1", "h2"]
    assert rows["tcm_hospitals"].units["fines"] == ["h2"]
    assert rows[TOTAL].units is not None
    assert rows[TOTAL].units["inspected"] == ["h1", "h2", "k1"]
    assert "census" not in rows[TOTAL].units
    plain = aggregate(findings, syn)
    assert all(r.units is None for r in plain.table("tcm").rows)
    assert plain.tables[0].rows[0].values == result.tables[0].rows[0].values


def test_the_tally_is_public_and_holds_the_checkers_counts(syn: Ruleset) -> None:
    # Aggregation owns its tally (issue 11.3): a public type, built from the checker's counts,
    # that records drill-down unit ids itself.
    from spotcheck_rules.findings.validation import Checker, run
    from spotcheck_rules.tables.aggregation import Tally

    findings = [
        {"unit_id": "h1", "domain": "tcm", "category": "中医医院", "violations": ["license"]},
        {"unit_id": "k1", "domain": "tcm", "category": "中医诊所"},
    ]
    checker = Checker(syn)
    tallies = {st: Tally(st, with_units=True) for st in checker.states.values()}
    run(findings, checker, lambda got: tallies[got[0]].add_units(*got[1:]), sink_all=True)
    (st,) = [s for s in checker.states.values() if s.domain == "tcm"]
    tally = tallies[st]
    assert tally.units is not None and sum(tally.inspected) == 2
    # key -1 of a row: the units inspected in it; keys >= 0: column positions
    hospital = next(r for r, u in enumerate(tally.units) if u.get(-1) == {"h1"})
    clinic = next(r for r, u in enumerate(tally.units) if u.get(-1) == {"k1"})
    assert tally.inspected[hospital] == 1 and tally.inspected[clinic] == 1
    assert tally.units[clinic] == {-1: {"k1"}}
    assert [ids for key, ids in tally.units[hospital].items() if key >= 0] == [{"h1"}]
    assert Tally(st, with_units=False).units is None


def test_json_contract(syn: Ruleset) -> None:
    findings = [
        {
            "unit_id": "h2",
            "domain": "tcm",
            "category": "中医医院",
            "violations": ["license"],
            "penalty": {"cases": 1, "fine_yuan": "12345.6"},
        }
    ]
    result = aggregate(findings, syn, with_units=True)
    text = result.model_dump_json(indent=2)
    data = json.loads(text)
    jsonschema.Draft202012Validator(result_json_schema()).validate(data)
    row = data["tables"][0]["rows"][1]
    assert row["values"]["fines"] == "1.23456"
    assert row["values"]["cases"] == 1
    assert data["tables"][1]["rows"][0]["values"]["special"] is None
    again = aggregate(findings, syn, with_units=True)
    assert text == again.model_dump_json(indent=2)  # deterministic
    assert AggregateResult.model_validate_json(text) == result


# --------------------------------------------------------------------------- merge


def test_merge_refuses_other_plans_and_overlaps(tmp_path: Path) -> None:
    root = build_tree(tmp_path)
    syn = load_ruleset_file(root / "2025" / "plans" / "syn.yaml")
    other = load_ruleset_file(root / "2025" / "plans" / "other.yaml")
    a = aggregate([{"unit_id": "u", "domain": "tcm", "category": "中医诊所"}], syn)
    b = aggregate([{"unit_id": "u", "domain": "tcm", "category": "中医诊所"}], other)
    with pytest.raises(AggregationError) as exc:
        merge([a, b], syn)
    assert exc.value.problems[0].code == "M001"
    ua = aggregate(
        [{"unit_id": "u", "domain": "tcm", "category": "中医诊所"}], syn, with_units=True
    )
    with pytest.raises(AggregationError) as exc:
        merge([ua, ua], syn)
    assert exc.value.problems[0].code == "M004"
    assert merge([a, a], syn).table("tcm").total.values["inspected"] == 2  # no drill-down
    with pytest.raises(AggregationError):
        merge([], syn)


# --------------------------------------------------------------------------- properties

_TCM_LEAVES = ["tcm_hospital", "integrated_hospital", "tcm_clinic"]
_BLOOD = {
    "general_station": ["testing"],
    "special_station": ["testing", "special"],
    "hospital": ["clinical_use"],
}


@st.composite
def _finding(draw: st.DrawFn, unit: str) -> dict[str, Any]:
    domain = draw(st.sampled_from(["tcm", "blood"]))
    if domain == "tcm":
        category = draw(st.sampled_from(_TCM_LEAVES))
        ownership = draw(st.sampled_from([None, "public", "private", "公立", "民营"]))
        canon = {"公立": "public", "民营": "private"}.get(ownership or "", ownership)
        pool = ["license", "license_expired", "illegal_practice"]
        if canon == "public":
            pool.append("policy_pharmacy")
    else:
        category = draw(st.sampled_from(sorted(_BLOOD)))
        ownership = None
        pool = _BLOOD[category]
    violations = draw(st.lists(st.sampled_from(pool), max_size=4))
    rec: dict[str, Any] = {
        "unit_id": unit,
        "domain": domain,
        "category": category,
        "violations": violations,
    }
    if ownership:
        rec["ownership"] = ownership
    if "illegal_practice" in violations:
        rec["referred"] = True
    if violations:
        cents = draw(st.integers(0, 10**9))
        cases = draw(st.integers(1, 3))
        if set(violations) == {"policy_pharmacy"}:
            cents = 0
        pen: dict[str, Any] = {"cases": cases, "fine_yuan": str(Decimal(cents).scaleb(-2))}
        if domain == "tcm" and draw(st.booleans()):
            pen["revoked"] = ["revoked_license"]
        rec["penalty"] = pen
    return rec


@st.composite
def _findings(draw: st.DrawFn, min_size: int = 0) -> list[dict[str, Any]]:
    n = draw(st.integers(min_size, 25))
    return [draw(_finding(f"u{i}")) for i in range(n)]


def _tables(findings: list[dict[str, Any]], rs: Ruleset, **kw: Any) -> list[SummaryTable]:
    return aggregate(findings, rs, **kw).tables


@given(findings=_findings(), seed=st.integers(0, 2**32))
def test_order_does_not_matter(syn: Ruleset, findings: list[dict[str, Any]], seed: int) -> None:
    shuffled = list(findings)
    random.Random(seed).shuffle(shuffled)
    for f in shuffled:
        if f.get("violations"):
            random.Random(seed).shuffle(f["violations"])
    assert _tables(shuffled, syn, with_units=True) == _tables(findings, syn, with_units=True)


@given(findings=_findings(), cut=st.integers(0, 25))
def test_merge_of_disjoint_sets_is_the_union(
    syn: Ruleset, findings: list[dict[str, Any]], cut: int
) -> None:
    a, b = findings[:cut], findings[cut:]
    for with_units in (False, True):
        merged = merge(
            [aggregate(a, syn, with_units=with_units), aggregate(b, syn, with_units=with_units)],
            syn,
        )
        assert merged.tables == _tables(findings, syn, with_units=with_units)
        assert merged.input.records_read == len(findings)


def _sum(rows: dict[str, Any], ids: list[str], col_id: str, zero: Any) -> Any:
    vals = [rows[i].values[col_id] for i in ids if rows[i].values[col_id] is not None]
    return sum(vals, zero) if vals else None


@given(findings=_findings())
def test_totals_parents_and_bounds(syn: Ruleset, findings: list[dict[str, Any]]) -> None:
    for table in _tables(findings, syn):
        rules = syn.domain(table.domain)
        rows = {r.category: r for r in table.rows}
        leaves = [c.id for c in rules.checklist.categories if rules.is_leaf(c.id)]
        for col in table.columns:
            if col.kind == "census_units":
                continue
            zero = Decimal(0) if col.kind == "fines" else 0
            assert rows[TOTAL].values[col.id] == _sum(rows, leaves, col.id, zero), col.id
            for cat in rules.checklist.categories:
                kids = list(rules.children(cat.id))
                if kids:
                    assert rows[cat.id].values[col.id] == _sum(rows, kids, col.id, zero)
        inspected = next(c.id for c in table.columns if c.kind == "inspected_units")
        for row in table.rows:
            for col in table.columns:
                value = row.values[col.id]
                if col.kind in UNIT_KINDS and value is not None:
                    assert value <= row.values[inspected]


@given(findings=_findings())
def test_repeating_a_code_changes_nothing(syn: Ruleset, findings: list[dict[str, Any]]) -> None:
    doubled = [{**f, "violations": f["violations"] * 2} for f in findings]
    assert _tables(doubled, syn) == _tables(findings, syn)


@given(findings=_findings(min_size=1))
def test_adding_a_finding_never_lowers_a_count(
    syn: Ruleset, findings: list[dict[str, Any]]
) -> None:
    before = _tables(findings[:-1], syn)
    after = _tables(findings, syn)
    for tb, ta in zip(before, after, strict=True):
        for rb, ra in zip(tb.rows, ta.rows, strict=True):
            for key, value in rb.values.items():
                if value is not None:
                    assert ra.values[key] >= value  # type: ignore[operator]


@given(findings=_findings())
def test_fines_are_exact(syn: Ruleset, findings: list[dict[str, Any]]) -> None:
    expected = {
        d: sum(
            (
                Decimal(f["penalty"]["fine_yuan"])
                for f in findings
                if f["domain"] == d and f.get("penalty")
            ),
            Decimal(0),
        )
        / 10000
        for d in ("tcm", "blood")
    }
    for table in _tables(findings, syn):
        assert table.total.values["fines"] == expected[table.domain]


# --------------------------------------------------------------------------- fast path


def test_jsonl_hot_loop_agrees_with_generic_path(syn: Ruleset, tmp_path: Path) -> None:
    rnd = random.Random(7)
    findings = []
    for i in range(400):
        leaf = rnd.choice(_TCM_LEAVES)
        rec: dict[str, Any] = {"unit_id": f"u{i}", "domain": rnd.choice(["tcm", "中医医疗机构"])}
        rec["category"] = leaf
        rec["inspected_on"] = f"2025-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}"
        if rnd.random() < 0.3:
            rec["violations"] = ["license"]
            rec["penalty"] = {"cases": 1, "fine_yuan": f"{rnd.randint(0, 99999) / 100:.2f}"}
        findings.append(rec)
    findings.append(dict(findings[10]))  # an identical duplicate
    findings.append({**findings[11], "category": "中医诊所"})  # a conflicting one
    path = tmp_path / "f.jsonl"
    path.write_text(
        "\n".join(json.dumps(f, ensure_ascii=False) for f in findings) + "\n\n", encoding="utf-8"
    )
    from_file = aggregate(path, syn, skip_invalid=True)
    from_memory = aggregate(findings, syn, skip_invalid=True)
    assert from_file.tables == from_memory.tables
    assert from_file.input.model_dump(exclude={"files"}) == from_memory.input.model_dump(
        exclude={"files"}
    )
    codes = sorted(i.code for i in from_file.issues if i.severity != "info")
    assert codes == ["F030", "F031"]
    assert [i.line for i in from_file.issues if i.code == "F031"] == [402]


# --------------------------------------------------------------------------- CLI


def test_cli_aggregate_and_merge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = build_tree(tmp_path / "rs") / "2025" / "plans" / "syn.yaml"
    a = tmp_path / "a.jsonl"
    a.write_text(
        json.dumps(
            {"unit_id": "a", "domain": "tcm", "category": "中医诊所", "violations": ["license"]}
        )
        + "\n",
        encoding="utf-8",
    )
    b = tmp_path / "b.csv"
    b.write_text(
        "unit_id,domain,category,violations\nb,tcm,中医诊所,license；license_expired\n",
        encoding="utf-8",
    )
    out_a, out_b, out = tmp_path / "ra.json", tmp_path / "rb.json", tmp_path / "r.json"
    assert (
        main(["aggregate", str(a), "--ruleset", str(plan), "--format", "json", "-o", str(out_a)])
        == 0
    )
    assert (
        main(["aggregate", str(b), "--ruleset", str(plan), "--format", "json", "-o", str(out_b)])
        == 0
    )
    assert main(["merge", str(out_a), str(out_b), "--ruleset", str(plan), "-o", str(out)]) == 0
    merged = AggregateResult.model_validate_json(out.read_text(encoding="utf-8"))
    assert merged.table("tcm").row("tcm_clinic").values["license"] == 2
    both = tmp_path / "both.json"
    assert (
        main(
            [
                "aggregate",
                str(a),
                str(b),
                "--ruleset",
                str(plan),
                "--format",
                "json",
                "-o",
                str(both),
            ]
        )
        == 0
    )
    both_result = AggregateResult.model_validate_json(both.read_text(encoding="utf-8"))
    assert both_result.tables == merged.tables

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"unit_id": "x", "domain": "tcm", "category": "牙科"}\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["aggregate", str(bad), "--ruleset", str(plan), "--format", "json"]) == 1
    assert "F012" in capsys.readouterr().err
    assert main(["validate", str(bad), "--ruleset", str(plan)]) == 1
    assert f"{bad}:1: error F012" in capsys.readouterr().out
    assert main(["validate", str(a), "--ruleset", str(plan)]) == 0
    assert main(["validate", str(tmp_path / "missing.jsonl"), "--ruleset", str(plan)]) == 2
    assert main(["merge", str(a), "-o", str(out)]) == 2  # not a result


def _messy_finding(rnd: random.Random, i: int) -> dict[str, Any]:
    """A record that may trip any check the hot loop short-cuts (for the agreement test)."""
    domain = rnd.choice(["tcm", "tcm", "中医医疗机构", "blood"])
    rec: dict[str, Any] = {"unit_id": f"u{i}", "domain": domain}
    if domain == "blood":
        rec["category"] = rnd.choice([*_BLOOD, "tcm_clinic"])
        pool = ["testing", "special", "clinical_use", "license"]
    else:
        rec["category"] = rnd.choice([*_TCM_LEAVES, "中医诊所", "no_such_row"])
        pool = ["license", "license_expired", "执业许可证过期", "illegal_practice"]
        pool += ["policy_pharmacy", "bogus"]
    rec["ownership"] = rnd.choice([None, "public", "private", "公立", "民营", "nonsense"])
    if rnd.random() < 0.1:
        rec["region"] = rnd.choice(["140105", "14010", "abcdef"])
    if rnd.random() < 0.5:
        rec["inspected_on"] = rnd.choice(["2025-03-01", "2025-11-30", "2024-12-31"])
    if rnd.random() < 0.7:
        rec["violations"] = rnd.sample(pool, rnd.randint(0, 3))
    if rnd.random() < 0.6:
        pen: dict[str, Any] = {"cases": rnd.choice([0, 1, 1, 2, -1])}
        fine = rnd.choice([None, "0", "12.34", "1.500", "1.234", "-3", "NaN", 500, 0.5])
        if fine is not None:
            pen["fine_yuan"] = fine
        if rnd.random() < 0.3:
            pen["revoked"] = rnd.sample(["revoked_license", "bogus"], rnd.randint(1, 2))
        rec["penalty"] = pen
    for flag in ("referred", "opinion_issued"):
        if rnd.random() < 0.4:
            rec[flag] = rnd.choice([True, False])
    if rnd.random() < 0.05:
        rec["not_applicable"] = ["bogus_item"]
    if rnd.random() < 0.05:
        rec["harm"] = {"deaths": rnd.choice([0, 1])}
    return {k: v for k, v in rec.items() if v is not None}


def test_jsonl_hot_loop_agrees_on_every_check(syn: Ruleset, tmp_path: Path) -> None:
    """Every short cut of the hot loop (violations, penalties, revocations, flags, duplicates)
    gives what check() gives: same tables, counts and problems, in the same order."""
    rnd = random.Random(11)
    findings = [_messy_finding(rnd, i) for i in range(1500)]
    base = {"domain": "tcm", "category": "tcm_clinic", "violations": ["license"]}
    for i, pen in enumerate(
        [
            {"cases": 0, "revoked": ["revoked_license"]},  # F063 from a revocation alone
            {"cases": 1, "fine_yuan": "10", "revoked": ["revoked_license"] * 2},
            {"cases": 1, "revoked": ["revoked_license", "bogus"]},  # F016
            {"cases": 2, "fine_yuan": "0.10"},
            {"cases": 0, "fine_yuan": "5"},  # F063
        ]
    ):
        findings.append({**base, "unit_id": f"p{i}", "penalty": pen})
        findings.append({**base, "unit_id": f"p{i}", "penalty": pen})  # F030
    for _ in range(150):  # duplicates: identical, reordered or relabelled, or conflicting
        dup = dict(rnd.choice(findings))
        if dup.get("violations") and rnd.random() < 0.5:
            dup["violations"] = list(reversed(dup["violations"]))
        elif rnd.random() < 0.3:
            dup["tier"] = "municipal"
        findings.insert(rnd.randrange(len(findings) + 1), dup)
    path = tmp_path / "f.jsonl"
    path.write_text(
        "\n".join(json.dumps(f, ensure_ascii=False) for f in findings) + "\n", encoding="utf-8"
    )
    # the same decoded values, fed to check() one by one as in-memory records
    decoded = [raw.value for raw in read_records(path)]
    for with_units in (False, True):
        from_file = aggregate(path, syn, skip_invalid=True, with_units=with_units)
        from_memory = aggregate(decoded, syn, skip_invalid=True, with_units=with_units)
        assert from_file.tables == from_memory.tables
        assert from_file.input.model_dump(exclude={"files"}) == from_memory.input.model_dump(
            exclude={"files"}
        )
        got = [(i.code, i.severity, i.field, i.line) for i in from_file.issues]
        want = [(i.code, i.severity, i.field, i.pointer) for i in from_memory.issues]
        assert [g[:3] for g in got] == [w[:3] for w in want]
        for g, w in zip(got, want, strict=True):
            if g[3] is not None:  # line N of the file is record N - 1 of the list
                assert w[3].split("/")[1] == str(g[3] - 1)
        codes = {g[0] for g in got}
        assert {"F030", "F031", "F022", "F057", "F059", "F063", "F016", "F020"} <= codes
    # validate: the hot loop against the generic reader of the same file, problem for problem
    hot = validate(path, syn)
    generic = validate(path, syn, record_outcomes=True)
    assert hot.problems == generic.problems
    assert (hot.accepted, hot.rejected, hot.duplicates) == (
        generic.accepted,
        generic.rejected,
        generic.duplicates,
    )


# --------------------------------------------------------------------------- two processes


@pytest.fixture
def two_processes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """JSON Lines files of any size are checked by two processes; the list receives, for each
    worker's part, whether it was taken (False: a unit in both halves, checked again here)."""
    import os
    import threading

    from spotcheck_rules.findings import parallel
    from spotcheck_rules.findings.checker import Checker

    if len(os.sched_getaffinity(0)) < 2 or threading.active_count() != 1:
        pytest.skip("two processes need two cores and no other thread")
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.delenv("SPOTCHECK_PROCESSES", raising=False)
    taken: list[bool] = []
    take = parallel.take

    def spy(checker: Checker, part: Any, base: int, last: bool) -> bool:
        ok = take(checker, part, base, last)
        taken.append(ok)
        return ok

    monkeypatch.setattr(parallel, "take", spy)
    return taken


def _one_process(monkeypatch: pytest.MonkeyPatch, fn: Any, *args: Any, **kw: Any) -> Any:
    with monkeypatch.context() as m:
        m.setenv("SPOTCHECK_PROCESSES", "1")
        return fn(*args, **kw)


def _halves(rnd: random.Random, cross: bool) -> list[dict[str, Any]]:
    """Messy findings in two halves, with duplicates inside each half (and one unit in both
    halves if ``cross``)."""
    first = [_messy_finding(rnd, i) for i in range(700)]
    second = [_messy_finding(rnd, 1000 + i) for i in range(700)]
    for half, pool in ((first, first[:300]), (second, second[400:])):
        for _ in range(40):
            dup = dict(rnd.choice(pool))
            if rnd.random() < 0.3:
                dup["tier"] = "municipal"
            half.append(dup) if half is first else half.insert(rnd.randrange(400, 700), dup)
    if cross:
        clean = {"unit_id": "both", "domain": "tcm", "category": "tcm_clinic"}
        first.insert(5, clean)
        second.append(dict(clean))
    first.insert(10, {"unit_id": "bad\n"})  # an unparsable record, an empty line
    return [*first, {}, *second]


def _write_jsonl(path: Path, findings: list[dict[str, Any]]) -> Path:
    lines = [json.dumps(f, ensure_ascii=False) if f else "" for f in findings]
    lines[10] = "{not json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _same_everywhere(a: AggregateResult, b: AggregateResult) -> None:
    assert a.tables == b.tables
    assert a.input == b.input  # sha256 and record counts too
    assert a.issues == b.issues  # every problem, in the same order


@pytest.mark.parametrize("cross", [False, True])
def test_two_processes_agree_with_one(
    syn: Ruleset,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    two_processes: list[bool],
    cross: bool,
) -> None:
    """The halves' results, added up, are one process's result, issue for issue; a unit in
    both halves makes this process check the second half itself, with the same result."""
    path = _write_jsonl(tmp_path / "f.jsonl", _halves(random.Random(5), cross))
    for with_units in (False, True):
        one = _one_process(
            monkeypatch, aggregate, path, syn, skip_invalid=True, with_units=with_units
        )
        two = aggregate(path, syn, skip_invalid=True, with_units=with_units)
        _same_everywhere(two, one)
    assert two_processes == [not cross]  # drill-down is never split
    codes = {i.code for i in one.issues}
    assert {"F001", "F030", "F031", "F012", "F057"} <= codes
    hot = validate(path, syn)
    single = _one_process(monkeypatch, validate, path, syn)
    # outcomes with their seq numbers too
    assert hot.model_dump(mode="json") == single.model_dump(mode="json")
    assert two_processes == [not cross] * 2


def test_two_processes_then_another_file(
    syn: Ruleset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, two_processes: list[bool]
) -> None:
    """A file checked in two parts that is not the last input leaves the whole duplicate
    table: a later file's duplicate of a unit of its second half is found and located."""
    late = {"unit_id": "late", "domain": "tcm", "category": "tcm_clinic", "violations": ["license"]}
    findings = [*_halves(random.Random(9), cross=False), late]
    a = _write_jsonl(tmp_path / "a.jsonl", findings)
    b = tmp_path / "b.jsonl"
    b.write_text(
        json.dumps(late, ensure_ascii=False)
        + "\n"
        + json.dumps({**late, "tier": "elsewhere"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    one = _one_process(monkeypatch, aggregate, [a, b], syn, skip_invalid=True)
    two = aggregate([a, b], syn, skip_invalid=True)
    _same_everywhere(two, one)
    assert two_processes == [True]  # b is too short to cut
    dups = [(i.code, i.line) for i in two.issues if i.file == str(b)]
    assert dups == [("F030", 1), ("F031", 2)]
    assert all(f"{a} 第 {len(findings)} 行" in i.message for i in two.issues[-3:-1])


def test_two_processes_fall_back_to_one(
    syn: Ruleset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, two_processes: list[bool]
) -> None:
    """No fork, or a worker that fails: this process checks the whole file, same result."""
    import os

    from spotcheck_rules.findings import parallel, validation

    path = _write_jsonl(tmp_path / "f.jsonl", _halves(random.Random(3), cross=False))
    one = _one_process(monkeypatch, aggregate, path, syn, skip_invalid=True)

    def no_fork() -> int:
        raise OSError("no more processes")

    def broken(*_: Any) -> Any:
        raise RuntimeError("the worker fails")

    with monkeypatch.context() as m:
        m.setattr(os, "fork", no_fork)
        _same_everywhere(aggregate(path, syn, skip_invalid=True), one)
    with monkeypatch.context() as m:
        m.setattr(parallel, "work", broken)
        _same_everywhere(aggregate(path, syn, skip_invalid=True), one)
    assert two_processes == []
    _same_everywhere(aggregate(path, syn, skip_invalid=True), one)
    assert two_processes == [True]
    # a checker whose last input was checked in two parts, its duplicate table left
    # incomplete, takes no more
    checker = validation.Checker(syn)
    parallel.consume_jsonl(checker, path, FileInfo(str(path)), None, last=True)
    assert two_processes == [True, True]
    with pytest.raises(RuntimeError):
        parallel.consume_jsonl(checker, path, FileInfo(str(path)), None)


def test_two_processes_from_a_zipped_package(syn: Ruleset, tmp_path: Path) -> None:
    """The worker is a fork: nothing is imported again, so a zipped package works."""
    import os
    import subprocess
    import sys
    import zipfile

    import spotcheck_rules

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("two processes need two cores")
    pkg = Path(spotcheck_rules.__file__).parent
    zipped = tmp_path / "pkg.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        for f in pkg.rglob("*"):
            if f.is_file() and "__pycache__" not in f.parts:
                z.write(f, f.relative_to(pkg.parent))
    path = _write_jsonl(tmp_path / "f.jsonl", _halves(random.Random(4), cross=False))
    tree = build_tree(tmp_path / "rs")
    # a package imported from a zip cannot read its bundled tree (bundled_root is a folder):
    # the tree declares the domains it uses itself, as a plugin's tree would
    bundled = Path(__file__).resolve().parent.parent / "rulesets" / "domains.yaml"
    (tree / "domains.yaml").write_bytes(bundled.read_bytes())
    plan = tree / "2025" / "plans" / "syn.yaml"
    code = f"""
import sys
sys.path.insert(0, {str(zipped)!r})
import spotcheck_rules
assert spotcheck_rules.__file__.startswith({str(zipped)!r}), spotcheck_rules.__file__
from spotcheck_rules import load_ruleset_file
from spotcheck_rules.findings import parallel
from spotcheck_rules.tables.aggregation import aggregate
parallel.PARALLEL_MIN_BYTES = 0
taken = []
take = parallel.take
parallel.take = lambda *a: taken.append(take(*a)) or taken[-1]
result = aggregate({str(path)!r}, load_ruleset_file(sys.argv[1]), skip_invalid=True)
assert taken == [True], taken
print(result.model_dump_json(indent=2))
"""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SPOTCHECK_PROCESSES")}
    proc = subprocess.run(
        [sys.executable, "-c", code, str(plan)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    got = AggregateResult.model_validate_json(proc.stdout)
    want = aggregate(path, syn, skip_invalid=True)
    assert got.tables == want.tables and got.input == want.input and got.issues == want.issues

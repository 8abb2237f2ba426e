"""Validation: every check of issue 3, with its stable code, location and suggestions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from test_aggregate import build_tree

from spotcheck_rules import Ruleset, Severity, load_ruleset, load_ruleset_file
from spotcheck_rules.findings.records import FlatRow
from spotcheck_rules.findings.validation import CODES, validate, validate_one


@pytest.fixture(scope="module")
def shanxi() -> Ruleset:
    return load_ruleset("shanxi/2025")


@pytest.fixture(scope="module")
def syn(tmp_path_factory: pytest.TempPathFactory) -> Ruleset:
    root = build_tree(tmp_path_factory.mktemp("rs"))
    return load_ruleset_file(root / "2025" / "plans" / "syn.yaml")


def _med(**kw: Any) -> dict[str, Any]:
    return {"unit_id": "U1", "domain": "medical", "category": "诊所", **kw}


def _tcm(**kw: Any) -> dict[str, Any]:
    return {"unit_id": "T1", "domain": "tcm", "category": "中医诊所", **kw}


# The cases of test_each_check are data: tests/fixtures/validation/*.yaml, one file per check
# area, each case with its plan (a fixture above), the record, the codes expected in order, and
# why it exists. ``input: csv-row`` makes the record a spreadsheet row (FlatRow), whose cells get
# the flat coercions; otherwise it is a JSON record held to the schema's types. ``plan`` is a
# fixture (shanxi, syn) or a bundled plan id (xinjiang/2025 …); ``says`` lists texts the messages
# must contain, in the order of the problems (the jurisdiction's own recipients and basis).
FIXTURES = Path(__file__).parent / "fixtures" / "validation"
_CASE_KEYS = {"name", "why", "plan", "input", "record", "codes", "says"}


def _load_cases() -> list[tuple[str, Any, list[str], str, list[str]]]:
    cases: list[tuple[str, Any, list[str], str, list[str]]] = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        for case in YAML(typ="safe").load(path.read_text(encoding="utf-8")):
            where = f"{path.name}: {case.get('name')}"
            assert {"name", "why", "plan", "record", "codes"} <= set(case) <= _CASE_KEYS, where
            assert isinstance(case["why"], str) and case["why"].strip(), where
            assert case["plan"] in ("shanxi", "syn") or "/" in case["plan"], where
            assert case.get("input", "json") in ("json", "csv-row"), where
            record = case["record"]
            if case.get("input") == "csv-row":
                record = FlatRow(record)
            says = list(case.get("says", ()))
            assert len(says) <= len(case["codes"]), where
            cases.append((case["name"], record, list(case["codes"]), case["plan"], says))
    names = [c[0] for c in cases]
    assert len(names) == len(set(names)), "two validation cases share a name"
    return cases


# (name, record, expected codes in order, ruleset fixture or plan id, texts the messages say)
CASES = _load_cases()


@pytest.mark.parametrize(
    ("record", "codes", "which", "says"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_check(
    record: Any, codes: list[str], which: str, says: list[str], request: pytest.FixtureRequest
) -> None:
    rs = load_ruleset(which) if "/" in which else request.getfixturevalue(which)
    report = validate([record], rs)
    assert [p.code for p in report.problems] == codes
    for p, text in zip(report.problems, says, strict=False):
        assert text in p.message, p.message
    assert report.records_read == 1
    assert report.accepted + report.rejected == 1
    errors = [c for c in codes if CODES[c][0] is Severity.ERROR]
    assert report.rejected == (1 if errors else 0)
    for p in report.problems:
        assert p.severity is CODES[p.code][0]
        assert p.message  # Chinese, for people
    # validate_one gives the same codes, for a JSON-shaped record and for a spreadsheet row
    outcome = validate_one(record, rs) if not isinstance(record, list) else None
    if outcome is not None:
        assert [p.code for p in outcome.problems] == codes


def test_every_code_is_tested() -> None:
    # F067 needs a domain that declares its fields: tests/test_domains.py declares one
    tested = {c for case in CASES for c in case[2]} | {"F017", "F030", "F031", "F067"}
    assert tested == set(CODES)


def test_suggestions_for_unknown_references(shanxi: Ruleset) -> None:
    report = validate([_med(category="诊 所所", violations=["处方管理不符合要求"])], shanxi)
    (cat,) = [p for p in report.problems if p.code == "F012"] or [None]
    assert cat is None or "诊所" in cat.suggestions
    viol = [p for p in validate([_med(violations=["处方管理不符合要求"])], shanxi).problems]
    assert viol[0].code == "F014"
    assert "处方管理不符合要求单位数" in viol[0].suggestions
    assert viol[0].field == "violations"


def test_major_case_message_cites_the_rule(shanxi: Ruleset) -> None:
    (p,) = validate([_med(harm={"deaths": 2, "injured": 5})], shanxi).problems
    assert p.severity is Severity.WARNING
    assert p.message == (
        "符合重大医疗违法案件情形（《医疗监督执法工作规范（试行）》第三十四条"
        "（一）导致患者死亡或者造成二级以上医疗事故的案件；（二）导致3人以上人身损害后果的案件），"
        "应及时报告：省卫生健康委（sx2025 三(三)）"
    )


def test_a_plan_without_a_rule_of_a_kind_is_not_checked_for_it(tmp_path: Path) -> None:
    """Rules are data: a plan that states no referral rule (the synthetic other/2025) has nothing
    to check F059 against; the same record under syn/2025, which states one, is F059."""
    plans = build_tree(tmp_path / "rs") / "2025" / "plans"
    rec = {
        "unit_id": "T1",
        "domain": "tcm",
        "category": "中医诊所",
        "violations": ["illegal_practice"],
    }
    with_rule = load_ruleset_file(plans / "syn.yaml")
    without = load_ruleset_file(plans / "other.yaml")
    assert with_rule.handling("tcm").referral is not None
    assert without.handling("tcm").referral is None
    assert [p.code for p in validate([rec], with_rule).problems] == ["F059"]
    assert [p.code for p in validate([rec], without).problems] == []


def test_duplicates(shanxi: Ruleset) -> None:
    a = _med(violations=["license", "prescription"])
    same = _med(violations=["prescription", "执业许可证管理不符合要求单位数"])  # same content
    other = _med(category="医院")
    report = validate([a, same, other], shanxi)
    assert [p.code for p in report.problems] == ["F030", "F031"]
    assert report.accepted == 2
    assert report.duplicates == 1
    assert report.rejected == 1
    assert "第 1 条" in report.problems[0].message
    # the same unit in two domains is not a duplicate
    assert validate(
        [_tcm(unit_id="X"), {**_tcm(unit_id="X"), "domain": "blood", "category": "医院"}],
        load_ruleset_syn(shanxi),
    ).ok


def load_ruleset_syn(_: Ruleset) -> Ruleset:
    # module fixtures cannot be called directly; the synthetic plan is cached by the loader
    import tempfile

    root = build_tree(Path(tempfile.mkdtemp()))
    return load_ruleset_file(root / "2025" / "plans" / "syn.yaml")


def test_ambiguous_reference(shanxi: Ruleset) -> None:
    # The loader refuses a checklist whose rows share a label (R106), so an ambiguous reference
    # can only reach validation through a Ruleset built in code. Build one: two 中医 rows both
    # called 中医院. A reference to it must be refused, not guessed.
    import dataclasses

    from spotcheck_rules.ruleset.ruleset import DomainRules

    tcm = shanxi.domain("tcm")
    cats = [
        c.model_copy(update={"aliases": ("中医院",)})
        if c.id in ("tcm_hospital", "integrated_hospital")
        else c
        for c in tcm.checklist.categories
    ]
    checklist = tcm.checklist.model_copy(update={"categories": tuple(cats)})
    rules = DomainRules(domain=tcm.domain, spec=tcm.spec, checklist=checklist, strata=tcm.strata)
    rs = dataclasses.replace(shanxi, domains={**shanxi.domains, tcm.domain: rules})
    (p,) = validate([_tcm(category="中医院")], rs).problems
    assert p.code == "F017"
    assert {"tcm_hospital", "integrated_hospital"} <= set(p.suggestions)


def test_locations_in_files(shanxi: Ruleset, tmp_path: Path) -> None:
    jl = tmp_path / "f.jsonl"
    jl.write_text(
        '{"unit_id": "a", "domain": "medical", "category": "诊所"}\n'
        "\n"
        "not json\n"
        '{"unit_id": "b", "domain": "medical", "category": "诊所", "inspected_on": "2020-01-01"}\n',
        encoding="utf-8",
    )
    report = validate(jl, shanxi)
    assert [(p.code, p.line) for p in report.problems] == [("F001", 3), ("F040", 4)]
    assert report.records_read == 3
    assert report.files[0].sha256 and report.files[0].records == 3
    csv = tmp_path / "f.csv"
    csv.write_text(
        "unit_id,domain,category,violations,cases,fine_yuan\n"
        "a,medical,诊所,license,1,100\n"
        "b,medical,诊所,license；bogus,1,-5\n",
        encoding="utf-8",
    )
    report = validate(csv, shanxi)
    # the fields' own problems first, then the ruleset's
    assert [(p.code, p.line, p.field) for p in report.problems] == [
        ("F051", 3, "penalty.fine_yuan"),
        ("F014", 3, "violations"),
    ]
    assert report.problems[1].format().startswith(f"{csv}:3: error F014")


def test_record_outcomes(shanxi: Ruleset) -> None:
    report = validate([_med(), _med(unit_id="U2", category="?")], shanxi, record_outcomes=True)
    assert [(o.seq, o.accepted) for o in report.outcomes] == [(0, True), (1, False)]
    assert report.outcomes[1].problems[0].code == "F012"
    assert report.model_dump(mode="json")["input"]["rejected"] == 1
    assert "拒绝 1 条" in report.summary()


def test_record_outcomes_for_a_jsonl_file(shanxi: Ruleset, tmp_path: Path) -> None:
    jl = tmp_path / "f.jsonl"
    jl.write_text(
        '{"unit_id": "a", "domain": "medical", "category": "诊所"}\n'
        '{"unit_id": "b", "domain": "medical", "category": "?"}\n',
        encoding="utf-8",
    )
    report = validate(jl, shanxi, record_outcomes=True)
    assert report.records_read == 2
    assert [(o.line, o.accepted) for o in report.outcomes] == [(1, True), (2, False)]
    assert report.files[0].records == 2 and report.files[0].sha256


def test_duplicates_of_hot_loop_records(shanxi: Ruleset, tmp_path: Path) -> None:
    """A record the JSON Lines hot loop accepted is fingerprinted only when its unit turns up
    again, from its line read back (CRLF line ends, another file): same verdicts as records."""
    a = _med(unit_id="A", violations=["license"], penalty={"cases": 1, "fine_yuan": "12.50"})
    b = _med(unit_id="B")
    f1 = tmp_path / "one.jsonl"
    f1.write_bytes(
        b"\r\n".join(json.dumps(r, ensure_ascii=False).encode() for r in (b, a)) + b"\r\n"
    )
    f2 = tmp_path / "two.jsonl"
    again = [
        {**a, "violations": ["执业许可证管理不符合要求单位数"]},  # the same, by label
        {**b, "tier": "other"},
        dict(b),
        {**a, "penalty": {"cases": 1, "fine_yuan": "12.5"}},  # the same amount
        {**a, "penalty": {"cases": 1, "fine_yuan": "12.51"}},
    ]
    f2.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in again), encoding="utf-8")
    got = validate([f1, f2], shanxi)
    want = validate([a, b, *again], shanxi)
    assert [p.code for p in got.problems] == [p.code for p in want.problems]
    assert [p.code for p in got.problems] == ["F030", "F031", "F030", "F030", "F031"]
    assert [p.line for p in got.problems] == [1, 2, 3, 4, 5]
    assert f"{f1} 第 2 行" in got.problems[0].message
    assert f"{f1} 第 1 行" in got.problems[1].message
    assert (got.accepted, got.duplicates, got.rejected) == (5, 3, 2)

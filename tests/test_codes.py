"""The code catalogue (spotcheck_rules.core.codes): its views, `spotcheck codes`, the generated docs,
the session check of tests/conftest.py, and a test for each code no other test emitted."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import catalogue_problems
from treebuilder import PROV, checklist, plan, write_tree

from spotcheck_rules import load_ruleset
from spotcheck_rules.cli.app import main
from spotcheck_rules.core.codes import CATALOGUE, FAMILIES, by_family, family_id, severity
from spotcheck_rules.core.errors import Severity
from spotcheck_rules.diff.engine import RULES, diff_rulesets
from spotcheck_rules.draws.roster import (
    inspectors_from_records,
    read_inspectors,
    read_roster,
    roster_from_records,
)
from spotcheck_rules.findings.validation import CODES
from spotcheck_rules.ruleset.loader import check_files
from spotcheck_rules.ruleset.ruleset import DomainRules, Ruleset
from spotcheck_rules.tables.aggregation import AggregationError, aggregate
from spotcheck_rules.tables.census import load_census
from spotcheck_rules.tables.merging import merge
from spotcheck_rules.tables.result import AggregateResult

ROOT = Path(__file__).resolve().parent.parent
FINDINGS = ROOT / "examples" / "shanxi-2025-findings.jsonl"


@pytest.fixture(scope="module")
def shanxi() -> Ruleset:
    return load_ruleset("shanxi/2025")


# --------------------------------------------------------------------------- the catalogue


def test_every_code_has_a_known_family_and_a_title() -> None:
    for code, c in CATALOGUE.items():
        assert c.code == code and c.family in FAMILIES and c.title
        assert code.startswith(c.family) or (c.family == "diff" and code[0].islower())
        assert c.family == "diff" or c.messages, code
        assert c.doc.startswith("docs/") and (ROOT / c.doc.split("#")[0]).is_file(), c.doc


def _codes_named(text: str) -> set[str]:
    """The codes a page names: each code, and each code of a range written ``U201–U220``."""
    named = set(re.findall(r"\b[A-Z]\d{3}\b", text))
    for letter, lo, hi in re.findall(r"\b([A-Z])(\d{3})–\1(\d{3})\b", text):
        named |= {c for c in CATALOGUE if c[0] == letter and lo <= c[1:] <= hi}
    return named


def test_the_docs_name_only_catalogued_codes_and_each_code_is_on_its_page() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    for page in pages:
        unknown = _codes_named(page.read_text(encoding="utf-8")) - set(CATALOGUE) - {"F000"}
        assert not unknown, f"{page.name} names codes the catalogue lacks: {sorted(unknown)}"
    for c in CATALOGUE.values():
        page = (ROOT / c.doc.split("#")[0]).read_text(encoding="utf-8")
        if c.family == "diff":
            assert f"`{c.code}`" in page, c.code
        else:
            assert c.code in _codes_named(page), f"{c.code} is not on {c.doc}"


def test_validation_codes_are_the_f_family_less_the_refusals() -> None:
    assert {c.code: (c.severity, c.title) for c in by_family("F") if not c.refuses} == CODES
    assert severity("F004") is Severity.WARNING and severity("C011") is Severity.INFO


def test_diff_rules_are_the_diff_family() -> None:
    assert [r.id for r in RULES] == [c.code for c in by_family("diff")]
    for r in RULES:
        c = CATALOGUE[r.id]
        assert (r.level.value, r.entity.value, r.meaning) == (c.level, c.entity, c.title)


def test_family_names() -> None:
    assert family_id("f") == "F" and family_id("DIFF") == "diff"
    with pytest.raises(ValueError, match="未知的代码族"):
        family_id("Q")


def test_cli_lists_every_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["codes"]) == 0
    out = capsys.readouterr().out
    for c in CATALOGUE.values():
        assert f"  {c.code} " in out
    assert "  F063  warning  有罚没款或吊销，但查处案件数为 0" in out


def test_cli_json_of_one_family(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["codes", "--format", "json", "--family", "c"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["code"] for d in data] == [c.code for c in by_family("C")]
    assert data[-1] == {
        "code": "C011",
        "family": "C",
        "severity": "info",
        "title": "未提供辖区单位数",
        "messages": ["未提供辖区单位数（--census），“辖区内单位总数”列为空"],
        "concerns": "census",
        "doc": "docs/findings.md#validation-codes",
        "refuses": False,
        "level": None,
        "entity": None,
    }


def test_cli_unknown_family_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["codes", "--family", "Q"])
    assert exc.value.code == 2 and "未知的代码族" in capsys.readouterr().err


def test_code_tables_in_the_docs_are_current() -> None:
    # Regenerate with: python -m spotcheck_rules.core.codedocs --write docs
    from spotcheck_rules.core.codedocs import main as codedoc

    err = io.StringIO()
    assert codedoc(["--check", str(ROOT / "docs")], stderr=err) == 0, err.getvalue()


def test_a_stale_region_is_found(tmp_path: Path) -> None:
    from spotcheck_rules.core.codedocs import main as codedoc

    page = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    (tmp_path / "findings.md").write_text(page.replace("| F063 | warning", "| F063 | error"))
    (tmp_path / "codes.md").write_text((ROOT / "docs" / "codes.md").read_text(encoding="utf-8"))
    err = io.StringIO()
    assert codedoc(["--check", str(tmp_path)], stderr=err) == 1
    assert err.getvalue() == f"stale: {tmp_path / 'findings.md'}\n"
    assert codedoc(["--write", str(tmp_path)], stderr=err) == 0
    assert (tmp_path / "findings.md").read_text(encoding="utf-8") == page
    (tmp_path / "findings.md").write_text("no markers\n")
    err = io.StringIO()
    assert codedoc(["--write", str(tmp_path)], stderr=err) == 1
    assert "no markers for the generated part 'findings-codes'" in err.getvalue()


def test_the_session_check_names_every_offender() -> None:
    emitted = {c: {CATALOGUE[c].severity.value} for c in CATALOGUE}
    assert catalogue_problems(emitted) == []
    del emitted["F063"]
    emitted["F099"] = {"error"}
    emitted["U104"] = {"warning", "error"}
    assert catalogue_problems(emitted) == [
        "F099: emitted, but not in spotcheck_rules/codes.py",
        "F063: in spotcheck_rules/codes.py, but no test emits it",
        "U104: emitted as error、warning, catalogued as warning",
    ]
    said = {"F005": {"地区代码 '1401' 应为6位行政区划代码", "地区代码有误"}}
    assert catalogue_problems({c: {CATALOGUE[c].severity.value} for c in CATALOGUE}, said) == [
        "F005: message '地区代码有误' matches none of its templates"
    ]


# --------------------------------------------------------------------------- census, merge


def test_unknown_census_category(shanxi: Ruleset) -> None:
    _, problems = load_census([{"domain": "medical", "category": "诊 所所", "units": 3}], shanxi)
    assert [(p.code, p.severity, p.field) for p in problems] == [
        ("C002", Severity.ERROR, "category")
    ]


@pytest.fixture(scope="module")
def genuine(shanxi: Ruleset) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(aggregate(str(FINDINGS), shanxi).model_dump_json())
    return data


def _merge_codes(data: dict[str, Any], shanxi: Ruleset) -> list[str]:
    with pytest.raises(AggregationError) as exc:
        merge([AggregateResult.model_validate(data)], shanxi)
    return [p.code for p in exc.value.problems]


def test_merge_refuses_other_domains(genuine: dict[str, Any], shanxi: Ruleset) -> None:
    data = copy.deepcopy(genuine)
    data["tables"] = data["tables"][1:]
    assert _merge_codes(data, shanxi) == ["M002"]


def test_merge_refuses_other_rows(genuine: dict[str, Any], shanxi: Ruleset) -> None:
    data = copy.deepcopy(genuine)
    data["tables"][0]["rows"] = data["tables"][0]["rows"][1:]
    assert _merge_codes(data, shanxi) == ["M003"]


# --------------------------------------------------------------------------- rosters


def test_ambiguous_roster_category(shanxi: Ruleset) -> None:
    # as in test_validation.test_ambiguous_reference: only a Ruleset built in code can have two
    # rows sharing a label (the loader refuses it, R106)
    tcm = shanxi.domain("tcm")
    cats = [
        c.model_copy(update={"aliases": ("中医院",)})
        if c.id in ("tcm_hospital", "integrated_hospital")
        else c
        for c in tcm.checklist.categories
    ]
    cl = tcm.checklist.model_copy(update={"categories": tuple(cats)})
    rules = DomainRules(domain=tcm.domain, spec=tcm.spec, checklist=cl, strata=tcm.strata)
    rs = dataclasses.replace(shanxi, domains={**shanxi.domains, tcm.domain: rules})
    row = {"unit_id": "A1", "unit_name": "甲", "domain": "tcm", "category": "中医院"}
    roster = roster_from_records([{**row, "region": "140105"}], rs)
    assert [(p.code, p.field) for p in roster.problems] == [("U114", "category")]


def test_control_characters_in_ids(shanxi: Ruleset) -> None:
    unit = {"unit_id": "A\x01", "unit_name": "甲", "domain": "medical", "category": "诊所"}
    roster = roster_from_records([{**unit, "region": "140105"}], shanxi)
    assert [(p.code, p.pointer) for p in roster.problems] == [("U119", "/0/unit_id")]
    inspector = {"id": "I\x02", "name": "甲", "region": "140105", "domains": ["medical"]}
    assert [(p.code, p.pointer) for p in inspectors_from_records([inspector]).problems] == [
        ("U219", "/0/id")
    ]


def test_a_roster_record_must_be_an_object(tmp_path: Path, shanxi: Ruleset) -> None:
    path = tmp_path / "r.json"
    path.write_text('{"units": [5]}', encoding="utf-8")
    assert [(p.code, p.pointer) for p in read_roster(path, shanxi).problems] == [
        ("U120", "/units/0")
    ]


def test_gbk_inspector_roster_is_read_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "i.csv"
    path.write_bytes("编号,姓名,所在区县,监督领域\nI1,甲,140105,医疗机构\n".encode("gbk"))
    roster = read_inspectors(path)
    assert [(p.code, p.severity) for p in roster.problems] == [("U205", Severity.INFO)]
    assert [i.name for i in roster.inspectors] == ["甲"]


def test_a_row_that_cannot_be_read_as_written(tmp_path: Path, shanxi: Ruleset) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "unit_id,unit_name,domain,category,region\nA1,甲,医疗机构,诊所,140105,多余\n",
        encoding="utf-8",
    )
    assert [(p.code, p.line) for p in read_roster(path, shanxi).problems] == [("U106", 2)]


def test_inspector_roster_column_and_record_problems(tmp_path: Path) -> None:
    path = tmp_path / "i.csv"
    path.write_text("编号,姓名,所在区县,监督领域,备注\nI1,甲,140105,医疗机构,x\n", encoding="utf-8")
    assert [(p.code, p.severity) for p in read_inspectors(path).problems] == [
        ("U203", Severity.WARNING)
    ]
    records: list[Any] = [5]
    assert [p.code for p in inspectors_from_records(records).problems] == ["U220"]


# --------------------------------------------------------------------------- ruleset files


def test_a_key_that_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("kind: plan\n1.5: x\n", encoding="utf-8")
    assert [(p.code, p.line) for p in check_files([path])] == [("Y005", 1)]


VIOLATION = {"id": "expired", "label": "执业许可证过期", "column": "license", "provenance": PROV}
UNITEMED = {
    "id": "records",
    "label": "病历管理不符合要求单位数",
    "groups": ["不合格情况"],
    "kind": "violation_units",
    "provenance": PROV,
}


def _lint(tmp_path: Path, cl: dict[str, Any], pl: dict[str, Any]) -> set[str]:
    root = write_tree(tmp_path / "tree", [cl], [pl])
    return {p.code for p in check_files([root])}


@pytest.mark.parametrize(
    ("code", "cl", "pl"),
    [
        ("R104", checklist(violations=[{**VIOLATION, "column": "nope"}]), plan()),
        ("R110", checklist(violations=[{**VIOLATION, "column": "cases"}]), plan()),
        (
            "R105",
            checklist(
                categories=[
                    {"id": "hospital", "label": "医院", "provenance": PROV},
                    {"id": "clinic", "label": "诊所", "parent": "clinic", "provenance": PROV},
                ]
            ),
            plan(),
        ),
        ("R108", checklist(columns=[*checklist()["columns"], UNITEMED]), plan()),
        ("R109", checklist(items=[{**checklist()["items"][0], "number": 2}]), plan()),
        ("P202", checklist(), plan(domains={"medical": {"checklist": "2030/tcm"}})),
        ("P210", checklist(), plan(rounding=None)),
    ],
)
def test_ruleset_problem(tmp_path: Path, code: str, cl: dict[str, Any], pl: dict[str, Any]) -> None:
    assert code in _lint(tmp_path, cl, pl)


def _domain(**over: Any) -> dict[str, Any]:
    dom: dict[str, Any] = copy.deepcopy(plan()["domains"]["medical"])
    dom.update(over)
    return {"medical": dom}


def test_wording_for_an_unknown_item(tmp_path: Path) -> None:
    pl = plan(domains=_domain(wording={"nope": {"text": "措辞", "provenance": PROV}}))
    assert "P206" in _lint(tmp_path, checklist(), pl)


def test_duplicate_stratum_id(tmp_path: Path) -> None:
    strata = plan()["domains"]["medical"]["strata"]
    pl = plan(domains=_domain(strata=[strata[0], {**strata[1], "id": strata[0]["id"]}]))
    assert "P211" in _lint(tmp_path, checklist(), pl)


# --------------------------------------------------------------------------- diff rules
# One case per rule no golden diff exercises: how the old and the new side differ.

Edit = Callable[[dict[str, Any], dict[str, Any]], None]
ITEM2 = {"id": "records", "number": 2, "title": "病历", "text": "病历管理。", "provenance": PROV}
CATS = [
    {"id": "hospital", "label": "医院", "provenance": PROV},
    {"id": "clinic", "label": "诊所", "aliases": ["门诊"], "provenance": PROV},
    {"id": "group", "label": "其他机构", "provenance": PROV},
    {"id": "other", "label": "其他", "provenance": PROV},
]
DEADLINE = {"kind": "annual_summary", "due": "2030-12-01", "text": "12月1日前报送总结",
            "provenance": PROV}  # fmt: skip
LOOKBACK = {"penalized_in": 2029, "text": "对2029年受处罚单位回头看", "provenance": PROV}
TOTAL = {"categories": ["hospital"], "ratio": "10%", "provenance": PROV}
WORDING = {"qualification": {"text": "资质。", "provenance": PROV}}


def _base() -> tuple[dict[str, Any], dict[str, Any]]:
    cl = checklist(categories=copy.deepcopy(CATS), items=[checklist()["items"][0], ITEM2])
    cl["violations"] = [copy.deepcopy(VIOLATION)]
    pl = plan()
    return cl, pl


def _dom(pl: dict[str, Any]) -> dict[str, Any]:
    dom: dict[str, Any] = pl["domains"]["medical"]
    return dom


def _set(**kw: Any) -> Edit:
    """An edit of the plan's top level."""

    def edit(cl: dict[str, Any], pl: dict[str, Any]) -> None:
        pl.update(copy.deepcopy(kw))

    return edit


def _in(where: str, index: int | None, **kw: Any) -> Edit:
    """An edit of one entry (or all of a list's parent) of the checklist or plan domain."""

    def edit(cl: dict[str, Any], pl: dict[str, Any]) -> None:
        target: Any = _dom(pl)[where] if where in ("strata",) else cl[where]
        target = target[index] if index is not None else target
        target.update(copy.deepcopy(kw))

    return edit


def _plain(cl: dict[str, Any], pl: dict[str, Any]) -> None:
    pass


def _drop(where: str, index: int) -> Edit:
    def edit(cl: dict[str, Any], pl: dict[str, Any]) -> None:
        del cl[where][index]

    return edit


def _swap(where: str, i: int, j: int) -> Edit:
    def edit(cl: dict[str, Any], pl: dict[str, Any]) -> None:
        cl[where][i], cl[where][j] = cl[where][j], cl[where][i]

    return edit


def _rekey_category(cl: dict[str, Any], pl: dict[str, Any]) -> None:
    cl["categories"][1].update(id="surgery", renamed_from="clinic")
    _dom(pl)["strata"][1]["categories"] = ["surgery"]


def _rekey_item(cl: dict[str, Any], pl: dict[str, Any]) -> None:
    cl["items"][0].update(id="qual", renamed_from="qualification")
    cl["columns"][0]["item"] = "qual"


def _replace_item(cl: dict[str, Any], pl: dict[str, Any]) -> None:
    cl["items"][0].update(id="qual", replaces=["qualification"])
    cl["columns"][0]["item"] = "qual"


def _swap_numbers(cl: dict[str, Any], pl: dict[str, Any]) -> None:
    cl["items"][0]["number"], cl["items"][1]["number"] = 2, 1


def _opinion(entry: dict[str, Any]) -> None:
    entry.update(disposition="opinion", disposition_basis=PROV)


def _with(key: str, value: Any) -> Edit:
    def edit(cl: dict[str, Any], pl: dict[str, Any]) -> None:
        _dom(pl)[key] = copy.deepcopy(value)

    return edit


DIFF_CASES: dict[str, tuple[Edit, Edit]] = {
    "rounding-changed": (
        _plain,
        _set(rounding={"method": "floor", "minimum": 1, "provenance": {"inferred": "测试"}}),
    ),
    "deadline-removed": (_set(deadlines=[DEADLINE]), _plain),
    "lookback-removed": (_set(lookback=[LOOKBACK]), _plain),
    "lookback-changed": (
        _set(lookback=[LOOKBACK]),
        _set(lookback=[{**LOOKBACK, "text": "对2029年受处罚单位开展回头看"}]),
    ),
    "category-rekeyed": (_plain, _rekey_category),
    "category-parent-changed": (_plain, _in("categories", 3, parent="group")),
    "category-aliases-changed": (_plain, _in("categories", 1, aliases=["门诊部"])),
    "item-rekeyed": (_plain, _rekey_item),
    "item-replaced": (_plain, _replace_item),
    "item-number-changed": (_plain, _swap_numbers),
    "item-optional-changed": (_plain, _in("items", 0, optional=False)),
    "item-applicability-changed": (
        _plain,
        _in("items", 0, applies_to={"categories": ["hospital"]}),
    ),
    "item-aliases-changed": (_plain, _in("items", 0, aliases=["资质管理"])),
    "column-groups-changed": (_plain, _in("columns", 0, groups=["不合格"])),
    "column-disposition-changed": (
        _plain,
        _in("columns", 0, disposition="opinion", disposition_basis=PROV),
    ),
    "column-aliases-changed": (_plain, _in("columns", 0, aliases=["许可证"])),
    "code-rekeyed": (_plain, _in("violations", 0, id="lapsed", renamed_from="expired")),
    "code-item-changed": (_plain, _in("violations", 0, item="records")),
    "code-disposition-changed": (
        _plain,
        _in("violations", 0, disposition="opinion", disposition_basis=PROV),
    ),
    "code-relabelled": (_plain, _in("violations", 0, label="执业许可证已过期")),
    "code-aliases-changed": (_plain, _in("violations", 0, aliases=["证照过期"])),
    "stratum-tier-changed": (_plain, _in("strata", 1, tier="municipal")),
    "stratum-categories-changed": (_plain, _in("strata", 1, categories=["clinic", "other"])),
    "stratum-remaining-changed": (
        _in("strata", 1, tier="municipal"),
        _in("strata", 1, tier="municipal", from_remaining=True),
    ),
    "stratum-note-changed": (_plain, _in("strata", 0, note="说明")),
    "deadline-changed": (
        _set(deadlines=[DEADLINE]),
        _set(deadlines=[{**DEADLINE, "due": "2030-12-15"}]),
    ),
    "category-removed": (_plain, _drop("categories", 3)),
    "category-moved": (_plain, _swap("categories", 2, 3)),
    "item-removed": (_plain, _drop("items", 1)),
    "column-kind-changed": (_plain, _in("columns", 1, kind="fines")),
    "column-relabelled": (_plain, _in("columns", 0, label="执业许可证不符合要求单位数")),
    "code-added": (_drop("violations", 0), _plain),
    "code-removed": (_plain, _drop("violations", 0)),
    "tier-removed": (_in("strata", 1, tier="municipal"), _plain),
    "wording-removed": (_with("wording", WORDING), _plain),
    "stated-total-removed": (_with("stated_totals", [TOTAL]), _plain),
    "stated-total-changed": (
        _with("stated_totals", [TOTAL]),
        _with("stated_totals", [{**TOTAL, "ratio": "20%"}]),
    ),
    "wording-changed": (
        _with("wording", WORDING),
        _with("wording", {"qualification": {"text": "资质情况。", "provenance": PROV}}),
    ),
}


@pytest.mark.parametrize("rule", list(DIFF_CASES))
def test_diff_rule(tmp_path: Path, rule: str) -> None:
    sides = []
    for name, edit in zip(("old", "new"), DIFF_CASES[rule], strict=True):
        cl, pl = _base()
        edit(cl, pl)
        root = write_tree(tmp_path / name, [cl], [pl])
        sides.append(root / "2030" / "plans" / "land.yaml")
    diff = diff_rulesets(*sides)
    assert rule in {c.rule for c in diff.changes}, [(c.rule, c.message) for c in diff.changes]

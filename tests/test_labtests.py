"""检测项目, footnotes, tested-unit columns and ratio columns, on the example plugin's 学校卫生
checklist (examples/plugin). Until domains are data its domain id ``school`` is not known, so the
tests rename it to a bundled id by text substitution alone (YAML, findings, file names): the
same checklist, rows, items, tests, notes and 汇总表, under another domain id."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest

from spotcheck_rules import aggregate, check_files, load_ruleset, load_ruleset_file, validate
from spotcheck_rules.tables.merging import merge
from spotcheck_rules.tables.report import render_csv, render_table, render_xlsx
from spotcheck_rules.tables.result import AggregateResult

PLUGIN = Path(__file__).resolve().parent.parent / "examples" / "plugin" / "src"
TREE = PLUGIN / "spotcheck_school_example" / "rulesets"
FINDINGS = PLUGIN / "spotcheck_school_example" / "findings" / "school-2025-findings.jsonl"
AS = "medical"  # the bundled id the domain is renamed to


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("school") / "rulesets"
    shutil.copytree(TREE, root)
    (root / "2025" / "checklists" / "school.yaml").rename(root / "2025/checklists" / f"{AS}.yaml")
    for path, old, new in (
        (root / "2025/checklists" / f"{AS}.yaml", "domain: school\n", f"domain: {AS}\n"),
        (
            root / "2025/plans/school_national.yaml",
            "  school:\n    checklist: 2025/school",
            f"  {AS}:\n    checklist: 2025/{AS}",
        ),
    ):
        text = path.read_text(encoding="utf-8")
        assert old in text, (path, old)
        path.write_text(text.replace(old, new), encoding="utf-8")
    (root / "2025/plans/example_city.yaml").unlink()  # a plan of the bundled tree's; not here
    findings = FINDINGS.read_text(encoding="utf-8").replace(
        '"domain": "school"', f'"domain": "{AS}"'
    )
    (root.parent / "findings.jsonl").write_text(findings, encoding="utf-8")
    return root


def _plan(tree: Path) -> Path:
    return tree / "2025" / "plans" / "school_national.yaml"


def test_the_school_tree_checks_clean(tree: Path) -> None:
    problems = check_files([tree])
    assert [p for p in problems if p.severity.value == "error"] == []


def test_the_checklist_keeps_tests_and_footnotes_as_printed(tree: Path) -> None:
    rules = load_ruleset_file(_plan(tree)).domain(AS)
    cl = rules.checklist
    assert [t.id for t in cl.tests] == ["lighting_area", "water_quality"]
    assert [s.code for s in cl.tests[0].standards] == ["GB 50099", "GB7793"]
    assert [f.marker for f in cl.footnotes] == ["a", "b", "c"]
    assert cl.footnotes[0].text == "指每間教室至少設有2種不同高低型號的課桌椅,且每人一席。"
    assert rules.tests["水质"].id == "water_quality"  # an alias


def test_tested_passed_and_the_ratio(tree: Path) -> None:
    rs = load_ruleset_file(_plan(tree))
    result = aggregate(tree.parent / "findings.jsonl", rs)
    t = result.table(AS)
    # tested: 0001 0002 0003 0004 0006; passed (every result passed): 0001 0004 0006
    assert t.cell("school", "tested_units") == 5
    assert t.cell("school", "passed_units") == 3
    assert t.cell("school", "pass_rate") == Decimal("60.00")
    assert t.cell("total", "pass_rate") == Decimal("60.00")
    assert t.cell("school", "inspected_units") == 7
    assert t.column("pass_rate").ratio is not None
    assert "60.00%" in render_table(result)
    csv_text = render_csv(result)
    assert ",pass_rate,检测合格率（%）,检测情况,ratio,60\r\n" in csv_text
    blob = json.loads(result.model_dump_json())
    assert blob["tables"][0]["rows"][0]["values"]["pass_rate"] == "60"
    assert "ratio" not in blob["tables"][0]["columns"][0]  # written only for ratio columns
    again = AggregateResult.model_validate_json(result.model_dump_json())
    assert again.table(AS).cell("school", "pass_rate") == Decimal("60")


def test_the_ratio_cell_in_the_workbook_prints_as_the_form_would(tree: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    result = aggregate(tree.parent / "findings.jsonl", load_ruleset_file(_plan(tree)))
    ws = openpyxl.load_workbook(BytesIO(render_xlsx(result))).worksheets[0]
    cells = [c for row in ws.iter_rows() for c in row if c.number_format == '0.00"%"']
    assert cells and cells[0].value == 60


def test_a_merge_recomputes_the_ratio_from_the_summed_counts(tree: Path) -> None:
    rs = load_ruleset_file(_plan(tree))
    lines = (tree.parent / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    a = tree.parent / "a.jsonl"
    b = tree.parent / "b.jsonl"
    a.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")  # 0001 passed, 0002 failed
    b.write_text("\n".join(lines[2:]) + "\n", encoding="utf-8")
    ra, rb = aggregate(a, rs), aggregate(b, rs)
    assert ra.table(AS).cell("school", "pass_rate") == Decimal("50.00")
    merged = merge([ra, rb], rs)
    assert merged.table(AS).cell("school", "pass_rate") == Decimal("60.00")
    # a ratio that is not its row's counts' is refused
    bad = json.loads(ra.model_dump_json())
    bad["tables"][0]["rows"][0]["values"]["pass_rate"] = "99"
    with pytest.raises(Exception, match="结果不能合并") as exc:
        merge([AggregateResult.model_validate(bad), rb], rs)
    assert "M012" in {p.code for p in exc.value.problems}  # type: ignore[attr-defined]


def test_no_tested_unit_is_no_ratio(tree: Path) -> None:
    rs = load_ruleset_file(_plan(tree))
    rec = {"unit_id": "X", "domain": AS, "category": "school"}
    t = aggregate([rec], rs).table(AS)
    assert t.cell("school", "tested_units") == 0 and t.cell("school", "pass_rate") is None


def test_f070_unknown_test_and_bad_results(tree: Path) -> None:
    rs = load_ruleset_file(_plan(tree))
    rep = validate(
        [{"unit_id": "X", "domain": AS, "category": "school", "tests": {"噪声": True}}], rs
    )
    assert [p.code for p in rep.problems] == ["F070"]
    csv = f"unit_id,domain,category,tests\nX,{AS},school,采光照明=合格; 水质=待定\n"
    rep = validate(csv.encode(), rs, format="csv")
    assert [p.code for p in rep.problems] == ["F070"] and "待定" in rep.problems[0].message
    ok = f"unit_id,domain,category,tests\nX,{AS},school,采光照明=合格; 水质=不合格\n"
    t = aggregate(ok.encode(), rs, format="csv").table(AS)
    assert (t.cell("school", "tested_units"), t.cell("school", "passed_units")) == (1, 0)


def test_f070_tests_for_a_domain_without_lab_tests() -> None:
    rs = load_ruleset("shanxi/2025")
    rec = {"unit_id": "X", "domain": "medical", "category": "hospital", "tests": {"水质": True}}
    rep = validate([rec], rs)
    assert [p.code for p in rep.problems] == ["F070"] and "没有检测项目" in rep.problems[0].message


def _edit_checklist(tree: Path, tmp_path: Path, old: str, new: str) -> list[str]:
    root = tmp_path / "rulesets"
    shutil.copytree(tree, root)
    path = root / "2025" / "checklists" / f"{AS}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [p.code for p in check_files([path])]


def test_r120_a_ratio_of_an_unknown_or_a_money_column(tree: Path, tmp_path: Path) -> None:
    assert "R120" in _edit_checklist(
        tree, tmp_path / "1", "numerator: passed_units", "numerator: passed"
    )
    assert "R120" in _edit_checklist(
        tree, tmp_path / "2", "denominator: tested_units", "denominator: fines"
    )


def test_r121_unknown_test_unmarked_footnote_and_numbering(tree: Path, tmp_path: Path) -> None:
    old = "    kind: passed_units\n"
    assert "R121" in _edit_checklist(tree, tmp_path / "1", old, old + "    tests: [noise]\n")
    assert "R121" in _edit_checklist(tree, tmp_path / "2", "  - marker: c", "  - marker: h")
    assert "R121" in _edit_checklist(
        tree,
        tmp_path / "3",
        "    number: 2\n    text: 學校自建",
        "    number: 3\n    text: 學校自建",
    )


def test_the_model_refuses_misplaced_keys(tree: Path, tmp_path: Path) -> None:
    got = _edit_checklist(
        tree,
        tmp_path / "1",
        "    kind: passed_units\n",
        "    kind: cases\n    tests: [water_quality]\n",
    )
    assert "S001" in got
    got = _edit_checklist(
        tree, tmp_path / "2", "    kind: ratio\n    ratio:", "    kind: cases\n    ratio:"
    )
    assert "S001" in got


def test_show_prints_tests_footnotes_and_the_ratio_rule(tree: Path) -> None:
    from spotcheck_rules.ruleset.views import describe, plan_markdown, plan_text

    rs = load_ruleset_file(_plan(tree))
    text = plan_text(rs)
    assert "检测项目：" in text and "    a. 指每間教室" in text
    assert "[pass_rate] = passed_units / tested_units，百分比保留 2 位小数，四舍五入" in text
    assert "- ☐ 合格　☐ 不合格　2. 學校自建設施" in plan_markdown(rs)
    dom = describe(rs)["domains"][0]
    assert [t["id"] for t in dom["tests"]] == ["lighting_area", "water_quality"]
    assert dom["columns"][8]["ratio"]["places"] == 2
    bundled = describe(load_ruleset("shanxi/2025"))["domains"][0]
    assert "tests" not in bundled and "ratio" not in bundled["columns"][0]

"""The links from checklist items to seed 003's 检查方法, and the linter on them and on specs.

No plan cites 003, so every link is a reading (``inferred`` with a reason); the linter refuses a
link that does not resolve (R111), and a spec document that is not a registered source or repeats
an id (R107, R101). ``show`` prints the linked methods under each item, in every format.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import transcription

from spotcheck_rules import check_files, load_ruleset, load_ruleset_file
from spotcheck_rules.cli.app import main
from spotcheck_rules.core.errors import RulesetError
from spotcheck_rules.ruleset.views import item_methods

LINKED = [
    (2024, "medical"),
    (2025, "medical"),
    (2025, "tcm"),
    (2024, "cosmetic"),
    (2025, "cosmetic"),
    (2024, "maternal"),
    (2025, "maternal"),
    (2024, "blood"),
    (2025, "blood"),
]


def _break(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("year", "domain"), LINKED, ids=lambda v: str(v))
def test_every_item_names_its_methods_and_every_link_is_inferred(year: int, domain: str) -> None:
    cl = transcription.load(domain, year)
    assert cl.spec == "spec2023"
    for item in cl.items:
        assert item.methods, f"{cl.id} item {item.number} links no 003 method"
        for link in item.methods:
            assert link.provenance.inferred, f"{cl.id} item {item.number}: a link without a reason"
            assert not link.provenance.cites  # no plan cites 003


@pytest.mark.parametrize("year", [2024, 2025])
def test_blood_links_only_clinical_use_and_says_003_does_not_cover_blood_stations(
    year: int,
) -> None:
    cl = transcription.load("blood", year)
    for item in cl.items:
        areas = [link.area for link in item.methods]
        if item.id == "clinical_blood_use":  # in 医院, which 003 governs
            assert areas == ["quality"]
        else:
            assert areas == [None], item.id
            assert "血站" in (item.methods[0].provenance.inferred or "")


def test_show_json_carries_each_items_methods_resolved_to_the_spec_text() -> None:
    rs = load_ruleset("national/2025")
    rules = rs.domain("medical")
    methods = item_methods(rs, rules, rules.items["qualification"])
    assert [(m["article"], m["clause"]) for m in methods] == [
        ("第十六条", "（一）"),
        ("第十六条", "（四）"),
    ]
    assert methods[0]["text"] == "查看《医疗机构执业许可证》正、副本或诊所备案凭证；"
    assert methods[0]["cite"] == "spec2023 第十六条 （一）" and methods[0]["inferred"]
    none = item_methods(rs, rules, rules.items["policy"])
    assert none[0]["area"] is None and "政策落实" in none[0]["inferred"]


def test_show_prints_the_methods_under_each_item(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "national/2025", "--domain", "medical"]) == 0
    text = capsys.readouterr().out
    first, second = (
        text.index("    1. 医疗机构资质管理情况"),
        text.index("    2. 医疗卫生人员管理情况"),
    )
    assert "第十六条（一）查看《医疗机构执业许可证》" in text[first:second]
    assert main(["show", "national/2025", "--domain", "medical", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["domains"][0]["items"][0]["methods"][0]["clause"] == "（一）"
    assert main(["show", "national/2025", "--domain", "medical", "--format", "markdown"]) == 0
    assert "〔推断〕机构资质 第十六条（四）" in capsys.readouterr().out


def test_a_link_that_does_not_resolve_is_refused(ruleset_tree: Path) -> None:
    path = ruleset_tree / "2025" / "checklists" / "medical.yaml"
    _break(
        path,
        "      - area: qualification\n        clauses: [（一）, （四）]",
        "      - area: qualificaton\n        clauses: [（一）, （四）]",
    )
    _break(path, "        clauses: [（三）, （四）]", "        clauses: [（三）, （九）]")
    problems = [p for p in check_files([path]) if p.code == "R111"]
    assert len(problems) == 2, problems
    area, clause = problems
    assert "没有领域 qualificaton" in area.message and "qualification" in area.suggestions
    assert "第二十条没有（九）" in clause.message and clause.line is not None
    with pytest.raises(RulesetError) as err:  # a plan built on it does not load
        load_ruleset_file(ruleset_tree / "2025" / "plans" / "national.yaml")
    assert {p.code for p in err.value.problems} == {"R111"}


def test_a_checklist_naming_no_spec_or_an_unknown_one_is_refused(ruleset_tree: Path) -> None:
    path = ruleset_tree / "2025" / "checklists" / "cosmetic.yaml"
    _break(path, "spec: spec2023\n", "spec: spec2033\n")
    (problem,) = [p for p in check_files([path]) if p.code == "R111"]
    assert "找不到规范文件 spec2033" in problem.message and "spec2023" in problem.suggestions
    _break(path, "spec: spec2033\n", "")
    problems = [p for p in check_files([path]) if p.code == "R111"]
    assert problems and all("未指明规范" in p.message for p in problems)


def test_a_spec_that_is_no_registered_source_or_repeats_an_id_is_refused(
    ruleset_tree: Path,
) -> None:
    path = ruleset_tree / "specs" / "spec2023.yaml"
    _break(path, "id: spec2023\n", "id: spec2032\n")
    _break(path, "  - id: personnel\n", "  - id: qualification\n")
    got = {p.code: p for p in check_files([path])}
    assert "spec2023" in got["R107"].suggestions
    assert got["R101"].message == "监督执法领域 id 重复：qualification"

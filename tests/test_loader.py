from __future__ import annotations

import sys
from pathlib import Path

import pytest

from spotcheck_rules import (
    AmbiguousReferenceError,
    RulesetError,
    UnknownReferenceError,
    UnknownRulesetError,
    list_rulesets,
    load_ruleset,
    load_ruleset_file,
)
from spotcheck_rules.ruleset.loader import clear_cache
from tests.treebuilder import PROV, checklist, plan, write_tree


def test_bundled_plan_by_id_is_cached() -> None:
    first = load_ruleset("shanxi/2025")
    assert load_ruleset("shanxi/2025") is first
    assert first.chain == ("national/2025", "shanxi/2025")


def test_plan_by_file_path(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", [checklist()], [plan()])
    rs = load_ruleset_file(root / "2030" / "plans" / "land.yaml")
    assert rs.id == "land/2030"
    assert [s.id for s in rs.domain("medical").strata] == ["hospital", "clinic"]


def test_child_uses_exactly_the_domains_it_lists_and_merges_key_by_key(tmp_path: Path) -> None:
    parent = plan(
        domains={
            "medical": plan()["domains"]["medical"],
            "cosmetic": {
                "checklist": "2030/cosmetic",
                "strata": [
                    {"id": "all", "categories": ["hospital"], "all": True, "provenance": PROV}
                ],
            },
        },
        deadlines=[
            {"kind": "annual_summary", "due": "2030-11-01", "text": "父", "provenance": PROV}
        ],
    )
    child = plan(
        "prov/2030",
        extends="land/2030",
        jurisdiction={"level": "province", "name": "某省"},
        sources=[],
        domains={"medical": {"wording": {"qualification": {"text": "省措辞", "provenance": PROV}}}},
    )
    del child["rounding"]
    root = write_tree(tmp_path / "r", [checklist(), checklist(domain="cosmetic")], [parent, child])
    rs = load_ruleset_file(root / "2030" / "plans" / "prov.yaml")
    assert list(rs.domains) == [rs.domain("medical").domain]  # cosmetic not listed → not used
    med = rs.domain("medical")
    assert [s.id for s in med.strata] == ["hospital", "clinic"]  # inherited
    assert med.item_text("qualification") == "省措辞"  # own wording wins
    assert rs.deadlines[0].text == "父"  # not given → inherited
    assert rs.rounding is not None and rs.rounding.method == "ceil"
    assert rs.plan.sources == ("doc",)


def test_extends_cycle_is_an_error(tmp_path: Path) -> None:
    a = plan("a/2030", extends="b/2030")
    b = plan("b/2030", extends="a/2030")
    root = write_tree(tmp_path / "r", [checklist()], [a, b])
    with pytest.raises(RulesetError) as exc:
        load_ruleset_file(root / "2030" / "plans" / "a.yaml")
    assert any(p.code == "P201" and "循环" in p.message for p in exc.value.problems)


def test_unknown_parent_is_an_error_located_on_extends(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", [checklist()], [plan(extends="ghost/2030")])
    with pytest.raises(RulesetError) as exc:
        load_ruleset_file(root / "2030" / "plans" / "land.yaml")
    (p,) = exc.value.problems
    assert p.code == "P201" and p.pointer == "/extends" and p.line is not None


@pytest.mark.parametrize(
    "bad", ["../../etc/2025", "shanxi/2025/../../x", "/etc/passwd/2025", "SHANXI/2025", "shanxi"]
)
def test_ids_cannot_escape_the_registry(bad: str) -> None:
    with pytest.raises(UnknownRulesetError):
        load_ruleset_file(bad)


def test_extends_cannot_escape_the_registry(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", [checklist()], [plan(extends="../x/2030")])
    with pytest.raises(RulesetError) as exc:
        load_ruleset_file(root / "2030" / "plans" / "land.yaml")
    assert exc.value.problems[0].pointer == "/extends"


def test_plugin_rulesets_are_found_through_entry_points(tmp_path: Path) -> None:
    pkg = tmp_path / "site" / "province_rules"
    write_tree(pkg / "rulesets", [checklist()], [plan("beijing/2030")])
    (pkg / "__init__.py").write_text(
        "from pathlib import Path\nROOT = Path(__file__).parent / 'rulesets'\n", encoding="utf-8"
    )
    dist = tmp_path / "site" / "province_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: province-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[spotcheck_rules.rulesets]\nbeijing = province_rules:ROOT\n"
    )
    sys.path.insert(0, str(tmp_path / "site"))
    clear_cache()
    try:
        infos = {i.id: i for i in list_rulesets()}
        assert infos["beijing/2030"].provider == "province-rules"
        assert "shanxi/2025" in infos
        assert load_ruleset("beijing/2030").domain("医疗机构").checklist.year == 2030
    finally:
        sys.path.remove(str(tmp_path / "site"))
        clear_cache()


def test_references_by_id_label_alias_and_width_variant() -> None:
    med = load_ruleset("shanxi/2025").domain("医疗机构")
    assert med.categories["village_clinic"] is med.categories["村卫生室（所）"]
    assert med.categories["村卫生室(所)"].id == "village_clinic"  # half-width brackets
    assert med.categories["村卫生室"].id == "village_clinic"  # alias
    assert med.codes["生物医学研究管理不符合要求单位数"].id == "biomedical_research"


def test_unknown_reference_suggests_the_closest_labels() -> None:
    med = load_ruleset("shanxi/2025").domain("medical")
    with pytest.raises(UnknownReferenceError) as exc:
        med.categories["社区卫生服务"]
    assert "社区卫生服务中心" in exc.value.suggestions


def test_ambiguous_reference_is_an_error(tmp_path: Path) -> None:
    cl = checklist()
    cl["categories"][1]["aliases"] = ["医院"]  # now 医院 names two rows
    root = write_tree(tmp_path / "r", [cl], [plan()])
    with pytest.raises(RulesetError) as exc:
        load_ruleset_file(root / "2030" / "plans" / "land.yaml")
    assert any(p.code == "R106" for p in exc.value.problems)
    from spotcheck_rules.ruleset.reference import Index

    idx: Index[str] = Index("测试")
    idx.add("a", "A", ["同名"])
    idx.add("b", "B", ["同名"])
    with pytest.raises(AmbiguousReferenceError):
        idx["同名"]
    assert idx["a"] == "A"  # ids stay unambiguous


def test_file_changes_are_picked_up(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", [checklist()], [plan()])
    path = root / "2030" / "plans" / "land.yaml"
    assert load_ruleset_file(path).title == "2030年测试计划"
    text = path.read_text(encoding="utf-8").replace("2030年测试计划", "2030年新标题")
    path.write_text(text, encoding="utf-8")
    import os

    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert load_ruleset_file(path).title == "2030年新标题"


def test_a_changed_checklist_is_picked_up_without_clearing_the_cache(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "r", [checklist()], [plan()])
    plan_path = root / "2030" / "plans" / "land.yaml"
    first = load_ruleset_file(plan_path)
    assert load_ruleset_file(plan_path) is first
    cl = root / "2030" / "checklists" / "medical.yaml"
    cl.write_text(
        cl.read_text(encoding="utf-8").replace("测试汇总表", "新汇总表"), encoding="utf-8"
    )
    import os

    os.utime(cl, ns=(cl.stat().st_atime_ns, cl.stat().st_mtime_ns + 10**9))
    assert load_ruleset_file(plan_path).domain("medical").title == "2030年新汇总表"

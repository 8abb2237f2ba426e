"""The ruleset diff: golden cases on the bundled plans, the engine's rules, outputs and the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from treebuilder import PROV, checklist, plan, write_tree

from spotcheck_rules.cli.app import main
from spotcheck_rules.core.errors import SpotcheckError, UnknownRulesetError, UsageError
from spotcheck_rules.diff.engine import (
    CHANGELOGS,
    RULES,
    Acknowledgement,
    Change,
    ChangeLevel,
    Diff,
    check_changelogs,
    diff_json_schema,
    diff_rulesets,
    load_acknowledgements,
    load_levels,
    render_json,
    render_markdown,
    render_text,
    rules_table,
    side_document,
    suggest_renames,
    text_diff,
)
from spotcheck_rules.ruleset.documents import dump_yaml, read_yaml
from spotcheck_rules.ruleset.loader import load_ruleset

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = sorted((ROOT / "tests" / "golden" / "diff").glob("*.yaml"))
SCHEMA = diff_json_schema()


def _require(*plan_ids: str) -> None:
    """Skip only while a plan another engineer is transcribing does not exist yet."""
    for pid in plan_ids:
        try:
            load_ruleset(pid)
        except UnknownRulesetError:
            pytest.skip(f"{pid} is not transcribed yet")


# --------------------------------------------------------------------------- golden cases


def _matches(expected: Any, actual: Any) -> bool:
    # A mapping in a golden file names only the keys it cares about; everything else is exact.
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _matches(v, actual[k]) for k, v in expected.items()
        )
    return bool(expected == actual)


def _change_matches(spec: dict[str, Any], change: Change) -> bool:
    data = change.model_dump(mode="json")
    for key, want in spec.items():
        if key == "message_contains":
            if want not in change.message:
                return False
        elif key == "text_diff_contains":
            if want not in (change.text_diff or ""):
                return False
        elif not _matches(want, data[key]):
            return False
    return True


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_golden_diff(path: Path) -> None:
    case = read_yaml(path).data
    _require(case["old"], case["new"])
    diff = diff_rulesets(case["old"], case["new"])
    for spec in case.get("expect", []):
        hits = [c for c in diff.changes if _change_matches(spec, c)]
        assert hits, f"{path.name}: no change matches {spec}\n" + render_text(diff)
    for spec in case.get("absent", []):
        hits = [c for c in diff.changes if _change_matches(spec, c)]
        assert not hits, f"{path.name}: unexpected {[(c.rule, c.id, c.message) for c in hits]}"
    jsonschema.validate(json.loads(render_json(diff)), SCHEMA)


def test_golden_files_name_known_rules() -> None:
    known = {r.id for r in RULES}
    for path in GOLDEN:
        case = read_yaml(path).data
        for spec in [*case.get("expect", []), *case.get("absent", [])]:
            assert spec["rule"] in known, f"{path.name}: unknown rule {spec['rule']}"


def test_national_2024_to_2025_fails_a_breaking_gate_only_for_the_split() -> None:
    _require("national/2024", "national/2025")
    diff = diff_rulesets("national/2024", "national/2025")
    breaking = diff.failing("breaking")
    assert {(c.rule, c.id) for c in breaking} == {
        ("category-replaced", "community_health_service")
    }, [c.message for c in breaking]


# --------------------------------------------------------------------------- synthetic trees


def _tree(
    tmp_path: Path, old_cl: dict[str, Any], new_cl: dict[str, Any], **plan_over: Any
) -> tuple[Path, Path]:
    old_root = write_tree(tmp_path / "old", [old_cl], [plan()])
    new_root = write_tree(tmp_path / "new", [new_cl], [plan(**plan_over)])
    return old_root / "2030" / "plans" / "land.yaml", new_root / "2030" / "plans" / "land.yaml"


def _col(id_: str, label: str, **over: Any) -> dict[str, Any]:
    data = {"id": id_, "label": label, "groups": ["不合格情况"], "kind": "violation_units",
            "item": "qualification", "provenance": PROV}  # fmt: skip
    data.update(over)
    return data


CASES = {"id": "cases", "label": "查处案件数", "groups": ["行政处罚情况"], "kind": "cases",
         "provenance": PROV}  # fmt: skip


def test_renamed_from_matches_across_ids_and_reports_a_rekey(tmp_path: Path) -> None:
    old = checklist(columns=[_col("license", "执业许可证管理不符合要求单位数"), CASES])
    new = checklist(
        columns=[_col("permit", "执业许可证管理不符合要求单位数", renamed_from="license"), CASES]
    )
    a, b = _tree(tmp_path, old, new)
    diff = diff_rulesets(a, b)
    assert [(c.rule, c.level, c.id, c.old, c.new) for c in diff.changes] == [
        ("column-rekeyed", ChangeLevel.BREAKING, "permit", "license", "permit")
    ]
    back = diff_rulesets(b, a)  # the declaration is honoured read backwards too
    assert [(c.rule, c.old, c.new) for c in back.changes] == [
        ("column-rekeyed", "permit", "license")
    ]


def test_similar_labels_are_never_matched_only_suggested(tmp_path: Path) -> None:
    old = checklist(columns=[_col("license", "执业许可证管理不符合要求单位数"), CASES])
    new = checklist(columns=[_col("permit", "执业许可证管理不符合规定单位数"), CASES])
    a, b = _tree(tmp_path, old, new)
    diff = diff_rulesets(a, b, renames=True)
    assert sorted(c.rule for c in diff.changes) == ["column-added", "column-removed"]
    (s,) = diff.rename_suggestions
    assert (s.old_id, s.new_id, s.entity.value) == ("license", "permit", "column")
    assert 0.6 <= s.similarity < 1
    assert "renamed_from: license" in s.message
    assert suggest_renames(a, b) == [s]
    assert "可能的改名" in render_text(diff)
    assert diff_rulesets(a, b).rename_suggestions == ()  # only when asked


def test_a_suggestion_needs_the_same_mapping(tmp_path: Path) -> None:
    old = checklist(columns=[_col("license", "执业许可证管理不符合要求单位数"), CASES])
    new = checklist(
        columns=[_col("permit", "执业许可证管理不符合要求单位数", kind="cases", item=None), CASES]
    )
    a, b = _tree(tmp_path, old, new)
    assert suggest_renames(a, b) == []


def test_replaces_turns_a_removal_into_a_replacement(tmp_path: Path) -> None:
    old = checklist(columns=[_col("documents", "医疗文书管理不符合要求单位数"), CASES])
    new = checklist(
        columns=[
            _col("prescription", "处方管理不符合要求单位数", replaces=["documents"]),
            _col("medical_record", "病历管理不符合要求单位数", replaces=["documents"]),
            CASES,
        ]
    )
    a, b = _tree(tmp_path, old, new)
    diff = diff_rulesets(a, b)
    assert [(c.rule, c.id) for c in diff.changes] == [
        ("column-replaced", "documents"),
        ("column-added", "prescription"),
        ("column-added", "medical_record"),
    ]
    replaced = diff.by_rule("column-replaced")[0]
    assert replaced.new == ["prescription", "medical_record"]
    assert replaced.level is ChangeLevel.BREAKING
    assert "「处方管理不符合要求单位数」「病历管理不符合要求单位数」取代" in replaced.message


def test_a_code_moved_to_another_column_is_dangerous(tmp_path: Path) -> None:
    cols = [_col("license", "执业许可证"), _col("scope", "诊疗活动"), CASES]
    code = {"id": "expired", "label": "执业许可证过期", "column": "license", "provenance": PROV}
    old = checklist(columns=cols, violations=[code])
    new = checklist(columns=cols, violations=[{**code, "column": "scope"}])
    a, b = _tree(tmp_path, old, new)
    (c,) = diff_rulesets(a, b).changes
    assert (c.rule, c.level, c.old, c.new) == (
        "code-column-changed",
        ChangeLevel.DANGEROUS,
        "license",
        "scope",
    )
    assert c.old_pointer == "/domains/medical/checklist/violations/0/column"


def test_a_column_folded_into_another_reports_its_code_moving(tmp_path: Path) -> None:
    old = checklist(columns=[_col("license", "执业许可证"), _col("expired", "许可证过期"), CASES])
    new = checklist(
        columns=[_col("license", "执业许可证"), CASES],
        violations=[
            {"id": "expired", "label": "许可证过期", "column": "license", "provenance": PROV}
        ],
    )
    a, b = _tree(tmp_path, old, new)
    rules = sorted((c.rule, c.id) for c in diff_rulesets(a, b).changes)
    assert rules == [("code-column-changed", "expired"), ("column-removed", "expired")]
    back = sorted((c.rule, c.id) for c in diff_rulesets(b, a).changes)
    assert back == [("code-column-changed", "expired"), ("column-added", "expired")]


def test_a_swap_names_one_column_as_moved(tmp_path: Path) -> None:
    a_col, b_col = _col("a", "甲"), _col("b", "乙")
    old = checklist(columns=[a_col, b_col, CASES])
    new = checklist(columns=[b_col, a_col, CASES])
    a, b = _tree(tmp_path, old, new)
    (c,) = diff_rulesets(a, b).changes
    assert c.rule == "column-moved"
    (back,) = diff_rulesets(b, a).changes
    assert (back.id, back.old, back.new) == (c.id, c.new, c.old)


def test_an_inserted_column_does_not_move_the_others(tmp_path: Path) -> None:
    old = checklist(columns=[_col("a", "甲"), _col("b", "乙"), CASES])
    new = checklist(columns=[_col("a", "甲"), _col("new", "丙"), _col("b", "乙"), CASES])
    a, b = _tree(tmp_path, old, new)
    assert [c.rule for c in diff_rulesets(a, b).changes] == ["column-added"]


def test_ratio_all_and_100_percent_are_the_same_draw(tmp_path: Path) -> None:
    def strata(first: dict[str, Any]) -> dict[str, Any]:
        return {"medical": {"checklist": "2030/medical", "strata": [
            {"id": "hospital", "categories": ["hospital"], **first, "provenance": PROV},
            {"id": "clinic", "categories": ["clinic"], "ratio": "5%", "provenance": PROV},
        ]}}  # fmt: skip

    a, b = _tree(tmp_path, checklist(), checklist(), domains=strata({"all": True}))
    a.write_text(dump_yaml(plan(domains=strata({"ratio": "100%"}))), encoding="utf-8")
    (c,) = diff_rulesets(a, b).changes  # 100% → 全部
    assert (c.rule, c.level, c.old, c.new) == (
        "ratio-notation-changed",
        ChangeLevel.INFO,
        "100%",
        "全部",
    )


def test_pointers_resolve_in_the_side_documents() -> None:
    _require("national/2024", "national/2025")
    diff = diff_rulesets("national/2024", "national/2025")
    docs = side_document("national/2024"), side_document("national/2025")
    for c in diff.changes:
        for doc, pointer in zip(docs, (c.old_pointer, c.new_pointer), strict=True):
            if pointer is None:
                continue
            node: Any = doc
            for tok in pointer.split("/")[1:]:
                node = node[int(tok)] if isinstance(node, list) else node[tok]
            if c.rule.endswith(("-relabelled", "-text-changed", "-title-changed")):
                assert node == (c.old if doc is docs[0] else c.new)


# --------------------------------------------------------------------------- text diffs


def test_text_diff_marks_characters() -> None:
    assert (
        text_diff("医疗技术管理情况", "医疗技术临床应用管理情况") == "医疗技术{+临床应用+}管理情况"
    )
    assert text_diff("血液（血浆）", "血液（浆）") == "血液（[-血-]浆）"
    assert text_diff("甲", "乙") == "[-甲-]{+乙+}"
    assert text_diff("", "新") == "{+新+}"


def test_text_diff_folds_single_characters_between_edits() -> None:
    # Without folding this reads [-终止-]{+登记+}妊[-娠-]{+…+}: one block per side is clearer.
    out = text_diff("甲乙丙", "丁乙戊")
    assert out == "[-甲乙丙-]{+丁乙戊+}"


def test_text_diff_elides_long_unchanged_runs() -> None:
    old = "开" + "一" * 40 + "中" + "二" * 40 + "尾"
    new = "开" + "一" * 40 + "新" + "二" * 40 + "尾"
    out = text_diff(old, new, context=5)
    assert out == "…一一一一一[-中-]{+新+}二二二二二…"


# --------------------------------------------------------------------------- levels and acks


def test_levels_can_be_overridden_by_mapping_and_file(tmp_path: Path) -> None:
    _require("national/2024", "national/2025")
    diff = diff_rulesets("national/2024", "national/2025", levels={"category-replaced": "info"})
    assert diff.failing("breaking") == ()
    c = diff.by_rule("category-replaced")[0]
    assert c.level is ChangeLevel.INFO
    default = diff_rulesets("national/2024", "national/2025").by_rule("category-replaced")[0]
    assert c.fingerprint == default.fingerprint  # a level is policy, not part of the change
    f = tmp_path / "levels.yaml"
    f.write_text("column-added: breaking\nitem-text-changed: dangerous\n", encoding="utf-8")
    assert load_levels(f) == {
        "column-added": ChangeLevel.BREAKING,
        "item-text-changed": ChangeLevel.DANGEROUS,
    }
    j = tmp_path / "levels.json"
    j.write_text(json.dumps({"levels": {"column-added": "breaking"}}), encoding="utf-8")
    assert diff_rulesets("national/2024", "national/2025", levels=j).summary.breaking == 5


def test_unknown_rules_and_levels_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="column-removed"):
        diff_rulesets("national/2025", "national/2025", levels={"column-remove": "info"})
    with pytest.raises(UsageError, match="未知的变更级别"):
        diff_rulesets("national/2025", "national/2025", levels={"column-removed": "fatal"})


def test_acknowledged_changes_are_listed_but_do_not_fail(tmp_path: Path) -> None:
    _require("national/2024", "national/2025")
    diff = diff_rulesets("national/2024", "national/2025")
    (breaking,) = diff.failing("breaking")
    ack = tmp_path / "ack.yaml"
    ack.write_text(
        dump_yaml({"acknowledgements": [
            {"fingerprint": breaking.fingerprint, "rule": breaking.rule,
             "reason": "社区卫生服务机构已按中心、站拆分统计"},
            {"fingerprint": "0123456789ab", "reason": "过时的确认"},
        ]}),
        encoding="utf-8",
    )  # fmt: skip
    acked = diff_rulesets("national/2024", "national/2025", acknowledgements=ack)
    assert acked.failing("breaking") == ()
    c = acked.by_rule("category-replaced")[0]
    assert c.acknowledged and c.acknowledgement == "社区卫生服务机构已按中心、站拆分统计"
    assert acked.summary.acknowledged == 1
    assert acked.unused_acknowledgements == ("0123456789ab",)
    assert "已确认：社区卫生服务机构" in render_text(acked)
    assert len(acked.changes) == len(diff.changes)
    records = load_acknowledgements(ack)
    assert records[0] == Acknowledgement(
        fingerprint=breaking.fingerprint,
        rule=breaking.rule,
        reason="社区卫生服务机构已按中心、站拆分统计",
    )


def test_an_acknowledgement_needs_a_reason(tmp_path: Path) -> None:
    ack = tmp_path / "ack.yaml"
    ack.write_text("- fingerprint: 0123456789ab\n", encoding="utf-8")
    with pytest.raises(UsageError, match="reason"):
        load_acknowledgements(ack)


# --------------------------------------------------------------------------- sides


def test_a_single_domain_side_compares_only_that_domain() -> None:
    _require("national/2024", "national/2025")
    diff = diff_rulesets("national/2024#blood", "national/2025#血液")
    assert {c.domain for c in diff.changes} == {"blood"}
    assert diff.find("ratio-changed", "plasma_station") is not None
    assert diff.new.domain == "blood"


def test_one_side_with_a_domain_restricts_the_other() -> None:
    diff = diff_rulesets("national/2025", "xinjiang/2025#cosmetic")
    assert {c.domain for c in diff.changes} == {"cosmetic"}
    assert [c.rule for c in diff.changes if c.entity.value != "handling"] == ["wording-added"] * 3
    # and Xinjiang's handling of that domain (its own 三(三)), compared per domain as well
    assert {c.rule for c in diff.changes if c.entity.value == "handling"} == {
        "handling-rule-added",
        "handling-rule-removed",
        "handling-rule-changed",
        "handling-text-changed",
        "provenance-changed",
    }


def test_checklist_files_can_be_compared() -> None:
    old = ROOT / "rulesets" / "2024" / "checklists" / "blood.yaml"
    new = ROOT / "rulesets" / "2025" / "checklists" / "blood.yaml"
    diff = diff_rulesets(old, new)
    assert diff.old.plan is None and diff.old.domain == "blood"
    assert {c.domain for c in diff.changes} == {"blood"}
    assert not diff.by_rule("ratio-changed")  # strata live in plans, not checklists


def test_unknown_sides_are_errors() -> None:
    with pytest.raises(UnknownRulesetError):
        diff_rulesets("national/2025", "atlantis/2025")
    with pytest.raises(SpotcheckError):
        diff_rulesets("national/2025#nowhere", "national/2025")
    with pytest.raises(UsageError):
        diff_rulesets("missing.yaml", "national/2025")


# --------------------------------------------------------------------------- outputs


def test_json_output_is_schema_valid_and_round_trips() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    diff = diff_rulesets("national/2025", "xinjiang/2025", renames=True)
    data = json.loads(render_json(diff))
    jsonschema.validate(data, SCHEMA)
    assert Diff.model_validate(data) == diff
    assert data["schema_version"] == 1
    for c in data["changes"]:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", c["rule"])
        assert re.fullmatch(r"[0-9a-f]{12}", c["fingerprint"])


def test_text_is_grouped_by_domain_then_entity() -> None:
    _require("national/2024", "national/2025")
    text = render_text(diff_rulesets("national/2024", "national/2025"))
    headers = re.findall(r"^== (.+)$", text, re.M)
    assert headers == ["计划", "医疗机构（medical）", "中医医疗机构（tcm）", "医疗美容机构（cosmetic）",
                       "母婴保健技术服务机构（maternal）", "血液（blood）"]  # fmt: skip
    medical = text.split("== 医疗机构（medical）")[1].split("\n== ")[0]
    sections = re.findall(r"^  -- (\S+?)(?:：|$)", medical, re.M)
    assert sections.index("单位类别") < sections.index("检查内容") < sections.index("汇总表列")
    assert "单采血浆站（plasma_station，国家双随机） 50% → 100%" in text


def test_markdown_is_a_change_log() -> None:
    md = render_markdown(diff_rulesets("national/2025", "xinjiang/2025"))
    assert md.startswith("# 变更记录：national/2025 → xinjiang/2025\n")
    assert "| 破坏性（breaking） |" in md
    assert "## 医疗美容机构（cosmetic）" in md and "### 计划措辞" in md
    assert "  - 文字对比：" in md


def test_identical_sides_say_so() -> None:
    diff = diff_rulesets("national/2025", "national/2025")
    assert not diff and diff.summary.info == 0
    assert "两者没有差别" in render_text(diff)


def test_rules_are_kebab_case_unique_and_documented() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", i) for i in ids)
    doc = (ROOT / "docs" / "diff.md").read_text(encoding="utf-8")
    assert rules_table() in doc, "docs/diff.md: paste the output of rules_table() as the rule table"


def test_change_logs_are_current() -> None:
    # Regenerate with: python -m spotcheck_rules.diff.changelogs --write docs/changes
    target = ROOT / "docs" / "changes"
    assert check_changelogs(target) == []
    for name, (old, new) in CHANGELOGS.items():
        _require(old, new)
        assert (target / name).is_file(), f"{name} missing"


# --------------------------------------------------------------------------- CLI


def test_cli_fail_on_is_a_ci_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _require("national/2024", "national/2025")
    assert main(["diff", "national/2024", "national/2025", "--fail-on", "breaking"]) == 1
    err = capsys.readouterr().err
    assert "1 项未确认的变化达到或超过 breaking" in err
    assert main(["diff", "national/2024", "national/2025"]) == 0
    assert main(["diff", "national/2025", "national/2025", "--fail-on", "info"]) == 0
    assert main(["diff", "national/2025", "xinjiang/2025", "--fail-on", "dangerous"]) == 1  # tcm
    fp = diff_rulesets("national/2024", "national/2025").failing("breaking")[0].fingerprint
    ack = tmp_path / "ack.json"
    ack.write_text(json.dumps([{"fingerprint": fp, "reason": "已复核"}]), encoding="utf-8")
    capsys.readouterr()
    args = ["diff", "national/2024", "national/2025", "--fail-on", "breaking", "--ack", str(ack)]
    assert main(args) == 0
    assert main([*args[:-4], "--fail-on", "dangerous", "--ack", str(ack)]) == 1


def test_cli_formats_and_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "diff.json"
    assert main(["diff", "national/2025", "shanxi/2025", "--format", "json", "-o", str(out)]) == 0
    jsonschema.validate(json.loads(out.read_text(encoding="utf-8")), SCHEMA)
    assert main(["diff", "national/2025", "shanxi/2025", "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("# 变更记录")
    assert main(["diff", "national/2025", "shanxi/2025", "--suggest-renames"]) == 0


def test_cli_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "national/2025", "atlantis/2025"]) == 2
    assert "atlantis/2025" in capsys.readouterr().err
    assert main(["diff", "national/2025#nowhere", "national/2025"]) == 2
    bad = tmp_path / "levels.yaml"
    bad.write_text("column-removed: fatal\n", encoding="utf-8")
    assert main(["diff", "national/2025", "national/2025", "--levels", str(bad)]) == 2
    assert (
        main(["diff", "national/2025", "national/2025", "--ack", str(tmp_path / "none.yaml")]) == 2
    )
    with pytest.raises(SystemExit) as exc:
        main(["diff", "national/2025", "national/2025", "--fail-on", "fatal"])
    assert exc.value.code == 2

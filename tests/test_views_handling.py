"""``spotcheck show`` prints each domain's handling rules with their provenance, marking the
inferred ones 〔推断〕 with the reason, as it prints item methods; JSON carries them."""

from __future__ import annotations

import pytest

from spotcheck_rules import load_ruleset
from spotcheck_rules.ruleset.views import handling_rules, plan_json, plan_markdown, plan_text


def test_each_rule_carries_its_provenance_in_json() -> None:
    rs = load_ruleset("xinjiang/2025")
    data = plan_json(rs, "medical")["domains"][0]
    kinds = [r["kind"] for r in data["handling"]]
    assert kinds == ["notify", "opinion", "referral", "major_case"]  # the plan's order
    by_kind = {r["kind"]: r for r in data["handling"]}
    assert by_kind["major_case"]["recipients"] == ["自治区卫生健康委"]
    assert by_kind["major_case"]["cites"] == ["xj2025 三(三)"]
    assert by_kind["major_case"]["inferred"] is None
    # Xinjiang's own 三(三) has no 监督意见书 rule: Shanxi's, applied by inference
    assert by_kind["opinion"]["cites"] == ["sx2025 三(三)"] and by_kind["opinion"]["inferred"]
    major = data["major_cases"]
    assert major["spec"] == "spec2023" and len(major["criteria"]) == 5
    assert major["criteria"][0]["cite"] == "spec2023 第三十四条 （一）"
    assert major["inferred"], "xj2025 does not define 重大案件"


@pytest.mark.parametrize("render", [plan_text, plan_markdown])
def test_text_and_markdown_mark_inferred_rules_and_give_the_reason(render: object) -> None:
    rs = load_ruleset("xinjiang/2025")
    out = render(rs, "medical")  # type: ignore[operator]
    assert "〔推断〕[opinion] → 卫生健康行政部门：对于违反政策要求但无行政处罚依据的" in out
    assert "推断理由：xj2025 三(三) has no rule for findings with no penalty basis" in out
    line = next(x for x in out.splitlines() if "[major_case]" in x)
    assert "〔推断〕" not in line and line.endswith("（xj2025 三(三)）")
    assert "自治区卫生健康委" in line


def test_the_rules_follow_the_domain() -> None:
    rs = load_ruleset("national/2025")
    medical = {r["kind"]: r for r in handling_rules(rs, rs.domain("medical"))}
    blood = {r["kind"]: r for r in handling_rules(rs, rs.domain("blood"))}
    assert "feedback" in medical and "feedback" not in blood  # 003 第二十九条 governs 医疗机构
    assert medical["referral"]["inferred"] is None and blood["referral"]["inferred"]
    assert "〔推断〕[referral]" in plan_text(rs, "blood")
    assert "〔推断〕[referral]" not in plan_text(rs, "medical")


def test_a_plan_with_handling_of_its_own_shows_only_its_own() -> None:
    rs = load_ruleset("tianjin/2025")
    text = plan_text(rs)
    assert "[policy_report] → 区卫生健康行政部门相关业务主管科室" in text
    assert "[feedback]" not in text  # the child's handling replaces its parent's

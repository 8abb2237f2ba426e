"""How each plan handles findings, against the sources (tests/seeds), and the accessor on it.

The seeds differ: Shanxi 三(三) (违反政策要求但无行政处罚依据 → 监督意见书 and a report to the
卫生健康行政部门; 线索 → 相关部门; 重大案件 → 省卫生健康委), Tianjin 三(四) (违反法律、法规、规章但无
行政处罚依据 → 监督意见书责令整改; 其它违反政策要求的事项 → 区卫生健康行政部门相关业务主管科室; 重大案件
→ 市卫生健康委), Xinjiang 三(三) (突出问题 → 当地政府主管部门; 线索 → 相关部门; 重大案件 → 自治区卫生
健康委; no 监督意见书 rule at all), and for the national plans 003 第二十九至三十一条. Every rule's
text must be printed in the source it cites; a rule that a plan's own sources do not state must be
marked inferred.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import seedtext

from spotcheck_rules import check_files, load_ruleset
from spotcheck_rules.core.text import normalize
from spotcheck_rules.ruleset.documents import read_yaml
from spotcheck_rules.ruleset.model import Plan

ROOT = Path(__file__).resolve().parent.parent
PLANS = sorted((ROOT / "rulesets").glob("*/plans/*.yaml"))
WITH_HANDLING = ["national/2024", "national/2025", "shanxi/2025", "tianjin/2025", "xinjiang/2025"]


def _plan(path: Path) -> Plan:
    return Plan.model_validate(read_yaml(path).data)


@pytest.mark.parametrize("path", PLANS, ids=lambda p: f"{p.stem}/{p.parent.parent.name}")
def test_every_rule_is_printed_in_the_source_it_cites(path: Path) -> None:
    plan = _plan(path)
    if plan.handling is None:
        assert plan.extends is not None, f"{plan.id} states no handling and inherits none"
        return
    for rule in plan.handling.rules:
        source = rule.provenance.cites[0]
        where = seedtext.flat(source.source)
        assert normalize(rule.text) in where, f"{plan.id} {rule.kind.value}: not in {source}"
        # the condition (its parts, where it has two) and the recipients are the text's own words
        words = [*(rule.condition or "").split("；"), *rule.recipients]
        for word in filter(None, words):
            assert normalize(word) in normalize(rule.text), (plan.id, word)


@pytest.mark.parametrize("path", PLANS, ids=lambda p: f"{p.stem}/{p.parent.parent.name}")
def test_a_rule_its_own_sources_do_not_state_is_inferred(path: Path) -> None:
    plan = _plan(path)
    if plan.handling is None:
        return
    own = set(plan.sources)
    provs = [(r.kind.value, r.provenance) for r in plan.handling.rules]
    if plan.handling.criteria_basis is not None:
        provs.append(("criteria", plan.handling.criteria_basis))
    for what, prov in provs:
        if not {c.source for c in prov.cites} <= own:
            assert prov.inferred, f"{plan.id} {what} cites {prov.cites} beyond its own sources"


def test_xinjiang_states_no_opinion_rule_and_its_opinion_rule_is_marked_inferred() -> None:
    # read the full wording of xj2025 三(三): nothing about 无行政处罚依据 or 监督意见书
    section = seedtext.table("xj2025", "（三）各地州要强化处理措施", "联系人")
    assert "监督意见书" not in section and "无行政处罚依据" not in section
    opinion = load_ruleset("xinjiang/2025").handling("medical").opinion
    assert opinion is not None and opinion.provenance.inferred
    assert opinion.condition == "违反政策要求但无行政处罚依据"  # the condition is kept, not dropped


@pytest.mark.parametrize(
    ("plan", "domain", "opinion", "policy_report", "referral", "major_case"),
    [
        (
            "national/2025",
            "medical",
            "违反政策要求但无行政处罚依据",
            None,
            ("有关行政部门", "司法机关"),
            "上级卫生健康行政部门",
        ),
        (
            "national/2025",
            "blood",
            "违反政策要求但无行政处罚依据",
            None,
            ("有关行政部门", "司法机关"),
            "上级卫生健康行政部门",
        ),
        (
            "shanxi/2025",
            "medical",
            "违反政策要求但无行政处罚依据",
            None,
            ("相关部门",),
            "省卫生健康委",
        ),
        (
            "tianjin/2025",
            "maternal",
            "违反法律、法规、规章但无行政处罚依据",
            ("区卫生健康行政部门相关业务主管科室",),
            ("相关部门",),
            "市卫生健康委",
        ),
        (
            "xinjiang/2025",
            "medical",
            "违反政策要求但无行政处罚依据",
            None,
            ("相关部门",),
            "自治区卫生健康委",
        ),
        ("xinjiang/2025", "blood", None, None, ("相关部门",), "自治区卫生健康委"),
        (
            "county/2024",
            "medical",
            "违反政策要求但无行政处罚依据",
            None,
            ("有关行政部门", "司法机关"),
            "上级卫生健康行政部门",
        ),
    ],
)
def test_the_accessor_per_jurisdiction(
    plan: str,
    domain: str,
    opinion: str | None,
    policy_report: tuple[str, ...] | None,
    referral: tuple[str, ...],
    major_case: str,
) -> None:
    h = load_ruleset(plan).handling(domain)
    assert (h.opinion.condition if h.opinion else None) == opinion
    assert (h.policy_report.recipients if h.policy_report else None) == policy_report
    assert h.referral_recipients == referral
    assert h.major_case_recipient == major_case
    assert [c.ref for c in h.criteria] == ["（一）", "（二）", "（三）", "（四）", "（五）"]


def test_blood_is_outside_003_so_the_national_blood_rules_are_inferred() -> None:
    h = load_ruleset("national/2025").handling("血液")
    assert h.rule("feedback") is None  # 第二十九条 is addressed to 医疗监督执法
    for rule in (h.referral, h.major_case):
        assert (
            rule is not None and rule.provenance.inferred and "第二条" in rule.provenance.inferred
        )


def test_the_criteria_are_003s_verbatim_and_say_when_they_are_met() -> None:
    h = load_ruleset("shanxi/2025").handling("medical")
    met = h.criteria_met({"deaths": 0, "injured": 3, "accident_grade": 3, "social_impact": True})
    assert [c.id for c in met] == ["three_or_more_injured", "social_impact"]
    assert met[1].text == "造成或者可能造成恶劣社会影响、较大国际影响，损害国家形象的案件。"
    assert str(h.criterion_cite(met[0])) == "spec2023 第三十四条 （二）"
    assert (
        h.criteria_basis is not None and h.criteria_basis.inferred
    )  # sx2025 does not define 重大案件
    for c in h.criteria:
        assert normalize(c.text) in seedtext.flat("spec2023")


def test_handling_that_names_no_spec_criteria_an_unknown_domain_or_two_rules_is_refused(
    ruleset_tree: Path,
) -> None:
    path = ruleset_tree / "2025" / "plans" / "shanxi.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("  criteria: spec2023\n", "  criteria: spec2032\n", 1)
    text = text.replace(
        "    - kind: major_case\n", "    - kind: major_case\n      domains: [medicl]\n", 1
    )
    text = text.replace("    - kind: penalty\n", "    - kind: referral\n      recipients: [x]\n", 1)
    path.write_text(text, encoding="utf-8")
    problems = [p for p in check_files([path]) if p.code == "P212"]
    messages = [p.message for p in problems]
    assert any("spec2032 不是载有重大案件情形的规范" in m for m in messages), messages
    assert any("没有领域 medicl" in m for m in messages), messages
    assert sum("有两条 referral 规则" in m for m in messages) == 4, messages  # its 4 domains
    assert all(p.line is not None for p in problems)


@pytest.mark.parametrize("plan", WITH_HANDLING)
def test_every_plan_with_handling_names_003s_criteria(plan: str) -> None:
    rs = load_ruleset(plan)
    assert rs.plan.handling is not None and rs.plan.handling.criteria == "spec2023"
    assert "spec2023" in rs.specs and "spec2023" in rs.sources

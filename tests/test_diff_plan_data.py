"""The diff of what a plan states beside its checklists: handling rules, 正文 body text, a
stratum's row name, item method links and the tables' 合理缺项 notes.

Each new rule is emitted here from a bundled plan changed in one place (a ``Side`` built from a
copy of its resolved plan), so the test says exactly what moved; the golden case
tests/golden/diff/national-2025-xinjiang.yaml covers the bundled Xinjiang differences.
"""

from __future__ import annotations

from typing import Any

from spotcheck_rules.diff.engine import Diff, diff_rulesets, side_document
from spotcheck_rules.diff.sides import Side
from spotcheck_rules.ruleset.loader import load_ruleset
from spotcheck_rules.ruleset.model import Plan, Wording
from spotcheck_rules.ruleset.ruleset import DomainRules, Ruleset


def _side(rs: Ruleset, plan: Plan | None = None, **domains: DomainRules) -> Side:
    merged = {**rs.domains, **dict(domains)}
    return Side(ref=rs.id, plan=plan or rs.plan, domains=merged)


def _with_domain(plan: Plan, dom: str, **update: Any) -> Plan:
    assert plan.domains is not None
    entry = plan.domains[dom].model_copy(update=update)
    return plan.model_copy(update={"domains": {**plan.domains, dom: entry}})


def _pointers_resolve(diff: Diff, old: Side, new: Side) -> None:
    docs = (side_document(old), side_document(new))
    for c in diff.changes:
        for doc, pointer in zip(docs, (c.old_pointer, c.new_pointer), strict=True):
            node: Any = doc
            for tok in (pointer or "").split("/")[1:]:
                node = node[int(tok)] if isinstance(node, list) else node[tok]


def test_a_handling_rule_changed_in_recipients_only_is_one_dangerous_change() -> None:
    rs = load_ruleset("xinjiang/2025")
    handling = rs.plan.handling
    assert handling is not None
    rules = tuple(
        r.model_copy(update={"recipients": ("自治区卫生健康委", "国家卫生健康委")})
        if r.kind.value == "major_case"
        else r
        for r in handling.rules
    )
    new_plan = rs.plan.model_copy(update={"handling": handling.model_copy(update={"rules": rules})})
    old, new = _side(rs), _side(rs, new_plan)
    diff = diff_rulesets(old, new)
    changed = diff.by_rule("handling-rule-changed")
    assert {c.domain for c in changed} == {"medical", "cosmetic", "maternal", "blood"}
    assert all(c.level.value == "dangerous" for c in changed)
    assert "对象 自治区卫生健康委 → 自治区卫生健康委、国家卫生健康委" in changed[0].message
    assert not diff.by_rule("handling-text-changed")  # the sentence is the same
    assert changed[0].new_pointer == "/handling/rules/3"
    _pointers_resolve(diff, old, new)


def test_a_plan_with_no_handling_removes_every_rule_and_its_criteria() -> None:
    rs = load_ruleset("tianjin/2025")
    bare = rs.plan.model_copy(update={"handling": None})
    old, new = _side(rs), _side(rs, bare)
    diff = diff_rulesets(old, new)
    removed = {c.id for c in diff.by_rule("handling-rule-removed")}
    assert removed == {"penalty", "opinion", "policy_report", "referral", "major_case"}
    (criteria,) = diff.by_rule("handling-criteria-changed")
    assert (criteria.old, criteria.new, criteria.domain) == ("spec2023", None, None)
    assert criteria.level.value == "dangerous"
    back = diff_rulesets(new, old)
    assert {c.id for c in back.by_rule("handling-rule-added")} == removed
    _pointers_resolve(diff, old, new)
    _pointers_resolve(back, new, old)


def test_body_text_is_matched_by_paragraph() -> None:
    rs = load_ruleset("xinjiang/2025")
    assert rs.plan.domains is not None
    body = rs.plan.domains["blood"].body or ()
    edited = (
        body[0],
        Wording(text=body[1].text.replace("献血浆者", "供血浆者"), provenance=body[1].provenance),
    )
    new_plan = _with_domain(rs.plan, "blood", body=edited)
    old, new = _side(rs), _side(rs, new_plan)
    diff = diff_rulesets(old, new)
    (changed,) = diff.by_rule("body-changed")
    assert changed.id == "2" and changed.text_diff is not None
    assert "[-献-]{+供+}" in changed.text_diff
    (removed,) = diff.by_rule("body-removed")
    assert removed.id == "3" and removed.old_pointer == "/domains/blood/body/2"
    _pointers_resolve(diff, old, new)


def test_a_strata_row_name_change_is_reported() -> None:
    rs = load_ruleset("national/2025")
    rules = rs.domain("tcm")
    strata = tuple(s.model_copy(update={"label": None}) for s in rules.strata)
    plain = DomainRules(
        domain=rules.domain, spec=rules.spec, checklist=rules.checklist, strata=strata
    )
    diff = diff_rulesets(_side(rs, tcm=plain), _side(rs))
    labels = diff.by_rule("stratum-label-changed")
    assert {c.id for c in labels} == {"tcm_hospital", "other_tcm"}
    assert all(c.level.value == "info" and c.old is None for c in labels)


def _checklist_changed(rs: Ruleset, domain: str, **update: Any) -> DomainRules:
    rules = rs.domain(domain)
    cl = rules.checklist.model_copy(update=update)
    return DomainRules(domain=rules.domain, spec=rules.spec, checklist=cl, strata=rules.strata)


def test_method_links_and_optional_notes_are_compared() -> None:
    rs = load_ruleset("national/2025")
    cl = rs.domain("medical").checklist
    first = cl.items[0]
    assert first.methods and first.methods[0].area is not None
    unlinked = first.model_copy(update={"methods": ()})
    note = cl.optional_notes[0]
    renote = note.model_copy(update={"text": "根据各机构业务开展情况，检查内容不得缺项。"})
    changed = _checklist_changed(
        rs, "medical", items=(unlinked, *cl.items[1:]), optional_notes=(renote,)
    )
    diff = diff_rulesets(_side(rs), _side(rs, medical=changed))
    (methods,) = diff.by_rule("item-methods-changed")
    assert methods.id == first.id and methods.new == [] and "删去 qualification" in methods.message
    (notes,) = diff.by_rule("optional-notes-changed")
    assert notes.text_diff is not None and "{+不得+}" in notes.text_diff
    # citing the note from another table alone is no change of its wording
    recited = _checklist_changed(rs, "medical", optional_notes=(note.model_copy(),) * 2)
    assert not diff_rulesets(_side(rs), _side(rs, medical=recited)).by_rule(
        "optional-notes-changed"
    )

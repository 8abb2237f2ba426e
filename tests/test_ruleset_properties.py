"""Invariants over every bundled plan."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotcheck_rules import list_rulesets, load_ruleset
from spotcheck_rules.core.text import normalize
from spotcheck_rules.ruleset.documents import dump_yaml, read_yaml
from spotcheck_rules.ruleset.model import Checklist, Plan
from spotcheck_rules.ruleset.ruleset import Ruleset

PLANS = [i.id for i in list_rulesets()]


@pytest.mark.parametrize("plan_id", PLANS)
def test_load_dump_load_is_stable(plan_id: str) -> None:
    rs = load_ruleset(plan_id)
    for model in [rs.plan, *(d.checklist for d in rs.domains.values())]:
        cls = type(model)
        text = dump_yaml(model.model_dump(mode="json", exclude_defaults=True))
        again = cls.model_validate(read_yaml("dump.yaml", text=text).data)
        assert again == model
        assert dump_yaml(again.model_dump(mode="json", exclude_defaults=True)) == text
        assert isinstance(again, (Plan, Checklist))


@pytest.mark.parametrize("plan_id", PLANS)
def test_every_reference_resolves(plan_id: str) -> None:
    rs: Ruleset = load_ruleset(plan_id)
    for rules in rs.domains.values():
        cl = rules.checklist
        for c in cl.categories:
            for ref in (c.id, c.label, *c.aliases):
                assert rules.categories[ref] is c
            if c.parent:
                assert rules.categories[c.parent].id == c.parent
        for it in cl.items:
            assert rules.items[it.id] is it
        for col in cl.columns:
            for ref in (col.id, col.label, *col.aliases):
                assert rules.columns[ref] is col
            if col.item:
                assert rules.items[col.item].id == col.item
        for code_ref in [v.id for v in cl.violations]:
            assert rules.codes[code_ref].column.id in {c.id for c in cl.columns}
        for s in rules.strata:
            for cid in s.categories:
                assert rules.categories[cid].id == cid
        for item_id in rules.wording:
            assert rules.items[item_id].id == item_id
    for key in rs.plan.sources:
        assert key in rs.sources


@pytest.mark.parametrize("plan_id", PLANS)
def test_every_entity_has_provenance_or_is_marked_inferred(plan_id: str) -> None:
    rs = load_ruleset(plan_id)
    for rules in rs.domains.values():
        cl = rules.checklist
        for ent in (*cl.categories, *cl.items, *cl.columns, *rules.strata):
            assert ent.provenance.cites or ent.provenance.inferred


@given(st.sampled_from(PLANS), st.data())
def test_labels_resolve_under_width_and_space_variants(plan_id: str, data: st.DataObject) -> None:
    rs = load_ruleset(plan_id)
    rules = data.draw(st.sampled_from(list(rs.domains.values())))
    col = data.draw(st.sampled_from(rules.checklist.columns))
    # Re-space the label arbitrarily and swap full-width brackets for half-width ones.
    spaced = "".join(ch + data.draw(st.sampled_from(["", " ", "\u3000"])) for ch in col.label)
    variant = spaced.replace("（", "(").replace("）", ")")
    assert normalize(variant) == normalize(col.label)
    assert rules.columns[variant] is col

"""Inspector assignment: two or more per unit, recusal honoured, load spread, failures explained."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotcheck_rules.core.errors import SpotcheckError, UsageError
from spotcheck_rules.draws.inspectors import assign_inspectors
from spotcheck_rules.draws.roster import inspectors_from_records, roster_from_records
from spotcheck_rules.draws.sampling import Draw, draw
from spotcheck_rules.ruleset.ruleset import Ruleset
from tests.test_sampling import records, synthetic_ruleset

REGIONS = ["140105", "140106", "140107"]


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Ruleset:
    return synthetic_ruleset(tmp_path_factory.mktemp("synth") / "tree")


@pytest.fixture(scope="module")
def drawn(synth: Ruleset) -> Draw:
    recs = records(
        {"big": 10, "small": 3, "leaf_a": 6, "leaf_b": 5, "district": 9},
        penalized=["leaf_b-004", "big-003"],
    )
    return draw(roster_from_records(recs, synth), synth, seed="seed")


def _inspector(i: int, **kw: Any) -> dict[str, Any]:
    return {
        "id": f"I{i:02d}",
        "name": f"人员{i}",
        "region": REGIONS[i % 3],
        "domains": ["medical"],
        **kw,
    }


def test_every_visit_gets_two_and_load_is_even(drawn: Draw) -> None:
    ins = inspectors_from_records([_inspector(i) for i in range(7)])
    a = assign_inspectors(drawn, ins)
    visits = {s.unit.key for s in drawn.selections} | {lb.unit.key for lb in drawn.lookback}
    assert {(t.domain, t.unit.unit_id) for t in a.teams} == visits
    assert a.unstaffed == ()
    assert all(len({i.id for i in t.inspectors}) == 2 for t in a.teams)
    loads = dict(a.loads)
    assert sum(loads.values()) == 2 * len(visits)
    assert max(loads.values()) - min(loads.values()) <= 1
    # a 回头看 unit is visited once: with the tier that drew it, or on its own (kind None)
    for lb in drawn.lookback:
        team = a.team_of(lb.domain, lb.unit.unit_id)
        assert team is not None
        assert team.kind is lb.drawn_in


def test_deterministic_and_independent_of_roster_order(drawn: Draw) -> None:
    rows = [_inspector(i) for i in range(7)]
    shuffled = list(rows)
    random.Random(4).shuffle(shuffled)
    a = assign_inspectors(drawn, inspectors_from_records(rows))
    b = assign_inspectors(drawn, inspectors_from_records(shuffled))
    assert [(t.unit.unit_id, [i.id for i in t.inspectors]) for t in a.teams] == [
        (t.unit.unit_id, [i.id for i in t.inspectors]) for t in b.teams
    ]


def test_recusal_and_own_region(drawn: Draw) -> None:
    target = drawn.selections[0].unit
    rows = [_inspector(i) for i in range(6)]
    rows[0]["conflicts"] = [target.unit_id]
    ins = inspectors_from_records(rows)
    a = assign_inspectors(drawn, ins, no_own_region=True)
    by_id = {i.id: i for i in ins.inspectors}
    for t in a.teams:
        for i in t.inspectors:
            assert t.unit.unit_id not in by_id[i.id].conflicts
            assert i.region != t.unit.region


def test_unstaffed_units_say_why(drawn: Draw) -> None:
    target = drawn.selections[0].unit
    rows = [
        {"id": "A", "name": "甲", "region": target.region, "domains": "medical"},
        {
            "id": "B",
            "name": "乙",
            "region": "149999",
            "domains": "medical",
            "conflicts": target.unit_id,
        },
        {"id": "C", "name": "丙", "region": "149998", "domains": "medical"},
        {"id": "D", "name": "丁", "region": "149997", "domains": "cosmetic"},
    ]
    a = assign_inspectors(drawn, inspectors_from_records(rows), no_own_region=True)
    u = next(x for x in a.unstaffed if x.unit.unit_id == target.unit_id)
    assert u.eligible == ("C",)
    assert u.qualified == 3
    assert u.recused == ("B",)
    assert u.own_region == ("A",)
    assert "申报回避 1 人（B）" in u.reason
    assert "本区县人员不派 1 人（A）" in u.reason
    problems = a.problems()
    assert {p.code for p in problems} == {"A301"}
    assert len(problems) == len(a.unstaffed)
    assert a.team_of("medical", target.unit_id) is None


def test_team_size_and_broken_roster(drawn: Draw) -> None:
    ins = inspectors_from_records([_inspector(i) for i in range(4)])
    with pytest.raises(UsageError):
        assign_inspectors(drawn, ins, team_size=1)
    a = assign_inspectors(drawn, ins, team_size=3)
    assert all(len(t.inspectors) == 3 for t in a.teams)
    broken = inspectors_from_records([{"id": "X"}])
    with pytest.raises(SpotcheckError):
        assign_inspectors(drawn, broken)


@st.composite
def inspector_rosters(draw_: Any) -> list[dict[str, Any]]:
    n = draw_(st.integers(min_value=0, max_value=9))
    units = [
        f"{c}-{i:03d}" for c, k in (("big", 10), ("leaf_a", 6), ("district", 9)) for i in range(k)
    ]
    return [
        {
            "id": f"I{i}",
            "name": f"人员{i}",
            "region": draw_(st.sampled_from(REGIONS)),
            "domains": draw_(st.sampled_from([["medical"], ["medical", "cosmetic"], ["cosmetic"]])),
            "conflicts": draw_(st.lists(st.sampled_from(units), max_size=4)),
        }
        for i in range(n)
    ]


@given(rows=inspector_rosters(), own=st.booleans(), size=st.integers(min_value=2, max_value=3))
def test_every_assignment_respects_recusal_and_the_minimum(
    drawn: Draw, rows: list[dict[str, Any]], own: bool, size: int
) -> None:
    ins = inspectors_from_records(rows)
    a = assign_inspectors(drawn, ins, team_size=size, no_own_region=own)
    by_id = {i.id: i for i in ins.inspectors}

    def eligible(domain: str, unit: Any) -> set[str]:
        return {
            i.id
            for i in ins.inspectors
            if domain in i.domains
            and unit.unit_id not in i.conflicts
            and not (own and i.region == unit.region)
        }

    for t in a.teams:
        ids = [i.id for i in t.inspectors]
        assert len(ids) == size >= 2
        assert len(set(ids)) == size
        assert set(ids) <= eligible(t.domain, t.unit)
        for i in ids:
            assert t.unit.unit_id not in by_id[i].conflicts
    for u in a.unstaffed:
        assert len(eligible(u.domain, u.unit)) < size
        assert set(u.eligible) == eligible(u.domain, u.unit)
    visits = {s.unit.key for s in drawn.selections} | {lb.unit.key for lb in drawn.lookback}
    staffed = {(t.domain, t.unit.unit_id) for t in a.teams}
    unstaffed = {(u.domain, u.unit.unit_id) for u in a.unstaffed}
    assert staffed | unstaffed == visits
    assert not staffed & unstaffed


def test_example_rosters_assign_cleanly(tmp_path: Path) -> None:
    from spotcheck_rules import load_ruleset
    from spotcheck_rules.draws.roster import read_inspectors, read_roster

    root = Path(__file__).resolve().parent.parent / "examples"
    rs = load_ruleset("shanxi/2025")
    result = draw(read_roster(root / "roster-shanxi-2025.csv", rs), rs, seed="x")
    a = assign_inspectors(
        result, read_inspectors(root / "inspectors-shanxi-2025.csv"), no_own_region=True
    )
    assert a.unstaffed == ()

"""Properties of the draw (issue 5), on generated rosters over a plan with every kind of stratum."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from spotcheck_rules.draws.roster import roster_from_records
from spotcheck_rules.draws.sampling import Draw, draw, quota_for
from spotcheck_rules.ruleset.model import Tier
from spotcheck_rules.ruleset.ruleset import Ruleset
from tests.test_sampling import LEAVES, STRATA, _stratum, records, synthetic_ruleset


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Ruleset:
    return synthetic_ruleset(tmp_path_factory.mktemp("synth") / "tree")


@st.composite
def rosters(draw_: Any) -> list[dict[str, Any]]:
    """Unit records: any mix of the plan's leaf categories, a few regions, some 回头看 flags."""
    n = draw_(st.integers(min_value=0, max_value=60))
    out = []
    for i in range(n):
        out.append(
            {
                "unit_id": f"U{i:03d}",
                "unit_name": f"单位{i}",
                "domain": "medical",
                "category": draw_(st.sampled_from(LEAVES)),
                "region": draw_(st.sampled_from(["140105", "140106", "140107", "140121"])),
                "penalized_in": draw_(st.sampled_from([None, None, None, 2029, 2028])),
            }
        )
    return out


seeds = st.text(
    # what check_seed accepts: no controls, format characters, surrogates, private use or
    # separators (spaces are only U+0020 and U+3000, inside the seed)
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Co", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=30,
)


def _summary(result: Draw) -> tuple[Any, ...]:
    return (
        result.quotas,
        tuple((s.tier, s.stratum, s.unit.unit_id, s.rank) for s in result.selections),
        tuple((lb.unit.unit_id, lb.drawn_in) for lb in result.lookback),
    )


@given(recs=rosters(), seed=seeds)
def test_same_inputs_same_draw(synth: Ruleset, recs: list[dict[str, Any]], seed: str) -> None:
    roster = roster_from_records(recs, synth)
    assert draw(roster, synth, seed=seed) == draw(roster, synth, seed=seed)


@given(recs=rosters(), seed=seeds, shuffle=st.randoms(use_true_random=False))
def test_roster_order_changes_nothing(
    synth: Ruleset, recs: list[dict[str, Any]], seed: str, shuffle: random.Random
) -> None:
    shuffled = list(recs)
    shuffle.shuffle(shuffled)
    a = draw(roster_from_records(recs, synth), synth, seed=seed)
    b = draw(roster_from_records(shuffled, synth), synth, seed=seed)
    assert _summary(a) == _summary(b)


@given(recs=rosters(), seed=seeds)
def test_each_stratum_gets_exactly_its_quota(
    synth: Ruleset, recs: list[dict[str, Any]], seed: str
) -> None:
    roster = roster_from_records(recs, synth)
    result = draw(roster, synth, seed=seed)
    rules = next(iter(synth.domains.values()))
    strata = {s.id: s for s in rules.strata}
    for q in result.quotas:
        got = result.stratum(q.domain, q.stratum)
        assert len(got) == q.quota
        # the quota is what the plan asks of the full stratum, or every unit still available
        districts = Counter(u.region for u in roster.units if u.category in q.categories)
        target = quota_for(strata[q.stratum], q.population, result.rounding, districts.values())
        assert q.target == target
        assert q.quota == min(target, q.available)
        if q.available <= target:
            assert len(got) == q.available


@given(recs=rosters(), seed=seeds)
def test_drawn_units_belong_to_their_stratum_and_tiers_never_overlap(
    synth: Ruleset, recs: list[dict[str, Any]], seed: str
) -> None:
    result = draw(roster_from_records(recs, synth), synth, seed=seed)
    rules = next(iter(synth.domains.values()))
    leaves = {s.id: {leaf for c in s.categories for leaf in rules.leaves(c)} for s in rules.strata}
    for s in result.selections:
        assert s.unit.category in leaves[s.stratum]
        assert next(x for x in rules.strata if x.id == s.stratum).tier is s.tier
    keys = [s.unit.key for s in result.selections]
    assert len(keys) == len(set(keys))  # no unit twice, within or across tiers
    assert not result.unit_ids(Tier.NATIONAL) & result.unit_ids(Tier.MUNICIPAL)


@given(recs=rosters(), seed=seeds)
def test_lookback_lists_exactly_the_flagged_units_and_takes_nothing(
    synth: Ruleset, recs: list[dict[str, Any]], seed: str
) -> None:
    flagged = draw(roster_from_records(recs, synth), synth, seed=seed)
    plain = [{**r, "penalized_in": None} for r in recs]
    unflagged = draw(roster_from_records(plain, synth), synth, seed=seed)
    assert [s.unit.unit_id for s in flagged.selections] == [
        s.unit.unit_id for s in unflagged.selections
    ]
    assert sorted(lb.unit.unit_id for lb in flagged.lookback) == sorted(
        r["unit_id"] for r in recs if r["penalized_in"] == 2029
    )


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Ruleset:
    return synthetic_ruleset(
        tmp_path_factory.mktemp("wide") / "tree", strata=[_stratum("big", ["big"], ratio="50%")]
    )


@given(a=seeds, b=seeds)
def test_different_seeds_give_different_draws(wide: Ruleset, a: str, b: str) -> None:
    # 30 of 60 units: C(60, 30) ≈ 1.2e17 possible draws, so equal draws from two seeds would be
    # a hash collision, not luck.
    assume(a != b)
    roster = roster_from_records(records({"big": 60}), wide)
    assert draw(roster, wide, seed=a).unit_ids() != draw(roster, wide, seed=b).unit_ids()


# --------------------------------------------------------------------------- statistics


@pytest.mark.slow
def test_selection_frequency_is_close_to_the_ratio(tmp_path: Path) -> None:
    """Over many seeds each unit is drawn about ratio of the time, in each tier.

    20 units, national 20% (4 units, exact) then municipal 25% of the full count (5 units) from
    the remaining 16: every unit's chance is 0.20 nationally and 0.25 municipally. With 4000
    seeds the standard error is under 0.007; we allow 0.035 (five of them).
    """
    rs = synthetic_ruleset(
        tmp_path / "tree",
        strata=[
            _stratum("big", ["big"], ratio="20%"),
            _stratum("big_m", ["big"], tier="municipal", ratio="25%", from_remaining=True),
        ],
    )
    roster = roster_from_records(records({"big": 20}), rs)
    runs = 4000
    national: Counter[str] = Counter()
    municipal: Counter[str] = Counter()
    for i in range(runs):
        result = draw(roster, rs, seed=f"seed-{i}")
        national.update(s.unit.unit_id for s in result.tier(Tier.NATIONAL))
        municipal.update(s.unit.unit_id for s in result.tier(Tier.MUNICIPAL))
    for u in roster.units:
        assert abs(national[u.unit_id] / runs - 0.20) < 0.035, u.unit_id
        assert abs(municipal[u.unit_id] / runs - 0.25) < 0.035, u.unit_id


def test_strata_fixture_covers_every_kind() -> None:
    kinds = {
        k
        for s in STRATA
        for k in ("ratio", "all", "count", "per_district", "from_remaining")
        if k in s
    }
    assert kinds == {"ratio", "all", "count", "per_district", "from_remaining"}

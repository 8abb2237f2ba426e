"""Each bundled plan against golden data: domains, strata (tier, rows, ratio) and deadlines."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from spotcheck_rules import check_files, load_ruleset
from spotcheck_rules.ruleset.documents import read_yaml
from spotcheck_rules.ruleset.ruleset import Ruleset

GOLDEN = sorted((Path(__file__).parent / "golden" / "plans").glob("*.yaml"))
RULESETS = Path(__file__).resolve().parent.parent / "rulesets"


def _strata(rs: Ruleset) -> dict[str, list[list[Any]]]:
    out: dict[str, list[list[Any]]] = {}
    for dom, rules in rs.domains.items():
        rows: list[list[Any]] = []
        for s in rules.strata:
            row: list[Any] = [s.tier.value, list(s.categories), str(s.ratio.normalize())]
            if s.per_district is not None:
                row.append({"per_district": s.per_district})
            rows.append(row)
        out[dom] = rows
    return out


@pytest.mark.parametrize("path", GOLDEN, ids=lambda p: p.stem)
def test_plan_matches_golden(path: Path) -> None:
    want = read_yaml(path).data
    rs = load_ruleset(want["plan"])
    assert list(rs.domains) == want["domains"]
    expected = want.get("strata")
    if "strata_from" in want:
        base = _strata(load_ruleset(want["strata_from"]))
        expected = {d: base[d] for d in want["domains"]}
    assert _strata(rs) == expected
    assert [[d.kind.value, d.due.isoformat()] for d in rs.deadlines] == want["deadlines"]
    if "lookback" in want:
        assert [lb.penalized_in for lb in rs.lookback] == [want["lookback"]]
    else:
        assert rs.lookback == ()


def test_county_totals_equal_the_sum_of_its_tiers() -> None:
    # check_files would warn (P205) if 12% + 5% were not the 17% the county's prose states.
    problems = check_files([RULESETS / "2024" / "plans" / "county.yaml"])
    assert [p for p in problems if p.code == "P205"] == []


def test_a_wrong_stated_total_is_reported(ruleset_tree: Path) -> None:
    path = ruleset_tree / "2024" / "plans" / "county.yaml"
    text = path.read_text(encoding="utf-8").replace("ratio: 17%", "ratio: 18%")
    path.write_text(text, encoding="utf-8")
    problems = [p for p in check_files([path]) if p.code == "P205"]
    assert len(problems) == 1 and problems[0].line is not None
    assert "17%" in problems[0].message and "18%" in problems[0].message


def test_the_municipal_tier_draws_from_what_the_national_tier_left() -> None:
    rs = load_ruleset("county/2024")
    municipal = [s for r in rs.domains.values() for s in r.strata if s.tier.value == "municipal"]
    assert municipal and all(s.from_remaining for s in municipal)
    # Only 内设医疗美容科室 prints it; the others are our reading and say so.
    printed = [s for s in municipal if s.provenance.inferred is None]
    assert [s.id for s in printed] == ["with_cosmetology_department_municipal"]


def test_every_ratio_is_exact() -> None:
    rs = load_ruleset("county/2024")
    assert all(isinstance(s.ratio, Decimal) for r in rs.domains.values() for s in r.strata)

"""双随机 draws: which units to inspect, as a pure function of public inputs.

Given a plan, a unit roster and a seed string announced in advance, :func:`draw` computes the
quota of every stratum and draws that many units. Anyone with the same three inputs gets the
same list, in any language: each unit's place in the draw is the SHA-256 of a documented
encoding of (seed, plan, tier, domain, stratum, unit id), never Python's ``random`` and never
the roster's row order. Re-running a draw from its audit record is :mod:`.verification`'s. The semantics (and where they are our reading of the plans) are in docs/sampling.md.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Literal

from ..core.errors import SpotcheckError, UsageError
from ..ruleset.domains import DomainCatalogue
from ..ruleset.model import Rounding, Stratum, Tier
from ..ruleset.ruleset import DomainRules, Ruleset
from ..ruleset.views import ratio_text
from .roster import Roster, Unit

__all__ = [
    "ALGORITHM",
    "DEFAULT_ROUNDING",
    "Draw",
    "LookBackUnit",
    "Quota",
    "RoundingUsed",
    "Selection",
    "check_seed",
    "draw",
    "quota_for",
    "rank_digest",
]

#: Names the whole procedure: quota rules, rank encoding, tier order, inspector assignment.
#: Any change that could change a draw must change this string; it is hashed into every rank.
ALGORITHM = "spotcheck-sample/1"

_ROUNDING_MODES = {"ceil": ROUND_CEILING, "half_up": ROUND_HALF_UP, "floor": ROUND_FLOOR}


@dataclass(frozen=True)
class RoundingUsed:
    """The rounding a draw used, and whether the plan declared it or we fell back to the default."""

    method: Literal["ceil", "half_up", "floor"]
    minimum: int
    declared: bool


#: Used when a plan declares no rounding: up, at least one unit (so a ratio is never undershot).
DEFAULT_ROUNDING = RoundingUsed("ceil", 1, declared=False)


def _rounding(rounding: Rounding | None) -> RoundingUsed:
    if rounding is None:
        return DEFAULT_ROUNDING
    return RoundingUsed(rounding.method, rounding.minimum, declared=True)


# --------------------------------------------------------------------------- ranks


def _netstring(part: str) -> bytes:
    data = part.encode("utf-8")
    return str(len(data)).encode("ascii") + b":" + data + b","


def rank_digest(*parts: str) -> bytes:
    """SHA-256 of the parts as UTF-8 netstrings (``len:bytes,`` each), after :data:`ALGORITHM`.

    Netstrings make the encoding unambiguous (no separator can be forged by a unit id that
    contains it) and are a few lines in any language. A unit's rank in a stratum is
    ``rank_digest(seed, plan_id, tier, domain, stratum_id, unit_id)``; lower is drawn first.
    """
    h = hashlib.sha256()
    h.update(_netstring(ALGORITHM))
    for p in parts:
        h.update(_netstring(p))
    return h.digest()


#: Unicode categories a seed may not contain: controls (Cc), invisible format characters (Cf:
#: U+200B zero width space, U+202E right-to-left override, U+FEFF byte order mark, U+00AD soft
#: hyphen …), surrogates (Cs), private use (Co), line and paragraph separators. (Not unassigned
#: code points: a character a newer Unicode assigns must verify on an older Python too.)
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
#: The spaces a seed may contain: the ASCII space and the ideographic space of Chinese text.
#: Every other space (U+00A0 no-break space, U+2009 thin space …) looks like one of these.
_SPACES = frozenset({" ", "\u3000"})


def check_seed(seed: str) -> None:
    """Refuse seeds that two people could read differently: empty, padded, or with a character
    one cannot see or tell from another (controls, format characters such as U+200B, U+202E,
    U+FEFF, surrogates, private-use code points, line separators, spaces other than U+0020 and
    U+3000).

    The seed is hashed exactly as given, so an invisible difference would give another draw.
    """
    if not seed:
        raise UsageError("种子（seed）不能为空")
    if seed != seed.strip():
        raise UsageError("种子（seed）首尾不能有空白字符")
    for i, c in enumerate(seed, start=1):
        cat = unicodedata.category(c)
        if cat in _INVISIBLE or (cat == "Zs" and c not in _SPACES):
            name = unicodedata.name(c, "")
            what = "控制字符" if cat == "Cc" else "看不见或易混淆的字符"
            raise UsageError(
                f"种子（seed）不能含{what}：第 {i} 个字符是 U+{ord(c):04X}"
                + (f"（{name}）" if name else "")
            )


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Quota:
    """How many units one stratum draws, and from what.

    ``population`` is every roster unit in the stratum's categories (the base a ratio applies
    to); ``available`` is what is left after earlier tiers drew; ``target`` is what the plan
    asks for; ``quota`` is what is drawn, ``min(target, available)``.
    """

    domain: str
    tier: Tier
    stratum: str
    categories: tuple[str, ...]
    rule: str
    population: int
    available: int
    target: int
    quota: int
    from_remaining: bool
    regions: int | None = None

    @property
    def shortfall(self) -> int:
        """Units the plan asks for that the roster cannot give (earlier tiers took them)."""
        return self.target - self.quota


@dataclass(frozen=True)
class Selection:
    """One drawn unit. ``rank`` is the hex SHA-256 that placed it; ``by_district`` marks units
    taken as one of a district's ``per_district`` before the rest of the quota."""

    tier: Tier
    domain: str
    stratum: str
    unit: Unit
    rank: str
    by_district: bool = False


@dataclass(frozen=True)
class LookBackUnit:
    """A 回头看 unit: penalised in the look-back year, inspected in addition to the draw."""

    domain: str
    unit: Unit
    year: int
    drawn_in: Tier | None


@dataclass(frozen=True)
class Draw:
    """The result of :func:`draw`: quotas, drawn units in tier order, and 回头看 units."""

    plan_id: str
    plan_title: str
    ruleset_digest: str
    seed: str
    algorithm: str
    roster_sha256: str
    roster_units: int
    roster_file: str | None
    rounding: RoundingUsed
    quotas: tuple[Quota, ...]
    selections: tuple[Selection, ...]
    lookback: tuple[LookBackUnit, ...]
    catalogue: DomainCatalogue = field(
        default_factory=lambda: DomainCatalogue(()), compare=False, repr=False
    )
    """The domains of the plan's trees: their names and order (not part of the record)."""

    def tier(self, tier: Tier) -> tuple[Selection, ...]:
        return tuple(s for s in self.selections if s.tier is tier)

    def stratum(self, domain: str, stratum: str) -> tuple[Selection, ...]:
        return tuple(s for s in self.selections if s.domain == domain and s.stratum == stratum)

    def unit_ids(self, tier: Tier | None = None) -> set[tuple[str, str]]:
        """(domain, unit_id) of drawn units, of one tier or of all."""
        return {s.unit.key for s in self.selections if tier is None or s.tier is tier}


# --------------------------------------------------------------------------- quotas


def quota_for(
    stratum: Stratum,
    population: int,
    rounding: RoundingUsed = DEFAULT_ROUNDING,
    district_sizes: Iterable[int] = (),
) -> int:
    """What a stratum asks for (its *target*), before capping by the units still available.

    * ``all``: every unit; ``count``: that many; ``ratio``: ``population × ratio`` rounded by
      the plan's rule, and at least ``rounding.minimum`` when the stratum is non-empty and the
      ratio is not zero; never more than the population.
    * ``per_district``: ``Σ min(per_district, units in the district)``. Given together with a
      ratio (10%（每个区县抽 2 家）) both are floors: the larger of the two (our reading).
    """
    if population <= 0:
        return 0
    target = 0
    if stratum.all:
        target = population
    elif stratum.count is not None:
        target = stratum.count
    elif stratum.ratio is not None and stratum.ratio > 0:
        exact = Decimal(population) * stratum.ratio
        rounded = int(exact.to_integral_value(rounding=_ROUNDING_MODES[rounding.method]))
        target = max(rounded, rounding.minimum)
    if stratum.per_district is not None:
        per = stratum.per_district
        target = max(target, sum(min(per, n) for n in district_sizes))
    return min(target, population)


# --------------------------------------------------------------------------- draw


def _leaves(rules: DomainRules, stratum: Stratum) -> tuple[str, ...]:
    out: list[str] = []
    for cid in stratum.categories:
        for leaf in rules.leaves(cid):
            if leaf not in out:
                out.append(leaf)
    return tuple(out)


def _tiers_in_order(ruleset: Ruleset) -> list[Tier]:
    # National before municipal: the municipal tier draws from what the national one left.
    used = {st.tier for r in ruleset.domains.values() for st in r.strata}
    return [t for t in Tier if t in used]


def draw(roster: Roster, ruleset: Ruleset, *, seed: str) -> Draw:
    """Draw the units to inspect from ``roster`` under ``ruleset``'s strata, from ``seed``.

    Deterministic: the same roster content (in any row order), plan and seed give the same
    result. Raises :class:`SpotcheckError` if the roster has errors (fix them first: a draw on
    a roster with dropped rows would not be the draw the public inputs describe).
    """
    check_seed(seed)
    if roster.has_errors():
        errors = [p for p in roster.problems if p.severity.value == "error"]
        raise SpotcheckError(f"名单 {roster.file or ''} 有 {len(errors)} 个错误，不能抽取", errors)
    rounding = _rounding(ruleset.rounding)
    by_domain: dict[str, list[Unit]] = {}
    for u in roster.units:
        by_domain.setdefault(u.domain, []).append(u)
    quotas: list[Quota] = []
    selections: list[Selection] = []
    taken: set[tuple[str, str]] = set()
    for tier in _tiers_in_order(ruleset):
        for domain, rules in ruleset.domains.items():
            units = by_domain.get(domain, [])
            for st in rules.strata:
                if st.tier is not tier:
                    continue
                q, sel = _draw_stratum(ruleset.id, seed, rules, st, units, taken, rounding)
                quotas.append(q)
                selections.extend(sel)
                taken.update(s.unit.key for s in sel)
    lookback = _lookback(roster, ruleset, selections)
    return Draw(
        plan_id=ruleset.id,
        plan_title=ruleset.title,
        ruleset_digest=ruleset.digest(),
        seed=seed,
        algorithm=ALGORITHM,
        roster_sha256=roster.sha256,
        roster_units=len(roster.units),
        roster_file=roster.file,
        rounding=rounding,
        quotas=tuple(quotas),
        selections=tuple(selections),
        lookback=lookback,
        catalogue=ruleset.catalogue,
    )


def _draw_stratum(
    plan_id: str,
    seed: str,
    rules: DomainRules,
    st: Stratum,
    units: Sequence[Unit],
    taken: set[tuple[str, str]],
    rounding: RoundingUsed,
) -> tuple[Quota, list[Selection]]:
    leaves = set(_leaves(rules, st))
    population = [u for u in units if u.category in leaves]
    # Every later tier draws only what earlier tiers left, not just the strata marked
    # from_remaining: the plans' stated totals (17% = 12% + 5%) add the tiers up, which only
    # holds if no unit is drawn twice. See docs/sampling.md.
    pool = [u for u in population if u.key not in taken]
    district_sizes: dict[str, int] = {}
    for u in population:
        district_sizes[u.region] = district_sizes.get(u.region, 0) + 1
    target = quota_for(st, len(population), rounding, district_sizes.values())
    quota = min(target, len(pool))
    ranked = sorted(
        (
            (rank_digest(seed, plan_id, st.tier.value, rules.domain, st.id, u.unit_id), u)
            for u in pool
        ),
        key=lambda pair: (pair[0], pair[1].unit_id),
    )
    chosen: list[tuple[bytes, Unit, bool]] = []
    if st.per_district is not None:
        per_region: dict[str, int] = {}
        for digest, u in ranked:
            if per_region.get(u.region, 0) < st.per_district:
                per_region[u.region] = per_region.get(u.region, 0) + 1
                chosen.append((digest, u, True))
        # The district floor can exceed the quota only when the pool is short; keep the best.
        chosen = chosen[:quota]
    picked = {u.unit_id for _, u, _ in chosen}
    for digest, u in ranked:
        if len(chosen) >= quota:
            break
        if u.unit_id not in picked:
            chosen.append((digest, u, False))
    chosen.sort(key=lambda c: (c[0], c[1].unit_id))
    q = Quota(
        domain=rules.domain,
        tier=st.tier,
        stratum=st.id,
        categories=tuple(sorted(leaves, key=_order_in(rules))),
        rule=ratio_text(st),
        population=len(population),
        available=len(pool),
        target=target,
        quota=quota,
        from_remaining=st.from_remaining,
        regions=len(district_sizes) if st.per_district is not None else None,
    )
    sel = [Selection(st.tier, rules.domain, st.id, u, d.hex(), by) for d, u, by in chosen]
    return q, sel


def _order_in(rules: DomainRules) -> Any:
    order = {c.id: i for i, c in enumerate(rules.checklist.categories)}
    return lambda cid: order.get(cid, len(order))


def _lookback(
    roster: Roster, ruleset: Ruleset, selections: Sequence[Selection]
) -> tuple[LookBackUnit, ...]:
    years = sorted({lb.penalized_in for lb in ruleset.lookback})
    if not years:
        return ()
    drawn = {s.unit.key: s.tier for s in selections}
    domain_order = {d: i for i, d in enumerate(ruleset.domains)}
    out = [
        LookBackUnit(u.domain, u, u.penalized_in, drawn.get(u.key))
        for u in roster.units
        if u.penalized_in is not None and u.penalized_in in years and u.domain in domain_order
    ]
    out.sort(key=lambda lb: (domain_order[lb.domain], lb.unit.unit_id))
    return tuple(out)

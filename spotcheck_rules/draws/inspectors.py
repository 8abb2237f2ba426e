"""The second 随机: which inspectors go to which drawn unit.

Every inspection needs at least two inspectors (执法人员不少于两人). An inspector may go to a
unit only if they may inspect its domain, have not declared a conflict with it (回避), and —
when asked — are not from the unit's own region. Within those rules the load is spread evenly,
and the choice among equals is made by the same seed as the draw, so it is as reproducible and
as verifiable as the draw itself. The algorithm is described in docs/sampling.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.codes import severity as code_severity
from ..core.errors import Problem, Severity, UsageError
from ..ruleset.domains import DomainCatalogue
from ..ruleset.model import Tier
from .roster import Inspector, InspectorRoster, Unit
from .sampling import Draw, rank_digest

__all__ = ["MIN_TEAM", "Assignment", "Team", "Unstaffed", "assign_inspectors"]

#: 执法人员不少于两人: the least a team may be.
MIN_TEAM = 2


@dataclass(frozen=True)
class Team:
    """The inspectors sent to one unit. ``kind`` is the tier that drew it, or None for a unit
    that is only on the 回头看 list."""

    domain: str
    unit: Unit
    kind: Tier | None
    inspectors: tuple[Inspector, ...]


@dataclass(frozen=True)
class Unstaffed:
    """A unit no valid team can be formed for, and why."""

    domain: str
    unit: Unit
    kind: Tier | None
    eligible: tuple[str, ...]
    qualified: int
    recused: tuple[str, ...]
    own_region: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Assignment:
    """The result of :func:`assign_inspectors`."""

    team_size: int
    no_own_region: bool
    inspectors_sha256: str
    teams: tuple[Team, ...]
    unstaffed: tuple[Unstaffed, ...]
    loads: tuple[tuple[str, int], ...]
    catalogue: DomainCatalogue = field(
        default_factory=lambda: DomainCatalogue(()), compare=False, repr=False
    )
    """The domains of the draw's plan: their names (not part of the record)."""

    def problems(self) -> list[Problem]:
        """One ``A301`` error per unit that cannot be staffed."""
        return [
            Problem(
                "A301",
                f"{self.catalogue.label(u.domain)} {u.unit.unit_id} {u.unit.unit_name}：{u.reason}",
                severity=code_severity("A301"),
                field="inspectors",
            )
            for u in self.unstaffed
        ]

    def team_of(self, domain: str, unit_id: str) -> Team | None:
        for t in self.teams:
            if t.domain == domain and t.unit.unit_id == unit_id:
                return t
        return None


def _visits(draw: Draw) -> list[tuple[str, Unit, Tier | None]]:
    """Each unit to be visited once: drawn units, then 回头看 units that were not drawn."""
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, Unit, Tier | None]] = []
    for s in draw.selections:
        seen.add(s.unit.key)
        out.append((s.domain, s.unit, s.tier))
    for lb in draw.lookback:
        if lb.unit.key not in seen:
            seen.add(lb.unit.key)
            out.append((lb.domain, lb.unit, None))
    return out


def assign_inspectors(
    draw: Draw,
    inspectors: InspectorRoster,
    *,
    team_size: int = MIN_TEAM,
    no_own_region: bool = False,
) -> Assignment:
    """Assign ``team_size`` (≥ 2) inspectors to every drawn and every 回头看 unit.

    Deterministic given the draw (its seed and plan) and the inspector roster, whatever its row
    order. Units are staffed most-constrained first (fewest eligible inspectors), ties by a seed
    hash; each takes the ``team_size`` eligible inspectors with the least load so far, ties by a
    seed hash. Units with fewer eligible inspectors than ``team_size`` get no team and are
    listed in ``unstaffed`` with the reason.
    """
    if team_size < MIN_TEAM:
        raise UsageError(f"每个检查组至少 {MIN_TEAM} 名执法人员（执法人员不少于两人）")
    if inspectors.has_errors():
        from ..core.errors import SpotcheckError

        errors = [p for p in inspectors.problems if p.severity is Severity.ERROR]
        raise SpotcheckError(f"执法人员名单有 {len(errors)} 个错误，不能分派", errors)
    pool = sorted(inspectors.inspectors, key=lambda i: i.id)
    load = {i.id: 0 for i in pool}
    planned: list[tuple[int, bytes, str, Unit, Tier | None, list[Inspector]]] = []
    unstaffed: list[Unstaffed] = []
    for domain, unit, kind in _visits(draw):
        qualified = [i for i in pool if domain in i.domains]
        recused = [i for i in qualified if unit.unit_id in i.conflicts]
        own = [
            i
            for i in qualified
            if no_own_region and i.region == unit.region and unit.unit_id not in i.conflicts
        ]
        excluded = {i.id for i in (*recused, *own)}
        eligible = [i for i in qualified if i.id not in excluded]
        if len(eligible) < team_size:
            unstaffed.append(
                Unstaffed(
                    domain=domain,
                    unit=unit,
                    kind=kind,
                    eligible=tuple(i.id for i in eligible),
                    qualified=len(qualified),
                    recused=tuple(i.id for i in recused),
                    own_region=tuple(i.id for i in own),
                    reason=_reason(
                        draw.catalogue.label(domain),
                        team_size,
                        len(eligible),
                        qualified,
                        recused,
                        own,
                        no_own_region,
                    ),
                )
            )
            continue
        tie = rank_digest(draw.seed, draw.plan_id, "assign", domain, unit.unit_id)
        planned.append((len(eligible), tie, domain, unit, kind, eligible))
    # Most-constrained first: a unit only two inspectors may visit takes them before units that
    # could use anyone, so the scarce inspectors' load goes where only they can go.
    planned.sort(key=lambda p: (p[0], p[1], p[2], p[3].unit_id))
    teams: list[Team] = []
    for _, _, domain, unit, kind, eligible in planned:
        ranked = sorted(
            eligible,
            key=lambda i: (
                load[i.id],
                rank_digest(draw.seed, draw.plan_id, "inspector", domain, unit.unit_id, i.id),
                i.id,
            ),
        )
        team = tuple(sorted(ranked[:team_size], key=lambda i: i.id))
        for i in team:
            load[i.id] += 1
        teams.append(Team(domain, unit, kind, team))
    rank = draw.catalogue.rank
    teams.sort(key=lambda t: (rank(t.domain), t.unit.unit_id))
    unstaffed.sort(key=lambda u: (rank(u.domain), u.unit.unit_id))
    return Assignment(
        team_size=team_size,
        no_own_region=no_own_region,
        inspectors_sha256=inspectors.sha256,
        teams=tuple(teams),
        unstaffed=tuple(unstaffed),
        loads=tuple(sorted(load.items())),
        catalogue=draw.catalogue,
    )


def _reason(
    label: str,
    team_size: int,
    eligible: int,
    qualified: list[Inspector],
    recused: list[Inspector],
    own: list[Inspector],
    no_own_region: bool,
) -> str:
    parts = [
        f"可派执法人员 {eligible} 人，少于 {team_size} 人",
        f"可检查{label}的 {len(qualified)} 人",
    ]
    if recused:
        parts.append(f"申报回避 {len(recused)} 人（{'、'.join(i.id for i in recused)}）")
    if no_own_region and own:
        parts.append(f"本区县人员不派 {len(own)} 人（{'、'.join(i.id for i in own)}）")
    return "；".join(parts)

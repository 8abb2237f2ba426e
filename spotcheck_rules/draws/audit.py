"""The audit record of a draw: everything needed to re-run it and nothing that varies.

The record pins the public inputs (plan id and content digest, SHA-256 of both rosters, the
seed, the algorithm version) and states the outputs (quotas, drawn units per tier, 回头看 units,
inspector teams). It has no timestamp and no local paths, so the same draw always gives the
same bytes. ``spotcheck sample --verify`` reads it back and re-runs the draw. Its JSON Schema is
``schemas/audit.schema.json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..core.errors import Problem, SpotcheckError
from ..core.limits import load_json
from ..ruleset.model import Tier
from .inspectors import Assignment
from .sampling import Draw

__all__ = [
    "AUDIT_FORMAT",
    "Audit",
    "AuditAssignments",
    "AuditLookBack",
    "AuditQuota",
    "AuditTeam",
    "AuditUnit",
    "AuditUnstaffed",
    "audit_json",
    "audit_json_schema",
    "audit_record",
    "read_audit",
]

AUDIT_FORMAT: Literal["spotcheck-sample-audit"] = "spotcheck-sample-audit"

Kind = Literal["national", "municipal", "lookback"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AuditPlan(_Model):
    id: str
    title: str
    digest: str = Field(description="Ruleset.digest(): SHA-256 of the resolved plan and checklists")


class AuditRoster(_Model):
    sha256: str = Field(description="SHA-256 of the roster file's bytes (sha256sum)")
    file: str | None = Field(default=None, description="File name only, for people; not checked")
    units: int


class AuditRounding(_Model):
    method: Literal["ceil", "half_up", "floor"]
    minimum: int
    declared: bool = Field(description="False when the plan declares none and the default is used")


class AuditQuota(_Model):
    domain: str
    tier: Tier
    stratum: str
    categories: list[str]
    rule: str = Field(description="The stratum's rule as people read it (12%, 全部, 每个区县 2 家)")
    population: int = Field(description="Roster units in the stratum's categories")
    available: int = Field(description="Of those, units earlier tiers did not draw")
    target: int = Field(description="What the plan asks for, by its rounding rule")
    quota: int = Field(description="Units drawn: min(target, available)")
    from_remaining: bool
    regions: int | None = Field(default=None, description="Distinct regions, for per_district")


class AuditUnit(_Model):
    tier: Tier
    domain: str
    stratum: str
    unit_id: str
    unit_name: str
    category: str
    region: str
    rank: str = Field(description="Hex SHA-256 that ranked the unit in its stratum")
    by_district: bool = False


class AuditLookBack(_Model):
    domain: str
    unit_id: str
    unit_name: str
    category: str
    region: str
    penalized_in: int
    drawn_in: Tier | None = Field(description="The tier that also drew it, if any")


class AuditInspector(_Model):
    id: str
    name: str


class AuditTeam(_Model):
    domain: str
    unit_id: str
    unit_name: str
    kind: Kind
    inspectors: list[AuditInspector]


class AuditUnstaffed(_Model):
    domain: str
    unit_id: str
    unit_name: str
    kind: Kind
    reason: str
    eligible: list[str]
    recused: list[str]
    own_region: list[str]


class AuditAssignments(_Model):
    inspectors_sha256: str
    inspectors: int
    team_size: int = Field(ge=2)
    no_own_region: bool
    teams: list[AuditTeam]
    unstaffed: list[AuditUnstaffed]
    loads: dict[str, int] = Field(description="Units per inspector id")


class Audit(_Model):
    """An audit record: the public inputs of a draw and its result."""

    format: Literal["spotcheck-sample-audit"] = AUDIT_FORMAT
    format_version: Literal[1] = 1
    algorithm: str
    plan: AuditPlan
    seed: str
    rounding: AuditRounding
    roster: AuditRoster
    quotas: list[AuditQuota]
    drawn: list[AuditUnit]
    lookback: list[AuditLookBack]
    assignments: AuditAssignments | None = None


def _kind(tier: Tier | None) -> Kind:
    return "lookback" if tier is None else tier.value


def audit_record(draw: Draw, assignment: Assignment | None = None) -> Audit:
    """The audit record of a draw (and, if given, of its inspector assignment)."""
    assignments = None
    if assignment is not None:
        assignments = AuditAssignments(
            inspectors_sha256=assignment.inspectors_sha256,
            inspectors=len(assignment.loads),
            team_size=assignment.team_size,
            no_own_region=assignment.no_own_region,
            teams=[
                AuditTeam(
                    domain=t.domain,
                    unit_id=t.unit.unit_id,
                    unit_name=t.unit.unit_name,
                    kind=_kind(t.kind),
                    inspectors=[AuditInspector(id=i.id, name=i.name) for i in t.inspectors],
                )
                for t in assignment.teams
            ],
            unstaffed=[
                AuditUnstaffed(
                    domain=u.domain,
                    unit_id=u.unit.unit_id,
                    unit_name=u.unit.unit_name,
                    kind=_kind(u.kind),
                    reason=u.reason,
                    eligible=list(u.eligible),
                    recused=list(u.recused),
                    own_region=list(u.own_region),
                )
                for u in assignment.unstaffed
            ],
            loads=dict(assignment.loads),
        )
    return Audit(
        algorithm=draw.algorithm,
        plan=AuditPlan(id=draw.plan_id, title=draw.plan_title, digest=draw.ruleset_digest),
        seed=draw.seed,
        rounding=AuditRounding(
            method=draw.rounding.method,
            minimum=draw.rounding.minimum,
            declared=draw.rounding.declared,
        ),
        roster=AuditRoster(
            sha256=draw.roster_sha256,
            # The name only: a local path would make the record differ between machines.
            file=os.path.basename(draw.roster_file) if draw.roster_file else None,
            units=draw.roster_units,
        ),
        quotas=[
            AuditQuota(
                domain=q.domain,
                tier=q.tier,
                stratum=q.stratum,
                categories=list(q.categories),
                rule=q.rule,
                population=q.population,
                available=q.available,
                target=q.target,
                quota=q.quota,
                from_remaining=q.from_remaining,
                regions=q.regions,
            )
            for q in draw.quotas
        ],
        drawn=[
            AuditUnit(
                tier=s.tier,
                domain=s.domain,
                stratum=s.stratum,
                unit_id=s.unit.unit_id,
                unit_name=s.unit.unit_name,
                category=s.unit.category,
                region=s.unit.region,
                rank=s.rank,
                by_district=s.by_district,
            )
            for s in draw.selections
        ],
        lookback=[
            AuditLookBack(
                domain=lb.domain,
                unit_id=lb.unit.unit_id,
                unit_name=lb.unit.unit_name,
                category=lb.unit.category,
                region=lb.unit.region,
                penalized_in=lb.year,
                drawn_in=lb.drawn_in,
            )
            for lb in draw.lookback
        ],
        assignments=assignments,
    )


def audit_json(audit: Audit) -> str:
    """The record as JSON text: fields in model order, two-space indent, UTF-8 as is."""
    return json.dumps(audit.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def read_audit(path: str | os.PathLike[str]) -> Audit:
    """Read an audit record; raises :class:`SpotcheckError` with located problems if invalid."""
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SpotcheckError(f"无法读取审计记录 {file}：{exc.strerror or exc}") from exc
    data: Any = load_json(raw, file, SpotcheckError, code="V001", what="审计记录")
    try:
        return Audit.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem(
                "V001",
                f"审计记录字段无效：{err['msg']}",
                file=file,
                pointer="".join(f"/{p}" for p in err["loc"]),
            )
            for err in exc.errors(include_url=False)
        ]
        raise SpotcheckError(f"{file} 不是有效的抽取审计记录", problems) from exc


def audit_json_schema() -> dict[str, Any]:
    """JSON Schema of the audit record (written to schemas/audit.schema.json)."""
    out = Audit.model_json_schema(mode="validation")
    out["title"] = "spotcheck_rules draw audit record (双随机抽取审计记录)"
    return out

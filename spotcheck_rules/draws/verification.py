"""Re-running a draw from its audit record, and saying whether the record stands.

:func:`verify` sits above the modules it checks: it draws again (:mod:`.sampling`), assigns
inspectors again (:mod:`.inspectors`) and writes a fresh record (:mod:`.audit`), then compares
every field of the record it was given with the fresh one. None of those imports this module.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.errors import UsageError
from ..ruleset.ruleset import Ruleset
from .audit import Audit, audit_record
from .inspectors import assign_inspectors
from .roster import InspectorRoster, Roster
from .sampling import ALGORITHM, _rounding, check_seed, draw

__all__ = ["Check", "Verification", "verify"]


@dataclass(frozen=True)
class Check:
    """One thing :func:`verify` compared; ``detail`` says what differs when ``ok`` is false."""

    name: str
    ok: bool
    message: str
    detail: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verification:
    """Whether an audit record is the draw its public inputs give."""

    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


_LIMIT = 10  # differences listed per check; the count of the rest is given


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _field_diffs(prefix: str, claimed: Any, actual: Any) -> list[tuple[str, str]]:
    """Every leaf that differs between two JSON values: (pointer, ``pointer：记录 X，实际 Y``)."""
    if isinstance(claimed, Mapping) and isinstance(actual, Mapping):
        out = []
        for key in [*claimed, *(k for k in actual if k not in claimed)]:
            where = f"{prefix}/{key}"
            if key not in actual:
                out.append((where, f"{where}：记录 {_show(claimed[key])}，实际没有"))
            elif key not in claimed:
                out.append((where, f"{where}：记录中没有，实际 {_show(actual[key])}"))
            else:
                out.extend(_field_diffs(where, claimed[key], actual[key]))
        return out
    if claimed == actual:
        return []
    return [(prefix, f"{prefix or '/'}：记录 {_show(claimed)}，实际 {_show(actual)}")]


def _capped(lines: list[str]) -> tuple[str, ...]:
    if len(lines) <= _LIMIT:
        return tuple(lines)
    return (*lines[:_LIMIT], f"……另有 {len(lines) - _LIMIT} 处不同")


# Fields that name a row of a list: the rest of the row is what the draw says about it.
_ROW_ID = ("kind", "tier", "domain", "stratum", "unit_id")


def _row_id(row: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={row[k]}" for k in _ROW_ID if k in row)


def _diff_rows(name: str, claimed: Sequence[Any], actual: Sequence[Any]) -> Check:
    """Rows of the record against the re-run: rows only in one of them, then each field that
    differs in a row both have, then (if nothing else) the order."""
    label = _CHECK_LABELS[name]
    cl = [r.model_dump(mode="json") for r in claimed]
    ac = [r.model_dump(mode="json") for r in actual]
    if cl == ac:
        return Check(name, True, f"{label}：一致")
    by_id = {_row_id(r): r for r in ac}
    claimed_ids = {_row_id(r) for r in cl}
    only_claimed = [f"记录中有、重新抽取没有：{_row_key(r)}" for r in cl if _row_id(r) not in by_id]
    only_actual = [
        f"重新抽取有、记录中没有：{_row_key(r)}" for r in ac if _row_id(r) not in claimed_ids
    ]
    changed = [
        f"{_row_id(r)}：{d}"
        for r in cl
        if _row_id(r) in by_id
        for _, d in _field_diffs("", r, by_id[_row_id(r)])
    ]
    detail = [*_capped(only_claimed), *_capped(only_actual), *_capped(changed)]
    if not detail:
        detail = [f"内容相同，顺序不同（记录 {len(cl)} 条，重新抽取 {len(ac)} 条）"]
    return Check(name, False, f"{label}：不一致", tuple(detail))


def _row_key(row: Mapping[str, Any]) -> str:
    keys = ("tier", "kind", "domain", "stratum", "unit_id", "quota")
    text = " ".join(f"{k}={row[k]}" for k in keys if k in row)
    if "inspectors" in row:
        text += " inspectors=" + ",".join(i["id"] for i in row["inspectors"])
    return text


_CHECK_LABELS = {
    "algorithm": "算法版本",
    "seed": "种子",
    "plan": "计划编号",
    "plan_title": "计划名称",
    "ruleset_digest": "规则集摘要",
    "rounding": "取整规则",
    "roster_sha256": "名单 SHA-256",
    "roster_units": "名单单位数",
    "inspectors_sha256": "执法人员名单 SHA-256",
    "inspectors": "执法人员人数",
    "quotas": "抽取数量",
    "drawn": "抽取结果",
    "lookback": "回头看名单",
    "assignments": "执法人员分派",
    "loads": "执法人员任务数",
    "other": "其他字段",
}

# Fields of the record each check compares (JSON pointers); "other" compares every field not
# listed here, so that nothing the record holds goes unchecked. Not compared: ``roster/file``
# (the roster's file name, for people: the SHA-256 pins the content), and the options the
# re-run takes from the record itself (``seed``, ``assignments/team_size``,
# ``assignments/no_own_region``).
_CHECKED = {
    "/format",
    "/format_version",
    "/algorithm",
    "/seed",
    "/plan/id",
    "/plan/title",
    "/plan/digest",
    "/rounding",
    "/roster/sha256",
    "/roster/units",
    "/roster/file",
    "/quotas",
    "/drawn",
    "/lookback",
    "/assignments",
}


def verify(
    audit: Audit,
    roster: Roster,
    ruleset: Ruleset,
    inspectors: InspectorRoster | None = None,
) -> Verification:
    """Re-run the draw an audit record describes and compare every field of it.

    The record stands only if every check passes: same algorithm, a seed :func:`check_seed`
    accepts, the same plan (id, title, digest) and rounding, the same roster files (SHA-256,
    unit count), and the same quotas (every field), drawn units, 回头看 units and — when the
    record has them — inspector count, teams, unstaffed units and loads. Each check lists what
    differs.
    """
    checks: list[Check] = []

    def same(name: str, claimed: object, actual: object) -> None:
        label = _CHECK_LABELS[name]
        diffs = [line for _, line in _field_diffs("", claimed, actual)]
        if not diffs:
            checks.append(Check(name, True, f"{label}：一致"))
        elif isinstance(claimed, Mapping):
            checks.append(Check(name, False, f"{label}：不一致", _capped(diffs)))
        else:
            detail = (f"记录：{claimed}", f"实际：{actual}")
            checks.append(Check(name, False, f"{label}：不一致", detail))

    same("algorithm", audit.algorithm, ALGORITHM)
    if audit.algorithm != ALGORITHM:
        return Verification(tuple(checks))
    try:
        check_seed(audit.seed)
    except UsageError as exc:
        checks.append(Check("seed", False, f"种子：{exc.message}，不能复核"))
        return Verification(tuple(checks))
    rounding = _rounding(ruleset.rounding)
    same("plan", audit.plan.id, ruleset.id)
    same("plan_title", audit.plan.title, ruleset.title)
    same("ruleset_digest", audit.plan.digest, ruleset.digest())
    same(
        "rounding",
        audit.rounding.model_dump(mode="json"),
        {"method": rounding.method, "minimum": rounding.minimum, "declared": rounding.declared},
    )
    same("roster_sha256", audit.roster.sha256, roster.sha256)
    same("roster_units", audit.roster.units, len(roster.units))
    if audit.assignments is not None:
        if inspectors is None:
            checks.append(
                Check("inspectors_sha256", False, "记录含执法人员分派，但未提供执法人员名单")
            )
        else:
            same("inspectors_sha256", audit.assignments.inspectors_sha256, inspectors.sha256)
    rerun = draw(roster, ruleset, seed=audit.seed)
    assignment = None
    if audit.assignments is not None and inspectors is not None:
        assignment = assign_inspectors(
            rerun,
            inspectors,
            team_size=audit.assignments.team_size,
            no_own_region=audit.assignments.no_own_region,
        )
    fresh = audit_record(rerun, assignment)
    checks.append(_diff_rows("quotas", audit.quotas, fresh.quotas))
    checks.append(_diff_rows("drawn", audit.drawn, fresh.drawn))
    checks.append(_diff_rows("lookback", audit.lookback, fresh.lookback))
    if audit.assignments is not None and fresh.assignments is not None:
        claimed, actual = audit.assignments, fresh.assignments
        same("inspectors", claimed.inspectors, actual.inspectors)
        checks.append(
            _diff_rows(
                "assignments",
                [*claimed.teams, *claimed.unstaffed],
                [*actual.teams, *actual.unstaffed],
            )
        )
        same("loads", claimed.loads, actual.loads)
    # Whatever the checks above do not compare (a field a later version of the record adds) is
    # compared too, field by field.
    others = [
        line
        for pointer, line in _field_diffs(
            "", audit.model_dump(mode="json"), fresh.model_dump(mode="json")
        )
        if not any(pointer == p or pointer.startswith(p + "/") for p in _CHECKED)
    ]
    if others:
        checks.append(Check("other", False, f"{_CHECK_LABELS['other']}：不一致", _capped(others)))
    return Verification(tuple(checks))

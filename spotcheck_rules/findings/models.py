"""The findings contract as published: the pydantic models (:class:`Finding`, :class:`Penalty`,
:class:`Harm`, :class:`CensusEntry`), the spellings they accept (:data:`ACCIDENT_GRADES`; an
``ownership`` is a word of the record's domain's vocabulary, which is data: the domains.yaml
of the ruleset's trees) and their JSON Schemas (:func:`findings_json_schema`,
:func:`census_json_schema`), published in ``schemas/``.

The readers do not validate through these models (a million records through pydantic would cost
several microseconds each); :mod:`.records` holds the same contract as msgspec structs.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    WithJsonSchema,
)

from .money import _AMOUNT_SCHEMA_PATTERN, _NOT_BLANK, _WS, YUAN_LIMIT, AmountProblem, parse_amount

__all__ = [
    "ACCIDENT_GRADES",
    "CensusEntry",
    "Finding",
    "Harm",
    "Penalty",
    "Yuan",
    "census_json_schema",
    "findings_json_schema",
]

ACCIDENT_GRADES: Mapping[str, int] = {
    "一级": 1,
    "二级": 2,
    "三级": 3,
    "四级": 4,
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
}
"""医疗事故等级 (《医疗事故处理条例》第四条: 一级 is the gravest)."""


# --------------------------------------------------------------------------- public models


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _yuan_field(value: Any) -> Any:
    """The models take an amount by the same rule as the readers (:func:`parse_amount`)."""
    if value is None:
        return value
    got = parse_amount(value)
    if isinstance(got, AmountProblem):
        raise ValueError(f"{value!r} {got.reason}")
    return Decimal(got)


# The JSON Schemas of these fields are written out rather than left to pydantic (whose Decimal
# pattern differs between releases, and whose Literal has no aliases): a published contract
# must say exactly what the readers accept, and not change with a dependency.
_YUAN_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "integer", "minimum": 0, "exclusiveMaximum": int(YUAN_LIMIT)},
            {"type": "string", "pattern": _AMOUNT_SCHEMA_PATTERN},
        ],
        "description": "Yuan below 10^10: a whole number, or text with at most 2 decimals and "
        "',' only between groups of three digits (\"1,234.50\"); no sign, no exponent",
    }
)
Yuan = Annotated[Decimal, BeforeValidator(_yuan_field), _YUAN_SCHEMA]
"""An amount in yuan, by the rule of :func:`parse_amount`."""

_DATE_SCHEMA = WithJsonSchema(
    {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
)
_GRADE_PATTERN = f"^{_WS}*(?:{'|'.join(ACCIDENT_GRADES)}){_WS}*$"


def _no_text(value: Any) -> Any:
    """An integer as JSON has it: not text, not a bool (pydantic's lax mode takes ``"2"``)."""
    if isinstance(value, str | bool):
        raise ValueError(f"{value!r} is not an integer")
    return value


def _iso_date(value: Any) -> Any:
    """A date as the schema has it: a ``date``, or exactly ``YYYY-MM-DD`` (pydantic's lax
    mode also takes numbers as timestamps and datetimes at midnight)."""
    if isinstance(value, _dt.datetime) or not isinstance(value, str | _dt.date):
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")
    return value


_Count = Annotated[int, BeforeValidator(_no_text)]
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Penalty(_Public):
    """行政处罚情况 of one unit: cases, fines in yuan, revocations."""

    cases: _Count = Field(default=0, ge=0, description="查处案件数")
    fine_yuan: Yuan = Field(
        default=Decimal(0),
        description="罚没款, in yuan (tables show 万元); a whole number or a decimal string",
    )
    revoked: list[str] = Field(
        default_factory=list, description="Revocation columns (吊销…单位数), by id or label"
    )


class Harm(_Public):
    """Harm caused, for the major-case rule (seed 003 第三十四条)."""

    deaths: _Count = Field(default=0, ge=0, description="Patients who died")
    injured: _Count = Field(default=0, ge=0, description="Persons who suffered bodily harm")
    accident_grade: str | None = Field(
        default=None, pattern=_GRADE_PATTERN, description="医疗事故等级: 一级 … 四级 (or 1 … 4)"
    )
    property_loss_yuan: Yuan | None = Field(
        default=None, description="Property loss in yuan (informative)"
    )
    property_loss_serious: StrictBool = Field(
        default=False,
        description="财产严重损失: no source sets a threshold, so the inspector decides",
    )
    group_health_risk: StrictBool = Field(default=False, description="群体性健康风险或隐患")
    social_impact: StrictBool = Field(default=False, description="恶劣社会影响、较大国际影响")


class Finding(_Public):
    """One inspected unit in one domain: the record of the findings input contract."""

    unit_id: str = Field(
        pattern=_NOT_BLANK,
        description="The unit's identifier, e.g. 统一社会信用代码 (trimmed; not blank)",
    )
    unit_name: str | None = None
    domain: str = Field(pattern=_NOT_BLANK, description="Domain id (medical, tcm, …) or label")
    category: str = Field(
        pattern=_NOT_BLANK, description="Category id, official row label or alias"
    )
    ownership: str | None = Field(
        default=None,
        description="An ownership of the record's domain: its id (public, private …) or a word "
        "the domain declares for it (公立, 非公立, 民营 …; the ruleset's domains.yaml)",
    )
    region: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    inspected_on: Annotated[_dt.date, BeforeValidator(_iso_date), _DATE_SCHEMA] | None = None
    tier: str | None = Field(default=None, description="Which draw selected the unit")
    violations: list[str] = Field(default_factory=list, description="Violation codes or labels")
    not_applicable: list[str] = Field(
        default_factory=list, description="Items marked 合理缺项, by id or title"
    )
    penalty: Penalty | None = None
    referred: StrictBool | None = Field(default=None, description="移交公安/司法机关")
    opinion_issued: StrictBool | None = Field(default=None, description="下达监督意见书")
    harm: Harm | None = None
    tests: dict[str, StrictBool] = Field(
        default_factory=dict,
        description="Lab-test results (检测项目): test id or alias → passed (true) / failed (false)",
    )


class CensusEntry(_Public):
    """辖区内单位总数 of one category: a line of the census file."""

    domain: str
    category: str
    units: int = Field(ge=0)


def findings_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one finding record (a JSON Lines line, an array element)."""
    out = Finding.model_json_schema(mode="validation")
    out["title"] = "spotcheck_rules finding (one inspected unit in one domain)"
    return out


def census_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a census file: a list of (domain, category, units)."""
    entry = CensusEntry.model_json_schema(mode="validation")
    return {"title": "spotcheck_rules census (辖区内单位总数)", "type": "array", "items": entry}

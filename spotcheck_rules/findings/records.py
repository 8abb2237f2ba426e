"""Findings: what inspectors found, one record per inspected unit per domain — the input contract.

The public types are pydantic models (:class:`Finding`, :class:`Penalty`, :class:`Harm`,
:class:`CensusEntry`); their JSON Schemas are published in ``schemas/``. Reading a million
records through pydantic would cost several microseconds each, so the readers here decode into
an internal msgspec struct (``_Rec``) whose shape is the same contract: msgspec checks the
types in C, and only a record it rejects takes the slow path (:func:`coerce_record`), which
walks the fields one by one and names every problem with a stable code.

One contract on every path: a JSON-shaped record (JSON Lines, JSON, YAML, a dict) is held to
the published schema's types; a flat file's row (:class:`FlatRow`, CSV and XLSX) also gets the
flat coercions (是/否, ``;``-separated lists, number cells); every amount is read by
:func:`parse_amount` (also msgspec's decode hook), so the fast and the detailed path agree.

Readers (:func:`read_records`) stream: each yields one :class:`RawRecord` at a time with its
line (JSON Lines, YAML) or row (CSV, XLSX) number, so a problem can be located in the file the
user edits.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import os
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, cast

import msgspec
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    WithJsonSchema,
    field_validator,
)

from ..core.errors import Problem, SpotcheckError, UsageError
from ..core.limits import DEPTH, json_depth, load_json
from ..core.text import preview
from .rows import Row, iter_csv, iter_xlsx

__all__ = [
    "ACCIDENT_GRADES",
    "FINE_CODES",
    "FORMATS",
    "OWNERSHIP_ALIASES",
    "YUAN_LIMIT",
    "AmountProblem",
    "CensusEntry",
    "FieldProblem",
    "FileInfo",
    "Finding",
    "FindingsReadError",
    "FlatRow",
    "Harm",
    "Penalty",
    "RawRecord",
    "Unparsable",
    "Yuan",
    "as_int",
    "census_json_schema",
    "coerce_record",
    "count_lines",
    "decode_line",
    "detect_format",
    "findings_json_schema",
    "iter_values",
    "jsonl_chunks",
    "jsonl_range",
    "needs_coerce",
    "parse_amount",
    "read_census",
    "read_records",
    "sha256_async",
]

FORMATS = ("jsonl", "json", "yaml", "csv", "xlsx")

OWNERSHIP_ALIASES: Mapping[str, str] = {
    "public": "public",
    "公立": "public",
    "公立医疗机构": "public",
    "公办": "public",
    "private": "private",
    "非公立": "private",
    "非公立医疗机构": "private",
    "民营": "private",
    "社会办": "private",
    "私立": "private",
}
"""Accepted spellings of ``ownership``, to the canonical ``public`` / ``private``."""

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


class FindingsReadError(SpotcheckError):
    """A findings or census file that cannot be read at all (missing, wrong format)."""


# --------------------------------------------------------------------------- money and text

# What ``str.strip()`` removes, written out so that the published schema's patterns mean the
# same in every regular-expression dialect (ECMA-262's ``\s`` and Python's differ).
_WS_CHARS = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_WS = f"[{_WS_CHARS}]"
_NOT_BLANK = f"[^{_WS_CHARS}]"
"""A text with at least one character that is not white space (U+3000 is white space)."""

YUAN_LIMIT = Decimal(10) ** 10
"""Every amount (罚没款, 财产损失) must be below 10¹⁰ yuan (100 亿元). No law sets a maximum
(fines are multiples of 违法所得 or 货值金额); the bound is our judgement of what one record can
plausibly hold, to catch an amount in 分 or with extra digits. See docs/findings.md."""

# Full-width digits, comma and full stop (what a Chinese input method types) are read as
# their ASCII forms; nothing else is translated (no superscripts, circled or other digits).
_FULLWIDTH = str.maketrans("０１２３４５６７８９，．", "0123456789,.")


_AMOUNT = re.compile(
    r"(?:0*[0-9]{1,10}|[1-9][0-9]{0,2}(?:,[0-9]{3}){1,2}|[1-9](?:,[0-9]{3}){3})"
    r"(?:\.[0-9]{1,2}0*)?"
)
_PLAIN = re.compile(r"([0-9]+)(?:\.([0-9]+))?")
_GROUPED = re.compile(r"([1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.([0-9]+))?")
_EXPONENT = re.compile(r"[0-9.,]*[0-9][0-9.,]*e[+-]?[0-9]+")
_NONFINITE = frozenset({"nan", "snan", "inf", "infinity"})
_CENT = Decimal("0.01")

# The string form of an amount in the published schema: _AMOUNT with the full-width forms and
# surrounding white space, exactly what parse_amount accepts.
_AMOUNT_SCHEMA_PATTERN = (
    f"^{_WS}*"
    r"(?:[0０]*[0-9０-９]{1,10}|[1-9１-９][0-9０-９]{0,2}(?:[,，][0-9０-９]{3}){1,2}"
    r"|[1-9１-９](?:[,，][0-9０-９]{3}){3})(?:[.．][0-9０-９]{1,2}[0０]*)?"
    f"{_WS}*$"
)


class AmountProblem(NamedTuple):
    """Why a value is not an amount: ``kind`` is ``unreadable``, ``negative``, ``nonfinite``,
    ``precision`` (more than two decimals) or ``limit`` (not below :data:`YUAN_LIMIT`)."""

    kind: str
    reason: str


class _Yuan(Decimal):
    """An amount in yuan that :func:`parse_amount` accepted (decoded by msgspec's hook)."""

    __slots__ = ()


def _amount_of(d: Decimal, raw: Any) -> _Yuan | AmountProblem:
    if not d.is_finite():
        return AmountProblem("nonfinite", "不是有限数字")
    if d < 0:
        return AmountProblem("negative", "为负数")
    if d >= YUAN_LIMIT:
        return AmountProblem("limit", "超过单笔上限 100 亿元（10¹⁰ 元）")
    # below the limit, a quantize to cents has at most 12 digits: exact in any context
    if cast(int, d.as_tuple().exponent) < -2 and d != d.quantize(_CENT):
        return AmountProblem("precision", "超过两位小数（单位：元，精确到分）")
    return _Yuan(d)


def _text_amount(raw: str) -> _Yuan | AmountProblem:
    if _AMOUNT.fullmatch(raw):  # the common case: ASCII, nothing to trim
        return _Yuan(raw.replace(",", "") if "," in raw else raw)
    s = raw.translate(_FULLWIDTH).strip()
    if _AMOUNT.fullmatch(s):
        return _Yuan(s.replace(",", ""))
    folded = s.casefold()
    if folded.lstrip("+-") in _NONFINITE:
        return AmountProblem("nonfinite", "不是有限数字")
    if not s:
        return AmountProblem("unreadable", "是空文本")
    if s[0] in "+-":
        body = s[1:].strip()
        if s[0] == "-" and (_PLAIN.fullmatch(body) or _GROUPED.fullmatch(body)):
            return AmountProblem("negative", "为负数")
        if s[0] == "+":
            return AmountProblem("unreadable", "带有正号：金额不写正负号")
    if _EXPONENT.fullmatch(folded):
        return AmountProblem("unreadable", "是科学计数法：不接受（如 1e3），请写出全部数字")
    m = _PLAIN.fullmatch(s) or _GROUPED.fullmatch(s)
    if m is not None:  # well formed, but too many decimals or digits
        if len((m.group(2) or "").rstrip("0")) > 2:
            return AmountProblem("precision", "超过两位小数（单位：元，精确到分）")
        return AmountProblem("limit", "超过单笔上限 100 亿元（10¹⁰ 元）")
    if "," in s:
        return AmountProblem(
            "unreadable",
            "的逗号不是千位分隔符（千位分隔逗号从个位起每三位一组，小数点用“.”，"
            "如 1,234.50），无法确定金额",
        )
    if s.count(".") > 1:
        return AmountProblem("unreadable", "有多个小数点，无法确定金额")
    return AmountProblem("unreadable", "不是数字（只接受数字、一个小数点和千位分隔逗号）")


def parse_amount(value: Any, *, flat: bool = False) -> _Yuan | AmountProblem:
    """An amount in yuan exactly as written, or why it is not one.

    Text: digits with at most one decimal point and at most two decimals (trailing zeros are
    fine), ``,`` only as a thousands separator in groups of three (``1,234.50``), full-width
    digits, comma and point as their ASCII forms, surrounding white space ignored; no sign, no
    exponent, nothing else. A number: an integer (a JSON number with a fraction, which most
    programs read as a binary float, must be written as text); a :class:`~decimal.Decimal`
    as it is. ``flat`` (a spreadsheet cell) also takes a float, by its shortest repr. Always
    not negative, finite and below :data:`YUAN_LIMIT`.
    """
    if isinstance(value, str):
        return _text_amount(value)
    if isinstance(value, bool):
        return AmountProblem("unreadable", "应为金额（数字或数字文本），实为布尔值")
    if isinstance(value, int):
        if value < 0:
            return AmountProblem("negative", "为负数")
        if value >= YUAN_LIMIT:
            return AmountProblem("limit", "超过单笔上限 100 亿元（10¹⁰ 元）")
        return _Yuan(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return AmountProblem("nonfinite", "不是有限数字")
        if flat or value.is_integer() or value < 0:
            return _amount_of(Decimal(repr(value)), value)
        return AmountProblem(
            "unreadable",
            '是带小数的 JSON 数字：JSON 数字只能写整数元，有角、分时请写成文本，如 "12.50"',
        )
    if isinstance(value, Decimal):
        return _amount_of(value, value)
    return AmountProblem("unreadable", f"应为金额（数字或数字文本），实为 {type(value).__name__}")


def _dec_hook(type_: type, obj: Any) -> Any:
    """msgspec's hook for the custom types of the internal record: amounts."""
    if type_ is _Yuan:
        got = parse_amount(obj)
        if isinstance(got, AmountProblem):
            raise ValueError(got.reason)
        return got
    raise NotImplementedError(f"no decoder for {type_}")


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

_OWNERSHIP_SCHEMA = WithJsonSchema(
    {
        "type": "string",
        "pattern": f"^{_WS}*(?:{'|'.join(OWNERSHIP_ALIASES)}){_WS}*$",
        "description": "public / private, or a Chinese spelling (公立, 非公立, 民营, 社会办 …)",
    }
)
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
    ownership: Annotated[Literal["public", "private"], _OWNERSHIP_SCHEMA] | None = Field(
        default=None, description="public / private (also 公立, 非公立, 民营)"
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

    @field_validator("ownership", mode="before")
    @classmethod
    def _ownership(cls, v: Any) -> Any:
        if isinstance(v, str):
            return OWNERSHIP_ALIASES.get(v.strip(), v)
        return v


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


# --------------------------------------------------------------------------- internal record

# The same contract as Finding, as msgspec structs: decoded in C, no per-record pydantic.


class _PenaltyRec(msgspec.Struct, forbid_unknown_fields=True):
    cases: int = 0
    fine_yuan: _Yuan | None = None
    revoked: list[str] = []


class _HarmRec(msgspec.Struct, forbid_unknown_fields=True):
    deaths: int = 0
    injured: int = 0
    accident_grade: str | None = None
    property_loss_yuan: _Yuan | None = None
    property_loss_serious: bool = False
    group_health_risk: bool = False
    social_impact: bool = False


class _Rec(msgspec.Struct, forbid_unknown_fields=True):
    unit_id: str
    domain: str
    category: str
    unit_name: str | None = None
    ownership: str | None = None
    region: str | None = None
    inspected_on: _dt.date | None = None
    tier: str | None = None
    violations: list[str] = []
    not_applicable: list[str] = []
    penalty: _PenaltyRec | None = None
    referred: bool | None = None
    opinion_issued: bool | None = None
    harm: _HarmRec | None = None


_FIELDS = frozenset(_Rec.__struct_fields__)
_PENALTY_FIELDS = frozenset(_PenaltyRec.__struct_fields__)
_HARM_FIELDS = frozenset(_HarmRec.__struct_fields__)
_LIST_FIELDS = frozenset({"violations", "not_applicable", "revoked"})
_LIST_SPLIT = re.compile(r"[;；]")


class RawRecord(NamedTuple):
    """A record as read: where it is (file, 1-based line or row, 0-based ``seq`` in the file)
    and its value.

    ``value`` is whatever the file held there (a dict for valid-looking input); for JSON Lines
    it is already a decoded internal record when msgspec accepted it. A line that is not JSON at
    all is a :class:`Unparsable`.
    """

    file: str | None
    line: int | None
    seq: int
    value: Any


@dataclass(frozen=True)
class Unparsable:
    """A line or element that could not be decoded; ``reason`` says why."""

    reason: str


# --------------------------------------------------------------------------- slow path


@dataclass(frozen=True)
class FieldProblem:
    """A problem with one field of one record, before any ruleset is consulted."""

    code: str
    field: str | None
    message: str
    severity: Literal["error", "warning"] = "error"


_TRUE = frozenset({"true", "1", "yes", "y", "是", "对", "√", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "否", "不", "×", "f", ""})


class FlatRow(dict[str, Any]):
    """A record read from a flat file (CSV, XLSX): its cells are text or spreadsheet values,
    so the flat coercions apply (是/否, ``;``-separated lists, numbers as text, ids typed as
    numbers). Any other mapping is a JSON-shaped record and is held to the schema's types."""


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        key = value.strip().casefold()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
    return None


def as_int(value: Any) -> int | None:
    """A whole number as a findings or census cell holds it (int, integral float, digit text),
    else ``None`` (a bool is not a number here)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)  # spreadsheets store every number as a double
    if isinstance(value, str):
        s = value.strip()
        try:
            if re.fullmatch(r"[+-]?[0-9]+", s):
                return int(s)
            if re.fullmatch(r"[+-]?[0-9]+\.0*", s):
                return int(s.split(".")[0])
        except ValueError:  # more digits than int() takes
            return None
    return None


def _json_int(value: Any) -> int | None:
    """An integer as JSON Schema has it: an int, or a float without a fraction (``3.0``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _as_list(value: Any, flat: bool) -> list[str] | None:
    """A list of texts, each trimmed, blank ones left out; a flat cell splits on ``;``."""
    if flat and value is None:
        return []
    if flat and isinstance(value, str):
        return [p.strip() for p in _LIST_SPLIT.split(value) if p.strip()]
    if isinstance(value, list | tuple):
        out = []
        for v in value:
            if not isinstance(v, str):
                return None
            if v.strip():
                out.append(v.strip())
        return out
    return None


def _as_str(value: Any, flat: bool) -> str | None:
    if isinstance(value, str):
        return value.strip()
    if flat and isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # an id or region code that a spreadsheet turned into a number
    return None


_REGION = re.compile(r"[0-9]{6}")


def _as_date(value: Any, flat: bool) -> _dt.date | None:
    if isinstance(value, _dt.datetime):
        return value.date() if flat else None  # a spreadsheet's date cell carries a time
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        s = value.strip() if flat else value
        if _ISO_DATE.fullmatch(s):
            try:
                return _dt.date.fromisoformat(s)
            except ValueError:
                return None
    return None


def _absent(value: Any, flat: bool) -> bool:
    """A value that means "not given": ``None``; in a flat file also an empty cell."""
    return value is None or (flat and value == "")


def _present(raw: Mapping[str, Any], key: str, flat: bool) -> bool:
    """Whether a field that is not nullable is given (``null`` is a wrong value in JSON)."""
    return key in raw and not (flat and _absent(raw[key], flat))


def coerce_record(
    value: Any, *, flat: bool | None = None, partial: bool = False
) -> tuple[_Rec | None, list[FieldProblem]]:
    """Turn any decoded value into an internal record, naming every field problem.

    The slow path: used for flat files, for Python dicts and models, and for JSON records that
    msgspec's typed decode refused or that need trimming. ``flat`` (default: whether ``value``
    is a :class:`FlatRow`) selects the flat coercions; otherwise the types are the published
    schema's. Returns ``None`` when any problem is an error — unless ``partial``: then the
    record is returned without its bad fields whenever its unit, domain and category are
    usable, so that the ruleset's checks can report their problems too.
    """
    if isinstance(value, _Rec):
        value = _rec_dict(value)
    if isinstance(value, Unparsable):
        return None, [FieldProblem("F001", None, f"无法解析的记录：{value.reason}")]
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="python", exclude_none=True)
    if not isinstance(value, Mapping):
        return None, [
            FieldProblem("F001", None, f"记录应为对象（字段名: 值），实为 {type(value).__name__}")
        ]
    if flat is None:
        flat = isinstance(value, FlatRow)
    probs: list[FieldProblem] = []
    out: dict[str, Any] = {}

    def bad(field: str, what: str, got: Any) -> None:
        probs.append(FieldProblem("F003", field, f"字段 {field} 应为{what}，实为 {preview(got)}"))

    _unknown(value, _FIELDS, "", flat, probs)
    usable = True
    for req in ("unit_id", "domain", "category"):
        raw = value.get(req)
        s = None if raw is None else _as_str(raw, flat)
        if raw is not None and s is None:
            bad(req, "文本", raw)
            usable = False
        elif not s:
            # empty, or only white space (U+3000 too): no identity, no reference
            what = f"缺少必填字段 {req}" if raw is None else f"必填字段 {req} 为空（{raw!r}）"
            probs.append(FieldProblem("F002", req, what))
            usable = False
        else:
            out[req] = s
    for opt in ("unit_name", "tier"):
        raw = value.get(opt)
        if _absent(raw, flat):
            continue
        s = _as_str(raw, flat)
        if s is None:
            bad(opt, "文本", raw)
        elif s:
            out[opt] = s
    raw = value.get("ownership")
    if not _absent(raw, flat):
        own = OWNERSHIP_ALIASES.get(raw.strip()) if isinstance(raw, str) else None
        if own is None:
            probs.append(
                FieldProblem(
                    "F007",
                    "ownership",
                    f"所有制 {raw!r} 无效：应为 public（公立）或 private（非公立、民营）",
                )
            )
        else:
            out["ownership"] = own
    raw = value.get("region")
    if not _absent(raw, flat):
        s = _as_str(raw, flat) if flat else raw if isinstance(raw, str) else None
        if s is None or not _REGION.fullmatch(s):
            probs.append(FieldProblem("F005", "region", f"地区代码 {raw!r} 应为6位行政区划代码"))
        else:
            out["region"] = s
    raw = value.get("inspected_on")
    if not _absent(raw, flat):
        day = _as_date(raw, flat)
        if day is None:
            probs.append(
                FieldProblem(
                    "F006", "inspected_on", f"检查日期 {raw!r} 应为 ISO 日期（YYYY-MM-DD）"
                )
            )
        else:
            out["inspected_on"] = day
    for lf in ("violations", "not_applicable"):
        if lf not in value:
            continue
        items = _as_list(value[lf], flat)
        if items is None:
            what = "文本列表（或以 ; 分隔的文本）" if flat else "文本列表"
            bad(lf, what, value[lf])
        else:
            out[lf] = items
    for bf in ("referred", "opinion_issued"):
        raw = value.get(bf)
        if _absent(raw, flat):
            continue
        b = _as_bool(raw) if flat else raw if isinstance(raw, bool) else None
        if b is None:
            bad(bf, "是/否（true/false）" if flat else "true 或 false", raw)
        else:
            out[bf] = b
    raw = value.get("penalty")
    if raw is not None:
        pen = _coerce_penalty(raw, flat, probs)
        if pen is not None:
            out["penalty"] = pen
    raw = value.get("harm")
    if raw is not None:
        harm = _coerce_harm(raw, flat, probs)
        if harm is not None:
            out["harm"] = harm
    if not usable or (not partial and any(p.severity == "error" for p in probs)):
        return None, probs
    return _Rec(**out), probs


def _unknown(
    value: Mapping[Any, Any],
    known: frozenset[str],
    prefix: str,
    flat: bool,
    probs: list[FieldProblem],
) -> None:
    """Fields the contract does not have: a warning for a flat file's extra column (a 备注
    column is layout), an error for a JSON record (a misspelt field would lose its data)."""
    for key in value:
        if key in known:
            continue
        name = f"{prefix}{key}"
        if flat:
            probs.append(FieldProblem("F004", name, f"未知字段 {name}，已忽略", severity="warning"))
        else:
            probs.append(
                FieldProblem("F008", name, f"未知字段 {name}：JSON 记录只能有契约中的字段")
            )


def _amount_field(
    raw: Any, flat: bool, field: str, probs: list[FieldProblem], codes: Mapping[str, str]
) -> _Yuan | None:
    got = parse_amount(raw, flat=flat)
    if isinstance(got, AmountProblem):
        what = "罚没款" if field == "penalty.fine_yuan" else "财产损失"
        probs.append(FieldProblem(codes[got.kind], field, f"{what} {raw!r} {got.reason}"))
        return None
    return got


FINE_CODES: Mapping[str, str] = {
    "unreadable": "F050",
    "negative": "F051",
    "nonfinite": "F052",
    "precision": "F053",
    "limit": "F064",
}
"""The problem code of each kind of :class:`AmountProblem` in ``penalty.fine_yuan``."""
_LOSS_CODES = dict.fromkeys(FINE_CODES, "F061")


def _coerce_penalty(raw: Any, flat: bool, probs: list[FieldProblem]) -> _PenaltyRec | None:
    if isinstance(raw, BaseModel):
        raw = raw.model_dump(mode="python")
    if not isinstance(raw, Mapping):
        probs.append(FieldProblem("F003", "penalty", f"字段 penalty 应为对象，实为 {raw!r}"))
        return None
    out: dict[str, Any] = {}
    _unknown(raw, _PENALTY_FIELDS, "penalty.", flat, probs)
    if _present(raw, "cases", flat):
        c = raw["cases"]
        n = as_int(c) if flat else _json_int(c)
        if n is None:
            probs.append(
                FieldProblem("F003", "penalty.cases", f"查处案件数应为非负整数，实为 {c!r}")
            )
        elif n < 0:
            probs.append(FieldProblem("F054", "penalty.cases", f"查处案件数 {n} 为负数"))
        else:
            out["cases"] = n
    if _present(raw, "fine_yuan", flat):
        d = _amount_field(raw["fine_yuan"], flat, "penalty.fine_yuan", probs, FINE_CODES)
        if d is not None:
            out["fine_yuan"] = d
    if "revoked" in raw:
        r = _as_list(raw["revoked"], flat)
        if r is None:
            probs.append(
                FieldProblem("F003", "penalty.revoked", "字段 penalty.revoked 应为文本列表")
            )
        else:
            out["revoked"] = r
    return _PenaltyRec(**out)


def _coerce_harm(raw: Any, flat: bool, probs: list[FieldProblem]) -> _HarmRec | None:
    if isinstance(raw, BaseModel):
        raw = raw.model_dump(mode="python")
    if not isinstance(raw, Mapping):
        probs.append(FieldProblem("F003", "harm", f"字段 harm 应为对象，实为 {raw!r}"))
        return None
    out: dict[str, Any] = {}
    _unknown(raw, _HARM_FIELDS, "harm.", flat, probs)
    for key in ("deaths", "injured"):
        if not _present(raw, key, flat):
            continue
        v = raw[key]
        n = as_int(v) if flat else _json_int(v)
        if n is None or n < 0:
            probs.append(
                FieldProblem("F061", f"harm.{key}", f"harm.{key} 应为非负整数，实为 {v!r}")
            )
        else:
            out[key] = n
    g = raw.get("accident_grade")
    if not _absent(g, flat):
        s = _as_str(g, flat)
        if s is None or s not in ACCIDENT_GRADES:
            probs.append(
                FieldProblem(
                    "F062",
                    "harm.accident_grade",
                    f"医疗事故等级 {g!r} 无效：应为一级、二级、三级或四级",
                )
            )
        else:
            out["accident_grade"] = s
    v = raw.get("property_loss_yuan")
    if not _absent(v, flat):
        d = _amount_field(v, flat, "harm.property_loss_yuan", probs, _LOSS_CODES)
        if d is not None:
            out["property_loss_yuan"] = d
    for key in ("property_loss_serious", "group_health_risk", "social_impact"):
        if not _present(raw, key, flat):
            continue
        v = raw[key]
        b = _as_bool(v) if flat else v if isinstance(v, bool) else None
        if b is None:
            probs.append(FieldProblem("F003", f"harm.{key}", f"harm.{key} 应为是/否，实为 {v!r}"))
        else:
            out[key] = b
    return _HarmRec(**out)


def _rec_dict(rec: _Rec) -> dict[str, Any]:
    """A decoded record as the mapping it came from (absent fields left out)."""
    out: dict[str, Any] = {}
    for name in rec.__struct_fields__:
        v = getattr(rec, name)
        if isinstance(v, msgspec.Struct):
            v = {k: getattr(v, k) for k in v.__struct_fields__ if getattr(v, k) is not None}
        if v is not None:
            out[name] = v
    return out


def _trimmed(s: str) -> bool:
    return bool(s) and not s[0].isspace() and not s[-1].isspace()


def needs_coerce(rec: _Rec) -> bool:
    """Whether a record that msgspec decoded must still go through :func:`coerce_record`:
    text to trim, a blank id or reference, a code that is not canonical, a negative count —
    anything the typed decode lets through that the contract refuses or normalises."""
    if not (_trimmed(rec.unit_id) and _trimmed(rec.domain) and _trimmed(rec.category)):
        return True
    for opt in (rec.unit_name, rec.tier):
        if opt is not None and not _trimmed(opt):
            return True
    if rec.ownership is not None and rec.ownership not in OWNERSHIP_ALIASES:
        return True
    if rec.region is not None and not (rec.region.isascii() and _REGION.fullmatch(rec.region)):
        return True
    for items in (rec.violations, rec.not_applicable):
        for s in items:
            if not _trimmed(s):
                return True
    pen = rec.penalty
    if pen is not None:
        if pen.cases < 0:
            return True
        for s in pen.revoked:
            if not _trimmed(s):
                return True
    harm = rec.harm
    return harm is not None and (
        harm.deaths < 0
        or harm.injured < 0
        or (harm.accident_grade is not None and harm.accident_grade not in ACCIDENT_GRADES)
    )


# --------------------------------------------------------------------------- readers


def detect_format(path: str | Path) -> str:
    """The format of a findings file, from its extension (``.json`` is sniffed)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    if suffix == ".json":
        with p.open("rb") as f:
            head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        return "json" if head.startswith(b"[") else "jsonl"
    raise UsageError(f"无法识别文件格式：{p}（支持 .jsonl .json .yaml .yml .csv .xlsx）")


@dataclass
class FileInfo:
    """Filled in by a reader as it goes: the file's SHA-256 and its record count."""

    path: str
    sha256: str | None = None
    records: int = 0
    size: int = 0
    done: int = 0  # bytes consumed so far, for progress bars


_DECODER = msgspec.json.Decoder(_Rec, dec_hook=_dec_hook)
_ANY_DECODER = msgspec.json.Decoder()
_CHUNK = 1 << 20


def read_records(
    source: str | os.PathLike[str], *, format: str | None = None, info: FileInfo | None = None
) -> Iterator[RawRecord]:
    """Stream the records of one findings file, each with its line or row number.

    ``info`` (optional) receives the SHA-256 and the count when the stream is exhausted.
    """
    path = Path(source)
    if not path.is_file():
        raise FindingsReadError(f"找不到检查结果文件：{path}")
    fmt = format or detect_format(path)
    if info is None:
        info = FileInfo(str(source))
    info.size = path.stat().st_size
    readers = {
        "jsonl": _read_jsonl,
        "json": _read_json,
        "yaml": _read_yaml,
        "csv": _read_csv,
        "xlsx": _read_xlsx,
    }
    if fmt not in readers:
        raise UsageError(f"未知的检查结果格式：{fmt}（可用：{'、'.join(FORMATS)}）")
    return readers[fmt](path, info)


def jsonl_chunks(path: Path, info: FileInfo) -> Iterator[list[bytes]]:
    """The lines of a JSON Lines file, a megabyte at a time (for the aggregate hot loop).

    Reads big chunks and splits lines; a helper thread hashes the same chunks meanwhile
    (hashlib releases the GIL, so the audit digest costs the caller no time on a second core).
    Every line is yielded, blank ones too, so the caller can count line numbers;
    ``info.sha256`` is set when the file is exhausted.
    """
    digest = hashlib.sha256()
    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=8)

    def hasher() -> None:
        while (chunk := chunks.get()) is not None:
            digest.update(chunk)

    worker = threading.Thread(target=hasher, name="spotcheck-sha256", daemon=True)
    worker.start()
    tail = b""
    try:
        with path.open("rb") as f:
            while True:
                chunk = f.read(_CHUNK)
                if not chunk:
                    break
                chunks.put(chunk)
                info.done += len(chunk)
                lines = (tail + chunk).split(b"\n")
                tail = lines.pop()
                yield lines
            if tail:
                yield [tail]
    finally:
        chunks.put(None)
        worker.join()
    info.sha256 = digest.hexdigest()


def jsonl_range(
    path: Path,
    start: int,
    end: int | None,
    info: FileInfo | None = None,
    digest: Callable[[bytes], object] | None = None,
) -> Iterator[list[bytes]]:
    """The lines of the bytes ``start`` to ``end`` (end of file if ``None``) of a JSON Lines
    file, a megabyte at a time, as :func:`jsonl_chunks` yields them but hashed only if
    ``digest`` (a hash's ``update``) is given, in this thread. ``start`` and ``end`` are line
    boundaries (0, the end, or just after a newline). ``info.done`` counts the bytes read."""
    tail = b""
    with path.open("rb") as f:
        f.seek(start)
        left = -1 if end is None else end - start
        while left:
            chunk = f.read(_CHUNK if left < 0 else min(_CHUNK, left))
            if not chunk:
                break
            if left > 0:
                left -= len(chunk)
            if info is not None:
                info.done += len(chunk)
            if digest is not None:
                digest(chunk)
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            yield lines
        if tail:
            yield [tail]


def count_lines(path: Path, end: int, digest: Callable[[bytes], object] | None = None) -> int:
    """How many newlines the first ``end`` bytes of a file hold; ``digest`` (a hash's
    ``update``), if given, is fed those bytes on the way."""
    n = 0
    with path.open("rb") as f:
        left = end
        while left > 0:
            chunk = f.read(min(_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            n += chunk.count(b"\n")
            if digest is not None:
                digest(chunk)
    return n


def sha256_async(path: Path) -> Callable[[], str]:
    """Start hashing a whole file on a helper thread (reads and hashlib release the GIL);
    returns the function that waits for the hex digest."""
    digest = hashlib.sha256()
    failed: list[BaseException] = []

    def hasher() -> None:
        try:
            with path.open("rb") as f:
                while chunk := f.read(_CHUNK):
                    digest.update(chunk)
        except BaseException as exc:  # re-raised by the caller's wait
            failed.append(exc)

    worker = threading.Thread(target=hasher, name="spotcheck-sha256", daemon=True)
    worker.start()

    def wait() -> str:
        worker.join()
        if failed:
            raise failed[0]
        return digest.hexdigest()

    return wait


def decode_line(line: bytes, lineno: int) -> Any:
    """Decode one JSON Lines line that the typed decoder refused; ``None`` for a blank line."""
    if not line.strip():
        return None
    return _decode_any(line, lineno == 1)


def _read_jsonl(path: Path, info: FileInfo) -> Iterator[RawRecord]:
    # Per-line msgspec decode into the typed struct beats batching lines into one array.
    name = info.path
    decode = _DECODER.decode
    lineno = 0
    index = 0
    for lines in jsonl_chunks(path, info):
        for line in lines:
            lineno += 1
            try:
                rec: Any = decode(line)
            except msgspec.DecodeError:
                rec = decode_line(line, lineno)
                if rec is None:
                    continue
            yield RawRecord(name, lineno, index, rec)
            index += 1
    info.records = index


def _decode_any(line: bytes, first: bool) -> Any:
    if first and line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]  # a BOM that an editor put before the first record
        try:
            return _DECODER.decode(line)
        except msgspec.DecodeError:
            pass
    try:
        value = _ANY_DECODER.decode(line)
    except RecursionError:
        return Unparsable(f"JSON {DEPTH.message()}")
    except msgspec.DecodeError as exc:
        return Unparsable(f"不是合法的 JSON：{exc}")
    if json_depth(value, DEPTH.value()) is not None:
        return Unparsable(f"JSON {DEPTH.message()}")
    return value


def _read_json(path: Path, info: FileInfo) -> Iterator[RawRecord]:
    data = path.read_bytes()
    info.sha256 = hashlib.sha256(data).hexdigest()
    info.done = len(data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        values: list[Any] = list(msgspec.json.decode(data, type=list[_Rec], dec_hook=_dec_hook))
    except (msgspec.DecodeError, RecursionError):
        decoded = load_json(data, info.path, FindingsReadError, code="F001")
        if not isinstance(decoded, list):
            raise FindingsReadError(
                f"{path}：JSON 文件应为记录数组（[...]）或每行一条记录"
            ) from None
        values = decoded
    info.records = len(values)
    # A JSON array has no line per record; the record is located by its index (pointer /N).
    for i, v in enumerate(values):
        yield RawRecord(info.path, None, i, v)


def _read_yaml(path: Path, info: FileInfo) -> Iterator[RawRecord]:
    from ..ruleset.documents import read_yaml

    data = path.read_bytes()
    info.sha256 = hashlib.sha256(data).hexdigest()
    info.done = len(data)
    try:
        doc = read_yaml(path)
    except SpotcheckError as exc:
        raise FindingsReadError(f"{path}：无法读取 YAML", exc.problems) from exc
    if doc.data is None:
        values: list[Any] = []
    elif isinstance(doc.data, list):
        values = doc.data
    else:
        raise FindingsReadError(f"{path}：YAML 文件应为记录列表（- unit_id: …）")
    info.records = len(values)
    for i, v in enumerate(values):
        line, _ = doc.locate(f"/{i}")
        yield RawRecord(info.path, line, i, v)


# Flat files: penalty and harm fields are top-level columns (also accepted as penalty.cases).
_FLAT_NESTED = {
    **{k: ("penalty", k) for k in _PENALTY_FIELDS},
    **{f"penalty.{k}": ("penalty", k) for k in _PENALTY_FIELDS},
    **{k: ("harm", k) for k in _HARM_FIELDS},
    **{f"harm.{k}": ("harm", k) for k in _HARM_FIELDS},
}


def _unflatten(row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = FlatRow()
    for raw_key, value in row.items():
        if raw_key is None:
            continue
        key = str(raw_key).strip()
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, str):
            value = value.strip()
        nested = _FLAT_NESTED.get(key)
        if nested is not None:
            out.setdefault(nested[0], {})[nested[1]] = value
        else:
            out[key] = value
    return out


def _flat_records(rows: Iterator[Row], info: FileInfo) -> Iterator[RawRecord]:
    """Records from flat rows (the first is the header). A row that cannot be trusted as read
    (see :mod:`spotcheck_rules.findings.rows`) is a located :class:`Unparsable` record: rejected,
    never dropped, never half-read."""
    header = next(rows, None)
    if header is None:
        info.records = 0
        return
    names = [str(h).strip() if h is not None else "" for h in header.cells]
    _check_header(names, info.path, header.line)
    index = 0
    for row in rows:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row.cells):
            continue  # a blank row is layout, not a record
        value: Any
        if row.problems:
            value = Unparsable("第 " + str(row.line) + " 行" + "；".join(row.problems))
        else:
            value = _unflatten({n: v for n, v in zip(names, row.cells, strict=False) if n})
        yield RawRecord(info.path, row.line, index, value)
        index += 1
    info.records = index


def _check_header(names: list[str], file: str, line: int) -> None:
    """Two columns for one field (``cases`` and ``penalty.cases``, or the same name twice)
    would keep one value and drop the other: refuse the file, naming both columns."""
    seen: dict[tuple[str, str] | str, int] = {}
    problems = []
    for i, name in enumerate(names):
        if not name:
            continue
        key = _FLAT_NESTED.get(name, name)
        # A whole-object column (penalty, harm) and a column of one of its fields fill the
        # same object: they clash too.
        clash: list[tuple[str, str] | str] = [key[0]] if isinstance(key, tuple) else []
        if key in ("penalty", "harm"):
            clash = [k for k in seen if isinstance(k, tuple) and k[0] == key]
        other = seen.get(key, next((seen[k] for k in clash if k in seen), None))
        if other is not None:
            msg = f"列“{name}”（第 {i + 1} 列）与第 {other + 1} 列写入同一字段，只能有其中一列"
            problems.append(Problem("F009", msg, file=file, line=line, column=i + 1))
        else:
            seen[key] = i
    if problems:
        raise FindingsReadError(f"{file}：表头有重复的列", problems)


def _read_csv(path: Path, info: FileInfo) -> Iterator[RawRecord]:
    data = path.read_bytes()
    info.sha256 = hashlib.sha256(data).hexdigest()
    info.done = len(data)
    try:
        text = data.decode("utf-8-sig")  # Excel writes a BOM
    except UnicodeDecodeError as exc:
        raise FindingsReadError(f"{path}：CSV 文件应为 UTF-8 编码（{exc}）") from exc
    yield from _flat_records(iter_csv(text, info.path, FindingsReadError, "F009"), info)


def _read_xlsx(path: Path, info: FileInfo) -> Iterator[RawRecord]:
    data = path.read_bytes()
    info.sha256 = hashlib.sha256(data).hexdigest()
    info.done = len(data)
    yield from _flat_records(iter_xlsx(data, info.path, FindingsReadError, "F009"), info)


def iter_values(findings: Iterable[Any], name: str = "<input>") -> Iterator[RawRecord]:
    """Records from an iterable of dicts or :class:`Finding` models (the Python API)."""
    for i, v in enumerate(findings):
        yield RawRecord(name, None, i, v)


# --------------------------------------------------------------------------- census


def read_census(source: str | Path | Iterable[Any]) -> list[RawRecord]:
    """The census entries of a file (CSV, JSON, YAML) or an iterable of dicts, unvalidated.

    A census has one line per category, so it is small and read whole.
    """
    if not isinstance(source, str | Path):
        return list(iter_values(source, "<census>"))
    path = Path(source)
    if not path.is_file():
        raise FindingsReadError(f"找不到辖区单位数文件：{path}")
    fmt = detect_format(path)
    if fmt == "xlsx":
        return list(_read_xlsx(path, FileInfo(str(source))))
    if fmt == "jsonl":
        # A census .json that is a single object {domain: {category: units}} is not accepted;
        # it must be a list. Let JSON Lines through the generic reader.
        out = []
        for r in _read_jsonl(path, FileInfo(str(source))):
            v = r.value
            if isinstance(v, _Rec):
                v = msgspec.structs.asdict(v)
            out.append(RawRecord(r.file, r.line, r.seq, v))
        return out
    return list(read_records(path, format=fmt))

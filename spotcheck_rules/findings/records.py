"""Findings records as the readers hold them: the internal msgspec structs (``_Rec``), the
record as read (:class:`RawRecord`, :class:`Unparsable`) and the slow path that coerces and
checks one record field by field (:func:`coerce_record`).

The structs have the shape of the published contract (:mod:`.models`): msgspec checks the types
in C, and only a record it rejects (or one :func:`needs_coerce` flags) takes the slow path, which
walks the fields one by one and names every problem with a stable code.

One contract on every path: a JSON-shaped record (JSON Lines, JSON, YAML, a dict) is held to
the published schema's types; a flat file's row (:class:`FlatRow`, CSV and XLSX) also gets the
flat coercions (是/否, ``;``-separated lists, number cells); every amount is read by
:func:`~.money.parse_amount` (also msgspec's decode hook), so the fast and the detailed path agree.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import msgspec
from pydantic import (
    BaseModel,
)

from ..core.text import preview
from ..ruleset.domains import Vocabulary
from .models import _ISO_DATE
from .money import AmountProblem, _Yuan, parse_amount
from .rules.fields import (
    ACCIDENT_GRADE,
    FIELD_TYPE,
    FINE_RULES,
    HARM_NUMBER,
    ISO_DATE,
    NEGATIVE_CASES,
    OWNERSHIP,
    REGION,
    REQUIRED,
    UNKNOWN_COLUMN,
    UNKNOWN_FIELD,
    UNPARSABLE,
)
from .rules.labtests import UNKNOWN_TEST

__all__ = [
    "FieldProblem",
    "FlatRow",
    "RawRecord",
    "Unparsable",
    "as_int",
    "coerce_record",
    "is_trimmed",
    "needs_coerce",
]

# --------------------------------------------------------------------------- internal record

# The same contract as Finding, as msgspec structs: decoded in C, no per-record pydantic.
# ``gc=False``: decoded JSON holds no reference cycles, so the collector need not track a
# million records a run (msgspec's own advice; 2% of the hot loop, measured).


class _PenaltyRec(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    cases: int = 0
    fine_yuan: _Yuan | None = None
    revoked: list[str] = []


class _HarmRec(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    deaths: int = 0
    injured: int = 0
    accident_grade: str | None = None
    property_loss_yuan: _Yuan | None = None
    property_loss_serious: bool = False
    group_health_risk: bool = False
    social_impact: bool = False


class _Rec(msgspec.Struct, forbid_unknown_fields=True, gc=False):
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
    tests: dict[str, bool] = {}


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
    value: Any,
    *,
    flat: bool | None = None,
    partial: bool = False,
    ownership: Vocabulary | None = None,
) -> tuple[_Rec | None, list[FieldProblem]]:
    """Turn any decoded value into an internal record, naming every field problem.

    The slow path: used for flat files, for Python dicts and models, and for JSON records that
    msgspec's typed decode refused or that need trimming. ``flat`` (default: whether ``value``
    is a :class:`FlatRow`) selects the flat coercions; otherwise the types are the published
    schema's. Returns ``None`` when any problem is an error — unless ``partial``: then the
    record is returned without its bad fields whenever its unit, domain and category are
    usable, so that the ruleset's checks can report their problems too.

    ``ownership``: the words an ownership may be before the record's domain is known (the
    union of every known domain's, :attr:`~spotcheck_rules.ruleset.domains.DomainCatalogue.ownership`);
    by default any text. The word is kept as written (trimmed): the checker reads it with the
    vocabulary of the record's domain once that resolves.
    """
    if isinstance(value, _Rec):
        value = _rec_dict(value)
    if isinstance(value, Unparsable):
        return None, [FieldProblem(UNPARSABLE.code, None, UNPARSABLE.explain(value.reason))]
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="python", exclude_none=True)
    if not isinstance(value, Mapping):
        return None, [FieldProblem(UNPARSABLE.code, None, UNPARSABLE.not_an_object(value))]
    if flat is None:
        flat = isinstance(value, FlatRow)
    probs: list[FieldProblem] = []
    out: dict[str, Any] = {}

    def bad(field: str, what: str, got: Any) -> None:
        probs.append(FieldProblem(FIELD_TYPE.code, field, FIELD_TYPE.explain(field, what, got)))

    _unknown(value, _FIELDS, "", flat, probs)
    usable = True
    for req in REQUIRED.fields:
        raw = value.get(req)
        s = None if raw is None else _as_str(raw, flat)
        if raw is not None and s is None:
            bad(req, "文本", raw)
            usable = False
        elif s is None or not REQUIRED.accepts(s):
            probs.append(FieldProblem(REQUIRED.code, req, REQUIRED.explain(req, raw)))
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
        s = _as_str(raw, flat)
        if s is None:
            bad("ownership", "文本", raw)
        elif not s or (ownership is not None and OWNERSHIP.canonical(s, ownership) is None):
            words = ownership or Vocabulary(())
            probs.append(FieldProblem(OWNERSHIP.code, "ownership", OWNERSHIP.explain(raw, words)))
        else:
            out["ownership"] = s
    raw = value.get("region")
    if not _absent(raw, flat):
        s = _as_str(raw, flat) if flat else raw if isinstance(raw, str) else None
        if s is None or not REGION.accepts(s):
            probs.append(FieldProblem(REGION.code, "region", REGION.explain(raw)))
        else:
            out["region"] = s
    raw = value.get("inspected_on")
    if not _absent(raw, flat):
        day = _as_date(raw, flat)
        if day is None:
            probs.append(FieldProblem(ISO_DATE.code, "inspected_on", ISO_DATE.explain(raw, flat)))
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
    raw = value.get("tests")
    if not _absent(raw, flat):
        tests = _coerce_tests(raw, flat, probs)
        if tests:
            out["tests"] = tests
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
            probs.append(
                FieldProblem(
                    UNKNOWN_COLUMN.code, name, UNKNOWN_COLUMN.explain(name), severity="warning"
                )
            )
        else:
            probs.append(FieldProblem(UNKNOWN_FIELD.code, name, UNKNOWN_FIELD.explain(name)))


def _amount_field(raw: Any, flat: bool, field: str, probs: list[FieldProblem]) -> _Yuan | None:
    got = parse_amount(raw, flat=flat)
    if isinstance(got, AmountProblem):
        shown = preview(raw)
        if field == "penalty.fine_yuan":
            rule = FINE_RULES[got.kind]
            probs.append(FieldProblem(rule.code, field, rule.explain(shown, got.reason)))
        else:
            msg = HARM_NUMBER.not_an_amount(shown, got.reason)
            probs.append(FieldProblem(HARM_NUMBER.code, field, msg))
        return None
    return got


def _coerce_penalty(raw: Any, flat: bool, probs: list[FieldProblem]) -> _PenaltyRec | None:
    if isinstance(raw, BaseModel):
        raw = raw.model_dump(mode="python")
    if not isinstance(raw, Mapping):
        probs.append(
            FieldProblem(FIELD_TYPE.code, "penalty", FIELD_TYPE.explain("penalty", "对象", raw))
        )
        return None
    out: dict[str, Any] = {}
    _unknown(raw, _PENALTY_FIELDS, "penalty.", flat, probs)
    if _present(raw, "cases", flat):
        c = raw["cases"]
        n = as_int(c) if flat else _json_int(c)
        if n is None:
            probs.append(FieldProblem(FIELD_TYPE.code, "penalty.cases", FIELD_TYPE.not_a_count(c)))
        elif not NEGATIVE_CASES.accepts(n):
            msg = NEGATIVE_CASES.explain(n)
            probs.append(FieldProblem(NEGATIVE_CASES.code, "penalty.cases", msg))
        else:
            out["cases"] = n
    if _present(raw, "fine_yuan", flat):
        d = _amount_field(raw["fine_yuan"], flat, "penalty.fine_yuan", probs)
        if d is not None:
            out["fine_yuan"] = d
    if "revoked" in raw:
        r = _as_list(raw["revoked"], flat)
        if r is None:
            msg = FIELD_TYPE.not_a_list("penalty.revoked")
            probs.append(FieldProblem(FIELD_TYPE.code, "penalty.revoked", msg))
        else:
            out["revoked"] = r
    return _PenaltyRec(**out)


def _coerce_harm(raw: Any, flat: bool, probs: list[FieldProblem]) -> _HarmRec | None:
    if isinstance(raw, BaseModel):
        raw = raw.model_dump(mode="python")
    if not isinstance(raw, Mapping):
        probs.append(FieldProblem(FIELD_TYPE.code, "harm", FIELD_TYPE.explain("harm", "对象", raw)))
        return None
    out: dict[str, Any] = {}
    _unknown(raw, _HARM_FIELDS, "harm.", flat, probs)
    for key in ("deaths", "injured"):
        if not _present(raw, key, flat):
            continue
        v = raw[key]
        n = as_int(v) if flat else _json_int(v)
        if n is None or n < 0:
            msg = HARM_NUMBER.not_a_count(key, v)
            probs.append(FieldProblem(HARM_NUMBER.code, f"harm.{key}", msg))
        else:
            out[key] = n
    g = raw.get("accident_grade")
    if not _absent(g, flat):
        s = _as_str(g, flat)
        if s is None or ACCIDENT_GRADE.grade(s) is None:
            msg = ACCIDENT_GRADE.explain(g)
            probs.append(FieldProblem(ACCIDENT_GRADE.code, "harm.accident_grade", msg))
        else:
            out["accident_grade"] = s
    v = raw.get("property_loss_yuan")
    if not _absent(v, flat):
        d = _amount_field(v, flat, "harm.property_loss_yuan", probs)
        if d is not None:
            out["property_loss_yuan"] = d
    for key in ("property_loss_serious", "group_health_risk", "social_impact"):
        if not _present(raw, key, flat):
            continue
        v = raw[key]
        b = _as_bool(v) if flat else v if isinstance(v, bool) else None
        if b is None:
            msg = FIELD_TYPE.not_yes_no(f"harm.{key}", v)
            probs.append(FieldProblem(FIELD_TYPE.code, f"harm.{key}", msg))
        else:
            out[key] = b
    return _HarmRec(**out)


_PASSED = frozenset({"合格", "达标", "pass", "passed"})
_FAILED = frozenset({"不合格", "不达标", "fail", "failed"})
_RESULT_SPLIT = re.compile(r"[=:：]")


def _test_result(value: Any, flat: bool) -> bool | None:
    if isinstance(value, bool):
        return value
    if not flat:
        return None
    key = str(value).strip().casefold()
    if key in _PASSED:
        return True
    if key in _FAILED:
        return False
    return _as_bool(value) if key else None


def _coerce_tests(raw: Any, flat: bool, probs: list[FieldProblem]) -> dict[str, bool] | None:
    """Lab-test results: a mapping test → passed; in a flat cell ``采光照明=合格; 水质=不合格``."""
    if flat and isinstance(raw, str):
        pairs: list[tuple[str, Any]] = []
        for part in _LIST_SPLIT.split(raw):
            if not part.strip():
                continue
            bits = _RESULT_SPLIT.split(part, maxsplit=1)
            pairs.append((bits[0], bits[1] if len(bits) == 2 else ""))
    elif isinstance(raw, Mapping):
        pairs = list(raw.items())
    else:
        what = (
            "检测项目到结果的映射（或“项目=合格; 项目=不合格”）"
            if flat
            else "对象（检测项目: true/false）"
        )
        probs.append(FieldProblem(FIELD_TYPE.code, "tests", FIELD_TYPE.explain("tests", what, raw)))
        return None
    out: dict[str, bool] = {}
    for key, v in pairs:
        ref = key.strip() if isinstance(key, str) else ""
        passed = _test_result(v, flat)
        if not ref or passed is None:
            msg = UNKNOWN_TEST.not_a_result(preview(key), v)
            probs.append(FieldProblem(UNKNOWN_TEST.code, "tests", msg))
            continue
        out[ref] = passed
    return out


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


def is_trimmed(s: str) -> bool:
    """Whether a text needs no trimming and is not empty (what the hot loop may take as is).

    ``str.strip()`` removes exactly what ``str.isspace()`` calls white space, and hands back
    the very object when there is none to remove (a ``str`` subclass gets a copy: then the
    answer is a conservative no). The hot loop spells this test inline."""
    return bool(s) and s.strip() is s


def needs_coerce(rec: _Rec, ownership: Container[str], *, region: bool = True) -> bool:
    """Whether a record that msgspec decoded must still go through :func:`coerce_record`:
    text to trim, a blank id or reference, a code that is not canonical, an ownership that is
    not one of the words ``ownership`` (as written), a negative count — anything the typed
    decode lets through that the contract refuses or normalises. ``region=False`` leaves the
    region out (a caller that reports a malformed one itself)."""
    if not (is_trimmed(rec.unit_id) and is_trimmed(rec.domain) and is_trimmed(rec.category)):
        return True
    for opt in (rec.unit_name, rec.tier):
        if opt is not None and not is_trimmed(opt):
            return True
    if rec.ownership is not None and rec.ownership not in ownership:
        return True
    if region and rec.region is not None and not REGION.accepts(rec.region):
        return True
    for items in (rec.violations, rec.not_applicable, rec.tests):
        for s in items:
            if not is_trimmed(s):
                return True
    pen = rec.penalty
    if pen is not None:
        if pen.cases < 0:
            return True
        for s in pen.revoked:
            if not is_trimmed(s):
                return True
    harm = rec.harm
    return harm is not None and (
        harm.deaths < 0
        or harm.injured < 0
        or (harm.accident_grade is not None and harm.accident_grade not in ACCIDENT_GRADE.grades)
    )

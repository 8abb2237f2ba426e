"""One contract for findings (issue 9, item 5): the published JSON Schema and the library agree.

Hypothesis generates JSON objects, valid and not (wrong types, missing, blank or extra fields,
amounts in every spelling, negative counts, nulls); whenever ``schemas/findings.schema.json``
rejects one, the library rejects it, and the reverse — through the dict path and through the
JSON Lines typed decode alike. Only the fields' own contract is compared: what a ruleset adds
(an unknown category, a date outside the plan's year) is no business of the schema's. The
pydantic model :class:`Finding`, which the schema is generated from, must agree as well.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pydantic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spotcheck_rules import load_ruleset
from spotcheck_rules.findings.models import Finding, findings_json_schema
from spotcheck_rules.findings.readers import _DECODER, decode_line
from spotcheck_rules.findings.records import RawRecord
from spotcheck_rules.findings.validation import CODES, Checker

ROOT = Path(__file__).resolve().parent.parent

# the codes of a record's own fields; every other code needs a ruleset (F007 too: the
# ownership words are the domain's, data in domains.yaml; the schema says only "text")
FIELD_CODES = frozenset(
    {"F001", "F002", "F003", "F004", "F005", "F006", "F008"}
    | {"F050", "F051", "F052", "F053", "F054", "F061", "F062", "F064"}
)

SCHEMA = json.loads((ROOT / "schemas" / "findings.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(
    SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)
CHECKER = Checker(load_ruleset("shanxi/2025"))

_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6)
_SPACE = st.sampled_from(["", " ", "\t", "\u3000", "\u00a0", "\n", "\ufeff", "\u200b"])


def _padded(core: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(_SPACE, core, _SPACE).map("".join)


_ANY_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    _TEXT,
)
_ANY = st.one_of(_ANY_SCALAR, st.lists(_ANY_SCALAR, max_size=2), st.just({"x": 1}))
_NAMES = _padded(st.sampled_from(["U1", "medical", "诊所", "医院", "license", "x", ""]))

_DIGITS = st.text(alphabet="0123456789０１２", min_size=1, max_size=12)
_AMOUNT_TEXT = st.one_of(
    st.builds(
        lambda s, i, f, t: s + i + f + t,
        st.sampled_from(["", "-", "+", " "]),
        st.one_of(_DIGITS, st.sampled_from(["1,234", "12,34", "1,234,567", "9,999,999,999"])),
        st.sampled_from(["", ".5", ".50", ".500", ".505", ",00", ".", "．5", "e3", "E+400"]),
        st.sampled_from(["", " ", "\u3000", "\ufeff"]),
    ),
    st.sampled_from(["NaN", "Infinity", "-inf", "1_000", "١٢", "²", "", " ", "3.000,00"]),
    _TEXT,
)
_AMOUNT = st.one_of(
    _AMOUNT_TEXT,
    st.integers(-5, 10**12),
    st.sampled_from([10**10 - 1, 10**10, 3000.0, 12.5, -1.0, 1e16]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
    st.booleans(),
)
_COUNT = st.one_of(st.integers(-3, 5), st.sampled_from([2.0, 2.5, "2", None, True]))
_DATE = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["2025-02-30", "20250506", "2025-5-6", " 2025-05-06", "2025-W19-2"]),
    st.sampled_from(["２０２５-０５-０６", "2025-05-06T10:00"]),
    _ANY_SCALAR,
)
_REGION = st.one_of(
    st.sampled_from(["140100", "14010", "１４０１００", " 140100", "14010a", ""]),
    st.integers(100000, 999999),
    st.none(),
)
_OWNERSHIP = st.one_of(
    _padded(st.sampled_from(["public", "private", "公立", "民营", "社会办", "Public", "集体"])),
    _ANY_SCALAR,
)
_GRADE = st.one_of(_padded(st.sampled_from(["一级", "四级", "五级", "1", "5", ""])), _ANY_SCALAR)
_LIST = st.one_of(
    st.lists(st.one_of(_NAMES, _TEXT), max_size=3),
    st.lists(_ANY_SCALAR, min_size=1, max_size=2),
    st.just("license;physician"),
    st.none(),
)
_BOOL = st.one_of(st.booleans(), st.none(), st.sampled_from(["yes", "是", 1, 0, "true"]))


def _object(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with any subset of ``fields`` and sometimes an unknown one."""
    return st.fixed_dictionaries({}, optional={**fields, "colour": _ANY_SCALAR, "备注": _TEXT})


_PENALTY = st.one_of(
    _object({"cases": _COUNT, "fine_yuan": _AMOUNT, "revoked": _LIST}),
    _ANY_SCALAR,
)
_HARM = st.one_of(
    _object(
        {
            "deaths": _COUNT,
            "injured": _COUNT,
            "accident_grade": _GRADE,
            "property_loss_yuan": _AMOUNT,
            "property_loss_serious": _BOOL,
            "group_health_risk": _BOOL,
            "social_impact": _BOOL,
        }
    ),
    _ANY_SCALAR,
)
_TEXT_OR_ANY = st.one_of(_NAMES, _NAMES, _ANY)
FINDINGS = st.fixed_dictionaries(
    {},
    optional={
        "unit_id": _TEXT_OR_ANY,
        "domain": _TEXT_OR_ANY,
        "category": _TEXT_OR_ANY,
        "unit_name": _TEXT_OR_ANY,
        "tier": _TEXT_OR_ANY,
        "ownership": _OWNERSHIP,
        "region": _REGION,
        "inspected_on": _DATE,
        "violations": _LIST,
        "not_applicable": _LIST,
        "penalty": _PENALTY,
        "referred": _BOOL,
        "opinion_issued": _BOOL,
        "harm": _HARM,
        "colour": _ANY_SCALAR,
    },
)
# most generated objects are broken in several ways; these are broken in at most one
NEARLY_VALID = st.builds(
    lambda base, extra: {**base, **extra},
    st.fixed_dictionaries({"unit_id": _NAMES, "domain": _NAMES, "category": _NAMES}),
    st.fixed_dictionaries(
        {},
        optional={
            "penalty": _PENALTY,
            "harm": _HARM,
            "inspected_on": _DATE,
            "ownership": _OWNERSHIP,
            "region": _REGION,
            "violations": _LIST,
            "referred": _BOOL,
        },
    ),
)


def _library(value: Any) -> list[tuple[str, str | None]]:
    """The field problems (errors) the checker reports for one record."""
    CHECKER.problems.clear()
    CHECKER.check(RawRecord(None, 1, 0, value))
    return [
        (p.code, p.field)
        for p in CHECKER.problems
        if p.code in FIELD_CODES and CODES[p.code][0].value == "error"
    ]


def _as_jsonl(obj: dict[str, Any]) -> Any:
    """What the JSON Lines reader hands the checker for this object's line."""
    line = json.dumps(obj, ensure_ascii=False).encode()
    try:
        return _DECODER.decode(line)
    except msgspec.DecodeError:
        return decode_line(line, 2)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.one_of(FINDINGS, NEARLY_VALID))
def test_schema_and_library_agree(obj: dict[str, Any]) -> None:
    schema_errors = [
        f"{'/'.join(map(str, e.absolute_path)) or '(record)'}: {e.message}"
        for e in VALIDATOR.iter_errors(obj)
    ]
    from_dict = _library(obj)
    from_line = _library(_as_jsonl(obj))
    assert from_dict == from_line, f"dict path {from_dict} != JSON Lines path {from_line}"
    if schema_errors:
        assert from_dict, f"the schema rejects {obj!r} ({schema_errors}), the library accepts it"
    else:
        assert not from_dict, f"the schema accepts {obj!r}, the library rejects it: {from_dict}"
    # and the model the schema is generated from
    try:
        Finding.model_validate(obj)
        model_errors = []
    except pydantic.ValidationError as exc:
        model_errors = [str(e["loc"]) + ": " + e["msg"] for e in exc.errors()]
    assert bool(model_errors) == bool(schema_errors), (
        f"{obj!r}: the schema says {schema_errors or 'valid'}, Finding says "
        f"{model_errors or 'valid'}"
    )


def test_published_schema_is_the_models() -> None:
    assert findings_json_schema() == {
        k: v for k, v in SCHEMA.items() if k not in ("$schema", "$id")
    }


def _problems(value: Any) -> tuple[object, list[tuple[str, str | None, str, str, str]]]:
    """What a new checker makes of one record (its contribution, whether it was accepted) and
    every problem it reports, in its order, as reported."""
    checker = Checker(CHECKER.ruleset)
    got = checker.check(RawRecord("f.jsonl", 1, 0, value))
    # the domain state is the checker's own object; what the record adds is the rest
    adds = None if got is None else (got[0].domain, *got[1:])
    problems = [(p.code, p.field, p.message, p.severity.value, p.pointer) for p in checker.problems]
    return (adds, checker.accepted), problems


# the ruleset's faults on top of the fields' own: an unknown or unplanned category, a date
# outside the plan's year, an ownership the domain does not have, a malformed region
_RULESET_FAULTS = st.fixed_dictionaries(
    {
        "unit_id": _NAMES,
        "domain": st.sampled_from(["medical", "tcm", "医疗机构", "x"]),
        "category": st.sampled_from(["clinic", "general_hospital", "诊所", "nope"]),
    },
    optional={
        "inspected_on": st.sampled_from(["2025-05-06", "2024-12-31", "2026-01-01"]),
        "ownership": st.sampled_from(["public", "private", "集体", " public"]),
        "region": _REGION,
        "tier": st.sampled_from(["national", "municipal", " national", "x"]),
        "violations": _LIST,
        "unit_name": _NAMES,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_RULESET_FAULTS, NEARLY_VALID))
def test_typed_and_dict_records_have_the_same_problems_in_the_same_order(
    obj: dict[str, Any],
) -> None:
    """A JSON Lines record msgspec decoded and the same object as a dict (which always takes
    the full coercion) get the very same problems, messages and order: the checker's shortcuts
    for typed records (a malformed region among them) must not show."""
    assert _problems(_as_jsonl(obj)) == _problems(obj)

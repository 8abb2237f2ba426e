"""The result of ``aggregate``: the official 汇总表 as typed data, and its JSON contract.

These models are what every output (JSON, CSV, the terminal table, the xlsx in the official
layout) is rendered from, and what ``merge`` reads back for a roll-up (county → city →
province). They are frozen pydantic models so that a result read from JSON is validated the same
way as one built in memory.

The JSON form is a published contract (``schemas/result.schema.json``):

* money is a decimal *string* in 万元 (``"1.2345"``), never a float, so no system on the way can
  round it; counts are integers; a cell whose column does not apply to the row is ``null``;
* the output is byte-for-byte deterministic for the same input: object keys are sorted (their
  order carries no meaning), while ``columns`` and ``rows`` keep table order, which does.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "TOTAL",
    "AggregateResult",
    "InputFile",
    "InputSummary",
    "RulesetRef",
    "SummaryTable",
    "TableColumn",
    "TableRow",
    "exact_decimal",
    "format_money",
    "result_json_schema",
]

TOTAL = "total"
"""The ``category`` of the 合计 row (no category id can clash: ids of rows are row names)."""

_MONEY_KINDS = frozenset({"fines"})

CellValue = int | Decimal | None


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# Unbounded precision and exponents, and any rounding is an error: sums of amounts are exact at
# any size (the default context keeps 28 digits and rounds silently). Never made current
# itself: exact_decimal() gives each thread its own copy, and the global context is untouched.
_EXACT = Context(
    prec=MAX_PREC,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact],
)
# An amount read back from a result whose exact sums would need more digits than any table
# can: refused (the biggest table total is far below 10^30 万元).
_MAX_DIGITS = 200


def exact_decimal() -> AbstractContextManager[Context]:
    """A context manager in which Decimal additions, scalings and normalisations are exact
    (a thread-local copy of an unbounded context; division is not for it)."""
    return localcontext(_EXACT)


def format_money(value: Decimal) -> str:
    """The canonical text of an amount in 万元: exact, plain notation, no trailing zeros.

    ``Decimal("12345.00") / 10000`` is ``1.234500``; the contract writes ``"1.2345"``, and zero
    as ``"0"``, so two runs (or two tools) that compute the same amount write the same bytes.
    """
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {value}")
    with exact_decimal():
        text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _parse_money(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (bool, float)):
        # A float has already lost the exact amount; the contract says decimal string.
        raise ValueError("money must be a decimal string, not a float or bool")
    try:
        out = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal amount: {value!r}") from exc
    if not out.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    if out.adjusted() > _MAX_DIGITS or cast(int, out.as_tuple().exponent) < -_MAX_DIGITS:
        raise ValueError(f"amount out of range: {value!r}")
    return out


class TableColumn(_Frozen):
    """A leaf column of the table, in table order; ``groups`` are its header levels above it."""

    id: str
    label: str
    groups: list[str] = Field(default_factory=list)
    kind: str = Field(description="A ColumnKind value: violation_units, census_units, …")

    @property
    def is_money(self) -> bool:
        return self.kind in _MONEY_KINDS


class TableRow(_Frozen):
    """One row: a category (leaf or parent subtotal), or the 合计 row (``category == "total"``)."""

    category: str
    label: str
    parent: str | None = None
    values: dict[str, CellValue] = Field(
        description="Column id → count (int), amount in 万元 (Decimal), or None where the "
        "column does not apply to this row"
    )
    units: dict[str, list[str]] | None = Field(
        default=None,
        description="Drill-down (--with-units): column id → sorted ids of the units counted",
    )

    @field_validator("values", mode="before")
    @classmethod
    def _no_floats(cls, v: Any) -> Any:
        # Smart-mode unions would turn 1.5 into Decimal('1.5') silently; a float here means a
        # caller computed money in binary floating point, which is the bug we exist to avoid.
        if isinstance(v, dict):
            for key, cell in v.items():
                if isinstance(cell, float):
                    raise ValueError(f"cell {key!r}: float is not allowed, use int or Decimal")
        return v

    @property
    def is_total(self) -> bool:
        return self.category == TOTAL


class SummaryTable(_Frozen):
    """One domain's 汇总表: rows in official order, parents as subtotals, 合计 last."""

    domain: str
    title: str
    columns: list[TableColumn]
    rows: list[TableRow]

    def column(self, column_id: str) -> TableColumn:
        for c in self.columns:
            if c.id == column_id:
                return c
        raise KeyError(column_id)

    def row(self, category: str) -> TableRow:
        for r in self.rows:
            if r.category == category:
                return r
        raise KeyError(category)

    def cell(self, category: str, column_id: str) -> CellValue:
        return self.row(category).values[column_id]

    @property
    def total(self) -> TableRow:
        return self.rows[-1]


class InputFile(_Frozen):
    """One input read: where it came from, its SHA-256 (for audits), how many records."""

    path: str
    sha256: str | None = Field(
        default=None, description="Hex SHA-256 of the file's bytes; null for in-memory input"
    )
    records: int = Field(ge=0)


class InputSummary(_Frozen):
    """Every record read is either accepted or rejected; ``skipped`` are rejected ones that
    ``--skip-invalid`` left out of the tables (so ``skipped <= rejected``)."""

    files: list[InputFile] = Field(default_factory=list)
    records_read: int = Field(ge=0)
    accepted: int = Field(ge=0)
    rejected: int = Field(ge=0)
    skipped: int = Field(default=0, ge=0)


class RulesetRef(_Frozen):
    """The plan a result was computed under, pinned by the digest of its resolved content."""

    id: str
    digest: str


class AggregateResult(_Frozen):
    """The whole result of ``aggregate`` (or ``merge``): tables plus what went into them."""

    ruleset: RulesetRef
    input: InputSummary
    tables: list[SummaryTable]
    issues: list[dict[str, Any]] = Field(
        default_factory=list, description="Problem records (Problem.to_dict()) found in the input"
    )

    def table(self, domain: str) -> SummaryTable:
        for t in self.tables:
            if t.domain == domain:
                return t
        raise KeyError(domain)

    # -- JSON contract ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form: money as decimal strings, counts as ints, nulls kept."""
        return {
            "ruleset": {"id": self.ruleset.id, "digest": self.ruleset.digest},
            "input": self.input.model_dump(mode="json"),
            "tables": [_table_dict(t) for t in self.tables],
            "issues": [dict(i) for i in self.issues],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """Deterministic JSON text (sorted keys; table order kept in lists), ending in newline."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, sort_keys=True)
        return text + "\n"

    @classmethod
    def from_dict(cls, data: Any) -> AggregateResult:
        """Read a result back (for ``merge``); money strings become exact Decimals."""
        if not isinstance(data, dict):
            raise ValueError("a result must be a JSON object")
        tables = []
        for t in data.get("tables", []):
            if not isinstance(t, dict):
                raise ValueError("each table must be an object")
            money = {
                c["id"]
                for c in t.get("columns", [])
                if isinstance(c, dict) and c.get("kind") in _MONEY_KINDS
            }
            rows = []
            for r in t.get("rows", []):
                if not isinstance(r, dict) or not isinstance(r.get("values"), dict):
                    raise ValueError("each row must be an object with 'values'")
                values = {
                    k: (None if v is None else _parse_money(v)) if k in money else v
                    for k, v in r["values"].items()
                }
                rows.append({**r, "values": values})
            tables.append({**t, "rows": rows})
        return cls.model_validate({**data, "tables": tables})

    @classmethod
    def from_json(cls, text: str | bytes, name: str = "<JSON>") -> AggregateResult:
        """Read a result from JSON text; text that is not JSON, or nests too deep, raises
        :class:`~spotcheck_rules.errors.SpotcheckError` (never ``RecursionError``)."""
        from ._limits import load_json
        from .errors import SpotcheckError

        return cls.from_dict(load_json(text, name, SpotcheckError, what="汇总结果"))


def _table_dict(t: SummaryTable) -> dict[str, Any]:
    return {
        "domain": t.domain,
        "title": t.title,
        "columns": [c.model_dump(mode="json") for c in t.columns],
        "rows": [_row_dict(r) for r in t.rows],
    }


def _row_dict(r: TableRow) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, cell in r.values.items():
        values[key] = format_money(cell) if isinstance(cell, Decimal) else cell
    out: dict[str, Any] = {
        "category": r.category,
        "label": r.label,
        "parent": r.parent,
        "values": values,
    }
    if r.units is not None:
        out["units"] = {k: sorted(v) for k, v in r.units.items()}
    return out


# --------------------------------------------------------------------------- schema


def result_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of :meth:`AggregateResult.to_json` output.

    Written out rather than generated: the contract (money as strings, ints for counts, keys
    present even when null) is what other systems code against, and pydantic's serialization
    schema for ``int | Decimal | None`` would not say which cells are strings.
    """
    problem = {
        "type": "object",
        "required": ["code", "severity", "message"],
        "properties": {
            "code": {"type": "string", "pattern": r"^[A-Z]+\d+$"},
            "severity": {"enum": ["error", "warning", "info"]},
            "message": {"type": "string"},
            "file": {"type": ["string", "null"]},
            "line": {"type": ["integer", "null"], "minimum": 1},
            "column": {"type": ["integer", "null"], "minimum": 1},
            "pointer": {"type": "string"},
            "field": {"type": ["string", "null"]},
            "suggestions": {"type": "array", "items": {"type": "string"}},
        },
    }
    cell = {
        "anyOf": [
            {"type": "integer", "minimum": 0, "description": "A count"},
            {
                "type": "string",
                "pattern": r"^\d+(\.\d*[1-9])?$",
                "description": "An amount in 万元, exact, no trailing zeros",
            },
            {"type": "null", "description": "The column does not apply to this row ('/')"},
        ]
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "spotcheck_rules aggregate result (汇总表)",
        "type": "object",
        "required": ["ruleset", "input", "tables", "issues"],
        "additionalProperties": False,
        "properties": {
            "ruleset": {
                "type": "object",
                "required": ["id", "digest"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*/\d{4}$"},
                    "digest": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                },
            },
            "input": {
                "type": "object",
                "required": ["files", "records_read", "accepted", "rejected", "skipped"],
                "additionalProperties": False,
                "properties": {
                    "files": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["path", "sha256", "records"],
                            "additionalProperties": False,
                            "properties": {
                                "path": {"type": "string"},
                                "sha256": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
                                "records": {"type": "integer", "minimum": 0},
                            },
                        },
                    },
                    "records_read": {"type": "integer", "minimum": 0},
                    "accepted": {"type": "integer", "minimum": 0},
                    "rejected": {"type": "integer", "minimum": 0},
                    "skipped": {"type": "integer", "minimum": 0},
                },
            },
            "tables": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["domain", "title", "columns", "rows"],
                    "additionalProperties": False,
                    "properties": {
                        "domain": {"type": "string"},
                        "title": {"type": "string"},
                        "columns": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id", "label", "groups", "kind"],
                                "additionalProperties": False,
                                "properties": {
                                    "id": {"type": "string"},
                                    "label": {"type": "string"},
                                    "groups": {"type": "array", "items": {"type": "string"}},
                                    "kind": {
                                        "enum": [
                                            "violation_units",
                                            "census_units",
                                            "inspected_units",
                                            "cases",
                                            "fines",
                                            "revoked_units",
                                        ]
                                    },
                                },
                            },
                        },
                        "rows": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["category", "label", "parent", "values"],
                                "additionalProperties": False,
                                "properties": {
                                    "category": {"type": "string"},
                                    "label": {"type": "string"},
                                    "parent": {"type": ["string", "null"]},
                                    "values": {"type": "object", "additionalProperties": cell},
                                    "units": {
                                        "type": "object",
                                        "additionalProperties": {
                                            "type": "array",
                                            "items": {"type": "string"},
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
            "issues": {"type": "array", "items": problem},
        },
    }

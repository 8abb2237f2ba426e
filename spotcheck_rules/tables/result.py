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

from collections.abc import Sequence
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
from typing import Annotated, Any, cast

from pydantic import (
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from ..core.errors import Problem, Record, Report, contract
from ..findings.inputs import InputFile, RulesetRef
from ..ruleset.model import ColumnKind

__all__ = [
    "TOTAL",
    "AggregateResult",
    "InputFile",
    "InputSummary",
    "RatioFormat",
    "RulesetRef",
    "SummaryTable",
    "TableColumn",
    "TableRow",
    "exact_decimal",
    "format_money",
    "format_ratio",
    "ratio_cell",
    "result_json_schema",
]

TOTAL = "total"
"""The ``category`` of the 合计 row (no category id can clash: ids of rows are row names)."""

_MONEY_KINDS = frozenset({ColumnKind.FINES})
_DECIMAL_KINDS = frozenset({ColumnKind.FINES, ColumnKind.RATIO})


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


_CELL_SCHEMA = {
    "anyOf": [
        {"type": "integer", "minimum": 0, "description": "A count"},
        {
            "type": "string",
            "pattern": r"^\d+(\.\d*[1-9])?$",
            "description": "An amount in 万元, or a ratio as rounded (85.71 for 85.71%): "
            "exact, no trailing zeros",
        },
        {"type": "null", "description": "The column does not apply to this row ('/')"},
    ]
}

Money = Annotated[Decimal, PlainSerializer(format_money, return_type=str, when_used="json")]
"""An amount in 万元: exact; written as its canonical decimal string (:func:`format_money`)."""

CellValue = Annotated[int | Money | None, WithJsonSchema(_CELL_SCHEMA)]
"""A cell: a count (int), an amount in 万元 (Decimal, written as a string), or None where the
column does not apply to the row (the '/' of the official form)."""


def _no_null_default_column(schema: dict[str, Any]) -> None:
    # written only for ratio columns, never as null: the schema is the object alone
    schema.pop("default", None)
    refs = [s for s in schema.pop("anyOf", ()) if s.get("type") != "null"]
    schema.update(refs[0] if refs else {})


class RatioFormat(Record):
    """How a ratio column's cells are computed and shown: ``numerator`` over ``denominator``
    (column ids of the same row), times 100 when ``percent``, rounded once to ``places``
    decimals (``half_up`` = 四舍五入); no value (``null``) where the denominator is 0."""

    numerator: str
    denominator: str
    percent: bool
    places: int = Field(ge=0, le=6)
    rounding: str


class TableColumn(Record):
    """A leaf column of the table, in table order; ``groups`` are its header levels above it."""

    id: str
    label: str
    groups: list[str] = Field(default_factory=list)
    kind: ColumnKind
    ratio: RatioFormat | None = Field(
        default=None,
        exclude_if=lambda v: v is None,  # only ratio columns have one: never written as null
        json_schema_extra=_no_null_default_column,
        description="For ratio columns (合格率): how the cells are computed and shown",
    )

    @property
    def is_money(self) -> bool:
        return self.kind in _MONEY_KINDS


def ratio_cell(
    num: int | Decimal | None, den: int | Decimal | None, fmt: RatioFormat
) -> Decimal | None:
    """``num / den`` (× 100 for a percentage) rounded once to ``fmt.places`` decimals, exactly
    (integer arithmetic: no binary float, no context precision); ``None`` when either is
    missing or the denominator is 0."""
    if (
        num is None
        or den is None
        or den == 0
        or not isinstance(num, int)
        or not isinstance(den, int)
    ):
        return None
    scaled = num * (100 if fmt.percent else 1) * 10**fmt.places
    q, r = divmod(scaled, den)
    half_up = fmt.rounding == "half_up" and 2 * r >= den
    if half_up or (fmt.rounding == "half_even" and (2 * r > den or (2 * r == den and q % 2))):
        q += 1
    with exact_decimal():
        return Decimal(q).scaleb(-fmt.places)


def format_ratio(value: Decimal, fmt: RatioFormat) -> str:
    """A ratio as the source prints it: its decimals padded to ``places``, a % sign when a
    percentage (``85.70%``)."""
    with exact_decimal():
        text = format(value.quantize(Decimal(1).scaleb(-fmt.places)), "f")
    return text + ("%" if fmt.percent else "")


_UNITS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "description": "Drill-down (--with-units): column id → sorted ids of the units counted",
}


def _no_null_default(schema: dict[str, Any]) -> None:
    if schema.get("type") == "object":  # the serialization schema: never null, no default
        schema.pop("default", None)


class TableRow(Record):
    """One row: a category (leaf or parent subtotal), or the 合计 row (``category == "total"``)."""

    category: str
    label: str
    parent: str | None = None
    values: dict[str, CellValue] = Field(
        description="Column id → count (int), amount in 万元 (Decimal), or None where the "
        "column does not apply to this row"
    )
    units: Annotated[
        dict[str, list[str]] | None, WithJsonSchema(_UNITS_SCHEMA, mode="serialization")
    ] = Field(
        default=None,
        exclude_if=lambda v: v is None,  # written only with --with-units, never as null
        json_schema_extra=_no_null_default,
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

    @field_validator("units")
    @classmethod
    def _sorted_units(cls, v: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        return None if v is None else {k: sorted(ids) for k, ids in v.items()}

    @property
    def is_total(self) -> bool:
        return self.category == TOTAL


def _kind_and_id(column: Any) -> tuple[Any, Any]:
    return (column.get("kind"), column.get("id")) if isinstance(column, dict) else (None, None)


def _cell(key: str, value: Any, money: bool) -> Any:
    if value is None:
        return None
    if money:
        return _parse_money(value)
    if isinstance(value, str):
        raise ValueError(f"cell {key!r}: a count is an integer, not {value!r}")
    return value


class SummaryTable(Record):
    """One domain's 汇总表: rows in official order, parents as subtotals, 合计 last."""

    domain: str
    title: str
    columns: list[TableColumn]
    rows: list[TableRow]
    # the domain's official name: not in the published JSON (which names the domain by id);
    # aggregation sets it from the ruleset's domain catalogue, and merge's copies keep it
    _label: str | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        # the name is not part of the table: one read back from its JSON equals it
        if not isinstance(other, SummaryTable):
            return NotImplemented
        return self.__dict__ == other.__dict__

    __hash__ = Record.__hash__

    def labelled(self, label: str) -> SummaryTable:
        """This table, knowing its domain's official name (what renderers show)."""
        self._label = label
        return self

    @property
    def label(self) -> str:
        """The domain's official name; for a table read back from JSON, which does not carry
        it, the name the bundled domains give it, else its id."""
        if self._label is not None:
            return self._label
        from ..ruleset.domains import bundled_catalogue

        return bundled_catalogue().label(self.domain)

    @model_validator(mode="before")
    @classmethod
    def _cells_by_kind(cls, data: Any) -> Any:
        # Read from JSON, an amount is a string and a count an integer; which one a cell is
        # follows from its column's kind, not from how the value happens to look.
        if not isinstance(data, dict):
            return data
        money: set[Any] = set()
        for c in data.get("columns") or ():
            kind, cid = (c.kind, c.id) if isinstance(c, TableColumn) else _kind_and_id(c)
            if kind in _DECIMAL_KINDS:
                money.add(cid)
        rows = []
        for r in data.get("rows") or ():
            if isinstance(r, dict) and isinstance(r.get("values"), dict):
                r = {**r, "values": {k: _cell(k, v, k in money) for k, v in r["values"].items()}}
            rows.append(r)
        return {**data, "rows": rows}

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

    def cell(self, category: str, column_id: str) -> int | Decimal | None:
        return self.row(category).values[column_id]

    @property
    def total(self) -> TableRow:
        return self.rows[-1]


class InputSummary(Record):
    """Every record read is either accepted or rejected; ``skipped`` are rejected ones that
    ``--skip-invalid`` left out of the tables (so ``skipped <= rejected``)."""

    files: list[InputFile] = Field(default_factory=list)
    records_read: int = Field(ge=0)
    accepted: int = Field(ge=0)
    rejected: int = Field(ge=0)
    skipped: int = Field(default=0, ge=0)


def _sorted_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(v) for v in value]
    return value


class AggregateResult(Report):
    """The whole result of ``aggregate`` (or ``merge``): tables plus what went into them.

    ``model_dump_json(indent=2)`` is the published JSON (``schemas/result.schema.json``):
    money as decimal strings, counts as ints, nulls kept, object keys sorted (their order
    carries no meaning) while ``columns`` and ``rows`` keep table order, which does.
    ``model_validate_json`` reads it back (for ``merge``); money strings become exact Decimals.
    """

    model_config = ConfigDict(
        json_schema_extra=contract("result", "spotcheck_rules aggregate result (汇总表)")
    )

    ruleset: RulesetRef
    input: InputSummary
    tables: list[SummaryTable]
    issues: tuple[Problem, ...] = Field(default=(), description="Problems found in the input")

    @model_serializer(mode="wrap")
    def _sorted(self, handler: SerializerFunctionWrapHandler) -> Any:
        # deterministic bytes: keys sorted at every level (lists keep their order)
        return _sorted_keys(handler(self))

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # _sorted only reorders keys: the schema is that of the fields, not of "any value"
        plain = {k: v for k, v in core_schema.items() if k != "serialization"}
        return handler(plain)

    @property
    def problems(self) -> Sequence[Problem]:
        """The same as :attr:`issues` (the name every report shares)."""
        return self.issues

    def table(self, domain: str) -> SummaryTable:
        for t in self.tables:
            if t.domain == domain:
                return t
        raise KeyError(domain)

    def summary_line(self) -> str:
        inp = self.input
        return (
            f"读取 {inp.records_read} 条记录：接受 {inp.accepted} 条，拒绝 {inp.rejected} 条，"
            f"跳过 {inp.skipped} 条；{len(self.tables)} 张汇总表；"
            f"错误 {len(self.errors)} 个，警告 {len(self.warnings)} 个。"
        )


# --------------------------------------------------------------------------- schema


def result_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of :class:`AggregateResult` JSON: its serialization schema."""
    return AggregateResult.model_json_schema(mode="serialization")

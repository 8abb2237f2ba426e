"""What the columnar engine (:mod:`.columnar`) asks DuckDB of a Parquet file (:func:`query`),
giving the columns :mod:`.columnengine` reads from the JSON Lines query too.

A Parquet file is typed, so DuckDB reads the columns as they are, with no JSON-text trick for
the values that have millions of spellings: the unit's id and name are checked for trimming on
their text, the id hashed trimmed, the violations taken as the list they are, the fine turned
into cents when it is the canonical text or a whole number. Only what has few distinct values
(``sig``, ``facts``) is turned into JSON text (``to_json``), the form the engine's judges
decode — a Parquet string may hold the separator, a JSON text never does raw.

The engine reads a column only when its type is the one the record expects: text (``string``,
``large_string``, dictionary-encoded text) for the text fields, text or ``date32`` for
``inspected_on``, a list of text for ``violations`` and ``not_applicable``, ``bool`` for
``referred`` and ``opinion_issued``, a struct of an integer ``cases``, a text or integer
``fine_yuan`` and a list of text ``revoked`` for ``penalty``. Any other type of a findings
field, or a ``penalty`` field it does not know, and :func:`query` gives ``None``: the file
goes to the per-record path whole. ``harm``, ``tests`` and columns that are no findings field
are not read: a row where one of them is not null takes the per-record path (it has harm or
lab tests to check, or an unknown field to report).
"""

from __future__ import annotations

from typing import Any

from .columnquery import _WS_SQL, SEP, text_cents, text_trimmed
from .records import _Rec

__all__ = ["query"]

_TEXT = ("unit_id", "domain", "category", "unit_name", "ownership", "region", "tier")
_LISTS = ("violations", "not_applicable")
_BOOLS = ("referred", "opinion_issued")
_UNREAD = ("harm", "tests")


def _is_text(typ: Any) -> bool:
    import pyarrow as pa

    if pa.types.is_dictionary(typ):
        typ = typ.value_type
    return bool(
        pa.types.is_string(typ)
        or pa.types.is_large_string(typ)
        or getattr(pa.types, "is_string_view", lambda _: False)(typ)
    )


def _is_text_list(typ: Any) -> bool:
    import pyarrow as pa

    return bool((pa.types.is_list(typ) or pa.types.is_large_list(typ)) and _is_text(typ.value_type))


def _penalty(typ: Any) -> dict[str, str] | None:
    """The fields of a ``penalty`` struct the engine reads ("int" or "text" for the fine), or
    ``None`` when it cannot."""
    import pyarrow as pa

    if not pa.types.is_struct(typ):
        return None
    got: dict[str, str] = {}
    for i in range(typ.num_fields):
        f = typ.field(i)
        if f.name in got:
            return None
        if f.name == "cases" and pa.types.is_integer(f.type):
            got["cases"] = "int"
        elif f.name == "fine_yuan" and (_is_text(f.type) or pa.types.is_integer(f.type)):
            got["fine_yuan"] = "text" if _is_text(f.type) else "int"
        elif f.name == "revoked" and _is_text_list(f.type):
            got["revoked"] = "list"
        else:
            return None
    return got


def _name(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def _json(expr: str) -> str:
    return f"to_json({expr})::VARCHAR"


def query(schema: Any) -> str | None:
    """The query over one Parquet file of this (pyarrow) schema, its one parameter the path;
    ``None`` when a column's type is not one the engine reads."""
    import pyarrow as pa

    names = [f.name for f in schema]
    if len(set(names)) != len(names):
        return None
    cols = {f.name: f.type for f in schema}
    for c in _TEXT:
        if c in cols and not _is_text(cols[c]):
            return None
    day = cols.get("inspected_on")
    if day is not None and not (_is_text(day) or pa.types.is_date32(day)):
        return None
    for c in _LISTS:
        if c in cols and not _is_text_list(cols[c]):
            return None
    for c in _BOOLS:
        if c in cols and not pa.types.is_boolean(cols[c]):
            return None
    pen: dict[str, str] = {}
    if "penalty" in cols:
        got = _penalty(cols["penalty"])
        if got is None:
            return None
        pen = got
    known = set(_Rec.__struct_fields__)

    def col(c: str, typ: str = "VARCHAR") -> str:
        """A top-level column, a NULL of its type when the file has none."""
        return _name(c) if c in cols else f"NULL::{typ}"

    def pcol(k: str, typ: str) -> str:
        return f"{_name('penalty')}.{_name(k)}" if k in pen else f"NULL::{typ}"

    has_pen = f"({_name('penalty')} IS NOT NULL)::INTEGER::VARCHAR" if "penalty" in cols else "'0'"
    sig = [_json(col(c)) for c in ("domain", "category", "ownership")]
    sig += [_json(pcol("cases", "BIGINT")), _json(pcol("revoked", "VARCHAR[]"))]
    sig += [_json(col(c, "BOOLEAN")) for c in _BOOLS]
    sig.append(has_pen)
    facts = [_json(col(c)) for c in ("inspected_on", "region", "tier")]
    glue = f", '{SEP}', "
    uid = col("unit_id")
    viol = col("violations", "VARCHAR[]")
    vkind = (
        f"(CASE WHEN {viol} IS NULL THEN 0 WHEN list_count({viol}) = len({viol}) THEN 1 ELSE 2 END)"
    )
    fine = pcol("fine_yuan", "BIGINT" if pen.get("fine_yuan") == "int" else "VARCHAR")
    if pen.get("fine_yuan") == "int":
        canonical = f"{fine} >= 0 AND {fine} < 10000000000"
        as_cents = f"TRY_CAST({fine} AS BIGINT) * 100"
    else:
        # the canonical text parse_amount takes as it is (as the JSON Lines query has it)
        canonical, as_cents = text_cents(fine)
    cents = f"(CASE WHEN {fine} IS NULL THEN -1 WHEN {canonical} THEN {as_cents} ELSE -2 END)"
    plain = [text_trimmed(uid) if "unit_id" in cols else "false"]
    if "unit_name" in cols:
        plain.append(f"({col('unit_name')} IS NULL OR {text_trimmed(col('unit_name'))})")
    if "not_applicable" in cols:
        na = col("not_applicable")
        plain.append(f"({na} IS NULL OR len({na}) = 0)")
    # harm and lab tests are checked by the per-record path, as is a field it reports unknown
    plain += [f"{_name(c)} IS NULL" for c in names if c in _UNREAD or c not in known]
    return (
        f"SELECT concat({glue.join(sig)}) AS sig, concat({glue.join(facts)}) AS facts, "
        f"{vkind}::TINYINT AS vkind, "
        f"CASE WHEN {vkind} = 1 THEN CAST({viol} AS VARCHAR[]) END AS vlist, "
        f"{cents}::BIGINT AS cents, CASE WHEN {cents} = -2 THEN {_json(fine)} END AS fine_text, "
        f"coalesce({' AND '.join(plain)}, false) AS plain, "
        # the id as the checker keys it, trimmed (a collision only sends more rows to it);
        # trim() only where there is something to trim: on every row it cost DuckDB 0.5 s
        # of CPU at 1M findings
        f"hash(CASE WHEN {text_trimmed(uid)} THEN {uid}::VARCHAR "
        f"ELSE trim({uid}::VARCHAR, {_WS_SQL}) END) AS key, "
        "0::INTEGER AS nkeys "
        "FROM read_parquet(?)"
    )

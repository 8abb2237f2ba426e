"""Reading a Parquet findings file (the reference path): each row becomes the value a JSON Lines
line decodes to, and goes through the same checker.

A Parquet file's columns are the findings fields, named as in JSON Lines. A row is read as the
JSON object it stands for: a null is an absent field (at the top and inside ``penalty`` and
``harm``; inside a list or as a map's value it stays a ``null``, as JSON has it), a struct is an
object, a map (``tests``) an object, a list a list; a date (or a timestamp, a time) is its ISO
text, so ``inspected_on`` is read as the JSON text would be; a decimal is a
:class:`~decimal.Decimal` (an amount taken exactly), a float a float — a fine with a fraction
as a binary float is refused as in JSON (:func:`~.money.parse_amount`). A column that is no
findings field is an unknown field (``F008``) wherever it is not null. The row's number is its
1-based index in the file (the first data row is row 1), the ``line`` of its problems.

pyarrow is imported only here and only when a Parquet input is read (the ``parquet`` extra);
without it a Parquet input is a :class:`~.readers.FindingsReadError` that names the extra.
Rows are read a batch at a time, so memory stays flat; the SHA-256 of the file's bytes is
computed on a helper thread meanwhile. The one limit that applies before reading is the nesting
depth of the file's schema (:data:`~spotcheck_rules.core.limits.DEPTH`).
"""

from __future__ import annotations

import array
import datetime as _dt
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import msgspec

from ..core.errors import Problem
from ..core.limits import DEPTH
from .money import _dec_hook
from .records import RawRecord, _Rec

__all__ = ["EXTRA_HINT", "ParquetRows", "read_parquet", "row_values"]

EXTRA_HINT = (
    "读取 Parquet 格式的检查结果需要 pyarrow，请安装：pip install 'spotcheck-rules[parquet]'"
)
BATCH = 4096
_CODE = "F009"


def _error(name: str, message: str) -> Exception:
    from .readers import FindingsReadError

    return FindingsReadError(f"{name}：{message}", [Problem(_CODE, message, file=name)])


def _pyarrow() -> Any:
    """``pyarrow.parquet``, or the error that says which extra to install."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        from .readers import FindingsReadError

        raise FindingsReadError(EXTRA_HINT) from None
    return pq


def _depth(typ: Any) -> int:
    """How deep a value of this Arrow type nests (a scalar: 0)."""
    import pyarrow as pa

    if pa.types.is_struct(typ):
        return 1 + max((_depth(typ.field(i).type) for i in range(typ.num_fields)), default=0)
    if pa.types.is_map(typ):
        return 1 + max(_depth(typ.key_type), _depth(typ.item_type))
    if _is_list(typ):
        return 1 + _depth(typ.value_type)
    if pa.types.is_dictionary(typ):
        return _depth(typ.value_type)
    return 0


def _is_list(typ: Any) -> bool:
    import pyarrow as pa

    return bool(
        pa.types.is_list(typ)
        or pa.types.is_large_list(typ)
        or pa.types.is_fixed_size_list(typ)
        or getattr(pa.types, "is_list_view", lambda _: False)(typ)
        or getattr(pa.types, "is_large_list_view", lambda _: False)(typ)
    )


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, _dt.date | _dt.time) else value


_Conv = Callable[[Any], Any] | None


def _converter(typ: Any) -> _Conv:
    """What turns a (non-null) Python value of this Arrow type into its JSON-shaped value
    (``None``: it already is one)."""
    import pyarrow as pa

    if pa.types.is_dictionary(typ):
        return _converter(typ.value_type)
    if pa.types.is_struct(typ):
        subs = [(typ.field(i).name, _converter(typ.field(i).type)) for i in range(typ.num_fields)]
        return lambda v: _struct(v, subs)
    if pa.types.is_map(typ):
        kc, vc = _converter(typ.key_type), _converter(typ.item_type)
        return lambda v: {_apply(kc, k): _apply(vc, x) for k, x in v}
    if _is_list(typ):
        ec = _converter(typ.value_type)
        if ec is None:
            return None
        return lambda v: [_apply(ec, x) for x in v]
    if pa.types.is_date(typ) or pa.types.is_time(typ) or pa.types.is_timestamp(typ):
        return _iso
    return None


def _apply(conv: _Conv, value: Any) -> Any:
    return value if conv is None or value is None else conv(value)


def _struct(value: dict[str, Any], subs: list[tuple[str, _Conv]]) -> dict[str, Any]:
    out = {}
    for key, conv in subs:
        x = value.get(key)
        if x is not None:
            out[key] = x if conv is None else conv(x)
    return out


def _column(arr: Any) -> list[Any]:
    """A column's values as Python values (a top-level date or time as its ISO text, cast by
    Arrow, so that a date Python cannot hold is still read)."""
    import pyarrow as pa

    typ = arr.type
    if pa.types.is_date(typ) or pa.types.is_time(typ) or pa.types.is_timestamp(typ):
        arr = arr.cast(pa.string())
    values: list[Any] = arr.to_pylist()
    conv = _converter(typ)
    if conv is not None:
        values = [None if v is None else conv(v) for v in values]
    return values


_TO_REC = msgspec.convert


def row_values(batch: Any) -> list[Any]:
    """Each row of a record batch as a JSON Lines line decodes to: the internal record where
    the typed decode takes it, else the plain object (nulls left out)."""
    n = batch.num_rows
    rows: list[dict[str, Any]] = [{} for _ in range(n)]
    for name, arr in zip(batch.schema.names, batch.columns, strict=True):
        for row, v in zip(rows, _column(arr), strict=True):
            if v is not None:
                row[name] = v
    out: list[Any] = []
    for row in rows:
        try:
            out.append(_TO_REC(row, _Rec, dec_hook=_dec_hook))
        except (msgspec.ValidationError, ValueError, TypeError):
            out.append(row)
    return out


class ParquetRows:
    """An open Parquet file: its rows a batch at a time, or some of them by index."""

    def __init__(self, path: Path, name: str) -> None:
        pq = _pyarrow()
        import pyarrow as pa

        self.name = name
        try:
            self.file = pq.ParquetFile(path)
            schema = self.file.schema_arrow
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise _error(name, f"不是有效的 Parquet 文件（{exc}）") from None
        self.rows: int = self.file.metadata.num_rows
        self.schema = schema
        deep = max((_depth(f.type) for f in schema), default=0) + 1
        if deep > DEPTH.value():
            raise _error(name, f"Parquet {DEPTH.message(deep)}")

    def batches(self, columns: list[str] | None = None) -> Iterator[Any]:
        """The record batches, in row order (a batch that cannot be read: the file's error)."""
        import pyarrow as pa

        it = self.file.iter_batches(batch_size=BATCH, columns=columns, use_threads=False)
        while True:
            try:
                batch = next(it)
            except StopIteration:
                return
            except (pa.ArrowException, OSError, ValueError) as exc:
                raise _error(self.name, f"无法读取 Parquet 文件（{exc}）") from None
            yield batch

    def values(self) -> Iterator[list[Any]]:
        """Each batch's rows as :func:`row_values` gives them."""
        for batch in self.batches():
            yield self._converted(batch)

    def _converted(self, batch: Any) -> list[Any]:
        """:func:`row_values` of a batch (a value that cannot be converted: the file's error)."""
        import pyarrow as pa

        try:
            return row_values(batch)
        except (pa.ArrowException, OSError, ValueError, OverflowError) as exc:
            raise _error(self.name, f"无法读取 Parquet 文件（{exc}）") from None

    def at(self, wanted: Iterable[int]) -> Iterator[tuple[int, Any]]:
        """(index, value) of the rows at these 0-based indexes (ascending), read back and
        converted as :meth:`values` does."""
        import pyarrow as pa

        it = iter(wanted)
        want = next(it, -1)
        first = 0
        for batch in self.batches():
            n = batch.num_rows
            picked: list[int] = []
            while 0 <= want < first + n:
                picked.append(want)
                want = next(it, -1)
            if picked:
                # by its buffer: pa.array of a list imports pandas when it is installed
                at = array.array("q", [i - first for i in picked])
                taken = batch.take(
                    pa.Array.from_buffers(pa.int64(), len(at), [None, pa.py_buffer(at)])
                )
                yield from zip(picked, self._converted(taken), strict=True)
            first += n
            if want < 0:
                return


def read_parquet(path: Path, info: Any) -> Iterator[RawRecord]:
    """The records of a Parquet findings file, row by row (``info``: a
    :class:`~.readers.FileInfo`, given the SHA-256 and the count at the end)."""
    from .readers import sha256_async

    rows = ParquetRows(path, info.path)
    digest = sha256_async(path)
    name = info.path
    index = 0
    for values in rows.values():
        for value in values:
            yield RawRecord(name, index + 1, index, value)
            index += 1
        info.done = min(info.size, info.size * index // max(1, rows.rows))
    info.sha256 = digest()
    info.done = info.size
    info.records = index

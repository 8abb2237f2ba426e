"""What the columnar engine (:mod:`.columnar`) asks DuckDB of a CSV file, and how the distinct
cell texts it returns become what the engine judges: the columns of the JSON Lines query
(:func:`.columnquery.query`), so that one machinery (:mod:`.columnengine`) and one set of rule
calls decide every input.

Only a plain file is read here (:class:`CsvBytes` counts what makes one; anything else is the
per-record path's, which reads it as it always does): UTF-8 with or without a BOM, one row a
line (no blank line, no lone carriage return, all lines ending alike), no NUL, a header without
a blank cell and without a quote, every line without a quote holding as many delimiters as the
header (DuckDB reads a row with a trailing delimiter as one without; the bytes are counted),
every line with a quote quoted the canonical way (each cell wholly quoted or without a quote,
a quote inside doubled: :func:`quoted_lines` reads those lines with Python's csv module, which
cuts them as DuckDB does; one whose cells are not as many as the header's is the checker's),
and no row whose cells are all blank (the reference skips it without counting it). A cell over
the reference's limit (``SPOTCHECK_MAX_CSV_CELL``) is DuckDB's error (its line limit is that
limit): the reference then refuses the file, located.

The cells are read as text (DuckDB gives an empty one as NULL; the reference's ``''`` is read
alike by :meth:`.spellings.FlatHeader.record`). They are glued per group of fields that decide
together, and each distinct glued text goes once through the reference's own functions —
:meth:`~.spellings.FlatHeader.record`, then :func:`~.records.coerce_record` (the flat
coercions) with placeholders for the fields of the other groups — and comes out as the JSON
texts of the coerced values, or as "not plain" when the row must be explained (a problem, a
yes/no cell that is neither, a filled cell of a field the engine does not read):

* ``sig``: domain, category, ownership, ``penalty.cases``, ``penalty.revoked``, referred,
  opinion_issued, and whether the fine cell is filled (a penalty then exists);
* ``facts``: inspected_on, region, tier;
* the violations: the ``violations`` column and its yes/no flag columns;
* the fine: ``penalty.fine_yuan`` alone, as cents;
* every other column (names, ``not_applicable`` and its flags, harm, lab tests, unknown
  headers) must come out as nothing: an unknown column's text would be warned about.

The unit's name is read by the reference as text and never judged; the unit's id is trimmed
(``str.strip``) and must not be blank, per row, in SQL.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import msgspec

from ..core.errors import SpotcheckError
from ..core.limits import CSV_CELL
from .arrowbuffers import bools, indices, numbers, string_lists, strings
from .columnquery import _WS_SQL, FACT_FIELDS, SEP, SIG_FIELDS, text_cents, text_trimmed
from .money import whole_cents
from .readers import lines_at
from .records import FlatRow, coerce_record
from .spellings import FlatHeader

__all__ = [
    "CsvBytes",
    "CsvLayout",
    "CsvSpellings",
    "cells_of",
    "quoted_lines",
    "scan_csv",
    "translate",
]

_CHUNK = 1 << 20
_FINE = "penalty.fine_yuan"
_ENCODE = msgspec.json.encode
_EMPTY_SIG = SEP * len(SIG_FIELDS) + "0"
_EMPTY_FACTS = SEP * (len(FACT_FIELDS) - 1)


@dataclass
class CsvBytes:
    """What :func:`scan_csv` counts on a CSV file's bytes (on a helper thread)."""

    sha256: str = ""
    newlines: int = 0
    crlf: int = 0
    cr: int = 0
    nul: int = 0
    blank_lines: int = 0  # ``\n\n`` or ``\n\r\n`` (how many says nothing; none or some)
    delimiter: bytes = b","
    delimiters: int = 0  # DuckDB reads a row with a trailing delimiter as one without
    last: int = 0
    bom: bool = False
    utf8: bool = True
    quoted: list[int] = field(default_factory=list)  # 0-based lines holding a quote
    lines_before: int = 0  # the newlines before the chunk being scanned
    failed: list[BaseException] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return self.newlines + (1 if self.last not in (0, 0x0A) else 0)

    def plain(self, width: int, quoted_delimiters: int = 0) -> bool:
        """Whether the bytes are of a file the engine reads (see the module's docstring), its
        header ``width`` cells wide: every line without a quote must then hold ``width - 1``
        delimiters (a UTF-8 character of several bytes never holds an ASCII one);
        ``quoted_delimiters``: those of the lines with one (:func:`quoted_lines`)."""
        unquoted = self.lines - len(self.quoted)
        return (
            self.delimiters - quoted_delimiters == (width - 1) * unquoted
            and self.utf8
            and not self.nul
            and not self.blank_lines
            and self.cr == self.crlf
            and self.crlf in (0, self.newlines)
            and (self.last not in (0x0D,))
        )


def scan_csv(path: Path, out: CsvBytes) -> None:
    """Count ``out``'s figures and hash the file (an error is kept in ``out.failed``)."""
    try:
        import numpy as np

        digest = hashlib.sha256()
        decoder = codecs.getincrementaldecoder("utf-8")()
        (delimiter,) = out.delimiter
        prev = b""
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                if not prev:
                    out.bom = chunk.startswith(codecs.BOM_UTF8)
                    if chunk.startswith(b"\n") or chunk.startswith(codecs.BOM_UTF8 + b"\n"):
                        out.blank_lines += 1
                digest.update(chunk)
                # numpy's comparisons, not bytes.count (the scan 0.31 s of CPU against 0.69 s
                # for a 100 MB file, and bytes.count holds the GIL); the pairs over the last
                # two bytes of the chunk before and this one, less those the two bytes hold
                # alone
                head = prev[-2:]
                buf = np.frombuffer(head + chunk, dtype=np.uint8)
                nl, cr = buf == 0x0A, buf == 0x0D
                k = len(head)
                out.newlines += int(np.count_nonzero(nl[k:]))
                out.cr += int(np.count_nonzero(cr[k:]))
                out.crlf += int(np.count_nonzero(cr[:-1] & nl[1:])) - head.count(b"\r\n")
                if b'"' in chunk:
                    _mark_quoted(chunk, out)
                out.nul += int(np.count_nonzero(buf[k:] == 0))
                out.delimiters += int(np.count_nonzero(buf[k:] == delimiter))
                out.lines_before = out.newlines
                out.blank_lines += int(np.count_nonzero(nl[:-1] & nl[1:])) - head.count(b"\n\n")
                out.blank_lines += int(np.count_nonzero(nl[:-2] & cr[1:-1] & nl[2:]))
                if out.utf8:
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError:
                        out.utf8 = False
                prev = chunk
        if out.utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                out.utf8 = False
        out.last = prev[-1] if prev else 0
        out.sha256 = digest.hexdigest()
    except BaseException as exc:  # re-raised by the caller
        out.failed.append(exc)


def _mark_quoted(chunk: bytes, out: CsvBytes) -> None:
    """Add the lines of ``chunk`` that hold a quote to ``out.quoted`` (a line across two chunks
    once)."""
    import numpy as np

    buf = np.frombuffer(chunk, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 0x0A)
    lines = np.unique(out.lines_before + np.searchsorted(newlines, np.flatnonzero(buf == 0x22)))
    got = lines.tolist()
    if out.quoted and got and got[0] == out.quoted[-1]:
        got = got[1:]
    out.quoted.extend(got)


def _canonical(delimiter: str) -> re.Pattern[str]:
    """A line of fields each either without a quote or wholly quoted, a quote inside doubled:
    where DuckDB's reader and Python's csv module cut the same cells (RFC 4180, one line)."""
    d = re.escape(delimiter)
    cell = f'(?:"(?:[^"]|"")*"|[^"{d}]*)'
    return re.compile(f"{cell}(?:{d}{cell})*")


def quoted_lines(
    path: Path, rows: list[int], delimiter: str, width: int
) -> tuple[int, list[int]] | None:
    """Read the lines with a quote (0-based rows after the header): the delimiters they hold,
    and those of them not ``width`` cells wide (the checker explains them: DuckDB reads a row
    with a trailing delimiter as one without); ``None`` when one is not quoted the canonical
    way or has only blank cells (the reference skips such a row uncounted)."""
    canonical = _canonical(delimiter)
    delimiters = 0
    odd: list[int] = []
    for row, raw in lines_at(path, rows, skip=1):
        text = raw.decode("utf-8").removesuffix("\r")
        if not canonical.fullmatch(text):
            return None
        cells = cells_of(text, delimiter)
        if cells is None or all(not c.strip() for c in cells):
            return None
        delimiters += text.count(delimiter)
        if len(cells) != width:
            odd.append(row)
    return delimiters, odd


def _blank(col: str) -> str:
    """Empty or white space only, as ``not value.strip()``."""
    return f"({col} IS NULL OR trim({col}, {_WS_SQL}) = '')"


def _glued(cols: Sequence[str]) -> str:
    if not cols:
        return "''"
    return "concat(" + f", '{SEP}', ".join(cols) + ")"


def cells_of(text: str, delimiter: str) -> list[str] | None:
    """The cells of one line as Python's csv module reads them, with the field limit the
    reference sets (:func:`.rows.iter_csv`); ``None`` when a cell is over it (the reference
    then refuses the file)."""
    import csv

    limit = CSV_CELL.value()
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)
    try:
        cells = next(csv.reader([text], delimiter=delimiter), [])
    except csv.Error:
        return None
    return None if any(len(c) > limit for c in cells) else cells


class CsvLayout:
    """Which columns of a CSV file's header feed which group, and the query over its rows."""

    def __init__(self, header: FlatHeader, width: int) -> None:
        self.header = header
        self.width = width
        self.uid: int | None = None
        self.fine: int | None = None
        self.sig: list[int] = []
        self.facts: list[int] = []
        self.viol: list[int] = []
        self.other: list[int] = []
        sig_order = {f: i for i, f in enumerate(SIG_FIELDS)}
        facts_order = {f: i for i, f in enumerate(FACT_FIELDS)}
        for col in header.columns:
            f = col.field
            if f == "unit_id":
                self.uid = col.index
            elif f == "unit_name":
                continue  # read as text, never judged
            elif f == _FINE:
                self.fine = col.index
            elif f in sig_order:
                self.sig.append(col.index)
            elif f in facts_order:
                self.facts.append(col.index)
            elif f == "violations" or (col.flag is not None and col.flag[0] == "violations"):
                self.viol.append(col.index)
            else:
                self.other.append(col.index)

    def query(self, delimiter: str) -> str:
        """The query over the file (its one parameter: the path); the header line skipped."""
        cols = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(self.width))
        c = [f"c{i}" for i in range(self.width)]
        fine = c[self.fine] if self.fine is not None else None
        filled = "'0'" if fine is None else f"CASE WHEN {_blank(fine)} THEN '0' ELSE '1' END"
        sig = _glued([*(c[i] for i in self.sig), filled])
        if self.uid is None:
            uid_ok, key = "false", "0::UBIGINT"
        else:
            u = c[self.uid]
            uid_ok = (
                f"(CASE WHEN {u} IS NULL THEN false WHEN {text_trimmed(u)} THEN true "
                f"ELSE trim({u}, {_WS_SQL}) <> '' END)"
            )
            key = f"hash(CASE WHEN {text_trimmed(u)} THEN {u} ELSE trim({u}, {_WS_SQL}) END)"
        every_blank = " AND ".join(_blank(x) for x in c) or "true"
        # a fine written as parse_amount takes it as it is (digits, at most two decimals: the
        # spreadsheet's own form) is cents here; any other text goes to CsvSpellings.cents
        if fine is None:
            fine_raw, fine_cents = "''", "-1::BIGINT"
        else:
            canonical, as_cents = text_cents(fine)
            fine_cents = f"(CASE WHEN {canonical} THEN {as_cents} ELSE -1 END)"
            fine_raw = f"(CASE WHEN {canonical} THEN '' ELSE coalesce({fine}, '') END)"
        delim = delimiter.replace("'", "''")
        return (
            f"SELECT {sig} AS sig_raw, {_glued([c[i] for i in self.facts])} AS facts_raw, "
            f"{_glued([c[i] for i in self.viol])} AS viol_raw, "
            f"{_glued([c[i] for i in self.other])} AS other_raw, "
            f"{fine_raw} AS fine_raw, {fine_cents} AS fine_cents, "
            f"{uid_ok} AS uid_ok, {key} AS key, "
            f"(CASE WHEN {uid_ok} THEN false ELSE {every_blank} END) AS all_blank "
            f"FROM read_csv(?, header = false, skip = 1, auto_detect = false, "
            f"delim = '{delim}', quote = '\"', escape = '\"', strict_mode = true, "
            # a line longer than a cell may be (in bytes, so also than any cell in characters)
            # is DuckDB's error: the reference refuses the file, located
            f"null_padding = false, max_line_size = {CSV_CELL.value()}, "
            f"encoding = 'utf-8', columns = {{{cols}}})"
        )


class CsvSpellings:
    """Each distinct glued text of a group, read once by the reference's functions (the
    results kept for the file: :func:`translate` asks per batch)."""

    def __init__(self, layout: CsvLayout, ownership: Any) -> None:
        self.layout = layout
        self.ownership = ownership
        self._seen: dict[Callable[[str], Any], dict[str, Any]] = {}

    def _once(self, raw: str, read: Callable[[str], Any]) -> Any:
        cache = self._seen.setdefault(read, {})
        got = cache.get(raw, _UNSEEN)
        if got is _UNSEEN:
            got = cache[raw] = read(raw)
        return got

    def sig_text(self, raw: str) -> str | None:
        """``sig`` as the JSON Lines query writes it, or ``None``: the row is the checker's."""
        return cast("str | None", self._once(raw, self._sig))

    def facts_text(self, raw: str) -> str | None:
        """``facts`` as the JSON Lines query writes it, or ``None``."""
        return cast("str | None", self._once(raw, self._facts))

    def violations(self, raw: str) -> list[str] | None:
        """The violations as the reference reads them, or ``None``."""
        return cast("list[str] | None", self._once(raw, self._violations))

    def cents(self, raw: str) -> int | None:
        """The fine in cents (-1 when none), or ``None`` when the row must be explained."""
        return cast("int | None", self._once(raw, self._cents))

    def other_ok(self, raw: str) -> bool:
        """Whether the other columns' cells come to nothing (blank, or a flag's no)."""
        return cast(bool, self._once(raw, self._other))

    def _into(self, cols: list[int], texts: list[str]) -> FlatRow | None:
        """The record the reference reads from a row with only these cells; ``None`` when
        it cannot be read (a yes/no cell that is neither)."""
        if len(texts) != len(cols):
            return None  # a cell held the glue character
        cells: list[Any] = [None] * self.layout.width
        for i, t in zip(cols, texts, strict=True):
            cells[i] = t
        into = FlatRow()
        try:
            bad = self.layout.header.record(0, cells, into)
        except (SpotcheckError, ValueError, TypeError):
            return None
        return None if bad is not None else into

    def _coerced(self, into: FlatRow) -> Any:
        """The internal record of ``into`` with placeholders for the required fields it does
        not hold, or ``None`` when coercion reports anything at all."""
        for req in ("unit_id", "domain", "category"):
            into.setdefault(req, "x")
        rec, probs = coerce_record(into, flat=True, partial=True, ownership=self.ownership)
        return None if probs or rec is None else rec

    def _group(self, cols: list[int], raw: str) -> Any:
        """A group's cells, glued, as a coerced record (``None``: the checker's row)."""
        into = self._into(cols, raw.split(SEP) if cols else [])
        return None if into is None else self._coerced(into)

    def _sig(self, raw: str) -> str | None:
        parts = raw.split(SEP)
        into = self._into(self.layout.sig, parts[:-1])
        if into is None or "domain" not in into or "category" not in into:
            return None
        if parts[-1] == "1":
            into.setdefault("penalty", {})["fine_yuan"] = "0"
        rec = self._coerced(into)
        if rec is None:
            return None
        pen = rec.penalty
        texts = [rec.domain, rec.category, rec.ownership]
        texts += [None if pen is None else pen.cases, None if pen is None else pen.revoked]
        texts += [rec.referred, rec.opinion_issued]
        return SEP.join([*map(_json_text, texts), "0" if pen is None else "1"])

    def _facts(self, raw: str) -> str | None:
        rec = self._group(self.layout.facts, raw)
        if rec is None:
            return None
        return SEP.join(map(_json_text, (rec.inspected_on, rec.region, rec.tier)))

    def _violations(self, raw: str) -> list[str] | None:
        rec = self._group(self.layout.viol, raw)
        return None if rec is None else list(rec.violations)

    def _cents(self, raw: str) -> int | None:
        if self.layout.fine is None:
            return -1
        into = self._into([self.layout.fine], [raw])
        if into is None:
            return None
        if "penalty" not in into:
            return -1  # a blank cell
        rec = self._coerced(into)
        if rec is None or rec.penalty is None:
            return None
        fine: Decimal | None = rec.penalty.fine_yuan
        return -1 if fine is None else whole_cents(fine)

    def _other(self, raw: str) -> bool:
        cols = self.layout.other
        into = self._into(cols, raw.split(SEP) if cols else [])
        return into is not None and not into


def _json_text(value: Any) -> str:
    """A coerced value as the JSON text the engine's judges decode (empty: absent)."""
    return "" if value is None else _ENCODE(value).decode()


_UNSEEN: Any = object()


def translate(batch: Any, spell: CsvSpellings) -> tuple[Any, bool]:
    """A batch of the CSV query as a batch of the JSON Lines query's columns (what
    :func:`.columnengine.read_batch` reads), and whether a row of it has every cell blank."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    def mapped(name: str, fn: Callable[[str], Any]) -> tuple[list[Any], Any]:
        enc = pc.dictionary_encode(batch.column(name))
        return [fn(t) for t in enc.dictionary.to_pylist()], numbers(enc.indices)

    n = batch.num_rows
    ok = numbers(batch.column("uid_ok")).copy()
    sig_v, sig_i = mapped("sig_raw", spell.sig_text)
    facts_v, facts_i = mapped("facts_raw", spell.facts_text)
    viol_v, viol_i = mapped("viol_raw", spell.violations)
    fine_v, fine_i = mapped("fine_raw", spell.cents)
    other_v, other_i = mapped("other_raw", spell.other_ok)
    ok &= np.array([v is not None for v in sig_v], dtype=bool)[sig_i]
    ok &= np.array([v is not None for v in facts_v], dtype=bool)[facts_i]
    ok &= np.array([v is not None for v in viol_v], dtype=bool)[viol_i]
    ok &= np.array([v is not None for v in fine_v], dtype=bool)[fine_i]
    ok &= np.array(other_v, dtype=bool)[other_i]
    sig = pc.take(strings([v or _EMPTY_SIG for v in sig_v]), indices(sig_i))
    facts = pc.take(strings([v or _EMPTY_FACTS for v in facts_v]), indices(facts_i))
    lists = [v or [] for v in viol_v]
    vlist = pc.take(string_lists(lists), indices(viol_i))
    vkind = np.array([1 if v else 0 for v in lists], dtype=np.int8)[viol_i]
    cents = np.array([-1 if v is None else v for v in fine_v], dtype=np.int64)[fine_i]
    cents = np.maximum(cents, numbers(batch.column("fine_cents")))  # -1 where not canonical
    out = pa.RecordBatch.from_arrays(
        [
            sig,
            facts,
            pa.Array.from_buffers(pa.int8(), n, [None, pa.py_buffer(vkind)]),
            vlist,
            pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(cents)]),
            pa.nulls(n, pa.string()),
            bools(ok),
            batch.column("key"),
            pa.Array.from_buffers(pa.int32(), n, [None, pa.py_buffer(np.zeros(n, np.int32))]),
        ],
        names=["sig", "facts", "vkind", "vlist", "cents", "fine_text", "plain", "key", "nkeys"],
    )
    return out, bool(numbers(batch.column("all_blank")).any())

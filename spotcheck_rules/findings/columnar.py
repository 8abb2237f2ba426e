"""The columnar engine: a JSON Lines, Parquet or CSV file read column by column by DuckDB, its spellings resolved
once per distinct string through the same rules the hot loop asks (:mod:`.fastpath`), the rows
that need no explanation selected by vectorised masks, and every other row sent, with its line
number, through :meth:`.checker.Checker.check` — so the counts, the problems and their messages
are those of the per-record path, byte for byte.

Chosen by :data:`ENGINE_VARIABLE` (by default for big JSON Lines and Parquet files, where it was
measured faster), and only where it can give the reference's very answer:
the last JSON Lines or Parquet input of a run, no record handed on (no drill-down), no outcome per record,
nothing in the duplicate tables yet. It needs the ``columnar`` extra (DuckDB, pyarrow, numpy),
imported only here and only when used.

How a row is known to need no explanation (:mod:`.columnquery` has the JSON Lines query,
:mod:`.parquetquery` the Parquet one, :mod:`.columnengine` what both share). Each distinct
spelling, or combination of spellings that decide together, is decoded by msgspec with the
internal record's type for the field and judged by the hot loop's own predicates
(:func:`~.fastpath.fast_entry`, :func:`~.fastpath.fast_code`, :func:`~.fastpath.fast_revocation`,
``REGION.accepts``, ``OUTSIDE_YEAR.accepts``, ``NEGATIVE_CASES.accepts``,
:func:`~.rules.handling.handled_cleanly`); a fine that is not in the canonical form goes to the
same msgspec hook (:func:`~.money.parse_amount`). The file goes to the per-record path whole when
DuckDB refuses a line, or when its bytes show what DuckDB does not: a field it skipped or a
``null`` (the colons in the file must number the fields the query counted), an escaped quote,
a blank line (one row a line). A Parquet file goes to it whole when a column's type is not
the one the engine reads (:func:`.parquetquery.query`); its rows that need explanation are read
back by index and converted as the reference path converts them (:mod:`.parquetrows`).
A CSV file is read only when it is plain (:mod:`.csvquery`: UTF-8, quotes only the canonical
way, one row a line, ...); each distinct text of its cells goes once through the reference's own reading
(:meth:`~.spellings.FlatHeader.record`, :func:`~.records.coerce_record`) and comes out as the
JSON texts the machinery above judges; its rows that need explanation are read back by line
and go to the checker as the reference reads them.

Duplicates: every row whose unit, trimmed, is named twice in its domain (by DuckDB's 64-bit hash
of the id: a collision only sends more rows to the checker) takes the per-record path, in line
order, so the first seen wins and the "where" is the same. A unit named once is counted here
and never enters the duplicate table, so the checker's own 64-bit hash of the id cannot, as it
can on the per-record path with odds of about n²/2⁶⁵ (and a hash seed that changes per process),
report two such ids as one unit.
"""

from __future__ import annotations

import codecs
import functools
import importlib.util
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Literal

import msgspec

from ..core.errors import SpotcheckError
from .checker import FNO_MASK, Checker, Progress
from .columnengine import PARTS, Engine, Parts, count, duplicates, read_batch
from .columnquery import ByteCounts, query, scan
from .encodings import chosen_encoding
from .readers import _DECODER, FileInfo, decode_line, lines_at, sha256_async
from .records import RawRecord
from .spellings import FlatHeader

__all__ = [
    "AUTO_CSV_MIN_BYTES",
    "AUTO_MIN_BYTES",
    "CSV_MIN_BYTES",
    "ENGINE_VARIABLE",
    "MIN_BYTES",
    "consume_columnar",
    "consume_csv",
    "consume_parquet",
    "installed",
    "wanted",
]

ENGINE_VARIABLE = "SPOTCHECK_ENGINE"
"""Which engine takes the inputs it can: ``auto`` (the default, also when unset) the engine
where it was measured faster — a JSON Lines file of at least :data:`AUTO_MIN_BYTES`, a Parquet
file of at least :data:`AUTO_PARQUET_MIN_BYTES` — when the ``columnar`` extra is installed;
``columnar`` the engine from :data:`MIN_BYTES` (:data:`PARQUET_MIN_BYTES`) up; ``reference``
(or anything else) the per-record path for every input. The answer is the same on every
setting (tests/test_columnar.py, tests/test_parquet.py); only the time and memory differ."""
MIN_BYTES = 32 << 20
"""JSON Lines files below this size (about 160 000 findings) stay on the per-record path even
when the engine is asked for: its start (DuckDB, pyarrow and numpy imported, a connection) costs
more than it saves there (docs/performance.md)."""
PARQUET_MIN_BYTES = 0
"""The same for Parquet files: none, the per-record path reads Parquet slower than JSON Lines
(every row made a Python object by pyarrow first; docs/performance.md)."""
AUTO_MIN_BYTES = 128 << 20
"""JSON Lines files from this size (about 630 000 findings) take the engine by default: on a
2-core machine, alternated runs, the two were even at 250 000 findings (1.0-1.2 s each), the
engine 5-15% faster at 500 000 (1.29-1.35 s against 1.37-1.51 s), 12% at 1M (1.74 s against
1.97 s, median of 3) and 30% at 4M, for about 30 MB more at 1M (240 MB against the two
processes' 210 MB) and half the memory at 4M (docs/performance.md)."""
AUTO_PARQUET_MIN_BYTES = 1 << 20
"""Parquet files from this size (about 60 000 findings) take the engine by default: at 1M
findings (15 MB) it took 2.3 s where the per-record path took 10.6 s."""
CSV_MIN_BYTES = 0
"""The same for CSV files: none (a CSV row costs the per-record path about 20 µs, eight times
the engine's at 1M findings; docs/performance.md)."""
AUTO_CSV_MIN_BYTES = 4 << 20
"""CSV files from this size (about 40 000 findings) take the engine by default. On a 2-core
machine the two were even at 20 000 findings (2 MB: 0.75 s against 0.70 s), the engine's
start (DuckDB, pyarrow and numpy imported: about 160 MB) most of its time; at 100 000 it took
1.1 s against 2.2 s, at 1M 2.4 s and 305 MB against 21 s and 828 MB."""
_BATCH = 1 << 14
"""Rows a batch: at 1M findings, 2¹⁴ peaked 40-70 MB below 2¹⁷ (one or two DuckDB threads) in
about the same time."""
_CHUNK = 1 << 20


def _mode() -> str:
    return os.environ.get(ENGINE_VARIABLE, "").strip().lower() or "auto"


@functools.cache
def installed() -> bool:
    """Whether the ``columnar`` extra's libraries can be imported (looked up, not imported)."""
    return all(importlib.util.find_spec(m) is not None for m in ("duckdb", "pyarrow", "numpy"))


def wanted(
    checker: Checker,
    sink: object,
    last: bool,
    size: int,
    parquet: bool = False,
    csv: bool = False,
) -> bool:
    """Whether the engine should take this input: chosen (:data:`ENGINE_VARIABLE`), and one it
    answers as the per-record path does (the last input, nothing handed on, no outcome per
    record, the duplicate tables still empty)."""
    mode = _mode()
    if mode == "columnar":
        least = CSV_MIN_BYTES if csv else PARQUET_MIN_BYTES if parquet else MIN_BYTES
    elif mode == "auto":
        least = AUTO_CSV_MIN_BYTES if csv else AUTO_PARQUET_MIN_BYTES if parquet else AUTO_MIN_BYTES
    else:
        return False
    # without the extra, the per-record path gives the very answer (asked-for or not)
    if size < least or not installed():
        return False
    return (
        sink is None
        and last
        and not checker.record_outcomes
        and not checker.sealed
        and all(not st.seen for st in checker.states.values())
    )


def _threads() -> int:
    """Every core for DuckDB: on a quiet 2-core machine two threads took 2.5 s at 1M where one
    took 3.2 s (under load from other jobs, one had been faster)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, cores)


def _read(
    eng: Engine,
    sql: str,
    path: Path,
    size: int,
    progress: Progress | None,
    rows_hint: int,
    translate: Callable[[Any], Any] | None = None,
) -> tuple[Parts, int, int] | None:
    """The query's batches through :func:`.columnengine.read_batch`: (the per-row arrays, the
    rows, the fields counted), or ``None`` when DuckDB refuses the file. ``translate``: what
    turns a batch of another query into one of the JSON Lines query's columns (CSV), or
    ``None`` when the file must go to the per-record path after all."""
    import duckdb

    parts = Parts(rows_hint)
    nkeys = rows = 0
    try:
        con = duckdb.connect()
        try:
            con.execute("SET enable_progress_bar = false")
            con.execute(f"SET threads = {_threads()}")
            reader = con.sql(sql, params=[os.fspath(path)]).to_arrow_reader(_BATCH)
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except (duckdb.Error, OSError, ValueError):
                    # a line DuckDB refuses (a duplicate key, not an object, bad JSON), raised
                    # as DuckDB's error or through pyarrow's reader as OSError/ArrowInvalid:
                    # the file is the per-record path's, which reports it (or fails to read
                    # it) as it always does
                    return None
                if translate is not None:
                    batch = translate(batch)
                    if batch is None:
                        return None
                nkeys += read_batch(eng, batch, parts, rows)
                rows += batch.num_rows
                if progress is not None:
                    progress(min(size - 1, rows * 200), size)
        finally:
            con.close()
    except duckdb.Error:  # refused before the first batch
        return None
    return parts, rows, nkeys


def _size(checker: Checker, path: Path, info: FileInfo) -> int | None:
    """The input's size in bytes, or ``None`` when the checker's duplicate table could not
    number it (the engine then leaves it to the per-record path)."""
    if checker.file_number(info.path) > FNO_MASK:
        return None
    return info.size or path.stat().st_size


def _settle(checker: Checker, eng: Engine, parts: Parts, bom: bool) -> list[int]:
    """Count the rows that need no explanation; the others' 0-based numbers, ascending."""
    import numpy as np

    cat = {k: parts.view(k) for k in PARTS}
    clean = cat["combo"] >= 0
    if bom:
        clean[0] = False  # the per-record path decodes a first line with a BOM apart
    _duplicates(clean, cat["key"])
    _count(eng, cat, clean)
    n_clean = int(clean.sum())
    checker.read += n_clean
    checker.accepted += n_clean
    rows: list[int] = np.flatnonzero(~clean).tolist()
    return rows


# the steps by these names, so that a test can break one and see the property fail
_duplicates = duplicates
_count = count


def consume_columnar(
    checker: Checker, path: Path, info: FileInfo, progress: Progress | None = None
) -> int | None:
    """Check a JSON Lines file with the engine; the number of records, or ``None`` when the
    file is one the engine leaves to the per-record path (then nothing was counted or
    reported: only the checker's caches of resolved spellings were filled)."""
    name = info.path
    size = _size(checker, path, info)
    if not size:
        return None
    counted = ByteCounts()
    scanner = threading.Thread(target=scan, args=(path, counted), daemon=True)
    scanner.start()
    eng = Engine(checker)
    # a JSON Lines finding takes at least about 50 bytes: a capacity that never needs to grow
    got = _read(eng, query(), path, size, progress, size // 50)
    scanner.join()
    if got is None:
        return None
    if counted.failed:
        raise counted.failed[0]
    parts, rows, nkeys = got
    if rows != counted.lines or not counted.keys_are(nkeys) or counted.escapes_quotes():
        return None
    _explain(checker, path, name, _settle(checker, eng, parts, counted.bom))
    checker.sealed = True  # the duplicate tables hold only the units of the rows explained
    info.sha256 = counted.sha256
    info.records = rows
    info.done = size
    return rows


def consume_parquet(
    checker: Checker, path: Path, info: FileInfo, progress: Progress | None = None
) -> int | None:
    """Check a Parquet file with the engine, as :func:`consume_columnar` a JSON Lines file
    (``None``: a column the engine does not read, or DuckDB refused the file)."""
    from .parquetquery import query as parquet_query
    from .parquetrows import ParquetRows

    name = info.path
    size = _size(checker, path, info)
    if size is None:
        return None
    source = ParquetRows(path, name)  # an unreadable file: the reference path's very error
    sql = parquet_query(source.schema)
    if sql is None:
        return None
    digest = sha256_async(path)
    eng = Engine(checker)
    got = _read(eng, sql, path, size, progress, source.rows)
    sha256 = digest()
    if got is None or got[1] != source.rows:
        return None
    rows = got[1]
    check = checker.check
    for i, value in source.at(_settle(checker, eng, got[0], False)):
        check(RawRecord(name, i + 1, i, value))
    checker.sealed = True
    info.sha256 = sha256
    info.records = rows
    info.done = size
    return rows


def _explain(checker: Checker, path: Path, name: str, rows: list[int]) -> None:
    """The other rows (0-based, ascending) through the checker, in line order, decoded as the
    hot loop decodes a line it sends there."""
    decode = _DECODER.decode
    check = checker.check
    for row, line in lines_at(path, rows):
        try:
            value: Any = decode(line)
        except msgspec.DecodeError:
            value = decode_line(line, row + 1)
        check(RawRecord(name, row + 1, row, value))


def consume_csv(
    checker: Checker, path: Path, info: FileInfo, progress: Progress | None = None
) -> int | None:
    """Check a CSV file with the engine, as :func:`consume_columnar` a JSON Lines file
    (``None``: a file that is not plain, :mod:`.csvquery`; then nothing was counted). A file
    that is not UTF-8 (GB18030, UTF-16: what Excel writes by default) is decoded as the
    reference decodes it (:func:`.encodings.decode_csv`, its very choice of encoding and
    delimiter, or the codec named with ``--encoding``) and read from a UTF-8 copy of the
    text, line for line the same."""
    name = info.path
    size = _size(checker, path, info)
    if not size:
        return None
    # a codec named with --encoding (never UTF-8 here: .sources) is the one to read it with
    got = False if chosen_encoding() else _plain_csv(checker, path, name, progress, size)
    if got is False:  # not UTF-8, NUL bytes (UTF-16 without a BOM?), or a codec named
        got = _transcoded_csv(checker, path, name, progress)
    if not got:
        return None
    rows, sha256, encoding = got
    info.sha256 = sha256
    info.encoding = encoding
    info.records = rows
    info.done = size
    return rows


def _transcoded_csv(
    checker: Checker, path: Path, name: str, progress: Progress | None
) -> tuple[int, str, str] | None:
    """A CSV file of another encoding than UTF-8 through :func:`_plain_csv`, from a UTF-8 copy
    of the text the reference decodes (in a private temporary folder, removed after), decoded
    and copied a chunk at a time (:func:`.encodings.transcode_csv`): neither the file's bytes
    nor its text are held whole."""
    import hashlib
    import tempfile

    from .encodings import transcode_csv

    digest = hashlib.sha256()

    def chunks(f: BinaryIO) -> Iterator[bytes]:
        while block := f.read(_CHUNK):
            digest.update(block)
            yield block

    try:
        with tempfile.TemporaryDirectory(prefix="spotcheck-csv-") as tmp:
            copy = Path(tmp) / "utf8.csv"
            with path.open("rb") as src, copy.open("w", encoding="utf-8", newline="") as dst:
                encoding = transcode_csv(chunks(src), dst.write)
            if encoding is None:
                return None  # UTF-8 and not plain for another reason, or the reference refuses it
            got = _plain_csv(checker, copy, name, progress, copy.stat().st_size)
    except OSError:
        return None  # no room for the copy: the per-record path reads the file itself
    if not got:
        return None
    return got[0], digest.hexdigest(), encoding


def _plain_csv(
    checker: Checker, path: Path, name: str, progress: Progress | None, size: int
) -> tuple[int, str, str] | Literal[False] | None:
    """A plain UTF-8 CSV file through the engine (:mod:`.csvquery`): (rows, SHA-256,
    encoding); ``None`` when it is not plain, ``False`` when it is not UTF-8 or holds NUL
    bytes (nothing counted either way)."""
    from .csvquery import (
        CsvBytes,
        CsvLayout,
        CsvSpellings,
        cells_of,
        quoted_lines,
        scan_csv,
        translate,
    )
    from .encodings import _delimiter
    from .readers import FindingsReadError
    from .rows import _Headers

    with path.open("rb") as f:
        first = f.readline(1 << 20)
        sample = first + f.read(_CHUNK)
    bom = first.startswith(b"\xef\xbb\xbf")
    if first.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in sample:
        return False
    try:  # the scan would find it at the end: GB18030 shows in the first rows
        codecs.getincrementaldecoder("utf-8")().decode(sample, False)
    except UnicodeDecodeError:
        return False
    try:
        text = first[3 if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not text.endswith("\n") or '"' in text:
        return None  # a quoted header is the reference's to read
    delimiter = _delimiter(text)
    cells = cells_of(text.rstrip("\r\n"), delimiter)
    if not cells or _Headers(cells).unnamed:
        return None
    try:
        header = FlatHeader(cells, file=name, line=1, error=FindingsReadError)
    except SpotcheckError:
        return None  # the per-record path refuses it, as it always does
    counted = CsvBytes(delimiter=delimiter.encode())
    scanner = threading.Thread(target=scan_csv, args=(path, counted), daemon=True)
    scanner.start()
    layout = CsvLayout(header, len(cells))
    spell = CsvSpellings(layout, checker.ownership)
    eng = Engine(checker)
    blank = [False]

    def translated(batch: Any) -> Any:
        out, all_blank = translate(batch, spell)
        blank[0] = blank[0] or all_blank
        return None if all_blank else out

    got = _read(eng, layout.query(delimiter), path, size, progress, size // 40, translated)
    scanner.join()
    if counted.failed:
        raise counted.failed[0]
    if not counted.utf8 or counted.nul:
        return False
    if got is None or blank[0] or (counted.quoted and counted.quoted[0] == 0):
        return None
    parts, rows, _ = got
    if rows != counted.lines - 1:
        return None  # a blank line DuckDB skipped, a quoted cell across lines, the header alone
    quoted = [line - 1 for line in counted.quoted]
    seen = quoted_lines(path, quoted, delimiter, len(cells)) if quoted else (0, [])
    if seen is None or not counted.plain(len(cells), seen[0]):
        return None
    if seen[1]:
        import numpy as np

        parts.view("combo")[np.array(seen[1], dtype=np.int64)] = -1  # the checker's
    clean = _settle(checker, eng, parts, False)
    _explain_csv(checker, path, name, header, len(cells), delimiter, clean)
    checker.sealed = True
    return rows, counted.sha256, "utf-8-sig" if bom else "utf-8"


def _explain_csv(
    checker: Checker,
    path: Path,
    name: str,
    header: FlatHeader,
    width: int,
    delimiter: str,
    rows: list[int],
) -> None:
    """The other rows (0-based, after the header) through the checker, in line order, read as
    the reference reads them (:func:`.readers._flat_records`)."""
    from .csvquery import cells_of
    from .records import FlatRow, Unparsable

    check = checker.check
    for row, raw in lines_at(path, rows, skip=1):
        text = raw.decode("utf-8").removesuffix("\r")
        cells = cells_of(text, delimiter)
        assert cells is not None  # DuckDB's line limit, or quoted_lines, saw every cell
        line = row + 2
        value: Any = FlatRow()
        if len(cells) != width:  # as rows.iter_csv and readers._flat_records say it
            value = Unparsable(f"第 {line} 行有 {len(cells)} 个字段，表头有 {width} 个")
        else:
            bad = header.record(line, cells, value)
            if bad is not None:
                value = Unparsable(bad)
        check(RawRecord(name, line, row, value))

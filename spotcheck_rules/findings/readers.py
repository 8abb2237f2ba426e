"""Findings and census files: format detection (:func:`detect_format`) and the readers of
each format (JSON Lines, JSON, YAML, CSV, XLSX, Parquet: :mod:`.parquetrows`), the JSON Lines hot path (chunks, ranges, line
counts, the SHA-256 on a helper thread) and the census reader (:func:`read_census`).

Readers (:func:`read_records`) stream: each yields one :class:`~.records.RawRecord` at a time
with its line (JSON Lines, YAML) or row (CSV, XLSX, Parquet) number, so a problem can be located in the
file the user edits. JSON Lines lines decode straight into the internal record (``_DECODER``).
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from ..core.errors import SpotcheckError, UsageError
from ..core.limits import DEPTH, json_depth, load_json
from .encodings import chosen_encoding, decode_csv
from .money import _dec_hook
from .parquetrows import read_parquet
from .records import FlatRow, RawRecord, Unparsable, _Rec
from .rows import Row, iter_csv, iter_xlsx
from .spellings import FlatHeader

__all__ = [
    "FORMATS",
    "SUFFIXES",
    "FileInfo",
    "FindingsReadError",
    "content_format",
    "count_lines",
    "decode_line",
    "detect_format",
    "flat_header",
    "iter_values",
    "jsonl_chunks",
    "jsonl_range",
    "lines_at",
    "read_census",
    "read_records",
    "read_whole",
    "sha256_async",
]

FORMATS = ("jsonl", "json", "yaml", "csv", "xlsx", "parquet")
# The format each file extension names (``.json`` is either: see :func:`content_format`).
SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".yaml": "yaml", ".yml": "yaml"}
SUFFIXES.update({".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet"})


def content_format(head: bytes) -> str | None:
    """The format the first bytes of content show (``None`` when they show none): a Parquet
    file (``PAR1``), an xlsx zip, a JSON array, a JSON object (JSON Lines), a YAML list; a
    byte-order mark and white space before the text formats are skipped."""
    if head.startswith(b"PAR1"):
        return "parquet"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"PK\x03\x04"):
        return "xlsx"
    if start.startswith(b"["):
        return "json"
    if start.startswith(b"{"):
        return "jsonl"
    if start.startswith(b"-"):
        return "yaml"
    return None


class FindingsReadError(SpotcheckError):
    """A findings or census file that cannot be read at all (missing, wrong format)."""


# --------------------------------------------------------------------------- readers


def detect_format(path: str | Path) -> str:
    """The format of a findings file, from its extension (``.json`` is sniffed)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if suffix == ".json":
        with p.open("rb") as f:
            return "json" if content_format(f.read(4096)) == "json" else "jsonl"
    raise UsageError(f"无法识别文件格式：{p}（支持 .jsonl .json .yaml .yml .csv .xlsx .parquet）")


@dataclass
class FileInfo:
    """Filled in by a reader as it goes: the file's SHA-256 and its record count."""

    path: str
    sha256: str | None = None
    records: int = 0
    size: int = 0
    done: int = 0  # bytes consumed so far, for progress bars
    encoding: str | None = None  # the codec a CSV file was read with


_DECODER = msgspec.json.Decoder(_Rec, dec_hook=_dec_hook)
_ANY_DECODER = msgspec.json.Decoder()
_CHUNK = 1 << 20


def read_records(
    source: str | os.PathLike[str],
    *,
    format: str | None = None,
    info: FileInfo | None = None,
    encoding: str | None = None,
) -> Iterator[RawRecord]:
    """Stream the records of one findings file, each with its line or row number.

    ``info`` (optional) receives the SHA-256 and the count when the stream is exhausted.
    ``encoding`` names a CSV file's codec (default: that of an enclosing
    :func:`~.encodings.reading_encoding` block, else detected: :func:`~.encodings.decode_csv`).
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
        "parquet": read_parquet,
    }
    if fmt not in readers:
        raise UsageError(f"未知的检查结果格式：{fmt}（可用：{'、'.join(FORMATS)}）")
    if fmt == "csv":  # the codec is chosen now, in the caller's context, not where it iterates
        return _read_csv(path, info, chosen_encoding(encoding))
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


def lines_at(path: Path, rows: list[int], skip: int = 0) -> Iterator[tuple[int, bytes]]:
    """(row, its line without the newline) for each wanted 0-based row, ascending, after
    ``skip`` lines (a CSV header). The newlines of each chunk are found by numpy, and only the
    wanted lines are cut out (splitting every chunk into its lines cost 0.15 s at 1M)."""
    import numpy as np

    it = iter(rows)
    want = next(it, -1)
    first = -skip  # the row of the first line in ``buf``
    tail = b""
    with path.open("rb") as f:
        while want >= 0:
            chunk = f.read(_CHUNK)
            buf = tail + chunk if tail else chunk
            ends = np.flatnonzero(np.frombuffer(buf, dtype=np.uint8) == 0x0A)
            whole = len(ends)  # the lines that end in this buffer
            if not chunk:  # the end of the file: what follows the last newline is a line
                ends = np.append(ends, len(buf))
            starts = np.concatenate(([0], ends[:-1] + 1))
            lines = len(ends)
            while 0 <= want < first + lines:
                k = want - first
                yield want, buf[int(starts[k]) : int(ends[k])]
                want = next(it, -1)
            first += whole
            tail = buf[int(ends[whole - 1]) + 1 :] if whole else buf
            if not chunk:
                break


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


def read_whole(path: Path, info: FileInfo) -> bytes:
    """A file read at once (JSON, YAML, CSV, XLSX), its SHA-256 and size noted in ``info``: the
    digest is of exactly the bytes the records come from."""
    data = path.read_bytes()
    info.sha256 = hashlib.sha256(data).hexdigest()
    info.done = len(data)
    return data


def _read_json(path: Path, info: FileInfo) -> Iterator[RawRecord]:
    data = read_whole(path, info)
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

    read_whole(path, info)  # its digest and size; read_yaml reads it again, with its own limits
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


def _flat_records(
    rows: Iterator[Row], info: FileInfo, kind: str = "findings"
) -> Iterator[RawRecord]:
    """Records from flat rows (the first is the header, read by
    :class:`~.spellings.FlatHeader`: Chinese headers, yes/no columns, dates). A row that cannot
    be trusted as read (see :mod:`spotcheck_rules.findings.rows`) is a located
    :class:`Unparsable` record: rejected, never dropped, never half-read."""
    header_row = next(rows, None)
    if header_row is None:
        info.records = 0
        return
    header = FlatHeader(
        header_row.cells,
        file=info.path,
        line=header_row.line,
        error=FindingsReadError,
        kind=kind,
        sheet=header_row.sheet,
    )
    index = 0
    for row in rows:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row.cells):
            continue  # a blank row is layout, not a record
        value: Any
        if row.problems:
            value = Unparsable("第 " + str(row.line) + " 行" + "；".join(row.problems))
        else:
            value = FlatRow()
            bad = header.record(row.line, row.cells, value)
            if bad is not None:
                value = Unparsable(bad)
        yield RawRecord(info.path, row.line, index, value)
        index += 1
    info.records = index


def flat_header(
    source: str | os.PathLike[str], *, encoding: str | None = None, kind: str = "findings"
) -> FlatHeader | None:
    """The header of a CSV or xlsx file as its records are read (``None`` for another format),
    to place a problem at its cell: :meth:`~.spellings.FlatHeader.column_of`."""
    path = Path(source)
    fmt = detect_format(path)
    if fmt not in ("csv", "xlsx"):
        return None
    data = path.read_bytes()
    name = os.fspath(source)
    if fmt == "csv":
        decoded = decode_csv(data, name, FindingsReadError, encoding)
        rows = iter_csv(decoded.text, name, FindingsReadError, "F009", decoded.delimiter)
    else:
        rows = iter_xlsx(data, name, FindingsReadError, "F009")
    try:
        first = next(rows, None)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    if first is None:
        return None
    return FlatHeader(
        first.cells,
        file=name,
        line=first.line,
        error=FindingsReadError,
        kind=kind,
        sheet=first.sheet,
    )


def _read_csv(
    path: Path, info: FileInfo, encoding: str | None = None, kind: str = "findings"
) -> Iterator[RawRecord]:
    data = read_whole(path, info)
    decoded = decode_csv(data, info.path, FindingsReadError, encoding)
    info.encoding = decoded.encoding
    rows = iter_csv(decoded.text, info.path, FindingsReadError, "F009", decoded.delimiter)
    yield from _flat_records(rows, info, kind)


def _read_xlsx(
    path: Path, info: FileInfo, encoding: str | None = None, kind: str = "findings"
) -> Iterator[RawRecord]:
    data = read_whole(path, info)
    yield from _flat_records(iter_xlsx(data, info.path, FindingsReadError, "F009"), info, kind)


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
        return list(_read_xlsx(path, FileInfo(str(source)), kind="census"))
    if fmt == "csv":
        return list(_read_csv(path, FileInfo(str(source)), chosen_encoding(), kind="census"))
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

"""The engine's counts on a file's bytes (``columnquery.scan`` for JSON Lines,
``csvquery.scan_csv`` for CSV) are the counts of the whole file however it is cut into chunks:
a hypothesis property over files made of the bytes that matter — newlines, CR, NUL, the
delimiters, colons, backslashes, quotes, a byte-order mark, a character of several bytes, a
stray byte — read in chunks of 4 to 9 bytes (so every pair and triple falls across a boundary
somewhere; at least 4, the byte-order mark and a first blank line, as the real chunk of
1 MiB holds them), against ``bytes.count`` and ``split`` on the whole file. The engine takes or hands
back a file on these counts; one off and a file it must not read would be read."""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spotcheck_rules.findings import columnquery, csvquery

_PIECES = st.sampled_from(
    [b"\n", b"\r", b"\r\n", b"\x00", b",", b"\t", b":", b"\\", b'"', b"a", b"\xe7\xa4\xba", b"\xff"]
)
_FILES = st.tuples(st.booleans(), st.lists(_PIECES, max_size=60)).map(
    lambda t: (codecs.BOM_UTF8 if t[0] else b"") + b"".join(t[1])
)
_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@_SETTINGS
@given(data=_FILES, chunk=st.integers(4, 9))
def test_json_lines_counts_are_the_whole_file_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, chunk: int
) -> None:
    monkeypatch.setattr(columnquery, "_CHUNK", chunk)
    path = tmp_path / "f.jsonl"
    path.write_bytes(data)
    out = columnquery.ByteCounts()
    columnquery.scan(path, out)
    assert not out.failed
    assert (out.colons, out.backslashes, out.newlines) == (
        data.count(b":"),
        data.count(b"\\"),
        data.count(b"\n"),
    )
    assert out.last == (data[-1] if data else 0)
    assert out.bom is data.startswith(codecs.BOM_UTF8)
    assert out.sha256 == hashlib.sha256(data).hexdigest()


@_SETTINGS
@given(data=_FILES, chunk=st.integers(4, 9), delimiter=st.sampled_from([b",", b"\t"]))
def test_csv_counts_are_the_whole_file_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, chunk: int, delimiter: bytes
) -> None:
    monkeypatch.setattr(csvquery, "_CHUNK", chunk)
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    out = csvquery.CsvBytes(delimiter=delimiter)
    csvquery.scan_csv(path, out)
    assert not out.failed
    counts = (out.newlines, out.cr, out.crlf, out.nul, out.delimiters)
    assert counts == (
        data.count(b"\n"),
        data.count(b"\r"),
        data.count(b"\r\n"),
        data.count(b"\x00"),
        data.count(delimiter),
    )
    body = data.removeprefix(codecs.BOM_UTF8)
    blank = body.startswith(b"\n") or b"\n\n" in data or b"\n\r\n" in data
    assert bool(out.blank_lines) is blank
    assert out.quoted == [i for i, line in enumerate(data.split(b"\n")) if b'"' in line]
    assert out.utf8 is _utf8(data)
    assert out.last == (data[-1] if data else 0)
    assert out.bom is data.startswith(codecs.BOM_UTF8)
    assert out.sha256 == hashlib.sha256(data).hexdigest()

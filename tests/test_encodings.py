"""The encoding guess for CSV files (spotcheck_rules.findings.encodings): the unlikely
characters a GB18030 reading turns up are found per distinct character and then searched for
(fast on a big file); a property holds them to the character-by-character definition — the
same characters, as often, in the same order — and the count of non-ASCII characters to its
own definition."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck_rules.findings import encodings
from spotcheck_rules.findings.readers import FindingsReadError


def _uncommon_by_each_character(text: str) -> list[str]:
    """The definition, one character at a time (the implementation before it was made fast)."""
    out = []
    for c in text:
        o = ord(c)
        if o <= 0x7F or 0xFF01 <= o <= 0xFF5E or c in "√×✓✔✗✘\ufeff":
            continue
        if any(lo <= o <= hi for lo, hi in encodings._UNLIKELY):
            out.append(c)
            continue
        try:
            c.encode("gb2312")
        except UnicodeEncodeError:
            out.append(c)
    return out


# ASCII, common Chinese, full-width forms, the symbols let through, and what GB2312 lacks or
# the unlikely ranges hold (Big5-read text, private use, regex metacharacters)
_ALPHABET = st.sampled_from(
    list("ab,;\n\r\t]^\\-[.*")
    + list("示例单位医疗卫生，。、")
    + list("ＡＢ１２√×✓\ufeff")
    + list("醫療衛生錯誤")
    + ["\ue000", "\u00e9", "\u0301", "\U0001f600", "\x85", "\u2028"]
)


@given(st.text(alphabet=_ALPHABET, max_size=200))
def test_unlikely_characters_as_defined(text: str) -> None:
    assert encodings._uncommon(text) == _uncommon_by_each_character(text)
    assert encodings._non_ascii(text) == sum(1 for c in text if ord(c) > 0x7F)


def test_a_big_text_is_judged_quickly() -> None:
    """Not a timing assertion (machines differ): the fast path on a text with nothing unlikely
    returns no characters, and on one with a few returns exactly those."""
    text = "U0,示例单位,medical\n" * 10_000
    assert encodings._uncommon(text) == []
    assert encodings._uncommon(text + "醫" + text + "醫") == ["醫", "醫"]


# -- the streaming decode: the same decision and the same text as decode_csv ------------------

_CODECS = (
    "utf-8",
    "utf-8-sig",
    "gb18030",
    "big5",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "latin-1",
)


@st.composite
def _files(draw: st.DrawFn) -> bytes:
    """A CSV file's bytes as Excel, WPS or another program may write them: a text in one
    codec (with or without its byte-order mark), now and then with a stray byte, a NUL, or
    cut in the middle of a character."""
    text = draw(st.text(alphabet=_ALPHABET, max_size=300))
    codec = draw(st.sampled_from(_CODECS))
    data = text.encode(codec, "ignore")
    fault = draw(st.sampled_from(("none", "none", "stray", "nul", "cut", "bom twice")))
    at = draw(st.integers(0, len(data)))
    if fault == "stray":
        data = (
            data[:at] + draw(st.sampled_from([b"\xff", b"\x80", b"\xfe\xff", b"\x81"])) + data[at:]
        )
    elif fault == "nul":
        data = data[:at] + b"\x00" + data[at:]
    elif fault == "cut":
        data = data[:at]
    elif fault == "bom twice" and codec == "utf-16":
        data = data[:2] + data
    return data


def _reference(data: bytes) -> tuple[str, str] | None:
    """What transcode_csv must give: decode_csv's codec and text, or None where it refuses
    the file or reads it as UTF-8."""
    try:
        got = encodings.decode_csv(data, "f.csv", FindingsReadError)
    except FindingsReadError:
        return None
    return None if got.encoding.startswith("utf-8") else (got.encoding, got.text)


def _streamed(data: bytes, cuts: list[int]) -> tuple[str, str] | None:
    pieces: list[str] = []
    edges = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    chunks = [data[a:b] for a, b in itertools.pairwise(edges)]
    encoding = encodings.transcode_csv(chunks, pieces.append)
    return None if encoding is None else (encoding, "".join(pieces))


@settings(max_examples=400, deadline=None)
@given(_files(), st.lists(st.integers(0, 10_000), max_size=6), st.sampled_from([None, *_CODECS]))
def test_streamed_decoding_is_decode_csv(data: bytes, cuts: list[int], named: str | None) -> None:
    """Cut into chunks anywhere (inside a character, inside the first 4 KiB), with or without
    ``--encoding``: the streaming decode chooses what decode_csv chooses and writes its text."""
    with encodings.reading_encoding(named):
        assert _streamed(data, cuts) == _reference(data)


def test_streamed_decoding_of_a_big_file() -> None:
    """The zero-byte test and the share of unlikely characters span chunks as they span the
    file: a GB18030 file of common characters past 4 KiB, the same with a Big5 tail (refused
    by both), and UTF-16 without a mark."""
    text = "unit_id,unit_name\n" + "U1,示例单位卫生院\n" * 2000
    big = text.encode("gb18030")
    assert _streamed(big, [4000, 4097, 30_001]) == ("gb18030", text) == _reference(big)
    tail = big + ("醫療衛生錯誤" * 2000).encode("big5").decode("gb18030", "ignore").encode(
        "gb18030"
    )
    assert _reference(tail) is None and _streamed(tail, [5000, 60_000]) is None
    le = text.encode("utf-16-le")
    assert _streamed(le, [1, 4095, 9999]) == ("utf-16-le", text) == _reference(le)

"""The encoding guess for CSV files (spotcheck_rules.findings.encodings): the unlikely
characters a GB18030 reading turns up are found per distinct character and then searched for
(fast on a big file); a property holds them to the character-by-character definition — the
same characters, as often, in the same order — and the count of non-ASCII characters to its
own definition."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from spotcheck_rules.findings import encodings


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

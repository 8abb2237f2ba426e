"""The text encoding and the separator of a CSV file, as Excel and WPS on Chinese Windows save it.

Excel's "CSV" on a Chinese Windows is GBK (GB18030 is its superset and decodes it identically),
"CSV UTF-8" is UTF-8 with a byte-order mark, and "Unicode text" (Unicode 文本) is UTF-16 with a
byte-order mark and *tab*-separated. :func:`decode_csv` detects which, in this order: an
encoding the user named (``--encoding``); a byte-order mark (UTF-8, UTF-16); UTF-16 without a
mark, from its zero bytes; UTF-8; GB18030. A GB18030 reading is trusted only when its Chinese
characters are, nearly all, the common ones (GB2312's): text in another encoding (Big5, a
Japanese or Western code page) also decodes as GB18030, into rare characters. When the guess is
not sure, the file is refused with F065, naming the guess and how to override it.

May import: ``core`` and the standard library.
"""

from __future__ import annotations

import codecs
import contextlib
import contextvars
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ..core.errors import Problem, SpotcheckError, UsageError
from ..core.text import preview

__all__ = [
    "Decoded",
    "check_encoding",
    "chosen_encoding",
    "decode_csv",
    "reading_encoding",
    "transcode_csv",
]

_OVERRIDE: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "spotcheck_encoding", default=None
)
_RARE_SHARE = 0.1  # more than this share of unlikely characters: not sure it is GB18030
# Characters GB2312 has that findings hardly ever hold, but that text in another encoding
# read as GB18030 turns into: box drawing, kana, Greek, Cyrillic, zhuyin.
_UNLIKELY = (
    (0x2500, 0x257F),
    (0x3040, 0x30FF),
    (0x0370, 0x03FF),
    (0x0400, 0x04FF),
    (0x3100, 0x312F),
)
_BOMS = {
    "utf-16": (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE),
    "utf-32": (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE),
}
_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8（带 BOM）",
    "utf-16": "UTF-16（带 BOM）",
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    "gb18030": "GB18030/GBK",
}


@dataclass(frozen=True)
class Decoded:
    """A CSV file's text, the codec it was read with and its field separator."""

    text: str
    encoding: str
    delimiter: str

    @property
    def encoding_name(self) -> str:
        return _NAMES.get(self.encoding, self.encoding)


def check_encoding(name: str) -> str:
    """The codec a user named (``--encoding gbk``), normalised; :class:`UsageError` if unknown."""
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise UsageError(
            f"未知的编码：{preview(name)}（可用如 utf-8、utf-8-sig、gb18030、gbk、utf-16）"
        ) from None
    return codec.name


@contextlib.contextmanager
def reading_encoding(name: str | None) -> Iterator[None]:
    """Within the block, flat files are read with the codec ``name``; ``None`` keeps what an
    enclosing block chose (else the codec is detected).

    What ``validate(..., encoding=)`` and ``aggregate(..., encoding=)`` use to reach the readers,
    the census included; a context variable, so each thread (and task) has its own."""
    token = _OVERRIDE.set(check_encoding(name) if name else _OVERRIDE.get())
    try:
        yield
    finally:
        _OVERRIDE.reset(token)


def chosen_encoding(name: str | None = None) -> str | None:
    """``name`` if given, else the codec of the enclosing :func:`reading_encoding` block."""
    return check_encoding(name) if name else _OVERRIDE.get()


def _refuse(error: type[SpotcheckError], file: str, message: str) -> SpotcheckError:
    return error(f"{file}：{message}", [Problem("F065", message, file=file)])


def _line_of(data: bytes, pos: int, encoding: str = "latin-1") -> int:
    """The 1-based line of byte ``pos`` (the bytes before it read with ``encoding``)."""
    return data[:pos].decode(encoding, errors="replace").count("\n") + 1


def decode_csv(
    data: bytes, file: str, error: type[SpotcheckError], encoding: str | None = None
) -> Decoded:
    """Decode a CSV file's bytes (see the module's docstring); raises ``error`` with F065 when
    the encoding cannot be told, or the named one does not decode the file."""
    encoding = chosen_encoding(encoding)
    if encoding is not None:
        if encoding.startswith("utf-8") and data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            msg = (
                f"按指定的编码 {encoding} 无法读取：第 {_line_of(data, exc.start)} 行有不属于该编码的字节"
                f"（{data[exc.start : exc.start + 4]!r}）；请检查 --encoding"
            )
            raise _refuse(error, file, msg) from None
        return Decoded(text, encoding, _delimiter(text))
    if data.startswith(codecs.BOM_UTF8):
        return _utf(data, "utf-8-sig", file, error)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _utf(data, "utf-16", file, error)
    zeros = _utf16_without_bom(data)
    if zeros is not None:
        return _utf(data, zeros, file, error)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    else:
        return Decoded(text, "utf-8", _delimiter(text))
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        msg = (
            f"无法确定文件编码：不是 UTF-8（第 {_line_of(data, first_bad)} 行），按 GB18030/GBK 也无法读取"
            f"（第 {_line_of(data, exc.start)} 行）。猜测：GB18030；若文件是其他编码，请用 --encoding 指明"
            "（如 big5、utf-16），或在 Excel/WPS 中另存为“CSV UTF-8”"
        )
        raise _refuse(error, file, msg) from None
    rare = _uncommon(text)
    chinese = _non_ascii(text)
    if rare and len(rare) > _RARE_SHARE * chinese:
        sample = "".join(dict.fromkeys(rare))[:8]
        msg = (
            f"无法确定文件编码：不是 UTF-8；按 GB18030/GBK 读取时 {chinese} 个非 ASCII 字符中有 "
            f"{len(rare)} 个不像检查结果中的字（如“{sample}”），可能是其他编码（如 Big5）。猜测：GB18030。"
            "若确为 GB18030/GBK，请加 --encoding gb18030；否则用 --encoding 指明编码，"
            "或在 Excel/WPS 中另存为“CSV UTF-8”"
        )
        raise _refuse(error, file, msg)
    return Decoded(text, "gb18030", _delimiter(text))


def _utf(data: bytes, encoding: str, file: str, error: type[SpotcheckError]) -> Decoded:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        msg = (
            f"文件以 {_NAMES.get(encoding, encoding)} 的标记开头，但第 {_line_of(data, exc.start, encoding)} "
            f"行有不属于该编码的字节。猜测：{_NAMES.get(encoding, encoding)}；请用 --encoding 指明编码"
        )
        raise _refuse(error, file, msg) from None
    if encoding == "utf-16" and text.startswith("\ufeff"):
        text = text[1:]
    return Decoded(text, encoding, _delimiter(text))


def transcode_csv(chunks: Iterable[bytes], write: Callable[[str], object]) -> str | None:
    """What :func:`decode_csv` makes of a file that is not UTF-8, a chunk of its bytes at a
    time: its text given to ``write`` piece by piece (together, the very text
    :func:`decode_csv` returns) and the codec :func:`decode_csv` chooses — or ``None`` when it
    would choose UTF-8 or refuse the file (then what was written is to be thrown away, and
    the file read whole by the reference). No copy of the whole file or its text is held.

    The same decisions in the same order: the codec named (``--encoding``); a byte-order mark;
    UTF-16's zero bytes in the first 4 KiB; UTF-8 (checked alongside, without its text);
    GB18030, with its share of unlikely characters counted as it goes."""
    it = iter(chunks)
    head = b""
    for block in it:  # enough for the byte-order mark and the zero-byte test
        head += block
        if len(head) >= 4096:
            break
    named = chosen_encoding()
    utf8: codecs.IncrementalDecoder | None = None
    strip = guess = False
    if named is not None:
        if named.startswith("utf-8"):
            return None
        encoding = named
    elif head.startswith(codecs.BOM_UTF8):
        return None
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, strip = "utf-16", True
    else:
        encoding = _utf16_without_bom(head) or "gb18030"
        if encoding == "gb18030":  # a guess: UTF-8 is checked alongside, the characters judged
            utf8 = codecs.getincrementaldecoder("utf-8")()
            guess = True
    codec = encoding
    if encoding in ("utf-16", "utf-32") and not head.startswith(_BOMS[encoding]):
        # bytes.decode reads a stream without a byte-order mark in the machine's order; the
        # incremental decoder refuses it
        codec = f"{encoding}-{sys.byteorder[0]}e"
    decoder = codecs.getincrementaldecoder(codec)()
    rare = chinese = 0
    finder = _Uncommon()  # its characters judged once for the whole file

    def feed(data: bytes, final: bool) -> bool:
        nonlocal utf8, strip, rare, chinese
        if utf8 is not None:
            try:
                utf8.decode(data, final)
            except UnicodeDecodeError:
                utf8 = None  # not UTF-8: the GB18030 reading stands
        try:
            text = decoder.decode(data, final)
        except UnicodeError:
            return False
        if strip and text:
            strip = False
            if text.startswith("\ufeff"):
                text = text[1:]
        if guess:
            chinese += _non_ascii(text)
            rare += len(finder.find(text))
        write(text)
        return True

    if not feed(head, False):
        return None
    for block in it:
        if not feed(block, False):
            return None
    if not feed(b"", True):
        return None
    if utf8 is not None:
        return None  # the whole file is UTF-8 (the reference reads it so)
    if guess and rare and rare > _RARE_SHARE * chinese:
        return None  # not sure it is GB18030: the reference refuses it
    return encoding


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when the zero bytes say so (text in UTF-16 has a zero
    byte in one of each two places for every ASCII character, such as the separators and digits,
    and text in an 8-bit encoding has none), else ``None``."""
    head = data[:4096]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) >= 0.2 * len(odd) and even.count(0) <= 0.01 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.2 * len(even) and odd.count(0) <= 0.01 * len(odd):
        return "utf-16-be"
    return None


def _uncommon(text: str) -> list[str]:
    """The characters of ``text`` outside ASCII that are unlikely in findings: those GB2312
    (the common simplified set, with its punctuation) lacks, other than common symbols
    (full-width forms, √, ×), and those of :data:`_UNLIKELY` — each occurrence, in order."""
    return _Uncommon().find(text)


class _Uncommon:
    """:func:`_uncommon` over the pieces of one text (:func:`transcode_csv`'s chunks): each
    distinct character is judged once, and a piece is searched for the characters not judged
    yet and then for the unlikely ones (a loop over every character took 6 s for a 1M-row
    file; a set of each 1 MB chunk's characters 1 s for 100 MB)."""

    def __init__(self) -> None:
        self._judged: dict[str, bool] = {}
        self._known = re.compile("[\x00-\x7f]+")  # ASCII and every character judged
        self._unlikely: re.Pattern[str] | None = None

    def find(self, text: str) -> list[str]:
        """The unlikely characters of ``text``, each occurrence, in order."""
        new = set(self._known.sub("", text))
        if new:
            self._judged.update((c, _unlikely(c)) for c in new)
            self._known = re.compile("[\x00-\x7f" + _chars(self._judged) + "]+")
            bad = [c for c, b in self._judged.items() if b]
            self._unlikely = re.compile("[" + _chars(bad) + "]") if bad else None
        return self._unlikely.findall(text) if self._unlikely is not None else []


def _chars(chars: Iterable[str]) -> str:
    """``chars`` as the inside of a character class."""
    return "".join(re.escape(c) for c in sorted(chars))


def _unlikely(c: str) -> bool:
    o = ord(c)
    if o <= 0x7F or 0xFF01 <= o <= 0xFF5E or c in "√×✓✔✗✘\ufeff":
        return False
    if any(lo <= o <= hi for lo, hi in _UNLIKELY):
        return True
    try:
        c.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


def _non_ascii(text: str) -> int:
    """How many characters of ``text`` are not ASCII (a slice at a time: no copy of it all)."""
    step = 1 << 20
    ascii_only = sum(
        len(text[at : at + step].encode("ascii", "ignore")) for at in range(0, len(text), step)
    )
    return len(text) - ascii_only


def _delimiter(text: str) -> str:
    """Tab when the first line has more tabs than commas (Excel's "Unicode text"), else comma."""
    first = text.split("\n", 1)[0]
    return "\t" if first.count("\t") > first.count(",") else ","

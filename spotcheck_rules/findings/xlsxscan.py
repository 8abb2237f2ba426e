"""What a fast xlsx reader needs to give the same rows as openpyxl: one scan of the sheet's XML.

python-calamine reads a sheet about 7x faster than openpyxl's read-only mode
(docs/performance.md), but it answers a different question: a dense grid of the cells that hold
a value, every number a float, every blank an empty string. :func:`~.rows.iter_xlsx` yields
openpyxl's rows (its types, its row lengths), so the grid is reshaped with what this module finds
in the sheet's XML as it inflates (bounded by :func:`~.rows.check_zip`), in a few C-speed regex
passes per chunk:

* each row's length as openpyxl gives it (the column of the row's last cell element, a styled
  empty cell included) and the sheet's last row element (blank rows at the end included);
* formula cells without a saved value (named to the user, both readers);
* anything calamine reads differently and that cannot be mended from its grid — a number
  written ``1.0`` or ``1E+3`` (openpyxl: float, calamine: a whole float like ``1``), a long
  integer (a float loses digits), a negative number (calamine gives a negative date serial as
  a time), an error cell (calamine: blank), an ISO date cell, a string that is blank or has
  outer spaces without ``xml:space`` (calamine trims it), an ``_xHHHH_`` escape (calamine decodes
  it, openpyxl does not), a phonetic run, a row or cell without its reference. Any of them, or a
  number format the two libraries do not both read as a date (or both as a number), and the
  sheet is read by openpyxl instead: same rows by construction, only slower.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree
from xml.parsers import expat

__all__ = ["FirstSheet", "SheetScan", "first_sheet", "normalised", "scan_sheet", "styles_differ"]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@dataclass(frozen=True)
class FirstSheet:
    """The first worksheet (chartsheets skipped, as openpyxl's ``worksheets`` does) and the
    parts it is read with (``None``: the workbook has none)."""

    title: str
    part: str
    strings: str | None
    styles: str | None
    date1904: bool = False  # the workbook counts dates from 1904 (old Mac Excel)


def _target(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def first_sheet(zf: zipfile.ZipFile) -> FirstSheet | None:
    """The workbook's first worksheet, from ``xl/workbook.xml`` and its relationships (the
    parts calamine reads too). Raises ``KeyError`` or ``ElementTree.ParseError`` for a workbook
    laid out otherwise: the caller reads it with openpyxl."""
    book = "xl/workbook.xml"
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    by_id: dict[str, tuple[str, str]] = {}
    strings = styles = None
    for rel in rels.iter(f"{_REL}Relationship"):
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        target = _target(book, rel.get("Target", ""))
        by_id[rel.get("Id", "")] = (kind, target)
        if kind == "sharedStrings":
            strings = target
        elif kind == "styles":
            styles = target
    root = ElementTree.fromstring(zf.read(book))
    pr = root.find(f"{_MAIN}workbookPr")
    mac = pr is not None and pr.get("date1904", "").lower() in ("1", "true")
    for sheet in root.iter(f"{_MAIN}sheet"):
        kind, target = by_id[sheet.get(_RID, "")]
        if kind == "worksheet":
            return FirstSheet(sheet.get("name", ""), target, strings, styles, mac)
    return None


# --------------------------------------------------------------------------- the sheet's XML

_NS = rb"(?:\w+:)?"
_Q = rb"[\"']"
_ANY_FORMULA = re.compile(rb"<" + _NS + rb"f[\s>/]")
_FORMULA_ONLY = re.compile(
    rb"<" + _NS + rb"c\b([^>]*)>\s*"
    rb"<" + _NS + rb"f\b(?:[^>]*/>|[^>]*>[^<]*</" + _NS + rb"f>)\s*"
    rb"(?:<" + _NS + rb"v\s*/>|<" + _NS + rb"v>\s*</" + _NS + rb"v>)?\s*"
    rb"</" + _NS + rb"c>"
)
_REF = re.compile(rb"\br=" + _Q + rb"([A-Z]{1,3})(\d+)" + _Q)
# What follows is for the calamine path, which takes unprefixed elements only (``<c>``, not
# ``<x:c>``; a prefixed sheet goes to openpyxl), so that each pattern starts with a literal.
_CELL_REF = re.compile(rb"([A-Z]{1,3})(\d+)\"")
_ROW_R = re.compile(rb"<row\b[^>]*?\br=" + _Q + rb"(\d+)" + _Q)
# Text calamine trims (no xml:space on the element) or reads differently, in any part.
_TEXT_ODD = re.compile(rb"<t>\s|<t>[^<]*\s</t>|<t\b[^>]*/>|<t\b[^>]*></")  # outer spaces; empty
_ESCAPE = re.compile(rb"_x[0-9A-Fa-f]{4}_")  # calamine decodes it, openpyxl does not
_VALUE_ODD = re.compile(  # a number openpyxl types otherwise than a whole float is typed
    rb"<v>(?:\s|[-+]?\d*\.0*</|[-+]?[\d.]*[eE]|[-+]?\d{16}|-|[-+]?[iInN]|[^<]*\s</)"
)
_LITERALS_ODD = (b"<rPh", b't="e"', b"t='e'", b't="d"', b"t='d'", b":sheetData", b"<c>", b"<row>")
_BIG = re.compile(rb"<v>\+?\d{7}")
_BUILTIN_DATES = {*range(14, 23), 45, 46, 47}


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _last_start(buf: bytes, name: bytes) -> int:
    """Where the last ``<name`` element of ``buf`` starts (0 if none), a prefixed ``<x:name``
    included: text before it holds only whole such elements."""
    at = max(buf.rfind(b"<" + name + b" "), buf.rfind(b"<" + name + b">"))
    colon = max(buf.rfind(b":" + name + b" "), buf.rfind(b":" + name + b">"))
    if colon > at:
        lt = buf.rfind(b"<", 0, colon)
        if lt >= 0 and re.fullmatch(rb"<\w+", buf[lt:colon]):
            at = lt
    return max(at, 0)


@dataclass
class SheetScan:
    """What the sheet's XML says beyond its values (see the module's docstring)."""

    formulas: dict[int, list[int]] = field(default_factory=dict)
    widths: dict[int, int] = field(default_factory=dict)  # sheet row -> openpyxl's row length
    last_row: int = 0  # the last row element's number
    odd: str | None = None  # why calamine's grid cannot give openpyxl's rows
    big: bool = False  # a number past 9999-12-31 as a date serial: an error cell to openpyxl


def _chunks(
    zf: zipfile.ZipFile, part: str, unit: bytes, parse: bool = True
) -> Iterator[tuple[bytes, int]]:
    """The part's text as (buffer, cut): ``buf[:cut]`` holds whole ``unit`` elements only.

    If ``parse``, the text is also parsed (expat, no handlers: C speed) so that XML openpyxl
    would refuse raises ``ExpatError`` here: calamine reads some malformed XML without a word.
    """
    parser = expat.ParserCreate()
    with zf.open(part) as f:
        tail = b""
        while True:
            chunk = f.read(1 << 20)
            if parse:
                parser.Parse(chunk, not chunk)
            buf = tail + chunk
            cut = _last_start(buf, unit) if chunk else len(buf)
            yield buf, cut
            tail = buf[cut:]
            if not chunk:
                return


def _text_odd(buf: bytes, cut: int) -> str | None:
    """Why text in ``buf[:cut]`` would read otherwise in calamine, if it would."""
    for literal in (b"<rPh", b"_x"):
        if buf.find(literal, 0, cut) >= 0 and (literal == b"<rPh" or _ESCAPE.search(buf, 0, cut)):
            return literal.decode()
    odd = _TEXT_ODD.search(buf, 0, cut)
    return None if odd is None else repr(odd.group(0)[:40])


def _sheet_odd(buf: bytes, cut: int) -> str | None:
    """Why the sheet's XML in ``buf[:cut]`` would read otherwise in calamine, if it would:
    literal finds and counts first (C speed, no regex at every tag)."""
    for literal in _LITERALS_ODD:  # phonetic run; error cell; ISO date cell; prefix; no ref
        if buf.find(literal, 0, cut) >= 0:
            return literal.decode()
    # every cell and row element with its reference first (as Excel and openpyxl write it):
    # the row lengths below are read from it
    if buf.count(b"<c ", 0, cut) != buf.count(b'<c r="', 0, cut):
        return "a cell without its reference first"
    if buf.count(b"<row ", 0, cut) != buf.count(b'<row r="', 0, cut):
        return "a row without its reference first"
    odd = _VALUE_ODD.search(buf, 0, cut)
    if odd is not None:
        return repr(odd.group(0)[:40])
    return _text_odd(buf, cut)


def scan_sheet(zf: zipfile.ZipFile, part: str, shapes: bool) -> SheetScan:
    """Formula cells without a saved value and, if ``shapes``, the rows' lengths and what
    calamine would read otherwise (the scan stops there: openpyxl reads the sheet). Raises what
    zipfile raises for a broken part, and ``ExpatError`` for malformed XML if ``shapes``."""
    out = SheetScan()
    prev = 0
    for buf, cut in _chunks(zf, part, b"row" if shapes else b"c", parse=shapes):
        if (
            (buf.find(b"<f>", 0, cut) >= 0 or buf.find(b"<f ", 0, cut) >= 0)
            if shapes  # unprefixed (else the sheet goes to openpyxl): two finds, no regex
            else _ANY_FORMULA.search(buf, 0, cut)
        ):
            for m in _FORMULA_ONLY.finditer(buf, 0, cut):
                ref = _REF.search(m.group(1))
                if ref is not None:
                    row = int(ref.group(2))
                    out.formulas.setdefault(row, []).append(_column(ref.group(1)))
        if not shapes:
            continue
        out.odd = _sheet_odd(buf, cut)
        if out.odd is not None:
            return out
        if not out.big and _BIG.search(buf, 0, cut):
            out.big = True
        # a row's length in openpyxl is its last cell element's column: the last ``<c r="``
        # before each ``</row>`` (a row without a cell has none, and length 0)
        for piece in buf[:cut].split(b"</row>"):
            at = piece.rfind(b'<c r="')
            if at < 0:
                continue
            ref = _CELL_REF.match(piece, at + 6)
            if ref is None:
                out.odd = "a cell reference not read"
                return out
            row = int(ref.group(2))
            if row <= prev:  # rows out of order: openpyxl's counting, not calamine's grid
                out.odd = f"row {row} after row {prev}"
                return out
            prev = row
            out.widths[row] = _column(ref.group(1))
        found = _ROW_R.match(buf, _last_start(buf[:cut], b"row"))
        if found is not None:
            out.last_row = max(out.last_row, int(found.group(1)))
    return out


def strings_differ(zf: zipfile.ZipFile, part: str | None) -> str | None:
    """Why the shared strings would read otherwise in calamine, if they would."""
    if part is None or part not in zf.namelist():
        return None
    for buf, cut in _chunks(zf, part, b"si"):
        if buf.find(b":si", 0, cut) >= 0:
            return "shared strings: a prefixed element"
        odd = _text_odd(buf, cut)
        if odd is not None:
            return f"shared strings: {odd}"
    return None


# --------------------------------------------------------------------------- number formats


def _calamine_date(code: str) -> bool:
    """calamine's own test for a custom date format (formats.rs ``is_custom_date_format``),
    transcribed so that a format the two libraries read differently sends the sheet to openpyxl;
    tests/test_xlsx_reader.py checks it against calamine itself."""
    escaped = quote = ap = hms = False
    brackets = 0
    prev = " "
    for s in code:
        if escaped:
            escaped = False
        elif s in "_\\":
            escaped = True
        elif quote:
            if s == '"':
                quote = False
        elif s == '"':
            quote = True
        elif s == ";":
            return False
        elif s == "[":
            brackets += 1
        elif s == "]" and brackets == 1 and hms:
            return True
        elif s == "]":
            brackets = max(brackets - 1, 0)
        elif s in "aA" and not ap and brackets == 0:
            ap = True
        elif (s in "pmPM/" and ap and brackets == 0) or (
            s in "dmhysDMHYS" and not ap and brackets == 0
        ):
            return True
        elif not (hms and s.lower() == prev.lower()):
            hms = prev == "[" and s in "mhsMHS"
        prev = s
    return False


def styles_differ(zf: zipfile.ZipFile, part: str | None, big: bool) -> str | None:
    """A cell style whose number format openpyxl and calamine would not read alike (one a
    date, the other a number; a duration; a built-in format redefined), if any; or any date
    format at all if the sheet has ``big`` numbers (openpyxl reads a date past year 9999 as
    ``#VALUE!``, calamine as the number)."""
    if part is None or part not in zf.namelist():
        return None
    root = ElementTree.fromstring(zf.read(part))
    custom = {
        int(n.get("numFmtId", "-1")): n.get("formatCode", "") for n in root.iter(f"{_MAIN}numFmt")
    }
    xfs = root.find(f"{_MAIN}cellXfs")
    used = {int(x.get("numFmtId", "0")) for x in (xfs if xfs is not None else ())}
    codes = [(i, custom[i]) for i in sorted(used & custom.keys())]
    if big and used & (_BUILTIN_DATES - custom.keys()):
        return "a large number and a date format"
    if not codes:
        return None
    from openpyxl.styles.numbers import is_date_format, is_timedelta_format

    for i, code in codes:
        if i < 164:
            return f"number format {i} redefined"
        if re.search(r"\[[hmsHMS]", code) or is_timedelta_format(code):
            return f"number format {code!r} is a duration"
        if bool(is_date_format(code)) != _calamine_date(code):
            return f"number format {code!r} read differently"
        if big and _calamine_date(code):
            return "a large number and a date format"
    return None


# --------------------------------------------------------------------------- the rows


def _value(v: Any) -> Any:
    if isinstance(v, float):
        # the scan sent every number written with a point or an exponent to openpyxl, so a
        # whole float here was written as an integer, which openpyxl reads as an int
        return int(v) if v.is_integer() else v
    if isinstance(v, str):
        return v or None
    return v  # dates and times: already openpyxl's (exact_dates)


def normalised(grid: Sequence[Sequence[Any]], scan: SheetScan) -> Iterator[tuple[Any, ...]]:
    """openpyxl's rows (``values_only``, dimensions reset) from calamine's grid: row 1 to the
    last row element, each as long as its last cell element, values as openpyxl types them."""
    height = len(grid)
    for r in range(1, scan.last_row + 1):
        width = scan.widths.get(r, 0)
        if not width:
            yield ()
            continue
        got = grid[r - 1] if r <= height else ()
        values = [_value(v) for v in got[:width]]
        if len(values) < width:
            values.extend([None] * (width - len(values)))
        yield tuple(values)


def _letters(col: int) -> bytes:
    out = b""
    while col:
        col, rem = divmod(col - 1, 26)
        out = bytes([65 + rem]) + out
    return out


def exact_dates(grid: list[list[Any]], zf: zipfile.ZipFile, part: str, date1904: bool) -> None:
    """Each date, datetime and time in calamine's grid replaced by openpyxl's reading of the
    serial the cell holds (``from_excel``): the two round a serial to milliseconds from
    different floats and can differ by 1 ms near a half. Raises ``ValueError`` for a cell not
    found as expected (the caller reads the sheet with openpyxl)."""
    xml: bytes | None = None
    pos = 0
    for r, row in enumerate(grid, start=1):
        for c, v in enumerate(row):
            if not isinstance(v, (dt.date, dt.time)):  # a datetime is a date
                continue
            if xml is None:
                from openpyxl.utils.datetime import (
                    CALENDAR_MAC_1904,
                    CALENDAR_WINDOWS_1900,
                    from_excel,
                )

                xml = zf.read(part)
                epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
            ref = b'<c r="' + _letters(c + 1) + str(r).encode() + b'"'
            at = xml.find(ref, pos)
            end = xml.find(b"</c>", at)
            start = xml.find(b"<v>", at, end)
            if at < 0 or start < 0:
                raise ValueError(f"{ref!r}: no value where calamine read a date")
            text = xml[start + 3 : xml.find(b"</v>", start, end)].decode("ascii")
            number = float(text) if "." in text or "e" in text.lower() else int(text)
            row[c] = from_excel(number, epoch)  # as openpyxl's reader calls it
            pos = end


def read_grid(data: bytes, title: str) -> list[list[Any]]:
    """The sheet's cells as calamine reads them, from A1 (blank leading rows and columns kept)."""
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_filelike(io.BytesIO(data)) as wb:
        return wb.get_sheet_by_name(title).to_python(skip_empty_area=False)

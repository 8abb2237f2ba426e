"""Reading flat files (CSV and the first sheet of an xlsx) so that nothing is lost unsaid.

Both the findings readers and the roster readers take their rows from here. A row comes with
the line it starts on (a CSV record with a multi-line cell is located at its first line, and the
lines after it stay right) and with the reasons it cannot be trusted as read:

* more or fewer fields than the header (CSV);
* a value in a column that has no header — a merged header cell, or a row longer than the
  header: that value would otherwise be silently dropped;
* a formula whose result the file does not hold (xlsx written by a program, never opened in
  Excel): it would read as an empty cell;
* a cell that spans lines and holds whole rows of data: an unclosed quote that swallowed them.

What the caller does with those reasons is its own (a findings record becomes a rejected,
located record; a roster row a problem). A file that cannot be read safely at all — a zip bomb,
a sheet over the row or cell limit, a CSV cell over the size limit — raises the caller's
:class:`~spotcheck_rules.core.errors.SpotcheckError` subclass with a located problem. The limits are
in :mod:`spotcheck_rules.core.limits`.
"""

from __future__ import annotations

import csv
import io
import threading
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from ..core.errors import Problem, SpotcheckError
from ..core.limits import (
    CSV_CELL,
    RATIO_MIN_BYTES,
    XLSX_CELLS,
    XLSX_INFLATED,
    XLSX_RATIO,
    XLSX_ROWS,
)
from ..core.text import preview

__all__ = ["Row", "check_zip", "iter_csv", "iter_xlsx"]


@dataclass(frozen=True)
class Row:
    """One row as read: where it starts (1-based line or sheet row), its cells, and why it
    cannot be trusted (empty when it can). The first row yielded is the header."""

    line: int
    cells: tuple[Any, ...]
    problems: tuple[str, ...] = ()
    sheet: str | None = None  # the xlsx sheet's name (on the header row)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: Any) -> str:
    return preview(value, 20, quote=False)


class _Headers:
    """The header row, and which of its columns have no name."""

    def __init__(self, cells: Sequence[Any]) -> None:
        self.width = len(cells)
        self.unnamed = [i for i, h in enumerate(cells) if _blank(h)]

    def orphans(self, cells: Sequence[Any]) -> list[str]:
        """A message for each value in a column without a header (the row would lose it)."""
        cols = (
            self.unnamed
            if len(cells) <= self.width
            else [*self.unnamed, *range(self.width, len(cells))]
        )
        out = []
        for i in cols:
            if i < len(cells) and not _blank(cells[i]):
                out.append(
                    f"第 {i + 1} 列有值“{_shown(cells[i])}”，但该列没有表头"
                    "（合并的表头单元格，或比表头多出的列）"
                )
        return out


def _fail(
    error: type[SpotcheckError], file: str, code: str, message: str, **where: Any
) -> NoReturn:
    raise error(f"{file}：{message}", [Problem(code, message, file=file, **where)])


# --------------------------------------------------------------------------- CSV


def iter_csv(
    text: str, file: str, error: type[SpotcheckError], code: str, delimiter: str = ","
) -> Iterator[Row]:
    """The records of a CSV text, blank lines skipped; the first is the header. ``delimiter``
    is the field separator (a tab for Excel's "Unicode text").

    Python's csv module has a process-wide limit on the size of a field; it is raised to
    :data:`~spotcheck_rules.core.limits.CSV_CELL` if lower (never lowered), and a cell over that
    limit refuses the file, located at the line where its record starts.
    """
    limit = CSV_CELL.value()
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: _Headers | None = None
    end = 0  # the line the previous record ended on
    while True:
        start = end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                _fail(error, file, code, f"第 {start} 行的{CSV_CELL.message()}", line=start)
            _fail(error, file, code, f"第 {start} 行起无法按 CSV 读取（{exc}）", line=start)
        end = reader.line_num
        if not cells:
            continue
        longest = max(map(len, cells))
        if longest > limit:
            _fail(error, file, code, f"第 {start} 行的{CSV_CELL.message(longest)}", line=start)
        if header is None:
            header = _Headers(cells)
            yield Row(start, tuple(cells))
            continue
        problems = []
        if len(cells) != header.width:
            problems.append(f"有 {len(cells)} 个字段，表头有 {header.width} 个")
        elif header.unnamed:
            problems.extend(header.orphans(cells))
        if end > start and header.width >= 3:
            swallowed = _swallowed(cells, header.width - 1, delimiter)
            if swallowed:
                problems.append(
                    f"单元格跨越第 {start}–{end} 行，且含有整行数据（{_shown(swallowed)}）："
                    "可能有未闭合的引号，其后的行被并入了这个单元格"
                )
        yield Row(start, tuple(cells), tuple(problems))


def _swallowed(cells: Sequence[str], commas: int, delimiter: str = ",") -> str | None:
    """A line inside a multi-line cell that has as many separators as a whole row, if any."""
    for cell in cells:
        if "\n" not in cell and "\r" not in cell:
            continue
        for part in cell.splitlines()[1:]:
            if part.count(delimiter) >= commas:
                return part
    return None


# --------------------------------------------------------------------------- xlsx


def check_zip(data: bytes, file: str, error: type[SpotcheckError], code: str) -> None:
    """Refuse an xlsx (a zip) whose parts would inflate beyond the limits, before any is read.

    The sizes are those the zip declares; Python's zipfile never inflates a part beyond its
    declared size, so they bound what the xlsx readers (calamine, openpyxl) are given.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        _fail(error, file, code, f"不是有效的 xlsx 文件（{exc}）")
    total_limit, ratio_limit = XLSX_INFLATED.value(), XLSX_RATIO.value()
    total = 0
    for info in infos:
        total += info.file_size
        if total > total_limit:
            _fail(error, file, code, XLSX_INFLATED.message(f"至少 {total}"))
        if info.file_size > RATIO_MIN_BYTES:
            ratio = info.file_size // max(info.compress_size, 1)
            if ratio > ratio_limit:
                msg = f"部件 {info.filename} 的{XLSX_RATIO.message(f'{ratio}:1')}"
                _fail(error, file, code, msg)


# The reader iter_xlsx uses: "auto" (calamine when importable and the sheet's XML holds nothing
# it reads otherwise, else openpyxl), "openpyxl" or "calamine" (what "auto" does, whether or not
# it is installed). Internal: tests and benchmarks/bench_xlsx.py compare the two through it.
_READER = "auto"
# Which reader read this thread's last sheet, and why openpyxl if it was not calamine (tests
# look; per thread, so a read in another thread cannot overwrite what a test asks about).
_reads = threading.local()


def _last_read() -> tuple[str, str | None]:
    got: tuple[str, str | None] = getattr(_reads, "last", ("", None))
    return got


def _calamine_usable() -> bool:
    if _READER == "openpyxl":
        return False
    if _READER == "calamine":
        return True
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return False
    return True


def iter_xlsx(data: bytes, file: str, error: type[SpotcheckError], code: str) -> Iterator[Row]:
    """The rows of the first sheet of an xlsx, blank rows included; the first is the header.

    Checked before reading (:func:`check_zip`) and while reading (rows, cells). Values are the
    ones Excel saved (``data_only``); a formula cell the file holds no value for is named.

    Read by python-calamine when it is installed (a core dependency; the library alone reads a
    100k-row sheet about 7x faster than openpyxl, docs/performance.md), as
    openpyxl's read-only mode reads it: the same rows, cells and types, whichever reads. A sheet
    calamine would read otherwise (:mod:`.xlsxscan`), over a limit, or that calamine cannot read
    at all is read by openpyxl, which gives the same rows, problems and errors as before.
    """
    check_zip(data, file, error, code)
    why: str | None = "chosen" if _READER == "openpyxl" else "python-calamine is not installed"
    if _calamine_usable():
        got = _calamine_rows(data)
        if isinstance(got, tuple):
            _reads.last = ("calamine", None)
            yield from _xlsx_rows(iter(got[0]), got[1], got[2], file, error, code)
            return
        why = got
    _reads.last = ("openpyxl", why)
    yield from _openpyxl_rows(data, file, error, code)


def _calamine_rows(
    data: bytes,
) -> tuple[Iterator[tuple[Any, ...]], str | None, dict[int, list[int]]] | str:
    """The sheet's rows read by calamine (rows, sheet title, formulas without a value), or why
    openpyxl must read it instead."""
    from . import xlsxscan

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            sheet = xlsxscan.first_sheet(zf)
            if sheet is None:
                return iter(()), None, {}
            scan = xlsxscan.scan_sheet(zf, sheet.part, shapes=True)
            odd = (
                scan.odd
                or xlsxscan.strings_differ(zf, sheet.strings)
                or xlsxscan.styles_differ(zf, sheet.styles, scan.big)
            )
    except Exception as exc:  # a part laid out otherwise or broken: openpyxl says what
        return f"scan: {type(exc).__name__}"
    if odd is not None:
        return odd
    widths = scan.widths.values()
    cells, widest = sum(widths), max(widths, default=0)
    if scan.last_row > XLSX_ROWS.value() or cells > XLSX_CELLS.value():
        return "over a limit"  # openpyxl yields the rows before it, then fails where it did
    if scan.last_row * widest > 4 * cells + 1_000_000:
        return "sparse"  # calamine's grid is dense: a far cell would make it huge
    try:
        grid = xlsxscan.read_grid(data, sheet.title)
    except Exception as exc:  # calamine's errors are its own; openpyxl's are the ones we name
        return f"calamine: {type(exc).__name__}"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            xlsxscan.exact_dates(grid, zf, sheet.part, sheet.date1904)
    except Exception as exc:
        return f"dates: {type(exc).__name__}"
    return xlsxscan.normalised(grid, scan), sheet.title, scan.formulas


def _openpyxl_rows(data: bytes, file: str, error: type[SpotcheckError], code: str) -> Iterator[Row]:
    from openpyxl import load_workbook

    from . import xlsxscan

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        _fail(error, file, code, f"无法读取 xlsx（{type(exc).__name__}：{exc}）")
    try:
        if not wb.worksheets:
            return
        ws = wb.worksheets[0]  # the first sheet is the data; later sheets are notes
        # openpyxl trusts the sheet's declared dimension: rows below it are silently not read,
        # and every row is padded to its width. Read what the sheet holds instead.
        reset = getattr(ws, "reset_dimensions", None)
        if reset is not None:
            reset()
        part = getattr(ws, "_worksheet_path", None)
        formulas: dict[int, list[int]] = {}
        if part is not None:
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as zf:
                    formulas = xlsxscan.scan_sheet(zf, part.lstrip("/"), shapes=False).formulas
            except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
                pass  # openpyxl reports a broken sheet as it reads it
        try:
            yield from _xlsx_rows(
                ws.iter_rows(values_only=True), ws.title, formulas, file, error, code
            )
        except SpotcheckError:
            raise
        except Exception as exc:  # a sheet that breaks openpyxl while it streams
            _fail(error, file, code, f"无法读取 xlsx（{type(exc).__name__}：{exc}）")
    finally:
        wb.close()


def _xlsx_rows(
    rows: Iterator[Sequence[Any]],
    title: str | None,
    formulas: dict[int, list[int]],
    file: str,
    error: type[SpotcheckError],
    code: str,
) -> Iterator[Row]:
    """Rows with the limits enforced as they are read and their problems named."""
    max_rows, max_cells = XLSX_ROWS.value(), XLSX_CELLS.value()
    cells_read = 0
    header: _Headers | None = None
    for rownum, values in enumerate(rows, start=1):
        if rownum > max_rows:
            _fail(error, file, code, XLSX_ROWS.message(), line=rownum)
        cells_read += len(values)
        if cells_read > max_cells:
            _fail(error, file, code, XLSX_CELLS.message(), line=rownum)
        if header is None:
            header = _Headers(values)
            yield Row(rownum, tuple(values), sheet=title)
            continue
        problems = header.orphans(values)
        for col in formulas.get(rownum, ()):
            problems.append(
                f"第 {col} 列是公式，但文件中没有保存计算结果（会被读成空）："
                "请在 Excel 中打开并保存，或把公式粘贴为数值"
            )
        yield Row(rownum, tuple(values), tuple(problems))

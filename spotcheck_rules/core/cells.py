"""What we write into spreadsheets (CSV, xlsx): inert cells, and workbooks built in memory.

A spreadsheet reads a cell that begins with ``=``, ``+``, ``-`` or ``@`` as a formula (and tab
or carriage return can hide such a start), so a unit name like ``=HYPERLINK(…)`` in a roster,
or a label in a merged result, would run in whoever opens our output. Every CSV and xlsx
writer passes its text cells through :func:`inert`, the OWASP rule: such a text gets a single
quote ``'`` in front and is written as text. Numbers (int, Decimal) are left alone — a count
stays a number — and only ``str`` values are ever changed. ``docs/reliability.md`` lists where
the rule is applied.

:func:`workbook_bytes` saves an openpyxl workbook to bytes without touching the disk (openpyxl
itself writes each sheet to a temporary file first, where a full disk or ``ulimit -f`` ended in
its traceback), with fixed timestamps so the same content gives the same bytes. The bytes are
then written with :func:`spotcheck_rules.core.atomic.write_atomic`.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any, TypeVar

__all__ = ["FORMULA_TRIGGERS", "inert", "set_cell", "workbook_bytes"]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these is written with a leading ``'``."""

_T = TypeVar("_T")


def inert(value: _T) -> _T:
    """``value`` as a cell that no spreadsheet evaluates.

    A ``str`` starting with one of :data:`FORMULA_TRIGGERS` gets a leading ``'``; anything else
    (other text, numbers, ``None``) is returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value  # type: ignore[return-value]
    return value


def set_cell(cell: Any, value: object) -> None:
    """Put ``value`` into an openpyxl cell, inert: text is typed as a string, never a formula.

    openpyxl types any ``str`` starting with ``=`` as a formula; after :func:`inert` no text
    starts with ``=``, and the type is set to string explicitly so that no later rule of the
    library can change that.
    """
    cell.value = inert(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"


def workbook_bytes(workbook: Any, date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """The xlsx bytes of an openpyxl ``workbook``, built in memory; every zip entry is stamped
    ``date_time`` (``writestr`` would stamp the current time). The workbook's own properties
    (``created``, ``modified``) are the caller's to fix."""
    # openpyxl is imported here: importing this module must not pay for it.
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    class _InMemory(ExcelWriter):  # type: ignore[misc]
        # ExcelWriter.write_worksheet, with the sheet's XML in a BytesIO instead of a file in
        # the temporary folder.
        def write_worksheet(self, ws: Any) -> None:
            ws._drawing = SpreadsheetDrawing()
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            writer = WorksheetWriter(ws, out=io.BytesIO())
            writer.write()
            ws._rels = writer._rels
            self._archive.writestr(ws.path[1:], writer.read())
            self.manifest.append(ws)

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        _InMemory(workbook, archive).save()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=False) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()

"""Problems placed at the cell a spreadsheet user finds them: 工作表“检查结果”第12行 F列.

Validation locates a flat file's problem by row and field; staff who fill a workbook look for a
sheet, a row and a column letter. :class:`Placer` reads the header of each xlsx input once
(:func:`~.readers.flat_header`) and gives a problem its column (``Problem.column``, 1-based) and
the spreadsheet's name for the cell (:meth:`Placer.where`). A problem of a list field filled from
yes/no columns (``violations``, ``not_applicable``) is placed at the column of the entry its
message names, else at the list column. CSV files keep the editor's ``file:line:column``.

May import: ``core`` and the modules of this package below it (readers, spellings).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..core.errors import Problem, SpotcheckError
from ..core.text import normalize
from .readers import flat_header
from .spellings import FlatHeader, cell_name

__all__ = ["Placer"]


class Placer:
    """Places problems of xlsx inputs at their cells (headers read once per file)."""

    def __init__(self) -> None:
        self._headers: dict[str, FlatHeader | None] = {}

    def _header(self, file: str | None) -> FlatHeader | None:
        if not file:
            return None
        try:
            return self._headers[file]  # per problem: one lookup (a Path per problem was 9 µs)
        except KeyError:
            pass
        got = None
        if Path(file).suffix.lower() == ".xlsx":
            try:
                got = flat_header(file)
            except (SpotcheckError, OSError):
                got = None
        self._headers[file] = got
        return got

    def _index(self, header: FlatHeader, problem: Problem) -> int | None:
        field = problem.field
        if field is None:
            return None
        if field in ("violations", "not_applicable"):
            said = normalize(problem.message)
            for col in header.columns:
                if col.flag is not None and col.flag[0] == field and normalize(col.flag[1]) in said:
                    return col.index
        return header.column_of(field)

    def place(self, problem: Problem) -> Problem:
        """``problem`` with its column set, when it is in an xlsx input and its field has one."""
        header = self._header(problem.file)
        if header is None or problem.line is None or problem.column is not None:
            return problem
        index = self._index(header, problem)
        if index is None:
            return problem
        return problem.model_copy(update={"column": index + 1})

    def place_all(self, problems: Iterable[Problem]) -> list[Problem]:
        return [self.place(p) for p in problems]

    def where(self, problem: Problem) -> str | None:
        """``文件 工作表“…”第12行 F列`` for a problem of an xlsx input (a row, and the column if
        known), else ``None``."""
        header = self._header(problem.file)
        if header is None or problem.line is None:
            return None
        if problem.column is None:
            sheet = f"工作表“{header.sheet}”" if header.sheet else ""
            return f"{problem.file} {sheet}第{problem.line}行"
        return f"{problem.file} {cell_name(header.sheet, problem.line, problem.column - 1)}"

    def format(self, problem: Problem) -> str:
        """``problem.format()``, with the spreadsheet's name of the cell for an xlsx input."""
        where = self.where(problem)
        if where is None:
            return problem.format()
        return f"{where}: {problem.format()[len(problem.location()) + 2 :]}"

"""How staff spell findings in flat files (CSV, xlsx): headers in Chinese, yes and no, dates.

The vocabulary is data, ``spellings.yaml`` next to this module (documented in docs/findings.md):
the headers that stand for each field (单位名称 → ``unit_name``), the prefixes of a yes/no column
per violation or 合理缺项 item (``违法行为：…``), and the spellings of yes and no. This module
reads a header row into a :class:`FlatHeader` and turns each data row into the mapping
:mod:`.records` coerces — field names as the contract has them, yes/no cells as ``bool``, dates
written 2025/6/1, 2025年6月1日 or as an Excel serial number as :class:`datetime.date` — so that
records arrive there already normalised. What it cannot read it leaves as written, for the
record's checks to report with their codes; a yes/no cell it cannot read rejects the row with
the cell's place (sheet, row, column letter).

May import: ``core`` and the standard library (ruamel.yaml, a runtime dependency, for the
vocabulary file).
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import Problem, SpotcheckError
from ..core.text import normalize, preview

__all__ = [
    "BOOLEAN_FIELDS",
    "REQUIRED",
    "FlatHeader",
    "Vocabulary",
    "cell_name",
    "column_letter",
    "parse_date",
    "vocabulary",
]

_FILE = Path(__file__).with_name("spellings.yaml")
REQUIRED: Mapping[str, tuple[str, ...]] = {
    "findings": ("unit_id", "domain", "category"),
    "census": ("domain", "category", "units"),
}
"""The fields without which no row of a file of that kind is a record."""
BOOLEAN_FIELDS = frozenset(
    {
        "referred",
        "opinion_issued",
        "harm.property_loss_serious",
        "harm.group_health_risk",
        "harm.social_impact",
    }
)
_NESTED = ("penalty", "harm")
_KIND_NAMES = {"findings": "检查结果", "census": "辖区单位数"}


@dataclass(frozen=True)
class Vocabulary:
    """``spellings.yaml`` as read: per kind of file (``findings``, ``census``) each field's
    headers, the flag-column prefixes, and the spellings of yes and no (matching keys)."""

    headers: Mapping[str, Mapping[str, tuple[str, ...]]]
    flag_prefixes: Mapping[str, tuple[str, ...]]
    yes: frozenset[str]
    no: frozenset[str]

    def lookup(self, kind: str) -> dict[str, str]:
        """Matching key of every header of ``kind`` (and of each field's own name) → field."""
        out: dict[str, str] = {}
        for field, names in self.headers[kind].items():
            # penalty.cases is also "cases"; "penalty" is the whole object (one JSON cell)
            short = (field.split(".", 1)[1],) if "." in field else ()
            for name in (field, *short, *names):
                out[normalize(name)] = field
            if "." in field:
                out.setdefault(normalize(field.split(".")[0]), field.split(".")[0])
        return out

    def expected(self, kind: str) -> list[str]:
        """One header per field, as the entry workbook writes it: the first Chinese one."""
        return [names[0] if names else f for f, names in self.headers[kind].items()]

    def header_of(self, field: str, kind: str = "findings") -> str:
        names = self.headers[kind][field]
        return names[0] if names else field

    def flag_header(self, target: str, ref: str) -> str:
        """The header of a yes/no column for ``ref`` in ``target`` (violations, not_applicable)."""
        return self.flag_prefixes[target][0] + ref

    def truth(self, value: Any) -> bool | None:
        """Yes (True), no (False) or neither (None); an empty cell is no."""
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if value is None:
            return False
        if isinstance(value, str):
            key = normalize(value)
            if not key or key in self.no:
                return False
            if key in self.yes:
                return True
        return None


@functools.cache
def vocabulary() -> Vocabulary:
    """The vocabulary of ``spellings.yaml`` (read once)."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe", pure=True).load(_FILE.read_text(encoding="utf-8"))
    headers = {
        kind: {str(f): tuple(str(n) for n in names or ()) for f, names in data[kind].items()}
        for kind in REQUIRED
    }
    flags = {str(k): tuple(str(p) for p in v) for k, v in data["flag_columns"].items()}
    yes = frozenset(normalize(str(s)) for s in data["booleans"]["yes"])
    no = frozenset(normalize(str(s)) for s in data["booleans"]["no"])
    return Vocabulary(headers, flags, yes, no)


# --------------------------------------------------------------------------- dates

_YMD = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_SERIAL = re.compile(r"\d{5}(?:\.0*)?")
_EXCEL_EPOCH = _dt.date(1899, 12, 30)  # serial 1 is 1900-01-01 (Excel counts a 1900-02-29)
_SERIALS = range(36526, 73051)  # 2000-01-01 .. 2099-12-31: a plausible inspection day


def parse_date(value: Any) -> Any:
    """A date cell as a :class:`datetime.date` when it is written 2025-06-01, 2025/6/1, 2025.6.1,
    2025年6月1日 or as an Excel serial number (2000 to 2099); anything else unchanged."""
    if isinstance(value, bool):
        return value
    serial: float | None = None
    if isinstance(value, int | float):
        serial = float(value)
    elif isinstance(value, str):
        s = value.strip()
        m = _YMD.fullmatch(s)
        if m is not None:
            try:
                return _dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return value
        if _SERIAL.fullmatch(s):
            serial = float(s)
    if serial is not None and serial.is_integer() and int(serial) in _SERIALS:
        return _EXCEL_EPOCH + _dt.timedelta(days=int(serial))
    return value


# --------------------------------------------------------------------------- headers


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index (0 → A, 26 → AA)."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def cell_name(sheet: str | None, row: int, index: int) -> str:
    """A cell as staff find it: 工作表“检查结果”第12行 F列 (no sheet for a CSV)."""
    where = f"第{row}行 {column_letter(index)}列"
    return f"工作表“{sheet}”{where}" if sheet else where


@dataclass(frozen=True)
class _Column:
    index: int
    header: str  # as written
    field: str | None  # the contract's field (unit_name, penalty.cases) or None
    flag: tuple[str, str] | None  # (violations | not_applicable, the reference)


class FlatHeader:
    """The header row of a flat file, read against the vocabulary.

    Each column is a field (by its name or a Chinese header), a yes/no flag column, or unknown
    (kept under its header, so the record's checks warn about it). Refuses a header where two
    columns fill one field (F009) or where no column is a known field (F066: one problem listing
    the expected headers, instead of every row's missing and unknown fields).
    """

    def __init__(
        self,
        cells: Sequence[Any],
        *,
        file: str,
        line: int,
        error: type[SpotcheckError],
        kind: str = "findings",
        sheet: str | None = None,
    ) -> None:
        vocab = vocabulary()
        lookup = vocab.lookup(kind)
        prefixes = (
            [(normalize(p), t) for t, ps in vocab.flag_prefixes.items() for p in ps]
            if kind == "findings"
            else []
        )
        self.file, self.line, self.sheet, self.kind = file, line, sheet, kind
        self.columns: list[_Column] = []
        for i, raw in enumerate(cells):
            header = str(raw).strip() if raw is not None else ""
            if not header:
                continue
            key = normalize(header)
            field = lookup.get(key)
            flag = None
            if field is None:
                for prefix, target in prefixes:
                    if key.startswith(prefix) and len(key) > len(prefix):
                        flag = (target, _after_prefix(header, prefix))
                        break
            self.columns.append(_Column(i, header, field, flag))
        self._check(error, vocab)
        self.fields = {c.field: c.index for c in self.columns if c.field}

    def _check(self, error: type[SpotcheckError], vocab: Vocabulary) -> None:
        seen: dict[str, int] = {}
        problems = []
        for col in self.columns:
            if col.field is None:
                continue
            # A whole-object column (penalty, harm) and a column of one of its fields fill the
            # same object: they clash too.
            top = col.field.split(".")[0]
            clash = [top] if "." in col.field else []
            if col.field in _NESTED:
                clash = [k for k in seen if k.startswith(col.field + ".")]
            other = seen.get(col.field, next((seen[k] for k in clash if k in seen), None))
            if other is not None:
                msg = (
                    f"列“{col.header}”（第 {col.index + 1} 列）与第 {other + 1} 列写入同一字段，"
                    "只能有其中一列"
                )
                problems.append(
                    Problem("F009", msg, file=self.file, line=self.line, column=col.index + 1)
                )
            else:
                seen[col.field] = col.index
        if problems:
            raise error(f"{self.file}：表头有重复的列", problems)
        if self.columns and not any(c.field or c.flag for c in self.columns):
            known = "、".join(vocab.expected(self.kind))
            need = "、".join(vocab.header_of(f, self.kind) for f in REQUIRED[self.kind])
            shown = "、".join(preview(c.header, 20, quote=False) for c in self.columns[:6])
            msg = (
                f"表头（{shown}）没有一列是已知的字段：至少需要 {need}；"
                f"可用的表头：{known}（也可用字段名，如 unit_id）"
            )
            raise error(
                f"{self.file}：第 {self.line} 行不是{_KIND_NAMES[self.kind]}的表头",
                [Problem("F066", msg, file=self.file, line=self.line)],
            )

    def column_of(self, field: str, ref: str | None = None) -> int | None:
        """The 0-based column a field is read from (for a list field, the flag column of
        ``ref`` if there is one), or ``None``."""
        if ref is not None:
            key = normalize(ref)
            for c in self.columns:
                if c.flag is not None and c.flag[0] == field and normalize(c.flag[1]) == key:
                    return c.index
        return self.fields.get(field)

    def record(self, line: int, cells: Sequence[Any], into: dict[str, Any]) -> str | None:
        """Fill ``into`` with the row's fields (blank cells left out); returns why the row
        cannot be read (a yes/no cell that is neither), or ``None``."""
        vocab = vocabulary()
        bad: list[str] = []
        flagged: dict[str, list[str]] = {}
        for col in self.columns:
            if col.index >= len(cells):
                continue
            value = cells[col.index]
            if col.flag is not None:
                yes = vocab.truth(value.strip() if isinstance(value, str) else value)
                if yes is None:
                    where = cell_name(self.sheet, line, col.index)
                    bad.append(f"{where}（{col.header}）的值 {preview(value)} 应为是或否")
                elif yes:
                    flagged.setdefault(col.flag[0], []).append(col.flag[1])
                continue
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if isinstance(value, str):
                value = value.strip()
            field = col.field
            if field == "inspected_on":
                value = parse_date(value)
            elif field in BOOLEAN_FIELDS:
                yes = vocab.truth(value)
                value = value if yes is None else yes
            if field is None:
                into[col.header] = value
            elif "." in field:
                top, sub = field.split(".", 1)
                into.setdefault(top, {})[sub] = value
            else:
                into[field] = value
        for target, refs in flagged.items():
            into[target] = [*_split(into[target]), *refs] if target in into else refs
        return "；".join(bad) if bad else None


def _after_prefix(header: str, prefix_key: str) -> str:
    """The part of ``header`` after the prefix whose matching key is ``prefix_key``."""
    for cut in range(1, len(header) + 1):
        if normalize(header[:cut]) == prefix_key:
            return header[cut:].strip()
    return header


def _split(value: Any) -> list[str]:
    if isinstance(value, str):
        return [p.strip() for p in re.split(r"[;；]", value) if p.strip()]
    return [value]

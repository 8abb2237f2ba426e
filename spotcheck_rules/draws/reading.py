"""Reading a roster file into rows: the formats (CSV in UTF-8 or GB18030, XLSX, JSON, YAML),
the header spellings mapped to field names, and the problems of the file itself (``U101``,
``U102``, ``U103``, ``U105``, ``U106``, ``U120``, and the same ``U2xx`` codes of inspector rosters),
collected, never just the first. What a row means (a unit, an inspector) is :mod:`.roster`'s.

The SHA-256 of a roster is that of the file's bytes, so anyone can check it with ``sha256sum``;
for records given in Python it is the SHA-256 of their canonical JSON.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.codes import severity as code_severity
from ..core.errors import Problem, SpotcheckError
from ..core.limits import load_json
from ..core.text import closest, normalize
from ..findings.rows import Row, iter_csv, iter_xlsx

__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "RosterError",
    "RowProblems",
    "Table",
    "cell_text",
    "load_table",
    "records_sha",
    "records_table",
]

MAX_BYTES = 64 * 1024 * 1024
MAX_ROWS = 1_000_000


class RosterError(SpotcheckError):
    """A roster file that cannot be read at all (not a table, unknown format, too large)."""


# --------------------------------------------------------------------------- raw rows


@dataclass
class Table:
    """Rows as text cells keyed by field name, with the row number to report problems at."""

    file: str
    rows: list[tuple[int | None, str, str, dict[str, Any]]]  # (line, pointer, where, cells)
    sha256: str
    problems: list[Problem]


def cell_text(value: Any) -> str:
    """A cell as text. Spreadsheets turn 2023 into 2023.0 and ids into numbers: undo that."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return str(value).strip()


def _map_header(
    headers: Sequence[str],
    fields: Mapping[str, tuple[str, ...]],
    required: Sequence[str],
    file: str,
    code: str,
) -> tuple[dict[int, str], list[Problem]]:
    """Which column holds which field; problems for missing and unrecognised columns."""
    by_key = {normalize(alias): name for name, aliases in fields.items() for alias in aliases}
    out: dict[int, str] = {}
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, h in enumerate(headers):
        if not h:
            continue
        name = by_key.get(normalize(h))
        if name is None:
            problems.append(
                Problem(
                    f"{code}03",
                    f"未识别的列“{h}”，已忽略",
                    severity=code_severity(f"{code}03"),
                    file=file,
                    line=1,
                    column=i + 1,
                    field=h,
                    suggestions=tuple(closest(h, [a for al in fields.values() for a in al])),
                )
            )
            continue
        if name in seen:
            problems.append(
                Problem(
                    f"{code}02",
                    f"列“{h}”与第 {seen[name] + 1} 列重复（都是 {name}）",
                    file=file,
                    line=1,
                    column=i + 1,
                    field=name,
                )
            )
            continue
        seen[name] = i
        out[i] = name
    for name in required:
        if name not in seen:
            problems.append(
                Problem(
                    f"{code}02",
                    f"缺少必需的列 {name}（可写作：{'、'.join(fields[name])}）",
                    file=file,
                    line=1,
                    field=name,
                )
            )
    return out, problems


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise RosterError(f"{path} 过大（{size} 字节，上限 {MAX_BYTES}）")
        return path.read_bytes()
    except OSError as exc:
        raise RosterError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc


def _decode(raw: bytes, file: str, code: str) -> tuple[str, list[Problem]]:
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    # Excel on Chinese Windows saves "CSV" in GBK; GB18030 is its superset.
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise RosterError(
            f"{file} 既不是 UTF-8 也不是 GB18030 文本（第 {exc.start} 字节）"
        ) from exc
    note = Problem(
        f"{code}05",
        "文件不是 UTF-8，已按 GB18030（GBK）读取",
        severity=code_severity(f"{code}05"),
        file=file,
    )
    return text, [note]


def _tabular(
    rows: Iterator[Row],
    fields: Mapping[str, tuple[str, ...]],
    required: Sequence[str],
    file: str,
    sha: str,
    code: str,
    what: str,
) -> Table:
    header = next(rows, None)
    if header is None:
        empty = Problem(f"{code}02", f"{what}为空，没有表头", file=file, line=1)
        return Table(file, [], sha, [empty])
    headers = [cell_text(h) for h in header.cells]
    cols, problems = _map_header(headers, fields, required, file, code)
    out: list[tuple[int | None, str, str, dict[str, Any]]] = []
    for row in rows:
        values = [cell_text(c) for c in row.cells]
        if not any(values):
            continue  # blank rows between blocks are common in hand-made sheets
        line = row.line
        if row.problems:
            # A row we cannot read as written is an error, never a unit drawn from half a row.
            problems.extend(
                Problem(f"{code}06", f"第 {line} 行{msg}", file=file, line=line)
                for msg in row.problems
            )
            continue
        if len(out) >= MAX_ROWS:
            raise RosterError(f"{file} 行数超过上限 {MAX_ROWS}")
        cells = {name: values[i] if i < len(values) else "" for i, name in cols.items()}
        out.append((line, "", f"第 {line} 行", cells))
    return Table(file, out, sha, problems)


def load_table(
    source: str | os.PathLike[str],
    fields: Mapping[str, tuple[str, ...]],
    required: Sequence[str],
    code: str,
) -> Table:
    path = Path(source)
    file = str(source)
    raw = _read_bytes(path)
    sha = hashlib.sha256(raw).hexdigest()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text, notes = _decode(raw, file, code)
        rows = iter_csv(text, file, RosterError, f"{code}01")
        table = _tabular(rows, fields, required, file, sha, code, "文件")
        table.problems[:0] = notes
        return table
    if suffix == ".xlsx":
        rows = iter_xlsx(raw, file, RosterError, f"{code}01")
        return _tabular(rows, fields, required, file, sha, code, "工作表")
    if suffix in (".json", ".yaml", ".yml"):
        return _structured(raw, suffix, fields, required, file, sha, code)
    raise RosterError(f"不支持的名单格式：{file}（支持 .csv、.xlsx、.json、.yaml）")


def _structured(
    raw: bytes,
    suffix: str,
    fields: Mapping[str, tuple[str, ...]],
    required: Sequence[str],
    file: str,
    sha: str,
    code: str,
) -> Table:
    positions: dict[str, tuple[int, int]] = {}
    if suffix == ".json":
        data: Any = load_json(raw, file, RosterError, code=f"{code}01", what="名单")
    else:
        from ..ruleset.documents import read_yaml

        try:
            doc = read_yaml(Path(file))
        except SpotcheckError as exc:
            raise RosterError(exc.message, exc.problems) from exc
        data, positions = doc.data, doc.positions
    key = next((k for k in ("units", "inspectors") if isinstance(data, dict) and k in data), None)
    base = f"/{key}" if key else ""
    records = data[key] if key else data
    if not isinstance(records, list):
        raise RosterError(f"{file} 应为记录列表，或含 units / inspectors 列表的对象")
    return records_table(records, fields, required, file, sha, code, base, positions)


def records_table(
    records: Sequence[Any],
    fields: Mapping[str, tuple[str, ...]],
    required: Sequence[str],
    file: str,
    sha: str,
    code: str,
    base: str = "",
    positions: Mapping[str, tuple[int, int]] | None = None,
) -> Table:
    by_key = {normalize(alias): name for name, aliases in fields.items() for alias in aliases}
    table = Table(file, [], sha, [])
    unknown: set[str] = set()
    for i, rec in enumerate(records):
        pointer = f"{base}/{i}"
        line = positions.get(pointer, (None, None))[0] if positions else None
        if not isinstance(rec, Mapping):
            table.problems.append(
                Problem(
                    f"{code}20", "记录应为对象（键值对）", file=file, line=line, pointer=pointer
                )
            )
            continue
        row: dict[str, Any] = {}
        for k, v in rec.items():
            name = by_key.get(normalize(str(k)))
            if name is None:
                unknown.add(str(k))
                continue
            row[name] = v
        where = f"第 {i + 1} 条记录" + (f"（第 {line} 行）" if line is not None else "")
        table.rows.append((line, pointer, where, row))
    for k in sorted(unknown):
        table.problems.append(
            Problem(
                f"{code}03",
                f"未识别的字段“{k}”，已忽略",
                severity=code_severity(f"{code}03"),
                file=file,
                field=k,
            )
        )
    return table


def records_sha(records: Sequence[Any]) -> str:
    blob = json.dumps(
        list(records), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class RowProblems:
    """Adds the problems of one row's fields to its table (code, located by line and pointer)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def add(
        self,
        code: str,
        message: str,
        line: int | None,
        pointer: str,
        field_: str,
        suggestions: Sequence[str] = (),
    ) -> None:
        self.table.problems.append(
            Problem(
                code,
                message,
                severity=code_severity(code),
                file=self.table.file,
                line=line,
                pointer=f"{pointer}/{field_}" if pointer else "",
                field=field_,
                suggestions=tuple(suggestions),
            )
        )

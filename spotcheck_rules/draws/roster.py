"""Reading the two rosters a draw needs: the units that may be inspected, and the inspectors.

A *unit roster* has one row per unit and domain (a hospital that is supervised for 医疗机构 and
for 采供血 appears once in each). An *inspector roster* has one row per inspector. Both come from
the municipal platform as CSV or XLSX, or from programs as JSON or YAML; headers may be written
in English (``unit_id``) or as supervision staff write them (单位编号). Problems are collected per
row and field, never just the first, like findings problems; the codes are documented in
docs/sampling.md (``U1xx`` unit roster, ``U2xx`` inspector roster).

The SHA-256 of a roster is that of the file's bytes, so anyone can check it with ``sha256sum``;
for records given in Python it is the SHA-256 of their canonical JSON.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.codes import severity as code_severity
from ..core.errors import Problem, Severity, SpotcheckError
from ..core.limits import load_json
from ..core.text import closest, normalize
from ..findings.rows import Row, iter_csv, iter_xlsx
from ..ruleset.model import DOMAIN_LABELS, Domain, Ownership
from ..ruleset.reference import AmbiguousReferenceError
from ..ruleset.ruleset import Ruleset

__all__ = [
    "Inspector",
    "InspectorRoster",
    "Roster",
    "RosterError",
    "Unit",
    "inspectors_from_records",
    "read_inspectors",
    "read_roster",
    "resolve_domain",
    "roster_from_records",
]

MAX_BYTES = 64 * 1024 * 1024
MAX_ROWS = 1_000_000
_ID = re.compile(r"^[^\x00-\x1f\x7f]{1,128}$")
_YEAR = re.compile(r"^(\d{4})\s*年?$")
_LIST_SPLIT = re.compile(r"[;；,，、\s]+")


class RosterError(SpotcheckError):
    """A roster file that cannot be read at all (not a table, unknown format, too large)."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Unit:
    """One unit that may be drawn, in one domain. ``category`` is a leaf category id."""

    unit_id: str
    unit_name: str
    domain: Domain
    category: str
    region: str
    ownership: Ownership | None = None
    penalized_in: int | None = None
    row: int | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.domain.value, self.unit_id)


@dataclass(frozen=True)
class Roster:
    """The units of one roster file, with every problem found reading it."""

    units: tuple[Unit, ...]
    sha256: str
    file: str | None = None
    problems: tuple[Problem, ...] = ()

    def has_errors(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)

    def in_domain(self, domain: Domain) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if u.domain is domain)


@dataclass(frozen=True)
class Inspector:
    """One inspector: who may inspect which domains, from which region, recused from which units."""

    id: str
    name: str
    region: str
    domains: frozenset[Domain]
    conflicts: frozenset[str] = frozenset()
    row: int | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class InspectorRoster:
    inspectors: tuple[Inspector, ...]
    sha256: str
    file: str | None = None
    problems: tuple[Problem, ...] = ()

    def has_errors(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)


# --------------------------------------------------------------------------- headers

# Header spellings we accept, by field. Staff export from different systems; the Chinese
# spellings are the ones the municipal platforms use. Matching is on normalize()d keys.
_UNIT_FIELDS: dict[str, tuple[str, ...]] = {
    "unit_id": ("unit_id", "单位编号", "机构编号", "机构代码", "统一社会信用代码"),
    "unit_name": ("unit_name", "单位名称", "机构名称"),
    "domain": ("domain", "监督领域", "专业", "领域"),
    "category": ("category", "单位类别", "机构类别", "监督检查对象"),
    "region": ("region", "所在区县", "区县", "区划代码", "行政区划代码", "地区"),
    "ownership": ("ownership", "所有制", "性质", "公立民营"),
    "penalized_in": ("penalized_in", "受处罚年份", "处罚年份"),
}
_UNIT_REQUIRED = ("unit_id", "unit_name", "domain", "category", "region")

_INSPECTOR_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "inspector_id", "执法人员编号", "执法证号", "编号"),
    "name": ("name", "姓名"),
    "region": ("region", "所在区县", "区县", "区划代码", "地区"),
    "domains": ("domains", "可检查领域", "监督领域", "领域"),
    "conflicts": ("conflicts", "回避单位", "申报回避", "回避"),
}
_INSPECTOR_REQUIRED = ("id", "name", "region", "domains")

_OWNERSHIP: dict[str, Ownership] = {
    normalize(k): v
    for k, v in {
        "public": Ownership.PUBLIC,
        "公立": Ownership.PUBLIC,
        "公办": Ownership.PUBLIC,
        "private": Ownership.PRIVATE,
        "民营": Ownership.PRIVATE,
        "非公立": Ownership.PRIVATE,
        "社会办": Ownership.PRIVATE,
        "私立": Ownership.PRIVATE,
    }.items()
}

_DOMAINS: dict[str, Domain] = {}
for _d, _labels in DOMAIN_LABELS.items():
    for _label in (_d.value, *_labels):
        _DOMAINS[normalize(_label)] = _d


def resolve_domain(ref: str) -> Domain | None:
    """A domain by id (``medical``) or official label (医疗机构); None when unknown."""
    return _DOMAINS.get(normalize(ref))


# --------------------------------------------------------------------------- raw rows


@dataclass
class _Table:
    """Rows as text cells keyed by field name, with the row number to report problems at."""

    file: str
    rows: list[tuple[int | None, str, str, dict[str, Any]]]  # (line, pointer, where, cells)
    sha256: str
    problems: list[Problem]


def _cell_text(value: Any) -> str:
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
) -> _Table:
    header = next(rows, None)
    if header is None:
        empty = Problem(f"{code}02", f"{what}为空，没有表头", file=file, line=1)
        return _Table(file, [], sha, [empty])
    headers = [_cell_text(h) for h in header.cells]
    cols, problems = _map_header(headers, fields, required, file, code)
    out: list[tuple[int | None, str, str, dict[str, Any]]] = []
    for row in rows:
        values = [_cell_text(c) for c in row.cells]
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
    return _Table(file, out, sha, problems)


def _load_table(
    source: str | os.PathLike[str],
    fields: Mapping[str, tuple[str, ...]],
    required: Sequence[str],
    code: str,
) -> _Table:
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
) -> _Table:
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
    return _records_table(records, fields, required, file, sha, code, base, positions)


def _records_table(
    records: Sequence[Any],
    fields: Mapping[str, tuple[str, ...]],
    required: Sequence[str],
    file: str,
    sha: str,
    code: str,
    base: str = "",
    positions: Mapping[str, tuple[int, int]] | None = None,
) -> _Table:
    by_key = {normalize(alias): name for name, aliases in fields.items() for alias in aliases}
    table = _Table(file, [], sha, [])
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


def _records_sha(records: Sequence[Any]) -> str:
    blob = json.dumps(
        list(records), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- units


class _RowProblems:
    def __init__(self, table: _Table) -> None:
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


def _text(row: Mapping[str, Any], name: str) -> str:
    return _cell_text(row.get(name))


def _units(table: _Table, ruleset: Ruleset) -> Roster:
    out: list[Unit] = []
    add = _RowProblems(table).add
    first_row: dict[tuple[Domain, str], str] = {}
    for line, pointer, where, row in table.rows:
        missing = [n for n in _UNIT_REQUIRED if not _text(row, n)]
        for n in missing:
            add("U110", f"{where}：{n} 为空", line, pointer, n)
        if missing:
            continue
        unit_id, name = _text(row, "unit_id"), _text(row, "unit_name")
        region = _text(row, "region")
        ok = True
        for n, v in (("unit_id", unit_id), ("region", region)):
            if not _ID.match(v):
                add("U119", f"{where}：{n}“{v[:40]}”含控制字符或超过 128 个字符", line, pointer, n)
                ok = False
        dom_ref = _text(row, "domain")
        domain = resolve_domain(dom_ref)
        if domain is None:
            add(
                "U111",
                f"{where}：未知的监督领域“{dom_ref}”",
                line,
                pointer,
                "domain",
                suggestions=closest(dom_ref, list(_DOMAINS)),
            )
            continue
        rules = ruleset.domains.get(domain)
        if rules is None:
            add(
                "U112",
                f"{where}：监督领域“{dom_ref}”不在计划 {ruleset.id} 中，已忽略",
                line,
                pointer,
                "domain",
            )
            continue
        cat_ref = _text(row, "category")
        try:
            cat = rules.categories.get(cat_ref)
        except AmbiguousReferenceError as exc:
            add(
                "U114",
                f"{where}：单位类别“{cat_ref}”有歧义（{'、'.join(exc.candidates)}）",
                line,
                pointer,
                "category",
            )
            continue
        if cat is None:
            add(
                "U113",
                f"{where}：{rules.label}没有单位类别“{cat_ref}”",
                line,
                pointer,
                "category",
                suggestions=rules.categories.suggest(cat_ref),
            )
            continue
        if not rules.is_leaf(cat.id):
            leaves = "、".join(rules.categories[c].label for c in rules.leaves(cat.id))
            add(
                "U115",
                f"{where}：“{cat_ref}”是汇总行，请填写其下的具体类别（{leaves}）",
                line,
                pointer,
                "category",
            )
            continue
        ownership: Ownership | None = None
        own_ref = _text(row, "ownership")
        if own_ref:
            ownership = _OWNERSHIP.get(normalize(own_ref))
            if ownership is None:
                add(
                    "U116",
                    f"{where}：无法识别的所有制“{own_ref}”（应为 公立 或 民营）",
                    line,
                    pointer,
                    "ownership",
                )
                ok = False
        penalized_in: int | None = None
        pen_ref = _text(row, "penalized_in")
        if pen_ref:
            m = _YEAR.match(pen_ref)
            if m is None or not 2000 <= int(m.group(1)) <= 2100:
                add(
                    "U117",
                    f"{where}：受处罚年份“{pen_ref}”应为四位年份",
                    line,
                    pointer,
                    "penalized_in",
                )
                ok = False
            else:
                penalized_in = int(m.group(1))
        if not ok:
            continue
        key = (domain, unit_id)
        if key in first_row:
            prev = first_row[key]
            at = prev
            add(
                "U118",
                f"{where}：单位 {unit_id} 在{rules.label}中重复出现（{at}已有）",
                line,
                pointer,
                "unit_id",
            )
            continue
        first_row[key] = where
        out.append(Unit(unit_id, name, domain, cat.id, region, ownership, penalized_in, line))
    if not out and not any(p.severity is Severity.ERROR for p in table.problems):
        table.problems.append(
            Problem(
                "U104", "名单中没有可抽取的单位", severity=code_severity("U104"), file=table.file
            )
        )
    return Roster(tuple(out), table.sha256, table.file, tuple(table.problems))


def read_roster(source: str | os.PathLike[str], ruleset: Ruleset) -> Roster:
    """Read a unit roster file (.csv, .xlsx, .json, .yaml) against a plan's checklists.

    Categories are resolved as for findings (id, label or alias) and must be leaf rows. Problems
    are in ``Roster.problems``; a file that is not a table at all raises :class:`RosterError`.
    """
    return _units(_load_table(source, _UNIT_FIELDS, _UNIT_REQUIRED, "U1"), ruleset)


def roster_from_records(
    records: Sequence[Mapping[str, Any]], ruleset: Ruleset, *, name: str = "<records>"
) -> Roster:
    """A unit roster from Python records (dicts with the roster's field names)."""
    sha = _records_sha(records)
    return _units(_records_table(records, _UNIT_FIELDS, _UNIT_REQUIRED, name, sha, "U1"), ruleset)


# --------------------------------------------------------------------------- inspectors


def _as_list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [s for s in (_cell_text(v) for v in value) if s]
    return [s for s in _LIST_SPLIT.split(_cell_text(value)) if s]


def _inspectors(table: _Table) -> InspectorRoster:
    out: list[Inspector] = []
    add = _RowProblems(table).add
    first_row: dict[str, str] = {}
    for line, pointer, where, row in table.rows:
        missing = [n for n in _INSPECTOR_REQUIRED if not _as_list(row.get(n)) and not _text(row, n)]
        for n in missing:
            add("U210", f"{where}：{n} 为空", line, pointer, n)
        if missing:
            continue
        ins_id, name, region = _text(row, "id"), _text(row, "name"), _text(row, "region")
        ok = True
        for n, v in (("id", ins_id), ("region", region)):
            if not _ID.match(v):
                add("U219", f"{where}：{n}“{v[:40]}”含控制字符或超过 128 个字符", line, pointer, n)
                ok = False
        domains: set[Domain] = set()
        for ref in _as_list(row.get("domains")):
            d = resolve_domain(ref)
            if d is None:
                add(
                    "U211",
                    f"{where}：未知的监督领域“{ref}”",
                    line,
                    pointer,
                    "domains",
                    suggestions=closest(ref, list(_DOMAINS)),
                )
                ok = False
            else:
                domains.add(d)
        if not ok:
            continue
        if ins_id in first_row:
            prev = first_row[ins_id]
            at = prev
            add("U218", f"{where}：执法人员编号 {ins_id} 重复（{at}已有）", line, pointer, "id")
            continue
        first_row[ins_id] = where
        conflicts = frozenset(_as_list(row.get("conflicts")))
        out.append(Inspector(ins_id, name, region, frozenset(domains), conflicts, line))
    return InspectorRoster(tuple(out), table.sha256, table.file, tuple(table.problems))


def read_inspectors(source: str | os.PathLike[str]) -> InspectorRoster:
    """Read an inspector roster (.csv, .xlsx, .json, .yaml).

    ``domains`` and ``conflicts`` are lists; in a table cell separate them with 、 ; or spaces.
    """
    return _inspectors(_load_table(source, _INSPECTOR_FIELDS, _INSPECTOR_REQUIRED, "U2"))


def inspectors_from_records(
    records: Sequence[Mapping[str, Any]], *, name: str = "<records>"
) -> InspectorRoster:
    """An inspector roster from Python records."""
    sha = _records_sha(records)
    return _inspectors(
        _records_table(records, _INSPECTOR_FIELDS, _INSPECTOR_REQUIRED, name, sha, "U2")
    )

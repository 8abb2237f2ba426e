"""Reading the two rosters a draw needs: the units that may be inspected, and the inspectors.

A *unit roster* has one row per unit and domain (a hospital that is supervised for 医疗机构 and
for 采供血 appears once in each). An *inspector roster* has one row per inspector. Both come from
the municipal platform as CSV or XLSX, or from programs as JSON or YAML; headers may be written
in English (``unit_id``) or as supervision staff write them (单位编号). Problems are collected per
row and field, never just the first, like findings problems; the codes are documented in
docs/sampling.md (``U1xx`` unit roster, ``U2xx`` inspector roster).

This module says what a row means (a unit, an inspector) and checks it; turning a file or records
into rows of text cells, and the problems of the file itself, are :mod:`.reading`'s.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.codes import severity as code_severity
from ..core.errors import Problem, Severity
from ..core.text import closest, normalize
from ..ruleset.domains import DomainCatalogue, bundled_catalogue
from ..ruleset.reference import AmbiguousReferenceError
from ..ruleset.ruleset import Ruleset
from .reading import (
    RowProblems,
    Table,
    cell_text,
    load_table,
    records_sha,
    records_table,
)

__all__ = [
    "Inspector",
    "InspectorRoster",
    "Roster",
    "Unit",
    "inspectors_from_records",
    "read_inspectors",
    "read_roster",
    "resolve_domain",
    "roster_from_records",
]

_ID = re.compile(r"^[^\x00-\x1f\x7f]{1,128}$")
_YEAR = re.compile(r"^(\d{4})\s*年?$")
_LIST_SPLIT = re.compile(r"[;；,，、\s]+")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Unit:
    """One unit that may be drawn, in one domain. ``category`` is a leaf category id."""

    unit_id: str
    unit_name: str
    domain: str
    category: str
    region: str
    ownership: str | None = None
    penalized_in: int | None = None
    row: int | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        return (self.domain, self.unit_id)


@dataclass(frozen=True)
class Roster:
    """The units of one roster file, with every problem found reading it."""

    units: tuple[Unit, ...]
    sha256: str
    file: str | None = None
    problems: tuple[Problem, ...] = ()

    def has_errors(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)

    def in_domain(self, domain: str) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if u.domain == domain)


@dataclass(frozen=True)
class Inspector:
    """One inspector: who may inspect which domains, from which region, recused from which units."""

    id: str
    name: str
    region: str
    domains: frozenset[str]
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


def resolve_domain(ref: str, domains: DomainCatalogue | None = None) -> str | None:
    """A domain's id by id (``medical``), official name (医疗机构) or alias, of ``domains``
    (default: the bundled domains); None when unknown."""
    known = domains if domains is not None else bundled_catalogue()
    try:
        spec = known.index.get(normalize(ref))
    except AmbiguousReferenceError:
        return None
    return None if spec is None else spec.id


def _domain_names(domains: DomainCatalogue) -> list[str]:
    """Every name of every domain, as suggestions are drawn from."""
    names = (n for s in domains.specs() for n in (s.id, *s.labels, *s.aliases))
    return list(dict.fromkeys(normalize(n) for n in names))


# --------------------------------------------------------------------------- units


def _text(row: Mapping[str, Any], name: str) -> str:
    return cell_text(row.get(name))


def _units(table: Table, ruleset: Ruleset) -> Roster:
    out: list[Unit] = []
    add = RowProblems(table).add
    first_row: dict[tuple[str, str], str] = {}
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
        domain = resolve_domain(dom_ref, ruleset.catalogue)
        if domain is None:
            add(
                "U111",
                f"{where}：未知的监督领域“{dom_ref}”",
                line,
                pointer,
                "domain",
                suggestions=closest(dom_ref, _domain_names(ruleset.catalogue)),
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
        ownership: str | None = None
        own_ref = _text(row, "ownership")
        if own_ref:
            # the words of the unit's domain (domains.yaml), as findings read them
            ownership = rules.ownership.canonical(normalize(own_ref))
            if ownership is None:
                add(
                    "U116",
                    f"{where}：无法识别的所有制“{own_ref}”（应为 {rules.ownership.expected()}）",
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
    return _units(load_table(source, _UNIT_FIELDS, _UNIT_REQUIRED, "U1"), ruleset)


def roster_from_records(
    records: Sequence[Mapping[str, Any]], ruleset: Ruleset, *, name: str = "<records>"
) -> Roster:
    """A unit roster from Python records (dicts with the roster's field names)."""
    sha = records_sha(records)
    return _units(records_table(records, _UNIT_FIELDS, _UNIT_REQUIRED, name, sha, "U1"), ruleset)


# --------------------------------------------------------------------------- inspectors


def _as_list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [s for s in (cell_text(v) for v in value) if s]
    return [s for s in _LIST_SPLIT.split(cell_text(value)) if s]


def _inspectors(table: Table, domains: DomainCatalogue | None) -> InspectorRoster:
    known = domains if domains is not None else bundled_catalogue()
    out: list[Inspector] = []
    add = RowProblems(table).add
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
        can: set[str] = set()
        for ref in _as_list(row.get("domains")):
            d = resolve_domain(ref, known)
            if d is None:
                add(
                    "U211",
                    f"{where}：未知的监督领域“{ref}”",
                    line,
                    pointer,
                    "domains",
                    suggestions=closest(ref, _domain_names(known)),
                )
                ok = False
            else:
                can.add(d)
        if not ok:
            continue
        if ins_id in first_row:
            prev = first_row[ins_id]
            at = prev
            add("U218", f"{where}：执法人员编号 {ins_id} 重复（{at}已有）", line, pointer, "id")
            continue
        first_row[ins_id] = where
        conflicts = frozenset(_as_list(row.get("conflicts")))
        out.append(Inspector(ins_id, name, region, frozenset(can), conflicts, line))
    return InspectorRoster(tuple(out), table.sha256, table.file, tuple(table.problems))


def read_inspectors(
    source: str | os.PathLike[str], *, domains: DomainCatalogue | None = None
) -> InspectorRoster:
    """Read an inspector roster (.csv, .xlsx, .json, .yaml).

    ``domains`` and ``conflicts`` are lists; in a table cell separate them with 、 ; or spaces.
    The domains are those of ``domains`` (a ruleset's ``catalogue``; default: the bundled ones).
    """
    table = load_table(source, _INSPECTOR_FIELDS, _INSPECTOR_REQUIRED, "U2")
    return _inspectors(table, domains)


def inspectors_from_records(
    records: Sequence[Mapping[str, Any]],
    *,
    name: str = "<records>",
    domains: DomainCatalogue | None = None,
) -> InspectorRoster:
    """An inspector roster from Python records (``domains`` as for :func:`read_inspectors`)."""
    sha = records_sha(records)
    return _inspectors(
        records_table(records, _INSPECTOR_FIELDS, _INSPECTOR_REQUIRED, name, sha, "U2"), domains
    )

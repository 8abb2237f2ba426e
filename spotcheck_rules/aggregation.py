"""Aggregating validated findings into the official 汇总表, and rolling tables up.

Cell rules, per column kind (:class:`~spotcheck_rules.model.ColumnKind`):

* ``violation_units`` — distinct units with at least one violation mapped to the column (a unit
  with three prescription violations counts once);
* ``inspected_units`` — distinct units inspected; ``census_units`` — from the census file;
* ``cases`` — sum of 查处案件数; ``fines`` — sum of 罚没款, exact, in 万元 (yuan / 10 000);
* ``revoked_units`` — distinct units with that revocation.

A parent row is the subtotal of its children, 合计 (category ``"total"``) comes last, and a cell
whose column does not apply to its row is ``None`` ("/").

Distinct counts need no per-cell sets: validation guarantees one accepted record per unit per
domain (duplicates are deduplicated or rejected), so counting accepted records *is* counting
distinct units. The only per-unit state is the duplicate table the checker keeps (about 100
bytes a unit, see :mod:`spotcheck_rules.validation`); everything else is one counter per cell.
With drill-down the unit ids of every cell are kept, which is proportional to the findings.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast

from .errors import Problem, Severity, SpotcheckError
from .findings import FindingsReadError, RawRecord, _as_int, read_census
from .model import ColumnKind
from .reference import AmbiguousReferenceError
from .ruleset import DomainRules, Ruleset
from .tables import (
    TOTAL,
    AggregateResult,
    InputFile,
    InputSummary,
    RulesetRef,
    SummaryTable,
    TableColumn,
    TableRow,
)
from .validation import (
    _ALL_DOMAINS,
    Accepted,
    Checker,
    Findings,
    Progress,
    _as_path,
    _digest,
    _DomainState,
    _renamed,
    _renamed_problem,
    run,
)

__all__ = ["AggregationError", "CensusCounts", "aggregate", "load_census", "merge"]

CensusCounts = dict[tuple[str, str], int]
"""(domain id, leaf category id) → 辖区内单位总数."""


class AggregationError(SpotcheckError):
    """Tables cannot be produced: findings with errors, a broken census, or a refused merge.

    ``problems`` lists every reason, located.
    """


# --------------------------------------------------------------------------- census


Census = (
    str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes] | IO[str] | Iterable[Any]
)
"""A census: a path, content (bytes or a file object) or an iterable of dicts."""


def load_census(
    census: Census, ruleset: Ruleset, *, name: str | None = None
) -> tuple[CensusCounts, list[Problem]]:
    """Read and check a census: a file path (``str`` or ``os.PathLike``, always a path),
    content (bytes, a binary or text file object: CSV, or JSON, YAML, xlsx told from its
    first bytes; called ``name``, default ``<census>``, in problems) or an iterable of
    ``{domain, category, units}``.

    Returns the counts and the problems; any error problem makes the census unusable.
    """
    if isinstance(census, bytes | bytearray | memoryview) or callable(
        getattr(census, "read", None)
    ):
        return _census_from_memory(census, ruleset, name or "<census>")
    source: Path | Iterable[Any] = (
        _as_path(census, "辖区单位数")
        if isinstance(census, str | os.PathLike)
        else cast(Iterable[Any], census)
    )
    counts: CensusCounts = {}
    where: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    try:
        for raw in read_census(source):
            problems.extend(_census_entry(raw, ruleset, counts, where))
    except OSError as exc:
        raise FindingsReadError(f"无法读取辖区单位数：{exc.strerror or exc}") from exc
    return counts, problems


def _census_from_memory(
    data: Any, ruleset: Ruleset, name: str
) -> tuple[CensusCounts, list[Problem]]:
    try:
        if not isinstance(data, bytes | bytearray | memoryview):
            data = data.read()
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    except (OSError, TypeError, UnicodeError) as exc:
        raise FindingsReadError(f"无法读取辖区单位数 {name}：{exc}") from exc
    start = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    ext = (
        ".xlsx"
        if start.startswith(b"PK\x03\x04")
        else ".json"
        if start.startswith(b"[")
        else ".yaml"
        if start.startswith(b"-")
        else ".csv"
    )
    with tempfile.TemporaryDirectory(prefix="spotcheck-") as folder:
        tmp = Path(folder) / f"census{ext}"
        try:
            tmp.write_bytes(raw)
            counts, problems = load_census(tmp, ruleset)
        except SpotcheckError as exc:
            raise _renamed(exc, str(tmp), name) from None
        except OSError as exc:
            raise FindingsReadError(f"无法读取辖区单位数 {name}：{exc.strerror or exc}") from exc
    return counts, [_renamed_problem(p, str(tmp), name) for p in problems]


def _census_entry(
    raw: RawRecord, ruleset: Ruleset, counts: CensusCounts, where: dict[tuple[str, str], str]
) -> list[Problem]:
    def problem(code: str, message: str, field: str | None, sugg: Sequence[str] = ()) -> Problem:
        sev = Severity.WARNING if code in ("C006", "C010") else Severity.ERROR
        pointer = "" if raw.line is not None else f"/{raw.seq}"
        return Problem(
            code=code,
            message=message,
            severity=sev,
            file=raw.file,
            line=raw.line,
            pointer=pointer,
            field=field,
            suggestions=tuple(sugg),
        )

    v = raw.value
    if not isinstance(v, Mapping):
        return [problem("C003", "辖区单位数的每条应为对象：domain、category、units", None)]
    extra = set(v) - {"domain", "category", "units"}
    if extra:
        return [problem("C003", f"未知字段：{'、'.join(sorted(map(str, extra)))}", None)]
    dref, cref, units = v.get("domain"), v.get("category"), v.get("units")
    if not isinstance(dref, str) or not isinstance(cref, str):
        return [problem("C003", "缺少 domain 或 category", None)]
    try:
        dom = _ALL_DOMAINS.get(dref.strip())
    except AmbiguousReferenceError as exc:
        return [problem("C001", str(exc), "domain", exc.candidates)]
    if dom is None:
        return [problem("C001", f"未知的监督领域：{dref}", "domain", _ALL_DOMAINS.suggest(dref))]
    rules = ruleset.domains.get(dom)
    if rules is None:
        return [problem("C001", f"计划 {ruleset.id} 不包含领域 {dom.value}", "domain")]
    try:
        cat = rules.categories.get(cref.strip())
    except AmbiguousReferenceError as exc:
        return [problem("C002", str(exc), "category", exc.candidates)]
    if cat is None:
        return [
            problem("C002", f"未知的单位类别：{cref}", "category", rules.categories.suggest(cref))
        ]
    if not rules.is_leaf(cat.id):
        return [problem("C005", f"“{cat.label}”是小计行，请按其下的具体类别填写", "category")]
    n = _as_int(units)
    if n is None or n < 0:
        return [problem("C003", f"单位数应为非负整数，实为 {units!r}", "units")]
    key = (dom.value, cat.id)
    if key in where:
        return [problem("C004", f"{cat.label} 重复出现（先前在 {where[key]}）", "category")]
    where[key] = f"{raw.file} 第 {raw.line or raw.seq + 1} {'行' if raw.line else '条'}"
    counts[key] = n
    return []


# --------------------------------------------------------------------------- accumulation


class _Acc:
    """Counters of one domain: one int per leaf-row cell (plus unit sets with drill-down).

    The checker counts (:class:`~spotcheck_rules.validation._DomainState`); with drill-down the
    unit ids come from the records it hands on.
    """

    __slots__ = ("cases", "cells", "cents", "inspected", "units")

    def __init__(self, st: _DomainState, with_units: bool) -> None:
        self.inspected = st.inspected
        self.cases = st.cases
        self.cents = st.cents
        self.cells = st.cells
        # per row: column position → unit ids; key -1 is "inspected", -2 cases, -3 fines
        self.units: list[dict[int, set[str]]] | None = (
            [{} for _ in st.leaf_pos] if with_units else None
        )


_INSPECTED, _CASES, _FINES = -1, -2, -3


def aggregate(
    findings: Findings,
    ruleset: Ruleset,
    census: Census | None = None,
    *,
    format: str | None = None,
    name: str | None = None,
    with_units: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
) -> AggregateResult:
    """Validate findings and compute one 汇总表 per domain of the plan.

    ``findings``, ``format`` and ``name`` are as for :func:`~spotcheck_rules.validate` (paths,
    bytes, file objects or records); ``census`` as for :func:`load_census`. Raises
    :class:`AggregationError` (with every error) if any record has an error, unless
    ``skip_invalid``: then the rejected records are left out and counted as ``skipped``.
    Safe to call from many threads at once, on one ruleset.
    """
    issues: list[Problem] = []
    counts: CensusCounts | None = None
    if census is not None:
        counts, cprobs = load_census(census, ruleset)
        if any(p.severity is Severity.ERROR for p in cprobs):
            raise AggregationError("辖区单位数文件有错误，未生成汇总表", cprobs)
        issues.extend(cprobs)

    checker = Checker(ruleset)
    accs: dict[_DomainState, _Acc] = {st: _Acc(st, with_units) for st in checker.states.values()}

    def sink(got: Accepted) -> None:
        st, row, unit, detail = got
        units = accs[st].units
        assert units is not None
        units[row].setdefault(_INSPECTED, set()).add(unit)
        if detail is None:
            return
        u = units[row]
        for c in detail.columns | detail.revoked:
            u.setdefault(c, set()).add(unit)
        if detail.cases:
            u.setdefault(_CASES, set()).add(unit)
        if detail.fine_cents:
            u.setdefault(_FINES, set()).add(unit)

    # the checker counts every cell; records are only handed on for drill-down's unit ids
    files = run(
        findings,
        checker,
        sink if with_units else None,
        progress,
        sink_all=with_units,
        format=format,
        name=name,
    )
    errors = [p for p in checker.problems if p.severity is Severity.ERROR]
    if errors and not skip_invalid:
        raise AggregationError(
            f"检查结果有 {len(errors)} 个错误（{checker.rejected} 条记录），未生成汇总表；"
            "请修正，或使用 --skip-invalid 跳过无效记录",
            errors,
        )
    issues = [*checker.problems, *issues]
    if census is None:
        issues.append(
            Problem(
                code="C011",
                message="未提供辖区单位数（--census），“辖区内单位总数”列为空",
                severity=Severity.INFO,
            )
        )
    tables = []
    for st in checker.states.values():
        table, tprobs = _table(st, accs[st], counts)
        tables.append(table)
        issues.extend(tprobs)
    return AggregateResult(
        ruleset=RulesetRef(id=ruleset.id, digest=_digest(ruleset)),
        input=InputSummary(
            files=files,
            records_read=checker.read,
            accepted=checker.accepted,
            rejected=checker.rejected,
            skipped=checker.rejected if skip_invalid else 0,
        ),
        tables=tables,
        issues=[p.to_dict() for p in issues],
    )


def _money(cents: int) -> Decimal:
    """Cents to 万元, exactly: 1 万元 is 1 000 000 cents."""
    return Decimal(cents).scaleb(-6)


def _leaf_value(
    kind: ColumnKind, acc: _Acc, row: int, pos: int, census: int | None
) -> int | Decimal | None:
    if kind is ColumnKind.VIOLATION_UNITS or kind is ColumnKind.REVOKED_UNITS:
        return acc.cells[row][pos]
    if kind is ColumnKind.INSPECTED_UNITS:
        return acc.inspected[row]
    if kind is ColumnKind.CASES:
        return acc.cases[row]
    if kind is ColumnKind.FINES:
        return _money(acc.cents[row])
    return census  # CENSUS_UNITS


def _leaf_units(kind: ColumnKind, acc: _Acc, row: int, pos: int) -> set[str]:
    assert acc.units is not None
    key = {
        ColumnKind.INSPECTED_UNITS: _INSPECTED,
        ColumnKind.CASES: _CASES,
        ColumnKind.FINES: _FINES,
    }.get(kind, pos)
    return acc.units[row].get(key, set())


def _table(
    st: _DomainState, acc: _Acc, census: CensusCounts | None
) -> tuple[SummaryTable, list[Problem]]:
    rules: DomainRules = st.rules
    cl = rules.checklist
    dom = st.domain
    problems: list[Problem] = []
    columns = [
        TableColumn(id=c.id, label=c.label, groups=list(c.groups), kind=c.kind.value)
        for c in cl.columns
    ]
    applies = rules.column_applies

    def census_of(leaf: str) -> int | None:
        if census is None:
            return None
        return census.get((dom, leaf), 0)

    # Only a table with a 辖区内单位总数 column needs the census (the 医疗机构 and 中医 forms
    # have none), so only such a table warns about rows the census leaves out.
    if census is not None and any(c.kind is ColumnKind.CENSUS_UNITS for c in cl.columns):
        missing = [
            c.label for c in cl.categories if c.id in st.leaf_pos and (dom, c.id) not in census
        ]
        if missing:
            problems.append(
                Problem(
                    code="C006",
                    message=f"辖区单位数未列出{rules.label}的类别：{'、'.join(missing)}，按 0 计",
                    severity=Severity.WARNING,
                )
            )

    def row_for(cat_id: str | None, label: str, parent: str | None) -> TableRow:
        leaves = rules.leaves(cat_id) if cat_id else tuple(st.leaf_pos)
        values: dict[str, int | Decimal | None] = {}
        units: dict[str, list[str]] | None = {} if acc.units is not None else None
        for pos, col in enumerate(cl.columns):
            if cat_id is not None and not applies(col.id, cat_id, None):
                values[col.id] = None
                continue
            total: int | Decimal | None = None
            ids: set[str] = set()
            for leaf in leaves:
                if not applies(col.id, leaf, None):
                    continue
                r = st.leaf_pos[leaf]
                v = _leaf_value(col.kind, acc, r, pos, census_of(leaf))
                if v is not None:
                    total = v if total is None else total + v
                if units is not None and col.kind is not ColumnKind.CENSUS_UNITS:
                    ids |= _leaf_units(col.kind, acc, r, pos)
            values[col.id] = total
            if units is not None and total is not None and col.kind is not ColumnKind.CENSUS_UNITS:
                units[col.id] = sorted(ids)
        return TableRow(
            category=cat_id or TOTAL, label=label, parent=parent, values=values, units=units
        )

    rows = [row_for(c.id, c.label, c.parent) for c in cl.categories]
    rows.append(row_for(None, cl.total_label, None))

    if census is not None:
        insp = [c.id for c in cl.columns if c.kind is ColumnKind.INSPECTED_UNITS]
        cens = [c.id for c in cl.columns if c.kind is ColumnKind.CENSUS_UNITS]
        for c in cl.categories:
            if c.id not in st.leaf_pos:
                continue
            n_c = census_of(c.id) or 0
            n_i = acc.inspected[st.leaf_pos[c.id]]
            if (insp or cens) and n_i > n_c:
                problems.append(
                    Problem(
                        code="C010",
                        message=f"{rules.label}“{c.label}”检查单位数 {n_i} 多于辖区单位数 {n_c}",
                        severity=Severity.WARNING,
                    )
                )
    return SummaryTable(domain=dom, title=cl.title, columns=columns, rows=rows), problems


# --------------------------------------------------------------------------- merge


def merge(results: Sequence[AggregateResult]) -> AggregateResult:
    """Roll tables up (county → city → province): cell by cell sums.

    Refused unless every result has the same plan, digest, domains and columns. Distinct-unit
    cells add up because jurisdictions do not share units; with drill-down that is checked, and
    a unit inspected in two inputs is an error.
    """
    if not results:
        raise AggregationError("没有可合并的结果")
    first = results[0]
    problems: list[Problem] = []
    for i, r in enumerate(results[1:], start=2):
        if r.ruleset != first.ruleset:
            problems.append(
                Problem(
                    code="M001",
                    message=f"第 {i} 个结果的规则集 {r.ruleset.id}（{r.ruleset.digest[:12]}）"
                    f"与第 1 个 {first.ruleset.id}（{first.ruleset.digest[:12]}）不同，不能合并",
                )
            )
            continue
        if [t.domain for t in r.tables] != [t.domain for t in first.tables]:
            problems.append(
                Problem(
                    code="M002",
                    message=f"第 {i} 个结果的领域（{'、'.join(t.domain for t in r.tables)}）"
                    f"与第 1 个（{'、'.join(t.domain for t in first.tables)}）不同，不能合并",
                )
            )
            continue
        for a, b in zip(first.tables, r.tables, strict=True):
            if a.columns != b.columns or [x.category for x in a.rows] != [
                x.category for x in b.rows
            ]:
                problems.append(
                    Problem(
                        code="M003",
                        message=f"第 {i} 个结果的{a.domain}表的行或列与第 1 个不同，不能合并",
                    )
                )
    if problems:
        raise AggregationError("结果不能合并", problems)

    drill = all(row.units is not None for r in results for t in r.tables for row in t.rows)
    tables = []
    for ti, t0 in enumerate(first.tables):
        if drill:
            problems.extend(_overlaps([r.tables[ti] for r in results]))
        rows = []
        for ri, row0 in enumerate(t0.rows):
            values: dict[str, int | Decimal | None] = {}
            for col in t0.columns:
                cells = [r.tables[ti].rows[ri].values.get(col.id) for r in results]
                present = [c for c in cells if c is not None]
                if not present:
                    values[col.id] = None
                elif col.is_money:
                    values[col.id] = sum((Decimal(c) for c in present), Decimal(0))
                else:
                    values[col.id] = sum(int(c) for c in present)
            units = None
            if drill:
                units = {}
                for key in row0.units or {}:
                    ids: set[str] = set()
                    for r in results:
                        ids.update((r.tables[ti].rows[ri].units or {}).get(key, ()))
                    units[key] = sorted(ids)
            rows.append(row0.model_copy(update={"values": values, "units": units}))
        tables.append(t0.model_copy(update={"rows": rows}))
    if problems:
        raise AggregationError("合并的结果中有单位被重复统计", problems)
    files: list[InputFile] = [f for r in results for f in r.input.files]
    return AggregateResult(
        ruleset=first.ruleset,
        input=InputSummary(
            files=files,
            records_read=sum(r.input.records_read for r in results),
            accepted=sum(r.input.accepted for r in results),
            rejected=sum(r.input.rejected for r in results),
            skipped=sum(r.input.skipped for r in results),
        ),
        tables=tables,
        issues=[i for r in results for i in r.issues],
    )


def _overlaps(tables: list[SummaryTable]) -> list[Problem]:
    """Units inspected (in the 合计 row) in more than one of the inputs."""
    insp = [c.id for c in tables[0].columns if c.kind == ColumnKind.INSPECTED_UNITS.value]
    if not insp:
        return []
    owner: dict[str, int] = {}
    out: list[Problem] = []
    for i, t in enumerate(tables, start=1):
        for unit in (t.total.units or {}).get(insp[0], []):
            if unit in owner:
                out.append(
                    Problem(
                        code="M004",
                        message=f"单位 {unit} 同时出现在第 {owner[unit]} 个和第 {i} 个结果的"
                        f"{t.domain}表中，合并会重复统计",
                    )
                )
            else:
                owner[unit] = i
    return out

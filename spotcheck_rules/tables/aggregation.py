"""Aggregating validated findings into the official 汇总表: the tally of each domain
(:class:`Tally`) and the tables made from it. Reading the census is :mod:`.census`; rolling
tables up, :mod:`.merging`.

Cell rules, per column kind (:class:`~spotcheck_rules.ruleset.model.ColumnKind`):

* ``violation_units`` — distinct units with at least one violation mapped to the column (a unit
  with three prescription violations counts once);
* ``inspected_units`` — distinct units inspected; ``census_units`` — from the census file;
* ``cases`` — sum of 查处案件数; ``fines`` — sum of 罚没款, exact, in 万元 (yuan / 10 000);
* ``revoked_units`` — distinct units with that revocation;
* ``tested_units`` / ``passed_units`` — distinct units with a lab-test result (of the column's
  ``tests``), and those of them whose every such result passed;
* ``ratio`` — one column of the row over another (合格率), computed from the row's own counts
  (a subtotal's ratio is of its sums, never a sum of ratios), rounded once as the ruleset states.

A parent row is the subtotal of its children, 合计 (category ``"total"``) comes last, and a cell
whose column does not apply to its row is ``None`` ("/").

Distinct counts need no per-cell sets: validation guarantees one accepted record per unit per
domain (duplicates are deduplicated or rejected), so counting accepted records *is* counting
distinct units. The only per-unit state is the duplicate table the checker keeps (about 100
bytes a unit, see :mod:`spotcheck_rules.findings.validation`); everything else is one counter
per cell. With drill-down the unit ids of every cell are kept, which is proportional to the findings.
"""

from __future__ import annotations

from decimal import Decimal

from ..core.codes import severity as code_severity
from ..core.errors import Problem, Severity, SpotcheckError
from ..findings.checker import Accepted, Checker, Progress
from ..findings.detail import Detail
from ..findings.encodings import reading_encoding
from ..findings.sources import Findings, run
from ..findings.state import DomainState
from ..ruleset.model import Column, ColumnKind
from ..ruleset.ruleset import DomainRules, Ruleset
from .census import Census, CensusCounts, load_census
from .result import (
    TOTAL,
    AggregateResult,
    InputSummary,
    RatioFormat,
    RulesetRef,
    SummaryTable,
    TableColumn,
    TableRow,
    exact_decimal,
    ratio_cell,
)

__all__ = ["AggregationError", "Tally", "aggregate", "ratio_format"]


class AggregationError(SpotcheckError):
    """Tables cannot be produced: findings with errors, a broken census, or a refused merge.

    ``problems`` lists every reason, located.
    """


# --------------------------------------------------------------------------- accumulation


class Tally:
    """The counts of one domain's 汇总表: one int per leaf-row cell (plus unit sets with
    drill-down), which :func:`aggregate` turns into the table's rows.

    The checker counts (:class:`~spotcheck_rules.findings.state.DomainState`: ``inspected``,
    ``cases`` and ``cents`` per leaf row, ``cells`` per leaf row and column position); with
    drill-down the unit ids come from the records it hands on (:meth:`add_units`).
    """

    __slots__ = ("cases", "cells", "cents", "inspected", "units")

    def __init__(self, st: DomainState, with_units: bool) -> None:
        self.inspected = st.inspected
        self.cases = st.cases
        self.cents = st.cents
        self.cells = st.cells
        # per row: column position → unit ids; key -1 is "inspected", -2 cases, -3 fines
        self.units: list[dict[int, set[str]]] | None = (
            [{} for _ in st.leaf_pos] if with_units else None
        )

    def add_units(self, row: int, unit: str, detail: Detail | None) -> None:
        """Drill-down: ``unit`` (an accepted record of leaf row ``row``) in the cells it counts in."""
        units = self.units
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
    encoding: str | None = None,
) -> AggregateResult:
    """Validate findings and compute one 汇总表 per domain of the plan.

    ``findings``, ``format`` and ``name`` are as for :func:`~spotcheck_rules.validate` (paths,
    bytes, file objects or records); ``census`` as for
    :func:`~spotcheck_rules.tables.census.load_census`. Raises :class:`AggregationError` (with
    every error) if any record has an error, unless ``skip_invalid``: then the rejected records
    are left out and counted as ``skipped``. ``encoding`` names the codec of CSV inputs, the
    census included (default: detected).
    Safe to call from many threads at once, on one ruleset.
    """
    with reading_encoding(encoding):
        return _aggregate(
            findings,
            ruleset,
            census,
            format=format,
            name=name,
            with_units=with_units,
            skip_invalid=skip_invalid,
            progress=progress,
        )


def _aggregate(
    findings: Findings,
    ruleset: Ruleset,
    census: Census | None,
    *,
    format: str | None,
    name: str | None,
    with_units: bool,
    skip_invalid: bool,
    progress: Progress | None,
) -> AggregateResult:
    issues: list[Problem] = []
    counts: CensusCounts | None = None
    if census is not None:
        counts, cprobs = load_census(census, ruleset)
        if any(p.severity is Severity.ERROR for p in cprobs):
            raise AggregationError("辖区单位数文件有错误，未生成汇总表", cprobs)
        issues.extend(cprobs)

    checker = Checker(ruleset)
    accs: dict[DomainState, Tally] = {st: Tally(st, with_units) for st in checker.states.values()}

    def sink(got: Accepted) -> None:
        st, row, unit, detail = got
        accs[st].add_units(row, unit, detail)

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
                severity=code_severity("C011"),
            )
        )
    tables = []
    for st in checker.states.values():
        table, tprobs = _table(st, accs[st], counts)
        tables.append(table)
        issues.extend(tprobs)
    return AggregateResult(
        ruleset=RulesetRef(id=ruleset.id, digest=ruleset.digest()),
        input=InputSummary(
            files=files,
            records_read=checker.read,
            accepted=checker.accepted,
            rejected=checker.rejected,
            skipped=checker.rejected if skip_invalid else 0,
        ),
        tables=tables,
        issues=tuple(issues),
    )


def _money(cents: int) -> Decimal:
    """Cents to 万元, exactly: 1 万元 is 1 000 000 cents (at any size: an exact context)."""
    with exact_decimal():
        return Decimal(cents).scaleb(-6)


_CELL_KINDS = frozenset(
    {
        ColumnKind.VIOLATION_UNITS,
        ColumnKind.REVOKED_UNITS,
        ColumnKind.TESTED_UNITS,
        ColumnKind.PASSED_UNITS,
    }
)


def ratio_format(col: Column) -> RatioFormat | None:
    """The result's description of a ratio column (``None`` for any other column)."""
    r = col.ratio
    if r is None:
        return None
    return RatioFormat(
        numerator=r.numerator,
        denominator=r.denominator,
        percent=r.percent,
        places=r.places,
        rounding=r.rounding,
    )


def _leaf_value(
    kind: ColumnKind, acc: Tally, row: int, pos: int, census: int | None
) -> int | Decimal | None:
    if kind in _CELL_KINDS:
        return acc.cells[row][pos]
    if kind is ColumnKind.INSPECTED_UNITS:
        return acc.inspected[row]
    if kind is ColumnKind.CASES:
        return acc.cases[row]
    if kind is ColumnKind.FINES:
        return _money(acc.cents[row])
    return census  # CENSUS_UNITS


def _leaf_units(kind: ColumnKind, acc: Tally, row: int, pos: int) -> set[str]:
    assert acc.units is not None
    key = {
        ColumnKind.INSPECTED_UNITS: _INSPECTED,
        ColumnKind.CASES: _CASES,
        ColumnKind.FINES: _FINES,
    }.get(kind, pos)
    return acc.units[row].get(key, set())


def _table(
    st: DomainState, acc: Tally, census: CensusCounts | None
) -> tuple[SummaryTable, list[Problem]]:
    rules: DomainRules = st.rules
    cl = rules.checklist
    dom = st.domain
    problems: list[Problem] = []
    columns = [
        TableColumn(id=c.id, label=c.label, groups=list(c.groups), kind=c.kind)
        if c.ratio is None
        else TableColumn(
            id=c.id, label=c.label, groups=list(c.groups), kind=c.kind, ratio=ratio_format(c)
        )
        for c in cl.columns
    ]
    ratios = {c.id: c.ratio for c in columns if c.ratio is not None}
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
                    severity=code_severity("C006"),
                )
            )

    def row_for(cat_id: str | None, label: str, parent: str | None) -> TableRow:
        leaves = rules.leaves(cat_id) if cat_id else tuple(st.leaf_pos)
        values: dict[str, int | Decimal | None] = {}
        units: dict[str, list[str]] | None = {} if acc.units is not None else None
        for pos, col in enumerate(cl.columns):
            if (cat_id is not None and not applies(col.id, cat_id, None)) or col.id in ratios:
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
        for cid, fmt in ratios.items():  # from the row's own counts, once they are all summed
            if cat_id is None or applies(cid, cat_id, None):
                values[cid] = ratio_cell(
                    values.get(fmt.numerator), values.get(fmt.denominator), fmt
                )
        return TableRow(
            category=cat_id or TOTAL, label=label, parent=parent, values=values, units=units
        )

    with exact_decimal():  # parent rows and 合计 add amounts: exactly
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
                        severity=code_severity("C010"),
                    )
                )
    table = SummaryTable(domain=dom, title=cl.title, columns=columns, rows=rows)
    return table.labelled(rules.label), problems

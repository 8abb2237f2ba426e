"""Merging results (county → city → province): every input checked against the plan's empty
tables (the M codes), then summed cell by cell."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import MAX_PREC, Decimal, localcontext
from typing import Any

from ..core.codes import severity as code_severity
from ..core.errors import Problem, Severity, SpotcheckError, UsageError
from ..core.text import preview
from ..ruleset.model import ColumnKind
from ..ruleset.ruleset import Ruleset
from .aggregation import AggregationError, aggregate
from .result import AggregateResult, InputSummary, SummaryTable, exact_decimal, ratio_cell
from .resultfile import json_pointer, schema_problems

__all__ = ["merge"]

# Merge problems (docs/findings.md): M001 another plan or digest, M002 other domains, M003 other
# rows or columns, M004 a unit in two inputs (drill-down), M005 not a result (JSON, schema, a
# negative cell), M006 a cell the plan's table does not have there (a value in a "/" cell, one
# missing, wrong type), M007 a subtotal or 合计 that is not the sum of its rows, M008 record
# counts that do not add up, M009 drill-down unit lists that do not match their cells, M010
# (warning) labels other than the plan's, M011 (warning) a census in only some inputs.


def _template(ruleset: Ruleset) -> AggregateResult:
    """The plan's empty tables: labels, rows, columns and which cells apply ("/" is None),
    with 0 in every applicable cell (census columns included)."""
    return aggregate([], ruleset, census=[])


def merge(
    results: Sequence[AggregateResult],
    ruleset: Ruleset | None = None,
    *,
    names: Sequence[str] | None = None,
) -> AggregateResult:
    """Roll tables up (county → city → province): cell by cell sums.

    Nothing in an input is trusted. Each is checked against the result schema and against
    ``ruleset`` (default: the plan the first result names, loaded by id): the same plan id and
    digest, domains, rows and columns; a value in exactly the cells the plan's table has (none
    in "/" cells), no negative cell, every subtotal and 合计 the sum of its rows, ``records_read
    = accepted + rejected``, and drill-down lists that match their cells. Every failure is a
    located problem (``names``: the inputs' file names, for the problems). Titles, labels and
    groups of the merged tables come from the ruleset, never from an input.

    Distinct-unit cells add up because jurisdictions do not share units; with drill-down that
    is checked, and a unit inspected in two inputs is an error (M004).
    """
    if not results:
        raise AggregationError("没有可合并的结果")
    if names is not None and len(names) != len(results):
        raise ValueError("names must name every result")
    files = (
        list(names) if names is not None else [f"<结果 {i}>" for i in range(1, len(results) + 1)]
    )
    if ruleset is None:
        from ..ruleset.loader import load_ruleset

        try:
            ruleset = load_ruleset(results[0].ruleset.id)
        except SpotcheckError as exc:
            raise UsageError(
                f"合并需要结果所用的计划 {results[0].ruleset.id}：{exc.message}"
                "（计划不在已安装的规则集中时，用 --ruleset 指定计划文件）",
                exc.problems,
            ) from exc
    template = _template(ruleset)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for r, file in zip(results, files, strict=True):
        try:
            found = schema_problems(r.model_dump(mode="json"), file)
        except ValueError as exc:  # an amount that is not finite (Decimal NaN) built in memory
            found = [Problem("M005", f"不是有效的结果：{exc}", file=file)]
        if not found:
            found = _result_problems(r, template, file)
        problems.extend(p for p in found if p.severity is Severity.ERROR)
        warnings.extend(p for p in found if p.severity is not Severity.ERROR)
    if problems:
        raise AggregationError(f"结果不能合并（{len(problems)} 个问题）", problems)

    drill = all(row.units is not None for r in results for t in r.tables for row in t.rows)
    tables = []
    with localcontext() as ctx:
        ctx.prec = MAX_PREC  # sums of amounts are exact at any size
        for ti, t0 in enumerate(template.tables):
            inputs = [r.tables[ti] for r in results]
            if drill:
                problems.extend(_overlaps(inputs, files))
            warnings.extend(_partial_census(t0, inputs, files, ti))
            rows = []
            for ri, row0 in enumerate(t0.rows):
                values: dict[str, int | Decimal | None] = {}
                for col in t0.columns:
                    if col.ratio is not None:
                        continue  # from the merged counts, below
                    present = [
                        c for c in (t.rows[ri].values.get(col.id) for t in inputs) if c is not None
                    ]
                    if not present:
                        values[col.id] = None
                    elif col.is_money:
                        with exact_decimal():
                            values[col.id] = sum((Decimal(c) for c in present), Decimal(0))
                    else:
                        values[col.id] = sum(int(c) for c in present)
                for col in t0.columns:
                    fmt = col.ratio
                    if fmt is not None:
                        num, den = values.get(fmt.numerator), values.get(fmt.denominator)
                        values[col.id] = ratio_cell(num, den, fmt)
                units = None
                if drill:
                    units = {}
                    for key in inputs[0].rows[ri].units or {}:
                        ids: set[str] = set()
                        for t in inputs:
                            ids.update((t.rows[ri].units or {}).get(key, ()))
                        units[key] = sorted(ids)
                rows.append(row0.model_copy(update={"values": values, "units": units}))
            tables.append(t0.model_copy(update={"rows": rows}))
    if problems:
        raise AggregationError("合并的结果中有单位被重复统计", problems)
    return AggregateResult(
        ruleset=template.ruleset,
        input=InputSummary(
            files=[f for r in results for f in r.input.files],
            records_read=sum(r.input.records_read for r in results),
            accepted=sum(r.input.accepted for r in results),
            rejected=sum(r.input.rejected for r in results),
            skipped=sum(r.input.skipped for r in results),
        ),
        tables=tables,
        issues=(*(i for r in results for i in r.issues), *warnings),
    )


def _result_problems(r: AggregateResult, template: AggregateResult, file: str) -> list[Problem]:
    """One input against the plan's empty tables: shape, cells, sums, counts, drill-down."""

    def problem(code: str, message: str, *pointer: object) -> Problem:
        sev = code_severity(code)
        return Problem(code, message, severity=sev, file=file, pointer=json_pointer(pointer))

    ref = template.ruleset
    if r.ruleset != ref:
        return [
            problem(
                "M001",
                f"规则集 {r.ruleset.id}（摘要 {r.ruleset.digest[:12]}）与合并所用的 {ref.id}"
                f"（摘要 {ref.digest[:12]}）不同，不能合并",
                "ruleset",
            )
        ]
    want = [t.domain for t in template.tables]
    got = [t.domain for t in r.tables]
    if got != want:
        return [
            problem(
                "M002",
                f"领域（{'、'.join(got) or '无'}）与计划 {ref.id} 的（{'、'.join(want)}）不同，不能合并",
                "tables",
            )
        ]
    out = _input_counts(r, problem)
    for ti, (t, t0) in enumerate(zip(r.tables, template.tables, strict=True)):
        shape = [(c.id, c.kind) for c in t.columns] == [(c.id, c.kind) for c in t0.columns]
        if not shape or [x.category for x in t.rows] != [x.category for x in t0.rows]:
            out.append(
                problem(
                    "M003", f"{t0.domain}表的行或列与计划 {ref.id} 的不同，不能合并", "tables", ti
                )
            )
            continue
        if _labels(t) != _labels(t0):
            out.append(
                problem(
                    "M010",
                    f"{t0.domain}表的标题或行列名称与计划 {ref.id} 的不同，合并结果使用计划中的名称",
                    "tables",
                    ti,
                )
            )
        out.extend(_cell_problems(t, t0, ti, problem))
    return out


def _labels(t: SummaryTable) -> tuple[object, ...]:
    return (
        t.title,
        [(c.label, c.groups) for c in t.columns],
        [(x.label, x.parent) for x in t.rows],
    )


def _input_counts(r: AggregateResult, problem: Any) -> list[Problem]:
    inp = r.input
    out = []
    if inp.records_read != inp.accepted + inp.rejected:
        out.append(
            problem(
                "M008",
                f"读取 {inp.records_read} 条，不等于接受 {inp.accepted} 条与拒绝 {inp.rejected} 条之和",
                "input",
                "records_read",
            )
        )
    if inp.skipped > inp.rejected:
        out.append(
            problem(
                "M008", f"跳过 {inp.skipped} 条，多于拒绝的 {inp.rejected} 条", "input", "skipped"
            )
        )
    if inp.files and sum(f.records for f in inp.files) != inp.records_read:
        out.append(
            problem(
                "M008",
                f"各文件的记录数之和 {sum(f.records for f in inp.files)} 不等于读取的 "
                f"{inp.records_read} 条",
                "input",
                "files",
            )
        )
    return out


def _cell_problems(t: SummaryTable, t0: SummaryTable, ti: int, problem: Any) -> list[Problem]:
    """Cells against the plan's table: applicability, type, sums of rows, drill-down. (A
    negative cell is refused before, by the schema: counts have ``minimum: 0`` and amounts a
    pattern without a sign.)"""
    out: list[Problem] = []
    census_given = {
        c.id: any(x.values.get(c.id) is not None for x in t.rows)
        for c in t0.columns
        if c.kind == ColumnKind.CENSUS_UNITS.value
    }
    for ri, (row, row0) in enumerate(zip(t.rows, t0.rows, strict=True)):
        extra = sorted(set(row.values) - set(row0.values))
        if extra:
            out.append(
                problem(
                    "M006",
                    f"“{row0.label}”行有计划表中没有的列：{'、'.join(extra)}",
                    "tables",
                    ti,
                    "rows",
                    ri,
                    "values",
                )
            )
        for col in t0.columns:
            v = row.values.get(col.id)
            here = ("tables", ti, "rows", ri, "values", col.id)
            fmt = col.ratio
            if fmt is not None:  # a ratio is of its row's own counts (None where they are 0)
                want = ratio_cell(
                    row.values.get(fmt.numerator), row.values.get(fmt.denominator), fmt
                )
                if v != want:
                    label = {c.id: c.label for c in t0.columns}
                    shown = preview(v, quote=False) if v is not None else "空"
                    out.append(
                        problem(
                            "M012",
                            f"“{row0.label}”行“{col.label}”为 {shown}，不等于"
                            f"“{label.get(fmt.numerator, fmt.numerator)}”除以"
                            f"“{label.get(fmt.denominator, fmt.denominator)}”按规定取整的 {want}",
                            *here,
                        )
                    )
                continue
            applies = row0.values[col.id] is not None
            if v is None:
                if applies and census_given.get(col.id, True):
                    out.append(problem("M006", f"“{row0.label}”行“{col.label}”缺少数值", *here))
                continue
            if not applies:
                out.append(
                    problem(
                        "M006", f"“{row0.label}”行“{col.label}”不适用（/），却有数值 {v}", *here
                    )
                )
            elif col.is_money != isinstance(v, Decimal) or isinstance(v, bool):
                kind = "金额" if col.is_money else "整数"
                out.append(
                    problem(
                        "M006", f"“{row0.label}”行“{col.label}”应为{kind}，实为 {preview(v)}", *here
                    )
                )
    if out:
        return out  # sums of cells that are wrong in themselves say nothing more
    out.extend(_sum_problems(t, t0, ti, problem))
    return out


def _leaves_of(t0: SummaryTable) -> dict[int, list[int]]:
    """Row index → indices of the leaf rows it sums (合计: every leaf); leaves map to []."""
    index = {x.category: i for i, x in enumerate(t0.rows)}
    children: dict[int, list[int]] = {i: [] for i in range(len(t0.rows))}
    for i, x in enumerate(t0.rows):
        if x.parent is not None and x.parent in index:
            children[index[x.parent]].append(i)
    total = [i for i, x in enumerate(t0.rows) if x.is_total]
    leaves = [i for i, kids in children.items() if not kids and i not in total]

    def under(i: int) -> list[int]:
        if not children[i]:
            return [i]
        return [leaf for c in children[i] for leaf in under(c)]

    out = {i: (under(i) if children[i] else []) for i in range(len(t0.rows))}
    for i in total:
        out[i] = leaves
    return out


def _sum_problems(t: SummaryTable, t0: SummaryTable, ti: int, problem: Any) -> list[Problem]:
    out: list[Problem] = []
    distinct = {
        ColumnKind.VIOLATION_UNITS.value,
        ColumnKind.INSPECTED_UNITS.value,
        ColumnKind.REVOKED_UNITS.value,
    }
    sums = _leaves_of(t0)
    with localcontext() as ctx:
        ctx.prec = MAX_PREC
        for ri, row in enumerate(t.rows):
            leaves = sums[ri]
            row0 = t0.rows[ri]
            for col in t0.columns:
                if col.ratio is not None:
                    continue  # not a sum: checked against its row's counts
                v = row.values.get(col.id)
                here = ("tables", ti, "rows", ri, "values", col.id)
                if v is not None and leaves:
                    parts = [t.rows[i].values.get(col.id) for i in leaves]
                    present = [p for p in parts if p is not None]
                    with exact_decimal():
                        expected = sum(present, Decimal(0) if col.is_money else 0)
                    if v != expected:
                        what = "" if row0.is_total else "（小计）"
                        out.append(
                            problem(
                                "M007",
                                f"“{row0.label}”行“{col.label}”为 {v}，不等于其下各行之和 {expected}{what}",
                                *here,
                            )
                        )
                if row.units is None or v is None or col.kind == ColumnKind.CENSUS_UNITS.value:
                    continue
                ids = row.units.get(col.id, [])
                uhere = ("tables", ti, "rows", ri, "units", col.id)
                if col.kind in distinct and len(set(ids)) != v:
                    out.append(
                        problem(
                            "M009",
                            f"“{row0.label}”行“{col.label}”为 {v}，所附单位编号却有 {len(set(ids))} 个",
                            *uhere,
                        )
                    )
                elif leaves:
                    union = {u for i in leaves for u in (t.rows[i].units or {}).get(col.id, [])}
                    if union != set(ids):
                        out.append(
                            problem(
                                "M009",
                                f"“{row0.label}”行“{col.label}”所附单位编号不是其下各行的并集",
                                *uhere,
                            )
                        )
    return out


def _partial_census(
    t0: SummaryTable, inputs: Sequence[SummaryTable], files: Sequence[str], ti: int
) -> list[Problem]:
    out = []
    for col in t0.columns:
        if col.kind != ColumnKind.CENSUS_UNITS.value:
            continue
        given = [any(x.values.get(col.id) is not None for x in t.rows) for t in inputs]
        if any(given) and not all(given):
            missing = "、".join(f for f, g in zip(files, given, strict=True) if not g)
            out.append(
                Problem(
                    "M011",
                    f"{t0.domain}表的“{col.label}”只有部分结果提供了辖区单位数（缺：{missing}），"
                    "合并后的该列不完整",
                    severity=code_severity("M011"),
                    pointer=json_pointer(("tables", ti)),
                )
            )
    return out


def _overlaps(tables: list[SummaryTable], files: Sequence[str]) -> list[Problem]:
    """Units inspected (in the 合计 row) in more than one of the inputs."""
    insp = [c.id for c in tables[0].columns if c.kind is ColumnKind.INSPECTED_UNITS]
    if not insp:
        return []
    owner: dict[str, int] = {}
    out: list[Problem] = []
    for i, t in enumerate(tables):
        for unit in (t.total.units or {}).get(insp[0], []):
            if unit in owner:
                out.append(
                    Problem(
                        code="M004",
                        message=f"单位 {unit} 同时出现在 {files[owner[unit]]} 和 {files[i]} 的"
                        f"{t.domain}表中，合并会重复统计",
                        file=files[i],
                    )
                )
            else:
                owner[unit] = i
    return out

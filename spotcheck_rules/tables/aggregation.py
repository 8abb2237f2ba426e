"""Aggregating validated findings into the official 汇总表, and rolling tables up.

Cell rules, per column kind (:class:`~spotcheck_rules.ruleset.model.ColumnKind`):

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
bytes a unit, see :mod:`spotcheck_rules.findings.validation`); everything else is one counter per cell.
With drill-down the unit ids of every cell are kept, which is proportional to the findings.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from decimal import MAX_PREC, Decimal, localcontext
from pathlib import Path
from typing import IO, Any, cast

from ..core.codes import severity as code_severity
from ..core.errors import Problem, Severity, SpotcheckError, UsageError
from ..core.limits import DEPTH, json_depth
from ..core.text import preview
from ..findings.readers import FindingsReadError, read_census
from ..findings.records import RawRecord, Unparsable, as_int
from ..findings.validation import (
    ALL_DOMAINS,
    Accepted,
    Checker,
    DomainState,
    Findings,
    Progress,
    as_path,
    renamed_error,
    renamed_problem,
    run,
)
from ..ruleset.model import ColumnKind
from ..ruleset.reference import AmbiguousReferenceError
from ..ruleset.ruleset import DomainRules, Ruleset
from .result import (
    TOTAL,
    AggregateResult,
    InputSummary,
    RulesetRef,
    SummaryTable,
    TableColumn,
    TableRow,
    exact_decimal,
)

__all__ = [
    "AggregationError",
    "CensusCounts",
    "aggregate",
    "load_census",
    "merge",
    "read_result",
]

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
        as_path(census, "辖区单位数")
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
            raise renamed_error(exc, str(tmp), name) from None
        except OSError as exc:
            raise FindingsReadError(f"无法读取辖区单位数 {name}：{exc.strerror or exc}") from exc
    return counts, [renamed_problem(p, str(tmp), name) for p in problems]


def _census_entry(
    raw: RawRecord, ruleset: Ruleset, counts: CensusCounts, where: dict[tuple[str, str], str]
) -> list[Problem]:
    def problem(code: str, message: str, field: str | None, sugg: Sequence[str] = ()) -> Problem:
        sev = code_severity(code)
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
    if isinstance(v, Unparsable):
        return [problem("C003", f"无法读取的条目：{v.reason}", None)]
    if not isinstance(v, Mapping):
        return [problem("C003", "辖区单位数的每条应为对象：domain、category、units", None)]
    extra = set(v) - {"domain", "category", "units"}
    if extra:
        return [problem("C003", f"未知字段：{'、'.join(sorted(map(str, extra)))}", None)]
    dref, cref, units = v.get("domain"), v.get("category"), v.get("units")
    if not isinstance(dref, str) or not isinstance(cref, str):
        return [problem("C003", "缺少 domain 或 category", None)]
    try:
        dom = ALL_DOMAINS.get(dref.strip())
    except AmbiguousReferenceError as exc:
        return [problem("C001", str(exc), "domain", exc.candidates)]
    if dom is None:
        return [problem("C001", f"未知的监督领域：{dref}", "domain", ALL_DOMAINS.suggest(dref))]
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
    n = as_int(units)
    if n is None or n < 0:
        return [problem("C003", f"单位数应为非负整数，实为 {preview(units)}", "units")]
    key = (dom.value, cat.id)
    if key in where:
        return [problem("C004", f"{cat.label} 重复出现（先前在 {where[key]}）", "category")]
    where[key] = f"{raw.file} 第 {raw.line or raw.seq + 1} {'行' if raw.line else '条'}"
    counts[key] = n
    return []


# --------------------------------------------------------------------------- accumulation


class _Acc:
    """Counters of one domain: one int per leaf-row cell (plus unit sets with drill-down).

    The checker counts (:class:`~spotcheck_rules.findings.validation._DomainState`); with drill-down the
    unit ids come from the records it hands on.
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
    accs: dict[DomainState, _Acc] = {st: _Acc(st, with_units) for st in checker.states.values()}

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
    st: DomainState, acc: _Acc, census: CensusCounts | None
) -> tuple[SummaryTable, list[Problem]]:
    rules: DomainRules = st.rules
    cl = rules.checklist
    dom = st.domain
    problems: list[Problem] = []
    columns = [
        TableColumn(id=c.id, label=c.label, groups=list(c.groups), kind=c.kind) for c in cl.columns
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
                    severity=code_severity("C006"),
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
    return SummaryTable(domain=dom, title=cl.title, columns=columns, rows=rows), problems


# --------------------------------------------------------------------------- merge

# Merge problems (docs/findings.md): M001 another plan or digest, M002 other domains, M003 other
# rows or columns, M004 a unit in two inputs (drill-down), M005 not a result (JSON, schema, a
# negative cell), M006 a cell the plan's table does not have there (a value in a "/" cell, one
# missing, wrong type), M007 a subtotal or 合计 that is not the sum of its rows, M008 record
# counts that do not add up, M009 drill-down unit lists that do not match their cells, M010
# (warning) labels other than the plan's, M011 (warning) a census in only some inputs.


def read_result(path: str | Path) -> AggregateResult:
    """Read one ``aggregate`` JSON result for :func:`merge`, checked against the result schema
    (``schemas/result.schema.json``) and the JSON types of its cells.

    Raises :class:`SpotcheckError` with every problem (M005), located by file, line and column
    (JSON syntax) or JSON pointer (schema).
    """
    import json

    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SpotcheckError(f"无法读取 {file}：{exc.strerror or exc}") from exc
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise SpotcheckError(
            f"{file} 不是 spotcheck aggregate 的 JSON 结果",
            [Problem("M005", f"不是 UTF-8 文本（第 {exc.start + 1} 个字节）", file=file)],
        ) from exc
    except json.JSONDecodeError as exc:
        raise SpotcheckError(
            f"{file} 不是 spotcheck aggregate 的 JSON 结果",
            [
                Problem(
                    "M005",
                    f"不是有效的 JSON：{exc.msg}",
                    file=file,
                    line=exc.lineno,
                    column=exc.colno,
                )
            ],
        ) from exc
    except (ValueError, RecursionError) as exc:  # a 5,000-digit integer, nesting too deep
        raise SpotcheckError(
            f"{file} 不是 spotcheck aggregate 的 JSON 结果",
            [Problem("M005", _unreadable_json(exc), file=file)],
        ) from exc
    if json_depth(data, DEPTH.value()) is not None:  # before the (recursive) schema check
        raise SpotcheckError(
            f"{file} 不是 spotcheck aggregate 的 JSON 结果",
            [Problem("M005", f"JSON {DEPTH.message()}", file=file)],
        )
    problems = _schema_problems(data, file)
    if not problems:
        problems = _json_type_problems(data, file)
    if not problems:
        try:
            return AggregateResult.model_validate(data)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            problems = [Problem("M005", f"不是有效的结果：{exc}", file=file)]
    raise SpotcheckError(f"{file} 不是 spotcheck aggregate 的 JSON 结果", problems)


def _unreadable_json(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return f"JSON {DEPTH.message()}"
    return f"无法读取的 JSON：{type(exc).__name__}"


def _pointer(parts: Iterable[object]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


_SCHEMA_LIMIT = 50  # schema problems reported per input; the first ones say what is wrong


def _schema_problems(data: Any, file: str) -> list[Problem]:
    validator = _result_validator()
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    out = [
        Problem("M005", _schema_message(e), file=file, pointer=_pointer(e.absolute_path))
        for e in errors[:_SCHEMA_LIMIT]
    ]
    if len(errors) > _SCHEMA_LIMIT:
        out.append(Problem("M005", f"……另有 {len(errors) - _SCHEMA_LIMIT} 处不符合", file=file))
    return out


def _schema_message(error: Any) -> str:
    v, detail = error.validator, error.validator_value
    if v == "required":
        missing = [
            k for k in detail if isinstance(error.instance, dict) and k not in error.instance
        ]
        return f"缺少字段：{'、'.join(missing)}"
    if v == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(str(k) for k in error.instance if k not in known)
        return f"未知字段：{'、'.join(extra)}"
    if v == "type":
        names = {"integer": "整数", "string": "字符串", "object": "对象", "array": "数组"}
        names |= {"null": "null", "number": "数", "boolean": "布尔值"}
        want = detail if isinstance(detail, list) else [detail]
        return f"类型应为{'或'.join(str(names.get(t, t)) for t in want)}，实为 {error.instance!r}"[
            :200
        ]
    if v == "minimum":
        return f"不能小于 {detail}，实为 {error.instance!r}"
    if v in ("pattern", "enum"):
        return f"取值无效：{error.instance!r}"[:200]
    if v == "anyOf":
        return f"单元格应为非负整数、万元金额字符串或 null，实为 {error.instance!r}"[:200]
    return f"不符合结果格式：{error.message}"[:200]


_VALIDATOR: Any = None


def _result_validator() -> Any:
    """The compiled result schema (jsonschema is imported only when a result is checked)."""
    global _VALIDATOR
    if _VALIDATOR is None:
        from jsonschema import Draft202012Validator

        from .result import result_json_schema

        # Two threads may both build it: the same validator, and assignment is atomic.
        _VALIDATOR = Draft202012Validator(result_json_schema())
    return _VALIDATOR


def _json_type_problems(data: dict[str, Any], file: str) -> list[Problem]:
    """What the schema cannot say: a count is a JSON integer (not ``1.0``, not ``"1"``), an
    amount a decimal string, per the column's kind."""
    out: list[Problem] = []
    for ti, t in enumerate(data["tables"]):
        money = {c["id"] for c in t["columns"] if c["kind"] == ColumnKind.FINES.value}
        for ri, row in enumerate(t["rows"]):
            for key, v in row["values"].items():
                if v is None:
                    continue
                if key in money and not isinstance(v, str):
                    msg = f'金额应为万元的十进制字符串（如 "1.2345"），实为 {v!r}'
                elif key not in money and not (isinstance(v, int) and not isinstance(v, bool)):
                    msg = f"计数应为整数，实为 {v!r}"
                else:
                    continue
                out.append(
                    Problem(
                        "M005",
                        msg[:200],
                        file=file,
                        pointer=_pointer(("tables", ti, "rows", ri, "values", key)),
                    )
                )
    return out


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
            found = _schema_problems(r.model_dump(mode="json"), file)
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
        return Problem(code, message, severity=sev, file=file, pointer=_pointer(pointer))

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
                    problem("M006", f"“{row0.label}”行“{col.label}”应为{kind}，实为 {v!r}", *here)
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
                    pointer=_pointer(("tables", ti)),
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

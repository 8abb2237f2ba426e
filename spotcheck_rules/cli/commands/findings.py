"""``spotcheck validate | aggregate | merge``: findings in, problems and 汇总表 out."""

from __future__ import annotations

import argparse
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from ...core.errors import Problem, Severity, SpotcheckError, UsageError
from ...findings.encodings import check_encoding
from ...findings.placing import Placer
from ...ruleset.loader import load_ruleset
from ...tables.result import AggregateResult
from ._output import Streams, output_format, write_bytes, write_json, write_text
from ._progress import Progress

_TABLE_FORMATS = ("table", "json", "csv", "xlsx")

_MAX_SHOWN = 200  # problems printed on a terminal; the JSON output always has all of them


def register(sub: Any) -> None:
    p = sub.add_parser("validate", help="校验检查结果：列出每个问题（文件:行、字段、原因）")
    p.add_argument("findings", nargs="+", metavar="FINDINGS", help="检查结果文件")
    p.add_argument("--ruleset", required=True, metavar="PLAN", help="规则集（如 shanxi/2025）")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument(
        "--fail-on",
        choices=["error", "warning"],
        default="error",
        help="何种级别的问题使退出码为 1（默认 error）",
    )
    p.add_argument(
        "--encoding",
        metavar="CODEC",
        help="CSV 文件的编码（默认自动识别 UTF-8、UTF-8 BOM、GB18030/GBK、UTF-16；如 gbk、big5）",
    )
    p.add_argument("-o", "--output", metavar="OUT")
    p.set_defaults(run=_validate)

    p = sub.add_parser("aggregate", help="由检查结果生成汇总表（每个领域一张）")
    p.add_argument("findings", nargs="+", metavar="FINDINGS", help="检查结果文件")
    p.add_argument("--ruleset", required=True, metavar="PLAN", help="规则集（如 shanxi/2025）")
    p.add_argument("--census", metavar="FILE", help="辖区单位数文件（domain, category, units）")
    p.add_argument(
        "--format",
        choices=_TABLE_FORMATS,
        help="输出格式：table、json、csv、xlsx；默认按 -o 的扩展名，否则 table",
    )
    p.add_argument("-o", "--output", metavar="OUT")
    p.add_argument("--with-units", action="store_true", help="每格附上被统计的单位编号")
    p.add_argument(
        "--skip-invalid", action="store_true", help="跳过有错误的记录（并在结果中记录跳过数）"
    )
    p.add_argument(
        "--encoding",
        metavar="CODEC",
        help="CSV 文件的编码（默认自动识别 UTF-8、UTF-8 BOM、GB18030/GBK、UTF-16；如 gbk、big5）",
    )
    p.set_defaults(run=_aggregate)

    p = sub.add_parser("merge", help="合并下级辖区的汇总结果（JSON），逐格相加")
    p.add_argument("results", nargs="+", metavar="RESULT.json")
    p.add_argument(
        "--ruleset",
        metavar="PLAN",
        help="结果所用的计划（默认按结果中的计划编号；计划未安装时给出计划文件）",
    )
    p.add_argument("-o", "--output", metavar="OUT")
    p.add_argument(
        "--format",
        choices=_TABLE_FORMATS,
        help="输出格式：json、table、csv、xlsx；默认按 -o 的扩展名，否则 json",
    )
    p.add_argument(
        "--encoding",
        metavar="CODEC",
        help="结果 JSON 的编码（默认 UTF-8，或带 BOM 的 UTF-16：记事本另存为“Unicode”）",
    )
    p.set_defaults(run=_merge)


def _check_inputs(paths: list[str]) -> None:
    missing = [p for p in paths if not Path(p).is_file()]
    if missing:
        raise UsageError("找不到文件：" + "、".join(missing))


def _print_problems(
    problems: Sequence[Problem], stream: TextIO, placer: Placer | None = None
) -> None:
    """The problems, one a line; those of an xlsx input named by sheet, row and column letter."""
    placer = placer or Placer()
    for p in problems[:_MAX_SHOWN]:
        stream.write(placer.format(placer.place(p)) + "\n")
    if len(problems) > _MAX_SHOWN:
        stream.write(
            f"……另有 {len(problems) - _MAX_SHOWN} 个问题未显示（用 --format json 查看全部）\n"
        )


# --------------------------------------------------------------------------- commands


def _validate(args: argparse.Namespace, streams: Streams) -> int:
    from ...findings.validation import validate

    _check_inputs(args.findings)
    rs = load_ruleset(args.ruleset, allow_paths=True)
    progress = Progress(streams.stderr)
    try:
        report = validate(list(args.findings), rs, progress=progress, encoding=args.encoding)
    finally:
        progress.close()
    placer = Placer()
    report = report.model_copy(update={"problems": tuple(placer.place_all(report.problems))})
    if args.format == "json":
        write_json(report, args.output, streams.stdout)
    else:
        if args.output:
            buf = io.StringIO()
            _print_problems(report.problems, buf, placer)
            buf.write(report.summary() + "\n")
            write_text(buf.getvalue(), args.output, streams.stdout)
        else:
            _print_problems(report.problems, streams.stdout, placer)
            streams.stdout.write(report.summary() + "\n")
    worst = Severity.WARNING if args.fail_on == "warning" else Severity.ERROR
    return 1 if any(p.severity.rank >= worst.rank for p in report.problems) else 0


def _aggregate(args: argparse.Namespace, streams: Streams) -> int:
    from ...tables.aggregation import AggregationError, aggregate

    _check_inputs(args.findings + ([args.census] if args.census else []))
    rs = load_ruleset(args.ruleset, allow_paths=True)
    progress = Progress(streams.stderr)
    try:
        result = aggregate(
            list(args.findings),
            rs,
            census=args.census,
            with_units=args.with_units,
            skip_invalid=args.skip_invalid,
            progress=progress,
            encoding=args.encoding,
        )
    except AggregationError as exc:
        progress.close()
        streams.stderr.write(f"spotcheck: {exc.message}\n")
        _print_problems(list(exc.problems), streams.stderr)
        return 1
    finally:
        progress.close()
    fmt = output_format(args.format, args.output, _TABLE_FORMATS, "table")
    _emit(result, fmt, args.output, streams.stdout)
    if result.input.skipped:
        streams.stderr.write(f"spotcheck: 已跳过 {result.input.skipped} 条有错误的记录\n")
    return 0


def _merge(args: argparse.Namespace, streams: Streams) -> int:
    from ...tables.aggregation import AggregationError
    from ...tables.merging import merge
    from ...tables.resultfile import read_result

    _check_inputs(args.results)
    encoding = check_encoding(args.encoding) if args.encoding else None
    results = []
    unreadable: list[Problem] = []
    progress = Progress(streams.stderr)
    total = sum(Path(p).stat().st_size for p in args.results)
    done = 0
    try:
        for path in args.results:
            try:
                results.append(read_result(path, encoding=encoding))
            except SpotcheckError as exc:
                if not exc.problems:
                    raise
                unreadable.extend(exc.problems)
            done += Path(path).stat().st_size
            progress(done, total)
    finally:
        progress.close()
    if unreadable:
        files = len({p.file for p in unreadable})
        raise UsageError(f"{files} 个文件不是 spotcheck aggregate 的 JSON 结果，未合并", unreadable)
    ruleset = load_ruleset(args.ruleset, allow_paths=True) if args.ruleset else None
    try:
        merged = merge(results, ruleset, names=list(args.results))
    except AggregationError as exc:
        streams.stderr.write(f"spotcheck: {exc.message}\n")
        _print_problems(list(exc.problems), streams.stderr)
        return 1
    fmt = output_format(args.format, args.output, _TABLE_FORMATS, "json")
    _emit(merged, fmt, args.output, streams.stdout)
    # the merge's own warnings (M010, M011) come after the issues carried over from the inputs
    for issue in merged.issues[sum(len(r.issues) for r in results) :]:
        streams.stderr.write(issue.format() + "\n")
    return 0


def _emit(result: AggregateResult, fmt: str, out: str | None, stdout: TextIO) -> None:
    if fmt == "json":
        write_json(result, out, stdout)
        return
    try:
        from ...tables import report
    except ImportError as exc:
        raise UsageError(
            f"输出格式 {fmt} 暂不可用（spotcheck_rules.tables.report 未安装）"
        ) from exc
    name = {"table": "render_table", "csv": "render_csv", "xlsx": "render_xlsx"}[fmt]
    render = getattr(report, name, None)
    if render is None:
        raise UsageError(f"输出格式 {fmt} 暂不可用（缺少 report.{name}）")
    if fmt == "xlsx":
        data = render(result)
        if out is None and stdout.isatty():
            raise UsageError("xlsx 是二进制格式，请用 -o 指定输出文件")
        write_bytes(data, out, stdout)
    else:
        write_text(render(result), out, stdout)

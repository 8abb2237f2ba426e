"""``spotcheck list | show | check | schema``: the rulesets themselves."""

from __future__ import annotations

import argparse
import unicodedata
from pathlib import Path
from typing import Any

from ...core.checkreport import CheckReport
from ...core.errors import SpotcheckError
from ...ruleset.loader import check_files, list_rulesets, load_ruleset, ruleset_files
from ...ruleset.views import dumps, plan_json, plan_markdown, plan_text
from ...schemas.catalogue import SCHEMA_NAMES, render_schema
from ._output import Streams, write_text


def register(sub: Any) -> None:
    p = sub.add_parser("list", help="列出所有可用的规则集（内置与插件）")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(run=_list)

    p = sub.add_parser("show", help="显示一个规则集：抽检比例、检查内容、汇总表表头")
    p.add_argument("plan", metavar="PLAN", help="规则集编号（如 shanxi/2025）或文件路径")
    p.add_argument("--domain", metavar="D", help="只显示一个领域（id 或名称）")
    p.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    p.add_argument("-o", "--output", metavar="OUT")
    p.set_defaults(run=_show)

    p = sub.add_parser("check", help="检查规则集文件，列出所有问题（文件:行:列）")
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        type=Path,
        help="规则集文件，或目录（检查其中所有 .yaml）",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(run=_check)

    p = sub.add_parser("schema", help="输出一个 JSON Schema")
    p.add_argument("name", choices=SCHEMA_NAMES, metavar="NAME", help="、".join(SCHEMA_NAMES))
    p.set_defaults(run=_schema)


def _list(args: argparse.Namespace, streams: Streams) -> int:
    errors: list[SpotcheckError] = []
    infos = list_rulesets(errors)
    for exc in errors:
        streams.stderr.write(f"spotcheck: {exc.message}\n")
        for problem in exc.problems:
            streams.stderr.write(f"  {problem.format()}\n")
    status = 1 if errors else 0
    if args.format == "json":
        write_text(dumps([i.model_dump(mode="json") for i in infos]), None, streams.stdout)
        return status
    for i in infos:
        base = f" ← {i.extends}" if i.extends else ""
        origin = "" if i.provider == "bundled" else f" [{i.provider}]"
        line = f"{i.id:<16} {i.year}  {_pad(i.jurisdiction, 18)} {','.join(i.domains):<34}"
        write_text(f"{line}{base}{origin}".rstrip(), None, streams.stdout)
    return status


def _pad(text: str, width: int) -> str:
    # Chinese characters take two terminal cells; str.ljust counts them as one.
    cells = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - cells, 0)


def _show(args: argparse.Namespace, streams: Streams) -> int:
    rs = load_ruleset(args.plan, allow_paths=True)
    if args.domain:
        rs.domain(args.domain)  # an unknown domain is a usage error before any output
    if args.format == "json":
        text = dumps(plan_json(rs, args.domain))
    elif args.format == "markdown":
        text = plan_markdown(rs, args.domain)
    else:
        text = plan_text(rs, args.domain)
    write_text(text, args.output, streams.stdout)
    return 0


def _check(args: argparse.Namespace, streams: Streams) -> int:
    missing = [p for p in args.paths if not p.is_file() and not p.is_dir()]
    for p in missing:
        streams.stderr.write(f"spotcheck: 找不到文件或目录 {p}\n")
    if missing:
        return 2
    files = ruleset_files(list(args.paths))
    empty = [p for p in args.paths if p.is_dir() and not ruleset_files([p])]
    for p in empty:
        streams.stderr.write(f"spotcheck: 目录 {p} 中没有 .yaml 文件\n")
    if empty:
        return 2
    report = CheckReport(tuple(check_files(files)))
    if args.format == "json":
        write_text(report.model_dump_json(indent=2), None, streams.stdout)
    else:
        for p in report.problems:
            write_text(p.format(), None, streams.stdout)
        streams.stderr.write(f"{len(files)} 个文件，{report.summary_line()}\n")
    return 0 if report.ok else 1


def _schema(args: argparse.Namespace, streams: Streams) -> int:
    write_text(render_schema(args.name), None, streams.stdout)
    return 0

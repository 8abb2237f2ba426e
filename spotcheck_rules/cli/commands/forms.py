"""``spotcheck template | checklist``: the forms supervision staff fill in (see docs/staff.md)."""

from __future__ import annotations

import argparse
from typing import Any

from ...core.errors import UsageError
from ...ruleset.loader import load_ruleset
from ._output import Streams, output_format, write_bytes, write_text

_CHECKLIST_FORMATS = ("html", "pdf", "markdown")


def register(sub: Any) -> None:
    p = sub.add_parser("template", help="生成检查结果录入表（xlsx：下拉列表、是/否列、填写说明）")
    p.add_argument("plan", metavar="PLAN", help="规则集编号（如 shanxi/2025）或文件路径")
    p.add_argument("--domain", required=True, metavar="D", help="监督领域（id 或名称）")
    p.add_argument("-o", "--output", required=True, metavar="OUT.xlsx")
    p.add_argument(
        "--units",
        metavar="FILE",
        help="单位名单或 spotcheck sample 抽取结果（CSV/XLSX）：预先填入该领域的单位，"
        "行政区划下拉列表列出其所在区县",
    )
    p.set_defaults(run=_template)

    p = sub.add_parser("checklist", help="生成现场监督检查表（HTML、PDF、Markdown），打印后手填")
    p.add_argument("plan", metavar="PLAN", help="规则集编号（如 shanxi/2025）或文件路径")
    p.add_argument("--domain", required=True, metavar="D", help="监督领域（id 或名称）")
    p.add_argument("--category", metavar="C", help="只列出适用于该单位类别的检查内容")
    p.add_argument(
        "--format",
        choices=_CHECKLIST_FORMATS,
        help="html、pdf（需 Chromium）或 markdown；默认按 -o 的扩展名，否则 html",
    )
    p.add_argument("-o", "--output", metavar="OUT")
    p.set_defaults(run=_checklist)


def _template(args: argparse.Namespace, streams: Streams) -> int:
    from ...forms.workbook import render_template

    rs = load_ruleset(args.plan, allow_paths=True)
    findings: list[dict[str, Any]] = []
    regions: list[str] = []
    if args.units:
        findings, regions = _units(args.units, rs, args.domain, streams)
    write_bytes(
        render_template(rs, args.domain, findings, regions=regions), args.output, streams.stdout
    )
    return 0


def _units(
    path: str, rs: Any, domain: str, streams: Streams
) -> tuple[list[dict[str, Any]], list[str]]:
    """The units of ``domain`` in a roster (or a drawn sample, which reads as one) as pre-filled
    rows, and their 行政区划 codes; the roster's problems are reported, its errors refuse it."""
    from ...draws.reading import RosterError
    from ...draws.roster import read_roster

    rules = rs.domain(domain)
    roster = read_roster(path, rs)
    for p in roster.problems:
        streams.stderr.write(p.format() + "\n")
    if roster.has_errors():
        raise RosterError(f"{path}：单位名单有错误，未生成录入表", list(roster.problems))
    units = roster.in_domain(rules.domain)
    rows = []
    for u in units:
        row: dict[str, Any] = {
            "unit_id": u.unit_id,
            "unit_name": u.unit_name,
            "domain": rules.label,
            "category": rules.categories[u.category].label,
            "region": u.region,
        }
        if u.ownership is not None:
            row["ownership"] = rules.ownership.label(u.ownership)
        rows.append(row)
    return rows, sorted({u.region for u in units})


def _checklist(args: argparse.Namespace, streams: Streams) -> int:
    from ...forms.checklist import build_checklist
    from ...forms.printing import render_html, render_markdown, render_pdf

    rs = load_ruleset(args.plan, allow_paths=True)
    suffix_formats = (*_CHECKLIST_FORMATS, "md", "htm")
    fmt = output_format(args.format, args.output, suffix_formats, "html")
    fmt = {"md": "markdown", "htm": "html"}.get(fmt, fmt)
    form = build_checklist(rs, args.domain, args.category)
    if fmt == "pdf":
        if args.output is None and streams.stdout.isatty():
            raise UsageError("PDF 是二进制格式，请用 -o 指定输出文件")
        write_bytes(render_pdf(form), args.output, streams.stdout)
    elif fmt == "markdown":
        write_text(render_markdown(form), args.output, streams.stdout)
    else:
        write_text(render_html(form), args.output, streams.stdout)
    return 0

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
    p.add_argument("--domain", required=True, metavar="D", help="监督领域（medical、医疗机构 …）")
    p.add_argument("-o", "--output", required=True, metavar="OUT.xlsx")
    p.set_defaults(run=_template)

    p = sub.add_parser("checklist", help="生成现场监督检查表（HTML、PDF、Markdown），打印后手填")
    p.add_argument("plan", metavar="PLAN", help="规则集编号（如 shanxi/2025）或文件路径")
    p.add_argument("--domain", required=True, metavar="D", help="监督领域（medical、医疗机构 …）")
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
    write_bytes(render_template(rs, args.domain), args.output, streams.stdout)
    return 0


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

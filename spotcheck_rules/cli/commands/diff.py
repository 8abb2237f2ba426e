"""``spotcheck diff OLD NEW``: what changed between two rulesets, and what it breaks."""

from __future__ import annotations

import argparse
from typing import Any

from ...diff.changes import ChangeLevel
from ...diff.comparison import diff_rulesets
from ...diff.rendering import render_json, render_markdown, render_text
from ._output import Streams, write_text

__all__ = ["register"]

_LEVELS = [lv.value for lv in ChangeLevel]


def register(sub: Any) -> None:
    p = sub.add_parser(
        "diff",
        help="比较两个规则集（年度之间、国家与省之间），列出每项变化及其影响级别",
        description=(
            "比较两个规则集。OLD、NEW 可以是规则集编号（national/2024）、计划或检查表文件，"
            "或 编号#领域（national/2025#medical）。只按编号匹配，不按名称猜测。"
        ),
    )
    p.add_argument("old", metavar="OLD", help="旧规则集：编号、文件，或 编号#领域")
    p.add_argument("new", metavar="NEW", help="新规则集：编号、文件，或 编号#领域")
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    p.add_argument(
        "--fail-on",
        choices=_LEVELS,
        metavar="LEVEL",
        help="存在该级别或更高级别的未确认变化时退出码为 1（" + "、".join(_LEVELS) + "）",
    )
    p.add_argument("--levels", metavar="FILE", help="覆盖规则级别的 YAML/JSON 文件（规则: 级别）")
    p.add_argument("--ack", metavar="FILE", help="已确认变化的文件（fingerprint 与 reason）")
    p.add_argument(
        "--suggest-renames", action="store_true", help="列出可能的改名（仅供参考，不作匹配）"
    )
    p.add_argument("-o", "--output", metavar="OUT", help="写入文件而不是标准输出")
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace, streams: Streams) -> int:
    diff = diff_rulesets(
        args.old,
        args.new,
        levels=args.levels,
        acknowledgements=args.ack,
        renames=args.suggest_renames,
    )
    if args.format == "json":
        text = render_json(diff)
    elif args.format == "markdown":
        text = render_markdown(diff)
    else:
        text = render_text(diff)
    write_text(text, args.output, streams.stdout)
    if args.fail_on is None:
        return 0
    level = ChangeLevel(args.fail_on)
    failing = diff.failing(level)
    if failing:
        # stderr, so that a CI log shows why the gate failed even with -o or --format json.
        streams.stderr.write(
            f"spotcheck diff: {len(failing)} 项未确认的变化达到或超过 {level.value}（{level.label}）级别\n"
        )
        return 1
    return 0

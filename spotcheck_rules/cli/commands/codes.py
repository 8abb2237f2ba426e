"""``spotcheck codes``: every code the library can emit, from the catalogue."""

from __future__ import annotations

import argparse
from typing import IO, Any

from ...core.codes import FAMILIES, by_family, codes_json, codes_text, family_id
from ._output import Streams

__all__ = ["register", "write_codes"]


def _family(value: str) -> str:
    try:
        return family_id(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: Any) -> None:
    p = sub.add_parser(
        "codes",
        help="列出所有问题代码与变更规则：代码族、级别、说明",
        description="列出本程序可能报告的每个代码（检查结果、辖区单位数、合并、名单、规则集、diff 规则）。",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument(
        "--family",
        type=_family,
        metavar="F",
        help="只列出一个代码族（" + "、".join(FAMILIES) + "）",
    )
    p.set_defaults(run=_run)


def write_codes(fmt: str, family: str | None, out: IO[str]) -> None:
    """Write the codes (of one family, or all) to ``out`` as ``text`` or ``json``."""
    codes = by_family(family)
    out.write(codes_json(codes) if fmt == "json" else codes_text(codes))
    out.flush()


def _run(args: argparse.Namespace, streams: Streams) -> int:
    write_codes(args.format, args.family, streams.stdout)
    return 0

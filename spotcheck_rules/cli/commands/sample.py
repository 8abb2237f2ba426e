"""``spotcheck sample``: draw the units to inspect and the inspectors who go, or verify a draw.

Exit codes: 0 done; 1 the roster has errors, a unit cannot be staffed, or ``--verify`` refutes
the record; 2 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import io
import unicodedata
from collections.abc import Sequence
from typing import Any, TextIO

from ...core.cells import inert, set_cell, workbook_bytes
from ...core.errors import Problem, Severity, UsageError
from ...draws.audit import audit_json, audit_record, read_audit
from ...draws.inspectors import MIN_TEAM, Assignment, assign_inspectors
from ...draws.roster import InspectorRoster, Roster, read_inspectors, read_roster
from ...draws.sampling import Draw, draw
from ...draws.verification import verify
from ...ruleset.loader import load_ruleset
from ...ruleset.model import TIER_LABELS
from ...ruleset.ruleset import Ruleset
from ._output import Streams, output_format, write_bytes, write_text

__all__ = ["publish_rows", "register"]

_FORMATS = ("table", "json", "csv", "xlsx")
_LOOKBACK_LABEL = "回头看"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "sample",
        help="双随机抽取：按计划从名单中抽取检查单位并分派执法人员；或用 --verify 复核",
        description=(
            "按计划的抽检比例，从单位名单中以公开的种子抽取检查对象（可复现、可复核），"
            "并为每个单位分派不少于两名执法人员。用 --verify 重新抽取并复核审计记录。"
        ),
    )
    p.add_argument("--ruleset", metavar="PLAN", help="规则集编号（如 shanxi/2025）或计划文件路径")
    p.add_argument(
        "--roster", metavar="FILE", required=True, help="单位名单（csv、xlsx、json、yaml）"
    )
    p.add_argument("--seed", metavar="TEXT", help="事先公布的种子（如彩票开奖号码或日期）")
    p.add_argument("--inspectors", metavar="FILE", help="执法人员名单（csv、xlsx、json、yaml）")
    p.add_argument(
        "--no-own-region", action="store_true", help="不派本区县的执法人员（回避本辖区）"
    )
    p.add_argument(
        "--team-size",
        type=int,
        default=MIN_TEAM,
        metavar="N",
        help=f"每个单位的执法人员数（至少 {MIN_TEAM}，默认 {MIN_TEAM}）",
    )
    p.add_argument("-o", "--output", metavar="OUT", help="输出文件（默认标准输出）")
    p.add_argument(
        "--format",
        choices=_FORMATS,
        help="输出格式：table、json（审计记录）、csv、xlsx（公示名单）；默认按 -o 的扩展名",
    )
    p.add_argument(
        "--audit", metavar="FILE", help="另将审计记录（JSON）写入 FILE，供 --verify 复核"
    )
    p.add_argument("--verify", metavar="AUDIT", help="复核审计记录：用同样的输入重新抽取并逐项比较")
    p.set_defaults(run=_run)


def _format(args: argparse.Namespace) -> str:
    return output_format(args.format, args.output, _FORMATS, "table")


def _report(problems: Sequence[Problem], stderr: TextIO) -> None:
    for p in sorted(problems, key=Problem.sort_key):
        stderr.write(f"  {p.format()}\n")


def _read_rosters(
    args: argparse.Namespace, ruleset: Ruleset, stderr: TextIO
) -> tuple[Roster, InspectorRoster | None] | None:
    """Both rosters, with their problems on stderr; None when either has errors."""
    roster = read_roster(args.roster, ruleset)
    inspectors = (
        read_inspectors(args.inspectors, domains=ruleset.catalogue) if args.inspectors else None
    )
    problems = [*roster.problems, *(inspectors.problems if inspectors else ())]
    if problems:
        _report(problems, stderr)
    if roster.has_errors() or (inspectors is not None and inspectors.has_errors()):
        n = sum(1 for p in problems if p.severity is Severity.ERROR)
        stderr.write(f"spotcheck: 名单有 {n} 个错误，未抽取\n")
        return None
    return roster, inspectors


def _run(args: argparse.Namespace, streams: Streams) -> int:
    if args.verify:
        return _verify(args, streams)
    missing = [o for o, v in (("--ruleset", args.ruleset), ("--seed", args.seed)) if not v]
    if missing:
        raise UsageError(f"抽取需要 {'、'.join(missing)}（复核请用 --verify AUDIT.json）")
    if args.team_size < MIN_TEAM:
        raise UsageError(f"--team-size 至少为 {MIN_TEAM}（执法人员不少于两人）")
    if args.no_own_region and not args.inspectors:
        raise UsageError("--no-own-region 需要同时给出 --inspectors")
    fmt = _format(args)
    ruleset = load_ruleset(args.ruleset, allow_paths=True)
    rosters = _read_rosters(args, ruleset, streams.stderr)
    if rosters is None:
        return 1
    roster, inspectors = rosters
    result = draw(roster, ruleset, seed=args.seed)
    assignment = None
    if inspectors is not None:
        assignment = assign_inspectors(
            result, inspectors, team_size=args.team_size, no_own_region=args.no_own_region
        )
    audit = audit_record(result, assignment)
    # Everything is rendered before anything is written: a failure in rendering leaves no
    # audit record without its list.
    if fmt == "xlsx":
        data = _xlsx(result, assignment, ruleset)
    elif fmt == "json":
        text = audit_json(audit)
    elif fmt == "csv":
        text = _csv(result, assignment, ruleset)
    else:
        text = _table(result, assignment, ruleset)
    if args.audit:
        write_text(audit_json(audit), args.audit, streams.stdout)
    if fmt == "xlsx":
        write_bytes(data, args.output, streams.stdout)
    else:
        write_text(text, args.output, streams.stdout)
    if assignment is not None and assignment.unstaffed:
        _report(assignment.problems(), streams.stderr)
        streams.stderr.write(f"spotcheck: {len(assignment.unstaffed)} 个单位无法组成检查组\n")
        return 1
    return 0


def _verify(args: argparse.Namespace, streams: Streams) -> int:
    if args.seed:
        raise UsageError("--verify 使用审计记录中的种子，不能再给 --seed")
    audit = read_audit(args.verify)
    ruleset = load_ruleset(args.ruleset or audit.plan.id, allow_paths=True)
    if audit.assignments is not None and not args.inspectors:
        raise UsageError("审计记录含执法人员分派，复核需要 --inspectors")
    rosters = _read_rosters(args, ruleset, streams.stderr)
    if rosters is None:
        return 1
    roster, inspectors = rosters
    result = verify(audit, roster, ruleset, inspectors)
    lines = [
        f"复核 {args.verify}：计划 {audit.plan.id}，种子“{_visible(audit.seed)}”，"
        f"算法 {audit.algorithm}"
    ]
    for c in result.checks:
        lines.append(f"  {'✓' if c.ok else '✗'} {c.message}")
        lines.extend(f"      {d}" for d in c.detail)
    lines.append("结论：一致，抽取结果成立" if result.ok else "结论：不一致，抽取结果不成立")
    write_text("\n".join(lines), args.output, streams.stdout)
    return 0 if result.ok else 1


def _visible(text: str) -> str:
    """``text`` with every character a terminal would not show plainly (controls, format
    characters such as U+202E, which reorders the rest of the line) written as ``<U+XXXX>``."""
    return "".join(
        f"<U+{ord(c):04X}>"
        if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")
        or (unicodedata.category(c) == "Zs" and c not in " \u3000")
        else c
        for c in text
    )


# --------------------------------------------------------------------------- outputs

_HEADER = ("抽查类型", "监督领域", "单位类别", "单位编号", "单位名称", "所在区县", "执法人员")


def _header(assignment: Assignment | None) -> Sequence[str]:
    return _HEADER if assignment is not None else _HEADER[:-1]


def publish_rows(result: Draw, assignment: Assignment | None, ruleset: Ruleset) -> list[list[str]]:
    """The list to publish: one row per drawn unit, then the 回头看 units, with their teams
    (the 执法人员 column only when inspectors were assigned)."""
    rows: list[list[str]] = []
    width = len(_header(assignment))

    def team(domain: Any, unit_id: str) -> str:
        if assignment is None:
            return ""
        t = assignment.team_of(domain, unit_id)
        if t is None:
            return "（无法组成检查组）"
        return "、".join(f"{i.name}（{i.id}）" for i in t.inspectors)

    def label(domain: Any, category: str) -> str:
        return ruleset.domains[domain].categories[category].label

    for s in result.selections:
        rows.append(
            [
                TIER_LABELS[s.tier],
                ruleset.catalogue.label(s.domain),
                label(s.domain, s.unit.category),
                s.unit.unit_id,
                s.unit.unit_name,
                s.unit.region,
                team(s.domain, s.unit.unit_id),
            ][:width]
        )
    for lb in result.lookback:
        also = f"（亦为{TIER_LABELS[lb.drawn_in]}）" if lb.drawn_in is not None else ""
        rows.append(
            [
                f"{_LOOKBACK_LABEL}（{lb.year}年受处罚）{also}",
                ruleset.catalogue.label(lb.domain),
                label(lb.domain, lb.unit.category),
                lb.unit.unit_id,
                lb.unit.unit_name,
                lb.unit.region,
                team(lb.domain, lb.unit.unit_id),
            ][:width]
        )
    return rows


def _csv(result: Draw, assignment: Assignment | None, ruleset: Ruleset) -> str:
    buf = io.StringIO()
    # \r\n and a BOM: what Excel on Chinese Windows opens without garbling.
    buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(_header(assignment))
    # Unit names and ids come from the roster: through inert() (cells.py), never a formula.
    w.writerows([inert(c) for c in r] for r in publish_rows(result, assignment, ruleset))
    return buf.getvalue()


# A fixed timestamp for the xlsx package: the same draw must give the same bytes, so that the
# published file's own SHA-256 is reproducible too.
_EPOCH = _dt.datetime(2000, 1, 1)


def _xlsx(result: Draw, assignment: Assignment | None, ruleset: Ruleset) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.properties.created = _EPOCH
    wb.properties.modified = _EPOCH
    wb.properties.creator = "spotcheck_rules"
    bold = Font(bold=True)
    sheets: list[tuple[str, Sequence[str], list[list[str]]]] = [
        ("抽取名单", _header(assignment), publish_rows(result, assignment, ruleset)),
        ("抽取数量", _QUOTA_HEADER, _quota_rows(result, ruleset)),
        ("说明", ("项目", "内容"), [list(kv) for kv in _info(result)]),
    ]
    if assignment is not None:
        sheets[2][2].append(["执法人员名单 SHA-256", assignment.inspectors_sha256])
    for n, (title, header, rows) in enumerate(sheets):
        ws = wb.active if n == 0 else wb.create_sheet()
        ws.title = title
        # Every cell is text (a number-looking 统一社会信用代码 must not become 9.1e17), set
        # through set_cell (cells.py): a unit name or seed is never written as a formula.
        for i, r in enumerate([list(header), *rows], start=1):
            for j, value in enumerate(r, start=1):
                set_cell(ws.cell(row=i, column=j), value)
        for cell in ws[1]:
            cell.font = bold
        for i, h in enumerate(header):
            width = max([_width(h), *(_width(r[i]) for r in rows)]) + 2
            ws.column_dimensions[chr(ord("A") + i)].width = min(width, 60)
        ws.freeze_panes = "A2"
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(vertical="top", wrap_text=False)
    # workbook_bytes, not wb.save(): save() stamps the current time into ``modified`` (the same
    # draw gave other bytes a second later) and writes through a temporary file.
    return workbook_bytes(wb, (1980, 1, 1, 0, 0, 0))


def _quota_rows(result: Draw, ruleset: Ruleset) -> list[list[str]]:
    rows = []
    for q in result.quotas:
        rules = ruleset.domains[q.domain]
        cats = "、".join(rules.categories[c].label for c in q.categories)
        rows.append(
            [
                TIER_LABELS[q.tier],
                ruleset.catalogue.label(q.domain),
                cats,
                q.rule,
                str(q.population),
                str(q.available),
                str(q.target),
                str(q.quota),
            ]
        )
    return rows


_QUOTA_HEADER = (
    "抽查类型",
    "监督领域",
    "单位类别",
    "抽检比例",
    "单位数",
    "可抽单位数",
    "应抽数",
    "抽取数",
)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [_width(h) for h in header]
    for r in rows:
        widths = [max(w, _width(c)) for w, c in zip(widths, r, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _info(result: Draw) -> list[tuple[str, str]]:
    r = result.rounding
    rounding = f"{r.method}，非空层至少 {r.minimum} 家" + (
        "" if r.declared else "（计划未声明，按默认）"
    )
    return [
        ("计划", f"{result.plan_id} {result.plan_title}"),
        ("规则集摘要", result.ruleset_digest),
        ("种子", result.seed),
        ("算法", result.algorithm),
        ("名单 SHA-256", result.roster_sha256),
        ("取整", rounding),
    ]


def _table(result: Draw, assignment: Assignment | None, ruleset: Ruleset) -> str:
    out = [f"{k}：{v}" for k, v in _info(result)]
    if assignment is not None:
        out.append(f"执法人员名单 SHA-256：{assignment.inspectors_sha256}")
    out += ["", "抽取数量", *_grid(_QUOTA_HEADER, _quota_rows(result, ruleset))]
    out += ["", "抽取名单", *_grid(_header(assignment), publish_rows(result, assignment, ruleset))]
    if assignment is not None:
        loads = "，".join(f"{i} {n}" for i, n in assignment.loads)
        out += ["", f"执法人员任务数：{loads}"]
    return "\n".join(out) + "\n"

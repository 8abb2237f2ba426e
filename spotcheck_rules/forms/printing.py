"""The on-site checklist laid out: HTML for A4 print, Markdown, and PDF through headless Chromium.

:func:`render_html` writes a self-contained page (no script, no external resource; print CSS
for A4: each item kept on one page where it fits, page numbers and the ruleset's id and digest
at the foot of every page). Each item is a ``<section class="item" data-item="ID">`` and each
check point a ``<tr class="point">``, so a program (and the tests) can find them again. The
boxes are ☐符合 ☐不符合, and ☐合理缺项 only where the item may be marked not applicable;
an item's inspection methods go in its ``<div class="methods">`` (:func:`_methods_html`) when
the ruleset has them.

:func:`render_pdf` prints that page with headless Chromium (Debian's ``chromium`` package): it
lays out CJK text, CSS paged media (``@page`` margin boxes, for the page numbers) and print
backgrounds as the browsers staff open the HTML in do, and Debian keeps it patched; WeasyPrint
would be a second layout engine, with its own Python dependency tree, to keep in step with the
browsers. The program is found as ``chromium`` (or ``$SPOTCHECK_CHROMIUM``); without it the PDF
is refused with a :class:`~spotcheck_rules.core.errors.UsageError` saying how to install it.

May import: ``ruleset``, ``core``, and the modules of this package below it (checklist).
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TextIO

from ..core.errors import UsageError
from .checklist import ChecklistForm, ChecklistItem

__all__ = [
    "BOXES",
    "chromium",
    "main",
    "render_html",
    "render_markdown",
    "render_pdf",
    "screenshot",
]

BOXES = ("☐符合", "☐不符合", "☐合理缺项")
_CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

_CSS = """
@page { size: A4; margin: 14mm 12mm 20mm 12mm;
  @bottom-right { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-size: 8pt; } }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimSun",
  sans-serif; font-size: 10.5pt; line-height: 1.45; margin: 0 auto; max-width: 186mm; color: #000; }
h1 { font-size: 17pt; text-align: center; margin: 0 0 2mm; letter-spacing: 0.1em; }
p.plan { text-align: center; margin: 0 0 4mm; font-size: 9.5pt; }
table { width: 100%; border-collapse: collapse; }
td, th { border: 0.3mm solid #000; padding: 1.2mm 1.8mm; vertical-align: top; }
th { background: #eee; font-weight: bold; text-align: left; }
table.unit th { width: 24mm; white-space: nowrap; }
table.unit td.blank { height: 8mm; }
.box { white-space: nowrap; margin-right: 3mm; display: inline-block; }
section.item { margin-top: 4mm; break-inside: avoid; page-break-inside: avoid; }
section.item h2 { font-size: 11.5pt; margin: 0 0 1mm; }
p.item-text { margin: 0 0 1.5mm; font-size: 9.5pt; }
p.note { margin: 0 0 1.5mm; font-size: 9.5pt; }
td.mark { width: 19mm; white-space: nowrap; text-align: center; }
td.mark.none { color: #888; }
div.methods { font-size: 9pt; margin: 1mm 0 0; }
div.methods ol { margin: 0; padding-left: 6mm; }
p.feeds { font-size: 7.5pt; color: #333; margin: 1mm 0 0; }
section.closing { margin-top: 6mm; break-inside: avoid; page-break-inside: avoid; }
section.closing td.write { height: 22mm; }
section.closing td.sign { height: 14mm; }
footer.trace { font-size: 7pt; color: #333; margin-top: 4mm; word-break: break-all; }
"""


def _css_string(text: str) -> str:
    """``text`` as a CSS string inside ``<style>`` (where HTML escapes do not apply): quotes,
    backslashes and ``<`` (no ``</style>``) escaped."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return '"' + out.replace("\n", " ") + '"'


def _page_foot(form: ChecklistForm) -> str:
    """The ruleset's id and digest at the foot of every printed page (a margin box)."""
    trace = f"规则集 {form.ruleset_id} · 摘要 SHA-256 {form.digest}"
    return f"@page {{ @bottom-left {{ content: {_css_string(trace)}; font-size: 6.5pt; }} }}"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _boxes(options: tuple[str, ...]) -> str:
    return "".join(f'<span class="box">☐{_e(o)}</span>' for o in options)


def _methods_html(item: ChecklistItem) -> str:
    """The item's 检查方法 (seed 003), printed when the ruleset has them: the one place a
    method enters the page."""
    if not item.methods:
        return ""
    lis = "".join(f"<li>{_e(m)}</li>" for m in item.methods)
    return f'<div class="methods"><strong>检查方法：</strong><ol>{lis}</ol></div>'


def _item_html(item: ChecklistItem) -> str:
    rows = []
    points = item.points or (item.title,)
    for point in points:
        na = (
            f'<td class="mark">{BOXES[2]}</td>'
            if item.allows_not_applicable
            else '<td class="mark none">—</td>'
        )
        rows.append(
            f'<tr class="point" data-point="{_e(point)}"><td>{_e(point)}</td>'
            f'<td class="mark">{BOXES[0]}</td><td class="mark">{BOXES[1]}</td>{na}</tr>'
        )
    notes = "".join(f'<p class="note">注：{_e(n)}</p>' for n in item.notes)
    feeds = f'<p class="feeds">计入汇总表：{_e("、".join(item.feeds))}</p>' if item.feeds else ""
    return (
        f'<section class="item" data-item="{_e(item.id)}">'
        f"<h2>{item.number}. {_e(item.title)}</h2>"
        f'<p class="item-text">{_e(item.text)}</p>{notes}'
        '<table class="points"><thead><tr><th>检查要点</th><th>符合</th><th>不符合</th>'
        f"<th>合理缺项</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"{_methods_html(item)}{feeds}</section>"
    )


def _tests_html(form: ChecklistForm) -> str:
    """The 检测项目 with ☐合格 ☐不合格, and the table's notes."""
    out = ""
    if form.tests:
        rows = "".join(
            f'<tr class="test" data-test="{_e(t.id)}"><td>{t.number}. {_e(t.text)}'
            + (f'<br><span class="feeds">依据{_e(t.standards)}</span>' if t.standards else "")
            + '</td><td class="mark">☐</td><td class="mark">☐</td></tr>'
            for t in form.tests
        )
        out += (
            '<section class="item tests"><h2>检测项目</h2><table class="points"><thead><tr>'
            f"<th>检测项目</th><th>合格</th><th>不合格</th></tr></thead><tbody>{rows}</tbody>"
            "</table></section>"
        )
    if form.footnotes:
        notes = "".join(f'<p class="note">{_e(n)}</p>' for n in form.footnotes)
        out += f'<section class="item footnotes"><h2>注</h2>{notes}</section>'
    return out


def render_html(form: ChecklistForm) -> str:
    """The checklist as one self-contained HTML page (deterministic: the same form gives the
    same text)."""
    category = _e(form.category) if form.category else _boxes(form.categories)
    unit = [
        '<tr><th>被检查单位</th><td class="blank" colspan="3"></td></tr>',
        '<tr><th>统一社会信用代码</th><td class="blank" colspan="3"></td></tr>',
        '<tr><th>地址</th><td class="blank" colspan="3"></td></tr>',
        f'<tr><th>单位类别</th><td colspan="3">{category}</td></tr>',
    ]
    if form.ownership:
        unit.append(f'<tr><th>所有制</th><td colspan="3">{_boxes(form.ownership)}</td></tr>')
    unit += [
        '<tr><th>检查日期</th><td colspan="3">　　　　年　　月　　日</td></tr>',
        '<tr><th>执法人员</th><td class="blank"></td><th>执法证号</th><td class="blank"></td></tr>',
        '<tr><th>执法人员</th><td class="blank"></td><th>执法证号</th><td class="blank"></td></tr>',
    ]
    closing = (
        '<section class="closing"><table>'
        '<tr><th>备注</th><td class="write" colspan="3"></td></tr>'
        f'<tr><th>处理意见</th><td colspan="3">{_boxes(form.dispositions)}</td></tr>'
        '<tr><th>执法人员（签名）</th><td class="sign"></td>'
        '<th>执法人员（签名）</th><td class="sign"></td></tr>'
        '<tr><th>被检查单位负责人（签名）</th><td class="sign"></td>'
        '<th>日期</th><td class="sign">　　　　年　　月　　日</td></tr>'
        "</table></section>"
    )
    footer = (
        f'<footer class="trace">规则集 {_e(form.ruleset_id)} · 摘要 SHA-256 '
        f"{_e(form.digest)} · {_e(form.plan_title)}</footer>"
    )
    body = "".join(_item_html(i) for i in form.items) + _tests_html(form)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="spotcheck-ruleset" content="{_e(form.ruleset_id)}">'
        f'<meta name="spotcheck-digest" content="{_e(form.digest)}">'
        f"<title>{_e(form.title)}</title><style>{_CSS}{_page_foot(form)}</style></head><body>"
        f"<h1>{_e(form.title)}</h1>"
        f'<p class="plan">{_e(form.plan_title)}（{_e(form.jurisdiction)}）</p>'
        f'<table class="unit">{"".join(unit)}</table>'
        f"{body}{closing}{footer}</body></html>\n"
    )


def render_markdown(form: ChecklistForm) -> str:
    """The checklist as Markdown (for a quick look or a wiki; print the HTML)."""
    cats = form.category or "　".join(f"☐{c}" for c in form.categories)
    out = [f"# {form.title}", "", f"{form.plan_title}（{form.jurisdiction}）", ""]
    out += [
        "| 项目 | 填写 |",
        "|---|---|",
        "| 被检查单位 | |",
        "| 统一社会信用代码 | |",
        "| 地址 | |",
        f"| 单位类别 | {cats} |",
    ]
    if form.ownership:
        out.append(f"| 所有制 | {'　'.join('☐' + o for o in form.ownership)} |")
    out += [
        "| 检查日期 | 　　年　　月　　日 |",
        "| 执法人员 / 执法证号 | |",
        "| 执法人员 / 执法证号 | |",
    ]
    for item in form.items:
        out += ["", f"## {item.number}. {item.title}", "", item.text, ""]
        out += [f"> 注：{n}" for n in item.notes]
        if item.notes:
            out.append("")
        marks = " ".join(BOXES if item.allows_not_applicable else BOXES[:2])
        out += [f"- {marks}　{p}" for p in item.points or (item.title,)]
        if item.methods:
            out += ["", "检查方法：", *(f"{i}. {m}" for i, m in enumerate(item.methods, 1))]
        if item.feeds:
            out += ["", f"<small>计入汇总表：{'、'.join(item.feeds)}</small>"]
    if form.tests:
        out += ["", "## 检测项目", ""]
        for t in form.tests:
            basis = f"（依据{t.standards}）" if t.standards else ""
            out.append(f"- ☐合格 ☐不合格　{t.number}. {t.text}{basis}")
    if form.footnotes:
        out += ["", "注：", "", *(f"- {n}" for n in form.footnotes)]
    out += [
        "",
        "## 备注",
        "",
        "",
        "## 处理意见",
        "",
        "　".join(f"☐{d}" for d in form.dispositions),
        "",
        "执法人员（签名）：＿＿＿＿＿＿　＿＿＿＿＿＿　被检查单位负责人（签名）：＿＿＿＿＿＿",
        "",
        "---",
        "",
        f"规则集 `{form.ruleset_id}` · 摘要 SHA-256 `{form.digest}`",
        "",
    ]
    return "\n".join(out)


def chromium() -> str | None:
    """The headless browser to print with: ``$SPOTCHECK_CHROMIUM``, else the first of
    chromium, chromium-browser, google-chrome on ``PATH``; ``None`` when there is none."""
    named = os.environ.get("SPOTCHECK_CHROMIUM")
    if named:
        return named
    for name in _CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run_chromium(page: str, args: list[str], out_name: str) -> bytes:
    exe = chromium()
    if exe is None:
        raise UsageError(
            "生成 PDF 需要 Chromium：Debian/Ubuntu 上以 root 运行 apt-get install -y chromium "
            "fonts-noto-cjk；或设置 SPOTCHECK_CHROMIUM 为浏览器程序的路径；也可用 --format html "
            "在浏览器中打开后打印"
        )
    with tempfile.TemporaryDirectory(prefix="spotcheck-print-") as tmp:
        src = Path(tmp) / "checklist.html"
        src.write_text(page, encoding="utf-8")
        out = Path(tmp) / out_name
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",  # as root in a container Chromium's sandbox cannot start
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            *(a.format(out=out) for a in args),
            src.as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=180, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise UsageError(f"无法运行 Chromium（{exe}）：{exc}") from exc
        if not out.is_file():
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise UsageError(f"Chromium 未生成文件（退出码 {done.returncode}）：" + " ".join(tail))
        return out.read_bytes()


def render_pdf(form: ChecklistForm) -> bytes:
    """The checklist as a PDF (A4), printed from :func:`render_html` by headless Chromium."""
    return _run_chromium(
        render_html(form),
        ["--no-pdf-header-footer", "--print-to-pdf={out}"],
        "checklist.pdf",
    )


def screenshot(form: ChecklistForm, width: int = 900, height: int = 1270) -> bytes:
    """A PNG of the top of the checklist as a browser shows it (for the documentation)."""
    return _run_chromium(
        render_html(form),
        [f"--window-size={width},{height}", "--hide-scrollbars", "--screenshot={out}"],
        "checklist.png",
    )


def main(argv: list[str] | None = None, *, stdout: TextIO) -> int:
    """``python -m spotcheck_rules.forms.printing --screenshots docs/img``: the documentation's
    picture of each domain's checklist (national/2025), one PNG per domain (Chromium needed)."""
    import argparse

    from ..core.atomic import write_atomic
    from ..ruleset.loader import load_ruleset
    from .checklist import build_checklist

    parser = argparse.ArgumentParser(prog="python -m spotcheck_rules.forms.printing")
    parser.add_argument("--screenshots", metavar="DIR", required=True)
    parser.add_argument("--plan", default="national/2025")
    args = parser.parse_args(argv)
    rs = load_ruleset(args.plan)
    for domain in rs.domains:
        path = Path(args.screenshots) / f"checklist-{domain}.png"
        write_atomic(path, screenshot(build_checklist(rs, domain)))
        stdout.write(f"wrote: {path}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    import sys

    raise SystemExit(main(stdout=sys.stdout))

"""The on-site checklist (forms.checklist, forms.printing, ``spotcheck checklist``): every check
point of every applicable item is on the page, none of an inapplicable one, the boxes are where
the ruleset allows them, and headless Chromium lays the page out (skipped, with the reason, where
Chromium is absent; CI installs it)."""

from __future__ import annotations

import io
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from spotcheck_rules.cli.app import main
from spotcheck_rules.forms.checklist import ChecklistItem, build_checklist, item_applies
from spotcheck_rules.forms.entry import uses_ownership
from spotcheck_rules.forms.printing import chromium, render_html, render_markdown
from spotcheck_rules.ruleset.loader import list_rulesets, load_ruleset

PLANS = [(i.id, d) for i in list_rulesets() if i.provider == "bundled" for d in i.domains]


class _Page(HTMLParser):
    """The items of a checklist page as read back: item id → its check points and boxes."""

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, list[str]] = {}
        self.boxes: dict[str, list[str]] = {}
        self.item: str | None = None
        self.texts: list[str] = []
        self.footer = ""
        self._in_footer = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and a.get("class") == "item":
            self.item = a["data-item"]
            self.items[self.item or ""] = []
            self.boxes[self.item or ""] = []
        if tag == "tr" and a.get("class") == "point" and self.item is not None:
            self.items[self.item].append(a["data-point"] or "")
        if tag == "footer":
            self._in_footer = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.item = None
        if tag == "footer":
            self._in_footer = False

    def handle_data(self, data: str) -> None:
        if self.item is not None and data.startswith("☐"):
            self.boxes[self.item].append(data)
        if self._in_footer:
            self.footer += data
        self.texts.append(data)


def _read(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def _cases() -> list[tuple[str, str, str | None]]:
    out: list[tuple[str, str, str | None]] = []
    for plan, domain in PLANS:
        rules = load_ruleset(plan).domain(domain)
        out.append((plan, domain, None))
        out += [(plan, domain, c.id) for c in rules.checklist.categories if rules.is_leaf(c.id)]
    return out


def _check_page(page: _Page, plan: str, domain: str, category: str | None) -> None:
    rs = load_ruleset(plan)
    rules = rs.domain(domain)
    applicable = [
        it for it in rules.checklist.items if category is None or item_applies(rules, it, category)
    ]
    assert list(page.items) == [it.id for it in applicable]
    for it in applicable:
        assert page.items[it.id] == list(it.points or (it.title,))
        per_point = 3 if it.optional else 2
        assert len(page.boxes[it.id]) == per_point * len(page.items[it.id])
        assert ("☐合理缺项" in page.boxes[it.id]) == it.optional
    shown = "".join(page.texts)
    for it in rules.checklist.items:
        if it in applicable:
            continue
        for point in it.points:
            # a point an applicable item shares (same words) may be on the page for that item
            if not any(point in other.points for other in applicable):
                assert point not in shown, (it.id, point)
    assert rs.id in page.footer and rs.digest() in page.footer


@pytest.mark.parametrize(("plan", "domain", "category"), _cases())
def test_every_point_of_every_applicable_item_and_none_other(
    plan: str, domain: str, category: str | None
) -> None:
    form = build_checklist(load_ruleset(plan), domain, category)
    page = render_html(form)
    assert page == render_html(build_checklist(load_ruleset(plan), domain, category))
    _check_page(_read(page), plan, domain, category)
    md = render_markdown(form)
    for item in form.items:
        for point in item.points:
            assert point in md


def test_a_category_leaves_out_what_does_not_apply() -> None:
    # Some bundled checklist must have an item that does not apply to some category, or the
    # test above never checks the "none of an inapplicable item" half.
    left_out = [
        (plan, domain, c)
        for plan, domain, c in _cases()
        if c is not None
        and len(build_checklist(load_ruleset(plan), domain, c).items)
        < len(load_ruleset(plan).domain(domain).checklist.items)
    ]
    assert left_out


def test_header_and_closing() -> None:
    form = build_checklist(load_ruleset("shanxi/2025"), "医疗机构", "村卫生室")
    page = render_html(form)
    for text in (
        "被检查单位",
        "统一社会信用代码",
        "地址",
        "村卫生室（所）",
        "所有制",
        "检查日期",
        "执法证号",
        "备注",
        "处理意见",
        "☐下达监督意见书",
        "☐立案查处",
        "☐移交（移送）",
        "被检查单位负责人（签名）",
        "@page { size: A4",
        "村卫生室仅抽查处方管理情况",
    ):
        assert text in page, text
    assert page.count("<th>执法人员</th>") == 2
    assert "☐医院" not in page  # the category chosen, not boxes
    for plan, domain in PLANS:
        rs = load_ruleset(plan)
        shown = "<th>所有制</th>" in render_html(build_checklist(rs, domain))
        assert shown == uses_ownership(rs.domain(domain)), (plan, domain)


def test_methods_are_printed_when_an_item_has_them() -> None:
    """Every 检查方法 the ruleset links to an item is printed in that item's section, with its
    place in the spec; an item without methods has no methods block."""
    from spotcheck_rules.ruleset.views import item_methods as linked

    rs = load_ruleset("shanxi/2025")
    rules = rs.domain("医疗机构")
    form = build_checklist(rs, "医疗机构")
    page = render_html(form)
    sections = page.split('<section class="item"')[1:]
    assert len(sections) == len(form.items)
    printed = 0
    for item, section in zip(rules.checklist.items, sections, strict=True):
        methods = [m for m in linked(rs, rules, item) if m["area"] is not None and m["text"]]
        assert ('<div class="methods">' in section) == bool(methods), item.id
        for m in methods:
            assert m["text"] in section and m["cite"] in section
            printed += 1
    assert printed  # shanxi/2025 links methods, so the test checks something
    item = form.items[0]
    bare = ChecklistItem(**{**item.__dict__, "methods": ()})
    form2 = type(form)(**{**form.__dict__, "items": (bare,)})
    assert '<div class="methods">' not in render_html(form2)
    assert "检查方法：" not in render_markdown(form2)
    assert "检查方法：" in render_markdown(form)


def test_cli_checklist_formats(tmp_path: Path) -> None:
    out = tmp_path / "c.md"
    assert main(["checklist", "shanxi/2025", "--domain", "medical", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# 医疗机构监督检查表")
    html_out = io.StringIO()
    assert (
        main(
            ["checklist", "shanxi/2025", "--domain", "medical", "--category", "诊所"],
            stdout=html_out,
        )
        == 0
    )
    assert html_out.getvalue().startswith("<!DOCTYPE html>")
    err = io.StringIO()
    argv = ["checklist", "shanxi/2025", "--domain", "medical", "--category", "诊所所"]
    assert main(argv, stdout=io.StringIO(), stderr=err) == 2
    assert "诊所所" in err.getvalue()


_NO_CHROMIUM = (
    "Chromium is not installed (apt-get install -y chromium fonts-noto-cjk; .ci/run does)"
)


@pytest.mark.skipif(chromium() is None, reason=_NO_CHROMIUM)
@pytest.mark.parametrize(("plan", "domain"), [p for p in PLANS if p[0] == "national/2025"])
def test_chromium_lays_out_the_page(tmp_path: Path, plan: str, domain: str) -> None:
    """Chromium reads the page (its DOM holds every point of every item) and prints it to an
    A4 PDF."""
    exe = chromium()
    assert exe is not None
    src = tmp_path / "c.html"
    src.write_text(render_html(build_checklist(load_ruleset(plan), domain)), encoding="utf-8")
    common = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        f"--user-data-dir={tmp_path / 'p'}",
    ]
    dom = subprocess.run(
        [*common, "--dump-dom", src.as_uri()], capture_output=True, timeout=180, check=True
    ).stdout.decode("utf-8")
    _check_page(_read(dom), plan, domain, None)
    pdf = tmp_path / "c.pdf"
    out = io.StringIO()
    assert (
        main(["checklist", plan, "--domain", domain, "--format", "pdf", "-o", str(pdf)], stdout=out)
        == 0
    )
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"/MediaBox [0 0 594.95996 841.91998]" in data or b"/MediaBox [0 0 595" in data  # A4


@pytest.mark.skipif(chromium() is None, reason=_NO_CHROMIUM)
@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)
def test_every_printed_page_is_numbered_and_traced(tmp_path: Path) -> None:
    rs = load_ruleset("national/2025")
    pdf = tmp_path / "c.pdf"
    assert (
        main(["checklist", rs.id, "--domain", "医疗机构", "-o", str(pdf)], stdout=io.StringIO())
        == 0
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, timeout=60
    ).stdout.decode("utf-8")
    pages = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    assert len(pages) > 1
    for n, page in enumerate(pages, 1):
        assert f"第{n}页/共{len(pages)}页" in page.replace(" ", "")
        assert rs.digest() in page and f"规则集 {rs.id}" in page


def test_lab_tests_and_the_tables_notes_are_printed() -> None:
    """A domain with 检测项目 (the example plugin's 学校卫生): each test with ☐合格 ☐不合格 and its
    standards, and the table's footnotes; a bundled domain has neither section."""
    from spotcheck_rules.ruleset.loader import load_ruleset_file

    tree = Path(__file__).resolve().parent.parent / "examples" / "plugin" / "src"
    plan = (
        tree / "spotcheck_school_example" / "rulesets" / "2025" / "plans" / "school_national.yaml"
    )
    rs = load_ruleset_file(plan)
    form = build_checklist(rs, "school")
    cl = rs.domain("school").checklist
    assert [t.id for t in form.tests] == [t.id for t in cl.tests] and form.footnotes
    html = render_html(form)
    for t in cl.tests:
        assert f'data-test="{t.id}"' in html
    assert "检测项目" in render_markdown(form) and form.footnotes[0] in render_markdown(form)
    bundled = render_html(build_checklist(load_ruleset("shanxi/2025"), "medical"))
    assert 'class="item tests"' not in bundled and "footnotes" not in bundled

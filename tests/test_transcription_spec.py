"""Seed 003 (医疗监督执法工作规范（试行）) against the bundled spec document.

The test walks the seed text itself, 第十五条 to 第三十四条: the extraction keeps one article or one
clause per line (the article number set off by an en space, U+2002), so every line in that range is
either an article's first line or a clause of the article above it, and every one must be found in
rulesets/specs/spec2023.yaml at its own article (and clause, or 款) — compared after NFKC and
whitespace folding (core.text.normalize). A clause dropped, reworded, moved to another article or
added from nowhere fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import seedtext

from spotcheck_rules.core.text import normalize
from spotcheck_rules.ruleset.documents import read_yaml
from spotcheck_rules.ruleset.spec import Spec

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = re.compile(r"^(第[一二三四五六七八九十]+条)\s+(.*)$")
CLAUSE = re.compile(r"^(（[一二三四五六七八九十]+）)(.*)$")
HEADING = re.compile(r"^第[一二三四五六七八九十]+[章节]")


def spec() -> Spec:
    return Spec.model_validate(read_yaml(ROOT / "rulesets" / "specs" / "spec2023.yaml").data)


def seed_lines() -> list[tuple[str, str | None, int | None, str]]:
    """(article, clause ref, paragraph, text) for every line of 第十五条–第三十四条 of the seed."""
    text = (seedtext.SEEDS / seedtext.FILES["spec2023"]).read_text(encoding="utf-8")
    out: list[tuple[str, str | None, int | None, str]] = []
    article: str | None = None
    paragraph = 0
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        m = ARTICLE.match(line)
        if m:
            article, paragraph = m.group(1), 1
            inside = article == "第十五条" or (inside and article != "第三十五条")
            if inside:
                out.append((article, None, 1, m.group(2)))
            continue
        if HEADING.match(line):
            article = None
            continue
        if not inside or article is None:
            continue
        c = CLAUSE.match(line)
        if c:
            out.append((article, c.group(1), None, c.group(2)))
        else:  # a second paragraph (款) of the same article
            paragraph += 1
            out.append((article, None, paragraph, line))
    return out


def bundled() -> dict[tuple[str, str | None, int | None], str]:
    """Every text of the spec document at its place (article, clause, paragraph)."""
    s = spec()
    out: dict[tuple[str, str | None, int | None], str] = {}
    for area in s.areas:
        for art in (area.content, area.methods):
            if len(art.clauses) == 1 and art.clauses[0].ref is None:  # one paragraph: 第十七条
                out[(art.article, None, 1)] = art.lead + art.clauses[0].text
                continue
            out[(art.article, None, 1)] = art.lead
            for c in art.clauses:
                out[(art.article, c.ref, None)] = c.text
    for d in s.handling:
        out[(d.article, None, d.paragraph or 1)] = d.text
    assert s.major_cases is not None
    out[(s.major_cases.article, None, 1)] = s.major_cases.lead
    for crit in s.major_cases.criteria:
        out[(s.major_cases.article, crit.ref, None)] = crit.text
    return out


def test_the_walk_covers_the_whole_range() -> None:
    lines = seed_lines()
    articles = list(dict.fromkeys(a for a, *_ in lines))
    assert articles[0] == "第十五条" and articles[-1] == "第三十四条" and len(articles) == 20
    # 20 article lines, 69 clause lines of 第三章 (第十七条 is one paragraph), 第三十一条's 款2,
    # and 第三十四条's five criteria
    assert len(lines) == 20 + 69 + 1 + 5


@pytest.mark.parametrize(
    "place", seed_lines(), ids=lambda p: f"{p[0]}{p[1] or ''}{'款' + str(p[2]) if p[2] else ''}"
)
def test_every_seed_clause_is_in_the_spec_at_its_place(
    place: tuple[str, str | None, int | None, str],
) -> None:
    article, ref, paragraph, text = place
    got = bundled().get((article, ref, paragraph))
    assert got is not None, f"{article}{ref or ''} (款{paragraph}) is not in spec2023.yaml"
    assert normalize(got) == normalize(text), f"{article}{ref or ''}: {got!r} != {text!r}"


def test_the_spec_has_nothing_the_seed_lacks() -> None:
    seed = {(a, r, p) for a, r, p, _ in seed_lines()}
    extra = set(bundled()) - seed
    assert not extra, f"not in seed 003 第十五–三十四条: {sorted(map(str, extra))}"


def test_the_seven_areas_in_the_order_of_chapter_three() -> None:
    s = spec()
    assert [(a.section, a.title) for a in s.areas] == [
        ("第一节", "机构资质"),
        ("第二节", "医疗卫生人员资质"),
        ("第三节", "医疗技术临床应用管理"),
        ("第四节", "母婴保健技术服务"),
        ("第五节", "药品、医疗器械临床使用"),
        ("第六节", "中医药服务"),
        ("第七节", "医疗质量安全管理"),
    ]
    for area in s.areas:  # each 节 as printed: its heading, then its two articles
        assert normalize(f"{area.section}{area.title}{area.content.article}") in seedtext.flat(
            "spec2023"
        )
    contents = [a.content.article for a in s.areas]
    assert contents == [
        "第十五条",
        "第十七条",
        "第十九条",
        "第二十一条",
        "第二十三条",
        "第二十五条",
        "第二十七条",
    ]


def test_the_scope_is_article_two_verbatim() -> None:
    s = spec()
    assert normalize(f"{s.scope.article}{s.scope.text}") in seedtext.flat("spec2023")


def test_a_clause_cites_its_article_and_clause() -> None:
    s = spec()
    assert str(s.cite("第十六条", "（三）")) == "spec2023 第十六条 （三）"
    assert str(s.cite("第三十一条", paragraph=2)) == "spec2023 第三十一条 第2款"
    clause = s.method("qualification", "(三)")  # half-width brackets compare equal after NFKC
    assert clause is not None and clause.text.startswith("抽查医疗机构开展的限制类医疗技术")


def test_the_major_case_criteria_test_what_the_text_says() -> None:
    s = spec()
    assert s.major_cases is not None
    by_id = {c.id: c for c in s.major_cases.criteria}
    one, two = by_id["death_or_grave_accident"], by_id["three_or_more_injured"]
    assert one.met({"deaths": 1}) and one.met({"accident_grade": 2})
    assert not one.met({"deaths": 0, "accident_grade": 3})
    assert two.met({"injured": 3}) and not two.met({"injured": 2})  # 3人以上 includes 3
    assert by_id["serious_property_loss"].met({"property_loss_serious": True})
    assert not by_id["social_impact"].met({"social_impact": False})

"""Issue 13 section 4, what the plans dropped: each point read from the seed, then found in the
ruleset and in what ``show`` prints.

- Tianjin's deadlines: the completion date of 三(一) and 三(三)'s 以信息报告系统填报数据为准.
- The county's 回头看: the campaigns, and individuals as well as units (单位和个人).
- The 中医 strata: the plan table's own row names (sx2025 附表3 序号1 and 序号3).
- Xinjiang's 血液 body text 二(四): 献血浆者, and 医疗废物 for all three station types while the
  table's item 6 limits it to 特殊血站 — both wordings kept, the body text at domain level.
"""

from __future__ import annotations

import json

import seedtext

from spotcheck_rules import load_ruleset
from spotcheck_rules.core.text import normalize
from spotcheck_rules.ruleset.model import DeadlineKind
from spotcheck_rules.ruleset.views import plan_json, plan_markdown, plan_text


def test_tianjin_states_its_completion_date_and_which_figures_count() -> None:
    tj = seedtext.flat("tj2025")
    assert normalize("2025年11月15日前完成全部抽取任务和数据信息填报工作") in tj
    assert normalize("抽查结果及汇总数据以信息报告系统填报数据为准。") in tj
    rs = load_ruleset("tianjin/2025")
    by_kind = {d.kind: d for d in rs.deadlines}
    completion = by_kind[DeadlineKind.COMPLETION]
    assert completion.due.isoformat() == "2025-11-15"
    assert str(completion.provenance.cites[0]) == "tj2025 三(一)"
    record = by_kind[DeadlineKind.INFO_REPORT].data_of_record
    assert record is not None and normalize(record.text) in tj
    assert str(record.provenance.cites[0]) == "tj2025 三(三)"
    assert "数据口径：抽查结果及汇总数据以信息报告系统填报数据为准。〔tj2025 三(三)〕" in plan_text(
        rs
    )
    data = plan_json(rs)["deadlines"]
    assert [d["data_of_record"]["text"] for d in data if d["data_of_record"]] == [record.text]


def test_xinjiang_says_the_same_of_its_info_report() -> None:
    rs = load_ruleset("xinjiang/2025")
    record = next(d for d in rs.deadlines if d.kind is DeadlineKind.INFO_REPORT).data_of_record
    assert record is not None and normalize(record.text) in seedtext.flat("xj2025")


def test_the_countys_lookback_covers_its_campaigns_and_individuals() -> None:
    county = seedtext.flat("county2024")
    (lb,) = load_ruleset("county/2024").lookback
    assert normalize("受到行政处罚的单位和个人开展“回头看”") in county
    assert lb.subjects == ("单位", "个人")
    assert len(lb.campaigns) == 4
    assert all(normalize(c) in county for c in lb.campaigns)
    assert lb.focus is not None and normalize(lb.focus) in county
    shown = plan_text(load_ruleset("county/2024"))
    assert "回头看：2023 年受到行政处罚的单位和个人，4 项专项" in shown
    data = plan_json(load_ruleset("county/2024"))["lookback"][0]
    assert data["subjects"] == ["单位", "个人"] and data["focus"] == lb.focus


def test_the_tcm_strata_keep_the_plan_tables_row_names() -> None:
    table = seedtext.table("sx2025", "2025年中医医疗机构国家随机监督抽查工作计划表", "附表4")
    rules = load_ruleset("national/2025").domain("tcm")
    labels = {st.id: st.label for st in rules.strata}
    assert labels == {
        "tcm_hospital": "中医医院（含中西医结合医院）",
        "other_tcm": "其他中医医疗机构（含中医、中西医结合诊所、门诊部）",
    }
    assert all(normalize(label or "") in table for label in labels.values())
    text = plan_text(load_ruleset("national/2025"), "tcm")
    assert "其他中医医疗机构（含中医、中西医结合诊所、门诊部）〔门诊部、诊所〕：3%" in text
    strata = plan_json(load_ruleset("national/2025"), "tcm")["domains"][0]["strata"]
    assert [s["label"] for s in strata] == list(labels.values())


def _blood_body() -> list[str]:
    rs = load_ruleset("xinjiang/2025")
    entry = (rs.plan.domains or {})["blood"]
    return [w.text for w in entry.body or ()]


def test_xinjiangs_blood_body_text_is_kept_as_printed() -> None:
    xj = seedtext.flat("xj2025")
    body = _blood_body()
    assert len(body) == 3 and all(normalize(t) in xj for t in body)
    stations, plasma, _ = body
    assert "医疗废物" in stations and "特殊血站" in stations and "一般血站" in stations
    assert "献血浆者" in plasma and "医疗废物" in plasma


def test_both_wordings_stand_the_items_as_the_table_prints_them() -> None:
    rules = load_ruleset("xinjiang/2025").domain("blood")
    # 附表7 item 2 writes 供血浆者, the 正文 献血浆者; item 6 names 医疗废物 for 特殊血站 only
    assert "供血浆者" in rules.item_text("blood_source")
    assert normalize("2.血源管理：按规定对献血者、供血浆者") in seedtext.flat("xj2025")
    item6 = next(i for i in rules.checklist.items if i.number == 6)
    assert "医疗废物" in item6.text
    assert item6.applies_to is not None and item6.applies_to.categories == (
        "special_blood_station",
    )
    assert not any("医疗废物" in i.text for i in rules.checklist.items if i.number != 6)
    assert not rules.wording, "the body text is not an item overlay"


def test_the_body_text_is_shown_and_carried_where_the_plan_says_it() -> None:
    rs = load_ruleset("xinjiang/2025")
    body = _blood_body()
    text = plan_text(rs, "blood")
    assert all(f"{t}〔xj2025 二(四)" in text for t in body)
    assert all(t in plan_markdown(rs, "blood") for t in body)
    data = plan_json(rs, "blood")["domains"][0]["body"]
    assert [b["text"] for b in data] == body
    assert data[1]["cites"] == ["xj2025 二(四)2"] and "献血浆者" in data[1]["note"]
    json.dumps(data, ensure_ascii=False)  # plain JSON
    # the national plan and the other provinces do not say it
    assert plan_json(load_ruleset("national/2025"), "blood")["domains"][0]["body"] == []

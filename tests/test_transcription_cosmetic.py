"""The 医疗美容机构 checklists against the source texts (tests/seeds).

2025: rows and items from sx2025 附表5 (same in xj2025 附表3), columns from sx2025 附表6 (same in
xj2025 附表4). 2024: rows and items from county2024 附表2; county2024 has no 汇总表, so every 2024
column is inferred from the 2025 table.
"""

from __future__ import annotations

import pytest
import seedtext
import transcription
from transcription import find_in_order

from spotcheck_rules.core.text import normalize
from spotcheck_rules.ruleset.model import Checklist

YEARS = (2024, 2025)


def load(year: int) -> Checklist:
    return transcription.load("cosmetic", year)


# Golden data, typed from the seed's 附表6 header read column by column (sx2025 000 lines
# 1482–1600), so that a dropped, added, renamed or reordered column in the YAML fails here.
GOLDEN_2025_LABELS = [
    "辖区内机构总数",
    "检查机构数",
    "医疗美容机构执业资质管理不符合要求机构数",
    "未按照备案的医疗美容项目级别开展医疗美容服务机构数",
    "使用非卫生技术人员开展医疗美容服务机构数",
    "执业人员资格管理不符合要求机构数",
    "医师管理不符合要求机构数",
    "护士管理不符合要求机构数",
    "药物管理不符合要求机构数",
    "医疗器械管理不符合要求机构数",
    "医疗美容广告发布管理不符合要求机构数",
    "医疗文书管理不符合要求机构数",
    "查处案件数",
    "罚没款金额（万元）",
    "吊销执业机构许可证机构数",
    "吊销人员资格证机构数",
]
# 不合格情况 has no subgroups in this table; census and inspected columns stand alone.
GOLDEN_2025_GROUPS = [(), ()] + [("不合格情况",)] * 10 + [("行政处罚情况",)] * 4

SX_PLAN = ("sx2025", "附表5 2025年医疗美容机构国家随机监督抽查工作计划表", "附表6")
SX_SUMMARY = ("sx2025", "附表6 2025年医疗美容机构国家随机监督抽查汇总表", "附表7")
XJ_PLAN = ("xj2025", "附表3 2025年医疗美容机构国家随机监督抽查工作计划表", "附表4")
COUNTY_PLAN = ("county2024", "附表2 2024年医疗美容机构随机监督抽查工作计划表", "附表3")


@pytest.mark.parametrize("year", YEARS)
def test_loads_and_cross_references(year: int) -> None:
    transcription.assert_cross_references(load(year), "cosmetic", year)


def test_2025_columns_golden() -> None:
    transcription.assert_columns_golden(load(2025), GOLDEN_2025_LABELS, GOLDEN_2025_GROUPS)


def test_2025_columns_in_seed_in_order() -> None:
    c = load(2025)
    summary = seedtext.table(*SX_SUMMARY)
    find_in_order(summary, ["不合格情况", "行政处罚情况"])
    # Every column (or every fragment of a damaged one) is in the 汇总表, in column order.
    transcription.assert_columns_in_order(summary, c.columns)


def test_2025_rows_and_items_in_seed() -> None:
    c = load(2025)
    summary = seedtext.table(*SX_SUMMARY)
    for plan in (seedtext.table(*SX_PLAN), seedtext.table(*XJ_PLAN)):
        transcription.assert_plan_rows_and_items(plan, c)
    transcription.assert_summary_rows(summary, c)
    assert seedtext.flat("sx2025").count(normalize(c.title)) >= 2  # list of 附表 + heading


def test_2024_rows_and_items_in_seed() -> None:
    c = load(2024)
    plan = seedtext.table(*COUNTY_PLAN)
    transcription.assert_plan_rows_and_items(plan, c)
    assert len(c.items) == 6


def test_2024_columns_are_inferred_and_keep_2025_ids() -> None:
    c24, c25 = load(2024), load(2025)
    # 使用非卫生技术人员 sits under item 1 in county2024 附表2, under item 2 in 2025.
    transcription.assert_columns_carried_from(c24, c25, items_differ={"non_health_staff"})
    staff = {
        c.year: next(col for col in c.columns if col.id == "non_health_staff") for c in (c24, c25)
    }
    assert (staff[2024].item, staff[2025].item) == ("qualification", "personnel")
    assert [col.label for col in c24.columns] == GOLDEN_2025_LABELS
    assert {i.id for i in c24.items} == {i.id for i in c25.items}
    assert [k.id for k in c24.categories] == [k.id for k in c25.categories]

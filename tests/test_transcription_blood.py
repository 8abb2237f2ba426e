"""The 血液 (采供血机构, 临床用血) checklists against the source texts (tests/seeds).

2025: rows and items from xj2025 附表7, columns from xj2025 附表8 — the only blood 汇总表 among the
sources, with several damaged headers. 2024: rows and items from county2024 附表3; county2024 has no
汇总表, so every 2024 column is inferred from the 2025 table.
"""

from __future__ import annotations

import pytest
import seedtext
import transcription
from transcription import find_in_order, keys

from spotcheck_rules.core.text import normalize
from spotcheck_rules.ruleset.model import Checklist, ColumnKind, Disposition

YEARS = (2024, 2025)


def load(year: int) -> Checklist:
    return transcription.load("blood", year)


# Golden data, read column by column from xj2025 附表8 (seed 001, the only copy). Three headers are
# reconstructions (see GOLDEN_DAMAGED). A dropped, added, renamed or reordered column fails here.
GOLDEN_2025_LABELS = [
    "辖区内单位总数",
    "检查单位数",
    # 资质管理
    "未按照许可范围开展工作单位数",
    "从业人员未取得相关岗位执业资格或者执业注册而从事血液安全工作单位数",
    "使用不符合国家规定的耗材单位数",
    # 血源管理
    "未按规定对献血者、供血浆者进行身份核实、健康征询和体检单位数",
    "未按要求检测新浆员和间隔180天的浆员的血浆单位数",
    "超量、频繁采集血液（浆）的单位数",
    "采集冒名顶替者、健康检查不合格者血液(血浆)单位数",
    # 血液检测
    "血液（浆）检测项目不齐全单位数",
    "未按规定保存血液标本的单位数",
    "未按规定保存工作记录的单位数",
    "对检测不合格或者报废的血液（浆），未按有关规定处理单位数",
    "全血及成分血不符合国家规定的卫生标准单位数",
    # 包装储存运输
    "包装、储存、运输不符合国家规定的卫生标准和要求单位数",
    # 其他
    "非法采集、供应、倒卖血液、血浆单位数，不符合相关文件要求的情况",
    # 特殊血站管理 (no 单位数 ending in the source)
    "未按规定依法执业",
    "未按规定科学宣传、规范处理医疗废物",
    "未按要求采集制备脐带血、开展核酸检测",
    # 临床用血管理: the table's order, not item 7's
    "用血来源管理不符合要求单位数",
    "血液出入库不符合要求的单位数",
    "用血管理组织和制度不符合要求单位数",
    "临床输血管理不符合要求单位数",
    # 行政处罚情况: only two columns, and 案件查处数 (not 查处案件数) as printed
    "案件查处数",
    "罚没款金额（万元）",
]
INNER_GROUPS = [
    ("资质管理", 3),
    ("血源管理", 4),
    ("血液检测", 5),
    ("包装储存运输", 1),
    ("其他", 1),
    ("特殊血站管理", 3),
    ("临床用血管理", 4),
]
GOLDEN_2025_GROUPS = transcription.nested_groups("不合格情况", INNER_GROUPS, penalties=2, census=2)
# Damaged headers: label (reconstruction) -> source_label (as extracted, fragments joined by ｜).
GOLDEN_DAMAGED = {
    "incomplete_testing": "(血液（浆）检测项目不齐全单位数",
    "packaging_storage_transport": "装、存、输符国规的生准要单数｜包储运不合家定卫标和要求",
    "special_publicity_waste": "未规科宣传规处医废",
}
STATIONS = ("general_blood_station", "special_blood_station", "plasma_station")

XJ_PLAN = ("xj2025", "附表7 2025年血液国家随机监督抽查工作计划表", "附表8")
XJ_SUMMARY = ("xj2025", "附表8 2025年血液国家随机监督抽查汇总表", None)
COUNTY_PLAN = ("county2024", "附表3 2024年采供血机构随机监督抽查工作计划表", "附表4")


@pytest.mark.parametrize("year", YEARS)
def test_loads_and_cross_references(year: int) -> None:
    c = load(year)
    transcription.assert_cross_references(c, "blood", year)
    assert all(code.item is not None for code in c.violations)  # every code names its item
    assert len(c.items) == 7


@pytest.mark.parametrize("year", YEARS)
def test_applicability(year: int) -> None:
    """特殊血站管理 → 特殊血站 (the item names it); 临床用血管理 → 医院 and items 1–5 → the three
    血站 rows (both inferred: the table prints every item beside every row, issue 13 §4)."""
    c = load(year)
    items = {i.id: i for i in c.items}
    for col in c.columns:
        if col.kind is not ColumnKind.VIOLATION_UNITS:
            assert col.applies_to is None, col.id
            continue
        group = col.groups[1]
        expected = {"特殊血站管理": ("special_blood_station",), "临床用血管理": ("hospital",)}.get(
            group, STATIONS
        )
        assert col.applies_to.categories == expected, col.id
        assert items[col.item].applies_to == col.applies_to, col.id
        named = expected == ("special_blood_station",)
        assert col.applies_to.provenance.is_inferred != named, col.id
    assert items["special_blood_station"].applies_to.categories == ("special_blood_station",)
    assert items["clinical_blood_use"].applies_to.categories == ("hospital",)


@pytest.mark.parametrize("year", YEARS)
def test_illegal_blood_trade_is_an_open_referral(year: int) -> None:
    c = load(year)
    column = next(col for col in c.columns if col.id == "illegal_collection_other")
    assert column.effective_disposition is Disposition.PENALTY  # 不符合相关文件要求的情况 half
    (code,) = c.violations
    assert code.column == column.id
    assert code.disposition is Disposition.REFERRAL
    assert code.disposition_basis.is_inferred
    assert any(str(cite) == "spec2023 第三十一条" for cite in code.disposition_basis.cites)
    assert all(col.effective_disposition is Disposition.PENALTY for col in c.columns)


def test_2025_columns_golden() -> None:
    c = load(2025)
    transcription.assert_columns_golden(c, GOLDEN_2025_LABELS, GOLDEN_2025_GROUPS)
    assert {col.id: col.source_label for col in c.columns if col.source_label} == GOLDEN_DAMAGED
    for col in c.columns:
        if col.source_label:
            assert col.provenance.note, col.id  # a reconstruction must say what and why
    assert not [col for col in c.columns if col.kind is ColumnKind.REVOKED_UNITS]


def test_2025_columns_in_seed_in_order() -> None:
    c = load(2025)
    summary = seedtext.table(*XJ_SUMMARY)
    find_in_order(summary, ["不合格情况", "行政处罚情况"])
    find_in_order(summary, keys([g for g, _ in INNER_GROUPS]))
    # The extraction reads the header row by row: the two 行政处罚情况 columns (second header row)
    # come before the detail columns (third row); the table has them last, as tj2025 附表2 shows
    # for the same layout. Within that, each label (or each fragment of a damaged one) is found,
    # in order, after the previous one.
    extraction_order = c.columns[:2] + c.columns[-2:] + c.columns[2:-2]
    assert [col.kind for col in c.columns[-2:]] == [ColumnKind.CASES, ColumnKind.FINES]
    transcription.assert_columns_in_order(summary, extraction_order)
    # What the notes rely on: 案件查处数 as printed, and no 吊销 columns.
    assert normalize("案件查处数") in summary
    assert normalize("查处案件数") not in summary
    assert "吊销" not in summary


def test_2025_rows_and_items_in_seed() -> None:
    c = load(2025)
    transcription.assert_plan_rows_and_items(seedtext.table(*XJ_PLAN), c)
    summary = seedtext.table(*XJ_SUMMARY)
    assert normalize(c.title) in summary
    transcription.assert_summary_rows(summary, c)
    # Item 7 lists its points in another order than the table's 临床用血管理 columns.
    clinical = next(i for i in c.items if i.id == "clinical_blood_use")
    assert list(clinical.points) == ["用血来源", "管理组织和制度", "血液出入库", "临床输血"]


def test_2024_rows_and_items_in_seed() -> None:
    c = load(2024)
    transcription.assert_plan_rows_and_items(seedtext.table(*COUNTY_PLAN), c)
    assert len(c.categories) == 4


def test_2024_columns_are_inferred_and_keep_2025_ids() -> None:
    c24, c25 = load(2024), load(2025)
    transcription.assert_columns_carried_from(c24, c25)
    assert [col.label for col in c24.columns] == GOLDEN_2025_LABELS
    assert [col.groups for col in c24.columns] == GOLDEN_2025_GROUPS
    assert [col.item for col in c24.columns] == [col.item for col in c25.columns]
    assert [i.id for i in c24.items] == [i.id for i in c25.items]
    assert [k.id for k in c24.categories] == [k.id for k in c25.categories]

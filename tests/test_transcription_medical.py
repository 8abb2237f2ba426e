"""The 医疗机构 checklists against the source texts (tests/seeds).

2025: rows and items from sx2025 附表1 (also xj2025 附表1), columns from sx2025 附表2 — the
cleanest copy of the 汇总表, whose header extraction kept the column order. 2024: rows and items
from county2024 附表1; county2024 has no 汇总表, so every 2024 column is inferred from the 2025
table.
"""

from __future__ import annotations

import re

import pytest
import seedtext
import transcription
from transcription import find_in_order, key_fragments

from spotcheck_rules.core.text import normalize
from spotcheck_rules.ruleset.model import Checklist

YEARS = (2024, 2025)

SX_PLAN = ("sx2025", "附表1 2025年医疗机构国家随机监督抽查工作计划表", "附表2")
SX_SUMMARY = ("sx2025", "附表2 2025年医疗机构国家随机监督抽查汇总表", "附表3")
XJ_PLAN = ("xj2025", "附表1 2025年医疗机构国家随机监督抽查工作计划表", "附表2")
COUNTY_PLAN = ("county2024", "附表1 2024年医疗机构随机监督检查工作计划表", "附表2")


def load(year: int) -> Checklist:
    return transcription.load("medical", year)


# Golden data, typed from the seed's 附表2 header read column by column (sx2025 000, the block
# after "附表 2"), so that a dropped, added, renamed or reordered column in the YAML fails here.
# 生物医学研究研究 is the source's own duplicated word, kept on purpose (see the YAML's note).
GOLDEN_2025_LABELS = [
    "执业许可证管理不符合要求单位数",
    "医疗机构诊疗活动管理不符合要求单位数",
    "医师管理不符合要求单位数",
    "外国医师管理不符合要求单位数",
    "香港、澳门特别行政区医师管理不符合要求单位数",
    "台湾医师管理不符合要求单位数",
    "乡村医生管理不符合要求单位数",
    "护士管理不符合要求单位数",
    "医技人员管理不符合要求单位数",
    "医疗用毒性药品、麻醉和精神药品管理不符合要求单位数",
    "抗菌药物管理不符合要求单位数",
    "医疗器械管理不符合要求单位数",
    "禁止类技术管理不符合要求单位数",
    "限制类技术管理不符合要求单位数",
    "医疗美容管理不符合要求单位数",
    "临床基因扩增管理不符合要求单位数",
    "生物医学研究研究管理不符合要求单位数",
    "处方管理不符合要求单位数",
    "病历管理不符合要求单位数",
    "医学证明文件管理不符合要求单位数",
    "抽查重点病历不合格单位数",
    "公立医疗机构开设营利性药店单位数",
    "公立医疗机构加价销售医用耗材单位数",
    "公立医疗机构薪酬与业务收入挂钩单位数",
    "殡葬涉医领域管理不符合单位数",
    "患者就医信息数据等医疗数据管理不符合情况单位数",
    "互联网诊疗管理不符合单位数",
    "医保涉医领域管理不符合单位数",
    "查处案件数",
    "罚没款金额（万元）",
    "吊销《医疗机构执业许可证》单位数",
    "吊销诊疗科目单位数",
]
# The groups are printed as spanning headers, not per column; they follow from the column order
# under the group headers (不合格情况 › 医疗机构资质管理 … 重点领域执法, then 行政处罚情况).
SUBGROUPS = [
    ("医疗机构资质管理", 2),
    ("医疗卫生人员管理", 7),
    ("药品和医疗器械管理", 3),
    ("医疗技术与生物医学研究管理", 5),
    ("医疗文书管理", 4),
    ("政策落实", 3),
    ("重点领域执法", 4),
]
GOLDEN_2025_GROUPS = transcription.nested_groups("不合格情况", SUBGROUPS, penalties=4)
# The group headers in the order 附表2 prints them: the two top groups, then the subgroups.
GROUP_HEADERS = ["不合格情况", "行政处罚情况", *(sub for sub, _ in SUBGROUPS)]
# The 2025 重点领域执法 columns: their items (9–12) are new in 2025, so 2024 has none of them.
NOT_IN_2024 = {"funeral", "medical_data", "internet_diagnosis", "insurance_fraud"}


@pytest.mark.parametrize("year", YEARS)
def test_loads_and_cross_references(year: int) -> None:
    transcription.assert_cross_references(load(year), "medical", year)


def test_2025_figures() -> None:
    c = load(2025)
    assert (len(c.categories), len(c.items), len(c.columns)) == (7, 12, 32)


def test_2025_columns_golden() -> None:
    transcription.assert_columns_golden(load(2025), GOLDEN_2025_LABELS, GOLDEN_2025_GROUPS)


def test_2025_columns_in_seed_in_order() -> None:
    c = load(2025)
    summary = seedtext.table(*SX_SUMMARY)
    find_in_order(summary, GROUP_HEADERS)
    for col in c.columns:
        for fragment in key_fragments(col):
            assert fragment in summary, (col.id, fragment)
    # 附表2's header extraction kept the column order: every label follows the previous one.
    transcription.assert_columns_in_order(summary, c.columns)


def test_2025_duplicated_biomedical_research_label() -> None:
    c = load(2025)
    col = next(col for col in c.columns if col.id == "biomedical_research")
    assert col.label == "生物医学研究研究管理不符合要求单位数"
    assert col.source_label is None
    assert normalize(col.label) in seedtext.table(*SX_SUMMARY)
    # The corrected text is an alias; it is not what 附表2 prints.
    assert "生物医学研究管理不符合要求单位数" in col.aliases
    assert normalize("生物医学研究管理不符合要求单位数") not in seedtext.table(*SX_SUMMARY)


def test_2025_rows_and_items_in_seed() -> None:
    c = load(2025)
    plan, summary = seedtext.table(*SX_PLAN), seedtext.table(*SX_SUMMARY)
    transcription.assert_plan_rows_and_items(plan, c)
    transcription.assert_summary_rows(summary, c)
    assert normalize(c.title) in summary
    # xj2025 附表1 has the same rows and items, except that its 检查内容8 ends "…收入挂钩。"
    # (no "等）"): a difference between the sources, recorded here so a change shows.
    xj = seedtext.table(*XJ_PLAN)
    transcription.assert_plan_rows_and_items(xj, c, [i for i in c.items if i.id != "policy"])
    policy = normalize(next(i.text for i in c.items if i.id == "policy"))
    assert policy not in xj
    assert policy.removesuffix("等)。") + "。" in xj


def test_2025_village_clinic_restriction() -> None:
    c = load(2025)
    docs = next(i for i in c.items if i.id == "medical_documents")
    assert [r.categories for r in docs.restrictions] == [("village_clinic",)]
    assert normalize(docs.restrictions[0].text) in seedtext.table(*SX_PLAN)


def test_2024_rows_and_items_in_seed() -> None:
    c = load(2024)
    plan = seedtext.table(*COUNTY_PLAN)
    transcription.assert_plan_rows_and_items(plan, c)
    assert [k.label for k in c.categories] == [
        "医院（含中医院、妇幼保健院）",
        "社区卫生服务机构",
        "卫生院",
        "村卫生室（所）",
        "诊所",
        "其他医疗机构",
    ]
    assert len(c.items) == 8
    # The 2024 plan table has no 村卫生室 restriction: none is declared, none carried.
    assert "村卫生室仅抽查" not in plan
    assert all(not i.restrictions for i in c.items)
    assert all(col.applies_to is None or not col.applies_to.exclude for col in c.columns)


def test_2024_title_is_inferred() -> None:
    c = load(2024)
    assert c.provenance.inferred
    assert normalize(c.title) not in seedtext.flat("county2024")


def test_2024_community_health_service_is_replaced_in_2025() -> None:
    c24, c25 = load(2024), load(2025)
    ids24 = {k.id for k in c24.categories}
    assert "community_health_service" in ids24
    replacing = [k.id for k in c25.categories if "community_health_service" in k.replaces]
    assert replacing == ["community_health_center", "community_health_station"]
    # Rows kept across the years keep their ids.
    assert ids24 - {"community_health_service"} <= {k.id for k in c25.categories}


def test_2024_columns_are_inferred_from_2025() -> None:
    c24, c25 = load(2024), load(2025)
    transcription.assert_columns_carried_from(c24, c25, dropped=NOT_IN_2024)
    number = {col.id: n for n, col in enumerate(c25.columns, 1)}
    items24 = {i.id: i for i in c24.items}
    for col in c24.columns:
        n = number[col.id]
        assert col.provenance.inferred.startswith(
            "county2024 has no 汇总表; carried from sx2025 附表2"
        )
        # The inferred reason names the 2025 column it is carried from, and the 2024 item.
        assert re.search(rf"附表2 第{n}列 ", col.provenance.inferred), col.id
        if col.item is not None:
            assert f"2024 检查内容{items24[col.item].number} " in col.provenance.inferred, col.id
    # Every 2024 item but none of the dropped 2025 ones is covered by some column.
    assert {col.item for col in c24.columns if col.item} == set(items24)

"""The 母婴保健技术服务机构 checklists against the source texts (tests/seeds).

2025: items from tj2025 附表1 (same in sx2025 附表7 and xj2025 附表5), columns from tj2025 附表2,
checked against sx2025 附表8. 2024: rows and items from county2024 附表4; county2024 has no 汇总表,
so every 2024 column is inferred from the 2025 table.
"""

from __future__ import annotations

import pytest
import seedtext
import transcription
from transcription import find_in_order, keys

from spotcheck_rules.core.text import normalize
from spotcheck_rules.ruleset.model import Checklist, Disposition

YEARS = (2024, 2025)


def load(year: int) -> Checklist:
    return transcription.load("maternal", year)


# Golden data, typed from tj2025 附表2 (seed 004), the cleanest copy of the table. The order is
# the true one: 辖区内单位总数, 检查单位数, the 21 不合格情况 columns, then the 4 行政处罚情况
# columns (sx2025 附表8 and xj2025 附表6 print the 行政处罚情况 columns first). A dropped,
# added, renamed or reordered column in the YAML fails here.
GOLDEN_CENSUS = ["辖区内单位总数", "检查单位数"]
GOLDEN_QUALIFICATION = ["机构执业资质管理不符合要求单位数", "人员资格管理不符合要求单位数"]
GOLDEN_LAW = [
    "机构未按照批准的业务范围和服务项目执业单位数",
    "人员未按照批准的服务项目执业单位数",
    "未按要求开展人工终止妊娠手术进行登记查验单位数",
    "未按要求开展孕妇外周血胎儿游离DNA产前筛查与诊断单位数",
    "未按要求开展人类辅助生殖技术查验身份证、结婚证单位数",
    "未按要求开展产前诊断、人类辅助生殖技术等服务单位数",
    "开展相关技术服务未按要求遵守知情同意原则单位数",
    "出具医学证明文件和诊断报告不符合相关规定单位数",
    "病历、记录、档案等文书不符合相关规定单位数",
    "未按要求设置禁止“两非”警示标志单位数",
    "违法发布母婴保健技术服务广告单位数",
    "存在买卖精子、买卖卵子、代孕等违法犯罪行为单位数",
    "未按规定出具出生医学证明单位数",
    "存在买卖和伪造出生医学证明违法犯罪行为单位数",
]
GOLDEN_SYSTEMS = [
    "未建立禁止胎儿性别鉴定管理制度单位数",
    "未建立人工终止妊娠登记查验制度单位数",
    "未建立健全技术档案管理、转诊、追踪观察制度单位数",
    "未建立孕产妇死亡、婴儿死亡以及新生儿初生缺陷报告制度单位数",
    "不具有保证技术服务安全和服务质量的其他管理制度单位数",
]
GOLDEN_PENALTY = [
    "查处案件数",
    "罚没款金额（万元）",
    "吊销执业机构许可证单位数",
    "吊销人员资格证单位数",
]
GOLDEN_DETAIL = GOLDEN_QUALIFICATION + GOLDEN_LAW + GOLDEN_SYSTEMS
GOLDEN_2025_LABELS = GOLDEN_CENSUS + GOLDEN_DETAIL + GOLDEN_PENALTY
# Group membership follows from the order under the group headers 机构及人员资质情况 /
# 法律法规执行情况 / 制度建立情况; census and inspected columns stand alone.
GOLDEN_2025_GROUPS = transcription.nested_groups(
    "不合格情况",
    [
        ("机构及人员资质情况", 2),
        ("法律法规执行情况", 14),
        ("制度建立情况", 5),
    ],
    penalties=4,
    census=2,
)
# 出生医学证明 columns: item 5 only exists in 2025; in 2024 the points sit in items 3 and 4.
GOLDEN_BIRTH_CERTIFICATE_ITEMS = {
    2025: {
        "birth_certificate_issuance": "law_compliance",
        "birth_certificate_fraud": "birth_certificate",
    },
    2024: {
        "birth_certificate_issuance": "systems",
        "birth_certificate_fraud": "assisted_reproduction",
    },
}

TJ_PLAN = ("tj2025", "附表1 2025年母婴保健技术服务机构国家随机监督抽查工作计划表", "附表2")
TJ_SUMMARY = ("tj2025", "附表2 2025年母婴保健技术服务机构国家随机监督抽查汇总表", None)
SX_PLAN = ("sx2025", "附表7 2025年母婴保健技术服务机构国家随机监督抽查工作计划表", "附表8")
SX_SUMMARY = ("sx2025", "附表8 2025年母婴保健技术服务机构国家随机监督抽查汇总表", None)
XJ_PLAN = ("xj2025", "附表5 2025年母婴保健技术服务机构国家随机监督抽查工作计划表", "附表6")
XJ_SUMMARY = ("xj2025", "附表6 2025年母婴保健技术服务机构国家随机监督抽查汇总表", "附表7")
COUNTY_PLAN = ("county2024", "附表4 2024年母婴保健技术服务机构随机监督检查工作计划表", None)


@pytest.mark.parametrize("year", YEARS)
def test_loads_and_cross_references(year: int) -> None:
    c = load(year)
    transcription.assert_cross_references(c, "maternal", year)
    for col_id, item_id in GOLDEN_BIRTH_CERTIFICATE_ITEMS[year].items():
        assert next(col for col in c.columns if col.id == col_id).item == item_id


@pytest.mark.parametrize("year", YEARS)
def test_referral_columns(year: int) -> None:
    """Columns whose label says 违法犯罪 are referred (spec2023 第三十一条); others: penalty."""
    c = load(year)
    referred = [col.id for col in c.columns if col.effective_disposition is Disposition.REFERRAL]
    assert referred == ["gamete_trade_surrogacy", "birth_certificate_fraud"]
    for col in c.columns:
        says_crime = "违法犯罪" in col.label
        assert (col.effective_disposition is Disposition.REFERRAL) == says_crime, col.id
        if says_crime:
            assert any(str(cite) == "spec2023 第三十一条" for cite in col.disposition_basis.cites)
    basis = seedtext.flat("spec2023")
    assert normalize("对涉嫌犯罪的，应当及时移交司法机关处理") in basis


def test_2025_columns_golden() -> None:
    c = load(2025)
    transcription.assert_columns_golden(c, GOLDEN_2025_LABELS, GOLDEN_2025_GROUPS)
    assert all(col.source_label is None for col in c.columns)  # tj2025 附表2 is intact


def tj_summary_rows() -> list[list[str]]:
    """tj2025 附表2 as extracted: one cell per tab-led line, rows separated by blank lines."""
    text = (seedtext.SEEDS / seedtext.FILES["tj2025"]).read_text(encoding="utf-8")
    text = text[text.index("附表2\n") :]
    rows: list[list[str]] = []
    for block in text.split("\n\n"):
        cells = [line[1:].strip() for line in block.split("\n") if line.startswith("\t")]
        if cells:
            rows.append(cells)
    return rows


def test_2025_true_column_order_from_tj2025_cells() -> None:
    """tj2025 附表2 keeps one cell per line: three header rows. Row 3 starts with three empty
    cells (单位类别, 辖区内单位总数, 检查单位数 span rows 1–3) and then holds all 21 detail columns,
    so the 4 penalty columns of row 2 come after them: that is the true order."""
    row1, row2, row3 = tj_summary_rows()[:3]
    assert row1 == ["单位类别", *GOLDEN_CENSUS, "不合格情况", "行政处罚情况"]
    assert row2 == [
        "",
        "",
        "",
        "机构及人员资质情况",
        "法律法规执行情况",
        "制度建立情况",
        *GOLDEN_PENALTY,
    ]
    assert row3[:3] == ["", "", ""]
    true_order = row1[1:3] + row3[3:] + row2[6:]
    assert keys([col.label for col in load(2025).columns]) == keys(true_order)


def test_2025_columns_in_seeds() -> None:
    c = load(2025)
    labels = [col.label for col in c.columns]
    assert labels[2:-4] == GOLDEN_DETAIL
    # tj2025 and sx2025 both extract the header row by row: the group headers and the penalty
    # columns (second row) before the detail columns (third row). Order is checked within that.
    for source in (TJ_SUMMARY, SX_SUMMARY):
        summary = seedtext.table(*source)
        find_in_order(summary, ["不合格情况", "行政处罚情况"])
        find_in_order(summary, keys(["机构及人员资质情况", "法律法规执行情况", "制度建立情况"]))
        find_in_order(summary, keys(labels[:2] + labels[-4:] + labels[2:-4]))
    # xj2025 附表6 lost characters in many headers; its fine column reads "罚款额（元".
    assert normalize("罚款额（元") in seedtext.table(*XJ_SUMMARY)
    fines = next(col for col in c.columns if col.id == "fines")
    assert "罚款额（元" in fines.provenance.note


def test_2025_rows_and_items_in_seed() -> None:
    c = load(2025)
    for source in (TJ_PLAN, SX_PLAN, XJ_PLAN):
        transcription.assert_plan_rows_and_items(seedtext.table(*source), c)
    assert normalize(c.title) in seedtext.table(*TJ_SUMMARY)
    transcription.assert_summary_rows(seedtext.table(*SX_SUMMARY), c)
    assert len(c.items) == 5


def test_2024_rows_and_items_in_seed() -> None:
    c = load(2024)
    transcription.assert_plan_rows_and_items(seedtext.table(*COUNTY_PLAN), c)
    assert len(c.items) == 4


def test_2024_columns_are_inferred_and_keep_2025_ids() -> None:
    c24, c25 = load(2024), load(2025)
    # Only the 出生医学证明 columns change item (see GOLDEN_BIRTH_CERTIFICATE_ITEMS).
    transcription.assert_columns_carried_from(
        c24, c25, items_differ=GOLDEN_BIRTH_CERTIFICATE_ITEMS[2025]
    )
    assert [col.label for col in c24.columns] == GOLDEN_2025_LABELS
    assert [col.groups for col in c24.columns] == GOLDEN_2025_GROUPS
    assert [k.id for k in c24.categories] == [k.id for k in c25.categories]
    assert {i.id for i in c24.items} == {i.id for i in c25.items} - {"birth_certificate"}

"""The 2025 中医医疗机构 checklist against the source texts (tests/seeds).

The only 中医 tables are sx2025 附表3 (plan: rows and 15 items) and 附表4 (汇总表: nested rows
and 33 columns). 附表4's header extraction is damaged: a header split in two comes out end
first, so such columns keep the extracted pieces in ``source_label`` and join them in reverse.
"""

from __future__ import annotations

import seedtext
import transcription
from transcription import find_in_order

from spotcheck_rules.core.text import normalize
from spotcheck_rules.ruleset.model import Checklist

PLAN = ("sx2025", "附表3 2025年中医医疗机构国家随机监督抽查工作计划表", "附表4")
SUMMARY = ("sx2025", "附表4 2025年中医医疗机构国家随机监督抽查汇总表", "附表5")
MAIN_TEXT = ("sx2025", "(二)中医医疗机构监督", "(三)医疗美容机构监督")


def load() -> Checklist:
    return transcription.load("tcm", 2025)


# Golden data, typed from the seed's 附表4 header read column by column (sx2025 000, the block
# after "附表4"), with the split headers joined (end first in the extraction, see the module
# docstring), so that a dropped, added, renamed or reordered column in the YAML fails here.
GOLDEN_LABELS = [
    "执业许可证（备案证、备案凭证）管理不符合要求单位数",
    "医疗机构诊疗活动管理不符合要求单位数",
    "医师（其中中医医师）管理不符合要求单位数",
    "中医（专长）医师管理不符合要求单位数",
    "护士管理不符合要求单位数",
    "医技人员管理不符合要求单位数",
    "中药师管理不符合要求单位数",
    "医疗用毒性药品、麻醉和精神药品管理不符合要求单位数",
    "抗菌药物管理不符合要求单位数",
    "中药饮片管理不符合要求单位数",
    "医疗器械管理不符合要求单位数",
    "禁止类技术管理不符合要求单位数",
    "限制类技术管理不符合要求单位数",
    "医疗美容管理不符合要求单位数",
    "临床基因扩增管理不符合要求单位数",
    "生物医学研究管理不符合要求单位数",
    "处方管理不符合要求单位数",
    "病历管理不符合要求单位数",
    "医学证明文件管理不符合要求单位数",
    "抽查重点病历不合格单位数",
    "公立医疗机构开设营利性药店单位数",
    "公立医疗机构加价销售医用耗材单位数",
    "公立医疗机构薪酬与业务收入挂钩单位数",
    "殡葬涉医领域管理不符合单位数",
    "患者就医信息数据等医疗数据管理不符合要求单位数",
    "互联网诊疗管理不符合要求单位数",
    "医保涉医领域管理不符合要求单位数",
    "中医医疗广告发布不符合规定单位数",
    "查处案件数",
    "罚没款金额（万元）",
    "吊销《医疗机构执业许可证》单位数",
    "注销或者撤销备案证单位数",
    "吊销医师（其中中医医师）资格证单位数",
]
# The groups are printed as spanning headers, not per column; they follow from the column order.
# The top group reads "不合格的" in this table (不合格情况 in the 医疗机构 table): kept as printed.
# 中药师 is counted under 医疗卫生人员管理 (the boundary is not printed; see the YAML's note).
SUBGROUPS = [
    ("医疗机构资质管理", 2),
    ("医疗卫生人员管理", 5),
    ("药品和医疗器械管理", 4),
    ("医疗技术与生物医学研究管理", 5),
    ("医疗文书管理", 4),
    ("政策落实", 3),
    ("重点领域执法", 5),
]
GOLDEN_GROUPS = transcription.nested_groups("不合格的", SUBGROUPS, penalties=5)
# The group headers in the order 附表4 prints them: the two top groups, then the subgroups.
GROUP_HEADERS = ["不合格的", "行政处罚情况", *(sub for sub, _ in SUBGROUPS)]
# Rows of 附表4 in order, each with its parent row (None for a parent).
GOLDEN_ROWS = [
    ("医院", None),
    ("中医医院", "医院"),
    ("中西医结合医院", "医院"),
    ("门诊部", None),
    ("中医门诊部", "门诊部"),
    ("中西医结合门诊部", "门诊部"),
    ("诊所", None),
    ("中医诊所", "诊所"),
    ("中医（综合）诊所", "诊所"),
    ("中西医结合诊所", "诊所"),
]


def test_loads_and_cross_references() -> None:
    c = load()
    transcription.assert_cross_references(c, "tcm", 2025)
    assert len(c.items) == 15


def test_figures() -> None:
    c = load()
    assert (len(c.categories), len(c.items), len(c.columns)) == (10, 15, 33)


def test_columns_golden() -> None:
    transcription.assert_columns_golden(load(), GOLDEN_LABELS, GOLDEN_GROUPS)


def test_columns_in_seed() -> None:
    c = load()
    summary = seedtext.table(*SUMMARY)
    find_in_order(summary, GROUP_HEADERS)
    assert "不合格情况" not in summary  # this table's own wording of the top group
    for col in c.columns:
        if col.source_label is None:
            assert normalize(col.label) in summary, col.id
        else:
            frags = seedtext.fragments(col.source_label)
            assert len(frags) == 2, col.id
            for f in frags:
                assert f in summary, (col.id, f)
            # The reading: the end of the header was extracted first.
            assert normalize(col.label) == frags[1] + frags[0], col.id
            # ...and the damage is real: the joined label is not in the extraction.
            assert normalize(col.label) not in summary, col.id
    # Piece by piece, the extraction keeps the column order.
    transcription.assert_columns_in_order(summary, c.columns)


def test_split_headers_are_exactly_the_damaged_ones() -> None:
    c = load()
    damaged = [col.id for col in c.columns if col.source_label is not None]
    assert damaged == [
        "license",
        "practice_scope",
        "physician",
        "tcm_specialty_physician",
        "controlled_drugs",
        "public_pay_linked_income",
        "medical_data",
    ]
    for col in c.columns:
        if col.source_label is not None:
            assert col.provenance.note, col.id


def test_rows_in_seed() -> None:
    c = load()
    by_id = {k.id: k for k in c.categories}
    rows = [(k.label, by_id[k.parent].label if k.parent else None) for k in c.categories]
    assert rows == GOLDEN_ROWS
    summary = seedtext.table(*SUMMARY)
    transcription.assert_summary_rows(summary, c)
    plan = seedtext.table(*PLAN)
    for k in c.categories:
        for alias in k.aliases:
            assert normalize(alias) in plan, (k.id, alias)
    # 附表3 序号1 names the 医院 row; 序号3 spans 门诊部 and 诊所, so it is no alias.
    assert by_id["tcm_hospital_group"].aliases == ("中医医院（含中西医结合医院）",)
    assert normalize("其他中医医疗机构（含中医、中西医结合诊所、门诊部）") in plan
    assert all("其他中医医疗机构" not in a for k in c.categories for a in k.aliases)


def test_items_in_seed() -> None:
    c = load()
    plan = seedtext.table(*PLAN)
    find_in_order(plan, [f"{i.number}.{normalize(i.text)}" for i in c.items])
    assert normalize(c.plan_table_title) in plan
    assert normalize(c.title) in seedtext.table(*SUMMARY)
    # The 中医 additions of 正文 二(二) that 附表3 keeps word for word.
    main = seedtext.table(*MAIN_TEXT)
    by_id = {i.id: i for i in c.items}
    for item_id in ("tcm_treatment_plans", "tcm_technology", "decoction_pieces"):
        assert normalize(by_id[item_id].text) in main, item_id


def test_policy_columns_are_opinions_for_public_units() -> None:
    c = load()
    policy = [col for col in c.columns if col.item == "policy"]
    assert len(policy) == 3
    for col in policy:
        assert col.groups[-1] == "政策落实"
        assert col.disposition is not None
        assert col.disposition.value == "opinion"
        assert col.disposition_basis is not None
        assert col.applies_to is not None
        assert col.applies_to.ownership == "public"
    others = [col for col in c.columns if col.item != "policy"]
    assert all(col.disposition is None for col in others)


def test_ids_shared_with_the_medical_checklist_mean_the_same() -> None:
    """Reused ids name the same thing; 中医-only columns get ids of their own."""
    medical = transcription.load("medical", 2025)
    med = {col.id: col for col in medical.columns}
    shared = [col for col in load().columns if col.id in med]
    assert len(shared) == 27
    for col in shared:
        assert col.kind == med[col.id].kind, col.id
        assert col.groups[1:] == med[col.id].groups[1:], col.id
    new = {col.id for col in load().columns} - set(med)
    assert new == {
        "tcm_specialty_physician",
        "chinese_pharmacist",
        "decoction_pieces",
        "tcm_advertising",
        "revoked_filing",
        "revoked_physician_certificate",
    }

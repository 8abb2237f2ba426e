"""Issue 13 section 4, inferences: mappings whose notes said "our reading" are marked ``inferred``.

Each case is checked against the seed text first: the test shows that the source does not state
what the ruleset reads into it (the item does not name the column's subject, the table prints no
row limit, no national 2024 text exists…) and then that the ruleset says so with a reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import seedtext
import transcription

from spotcheck_rules import load_ruleset
from spotcheck_rules.core.text import normalize
from spotcheck_rules.ruleset.documents import read_yaml
from spotcheck_rules.ruleset.model import Plan, Provenance

ROOT = Path(__file__).resolve().parent.parent


def _plan(year: int, name: str) -> Plan:
    path = ROOT / "rulesets" / str(year) / "plans" / f"{name}.yaml"
    return Plan.model_validate(read_yaml(path).data)


def _column_prov(domain: str, year: int, column: str) -> Provenance:
    cl = transcription.load(domain, year)
    return next(c for c in cl.columns if c.id == column).provenance


# (domain, year, column, item it is mapped to, what the item's printed text does not name)
COLUMN_MAPPINGS = [
    ("medical", 2025, "medical_cosmetology", "medical_technology", "医疗美容"),
    ("medical", 2025, "clinical_gene_amplification", "medical_technology", "临床基因扩增"),
    ("tcm", 2025, "chinese_pharmacist", "personnel", "中药师"),
    ("tcm", 2025, "insurance_fraud", "key_records", "医保涉医"),
    ("cosmetic", 2025, "non_health_staff", "personnel", "非卫生技术人员"),
]


@pytest.mark.parametrize(("domain", "year", "column", "item", "word"), COLUMN_MAPPINGS)
def test_a_column_mapped_to_an_item_that_does_not_name_it_is_inferred(
    domain: str, year: int, column: str, item: str, word: str
) -> None:
    cl = transcription.load(domain, year)
    col = next(c for c in cl.columns if c.id == column)
    assert col.item == item
    # the seed: no 2025 item of the plan table names the column's subject
    assert all(word not in normalize(i.text) for i in cl.items), word
    assert col.provenance.cites, "the column itself is printed"
    assert col.provenance.inferred, f"{column} → {item} is a reading; say so"


def test_the_item_4_reading_rests_on_the_county_plan_which_names_both() -> None:
    county = seedtext.flat("county2024")
    assert normalize("医疗技术（禁止类技术、限制类技术、医疗美容、临床基因扩增）") in county
    for column in ("medical_cosmetology", "clinical_gene_amplification"):
        assert "county2024 附表1 检查内容4" in (
            _column_prov("medical", 2025, column).inferred or ""
        )


def test_the_tcm_header_prints_no_group_boundary_for_the_chinese_pharmacist() -> None:
    # the 中药师 header is printed, but not which group it belongs to
    assert normalize("中药师管理不符合要求单位数") in seedtext.flat("sx2025")
    assert "our reading" in (_column_prov("tcm", 2025, "chinese_pharmacist").inferred or "")


@pytest.mark.parametrize("year", [2025, 2024])
def test_blood_item_7_limited_to_hospitals_is_inferred(year: int) -> None:
    cl = transcription.load("blood", year)
    item = next(i for i in cl.items if i.id == "clinical_blood_use")
    assert item.applies_to is not None and item.applies_to.categories == ("hospital",)
    assert item.applies_to.provenance is not None and item.applies_to.provenance.inferred
    if year == 2025:  # 二(四)3 names 临床用血 and no row
        body = seedtext.table("xj2025", "3.临床用血", "三、结果报送要求")
        assert "医院" not in body


def _medical_5(plan: Plan) -> list[Provenance]:
    assert plan.domains is not None
    strata = plan.domains["medical"].strata or ()
    return [s.provenance for s in strata if s.id != "hospital" and s.tier.value == "national"]


@pytest.mark.parametrize(("year", "rows"), [(2025, "序号2–6"), (2024, "序号2–5")])
def test_the_shared_5_percent_drawn_row_by_row_is_inferred(year: int, rows: str) -> None:
    provs = _medical_5(_plan(year, "national"))
    assert len(provs) >= 5
    for prov in provs:
        assert rows in str(prov.cites[0])
        assert prov.inferred and "our reading" in prov.inferred


def test_the_county_municipal_strata_each_cite_their_row_and_infer_the_split() -> None:
    plan = _plan(2024, "county")
    assert plan.domains is not None
    provs = {st.id: st.provenance for entry in plan.domains.values() for st in entry.strata or ()}
    for sid, prov in provs.items():
        cite = str(prov.cites[0])
        assert "序号" in cite and cite.endswith("市级双随机"), (sid, cite)
        # from_remaining is printed in one row only (80%（国家双随机未抽取的剩余单位）)
        assert prov.inferred or "国家双随机未抽取的剩余单位" in (prov.note or ""), sid
    assert str(provs["hospital_municipal"].cites[0]) == "county2024 附表1 序号1 市级双随机"
    assert str(provs["clinic_municipal"].cites[0]) == "county2024 附表1 序号2–5 市级双随机"
    assert "our reading" in (provs["clinic_municipal"].inferred or "")


def test_the_countys_interim_summary_recipient_is_inferred() -> None:
    # the seed names a recipient for the 监督抽查工作总结 only, in the sentence after the dates
    text = seedtext.table("county2024", "二、工作要求", "附表")
    assert normalize("监督抽查工作总结报送至市卫生健康委医疗应急处医疗监督执法工作专班") in text
    assert normalize("阶段性工作总结报送至") not in text
    interim = next(
        d for d in _plan(2024, "county").deadlines or () if d.kind.value == "interim_summary"
    )
    assert interim.recipient == "市卫生健康委医疗应急处医疗监督执法工作专班"
    assert "阶段性工作总结" in (interim.provenance.inferred or "")


def test_national_2024_strata_are_inferred_from_the_countys_column() -> None:
    plan = _plan(2024, "national")
    assert plan.domains is not None
    for entry in plan.domains.values():
        for st in entry.strata or ():
            assert str(st.provenance.cites[0]).startswith("county2024 "), st.id
            assert "national 2024 plan is not among our sources" in (st.provenance.inferred or "")


@pytest.mark.parametrize("year", [2024, 2025])
def test_a_national_plans_title_no_source_prints_is_inferred(year: int) -> None:
    plan = _plan(year, "national")
    assert all(normalize(plan.title) not in seedtext.flat(s) for s in seedtext.FILES)
    assert plan.title_provenance is not None and plan.title_provenance.inferred
    # a provincial plan's title is its own, from its own document
    assert load_ruleset("county/2024").plan.title_provenance is None


def test_national_2025_does_not_claim_three_sources_for_every_domain() -> None:
    plan = _plan(2025, "national")
    notes = "".join(plan.notes)
    assert "三份来源一致" not in notes and "仅见于山西" in notes and "仅见于新疆" in notes
    assert plan.domains is not None
    cited = {
        dom: {c.source for st in entry.strata or () for c in st.provenance.cites}
        for dom, entry in plan.domains.items()
    }
    assert cited["tcm"] == {"sx2025"} and cited["blood"] == {"xj2025"}
    assert cited["maternal"] == {"sx2025", "xj2025", "tj2025"}
    # and the seeds agree: Xinjiang and Tianjin print no 中医 table
    for source in ("xj2025", "tj2025"):
        assert normalize("中医医疗机构国家随机监督抽查工作计划表") not in seedtext.flat(source)

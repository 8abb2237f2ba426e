"""Fidelity corrections of issue 13 section 4, each against the seed text.

- The 合理缺项 notes: every plan table that prints one is recorded on its checklist with the
  table as provenance; a checklist whose tables print none states the default as inferred.
- Jurisdiction wordings: where a province's copy words an item differently, its plan carries its
  own text as an overlay (shown by ``show``, found by ``diff``); each overlay is printed in the
  place it cites.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import seedtext
import transcription

from spotcheck_rules import load_ruleset
from spotcheck_rules.core.text import normalize
from spotcheck_rules.diff.comparison import diff_rulesets
from spotcheck_rules.ruleset.documents import read_yaml
from spotcheck_rules.ruleset.model import Plan

ROOT = Path(__file__).resolve().parent.parent

# (checklist, the tables that print the note) — read from the seeds (flattened: the extraction
# splits the note over lines): sx2025 附表1/3/5/7, xj2025 附表1/3/5/7, tj2025 附表1, county2024 附表1–4
NOTES = [
    ("medical", 2025, ["sx2025 附表1", "xj2025 附表1"]),
    ("tcm", 2025, ["sx2025 附表3"]),
    ("cosmetic", 2025, ["sx2025 附表5", "xj2025 附表3"]),
    ("maternal", 2025, ["tj2025 附表1", "sx2025 附表7", "xj2025 附表5"]),
    ("blood", 2025, ["xj2025 附表7"]),
    ("medical", 2024, ["county2024 附表1"]),
    ("cosmetic", 2024, ["county2024 附表2"]),
    ("blood", 2024, ["county2024 附表3"]),
    ("maternal", 2024, ["county2024 附表4"]),
]
# where each table starts and the next begins, in each seed
TABLES = {
    "sx2025 附表1": ("sx2025", "附表1", "附表2"),
    "sx2025 附表3": ("sx2025", "附表3", "附表4"),
    "sx2025 附表5": ("sx2025", "附表5", "附表6"),
    "sx2025 附表7": ("sx2025", "附表7", "附表8"),
    "xj2025 附表1": ("xj2025", "附表1", "附表2"),
    "xj2025 附表3": ("xj2025", "附表3", "附表4"),
    "xj2025 附表5": ("xj2025", "附表5", "附表6"),
    "xj2025 附表7": ("xj2025", "附表7", "附表8"),
    "tj2025 附表1": ("tj2025", "附表1", "附表2"),
    "county2024 附表1": ("county2024", "附表1", "附表2"),
    "county2024 附表2": ("county2024", "附表2", "附表3"),
    "county2024 附表3": ("county2024", "附表3", "附表4"),
    "county2024 附表4": ("county2024", "附表4", "附表4 2024年母婴保健"),
}


def _table(key: str) -> str:
    source, start, end = TABLES[key]
    text = seedtext.flat(source)
    # the tables follow the body text: start at the last mention of the table's heading
    i = text.rindex(normalize(start))
    j = text.find(normalize(end), i + 3)
    return text[i : j if j > 0 else None]


@pytest.mark.parametrize(("domain", "year", "tables"), NOTES, ids=lambda v: str(v))
def test_each_tables_note_is_recorded_with_the_table_as_provenance(
    domain: str, year: int, tables: list[str]
) -> None:
    cl = transcription.load(domain, year)
    cited = [str(n.provenance.cites[0]) for n in cl.optional_notes if n.provenance.cites]
    assert cited == tables
    for note in cl.optional_notes:
        if note.provenance.cites:
            assert normalize(note.text) in _table(str(note.provenance.cites[0]))
        else:  # a table that says nothing: the default stated, and why
            assert note.provenance.inferred
    assert cl.optional_notes, "every checklist states its 合理缺项 rule, cited or inferred"


def test_every_plan_table_prints_the_note_so_none_is_inferred() -> None:
    # checked against the seeds before recording: no plan table of ours lacks the note
    for key in TABLES:
        assert "合理缺项" in _table(key), key


OVERLAYS = [
    ("xinjiang", "medical", "policy", "xj2025 附表1 检查内容8"),
    ("shanxi", "medical", "medical_technology", "sx2025 二(一)4"),
    ("shanxi", "medical", "medical_documents", "sx2025 二(一)5"),
    ("shanxi", "maternal", "law_compliance", "sx2025 二(四)2"),
]


def _plan(name: str) -> Plan:
    return Plan.model_validate(
        read_yaml(ROOT / "rulesets" / "2025" / "plans" / f"{name}.yaml").data
    )


@pytest.mark.parametrize(("plan", "domain", "item", "cite"), OVERLAYS, ids=lambda v: str(v))
def test_each_overlay_is_printed_where_it_cites(
    plan: str, domain: str, item: str, cite: str
) -> None:
    p = _plan(plan)
    assert p.domains is not None
    wording = p.domains[domain].wording[item]  # type: ignore[index]
    assert str(wording.provenance.cites[0]) == cite
    assert normalize(wording.text) in seedtext.flat(cite.split()[0])
    rs = load_ruleset(f"{plan}/2025")
    rules = rs.domain(domain)
    assert rules.item_text(item) == wording.text != rules.items[item].text


def test_xinjiangs_item_8_ends_without_the_closing_deng() -> None:
    text = load_ruleset("xinjiang/2025").domain("medical").item_text("policy")
    assert text.endswith("收入挂钩。") and normalize(text) in _table_xj_1()
    assert (
        load_ruleset("national/2025").domain("medical").item_text("policy").endswith("挂钩等）。")
    )


def _table_xj_1() -> str:
    return seedtext.table("xj2025", "附表1", "附表2")


def test_shanxis_body_text_variants() -> None:
    rules = load_ruleset("shanxi/2025").domain("medical")
    assert "备案和数据信息报送" in rules.item_text("medical_technology")
    assert "村卫生室" not in rules.item_text("medical_documents")
    assert rules.items["medical_documents"].restrictions  # the table's restriction still applies
    maternal = load_ruleset("shanxi/2025").domain("maternal")
    assert "出具出生医学证明文件是否符合相关规定" in maternal.item_text("law_compliance")


def test_diff_national_xinjiang_lists_the_xinjiang_wordings_as_text_changes() -> None:
    result = diff_rulesets(load_ruleset("national/2025"), load_ruleset("xinjiang/2025"))
    wordings = {(c.domain, c.id) for c in result.changes if c.rule == "wording-added"}
    assert ("medical", "policy") in wordings, wordings  # item 8 as xj2025 附表1 prints it
    assert {("cosmetic", "personnel"), ("cosmetic", "drugs_devices")} <= wordings
    text = next(c for c in result.changes if c.rule == "wording-added" and c.id == "policy")
    assert text.text_diff is not None and "[-等）-]" in text.text_diff

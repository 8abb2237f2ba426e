"""The findings checks as a registry (spotcheck_rules.findings.rules).

Every findings code is one registered rule; the checker, the detailed path, the coercion of one
record and the JSON Lines hot loop apply those rules and write no check of their own; and the hot
loop (which asks the rules' predicates) and the detailed path (which asks the rules and explains)
give one answer for any file.
"""

from __future__ import annotations

import ast
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spotcheck_rules import load_ruleset
from spotcheck_rules.core.codes import by_family
from spotcheck_rules.findings.rules import FORMAT, RULES, rule, rules_json
from spotcheck_rules.findings.rules.base import Rule, register
from spotcheck_rules.findings.validation import validate
from spotcheck_rules.ruleset.model import ColumnKind
from spotcheck_rules.ruleset.ruleset import Ruleset

PACKAGE = Path(__file__).resolve().parent.parent / "spotcheck_rules" / "findings"


@pytest.fixture(scope="module")
def shanxi() -> Ruleset:
    return load_ruleset("shanxi/2025")


def test_every_findings_code_is_one_registered_rule() -> None:
    codes = {c.code for c in by_family("F") if not c.refuses}
    assert set(RULES) == codes
    for code, r in RULES.items():
        assert r.code == code and rule(code) is r
        assert r.severity is r.info.severity and r.title == r.info.title
        assert r.params == FORMAT or r.params.startswith(("ruleset:", "seed 003")), r
        assert r.reads or code == "F001", f"{code} reads no field"
        assert type(r).__doc__, f"{type(r).__name__} says nothing about what it checks"


def test_a_code_has_one_rule_and_the_catalogue_has_it() -> None:
    class Again(Rule):
        code = "F005"
        reads = ("region",)

    with pytest.raises(ValueError, match="two rules for F005"):
        register(Again())

    class Unknown(Rule):
        code = "F999"
        reads = ("region",)

    with pytest.raises(KeyError):
        register(Unknown())
    assert "F999" not in RULES


def test_rules_json_lists_every_rule() -> None:
    rows = rules_json()
    assert [r["code"] for r in rows] == sorted(RULES)
    region = next(r for r in rows if r["code"] == "F005")
    assert region["reads"] == ["region"] and region["rule"] == "Region"


def test_messages_come_from_the_catalogue_templates() -> None:
    region = rule("F005")
    assert region.text(0, value="'12'") == "地区代码 '12' 应为6位行政区划代码"
    assert region.info.messages[0] == "地区代码 {value} 应为6位行政区划代码"


# The modules that apply the rules write no findings code of their own: a code literal there would
# be a check written beside the registry. (readers.py refuses unreadable files, F001/F009.)
APPLIERS = ("checker.py", "columnar.py", "detail.py", "fastpath.py", "parallel.py", "records.py")
APPLIERS += ("validation.py",)


@pytest.mark.parametrize("name", APPLIERS)
def test_the_appliers_name_no_code(name: str) -> None:
    tree = ast.parse((PACKAGE / name).read_text(encoding="utf-8"))
    literals = [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and len(n.value) == 4
        and n.value[0] == "F"
        and n.value[1:].isdigit()
    ]
    assert not literals, f"{name} names {literals}: use the rule's code"


# --------------------------------------------------------------------------- two paths, one answer


def _choices(rs: Ruleset) -> list[tuple[str, list[str], list[str], list[str], list[str]]]:
    """Per domain: (domain id, leaf categories, subtotal categories, violation codes, revocations)."""
    out = []
    for dom, rules in rs.domains.items():
        cl = rules.checklist
        leaves = [c.id for c in cl.categories if rules.is_leaf(c.id)]
        subtotals = [c.id for c in cl.categories if not rules.is_leaf(c.id)]
        codes = [c.id for c in cl.columns if c.kind is ColumnKind.VIOLATION_UNITS]
        codes += [v.id for v in cl.violations]
        # the codes the handling rules are about (监督意见书, 移交) are few: drawn as often as
        # all the others together
        special = [c for c in codes if rules.codes[c].disposition.value != "penalty"]
        codes += special * max(1, len(codes) // max(1, len(special)))
        revs = [c.id for c in cl.columns if c.kind is ColumnKind.REVOKED_UNITS]
        items = [i.id for i in cl.items]
        out.append((dom, leaves, subtotals, [*codes, "no-such-code"], revs + items))
    return out


def _record(rnd: random.Random, choices: list[Any], n: int) -> dict[str, Any]:
    """A record that is mostly valid (so that the hot loop takes it), each field now and then
    wrong in one of the ways a rule looks for."""
    dom, leaves, subtotals, codes, revs_items = rnd.choice(choices)

    def pick(good: Any, *bad: Any) -> Any:
        return rnd.choice(bad) if bad and rnd.random() < 0.12 else good

    rec: dict[str, Any] = {
        "unit_id": pick(f"u{n}", f"u{rnd.randrange(6)}", f" u{n} ", "", "\u3000"),
        "domain": pick(dom, "no-such-domain", " " + dom),
        "category": pick(rnd.choice(leaves), *subtotals[:1], "no-such-category"),
    }
    if rnd.random() < 0.3:
        rec["ownership"] = pick(rnd.choice(["public", "private", "公立", "民营"]), " 公立 ", "国有")
    elif rnd.random() < 0.5:
        rec["ownership"] = "public"  # what 政策落实 codes apply to
    if rnd.random() < 0.5:
        rec["region"] = pick("140100", "14010", "１４０１００", "140100 ")
    if rnd.random() < 0.5:
        rec["inspected_on"] = pick("2025-06-01", "2024-06-01", "2025-13-01")
    if rnd.random() < 0.2:
        rec["unit_name"] = pick("某医院", " 某医院", "")
    if rnd.random() < 0.6:
        rec["violations"] = rnd.sample(codes[:-1], k=min(len(codes) - 1, rnd.randrange(1, 3)))
        if rnd.random() < 0.1:
            rec["violations"].append(codes[-1])
    if rnd.random() < 0.05:
        rec["not_applicable"] = rnd.sample(revs_items, k=1)
    if rnd.random() < 0.5:
        pen: dict[str, Any] = {"cases": pick(rnd.choice([0, 1, 2]), -1)}
        if rnd.random() < 0.6:
            pen["fine_yuan"] = pick(rnd.choice(["0", "500", "12.5", 3000]), "1.234", "-3", "NaN")
        if rnd.random() < 0.3:
            pen["revoked"] = rnd.sample(revs_items, k=1)
        rec["penalty"] = pen
    if rnd.random() < 0.3:
        rec["referred"] = rnd.choice([True, False])
    if rnd.random() < 0.3:
        rec["opinion_issued"] = rnd.choice([True, False])
    if rnd.random() < 0.05:
        rec["harm"] = {"deaths": rnd.choice([0, 1]), "injured": rnd.choice([0, 3])}
    return rec


def _summary(report: Any) -> tuple[Any, ...]:
    problems = [(p.code, p.severity.value, p.message, p.line, p.field) for p in report.problems]
    return (report.records_read, report.accepted, report.rejected, report.duplicates, problems)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(1, 60))
def test_hot_loop_and_detailed_path_agree(
    shanxi: Ruleset, tmp_path: Path, seed: int, size: int
) -> None:
    """The hot loop (validate of a JSON Lines file) and the detailed path (every record through
    Checker.check: asked for with record_outcomes) give the same problems and counts."""
    rnd = random.Random(seed)
    choices = _choices(shanxi)
    lines = [json.dumps(_record(rnd, choices, n), ensure_ascii=False) for n in range(size)]
    path = tmp_path / f"f{seed}-{size}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast = validate(path, shanxi)
    slow = validate(path, shanxi, record_outcomes=True)
    assert _summary(fast) == _summary(slow)
    assert len(slow.outcomes) == size


def test_no_criterion_or_handling_wording_is_a_python_literal() -> None:
    """The handling checks take their criteria, conditions, actions and recipients from the
    rulesets (issue 13), and items are data: none of those texts is written in the package's
    Python."""
    from spotcheck_rules import list_rulesets

    texts: set[str] = set()
    for ref in list_rulesets():
        rs = load_ruleset(ref.id)
        for dom in rs.domains:
            h = rs.handling(dom)
            texts |= {c.text.rstrip("；。") for c in h.criteria}
            for r in h.rules:
                # the sentences, and conditions or actions long enough to be wording rather than a term
                texts |= {r.text} | {t for t in (r.condition, r.action) if t and len(t) >= 10}
            # and every item of the checklist: its text and points as the plan table prints them
            for it in rs.domain(dom).checklist.items:
                texts |= {t for t in (it.text, *it.points) if len(t) >= 10}
    assert len(texts) > 10
    package = Path(__file__).resolve().parent.parent / "spotcheck_rules"
    literals: list[str] = []  # every string constant of the code, docstrings left out
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and n.body
            and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)
        }
        literals += [
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
        ]
    source = "\n".join(literals)
    written = sorted(t for t in texts if t in source)
    assert not written, f"regulatory wording written in Python: {written}"

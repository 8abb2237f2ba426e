"""Properties of the ruleset diff over generated rulesets.

* diffing a ruleset with itself reports nothing;
* diff(a, b) and diff(b, a) mirror each other (added ↔ removed, old ↔ new);
* one generated change applied to a ruleset is exactly what the diff reports;
* every pointer resolves in its side's document, and the JSON output is schema-valid;
* a ruleset written as a YAML tree diffs exactly like the same ruleset built in memory.

Rulesets are generated as plain data (the YAML an author would write), validated into the
pydantic models and resolved into a :class:`Ruleset` without touching the disk, so hundreds of
examples run in seconds.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import Phase, assume, given, settings
from hypothesis import strategies as st

from spotcheck_rules.diff.engine import (
    Change,
    Diff,
    diff_json_schema,
    diff_rulesets,
    render_json,
    side_document,
)
from spotcheck_rules.ruleset.documents import dump_yaml
from spotcheck_rules.ruleset.domains import bundled_catalogue
from spotcheck_rules.ruleset.loader import clear_cache
from spotcheck_rules.ruleset.model import Checklist, Plan
from spotcheck_rules.ruleset.ruleset import DomainRules, Ruleset

PROV = {"cites": ["doc 附表1"]}
KINDS_OTHER = ["census_units", "inspected_units", "cases", "fines", "revoked_units"]
HAN = "医院诊所卫生室站中心机构管理情况不符合要求单位数药品器械技术病历处方证明检查"

Spec = dict[str, Any]

labels = st.text(alphabet=HAN, min_size=2, max_size=12)


@st.composite
def checklists(draw: st.DrawFn, domain: str, year: int = 2030) -> dict[str, Any]:
    n_cat = draw(st.integers(1, 5))
    categories = [
        {"id": f"cat{i}", "label": draw(labels) + f"{i}", "provenance": PROV} for i in range(n_cat)
    ]
    if n_cat >= 3 and draw(st.booleans()):
        categories[2]["parent"] = "cat1"  # a nested row, parent first
    n_item = draw(st.integers(1, 4))
    items = [
        {
            "id": f"item{i}",
            "number": i + 1,
            "title": draw(labels) + f"{i}",
            "text": draw(labels) + "情况。",
            "points": draw(st.lists(labels, max_size=2, unique=True)),
            "provenance": PROV,
        }
        for i in range(n_item)
    ]
    columns = []
    for i in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            columns.append(
                {
                    "id": f"col{i}",
                    "label": draw(labels) + f"{i}",
                    "groups": ["不合格情况"],
                    "kind": "violation_units",
                    "item": f"item{draw(st.integers(0, n_item - 1))}",
                    "provenance": PROV,
                }
            )
        else:
            columns.append(
                {
                    "id": f"col{i}",
                    "label": draw(labels) + f"{i}",
                    "groups": ["行政处罚情况"],
                    "kind": draw(st.sampled_from(KINDS_OTHER)),
                    "provenance": PROV,
                }
            )
    vcols = [c["id"] for c in columns if c["kind"] == "violation_units"]
    violations = []
    if vcols:
        for i in range(draw(st.integers(0, 2))):
            violations.append(
                {
                    "id": f"code{i}",
                    "label": draw(labels) + f"码{i}",
                    "column": draw(st.sampled_from(vcols)),
                    "provenance": PROV,
                }
            )
    return {
        "kind": "checklist",
        "year": year,
        "domain": domain,
        "title": f"{year}年{domain}汇总表",
        "plan_table_title": f"{year}年{domain}工作计划表",
        "provenance": PROV,
        "categories": categories,
        "items": items,
        "columns": columns,
        "violations": violations,
    }


RATIOS = ["5%", "10%", "12%", "50%", "100%"]


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    doms = draw(
        st.lists(st.sampled_from(list(bundled_catalogue())), min_size=1, max_size=3, unique=True)
    )
    cls = {d: draw(checklists(d)) for d in doms}
    plan_domains = {}
    for d in doms:
        # A parent row stands for its children; drawing both would draw a unit twice (P204).
        parents = {c.get("parent") for c in cls[d]["categories"]}
        cats = [c["id"] for c in cls[d]["categories"] if c["id"] not in parents]
        chosen = draw(st.lists(st.sampled_from(cats), min_size=1, unique=True))
        strata = [
            {"id": c, "categories": [c], "ratio": draw(st.sampled_from(RATIOS)), "provenance": PROV}
            for c in sorted(chosen, key=cats.index)
        ]
        plan_domains[d] = {"checklist": f"2030/{d}", "strata": strata, "wording": {}}
    plan = {
        "kind": "plan",
        "id": "land/2030",
        "year": 2030,
        "title": "2030年测试计划",
        "jurisdiction": {"level": "national", "name": "测试"},
        "sources": ["doc"],
        "rounding": {"method": "ceil", "minimum": 1, "provenance": {"inferred": "测试"}},
        "deadlines": [
            {
                "kind": "info_report",
                "due": "2030-11-15",
                "text": "2030年11月15日前完成信息报送。",
                "provenance": PROV,
            }
        ],
        "domains": plan_domains,
    }
    return {"plan": plan, "checklists": cls}


def build(spec: Spec) -> Ruleset:
    plan = Plan.model_validate(spec["plan"])
    known = bundled_catalogue()
    domains: dict[str, DomainRules] = {}
    for dom in known:
        pd = (plan.domains or {}).get(dom)
        if pd is None:
            continue
        cl = Checklist.model_validate(spec["checklists"][dom])
        domains[dom] = DomainRules(
            domain=dom,
            spec=known[dom],
            checklist=cl,
            strata=pd.strata or (),
            stated_totals=pd.stated_totals or (),
            wording=dict(pd.wording),
        )
    return Ruleset(
        plan=plan,
        domains=domains,
        sources={},
        chain=(plan.id,),
        origin="<generated>",
        catalogue=known,
    )


# --------------------------------------------------------------------------- mutations
#
# Each mutation changes one thing and returns the one rule the diff must report, or None when
# it does not apply to this ruleset (the example is then discarded).

Mutation = Callable[[Spec, st.DataObject], "str | None"]


def _dom(spec: Spec, data: st.DataObject) -> str:
    return str(data.draw(st.sampled_from(sorted(spec["checklists"]))))


def _cl(spec: Spec, d: str) -> dict[str, Any]:
    return spec["checklists"][d]  # type: ignore[no-any-return]


def _referenced_columns(cl: dict[str, Any]) -> set[str]:
    return {v["column"] for v in cl["violations"]}


def m_column_relabelled(spec: Spec, data: st.DataObject) -> str | None:
    cols = _cl(spec, _dom(spec, data))["columns"]
    data.draw(st.sampled_from(cols))["label"] += "（改）"
    return "column-relabelled"


def m_column_added(spec: Spec, data: st.DataObject) -> str | None:
    cols = _cl(spec, _dom(spec, data))["columns"]
    pos = data.draw(st.integers(0, len(cols)))
    cols.insert(pos, {"id": "brand_new", "label": "新增列", "kind": "cases", "provenance": PROV})
    return "column-added"


def m_column_removed(spec: Spec, data: st.DataObject) -> str | None:
    cl = _cl(spec, _dom(spec, data))
    free = [c for c in cl["columns"] if c["id"] not in _referenced_columns(cl)]
    if len(cl["columns"]) < 2 or not free:
        return None
    cl["columns"].remove(data.draw(st.sampled_from(free)))
    return "column-removed"


def m_column_moved(spec: Spec, data: st.DataObject) -> str | None:
    cols = _cl(spec, _dom(spec, data))["columns"]
    if len(cols) < 2:
        return None
    src = data.draw(st.integers(0, len(cols) - 1))
    dst = data.draw(st.integers(0, len(cols) - 1).filter(lambda n: n != src))
    cols.insert(dst, cols.pop(src))
    return "column-moved"


def m_column_kind_changed(spec: Spec, data: st.DataObject) -> str | None:
    cols = [c for c in _cl(spec, _dom(spec, data))["columns"] if c["kind"] != "violation_units"]
    if not cols:
        return None
    col = data.draw(st.sampled_from(cols))
    col["kind"] = data.draw(st.sampled_from([k for k in KINDS_OTHER if k != col["kind"]]))
    return "column-kind-changed"


def m_column_groups_changed(spec: Spec, data: st.DataObject) -> str | None:
    col = data.draw(st.sampled_from(_cl(spec, _dom(spec, data))["columns"]))
    col["groups"] = [*col.get("groups", []), "重点领域执法"]
    return "column-groups-changed"


def m_column_item_changed(spec: Spec, data: st.DataObject) -> str | None:
    cl = _cl(spec, _dom(spec, data))
    vcols = [c for c in cl["columns"] if c["kind"] == "violation_units"]
    if not vcols or len(cl["items"]) < 2:
        return None
    col = data.draw(st.sampled_from(vcols))
    col["item"] = data.draw(
        st.sampled_from([i["id"] for i in cl["items"] if i["id"] != col["item"]])
    )
    return "column-item-changed"


def m_column_applicability_changed(spec: Spec, data: st.DataObject) -> str | None:
    cl = _cl(spec, _dom(spec, data))
    col = data.draw(st.sampled_from(cl["columns"]))
    col["applies_to"] = {"exclude": [cl["categories"][0]["id"]], "provenance": PROV}
    return "column-applicability-changed"


def m_column_rekeyed(spec: Spec, data: st.DataObject) -> str | None:
    cl = _cl(spec, _dom(spec, data))
    col = data.draw(st.sampled_from(cl["columns"]))
    old = col["id"]
    col["id"], col["renamed_from"] = f"{old}_v2", old
    for v in cl["violations"]:  # references follow the rename: the diff must see through it
        if v["column"] == old:
            v["column"] = col["id"]
    return "column-rekeyed"


def m_category_relabelled(spec: Spec, data: st.DataObject) -> str | None:
    data.draw(st.sampled_from(_cl(spec, _dom(spec, data))["categories"]))["label"] += "（改）"
    return "category-relabelled"


def m_category_added(spec: Spec, data: st.DataObject) -> str | None:
    _cl(spec, _dom(spec, data))["categories"].append(
        {"id": "brand_new_row", "label": "新增类别", "provenance": PROV}
    )
    return "category-added"


def m_category_removed(spec: Spec, data: st.DataObject) -> str | None:
    d = _dom(spec, data)
    cl = _cl(spec, d)
    used = {c for s in spec["plan"]["domains"][d]["strata"] for c in s["categories"]}
    used |= {c.get("parent") for c in cl["categories"]}
    free = [c for c in cl["categories"] if c["id"] not in used]
    if not free or len(cl["categories"]) < 2:
        return None
    cl["categories"].remove(data.draw(st.sampled_from(free)))
    return "category-removed"


def m_category_moved(spec: Spec, data: st.DataObject) -> str | None:
    cats = _cl(spec, _dom(spec, data))["categories"]
    if len(cats) < 2 or any(c.get("parent") for c in cats):
        return None  # keep parents before children
    src = data.draw(st.integers(0, len(cats) - 1))
    dst = data.draw(st.integers(0, len(cats) - 1).filter(lambda n: n != src))
    cats.insert(dst, cats.pop(src))
    return "category-moved"


def m_item_text_changed(spec: Spec, data: st.DataObject) -> str | None:
    data.draw(st.sampled_from(_cl(spec, _dom(spec, data))["items"]))["text"] += "（含新增要求）"
    return "item-text-changed"


def m_item_points_changed(spec: Spec, data: st.DataObject) -> str | None:
    item = data.draw(st.sampled_from(_cl(spec, _dom(spec, data))["items"]))
    item["points"] = [*item.get("points", []), "新增要点"]
    return "item-points-changed"


def m_item_added(spec: Spec, data: st.DataObject) -> str | None:
    items = _cl(spec, _dom(spec, data))["items"]
    items.append(
        {
            "id": "brand_new_item",
            "number": len(items) + 1,
            "title": "新增",
            "text": "新增情况。",
            "provenance": PROV,
        }
    )
    return "item-added"


def m_code_added(spec: Spec, data: st.DataObject) -> str | None:
    cl = _cl(spec, _dom(spec, data))
    vcols = [c["id"] for c in cl["columns"] if c["kind"] == "violation_units"]
    if not vcols:
        return None
    cl["violations"].append(
        {
            "id": "brand_new_code",
            "label": "新增代码",
            "column": data.draw(st.sampled_from(vcols)),
            "provenance": PROV,
        }
    )
    return "code-added"


def m_code_removed(spec: Spec, data: st.DataObject) -> str | None:
    cl = _cl(spec, _dom(spec, data))
    if not cl["violations"]:
        return None
    cl["violations"].remove(data.draw(st.sampled_from(cl["violations"])))
    return "code-removed"


def m_code_column_changed(spec: Spec, data: st.DataObject) -> str | None:
    cl = _cl(spec, _dom(spec, data))
    vcols = [c["id"] for c in cl["columns"] if c["kind"] == "violation_units"]
    if not cl["violations"] or len(vcols) < 2:
        return None
    code = data.draw(st.sampled_from(cl["violations"]))
    code["column"] = data.draw(st.sampled_from([c for c in vcols if c != code["column"]]))
    return "code-column-changed"


def m_ratio_changed(spec: Spec, data: st.DataObject) -> str | None:
    d = _dom(spec, data)
    if not spec["plan"]["domains"][d]["strata"]:
        return None
    stratum = data.draw(st.sampled_from(spec["plan"]["domains"][d]["strata"]))
    current = "100%" if stratum.pop("all", False) else stratum.get("ratio")
    stratum["ratio"] = data.draw(st.sampled_from([r for r in RATIOS if r != current]))
    return "ratio-changed"


def m_ratio_notation_changed(spec: Spec, data: st.DataObject) -> str | None:
    d = _dom(spec, data)
    full = [s for s in spec["plan"]["domains"][d]["strata"] if s.get("ratio") == "100%"]
    if not full:
        return None
    stratum = data.draw(st.sampled_from(full))
    del stratum["ratio"]
    stratum["all"] = True
    return "ratio-notation-changed"


def m_stratum_added(spec: Spec, data: st.DataObject) -> str | None:
    d = _dom(spec, data)
    strata = spec["plan"]["domains"][d]["strata"]
    used = {c for s in strata for c in s["categories"]}
    cats = _cl(spec, d)["categories"]
    used |= {c.get("parent") for c in cats} | {
        c["parent"] for c in cats if c["id"] in used and c.get("parent")
    }
    free = [c["id"] for c in cats if c["id"] not in used]
    if not free:
        return None
    cat = data.draw(st.sampled_from(free))
    strata.append({"id": cat, "categories": [cat], "ratio": "5%", "provenance": PROV})
    return "stratum-added"


def m_tier_added(spec: Spec, data: st.DataObject) -> str | None:
    d = _dom(spec, data)
    strata = spec["plan"]["domains"][d]["strata"]
    if not strata or any(s.get("tier") == "municipal" for s in strata):
        return None
    base = strata[0]
    strata.append(
        {
            "id": f"{base['id']}_municipal",
            "tier": "municipal",
            "categories": base["categories"],
            "ratio": "10%",
            "from_remaining": True,
            "provenance": PROV,
        }
    )
    return "tier-added+stratum-added"


def m_wording_added(spec: Spec, data: st.DataObject) -> str | None:
    d = _dom(spec, data)
    item = data.draw(st.sampled_from(_cl(spec, d)["items"]))
    spec["plan"]["domains"][d]["wording"][item["id"]] = {
        "text": item["text"] + "（本省措辞）",
        "provenance": PROV,
    }
    return "wording-added"


def m_deadline_changed(spec: Spec, data: st.DataObject) -> str | None:
    spec["plan"]["deadlines"][0]["due"] = "2030-11-20"
    return "deadline-changed"


def m_domain_removed(spec: Spec, data: st.DataObject) -> str | None:
    if len(spec["checklists"]) < 2:
        return None
    d = _dom(spec, data)
    del spec["checklists"][d]
    del spec["plan"]["domains"][d]
    return "domain-removed"


def m_domain_added(spec: Spec, data: st.DataObject) -> str | None:
    free = [d for d in bundled_catalogue() if d not in spec["checklists"]]
    if not free:
        return None
    d = data.draw(st.sampled_from(free))
    spec["checklists"][d] = data.draw(checklists(d))
    spec["plan"]["domains"][d] = {"checklist": f"2030/{d}", "strata": [], "wording": {}}
    return "domain-added"


def m_provenance_changed(spec: Spec, data: st.DataObject) -> str | None:
    col = data.draw(st.sampled_from(_cl(spec, _dom(spec, data))["columns"]))
    col["provenance"] = {"cites": ["doc 附表1"], "note": "表头复原"}
    return "provenance-changed"


MUTATIONS: list[Mutation] = [
    m_column_relabelled, m_column_added, m_column_removed, m_column_moved, m_column_kind_changed,
    m_column_groups_changed, m_column_item_changed, m_column_applicability_changed,
    m_column_rekeyed, m_category_relabelled, m_category_added, m_category_removed,
    m_category_moved, m_item_text_changed, m_item_points_changed, m_item_added, m_code_added,
    m_code_removed, m_code_column_changed, m_ratio_changed, m_ratio_notation_changed,
    m_stratum_added, m_tier_added, m_wording_added, m_deadline_changed, m_domain_removed,
    m_domain_added, m_provenance_changed,
]  # fmt: skip


def mutate(spec: Spec, data: st.DataObject) -> tuple[Spec, str]:
    out = copy.deepcopy(spec)
    mutation = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    expected = mutation(out, data)
    assume(expected is not None)
    assert expected is not None
    return out, expected


# --------------------------------------------------------------------------- checks


def _resolve(doc: Any, pointer: str) -> Any:
    node = doc
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _check_pointers(diff: Diff, old: Ruleset, new: Ruleset) -> None:
    docs = (side_document(old), side_document(new))
    for c in diff.changes:
        for doc, pointer in zip(docs, (c.old_pointer, c.new_pointer), strict=True):
            if pointer is not None:
                _resolve(doc, pointer)  # raises KeyError/IndexError when it does not resolve


_MIRROR = {
    "added": "removed",
    "removed": "added",
}


def _mirror_rule(rule: str) -> str:
    head, _, tail = rule.rpartition("-")
    return f"{head}-{_MIRROR[tail]}" if tail in _MIRROR else rule


def _key(c: Change) -> tuple[str, ...]:
    return (c.rule, c.entity.value, c.domain or "", c.old_pointer or "", c.new_pointer or "",
            json.dumps(c.old, sort_keys=True), json.dumps(c.new, sort_keys=True))  # fmt: skip


def _mirrored(c: Change) -> tuple[str, ...]:
    return (_mirror_rule(c.rule), c.entity.value, c.domain or "", c.new_pointer or "",
            c.old_pointer or "", json.dumps(c.new, sort_keys=True),
            json.dumps(c.old, sort_keys=True))  # fmt: skip


SCHEMA = diff_json_schema()

# Hypothesis's "explain" phase can crash while explaining a failure found through st.data(),
# hiding the failure itself; shrinking alone gives a readable minimal example.
NO_EXPLAIN = settings(phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])


# --------------------------------------------------------------------------- properties


@NO_EXPLAIN
@given(specs())
def test_diff_with_itself_is_empty(spec: Spec) -> None:
    rs = build(spec)
    assert diff_rulesets(rs, rs).changes == ()
    assert diff_rulesets(rs, build(copy.deepcopy(spec))).changes == ()


@NO_EXPLAIN
@given(specs(), st.data())
def test_one_change_applied_is_exactly_what_the_diff_reports(
    spec: Spec, data: st.DataObject
) -> None:
    changed, expected = mutate(spec, data)
    old, new = build(spec), build(changed)
    diff = diff_rulesets(old, new)
    assert sorted(c.rule for c in diff.changes) == sorted(expected.split("+")), [
        (c.rule, c.message) for c in diff.changes
    ]
    _check_pointers(diff, old, new)
    jsonschema.validate(json.loads(render_json(diff)), SCHEMA)


@settings(NO_EXPLAIN, max_examples=40)
@given(specs(), st.data())
def test_diff_and_its_reverse_mirror_each_other(spec: Spec, data: st.DataObject) -> None:
    changed = spec
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        changed, _expected = mutate(changed, data)
    a, b = build(spec), build(changed)
    forward, backward = diff_rulesets(a, b), diff_rulesets(b, a)
    assert Counter(_mirrored(c) for c in forward.changes) == Counter(
        _key(c) for c in backward.changes
    )
    assert forward.summary.breaking + forward.summary.dangerous >= 0
    _check_pointers(forward, a, b)
    _check_pointers(backward, b, a)


@NO_EXPLAIN
@given(specs(), st.data())
def test_output_is_deterministic(spec: Spec, data: st.DataObject) -> None:
    changed, _ = mutate(spec, data)
    first = render_json(diff_rulesets(build(spec), build(changed)))
    again = render_json(diff_rulesets(build(copy.deepcopy(spec)), build(copy.deepcopy(changed))))
    assert first == again


def _write(root: Path, spec: Spec) -> Path:
    root.mkdir(parents=True)
    (root / "sources.yaml").write_text(
        dump_yaml({"kind": "sources", "documents": {
            "doc": {"file": "doc.txt", "title": "测试文件", "year": 2030, "jurisdiction": "测试"}
        }}),
        encoding="utf-8",
    )  # fmt: skip
    (root / "2030" / "checklists").mkdir(parents=True)
    (root / "2030" / "plans").mkdir(parents=True)
    for d, cl in spec["checklists"].items():
        (root / "2030" / "checklists" / f"{d}.yaml").write_text(dump_yaml(cl), encoding="utf-8")
    plan = root / "2030" / "plans" / "land.yaml"
    plan.write_text(dump_yaml(spec["plan"]), encoding="utf-8")
    return plan


@settings(NO_EXPLAIN, max_examples=15)
@given(specs(), st.data())
def test_yaml_trees_diff_like_the_models_they_encode(spec: Spec, data: st.DataObject) -> None:
    changed, _ = mutate(spec, data)
    with tempfile.TemporaryDirectory() as tmp:
        old_plan = _write(Path(tmp) / "old", spec)
        new_plan = _write(Path(tmp) / "new", changed)
        clear_cache()
        try:
            from_files = diff_rulesets(old_plan, new_plan)
        finally:
            clear_cache()
    in_memory = diff_rulesets(build(spec), build(changed))
    assert [c.fingerprint for c in from_files.changes] == [c.fingerprint for c in in_memory.changes]

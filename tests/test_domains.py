"""Domains are data (issue 12 item 1): the five bundled domains load from rulesets/domains.yaml,
no Python in the package names one, and a tree that declares a new domain (学校卫生, with its own
ownership words 公办/民办) works through every command unchanged."""

from __future__ import annotations

import ast
import io
import json
from pathlib import Path
from typing import Any

import pytest
from treebuilder import PROV, checklist, plan, school_domain, write_tree

from spotcheck_rules import load_ruleset, load_ruleset_file
from spotcheck_rules.cli.app import main
from spotcheck_rules.findings.validation import validate
from spotcheck_rules.ruleset.domains import bundled_catalogue
from spotcheck_rules.ruleset.loader import clear_cache

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- bundled domains


def test_the_bundled_domains_are_data_in_their_old_order_with_their_old_names() -> None:
    known = bundled_catalogue()
    assert list(known) == ["medical", "tcm", "cosmetic", "maternal", "blood"]
    assert [known.label(d) for d in known] == [
        "医疗机构",
        "中医医疗机构",
        "医疗美容机构",
        "母婴保健技术服务机构",
        "血液",
    ]
    assert known.index["采供血机构"].id == "blood" and known.index["母婴保健"].id == "maternal"
    medical = known.vocabulary("medical")
    assert medical.expected() == "public（公立）或 private（非公立、民营）"
    assert [medical.canonical(w) for w in ("公立", " 社会办 ", "公立医疗机构", "国营")] == [
        "public",
        "private",
        "public",
        None,
    ]
    assert load_ruleset("national/2025").catalogue.label("tcm") == "中医医疗机构"


def _names() -> set[str]:
    out: set[str] = set()
    for s in bundled_catalogue().specs():
        out |= {s.id, *s.labels, *s.aliases}
        for v in s.ownership:
            out |= {v.id, *v.labels, *v.aliases, v.units}
    return out


def test_no_python_in_the_package_names_a_domain_or_an_ownership_word() -> None:
    """Every string constant of the package (docstrings aside) is checked: none may be a
    domain's id or name, or an ownership word — they are data (rulesets/domains.yaml)."""
    names = _names()
    found = []
    for path in sorted((ROOT / "spotcheck_rules").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
                and node.value in names
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert found == []


# --------------------------------------------------------------------------- a new domain


def _school_checklist(year: int = 2030, **over: Any) -> dict[str, Any]:
    data = checklist(
        year=year,
        domain="school",
        title=f"{year}年学校卫生监督抽查汇总表",
        plan_table_title=f"{year}年学校卫生监督抽查工作计划表",
        categories=[
            {"id": "primary", "label": "小学", "provenance": PROV},
            {"id": "middle", "label": "中学", "aliases": ["初中"], "provenance": PROV},
        ],
        items=[
            {
                "id": "teaching",
                "number": 1,
                "title": "教学环境",
                "text": "教学环境情况。",
                "provenance": PROV,
            },
            {
                "id": "water",
                "number": 2,
                "title": "饮用水",
                "text": "生活饮用水情况。",
                "provenance": PROV,
            },
        ],
        columns=[
            {"id": "census", "label": "辖区内学校数", "kind": "census_units", "provenance": PROV},
            {
                "id": "inspected",
                "label": "检查学校数",
                "kind": "inspected_units",
                "provenance": PROV,
            },
            {
                "id": "light",
                "label": "教室采光照明不合格学校数",
                "groups": ["不合格情况"],
                "kind": "violation_units",
                "item": "teaching",
                "provenance": PROV,
            },
            {
                "id": "fee",
                "label": "公办学校饮用水收费不合规学校数",
                "groups": ["不合格情况"],
                "kind": "violation_units",
                "item": "water",
                "applies_to": {"ownership": "public", "provenance": PROV},
                "provenance": PROV,
            },
            {
                "id": "cases",
                "label": "查处案件数",
                "groups": ["行政处罚情况"],
                "kind": "cases",
                "provenance": PROV,
            },
            {
                "id": "fines",
                "label": "罚没款金额（万元）",
                "groups": ["行政处罚情况"],
                "kind": "fines",
                "provenance": PROV,
            },
        ],
    )
    data.update(over)
    return data


def _school_plan(plan_id: str = "land/2030", year: int = 2030) -> dict[str, Any]:
    return plan(
        plan_id,
        domains={
            "school": {
                "checklist": f"{year}/school",
                "strata": [
                    {
                        "id": "primary",
                        "categories": ["primary"],
                        "ratio": "50%",
                        "provenance": PROV,
                    },
                    {"id": "middle", "categories": ["middle"], "ratio": "50%", "provenance": PROV},
                ],
            }
        },
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    new = _school_checklist(2031)
    new["columns"][2]["label"] = "教室采光照明不符合要求学校数"
    root = write_tree(
        tmp_path / "r",
        [_school_checklist(), new],
        [_school_plan(), _school_plan("land/2031", 2031)],
        domains=[
            school_domain(fields=["unit_name", "ownership", "region", "violations", "penalty"])
        ],
    )
    clear_cache()
    yield root
    clear_cache()


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


GOOD = [
    {
        "unit_id": "S1",
        "domain": "学校卫生",
        "category": "小学",
        "ownership": "公办",
        "violations": ["fee"],
    },
    {
        "unit_id": "S2",
        "domain": "school",
        "category": "初中",
        "ownership": "民办",
        "violations": ["light"],
    },
    {
        "unit_id": "S3",
        "domain": "学校",
        "category": "中学",
        "penalty": {"cases": 1, "fine_yuan": "5000"},
        "violations": ["light"],
    },
]


def test_a_new_domain_is_a_domain_like_any_other(tree: Path) -> None:
    rs = load_ruleset_file(tree / "2030" / "plans" / "land.yaml")
    school = rs.domain("学校卫生")
    assert school.label == "学校卫生" and school.checklist.id == "2030/school"
    assert list(rs.catalogue)[:6] == ["medical", "tcm", "cosmetic", "maternal", "blood", "school"]
    assert school.ownership.expected() == "public（公办）或 private（民办）"


def test_every_command_works_on_a_declared_domain(tree: Path, tmp_path: Path) -> None:
    plan30 = str(tree / "2030" / "plans" / "land.yaml")
    plan31 = str(tree / "2031" / "plans" / "land.yaml")

    code, out, err = _run("check", str(tree))
    assert code == 0, out + err

    code, out, _ = _run("show", plan30, "--domain", "学校")
    assert code == 0 and "【学校卫生】school" in out
    code, out, _ = _run("show", plan30, "--format", "markdown")
    assert code == 0 and "（仅公办学校）" in out  # the 公办-only column, in the domain's words

    findings = _write(tmp_path / "f.jsonl", GOOD)
    code, out, err = _run("validate", str(findings), "--ruleset", plan30)
    assert code == 0, out + err

    code, out, err = _run(
        "aggregate", str(findings), "--ruleset", plan30, "-o", str(tmp_path / "a.json")
    )
    assert code == 0, err
    result = json.loads((tmp_path / "a.json").read_text("utf-8"))
    (table,) = result["tables"]
    assert table["domain"] == "school"
    cells = {r["category"]: r["values"] for r in table["rows"]}
    assert cells["primary"]["fee"] == 1 and cells["middle"]["light"] == 2

    code, out, err = _run("aggregate", str(findings), "--ruleset", plan30, "--format", "table")
    assert code == 0 and "（学校卫生）" in out

    xlsx = tmp_path / "a.xlsx"
    code, _, err = _run("aggregate", str(findings), "--ruleset", plan30, "-o", str(xlsx))
    assert code == 0, err
    openpyxl = pytest.importorskip("openpyxl")
    assert openpyxl.load_workbook(xlsx).sheetnames == ["学校卫生"]

    other = _write(
        tmp_path / "g.jsonl", [{"unit_id": "S9", "domain": "school", "category": "小学"}]
    )
    code, _, err = _run(
        "aggregate", str(other), "--ruleset", plan30, "-o", str(tmp_path / "b.json")
    )
    assert code == 0, err
    code, out, err = _run(
        "merge",
        str(tmp_path / "a.json"),
        str(tmp_path / "b.json"),
        "--ruleset",
        plan30,
        "--format",
        "table",
    )
    assert code == 0 and "（学校卫生）" in out, err

    code, out, err = _run("diff", plan30, plan31)
    assert "== 学校卫生（school）" in out and "教室采光照明不符合要求学校数" in out, out + err

    roster = tmp_path / "units.csv"
    roster.write_text(
        "unit_id,unit_name,domain,category,region,ownership\n"
        + "".join(
            f"U{i},学校{i},学校卫生,{'小学' if i % 2 else '中学'},140105,{'公办' if i % 3 else '民办'}\n"
            for i in range(8)
        ),
        encoding="utf-8",
    )
    inspectors = tmp_path / "inspectors.csv"
    inspectors.write_text(
        "id,name,region,domains\n" + "".join(f"I{i},人员{i},140106,学校卫生\n" for i in range(3)),
        encoding="utf-8",
    )
    args = ["sample", "--ruleset", plan30, "--roster", str(roster), "--seed", "20300101"]
    code, out, err = _run(*args, "--inspectors", str(inspectors), "-o", str(tmp_path / "draw.json"))
    assert code == 0, err
    audit = json.loads((tmp_path / "draw.json").read_text("utf-8"))
    assert audit["drawn"] and {s["domain"] for s in audit["drawn"]} == {"school"}
    code, out, err = _run(*args, "--format", "table")
    assert code == 0 and "学校卫生" in out, err


def test_a_new_domains_own_ownership_words_and_fields(tree: Path) -> None:
    rs = load_ruleset_file(tree / "2030" / "plans" / "land.yaml")
    base = {"domain": "school", "category": "小学"}
    report = validate(
        [
            {**base, "unit_id": "A", "ownership": "公立"},  # a medical word: not a school's
            {**base, "unit_id": "B", "ownership": "国营"},  # nobody's word
            {**base, "unit_id": "C", "ownership": "民办", "violations": ["fee"]},  # 公办 only
            {**base, "unit_id": "D", "violations": ["fee"]},  # no ownership: a warning
            {**base, "unit_id": "E", "inspected_on": "2030-05-01"},  # a field it leaves out
        ],
        rs,
    )
    got = {(p.code, p.message) for p in report.problems}
    assert ("F007", "所有制 '公立' 无效：应为 public（公办）或 private（民办）") in got
    # read before its domain is known: held to every known domain's words
    assert any(c == "F007" and "'国营'" in m and "public（公立）" in m for c, m in got)
    assert any(c == "F021" and "民办" in m for c, m in got)
    assert any(c == "F022" and "公办" in m for c, m in got)
    assert (
        "F067",
        "字段 inspected_on 不适用于学校卫生（该领域适用的字段：unit_name、ownership、region、violations、penalty）",
    ) in got
    assert report.input.accepted == 1  # D, with its warning


def test_a_checklist_ownership_the_domain_does_not_declare_is_r114(tmp_path: Path) -> None:
    from spotcheck_rules import check_files

    cl = _school_checklist()
    cl["columns"][3]["applies_to"]["ownership"] = "state"
    root = write_tree(tmp_path / "r", [cl], [_school_plan()], domains=[school_domain()])
    clear_cache()
    (p,) = [p for p in check_files([root]) if p.code == "R114"]
    assert (
        "state" in p.message and "public、private" in p.message and p.pointer.endswith("/ownership")
    )


def test_a_domains_file_is_checked(tmp_path: Path) -> None:
    from spotcheck_rules import check_files

    twice = school_domain()
    clash = school_domain("campus", labels=["学校卫生"], aliases=[])
    root = write_tree(tmp_path / "r", [], [], domains=[twice, twice, clash])
    codes = sorted(p.code for p in check_files([root / "domains.yaml"]))
    assert codes == ["R101", "R106"]

"""Build small synthetic ruleset trees for tests (ROOT/sources.yaml, YEAR/checklists, YEAR/plans)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spotcheck_rules.ruleset.documents import dump_yaml

PROV = {"cites": ["doc 附表1"]}


def checklist(year: int = 2030, domain: str = "medical", **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "checklist",
        "year": year,
        "domain": domain,
        "title": f"{year}年测试汇总表",
        "plan_table_title": f"{year}年测试工作计划表",
        "provenance": PROV,
        # the table's 合理缺项 note, as every bundled plan table prints one (lint R113)
        "optional_notes": [
            {"text": "根据各机构业务开展情况，检查内容可合理缺项。", "provenance": PROV}
        ],
        "categories": [
            {"id": "hospital", "label": "医院", "provenance": PROV},
            {"id": "clinic", "label": "诊所", "aliases": ["门诊"], "provenance": PROV},
        ],
        "items": [
            {
                "id": "qualification",
                "number": 1,
                "title": "资质",
                "text": "资质管理情况。",
                "provenance": PROV,
            },
        ],
        "columns": [
            {
                "id": "license",
                "label": "执业许可证管理不符合要求单位数",
                "groups": ["不合格情况"],
                "kind": "violation_units",
                "item": "qualification",
                "provenance": PROV,
            },
            {
                "id": "cases",
                "label": "查处案件数",
                "groups": ["行政处罚情况"],
                "kind": "cases",
                "provenance": PROV,
            },
        ],
    }
    data.update(over)
    return data


def plan(plan_id: str = "land/2030", **over: Any) -> dict[str, Any]:
    year = int(plan_id.split("/")[1])
    data: dict[str, Any] = {
        "kind": "plan",
        "id": plan_id,
        "year": year,
        "title": f"{year}年测试计划",
        "jurisdiction": {"level": "national", "name": "测试"},
        "sources": ["doc"],
        "rounding": {"method": "ceil", "minimum": 1, "provenance": {"inferred": "测试"}},
        "domains": {
            "medical": {
                "checklist": f"{year}/medical",
                "strata": [
                    {
                        "id": "hospital",
                        "categories": ["hospital"],
                        "ratio": "10%",
                        "provenance": PROV,
                    },
                    {"id": "clinic", "categories": ["clinic"], "ratio": "5%", "provenance": PROV},
                ],
            }
        },
    }
    data.update(over)
    return data


def school_domain(domain_id: str = "school", **over: Any) -> dict[str, Any]:
    """A domain the bundled tree does not declare: 学校卫生, with its own ownership words."""
    data: dict[str, Any] = {
        "id": domain_id,
        "labels": ["学校卫生"],
        "aliases": ["学校"],
        "ownership": [
            {
                "id": "public",
                "labels": ["公办"],
                "aliases": ["公办学校"],
                "units": "公办学校",
                "provenance": PROV,
            },
            {"id": "private", "labels": ["民办"], "units": "民办学校", "provenance": PROV},
        ],
        "provenance": PROV,
    }
    data.update(over)
    return data


def write_tree(
    root: Path,
    checklists: list[dict[str, Any]],
    plans: list[dict[str, Any]],
    domains: list[dict[str, Any]] | None = None,
) -> Path:
    """A tree with one source document ``doc``; ``domains``: the entries of its domains.yaml."""
    root.mkdir(parents=True, exist_ok=True)
    if domains is not None:
        (root / "domains.yaml").write_text(
            dump_yaml({"kind": "domains", "domains": domains}), encoding="utf-8"
        )
    (root / "sources.yaml").write_text(
        dump_yaml(
            {
                "kind": "sources",
                "documents": {
                    "doc": {
                        "file": "doc.txt",
                        "title": "测试文件",
                        "year": 2030,
                        "jurisdiction": "测试",
                    }
                },
            }
        ),
        encoding="utf-8",
    )
    (root / "doc.txt").write_text("测试文件的原文。\n", encoding="utf-8")  # check: R112
    for cl in checklists:
        d = root / str(cl["year"]) / "checklists"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{cl['domain']}.yaml").write_text(dump_yaml(cl), encoding="utf-8")
    for pl in plans:
        name, year = pl["id"].split("/")
        d = root / year / "plans"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{name}.yaml").write_text(dump_yaml(pl), encoding="utf-8")
    return root

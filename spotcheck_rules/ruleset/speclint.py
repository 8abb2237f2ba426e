"""Checks on the spec documents and on what refers to them: method links, handling rules.

A spec (``kind: spec``) must be a registered source, with unique ids; a checklist item's
``methods`` must name an area and 检查方法 clauses of the checklist's spec (``R111``); a plan's
``handling`` must name a spec that has 第三十四条's criteria, and domains the plan uses, with at
most one rule of a kind per domain (``P212``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from ..core.errors import Problem
from ..core.text import closest
from .documents import Document
from .model import Checklist, Plan, SourceDocument
from .spec import Spec, clause_key

__all__ = [
    "handling_problems",
    "link_problems",
    "read_specs",
    "spec_paths",
    "spec_problems",
    "specs_used",
]


def spec_paths(root: Path) -> list[Path]:
    """The spec documents of a ruleset tree: ``ROOT/specs/*.yaml``, sorted."""
    return sorted((root / "specs").glob("*.yaml"))


def read_specs(
    roots: Sequence[Path], parse: Callable[[Path], tuple[Spec, Document]]
) -> dict[str, tuple[Spec, Document]]:
    """The spec documents of the trees at ``roots`` by id, the first tree's winning."""
    out: dict[str, tuple[Spec, Document]] = {}
    for root in reversed(roots):
        for path in spec_paths(root):
            spec, doc = parse(path)
            out[spec.id] = (spec, doc)
    return out


def spec_problems(
    doc: Document, spec: Spec, sources: Mapping[str, SourceDocument]
) -> list[Problem]:
    """A spec must be a document of sources.yaml, and its ids unique."""
    out: list[Problem] = []
    if spec.id not in sources:
        out.append(
            doc.problem(
                "R107",
                f"出处引用了未登记的文件“{spec.id}”（见 rulesets/sources.yaml）",
                "/id",
                suggestions=tuple(closest(spec.id, sources)),
            )
        )
    groups: list[tuple[str, str, list[str]]] = [
        ("监督执法领域", "areas", [a.id for a in spec.areas]),
        ("处理职责", "handling", [d.id for d in spec.handling]),
    ]
    if spec.major_cases is not None:
        groups.append(
            ("重大案件情形", "major_cases/criteria", [c.id for c in spec.major_cases.criteria])
        )
    for kind, base, ids in groups:
        seen: set[str] = set()
        for i, id_ in enumerate(ids):
            if id_ in seen:
                out.append(doc.problem("R101", f"{kind} id 重复：{id_}", f"/{base}/{i}/id"))
            seen.add(id_)
    return out


def specs_used(
    plan: Plan,
    checklists: Mapping[str, Checklist],
    found: Mapping[str, tuple[Spec, Document]],
    sources: Mapping[str, SourceDocument],
    problems: list[Problem],
    read: list[str],
) -> list[str]:
    """The ids of the specs a resolved plan uses (its checklists' and its handling's), sorted;
    their problems are appended to ``problems`` and their files to ``read``."""
    named = {cl.spec for cl in checklists.values()}
    named.add(plan.handling.criteria if plan.handling is not None else None)
    used = sorted(k for k in found if k in named)
    for key in used:
        spec, doc = found[key]
        problems.extend(spec_problems(doc, spec, sources))
        read.append(str(Path(doc.file).resolve()))
    return used


def link_problems(doc: Document, cl: Checklist, specs: Mapping[str, Spec]) -> list[Problem]:
    """Every method link of the checklist resolves to an area and clauses of its spec."""
    out: list[Problem] = []
    spec = specs.get(cl.spec) if cl.spec is not None else None
    if cl.spec is not None and spec is None:
        out.append(
            doc.problem(
                "R111",
                f"检查方法链接无法解析：找不到规范文件 {cl.spec}",
                "/spec",
                suggestions=tuple(closest(cl.spec, specs)),
            )
        )
        return out
    for i, item in enumerate(cl.items):
        for j, link in enumerate(item.methods):
            pointer = f"/items/{i}/methods/{j}"
            if spec is None:
                out.append(
                    doc.problem("R111", "检查方法链接无法解析：检查表未指明规范（spec）", pointer)
                )
                continue
            if link.area is None:
                if len(item.methods) > 1:
                    out.append(
                        doc.problem(
                            "R111",
                            "检查方法链接无法解析：“无对应方法”不能与其他链接并列",
                            pointer,
                        )
                    )
                continue
            area = spec.area(link.area)
            if area is None:
                out.append(
                    doc.problem(
                        "R111",
                        f"检查方法链接无法解析：{spec.id} 没有领域 {link.area}",
                        f"{pointer}/area",
                        suggestions=tuple(closest(link.area, [a.id for a in spec.areas])),
                    )
                )
                continue
            for k, ref in enumerate(link.clauses):
                if spec.method(link.area, ref) is None:
                    known = [c.ref or "" for c in area.methods.clauses]
                    out.append(
                        doc.problem(
                            "R111",
                            f"检查方法链接无法解析：{area.methods.article}没有{ref}"
                            f"（可用：{'、'.join(known)}）",
                            f"{pointer}/clauses/{k}",
                        )
                    )
            seen = [clause_key(r) for r in link.clauses]
            if len(set(seen)) != len(seen):
                out.append(
                    doc.problem(
                        "R111", "检查方法链接无法解析：同一条款列了两次", f"{pointer}/clauses"
                    )
                )
    return out


def handling_problems(
    doc: Document, plan: Plan, specs: Mapping[str, Spec], domains: Iterable[str]
) -> list[Problem]:
    """A plan's handling rules name a spec with 第三十四条 and only domains the plan uses
    (``domains``: the ids the ruleset's trees declare)."""
    out: list[Problem] = []
    handling = plan.handling
    if handling is None:
        return out
    if handling.criteria is not None:
        spec = specs.get(handling.criteria)
        if spec is None or spec.major_cases is None:
            out.append(
                doc.problem(
                    "P212",
                    f"处理规则无效：{handling.criteria} 不是载有重大案件情形的规范",
                    "/handling/criteria",
                    suggestions=tuple(closest(handling.criteria, specs)),
                )
            )
    used = list(plan.domains or {})
    known = list(domains)  # an inherited rule may name a domain this plan leaves out
    taken: dict[tuple[str, str], int] = {}
    for i, rule in enumerate(handling.rules):
        pointer = f"/handling/rules/{i}"
        for j, dom in enumerate(rule.domains or ()):
            if dom not in known:
                out.append(
                    doc.problem(
                        "P212",
                        f"处理规则无效：没有领域 {dom}",
                        f"{pointer}/domains/{j}",
                        suggestions=tuple(closest(dom, known)),
                    )
                )
        for dom in [d for d in rule.domains or used if d in used]:
            key = (rule.kind.value, dom)
            if key in taken:
                out.append(
                    doc.problem(
                        "P212",
                        f"处理规则无效：领域 {dom} 有两条 {rule.kind.value} 规则"
                        f"（另一条为第 {taken[key] + 1} 条）",
                        pointer,
                    )
                )
            taken.setdefault(key, i)
    return out

"""The sides of a comparison: a plan, one domain of it, or a checklist file; their documents."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..core.errors import RulesetError, Severity, UsageError
from ..ruleset.documents import read_yaml
from ..ruleset.domains import DomainCatalogue, domain_catalogue
from ..ruleset.loader import check_files, load_ruleset, load_ruleset_file
from ..ruleset.model import Checklist, Plan
from ..ruleset.ruleset import DomainRules, Ruleset
from .changes import SideInfo


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a resolved plan, or one domain of it, or a checklist file."""

    ref: str
    plan: Plan | None
    domains: Mapping[str, DomainRules]
    single: str | None = None
    catalogue: DomainCatalogue = field(default_factory=lambda: DomainCatalogue(()))
    """The domains the side's trees declare: their names and order."""

    @property
    def info(self) -> SideInfo:
        return SideInfo(
            ref=self.ref,
            plan=self.plan.id if self.plan else None,
            year=self.plan.year if self.plan else _only_year(self.domains),
            title=self.plan.title if self.plan else None,
            domain=self.single,
        )


def _only_year(domains: Mapping[str, DomainRules]) -> int | None:
    years = {r.checklist.year for r in domains.values()}
    return years.pop() if len(years) == 1 else None


def _split_fragment(text: str) -> tuple[str, str | None]:
    if "#" in text and not Path(text).exists():
        base, frag = text.rsplit("#", 1)
        if not frag:
            raise UsageError(f"{text!r}：# 之后应为领域（id 或名称）")
        return base, frag
    return text, None


def _from_ruleset(ref: str, rs: Ruleset, fragment: str | None) -> Side:
    if fragment is None:
        return Side(ref=ref, plan=rs.plan, domains=dict(rs.domains), catalogue=rs.catalogue)
    rules = rs.domain(fragment)  # an unknown domain is a usage error with suggestions
    return Side(
        ref=ref,
        plan=rs.plan,
        domains={rules.domain: rules},
        single=rules.domain,
        catalogue=rs.catalogue,
    )


def _checklist_side(ref: str, path: Path, fragment: str | None) -> Side:
    errors = [p for p in check_files([path]) if p.severity is Severity.ERROR]
    if errors:
        raise RulesetError(f"检查表 {path} 有 {len(errors)} 个错误", errors)
    try:
        cl = Checklist.model_validate(read_yaml(path).data)
    except ValidationError as exc:  # check_files has reported these already; keep mypy honest
        raise RulesetError(f"{path} 未通过校验：{exc}") from exc
    catalogue = domain_catalogue(path)
    spec = catalogue[cl.domain]  # check_files has reported an undeclared one (P213)
    if fragment is not None and fragment not in (cl.domain, *spec.labels, *spec.aliases):
        raise UsageError(f"{path} 是 {cl.domain} 领域的检查表，与 #{fragment} 不符")
    rules = DomainRules(domain=cl.domain, spec=spec, checklist=cl)
    return Side(
        ref=ref, plan=None, domains={cl.domain: rules}, single=cl.domain, catalogue=catalogue
    )


def resolve_side(ref: str | os.PathLike[str] | Ruleset | Side) -> Side:
    """Turn ``national/2025``, ``national/2025#medical``, a plan or checklist file into a side."""
    if isinstance(ref, Side):
        return ref
    if isinstance(ref, Ruleset):
        return _from_ruleset(ref.id, ref, None)
    text = os.fspath(ref)
    base, fragment = _split_fragment(text)
    path = Path(base)
    if path.suffix in (".yaml", ".yml", ".json") or path.is_file():
        if not path.is_file():
            raise UsageError(f"找不到文件 {path}")
        data = read_yaml(path).data
        kind = data.get("kind") if isinstance(data, dict) else None
        if kind == "checklist":
            return _checklist_side(text, path, fragment)
        if kind != "plan":
            raise UsageError(f"{path} 不是计划或检查表文件（kind 应为 plan 或 checklist）")
        return _from_ruleset(text, load_ruleset_file(path), fragment)
    return _from_ruleset(text, load_ruleset(base), fragment)


def _domain_document(rules: DomainRules) -> dict[str, Any]:
    return {
        "checklist": rules.checklist.model_dump(mode="json"),
        "strata": [s.model_dump(mode="json") for s in rules.strata],
        "stated_totals": [t.model_dump(mode="json") for t in rules.stated_totals],
        "wording": {k: w.model_dump(mode="json") for k, w in sorted(rules.wording.items())},
    }


def side_document(side: Side | str | Ruleset) -> dict[str, Any]:
    """The JSON document a change's pointers point into.

    It is the resolved plan (``extends`` merged) with each domain's ``checklist`` id replaced by
    the checklist itself, so ``/domains/medical/checklist/columns/3/label`` is a column's label
    and ``/domains/blood/strata/2`` a stratum.
    """
    s = resolve_side(side)
    out: dict[str, Any] = s.plan.model_dump(mode="json", exclude={"domains"}) if s.plan else {}
    out["domains"] = {d: _domain_document(r) for d, r in s.domains.items()}
    for d, entry in ((s.plan.domains or {}) if s.plan else {}).items():
        if d in out["domains"]:  # the plan's 正文 on the domain (diff's body-* pointers)
            out["domains"][d]["body"] = [w.model_dump(mode="json") for w in entry.body or ()]
    return out


def catalogue_of(a: Side, b: Side) -> DomainCatalogue:
    """The domains both sides know (the new side's declarations first)."""
    return DomainCatalogue.merged(b.catalogue, a.catalogue)


def domain_pairs(a: Side, b: Side) -> list[tuple[str, DomainRules, DomainRules]]:
    if a.single is not None and b.single is not None:
        return [(b.single, a.domains[a.single], b.domains[b.single])]
    both = [d for d in a.domains if d in b.domains]
    return [(d, a.domains[d], b.domains[d]) for d in sorted(both, key=catalogue_of(a, b).rank)]

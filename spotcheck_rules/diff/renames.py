"""Likely renames the rulesets do not declare: information for an author, never a match."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any

from ..core.text import normalize
from ..ruleset.ruleset import DomainRules
from .changes import Entity, RenameSuggestion
from .matching import index_by_id, match_ids
from .scopes import quoted
from .sides import domain_pairs, resolve_side


def suggest_renames(old: Any, new: Any) -> list[RenameSuggestion]:
    """Likely renames among removed and added entities: same or similar label, same mapping.

    This is information for an author who may want to declare ``renamed_from``; the diff itself
    never uses it, because two similar labels are not evidence of the same series of numbers.
    """
    a, b = resolve_side(old), resolve_side(new)
    out: list[RenameSuggestion] = []
    for dom, orules, nrules in domain_pairs(a, b):
        out.extend(_suggest_in(dom, orules, nrules))
    return out


def _similarity(x: str, y: str) -> float:
    kx, ky = normalize(x), normalize(y)
    if kx == ky:
        return 1.0
    return round(difflib.SequenceMatcher(None, kx, ky, autojunk=False).ratio(), 3)


def _suggest_in(dom: str, orules: DomainRules, nrules: DomainRules) -> list[RenameSuggestion]:
    ocl, ncl = orules.checklist, nrules.checklist
    out: list[RenameSuggestion] = []

    def scan(
        entity: Entity,
        olds: Sequence[Any],
        news: Sequence[Any],
        label: Callable[[Any], str],
        same_mapping: Callable[[Any, Any], bool],
    ) -> None:
        m = match_ids(olds, news)
        oi, ni = index_by_id(olds), index_by_id(news)
        for oid in m.removed:
            o = oi[oid][1]
            scored = []
            for nid in m.added:
                n = ni[nid][1]
                if not same_mapping(o, n):
                    continue
                s = _similarity(label(o), label(n))
                if s >= 0.6:
                    scored.append((-s, ni[nid][0], nid, s))
            if not scored:
                continue
            _, _, nid, s = min(scored)
            n = ni[nid][1]
            out.append(
                RenameSuggestion(
                    entity=entity,
                    domain=dom,
                    old_id=oid,
                    new_id=nid,
                    old_label=label(o),
                    new_label=label(n),
                    similarity=s,
                    message=f"{entity.label}{quoted(label(o), oid)}已删去，新增的{quoted(label(n), nid)}"
                    f"名称相似（{s:.0%}）；若是同一{entity.label}，请在新规则集中声明 renamed_from: {oid}",
                )
            )

    scan(Entity.CATEGORY, ocl.categories, ncl.categories, lambda c: c.label, lambda o, n: True)
    scan(Entity.ITEM, ocl.items, ncl.items, lambda i: i.title, lambda o, n: True)
    scan(
        Entity.COLUMN,
        ocl.columns,
        ncl.columns,
        lambda c: c.label,
        lambda o, n: o.kind is n.kind and o.item == n.item,
    )
    scan(
        Entity.VIOLATION,
        ocl.violations,
        ncl.violations,
        lambda v: v.label,
        lambda o, n: o.column == n.column,
    )
    return out

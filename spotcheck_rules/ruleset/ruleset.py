"""The resolved ruleset: a plan with its parents merged and its checklists attached.

This is what :func:`spotcheck_rules.load_ruleset` returns and what every other part of the
library reads. It is immutable and carries precompiled lookup tables, so resolving a label or
checking applicability in the findings hot path is a dict lookup.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .domains import DomainCatalogue, DomainSpec, Vocabulary
from .handling import DomainHandling, domain_handling
from .model import (
    Category,
    Checklist,
    Column,
    ColumnKind,
    Deadline,
    Disposition,
    Item,
    Jurisdiction,
    LabTest,
    LookBack,
    Plan,
    Rounding,
    SourceDocument,
    StatedTotal,
    Stratum,
    Wording,
)
from .reference import Index
from .spec import Spec

__all__ = ["Code", "DomainRules", "Ruleset"]


@dataclass(frozen=True)
class Code:
    """A violation code as an inspector records it: it counts in exactly one column."""

    id: str
    label: str
    column: Column
    item: Item | None
    disposition: Disposition
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class DomainRules:
    """One domain of a resolved plan: its declaration (``spec``: names, ownership words), its
    checklist, strata and the plan's own wording."""

    domain: str
    spec: DomainSpec
    checklist: Checklist
    strata: tuple[Stratum, ...] = ()
    stated_totals: tuple[StatedTotal, ...] = ()
    wording: Mapping[str, Wording] = field(default_factory=dict)
    categories: Index[Category] = field(init=False, repr=False)
    items: Index[Item] = field(init=False, repr=False)
    columns: Index[Column] = field(init=False, repr=False)
    codes: Index[Code] = field(init=False, repr=False)
    revocations: Index[Column] = field(init=False, repr=False)
    tests: Index[LabTest] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        cl = self.checklist
        cats: Index[Category] = Index("单位类别")
        for c in cl.categories:
            cats.add(c.id, c, (c.label, *c.aliases))
        items: Index[Item] = Index("检查内容")
        for it in cl.items:
            items.add(it.id, it, (it.title, *it.aliases))
        tests: Index[LabTest] = Index("检测项目")
        for t in cl.tests:
            tests.add(t.id, t, t.aliases)
        cols: Index[Column] = Index("汇总表列")
        revs: Index[Column] = Index("吊销项目")
        codes: Index[Code] = Index("违法违规代码")
        item_by_id = {it.id: it for it in cl.items}
        for col in cl.columns:
            labels = (col.label, *col.aliases)
            cols.add(col.id, col, labels)
            if col.kind is ColumnKind.REVOKED_UNITS:
                revs.add(col.id, col, labels)
            if col.kind is ColumnKind.VIOLATION_UNITS:
                codes.add(
                    col.id,
                    Code(
                        id=col.id,
                        label=col.label,
                        column=col,
                        item=item_by_id.get(col.item) if col.item else None,
                        disposition=col.effective_disposition,
                        aliases=col.aliases,
                    ),
                    labels,
                )
        col_by_id = {c.id: c for c in cl.columns}
        for v in cl.violations:
            col = col_by_id[v.column]
            item_id = v.item or col.item
            codes.add(
                v.id,
                Code(
                    id=v.id,
                    label=v.label,
                    column=col,
                    item=item_by_id.get(item_id) if item_id else None,
                    disposition=v.disposition or col.effective_disposition,
                    aliases=v.aliases,
                ),
                (v.label, *v.aliases),
            )
        object.__setattr__(self, "categories", cats)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "columns", cols)
        object.__setattr__(self, "codes", codes)
        object.__setattr__(self, "revocations", revs)
        object.__setattr__(self, "tests", tests)
        object.__setattr__(self, "wording", MappingProxyType(dict(self.wording)))
        children: dict[str, list[str]] = {}
        for c in cl.categories:
            if c.parent:
                children.setdefault(c.parent, []).append(c.id)
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in children.items()})
        applies: dict[tuple[str, str, str | None], bool] = {}
        for col in cl.columns:
            for c in cl.categories:
                for own in (None, *(v.id for v in self.spec.ownership)):
                    applies[(col.id, c.id, own)] = self._compute_applies(col, c.id, own)
        object.__setattr__(self, "_applies", applies)
        for index in (cats, items, cols, codes, revs, tests):
            index.freeze()

    # a mapping proxy does not pickle (the on-disk cache of parsed rulesets pickles rulesets)
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["wording"] = dict(self.wording)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["wording"] = MappingProxyType(state["wording"])
        self.__dict__.update(state)

    # -- structure -------------------------------------------------------------------------

    @property
    def title(self) -> str:
        return self.checklist.title

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def ownership(self) -> Vocabulary:
        """The domain's ownership words (:class:`~.domains.Vocabulary`)."""
        hit: Vocabulary | None = self.__dict__.get("_vocabulary")
        if hit is None:
            hit = Vocabulary(self.spec.ownership)
            self.__dict__["_vocabulary"] = hit  # the same value whichever thread stores it
        return hit

    def children(self, category_id: str) -> tuple[str, ...]:
        """Direct child rows of a category (empty for a leaf)."""
        kids: dict[str, tuple[str, ...]] = self.__dict__["_children"]
        return kids.get(category_id, ())

    def leaves(self, category_id: str) -> tuple[str, ...]:
        """The leaf rows a category stands for (itself when it is a leaf)."""
        kids = self.children(category_id)
        if not kids:
            return (category_id,)
        out: list[str] = []
        for k in kids:
            out.extend(self.leaves(k))
        return tuple(out)

    def ancestors(self, category_id: str) -> tuple[str, ...]:
        cat = self.categories[category_id]
        out: list[str] = []
        while cat.parent:
            out.append(cat.parent)
            cat = self.categories[cat.parent]
        return tuple(out)

    def is_leaf(self, category_id: str) -> bool:
        return not self.children(category_id)

    def item_text(self, item_id: str) -> str:
        """The item's text as this plan words it (a plan's own wording wins)."""
        w = self.wording.get(item_id)
        return w.text if w is not None else self.items[item_id].text

    # -- applicability ---------------------------------------------------------------------

    def _expand(self, ids: tuple[str, ...]) -> set[str]:
        out: set[str] = set()
        for i in ids:
            out.add(i)
            out.update(self.leaves(i))
        return out

    def _compute_applies(self, column: Column, category_id: str, ownership: str | None) -> bool:
        rule = column.applies_to
        if rule is not None:
            if rule.categories is not None:
                allowed = self._expand(rule.categories)
                if category_id not in allowed and not set(self.leaves(category_id)) & allowed:
                    return False
            if rule.exclude and category_id in self._expand(rule.exclude):
                return False
            if rule.ownership is not None and ownership is not None and ownership != rule.ownership:
                return False
        for item in self.checklist.items:
            for r in item.restrictions:
                if (
                    item.id == column.item
                    and category_id in self._expand(r.categories)
                    and column.id not in r.only
                ):
                    return False
        return True

    def column_applies(
        self, column_id: str, category_id: str, ownership: str | None = None
    ) -> bool:
        """Whether a column applies to a row (and, if given, a unit of that ownership: an id of
        the domain's vocabulary).

        With ``ownership=None`` only the row is considered: that is the table's view, where a
        公立-only column still has a cell in every row.
        """
        table: dict[tuple[str, str, str | None], bool] = self.__dict__["_applies"]
        hit = table.get((column_id, category_id, ownership))
        if hit is None:  # an ownership the domain does not declare: as if none were given
            return table[(column_id, category_id, None)]
        return hit


@dataclass(frozen=True, eq=False)
class Ruleset:
    """A plan, fully resolved: ``extends`` merged, checklists attached, ready to use."""

    plan: Plan
    domains: Mapping[str, DomainRules]
    sources: Mapping[str, SourceDocument]
    chain: tuple[str, ...]
    origin: str
    specs: Mapping[str, Spec] = field(default_factory=dict)
    catalogue: DomainCatalogue = field(default_factory=lambda: DomainCatalogue(()))
    """Every domain the trees the plan was built from declare (not only the plan's)."""
    domain_index: Index[DomainRules] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not len(self.catalogue):  # built by hand: it knows its own domains
            known = DomainCatalogue(r.spec for r in self.domains.values())
            object.__setattr__(self, "catalogue", known)
        idx: Index[DomainRules] = Index("监督领域")
        for d, rules in self.domains.items():
            idx.add(d, rules, (*rules.spec.labels, *rules.spec.aliases))
        idx.freeze()
        object.__setattr__(self, "domain_index", idx)
        object.__setattr__(self, "domains", MappingProxyType(dict(self.domains)))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))
        object.__setattr__(self, "specs", MappingProxyType(dict(self.specs)))

    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if not k.startswith("_handling")}
        for name in ("domains", "sources", "specs"):
            state[name] = dict(state[name])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name in ("domains", "sources", "specs"):
            state[name] = MappingProxyType(state.get(name, {}))
        self.__dict__.update(state)

    @property
    def id(self) -> str:
        return self.plan.id

    @property
    def year(self) -> int:
        return self.plan.year

    @property
    def title(self) -> str:
        return self.plan.title

    @property
    def jurisdiction(self) -> Jurisdiction:
        return self.plan.jurisdiction

    @property
    def rounding(self) -> Rounding | None:
        return self.plan.rounding

    @property
    def deadlines(self) -> tuple[Deadline, ...]:
        return self.plan.deadlines or ()

    @property
    def lookback(self) -> tuple[LookBack, ...]:
        return self.plan.lookback or ()

    def domain(self, ref: str) -> DomainRules:
        """A domain of this plan by id (``medical``), label (``医疗机构``) or alias."""
        return self.domain_index[ref]

    def handling(self, ref: str) -> DomainHandling:
        """How this plan handles findings in a domain (an id or label): the plan's handling
        rules that apply to it, and the 重大医疗违法案件 criteria of the spec the plan names
        (:class:`~spotcheck_rules.ruleset.handling.DomainHandling`). Built once per domain."""
        dom = self.domain(ref).domain
        key = f"_handling_{dom}"
        hit: DomainHandling | None = self.__dict__.get(key)
        if hit is None:
            h = self.plan.handling
            spec = self.specs.get(h.criteria) if h is not None and h.criteria else None
            hit = domain_handling(dom, h, spec)
            self.__dict__[key] = hit  # the same value whichever thread stores it
        return hit

    def digest(self) -> str:
        """SHA-256 of the resolved content: what an audit record pins a draw or table to.

        Computed once (the ruleset is immutable); safe from any thread."""
        hit: str | None = self.__dict__.get("_digest")
        if hit is not None:
            return hit
        payload = {
            "plan": self.plan.model_dump(mode="json"),
            "checklists": {d: r.checklist.model_dump(mode="json") for d, r in self.domains.items()},
        }
        if self.specs:  # what a plan handles as a major case, and the methods it links to
            payload["specs"] = {k: s.model_dump(mode="json") for k, s in self.specs.items()}
        blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        digest = hashlib.sha256(blob.encode("utf-8")).hexdigest()
        self.__dict__["_digest"] = digest  # the same value whichever thread stores it
        return digest

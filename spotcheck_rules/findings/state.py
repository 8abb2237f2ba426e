"""Per domain of a plan, what the checker keeps: the caches of resolved references, the
duplicate table and the counts a table is made of (:class:`DomainState`). Which domains exist
is data: the ruleset's :class:`~spotcheck_rules.ruleset.domains.DomainCatalogue`."""

from __future__ import annotations

from ..ruleset.domains import FINDINGS_FIELDS
from ..ruleset.handling import DomainHandling
from ..ruleset.model import Column, Item
from ..ruleset.ruleset import Code, DomainRules
from .rules.applicability import Verdict
from .rules.handling import Clean
from .rules.references import SUBTOTAL_ROW, UNKNOWN_CATEGORY, Miss, resolve

__all__ = ["DomainState", "FastCode", "FastEntry", "FastRev"]


class DomainState:
    """Per domain of the plan: caches of resolved references and the duplicate table."""

    __slots__ = (
        "applies",
        "cases",
        "cat_cache",
        "cells",
        "cents",
        "clean",
        "code_cache",
        "col_pos",
        "domain",
        "handling",
        "inspected",
        "item_cache",
        "leaf_pos",
        "rev_cache",
        "rules",
        "seen",
        "unfit",
        "verdicts",
    )

    def __init__(self, rules: DomainRules, handling: DomainHandling) -> None:
        self.rules = rules
        # the plan's handling rules for the domain, and what the hot loop learnt of them
        self.handling = handling
        self.clean: Clean = {}
        self.domain = rules.domain
        # the optional findings fields the domain does not declare (F067): a record of the
        # domain that fills one takes the detailed path
        self.unfit = tuple(f for f in FINDINGS_FIELDS if not rules.spec.applies(f))
        cl = rules.checklist
        leaves = [c.id for c in cl.categories if rules.is_leaf(c.id)]
        self.leaf_pos = {cid: i for i, cid in enumerate(leaves)}
        self.col_pos = {c.id: i for i, c in enumerate(cl.columns)}
        self.applies = rules.column_applies
        # raw spelling → resolved value, or the problem it causes
        self.cat_cache: dict[str, tuple[int, str] | Miss] = {}
        self.code_cache: dict[str, Code | Miss] = {}
        self.item_cache: dict[str, Item | Miss] = {}
        self.rev_cache: dict[str, Column | Miss] = {}
        self.verdicts: dict[tuple[str, str, str | None], Verdict] = {}
        self.seen: dict[int, int] = {}
        # accepted units per leaf row: the 检查单位数 of the table, counted here because the
        # hot loop accepts most records without handing them on
        self.inspected = [0] * len(leaves)
        # what accepted records with violations or penalties add, per leaf row: units per
        # column position (violations and revocations), 查处案件数, 罚没款 in cents
        self.cells = [[0] * len(self.col_pos) for _ in leaves]
        self.cases = [0] * len(leaves)
        self.cents = [0] * len(leaves)

    def category(self, ref: str) -> tuple[int, str] | Miss:
        """A category spelling: (leaf row position, category id), or the problem it causes."""
        hit = self.cat_cache.get(ref)
        if hit is None:
            res = resolve(self.rules.categories, ref, UNKNOWN_CATEGORY)
            if isinstance(res, Miss):
                hit = res
            elif res.id in self.leaf_pos:
                hit = (self.leaf_pos[res.id], res.id)
            else:
                kids = tuple(self.rules.categories[k].label for k in self.rules.leaves(res.id))
                hit = SUBTOTAL_ROW.miss(res.label, kids)
            self.cat_cache[ref] = hit
        return hit


FastCode = tuple[int, str, int] | None
"""A violation spelling in the hot loop: (column position, code id, disposition bit), or
``None`` when it causes a problem."""
FastRev = tuple[int, str] | None
"""A revocation spelling in the hot loop: (column position, column id), or ``None``."""
FastEntry = tuple[DomainState, int, str, str | None, dict[str, FastCode], dict[str, FastRev]]
"""The hot loop's table for a (domain, category, ownership) spelling: (domain state, leaf row
position, category id, canonical ownership, violation spellings, revocation spellings)."""

"""Where changes are recorded: the collector, the plan or domain scope, fingerprints, pointers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..ruleset.documents import pointer_escape
from ..ruleset.model import Column, ColumnKind
from ..ruleset.ruleset import DomainRules
from .changes import RULES_BY_ID, Change, Entity, Json
from .matching import match_ids
from .textdiff import text_diff

_FINGERPRINT_LEN = 12


# --------------------------------------------------------------------------- helpers


def _fingerprint(
    rule: str, entity: Entity, domain: str | None, id_: str, old: Json, new: Json
) -> str:
    # The domain is hashed too: `category-added hospital` in two domains are two reviews.
    # Pointers and levels are not: moving a column or overriding a level keeps the review valid.
    blob = json.dumps(
        [rule, entity.value, domain, id_, old, new],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:_FINGERPRINT_LEN]


def quoted(label: str, id_: str) -> str:
    return f"「{label}」（{id_}）"


def json_pointer(*tokens: str | int) -> str:
    return "".join("/" + pointer_escape(t) for t in tokens)


def joined(values: Iterable[str]) -> str:
    vals = list(values)
    return "、".join(vals) if vals else "（无）"


# --------------------------------------------------------------------------- the collector


def _by_id(domain: str) -> tuple[int, str]:
    return (0, domain)


@dataclass
class Collector:
    changes: list[tuple[tuple[Any, ...], Change]] = field(default_factory=list)
    rank: Callable[[str], tuple[int, str]] = _by_id
    """The order of domains (the domain catalogue's: bundled domains first, as declared)."""

    def add(
        self,
        rule: str,
        *,
        domain: str | None,
        id: str,
        old_pointer: str | None,
        new_pointer: str | None,
        old: Json,
        new: Json,
        message: str,
        order: int = 0,
        text: tuple[str, str] | None = None,
        entity: Entity | None = None,
    ) -> None:
        r = RULES_BY_ID[rule]
        ent = entity or r.entity
        dom = domain or None
        change = Change(
            rule=rule,
            level=r.level,
            entity=ent,
            domain=dom,
            id=id,
            old_pointer=old_pointer,
            new_pointer=new_pointer,
            old=old,
            new=new,
            message=message,
            text_diff=text_diff(*text) if text is not None else None,
            fingerprint=_fingerprint(rule, ent, dom, id, old, new),
        )
        dom_rank = (-1, "") if domain is None else self.rank(domain)
        rule_rank = list(RULES_BY_ID).index(rule)
        self.changes.append(
            ((dom_rank, ent.rank, order, id, rule_rank, change.fingerprint), change)
        )

    def sorted(self) -> list[Change]:
        return [c for _, c in sorted(self.changes, key=lambda kc: kc[0])]


@dataclass
class Scope:
    """Where changes are recorded: a domain (or the plan itself) with the pointer base of each side."""

    col: Collector
    domain: str | None
    old_base: str
    new_base: str

    def add(self, rule: str, **kw: Any) -> None:
        self.col.add(rule, domain=self.domain, **kw)

    def ptr(self, side: str, *tokens: str | int) -> str:
        base = self.old_base if side == "old" else self.new_base
        return base + json_pointer(*tokens)

    def cl_ptr(self, side: str, *tokens: str | int) -> str:
        return self.ptr(side, "checklist", *tokens)

    def label_of(self, key: str, eid: str) -> str:
        """The label of a checklist entity (``categories``, ``columns``) by id, new side first."""
        return eid

    def cat_label(self, cid: str) -> str:
        return self.label_of("categories", cid)

    def ownership_label(self, ownership: str) -> str:
        """How an ownership id is named (the domain's word for it, new side first)."""
        return ownership

    def violation_column(self, side: str, eid: str) -> Column | None:
        """The violation_units column with this id on that side, if there is one."""
        return None

    def to_new(self, key: str, oid: str | None) -> str | None:
        """An old id of a checklist entity as the new side spells it (after ``renamed_from``)."""
        return oid


@dataclass
class Pair(Scope):
    """One domain compared: old and new rules."""

    domain: str
    old: DomainRules
    new: DomainRules
    _renamed: dict[str, dict[str, str]] = field(default_factory=dict)

    def label_of(self, key: str, eid: str) -> str:
        for rules in (self.new, self.old):
            for e in getattr(rules.checklist, key):
                if e.id == eid:
                    return str(e.label)
        return eid

    def ownership_label(self, ownership: str) -> str:
        for rules in (self.new, self.old):
            if rules.ownership.value(ownership) is not None:
                return rules.ownership.label(ownership)
        return ownership

    def violation_column(self, side: str, eid: str) -> Column | None:
        rules = self.old if side == "old" else self.new
        for c in rules.checklist.columns:
            if c.id == eid and c.kind is ColumnKind.VIOLATION_UNITS:
                return c
        return None

    def to_new(self, key: str, oid: str | None) -> str | None:
        if key not in self._renamed:
            old, new = getattr(self.old.checklist, key), getattr(self.new.checklist, key)
            self._renamed[key] = {o: n for n, o in match_ids(old, new).renamed.items()}
        return self._renamed[key].get(oid, oid) if oid else None

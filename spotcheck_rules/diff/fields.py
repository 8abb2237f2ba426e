"""Compared fields: one field of an entity on both sides, its rule, value and message."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..ruleset.model import Applicability, Provenance
from .changes import Entity, Json
from .scopes import Scope, joined


@dataclass(frozen=True)
class Both:
    """One entity on both sides, as a field's message sees it."""

    p: Scope
    o: Any
    n: Any
    what: str  # the kind's noun: 单位类别
    q: str  # how messages name the new entity: 「…」（id）
    old: Json  # the field's value on each side
    new: Json


def _differs(b: Both) -> bool:

    return bool(b.old != b.new)


@dataclass(frozen=True)
class FieldSpec:
    """One compared field of an entity: its rule, value, pointer, and the message when it changes."""

    rule: str
    value: Callable[[Any], Json]
    message: Callable[[Both], str]
    at: tuple[str, ...] = ()  # pointer tokens below the entity; () points at the entity itself
    text: Callable[[Both], tuple[str, str] | None] | None = None  # (old, new) to diff by character
    differs: Callable[[Both], bool] = _differs
    entity: Entity | None = None  # only provenance, which every entity has, names its entity


def text_of(get: Callable[[Any], str | None]) -> Callable[[Both], tuple[str, str]]:
    return lambda b: (get(b.o) or "", get(b.n) or "")


def compare(
    p: Scope,
    fields: Iterable[FieldSpec],
    o: Any,
    n: Any,
    *,
    id: str,
    order: int,
    at: Callable[[str, tuple[str, ...]], str],
    what: str = "",
    q: str = "",
) -> None:
    """Record every field that changed between ``o`` and ``n``, one entity on both sides."""
    for f in fields:
        b = Both(p, o, n, what, q, f.value(o), f.value(n))
        if f.differs(b):
            p.add(
                f.rule,
                entity=f.entity,
                id=id,
                old_pointer=at("old", f.at),
                new_pointer=at("new", f.at),
                old=b.old,
                new=b.new,
                message=f.message(b),
                order=order,
                text=f.text(b) if f.text else None,
            )


def plus_minus(old: Sequence[str], new: Sequence[str], plus: str, minus: str) -> str:
    added = [x for x in new if x not in old]
    dropped = [x for x in old if x not in new]
    bits = (
        f"{plus}{joined(added)}" if added else "",
        f"{minus}{joined(dropped)}" if dropped else "",
    )
    return "；".join(x for x in bits if x)


def _aliases_message(b: Both) -> str:
    detail = plus_minus(b.old, b.new, "新增 ", "删去 ")
    return f"{b.what}{b.q}的别名改变：{detail}" if detail else f"{b.what}{b.q}的别名顺序改变"


def aliases_field(rule: str) -> FieldSpec:
    return FieldSpec(rule, lambda e: list(e.aliases), _aliases_message, ("aliases",))


def provenance_field(entity: Entity) -> FieldSpec:
    return FieldSpec(
        "provenance-changed",
        lambda e: _provenance(e.provenance),
        lambda b: f"{b.what}{b.q}的出处改变",
        ("provenance",),
        entity=entity,
    )


def applicability_field(rule: str) -> FieldSpec:
    return FieldSpec(
        rule,
        lambda e: _applicability(e.applies_to),
        lambda b: (
            f"{b.what}{b.q}的适用范围由「{_applicability_text(b.old, b.p)}」"
            f"改为「{_applicability_text(b.new, b.p)}」"
        ),
    )


def relabelled_field(rule: str, heading: str) -> FieldSpec:
    return FieldSpec(
        rule,
        lambda e: e.label,
        lambda b: f"{b.what} {b.n.id} {heading}改为「{b.new}」（原为「{b.old}」）",
        ("label",),
        text=text_of(lambda e: e.label),
    )


def _applicability(a: Applicability | None) -> Json:
    if a is None:
        return None
    return a.model_dump(mode="json", exclude={"provenance"})


def _applicability_text(a: Json, scope: Scope) -> str:
    name = scope.cat_label
    if not a:
        return "全部类别"
    parts = []
    if a.get("categories") is not None:
        parts.append("仅 " + joined(name(c) for c in a["categories"]))
    if a.get("exclude"):
        parts.append("不含 " + joined(name(c) for c in a["exclude"]))
    if a.get("ownership"):
        parts.append("仅" + scope.ownership_label(a["ownership"]))
    return "，".join(parts) or "全部类别"


def _provenance(p: Provenance | None) -> Json:
    return None if p is None else p.model_dump(mode="json")

"""The content of the on-site checklist (监督检查表) of one domain, taken from the ruleset.

:func:`build_checklist` gathers what an inspector's form holds — the header (the unit's
categories as boxes, or the one chosen with ``category``; 所有制 where the domain has an ownership
rule; two 执法人员, as 双随机 needs two), each applicable item with its check points, whether it
may be marked 合理缺项, the restrictions and applicability notes the plan states, the summary
columns it feeds, and its inspection methods when the ruleset has them; the dispositions; the
ruleset's id and digest — as a :class:`ChecklistForm` that :mod:`.printing` lays out. With
``category``, an item (or a whole item) that does not apply to that category is left out.

May import: ``findings``, ``ruleset``, ``core``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ruleset import views
from ..ruleset.model import ColumnKind, Item
from ..ruleset.ruleset import DomainRules, Ruleset
from .entry import ownership_choices, uses_ownership

__all__ = [
    "ChecklistForm",
    "ChecklistItem",
    "ChecklistTest",
    "build_checklist",
    "item_methods",
]

DISPOSITIONS = ("下达监督意见书", "立案查处", "移交（移送）")
"""The 处理意见 boxes: the three ways an inspection ends in the plans (监督意见书, 立案, 移交)."""


@dataclass(frozen=True)
class ChecklistItem:
    """One 检查内容 as the form prints it."""

    id: str
    number: int
    title: str
    text: str
    points: tuple[str, ...]
    allows_not_applicable: bool
    feeds: tuple[str, ...]  # the 汇总表 columns its violations count in
    notes: tuple[str, ...]  # restrictions and applicability, as the plan words them
    methods: tuple[str, ...]  # 检查方法 (seed 003), when the ruleset has them


@dataclass(frozen=True)
class ChecklistTest:
    """One 检测项目 of the form: its number, text and points, with ☐合格 ☐不合格."""

    id: str
    number: int
    text: str
    points: tuple[str, ...]
    standards: str  # the standards it is judged against, as the table names them


@dataclass(frozen=True)
class ChecklistForm:
    """A whole 监督检查表: header, items, closing, and what it was generated from."""

    ruleset_id: str
    digest: str
    plan_title: str
    jurisdiction: str
    domain: str
    domain_label: str
    title: str
    categories: tuple[str, ...]  # boxes to tick, or the one chosen
    category: str | None
    ownership: tuple[str, ...]  # the ownerships to tick (the domain's words), none if unused
    items: tuple[ChecklistItem, ...]
    tests: tuple[ChecklistTest, ...] = ()  # 检测项目, where the checklist has them
    footnotes: tuple[str, ...] = ()  # the table's notes (a. …), as it prints them
    dispositions: tuple[str, ...] = DISPOSITIONS


def item_methods(ruleset: Ruleset, rules: DomainRules, item: Item) -> tuple[str, ...]:
    """The inspection methods (检查方法, seed 003) linked to an item, as the form prints them:
    each method's text and where the spec states it, marked 〔推断〕 when the link is inferred;
    a link saying that no method applies prints nothing. Empty when the ruleset links none.

    The one place a method enters the form (:func:`~spotcheck_rules.ruleset.views.item_methods`
    resolves the links, as ``show`` does)."""
    out = []
    for m in views.item_methods(ruleset, rules, item):
        if m["area"] is None or not m["text"]:
            continue
        mark = "〔推断〕" if m["inferred"] else ""
        out.append(f"{mark}{m['text']}（{m['cite']}）")
    return tuple(out)


def _expand(rules: DomainRules, ids: tuple[str, ...]) -> set[str]:
    out: set[str] = set()
    for i in ids:
        out.add(i)
        out.update(rules.leaves(i))
    return out


def item_applies(rules: DomainRules, item: Item, category: str) -> bool:
    """Whether an item is checked at a unit of ``category`` (an id): its own applicability
    (categories, exclusions; ownership is a header field, so it is a note, not a filter), and at
    least one of its summary columns applying to the category when it has any."""
    rule = item.applies_to
    if rule is not None:
        if rule.categories is not None:
            allowed = _expand(rules, rule.categories)
            if category not in allowed and not set(rules.leaves(category)) & allowed:
                return False
        if rule.exclude and category in _expand(rules, rule.exclude):
            return False
    cols = [c for c in rules.checklist.columns if c.item == item.id]
    return not cols or any(rules.column_applies(c.id, category) for c in cols)


def _notes(rules: DomainRules, item: Item, category: str | None) -> tuple[str, ...]:
    out = []
    for r in item.restrictions:
        if category is None or category in _expand(rules, r.categories):
            out.append(r.text)
    rule = item.applies_to
    if rule is not None and rule.ownership is not None:
        out.append(f"仅适用于{rules.ownership.units(rule.ownership)}")
    return tuple(out)


def build_checklist(ruleset: Ruleset, domain: str, category: str | None = None) -> ChecklistForm:
    """The checklist of one domain of the plan; with ``category`` (an id, label or alias), only
    what applies to that category."""
    rules = ruleset.domain(domain)
    cl = rules.checklist
    chosen = rules.categories[category] if category is not None else None
    items = []
    for it in cl.items:
        if chosen is not None and not item_applies(rules, it, chosen.id):
            continue
        feeds = tuple(
            c.label
            for c in cl.columns
            if c.item == it.id
            and c.kind is ColumnKind.VIOLATION_UNITS
            and (chosen is None or rules.column_applies(c.id, chosen.id))
        )
        items.append(
            ChecklistItem(
                id=it.id,
                number=it.number,
                title=it.title,
                text=rules.item_text(it.id),
                points=it.points,
                allows_not_applicable=it.optional,
                feeds=feeds,
                notes=_notes(rules, it, None if chosen is None else chosen.id),
                methods=item_methods(ruleset, rules, it),
            )
        )
    leaves = tuple(c.label for c in cl.categories if rules.is_leaf(c.id))
    return ChecklistForm(
        ruleset_id=ruleset.id,
        digest=ruleset.digest(),
        plan_title=ruleset.title,
        jurisdiction=ruleset.jurisdiction.name,
        domain=rules.domain,
        domain_label=rules.label,
        title=f"{rules.label}监督检查表",
        categories=(chosen.label,) if chosen is not None else leaves,
        category=None if chosen is None else chosen.label,
        ownership=ownership_choices(rules) if uses_ownership(rules) else (),
        items=tuple(items),
        tests=tuple(
            ChecklistTest(
                id=t.id,
                number=t.number,
                text=t.text,
                points=t.points,
                standards="、".join(
                    f"《{s.title}》({s.code})" if s.title else s.code for s in t.standards
                ),
            )
            for t in cl.tests
            if t.item is None or t.item in {i.id for i in items}
        ),
        footnotes=tuple(f"{f.marker}. {f.text}" for f in cl.footnotes),
    )

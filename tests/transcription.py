"""Checks shared by the transcription tests (tests/test_transcription_*.py).

Each test module keeps its own golden data and domain checks; what every checklist must satisfy
against its source texts (see :mod:`seedtext`) lives here. These helpers are not rewritten by
pytest, so every assertion carries its own message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import seedtext

from spotcheck_rules.core.text import normalize
from spotcheck_rules.ruleset.documents import read_yaml
from spotcheck_rules.ruleset.model import Checklist, Column, ColumnKind, Item

RULESETS = Path(__file__).resolve().parent.parent / "rulesets"
PENALTIES = "行政处罚情况"  # the group of the penalty columns, last in every summary table


def nested_groups(
    top: str, subgroups: Sequence[tuple[str, int]], penalties: int, census: int = 0
) -> list[tuple[str, ...]]:
    """Column groups of a summary table, as its spanning headers print them: ``census`` columns
    with no group, then ``n`` columns under ``top`` › ``sub`` for each ``(sub, n)``, then
    ``penalties`` columns under 行政处罚情况."""
    return (
        [()] * census
        + [(top, sub) for sub, n in subgroups for _ in range(n)]
        + [(PENALTIES,)] * penalties
    )


def load(domain: str, year: int) -> Checklist:
    """The bundled checklist of ``domain`` in ``year``."""
    path = RULESETS / str(year) / "checklists" / f"{domain}.yaml"
    return Checklist.model_validate(read_yaml(path).data)


def keys(labels: Iterable[str]) -> list[str]:
    """Matching keys of labels (as :func:`seedtext.flat` reads the seed)."""
    return [normalize(label) for label in labels]


def find_in_order(haystack: str, needles: Sequence[str]) -> list[int]:
    """Positions of each needle, each searched after the end of the previous one."""
    positions, pos = [], 0
    for needle in needles:
        i = haystack.find(needle, pos)
        assert i >= 0, f"{needle!r} not found after position {pos} (missing or out of order)"
        positions.append(i)
        pos = i + len(needle)
    return positions


def key_fragments(column: Column) -> list[str]:
    """What the seed prints for a column: its label, or the fragments of its source_label."""
    if column.source_label is None:
        return [normalize(column.label)]
    return seedtext.fragments(column.source_label)


def column_keys(columns: Iterable[Column]) -> list[str]:
    """The key fragments of the columns, one after the other."""
    return [f for col in columns for f in key_fragments(col)]


def assert_cross_references(c: Checklist, domain: str, year: int) -> None:
    """Ids unique and resolved, parents before children, items numbered 1…n, points quoted."""
    assert (c.year, c.domain) == (year, domain), (c.year, c.domain)
    for entities in (c.categories, c.items, c.columns, c.violations):
        ids = [e.id for e in entities]
        assert len(ids) == len(set(ids)), ids
    items = {i.id for i in c.items}
    cols = {k.id for k in c.columns}
    cats: set[str] = set()
    for k in c.categories:
        assert k.parent is None or k.parent in cats, k.id  # parent exists and comes first
        cats.add(k.id)
    for col in c.columns:
        if col.kind is ColumnKind.VIOLATION_UNITS:
            assert col.item in items, col.id
        else:
            assert col.item is None, col.id
        if col.applies_to:
            scope = set(col.applies_to.categories or ()) | set(col.applies_to.exclude)
            assert scope <= cats, (col.id, scope - cats)
    for item in c.items:
        for r in item.restrictions:
            assert set(r.categories) <= cats, (item.id, r.categories)
            assert set(r.only) <= cols, (item.id, r.only)
    for code in c.violations:
        assert code.column in cols, code.id
        assert code.item is None or code.item in items, code.id
    numbers = [i.number for i in c.items]
    assert numbers == list(range(1, len(c.items) + 1)), numbers
    for item in c.items:
        for point in item.points:
            assert normalize(point) in normalize(item.text), (item.id, point)


def assert_columns_golden(
    c: Checklist, labels: Sequence[str], groups: Sequence[tuple[str, ...]]
) -> None:
    """The columns' labels and groups, in order, are exactly the golden ones."""
    got = [col.label for col in c.columns]
    assert got == list(labels), f"labels differ from the golden ones:\n{got}\n!=\n{list(labels)}"
    got_groups = [col.groups for col in c.columns]
    assert got_groups == list(groups), (
        f"groups differ from the golden ones:\n{got_groups}\n!=\n{list(groups)}"
    )


def assert_columns_in_order(summary: str, columns: Iterable[Column]) -> None:
    """Every column (or every fragment of a damaged one) is in ``summary``, in that order."""
    find_in_order(summary, column_keys(columns))


def assert_plan_rows_and_items(
    plan: str, c: Checklist, items: Iterable[Item] | None = None
) -> None:
    """The plan table names the checklist and prints its rows, then its items, in order."""
    assert normalize(c.plan_table_title) in plan, c.plan_table_title
    find_in_order(plan, keys(k.label for k in c.categories))
    find_in_order(plan, keys(i.text for i in (c.items if items is None else items)))


def assert_summary_rows(summary: str, c: Checklist) -> None:
    """The summary table prints the rows in order, then 合计."""
    find_in_order(summary, [*keys(k.label for k in c.categories), "合计"])


def assert_columns_carried_from(
    c24: Checklist,
    c25: Checklist,
    *,
    dropped: Iterable[str] = (),
    items_differ: Iterable[str] = (),
) -> None:
    """county2024 has no 汇总表: the 2024 columns are the 2025 ones (but ``dropped``), in the
    same order, each inferred and equal to its 2025 column in label, groups, kind and (but for
    ``items_differ``) item. The codes are inferred too."""
    dropped, items_differ = set(dropped), set(items_differ)
    assert c24.provenance.inferred, "the 2024 checklist is not marked inferred"
    ids25 = [col.id for col in c25.columns]
    assert dropped <= set(ids25), dropped - set(ids25)
    ids24 = [col.id for col in c24.columns]
    assert ids24 == [i for i in ids25 if i not in dropped], (ids24, ids25)
    by_id = {col.id: col for col in c25.columns}
    for col in c24.columns:
        assert col.provenance.inferred, col.id
        assert "county2024 has no 汇总表" in col.provenance.inferred, col.id
        col25 = by_id[col.id]
        assert (col.label, col.groups, col.kind) == (col25.label, col25.groups, col25.kind), col.id
        if col.id in items_differ:
            assert col.item != col25.item, col.id
        else:
            assert col.item == col25.item, (col.id, col.item, col25.item)
    for code in c24.violations:
        assert code.provenance.inferred, code.id

"""The rule of lab-test results (F070): a record's ``tests`` map the checklist's 检测项目 (by id
or alias) to passed (``true``) or failed (``false``); and which 检测单位数 / 检测合格单位数 columns
a unit's results count in (:func:`tested_columns`), so every path counts them the same way."""

from __future__ import annotations

from collections.abc import Mapping

from ...core.text import preview
from ...ruleset.model import ColumnKind
from ...ruleset.ruleset import DomainRules
from .base import Found, register
from .references import Miss, UnknownReference, resolve

__all__ = ["TESTED_KINDS", "UNKNOWN_TEST", "UnknownTest", "tested_columns"]

TESTED_KINDS = frozenset({ColumnKind.TESTED_UNITS, ColumnKind.PASSED_UNITS})


class UnknownTest(UnknownReference):
    """F070: a result for a lab test the checklist does not have (or a domain without tests)."""

    def __init__(self) -> None:
        super().__init__(
            "F070", "tests", "检测项目", "ruleset: the checklist's lab tests (检测项目)"
        )

    def no_tests(self, domain: str) -> Found:
        return Found(self.code, self.text(1, domain=domain), "tests")

    def not_a_result(self, ref: str, value: object) -> str:
        return self.text(2, ref=ref, value=preview(value))


UNKNOWN_TEST = register(UnknownTest())


def tested_columns(
    rules: DomainRules,
    col_pos: Mapping[str, int],
    cat_id: str,
    results: Mapping[str, bool],
) -> tuple[set[int], list[Found], tuple[tuple[str, bool], ...]]:
    """The column positions a unit's lab-test ``results`` count in, the problems of its
    references, and the resolved results (sorted: part of its duplicate fingerprint).

    A ``tested_units`` column counts the unit when it has a result for one of the column's
    ``tests`` (any test when it names none); a ``passed_units`` column when, besides, each of
    those results passed. Outside the column's rows the unit is not counted (the cell is "/")."""
    found: list[Found] = []
    cl = rules.checklist
    if not cl.tests:
        return set(), [UNKNOWN_TEST.no_tests(rules.label)], ()
    resolved: dict[str, bool] = {}
    for ref, passed in results.items():
        hit = resolve(rules.tests, ref, UNKNOWN_TEST)
        if isinstance(hit, Miss):
            found.append(Found(hit.code, hit.message, "tests", hit.suggestions))
            continue
        resolved[hit.id] = resolved.get(hit.id, True) and passed
    cols: set[int] = set()
    for col in cl.columns:
        if col.kind not in TESTED_KINDS or not rules.column_applies(col.id, cat_id, None):
            continue
        got = [ok for tid, ok in resolved.items() if not col.tests or tid in col.tests]
        if got and (col.kind is ColumnKind.TESTED_UNITS or all(got)):
            cols.add(col_pos[col.id])
    return cols, found, tuple(sorted(resolved.items()))

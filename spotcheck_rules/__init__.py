"""spotcheck_rules: China's yearly health-supervision spot-check plans as versioned rulesets.

Load a plan, look up its rows, items and columns, and (in the submodules) validate findings,
build the official 汇总表, compare years and draw samples::

    >>> from spotcheck_rules import load_ruleset
    >>> rs = load_ruleset("shanxi/2025")
    >>> rs.domain("医疗机构").categories["村卫生室"].id
    'village_clinic'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    Problem,
    RulesetError,
    Severity,
    SpotcheckError,
    UnknownRulesetError,
    UsageError,
)
from .loader import RulesetInfo, check_files, list_rulesets, load_ruleset
from .model import Checklist, Column, ColumnKind, Disposition, Domain, Plan, Tier
from .reference import AmbiguousReferenceError, UnknownReferenceError
from .ruleset import Code, DomainRules, Ruleset
from .text import normalize

# Heavier parts (findings, xlsx, diff, draws) load on first use, so that loading a plan in a
# fresh process stays fast; the names are still importable from here.
_LAZY = {
    "AggregateResult": "tables",
    "AggregationError": "aggregation",
    "Finding": "findings",
    "RecordOutcome": "validation",
    "SummaryTable": "tables",
    "TableColumn": "tables",
    "TableRow": "tables",
    "ValidationReport": "validation",
    "aggregate": "aggregation",
    "merge": "aggregation",
    "read_records": "findings",
    "render_csv": "report",
    "render_table": "report",
    "render_xlsx": "report",
    "validate": "validation",
    "validate_one": "validation",
    "Assignment": "inspectors",
    "Change": "diff",
    "ChangeLevel": "diff",
    "Diff": "diff",
    "diff_rulesets": "diff",
    "Audit": "audit",
    "Draw": "sampling",
    "assign_inspectors": "inspectors",
    "audit_record": "audit",
    "draw": "sampling",
    "read_audit": "audit",
    "read_inspectors": "roster",
    "read_roster": "roster",
    "verify": "sampling",
}

if TYPE_CHECKING:
    from .aggregation import AggregationError, aggregate, merge
    from .audit import Audit, audit_record, read_audit
    from .diff import Change, ChangeLevel, Diff, diff_rulesets
    from .findings import Finding, read_records
    from .inspectors import Assignment, assign_inspectors
    from .report import render_csv, render_table, render_xlsx
    from .roster import read_inspectors, read_roster
    from .sampling import Draw, draw, verify
    from .tables import AggregateResult, SummaryTable, TableColumn, TableRow
    from .validation import RecordOutcome, ValidationReport, validate, validate_one


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'spotcheck_rules' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AggregateResult",
    "AggregationError",
    "AmbiguousReferenceError",
    "Assignment",
    "Audit",
    "Change",
    "ChangeLevel",
    "Checklist",
    "Code",
    "Column",
    "ColumnKind",
    "Diff",
    "Disposition",
    "Domain",
    "DomainRules",
    "Draw",
    "Finding",
    "Plan",
    "Problem",
    "RecordOutcome",
    "Ruleset",
    "RulesetError",
    "RulesetInfo",
    "Severity",
    "SpotcheckError",
    "SummaryTable",
    "TableColumn",
    "TableRow",
    "Tier",
    "UnknownReferenceError",
    "UnknownRulesetError",
    "UsageError",
    "ValidationReport",
    "aggregate",
    "assign_inspectors",
    "audit_record",
    "check_files",
    "diff_rulesets",
    "draw",
    "list_rulesets",
    "load_ruleset",
    "merge",
    "normalize",
    "read_audit",
    "read_inspectors",
    "read_records",
    "read_roster",
    "render_csv",
    "render_table",
    "render_xlsx",
    "validate",
    "validate_one",
    "verify",
]

"""spotcheck_rules: China's yearly health-supervision spot-check plans as versioned rulesets.

Load a plan, look up its rows, items and columns, validate findings, build the official 汇总表,
compare years and draw samples::

    >>> from spotcheck_rules import load_ruleset
    >>> rs = load_ruleset("shanxi/2025")
    >>> rs.domain("医疗机构").categories["村卫生室"].id
    'village_clinic'
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

# Every public name loads on first use (``import spotcheck_rules`` imports nothing heavy), and
# is importable from here all the same. No submodule is named like a public name: importing a
# submodule sets the package attribute of its name (tests/test_api.py keeps them apart).
_LAZY = {
    "CheckReport": "errors",
    "Problem": "errors",
    "ProblemBase": "errors",
    "Report": "errors",
    "RulesetError": "errors",
    "Severity": "errors",
    "SpotcheckError": "errors",
    "UnknownRulesetError": "errors",
    "UsageError": "errors",
    "RulesetInfo": "loader",
    "check_files": "loader",
    "list_rulesets": "loader",
    "load_ruleset": "loader",
    "load_ruleset_file": "loader",
    "Checklist": "model",
    "Column": "model",
    "ColumnKind": "model",
    "Disposition": "model",
    "Domain": "model",
    "Plan": "model",
    "Tier": "model",
    "AmbiguousReferenceError": "reference",
    "UnknownReferenceError": "reference",
    "Code": "ruleset",
    "DomainRules": "ruleset",
    "Ruleset": "ruleset",
    "normalize": "text",
    "describe": "views",
    "schema": "schemas",
    "AggregateResult": "tables",
    "AggregationError": "aggregation",
    "Finding": "findings",
    "FindingsReadError": "findings",
    "RecordOutcome": "validation",
    "SummaryTable": "tables",
    "TableColumn": "tables",
    "TableRow": "tables",
    "ValidationReport": "validation",
    "Validator": "validation",
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
    "RosterError": "roster",
    "verify": "verification",
}

# Importing is thread-safe in itself; the lock makes the first look-up of a name atomic too, so
# that no thread ever sees a half-set or wrong global.
_lazy_lock = threading.RLock()

if TYPE_CHECKING:
    from .aggregation import AggregationError, aggregate, merge
    from .audit import Audit, audit_record, read_audit
    from .diff import Change, ChangeLevel, Diff, diff_rulesets
    from .errors import (
        CheckReport,
        Problem,
        ProblemBase,
        Report,
        RulesetError,
        Severity,
        SpotcheckError,
        UnknownRulesetError,
        UsageError,
    )
    from .findings import Finding, FindingsReadError, read_records
    from .inspectors import Assignment, assign_inspectors
    from .loader import RulesetInfo, check_files, list_rulesets, load_ruleset, load_ruleset_file
    from .model import Checklist, Column, ColumnKind, Disposition, Domain, Plan, Tier
    from .reference import AmbiguousReferenceError, UnknownReferenceError
    from .report import render_csv, render_table, render_xlsx
    from .roster import RosterError, read_inspectors, read_roster
    from .ruleset import Code, DomainRules, Ruleset
    from .sampling import Draw, draw
    from .schemas import schema
    from .tables import AggregateResult, SummaryTable, TableColumn, TableRow
    from .text import normalize
    from .validation import RecordOutcome, ValidationReport, Validator, validate, validate_one
    from .verification import verify
    from .views import describe


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'spotcheck_rules' has no attribute {name!r}")
    with _lazy_lock:
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "AggregateResult",
    "AggregationError",
    "AmbiguousReferenceError",
    "Assignment",
    "Audit",
    "Change",
    "ChangeLevel",
    "CheckReport",
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
    "FindingsReadError",
    "Plan",
    "Problem",
    "ProblemBase",
    "RecordOutcome",
    "Report",
    "RosterError",
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
    "Validator",
    "aggregate",
    "assign_inspectors",
    "audit_record",
    "check_files",
    "describe",
    "diff_rulesets",
    "draw",
    "list_rulesets",
    "load_ruleset",
    "load_ruleset_file",
    "merge",
    "normalize",
    "read_audit",
    "read_inspectors",
    "read_records",
    "read_roster",
    "render_csv",
    "render_table",
    "render_xlsx",
    "schema",
    "validate",
    "validate_one",
    "verify",
]

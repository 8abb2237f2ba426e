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
    "CheckReport": "core.checkreport",
    "Problem": "core.errors",
    "ProblemBase": "core.errors",
    "Report": "core.errors",
    "RulesetError": "core.errors",
    "Severity": "core.errors",
    "SpotcheckError": "core.errors",
    "UnknownRulesetError": "core.errors",
    "UsageError": "core.errors",
    "RulesetInfo": "ruleset.loader",
    "check_files": "ruleset.loader",
    "list_rulesets": "ruleset.loader",
    "load_ruleset": "ruleset.loader",
    "load_ruleset_file": "ruleset.loader",
    "DomainCatalogue": "ruleset.domains",
    "DomainSpec": "ruleset.domains",
    "Checklist": "ruleset.model",
    "Column": "ruleset.model",
    "ColumnKind": "ruleset.model",
    "Disposition": "ruleset.model",
    "Plan": "ruleset.model",
    "Tier": "ruleset.model",
    "AmbiguousReferenceError": "ruleset.reference",
    "UnknownReferenceError": "ruleset.reference",
    "Code": "ruleset.ruleset",
    "DomainRules": "ruleset.ruleset",
    "Ruleset": "ruleset.ruleset",
    "normalize": "core.text",
    "describe": "ruleset.views",
    "schema": "schemas.catalogue",
    "AggregateResult": "tables.result",
    "AggregationError": "tables.aggregation",
    "Finding": "findings.models",
    "FindingsReadError": "findings.readers",
    "RecordOutcome": "findings.validation",
    "SummaryTable": "tables.result",
    "TableColumn": "tables.result",
    "TableRow": "tables.result",
    "ValidationReport": "findings.validation",
    "Validator": "findings.validation",
    "aggregate": "tables.aggregation",
    "merge": "tables.merging",
    "read_records": "findings.readers",
    "render_csv": "tables.report",
    "render_table": "tables.report",
    "render_xlsx": "tables.report",
    "validate": "findings.validation",
    "validate_one": "findings.validation",
    "Assignment": "draws.inspectors",
    "Change": "diff.changes",
    "ChangeLevel": "diff.changes",
    "Diff": "diff.changes",
    "diff_rulesets": "diff.comparison",
    "Audit": "draws.audit",
    "Draw": "draws.sampling",
    "assign_inspectors": "draws.inspectors",
    "audit_record": "draws.audit",
    "draw": "draws.sampling",
    "read_audit": "draws.audit",
    "read_inspectors": "draws.roster",
    "read_roster": "draws.roster",
    "RosterError": "draws.reading",
    "verify": "draws.verification",
}

# Importing is thread-safe in itself; the lock makes the first look-up of a name atomic too, so
# that no thread ever sees a half-set or wrong global.
_lazy_lock = threading.RLock()

if TYPE_CHECKING:
    from .core.checkreport import CheckReport
    from .core.errors import (
        Problem,
        ProblemBase,
        Report,
        RulesetError,
        Severity,
        SpotcheckError,
        UnknownRulesetError,
        UsageError,
    )
    from .core.text import normalize
    from .diff.changes import Change, ChangeLevel, Diff
    from .diff.comparison import diff_rulesets
    from .draws.audit import Audit, audit_record, read_audit
    from .draws.inspectors import Assignment, assign_inspectors
    from .draws.reading import RosterError
    from .draws.roster import read_inspectors, read_roster
    from .draws.sampling import Draw, draw
    from .draws.verification import verify
    from .findings.models import Finding
    from .findings.readers import FindingsReadError, read_records
    from .findings.validation import (
        RecordOutcome,
        ValidationReport,
        Validator,
        validate,
        validate_one,
    )
    from .ruleset.domains import DomainCatalogue, DomainSpec
    from .ruleset.loader import (
        RulesetInfo,
        check_files,
        list_rulesets,
        load_ruleset,
        load_ruleset_file,
    )
    from .ruleset.model import Checklist, Column, ColumnKind, Disposition, Plan, Tier
    from .ruleset.reference import AmbiguousReferenceError, UnknownReferenceError
    from .ruleset.ruleset import Code, DomainRules, Ruleset
    from .ruleset.views import describe
    from .schemas.catalogue import schema
    from .tables.aggregation import AggregationError, aggregate
    from .tables.merging import merge
    from .tables.report import render_csv, render_table, render_xlsx
    from .tables.result import AggregateResult, SummaryTable, TableColumn, TableRow


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
    "DomainCatalogue",
    "DomainRules",
    "DomainSpec",
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

"""spotcheck_rules: China's yearly health-supervision spot-check plans as versioned rulesets.

Load a plan, look up its rows, items and columns, and (in the submodules) validate findings,
build the official 汇总表, compare years and draw samples::

    >>> from spotcheck_rules import load_ruleset
    >>> rs = load_ruleset("shanxi/2025")
    >>> rs.domain("医疗机构").categories["村卫生室"].id
    'village_clinic'
"""

from __future__ import annotations

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

__all__ = [
    "AmbiguousReferenceError",
    "Checklist",
    "Code",
    "Column",
    "ColumnKind",
    "Disposition",
    "Domain",
    "DomainRules",
    "Plan",
    "Problem",
    "Ruleset",
    "RulesetError",
    "RulesetInfo",
    "Severity",
    "SpotcheckError",
    "Tier",
    "UnknownReferenceError",
    "UnknownRulesetError",
    "UsageError",
    "check_files",
    "list_rulesets",
    "load_ruleset",
    "normalize",
]

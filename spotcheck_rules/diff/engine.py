"""The ruleset diff: what changed between two plans, and what that breaks downstream.

This module is the diff package's public API: every name in ``__all__`` is importable from here,
whichever module of the package owns it (:mod:`.changes` the change model and rules,
:mod:`.sides` the sides, :mod:`.textdiff` character diffs, :mod:`.comparison` the walk over two
rulesets, :mod:`.renames` rename suggestions, :mod:`.reviews` levels and acknowledgements files,
:mod:`.rendering` the text, Markdown and JSON outputs, :mod:`.changelogs` docs/changes/).

Every spring a new national plan arrives and every province republishes it with changes. A
program or spreadsheet that consumes our summary tables needs to know *exactly* what moved, and
which of those moves break it. The package compares two resolved rulesets and returns a list of
:class:`Change` records, each with a stable rule id, a level, JSON pointers into both sides, the
old and new values, a Chinese message for supervision officers and a fingerprint that a reviewer
can acknowledge.

Design decisions (documented for users in docs/diff.md):

* Entities are matched **by stable id only**. A label that looks similar is never taken as the
  same entity: guessing wrong would silently splice two different series of numbers. A ruleset
  records a rename with ``renamed_from`` and a split with ``replaces``; :func:`suggest_renames`
  lists likely pairs as information, never as a match.
* Levels are from the point of view of a consumer of the summary tables: ``breaking`` means its
  code or its spreadsheet no longer fits, ``dangerous`` means it still fits but numbers are no
  longer comparable year on year, ``additive`` means something new appeared, ``info`` is wording.
* Output is deterministic: same inputs, same bytes. Change logs in docs/changes/ are generated
  from it and a test fails when they are stale.
"""

from __future__ import annotations

from .changelogs import (
    CHANGELOGS,
    changelog_pages,
    check_changelogs,
    render_changelog,
    write_changelogs,
)
from .changes import (
    RULES,
    RULES_BY_ID,
    Change,
    ChangeLevel,
    Diff,
    Entity,
    RenameSuggestion,
    Rule,
    SideInfo,
    Summary,
    diff_json_schema,
    rules_table,
)
from .comparison import diff_rulesets
from .renames import suggest_renames
from .rendering import render_json, render_markdown, render_text
from .reviews import Acknowledgement, load_acknowledgements, load_levels
from .sides import Side, resolve_side, side_document
from .textdiff import text_diff

__all__ = [
    "CHANGELOGS",
    "RULES",
    "RULES_BY_ID",
    "Acknowledgement",
    "Change",
    "ChangeLevel",
    "Diff",
    "Entity",
    "RenameSuggestion",
    "Rule",
    "Side",
    "SideInfo",
    "Summary",
    "changelog_pages",
    "check_changelogs",
    "diff_json_schema",
    "diff_rulesets",
    "load_acknowledgements",
    "load_levels",
    "render_changelog",
    "render_json",
    "render_markdown",
    "render_text",
    "resolve_side",
    "rules_table",
    "side_document",
    "suggest_renames",
    "text_diff",
    "write_changelogs",
]

"""Diff: what changed between two rulesets, and the committed change logs.

Owns the change model and rules (:mod:`.changes`), the sides (:mod:`.sides`), character diffs
(:mod:`.textdiff`), matching by id (:mod:`.matching`), where changes are recorded
(:mod:`.scopes`), compared fields (:mod:`.fields`), kinds of entity (:mod:`.kinds`), the
checklist's entities (:mod:`.checklists`), a domain's strata and wording (:mod:`.domains`), the
plan's own fields (:mod:`.plans`), rename suggestions (:mod:`.renames`), levels and
acknowledgements files (:mod:`.reviews`), the walk over two rulesets (:mod:`.comparison`), the
renderers (:mod:`.rendering`) and the generator of docs/changes/ (:mod:`.changelogs`).
:mod:`.engine` is the public API: it re-exports every public name of the package.

May import: ``ruleset`` and ``core``; not ``findings``, ``tables`` or ``draws``.
"""

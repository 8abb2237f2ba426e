"""Diff: what changed between two rulesets, and the committed change logs.

Owns the comparison, its rules, levels and renderers (:mod:`.engine`) and the generator of
docs/changes/ (:mod:`.changelogs`).

May import: ``ruleset`` and ``core``; not ``findings``, ``tables`` or ``draws``.
"""

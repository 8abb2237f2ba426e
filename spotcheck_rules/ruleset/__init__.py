"""Rulesets: the plan and checklist model, reading their YAML, finding and resolving them.

Owns the pydantic model of the ruleset files (:mod:`.model`, on the shared blocks of
:mod:`.base`), YAML documents with positions
(:mod:`.documents`), where ruleset trees live (:mod:`.registry`), loading with ``extends``
(:mod:`.loader`) and its on-disk cache (:mod:`.cache`), the checks on ruleset files
(:mod:`.lint`), resolving labels to entities (:mod:`.reference`), the resolved ruleset
(:mod:`.ruleset`), ways to show one (:mod:`.views`) and the per-plan reference pages
(:mod:`.pages`).

May import: ``core``. Nothing about findings, tables, diffs or draws.
"""

"""Tables: the official 汇总表 computed from findings, its result model and its renderers.

Owns aggregation and merging (:mod:`.aggregation`), the result model and its JSON contract
(:mod:`.result`) and the terminal, CSV and xlsx renderers (:mod:`.report`).

May import: ``findings``, ``ruleset`` and ``core``; not ``diff`` or ``draws`` (its siblings).
"""

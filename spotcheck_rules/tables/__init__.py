"""Tables: the official 汇总表 computed from findings, its result model and its renderers.

Owns aggregation and its public tally (:mod:`.aggregation`), reading and checking the census
(:mod:`.census`), merging results (:mod:`.merging`) and reading them back (:mod:`.resultfile`),
the result model and its JSON contract (:mod:`.result`) and the terminal, CSV and xlsx renderers
(:mod:`.report`).

May import: ``findings``, ``ruleset`` and ``core``; not ``diff`` or ``draws`` (its siblings).
"""

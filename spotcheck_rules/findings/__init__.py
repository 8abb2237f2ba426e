"""Findings: reading inspection records and validating them against a ruleset.

Owns the findings contract and its readers (:mod:`.records`: JSON Lines, JSON, YAML, CSV, XLSX,
coercion of flat rows), the rows of flat files (:mod:`.rows`, shared with the roster readers),
the records naming a report's inputs (:mod:`.inputs`) and validation (:mod:`.validation`:
``Validator``, ``validate``, the checker both ``validate`` and ``aggregate`` run).

May import: ``ruleset`` and ``core``.
"""

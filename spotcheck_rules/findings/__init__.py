"""Findings: reading inspection records and validating them against a ruleset.

Owns the findings contract: the published pydantic models and their schemas (:mod:`.models`),
amounts of money (:mod:`.money`), the internal msgspec records and the slow-path coercion of one
record (:mod:`.records`), the readers of findings and census files, one per format, and the JSON
Lines hot path (:mod:`.readers`), the rows of flat files (:mod:`.rows`, shared with the roster
readers), the encodings and separators of CSV files (:mod:`.encodings`), how staff spell headers,
yes/no and dates in flat files (:mod:`.spellings`, its vocabulary in ``spellings.yaml``), the records naming a report's inputs (:mod:`.inputs`) and validation
(:mod:`.validation`: ``Validator``, ``validate``, the checker both ``validate`` and
``aggregate`` run).

May import: ``ruleset`` and ``core``.
"""

"""Schemas: the published JSON Schema of every file format we read or write.

Owns the catalogue of schemas and their generator (:mod:`.catalogue`). It sits above the
packages whose models it gathers (findings, tables, diff, draws), which is why it is a layer of
its own and not part of ``ruleset``.

May import: ``tables``, ``diff``, ``draws``, ``findings``, ``ruleset`` and ``core``.
"""

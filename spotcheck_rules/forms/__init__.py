"""Forms for supervision staff, generated from a ruleset.

Owns the entry workbook staff key findings into (:mod:`.entry` its columns, :mod:`.workbook` the
xlsx) and the on-site checklist they print and fill by hand (:mod:`.checklist` its content,
:mod:`.printing` HTML, Markdown and PDF).

May import: ``tables``, ``findings``, ``ruleset``, ``core`` (never ``cli`` or ``schemas``).
"""

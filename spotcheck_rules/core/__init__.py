"""Shared types and tools at the bottom of the package: nothing here knows what a plan is.

Owns the one error and problem model (:mod:`.errors`: ``SpotcheckError`` and its subclasses,
``Problem``, the report base types), label comparison (:mod:`.text`), safe spreadsheet cells
(:mod:`.cells`), atomic file writes (:mod:`.atomic`), the readers' limits and bounded JSON
loader (:mod:`.limits`), the catalogue of every code the library emits (:mod:`.codes`) and
the code tables generated from it (:mod:`.codedocs`), the write-or-check helper of the files
we generate (:mod:`.generated`), and the picture of these packages in docs/architecture.md
(:mod:`.architecture`).

May import: the standard library, the runtime dependencies (pydantic, msgspec; openpyxl only
lazily, in :mod:`.cells`) and the other modules of ``core``.
"""

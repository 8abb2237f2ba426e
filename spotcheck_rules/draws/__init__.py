"""Draws: the 双随机 sample, the inspectors sent to it, its audit record and its verification.

Owns reading roster files into rows (:mod:`.reading`), the unit and inspector rosters
(:mod:`.roster`), the draw (:mod:`.sampling`), assigning inspectors (:mod:`.inspectors`), the
audit record (:mod:`.audit`) and re-running a draw from its record (:mod:`.verification`).
Inside, each imports only those before it in that list (no circle; pyproject.toml's import
contract keeps it so).

May import: ``findings`` (the flat-file rows), ``ruleset`` and ``core``; not ``tables`` or
``diff``.
"""

"""An example ruleset plugin for spotcheck_rules: its ruleset tree, as the entry point names it.

The tree (``rulesets/``) is laid out as spotcheck_rules' own: ``sources.yaml``,
``YEAR/plans/NAME.yaml``, ``YEAR/checklists/DOMAIN.yaml``. Nothing else is code.
"""

from pathlib import Path

__all__ = ["RULESETS"]

RULESETS = Path(__file__).resolve().parent / "rulesets"
"""The folder spotcheck_rules reads (entry point ``school_example`` in ``spotcheck_rules.rulesets``)."""

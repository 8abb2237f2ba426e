"""``python -m spotcheck_rules.cli``: the ``spotcheck`` command, for when the script is not on PATH."""

from .app import run

run()

"""One module per group of ``spotcheck`` subcommands; each has ``register(subparsers)``.

A subcommand sets ``run`` (``args -> exit code``) as its parser default.
"""

from __future__ import annotations

import importlib
from types import ModuleType

_NAMES = ("rulesets", "findings", "diff", "sample")


def _load() -> tuple[ModuleType, ...]:
    modules = []
    for name in _NAMES:
        try:
            modules.append(importlib.import_module(f"{__name__}.{name}"))
        except ModuleNotFoundError as exc:  # a command group still being written
            if exc.name != f"{__name__}.{name}":
                raise
    return tuple(modules)


COMMANDS = _load()

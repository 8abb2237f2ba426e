"""The ``spotcheck`` subcommands, one module per group; :data:`GROUPS` lists them.

Each module has ``register(subparsers)``, which adds its subcommands and sets ``run`` as each
one's parser default: ``run(args, streams) -> exit code``. A command reads and writes only the
:class:`Streams` it is given (never ``sys.stdout`` / ``sys.stderr``), so it can run in-process,
in any thread, with the streams of its caller.

A run imports only the module of the command it runs (:func:`command_modules`): ``spotcheck
aggregate`` does not load what ``diff`` and ``sample`` need (a tenth of a second at every
start). ``--help``, an unknown command or none load them all, so the parser then says what
it always said. ``tests/test_cli_streams.py`` holds :data:`GROUPS` to what each module
registers.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ._output import Streams

__all__ = ["GROUPS", "Streams", "command_modules"]

GROUPS: dict[str, tuple[str, ...]] = {
    "rulesets": ("list", "show", "check", "schema"),
    "findings": ("validate", "aggregate", "merge"),
    "forms": ("template", "checklist"),
    "diff": ("diff",),
    "sample": ("sample",),
    "codes": ("codes",),
}
"""Each command module (in the order ``--help`` lists them) and the subcommands it adds."""


def command_modules(command: str | None = None) -> list[ModuleType]:
    """The modules whose subcommands the parser needs: the one that has ``command``, or every
    module when ``command`` is ``None`` or no module has it."""
    names = [g for g, commands in GROUPS.items() if command in commands] or list(GROUPS)
    return [importlib.import_module(f"{__name__}.{name}") for name in names]

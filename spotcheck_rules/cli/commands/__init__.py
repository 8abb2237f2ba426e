"""The ``spotcheck`` subcommands, one module per group; :data:`COMMANDS` lists them.

Each module has ``register(subparsers)``, which adds its subcommands and sets ``run`` as each
one's parser default: ``run(args, streams) -> exit code``. A command reads and writes only the
:class:`Streams` it is given (never ``sys.stdout`` / ``sys.stderr``), so it can run in-process,
in any thread, with the streams of its caller.
"""

from __future__ import annotations

from . import codes, diff, findings, forms, rulesets, sample
from ._output import Streams

__all__ = ["COMMANDS", "Streams"]

COMMANDS = (rulesets, findings, forms, diff, sample, codes)

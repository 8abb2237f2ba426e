"""Generate docs/changes/: the change logs of :data:`spotcheck_rules.diff.engine.CHANGELOGS`.

``python -m spotcheck_rules.diff.changelogs --write docs/changes`` rewrites them;
``--check docs/changes`` exits 1 when one is stale (tests/test_diff.py runs the same comparison).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from ..core.generated import generated_main
from .engine import changelog_pages

__all__: list[str] = []


def main(argv: Sequence[str] | None = None, *, stderr: TextIO) -> int:
    return generated_main(
        "python -m spotcheck_rules.diff.changelogs", changelog_pages, argv, stderr=stderr
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(stderr=sys.stderr))

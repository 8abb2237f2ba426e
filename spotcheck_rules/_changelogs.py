"""Generate docs/changes/: the change logs of :data:`spotcheck_rules.diff.CHANGELOGS`.

``python -m spotcheck_rules._changelogs --write docs/changes`` rewrites them;
``--check docs/changes`` exits 1 when one is stale (tests/test_diff.py runs the same comparison).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from ._generated import generated_main
from .diff import changelog_pages

__all__: list[str] = []


def main(argv: Sequence[str] | None = None, *, stderr: TextIO) -> int:
    return generated_main(
        "python -m spotcheck_rules._changelogs", changelog_pages, argv, stderr=stderr
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(stderr=sys.stderr))

"""Generate the code tables of the docs from the catalogue (:mod:`spotcheck_rules.core.codes`).

``python -m spotcheck_rules.core.codedocs --write docs`` rewrites docs/codes.md and the table of F
codes in docs/findings.md (between its ``generated: findings-codes`` markers); ``--check docs``
exits 1 when either is stale (the tests run the same comparison).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from .codes import codes_page, findings_table
from .generated import Region, generated_main

__all__ = ["pages"]


def pages() -> Mapping[str, str | Region]:
    """File name (in docs/) → its generated text, or the generated region of a page."""
    return {
        "codes.md": codes_page(),
        "findings.md": Region("findings-codes", findings_table()),
    }


def main(argv: Sequence[str] | None = None, *, stderr: TextIO) -> int:
    return generated_main("python -m spotcheck_rules.core.codedocs", pages, argv, stderr=stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(stderr=sys.stderr))

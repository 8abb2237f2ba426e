"""The change logs of docs/changes/: which pairs of plans, their pages, writing and checking them.

``python -m spotcheck_rules.diff.changelogs --write docs/changes`` rewrites them;
``--check docs/changes`` exits 1 when one is stale (tests/test_diff.py runs the same comparison).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from ..core.atomic import write_atomic
from ..core.generated import generated_main
from ..ruleset.loader import load_ruleset
from .comparison import diff_rulesets
from .rendering import render_markdown

__all__ = [
    "CHANGELOGS",
    "changelog_pages",
    "check_changelogs",
    "render_changelog",
    "write_changelogs",
]

# File name → (old, new). The national 2024 → 2025 log, and national → each province.
CHANGELOGS: Mapping[str, tuple[str, str]] = {
    "national-2024-to-2025.md": ("national/2024", "national/2025"),
    "national-2025-to-shanxi.md": ("national/2025", "shanxi/2025"),
    "national-2025-to-xinjiang.md": ("national/2025", "xinjiang/2025"),
    "national-2025-to-tianjin.md": ("national/2025", "tianjin/2025"),
}
_CHANGELOG_HEADER = "<!-- 由 `python -m spotcheck_rules.diff.changelogs --write docs/changes` 生成，请勿手工修改。 -->\n\n"


def render_changelog(old: str, new: str) -> str:
    """One generated change log page (what docs/changes/ holds)."""
    diff = diff_rulesets(old, new, renames=True)
    return _CHANGELOG_HEADER + render_markdown(diff)


def _available(plan_id: str) -> bool:
    from ..core.errors import UnknownRulesetError

    try:
        load_ruleset(plan_id)
    except UnknownRulesetError:
        return False
    return True


def changelog_pages() -> dict[str, str]:
    """Every change log whose two plans exist, by file name."""
    return {
        name: render_changelog(old, new)
        for name, (old, new) in CHANGELOGS.items()
        if _available(old) and _available(new)
    }


def write_changelogs(directory: str | os.PathLike[str]) -> list[Path]:
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in changelog_pages().items():
        path = target / name
        write_atomic(path, text.encode("utf-8"))
        written.append(path)
    return written


def check_changelogs(directory: str | os.PathLike[str]) -> list[Path]:
    """Change logs in ``directory`` that are missing or differ from what would be generated."""
    target = Path(directory)
    return [
        target / name
        for name, text in changelog_pages().items()
        if not (target / name).is_file() or (target / name).read_text(encoding="utf-8") != text
    ]


def main(argv: Sequence[str] | None = None, *, stderr: TextIO) -> int:
    return generated_main(
        "python -m spotcheck_rules.diff.changelogs", changelog_pages, argv, stderr=stderr
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(stderr=sys.stderr))

"""Every ```python block in README.md and docs/ runs, in order, one namespace per page.

A block may end with assertions: that is how a doc example states its output and keeps it true.
The blocks run in an empty temporary folder, as a reader's would from anywhere: only the
repository's ``examples/`` folder (which some pages read, as a reader who has the repository
does) is copied there.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _pages_with_code() -> list[Path]:
    return [p for p in PAGES if p.is_file() and BLOCK.search(p.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page", _pages_with_code(), ids=lambda p: str(p.relative_to(ROOT)))
def test_python_examples_run(page: Path, tmp_path: Path) -> None:
    namespace: dict[str, object] = {"__name__": "__docs__"}
    cwd = os.getcwd()
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    os.chdir(tmp_path)
    try:
        for n, block in enumerate(BLOCK.findall(page.read_text(encoding="utf-8")), 1):
            code = compile(block, f"{page.name}[block {n}]", "exec")
            exec(code, namespace)
    finally:
        os.chdir(cwd)


def test_plan_pages_are_current() -> None:
    # Regenerate with: python -m spotcheck_rules.ruleset.pages --write docs/plans
    from spotcheck_rules.ruleset.pages import pages

    for name, text in pages().items():
        path = ROOT / "docs" / "plans" / name
        assert path.is_file(), f"{path} missing"
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale"

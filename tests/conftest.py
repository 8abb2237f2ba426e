from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Tests build many throw-away trees: keep their rulesets out of the user's on-disk cache
# (tests/test_cache.py turns it on in a temporary directory).
os.environ["SPOTCHECK_NO_CACHE"] = "1"

from spotcheck_rules.loader import clear_cache

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def ruleset_tree(tmp_path: Path) -> Iterator[Path]:
    """A private copy of the bundled tree, for tests that break or extend rulesets."""
    root = tmp_path / "rulesets"
    shutil.copytree(RULESETS, root)
    clear_cache()
    yield root
    clear_cache()

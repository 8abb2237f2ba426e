"""An on-disk cache of resolved rulesets, so that a fresh process need not parse YAML.

Parsing and validating a plan's YAML files is most of what loading it costs (tens of
milliseconds, where unpickling the result takes a few). An entry is one pickle file per plan
file (and search order) in the user's cache directory; it is used only when everything it
depends on is unchanged:

* the key: the code that builds rulesets (a SHA-256 of every module of the core and ruleset
  packages, subpackages included, so an upgrade or an edit invalidates every entry), the
  pydantic and Python versions, the plan file and the ruleset trees searched;
* the SHA-256 of every file the ruleset was built from (plan, parents, checklists, sources),
  recomputed from the files' bytes on every use.

Anything unexpected (no cache directory, a directory not private to this user, an unreadable
or foreign entry, a pickle error) falls back silently to parsing; writes go to a temporary
file renamed into place, so concurrent processes and threads never see half an entry.
``SPOTCHECK_NO_CACHE=1`` turns it off; ``SPOTCHECK_CACHE_DIR`` moves it (default
``$XDG_CACHE_HOME/spotcheck_rules`` or ``~/.cache/spotcheck_rules``).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .ruleset import Ruleset

__all__ = ["cache_dir", "get", "put"]

_MAGIC = "spotcheck-ruleset-cache/1"
# The code that decides what a resolved ruleset is: every module of the two bottom layers, since
# the ruleset layer may import only itself and core (the import contract in pyproject.toml). A
# hand-kept list missed core/codes.py, whose severities the YAML reader stamps on problems; a
# glob of each layer's top folder would miss a subpackage (core/codes/, the catalogue's entries).
_LAYERS = ("core", "ruleset")


def code_files() -> list[str]:
    """The package-relative paths hashed into the cache key (sorted)."""
    here = Path(__file__).resolve().parent.parent  # the spotcheck_rules package
    return sorted(
        p.relative_to(here).as_posix() for layer in _LAYERS for p in (here / layer).rglob("*.py")
    )


_code_key: str | None = None


def _code_version() -> str:
    global _code_key
    if _code_key is None:
        import pydantic

        digest = hashlib.sha256(f"{pydantic.VERSION}|{sys.implementation.cache_tag}".encode())
        here = Path(__file__).resolve().parent.parent  # the spotcheck_rules package
        for name in code_files():
            digest.update(name.encode())
            digest.update((here / name).read_bytes())
        _code_key = digest.hexdigest()
    return _code_key


def cache_dir() -> Path | None:
    """Where entries live, or ``None`` when the cache is off."""
    if os.environ.get("SPOTCHECK_NO_CACHE", "").strip() not in ("", "0"):
        return None
    configured = os.environ.get("SPOTCHECK_CACHE_DIR", "").strip()
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "spotcheck_rules"


def _private(path: Path) -> bool:
    """Whether a directory is this user's alone: a pickle from anyone else is never loaded."""
    st = path.stat()
    if not stat.S_ISDIR(st.st_mode):
        return False
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return False
    return not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _entry(plan: Path, roots: Sequence[Path]) -> tuple[Path, tuple[str, ...]] | None:
    where = cache_dir()
    if where is None:
        return None
    key = (_MAGIC, _code_version(), str(plan.resolve()), *(str(r.resolve()) for r in roots))
    name = hashlib.sha256("\0".join(key).encode("utf-8")).hexdigest()[:40] + ".pickle"
    return where / name, key


def _sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def get(plan: Path, roots: Sequence[Path]) -> tuple[Ruleset, tuple[str, ...]] | None:
    """The cached ruleset for a plan file and the files it was built from, if still valid."""
    try:
        found = _entry(plan, roots)
        if found is None:
            return None
        path, key = found
        if not _private(path.parent):
            return None
        with open(path, "rb") as f:
            header: Any = pickle.load(f)
            if not (isinstance(header, tuple) and len(header) == 2 and header[0] == key):
                return None
            files: tuple[tuple[str, str], ...] = header[1]
            if any(_sha256(name) != digest for name, digest in files):
                return None
            ruleset = pickle.load(f)
    except Exception:  # any failure of a cache is a miss
        return None
    from .ruleset import Ruleset

    if not isinstance(ruleset, Ruleset):
        return None
    return ruleset, tuple(name for name, _ in files)


def put(
    plan: Path,
    roots: Sequence[Path],
    files: Sequence[str],
    ruleset: Ruleset,
    unchanged: Callable[[], bool],
) -> None:
    """Store a freshly built ruleset; ``unchanged`` says its files were not edited meanwhile
    (checked after they are hashed, so an entry never pairs new content with an old build)."""
    from ..core.atomic import write_atomic

    try:
        found = _entry(plan, roots)
        if found is None:
            return
        path, key = found
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(path.parent):
            return
        hashed = tuple((name, _sha256(name)) for name in files)
        if not unchanged():
            return
        ruleset.digest()  # computed once, kept in the entry
        data = pickle.dumps((key, hashed), protocol=pickle.HIGHEST_PROTOCOL) + pickle.dumps(
            ruleset, protocol=pickle.HIGHEST_PROTOCOL
        )
        write_atomic(path, data)  # the same temp-file-and-rename as every output
    except Exception:  # an unwritable cache is no cache
        return

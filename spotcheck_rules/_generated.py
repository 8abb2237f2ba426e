"""Files we generate and commit (schemas, plan pages): write them, or check they are current."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from .atomic import write_atomic

__all__ = ["generated_main"]


def _sync(files: Mapping[str, str], target: Path, *, write: bool) -> list[Path]:
    """Write ``files`` (name → text) into ``target``, or return those that differ from it."""
    stale = []
    for name, text in files.items():
        path = target / name
        if write:
            target.mkdir(parents=True, exist_ok=True)
            write_atomic(path, text.encode("utf-8"))
        elif not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
    return stale


def generated_main(
    prog: str,
    files: Callable[[], Mapping[str, str]],
    argv: Sequence[str] | None,
    *,
    stderr: TextIO,
) -> int:
    """``--write DIR`` regenerates; ``--check DIR`` exits 1 naming every stale file on
    ``stderr``."""
    parser = argparse.ArgumentParser(prog=prog)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", metavar="DIR", help="regenerate the files in DIR")
    group.add_argument("--check", metavar="DIR", help="exit 1 if a file in DIR is stale")
    args = parser.parse_args(argv)
    stale = _sync(files(), Path(args.write or args.check), write=bool(args.write))
    for path in stale:
        stderr.write(f"stale: {path}\n")
    return 1 if stale else 0

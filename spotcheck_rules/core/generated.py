"""Files we generate and commit (schemas, plan pages, code tables): write them, or check they
are current. A generated file is written whole; a :class:`Region` is generated text between two
marker lines of a page otherwise written by hand."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .atomic import write_atomic

__all__ = ["Region", "generated_main", "splice"]


@dataclass(frozen=True)
class Region:
    """The generated part of a hand-written page: the lines between
    ``<!-- BEGIN generated: NAME … -->`` and ``<!-- END generated: NAME -->``."""

    name: str
    text: str


def splice(page: str, region: Region) -> str | None:
    """``page`` with ``region`` put between its markers; ``None`` if the markers are missing."""
    begin = page.find(f"<!-- BEGIN generated: {region.name} ")
    end = page.find(f"<!-- END generated: {region.name} -->")
    if begin < 0 or end < begin:
        return None
    body_start = page.index("\n", begin) + 1
    return page[:body_start] + region.text + page[end:]


def _sync(
    files: Mapping[str, str | Region], target: Path, *, write: bool, stderr: TextIO
) -> list[Path]:
    """Write ``files`` (name → text) into ``target``, or return those that differ from it."""
    stale = []
    for name, item in files.items():
        path = target / name
        if isinstance(item, Region):
            page = path.read_text(encoding="utf-8") if path.is_file() else ""
            text = splice(page, item)
            if text is None:
                stderr.write(f"{path}: no markers for the generated part {item.name!r}\n")
                stale.append(path)
                continue
        else:
            text = item
        if write:
            target.mkdir(parents=True, exist_ok=True)
            write_atomic(path, text.encode("utf-8"))
        elif not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
    return stale


def generated_main(
    prog: str,
    files: Callable[[], Mapping[str, str | Region]],
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
    target = Path(args.write or args.check)
    stale = _sync(files(), target, write=bool(args.write), stderr=stderr)
    for path in stale:
        stderr.write(f"stale: {path}\n")
    return 1 if stale else 0

"""Writing command output: to a file given with -o (atomically), else to stdout."""

from __future__ import annotations

import sys

from ..atomic import write_atomic
from ..errors import UsageError


def write_text(text: str, out: str | None) -> None:
    if out is None or out == "-":
        sys.stdout.write(text)
        if text and not text.endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()
        return
    # surrogateescape: a file name that was not UTF-8 (in a problem's location) is written
    # back as the bytes it was, instead of failing the whole write.
    data = (text if text.endswith("\n") else text + "\n").encode("utf-8", "surrogateescape")
    write_atomic(out, data)


def write_bytes(data: bytes, out: str | None) -> None:
    if out is None or out == "-":
        if sys.stdout.isatty():
            raise UsageError("二进制输出（xlsx）请用 -o 指定文件")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_atomic(out, data)

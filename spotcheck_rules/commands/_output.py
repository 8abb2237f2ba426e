"""Writing command output: to a file given with -o, else to stdout."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import UsageError


def write_text(text: str, out: str | None) -> None:
    if out is None or out == "-":
        sys.stdout.write(text)
        if text and not text.endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()
        return
    try:
        Path(out).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"无法写入 {out}：{exc.strerror or exc}") from exc


def write_bytes(data: bytes, out: str | None) -> None:
    if out is None or out == "-":
        if sys.stdout.isatty():
            raise UsageError("二进制输出（xlsx）请用 -o 指定文件")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        Path(out).write_bytes(data)
    except OSError as exc:
        raise UsageError(f"无法写入 {out}：{exc.strerror or exc}") from exc

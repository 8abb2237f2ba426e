"""The streams a command is given, and writing its output: to a file given with -o
(atomically), else to the command's stdout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, TextIO

from ...core.atomic import write_atomic
from ...core.errors import UsageError

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["Streams", "output_format", "write_bytes", "write_json", "write_text"]


@dataclass(frozen=True)
class Streams:
    """A command's standard streams (text streams, like ``sys.stdout``)."""

    stdout: TextIO
    stderr: TextIO
    stdin: TextIO


def output_format(fmt: str | None, out: str | None, choices: Sequence[str], default: str) -> str:
    """The format asked for with ``--format``; else the one ``-o``'s extension names (so
    ``-o 汇总表.xlsx`` writes a workbook, not a text table in a file called .xlsx); else
    ``default``."""
    if fmt:
        return fmt
    suffix = PurePath(out).suffix.lower().lstrip(".") if out and out != "-" else ""
    return suffix if suffix in choices else default


def write_text(text: str, out: str | None, stdout: TextIO) -> None:
    if out is None or out == "-":
        stdout.write(text)
        if text and not text.endswith("\n"):
            stdout.write("\n")
        stdout.flush()
        return
    # surrogateescape: a file name that was not UTF-8 (in a problem's location) is written
    # back as the bytes it was, instead of failing the whole write.
    _write_lines(text.encode("utf-8", "surrogateescape"), out)


def write_json(model: BaseModel, out: str | None, stdout: TextIO) -> None:
    """``model.model_dump_json(indent=2)`` and a newline, as :func:`write_text` writes it. To a
    file, the serializer's UTF-8 bytes go straight to the disk: ``model_dump_json`` decodes them
    into a ``str`` that would only be encoded again (a validation report of 40 000 records'
    problems is 37 MB, held three times over)."""
    if out is None or out == "-":
        write_text(model.model_dump_json(indent=2), out, stdout)
        return
    _write_lines(model.__pydantic_serializer__.to_json(model, indent=2), out)


def _write_lines(data: bytes, out: str) -> None:
    """Text output to a file: ``data`` ending in a newline, written atomically."""
    write_atomic(out, data if data.endswith(b"\n") else data + b"\n")


def write_bytes(data: bytes, out: str | None, stdout: TextIO) -> None:
    if out is None or out == "-":
        # Binary output goes to the byte stream under the text stream; a terminal, or a text
        # stream without one (io.StringIO), cannot take it.
        buffer = getattr(stdout, "buffer", None)
        if buffer is None or stdout.isatty():
            raise UsageError("二进制输出（xlsx）请用 -o 指定文件")
        stdout.flush()
        buffer.write(data)
        stdout.flush()
        return
    write_atomic(out, data)

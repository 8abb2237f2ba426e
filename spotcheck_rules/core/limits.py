"""Limits on what the readers accept, and the one bounded JSON loader they share.

A hostile or broken file must never crash the process (a segfault in a C parser, a
``RecursionError``), exhaust memory (a zip bomb) or hang it (twenty million blank rows). Each
limit here is generous for real supervision data and is checked before or while reading; a file
over it is refused with a message that names the limit and the environment variable that raises
it. The values and the reasons for them are in docs/reliability.md ("Limits").

Limits are read from the environment at each call, so a caller (or a test) can change them at
any time; nothing here holds state, so every function is safe to call from many threads.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from .errors import Problem, SpotcheckError, UsageError

__all__ = [
    "CSV_CELL",
    "DEPTH",
    "XLSX_CELLS",
    "XLSX_INFLATED",
    "XLSX_RATIO",
    "XLSX_ROWS",
    "Limit",
    "int_digits_limit",
    "json_depth",
    "load_json",
]


@dataclass(frozen=True)
class Limit:
    """One limit: its default, the environment variable that overrides it, and what it bounds."""

    env: str
    default: int
    what: str  # Chinese, for messages: 嵌套层数, 解压后大小（字节）…

    def value(self) -> int:
        raw = os.environ.get(self.env)
        if raw is None or not raw.strip():
            return self.default
        try:
            n = int(raw.strip())
        except ValueError:
            n = 0
        if n <= 0:
            raise UsageError(f"环境变量 {self.env} 应为正整数，实为 {raw!r}")
        return n

    def message(self, got: object | None = None) -> str:
        """``…超过上限 N（可设置环境变量 ENV 提高上限）`` — says which limit and how to raise it."""
        over = f"（{got}）" if got is not None else ""
        return f"{self.what}{over}超过上限 {self.value()}（如确属正常，可设置环境变量 {self.env} 提高上限）"


DEPTH = Limit("SPOTCHECK_MAX_DEPTH", 64, "嵌套层数")
"""Nesting of JSON and YAML documents. Our records nest at most 6 deep; 64 is far above that and
far below where a recursive parser runs out of stack."""

CSV_CELL = Limit("SPOTCHECK_MAX_CSV_CELL", 131_072, "CSV 单元格长度（字符）")
"""Characters in one CSV cell: Python's own default field limit, which no real cell comes near."""

XLSX_INFLATED = Limit("SPOTCHECK_MAX_XLSX_BYTES", 256 * 1024 * 1024, "xlsx 解压后大小（字节）")
"""Total uncompressed size of the parts of an xlsx file (the sheets, shared strings, styles)."""

XLSX_RATIO = Limit("SPOTCHECK_MAX_ZIP_RATIO", 200, "xlsx 部件压缩比")
"""Uncompressed / compressed size of one part of an xlsx file larger than 1 MiB uncompressed."""

XLSX_ROWS = Limit("SPOTCHECK_MAX_ROWS", 1_048_576, "工作表行数")
"""Rows of a sheet, blank ones included: Excel's own maximum, so no real sheet is refused."""

XLSX_CELLS = Limit("SPOTCHECK_MAX_CELLS", 50_000_000, "工作表单元格数")
"""Cells read from a sheet, blank ones included (a row is as wide as the widest row)."""

RATIO_MIN_BYTES = 1024 * 1024  # parts smaller than this are not checked for their ratio


def int_digits_limit() -> int | None:
    """Python's limit on the digits of an ``int`` parsed from text (4,300 by default; None on
    interpreters without it)."""
    get: Callable[[], int] | None = getattr(sys, "get_int_max_str_digits", None)
    if get is None:
        return None
    n = get()
    return n or None


def json_depth(value: Any, limit: int) -> int | None:
    """The depth at which ``value`` first nests deeper than ``limit`` (``limit + 1``), or None.

    Iterative, so it cannot itself run out of stack."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            children: Any = v.values()
        elif isinstance(v, list):
            children = v
        else:
            continue
        if d + 1 > limit:
            return d + 1
        stack.extend((c, d + 1) for c in children)
    return None


def load_json(
    data: bytes | str,
    file: str,
    error: type[SpotcheckError],
    *,
    code: str,
    what: str = "JSON",
) -> Any:
    """Decode one JSON document, bounded: never a ``RecursionError``, never a ``ValueError``.

    Raises ``error`` (a :class:`SpotcheckError` subclass) with one located :class:`Problem`
    when the text is not JSON, nests deeper than :data:`DEPTH`, or holds a number that cannot
    be represented. A UTF-8 BOM is skipped.
    """
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    limit = DEPTH.value()
    try:
        value = msgspec.json.decode(data)
    except RecursionError:
        msg = DEPTH.message()
        raise error(f"{file}：{what}{msg}", [Problem(code, msg, file=file)]) from None
    except msgspec.DecodeError as exc:
        msg = f"不是合法的 JSON：{exc}"
        line = _line_of(data, str(exc))
        raise error(f"{file}：{msg}", [Problem(code, msg, file=file, line=line)]) from None
    deep = json_depth(value, limit)
    if deep is not None:
        msg = DEPTH.message()
        raise error(f"{file}：{what}{msg}", [Problem(code, msg, file=file)])
    return value


def _line_of(data: bytes, message: str) -> int | None:
    """The line of a msgspec decode error, from the byte offset it names (``… (byte 12)``)."""
    m = re.search(r"\(byte (\d+)\)", message)
    if m is None:
        return None
    return data.count(b"\n", 0, int(m.group(1))) + 1

"""Safe YAML reading with positions.

ruamel.yaml's round-trip loader keeps the line and column of every node, which we need to point
authors at the exact place of a problem. It never constructs Python objects from tags, but we
still guard against what a hostile or broken file can do: duplicate keys, alias "billion laughs"
expansion, enormous or deeply nested documents, tags, and input that is not YAML at all.
"""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent, ScalarEvent

from ..core.codes import severity as code_severity
from ..core.errors import Problem, RulesetError
from ..core.limits import DEPTH, int_digits_limit

__all__ = ["Document", "dump_yaml", "pointer_escape", "read_yaml"]

MAX_BYTES = 2 * 1024 * 1024
MAX_NODES = 200_000
# Nesting is bounded by core.limits.DEPTH (SPOTCHECK_MAX_DEPTH), checked on the parser's events
# before the C composer builds the tree: that composer recurses in C and crashes the process
# (SIGSEGV) on a document nested tens of thousands deep.


def pointer_escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


@dataclass
class Document:
    """Plain data read from a YAML file, with the position of every node by JSON pointer.

    Positions come from a second, round-trip parse that runs only when a problem needs a
    location: the fast C parser that reads the data does not keep them, and most files loaded
    have no problem at all.
    """

    data: Any
    file: str
    text: str = ""
    _positions: dict[str, tuple[int, int]] | None = field(default=None, repr=False)

    @property
    def positions(self) -> dict[str, tuple[int, int]]:
        if self._positions is None:
            self._positions = _positions_of(self.text, self.file)
        return self._positions

    def locate(self, pointer: str) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the node at ``pointer``, or of its nearest ancestor."""
        p = pointer
        while True:
            if p in self.positions:
                return self.positions[p]
            if not p:
                return (None, None)
            p = p.rsplit("/", 1)[0]

    def problem(self, code: str, message: str, pointer: str, **kw: Any) -> Problem:
        """A problem at ``pointer``, located; its severity the catalogue's unless given."""
        line, col = self.locate(pointer)
        kw.setdefault("severity", code_severity(code))
        return Problem(
            code=code, message=message, file=self.file, line=line, column=col, pointer=pointer, **kw
        )


class _Converter:
    def __init__(self, doc: Document, positions: dict[str, tuple[int, int]] | None) -> None:
        self.doc = doc
        self.pos = positions
        self.nodes = 0
        self.max_depth = DEPTH.value()
        self.problems: list[Problem] = []

    def convert(self, node: Any, pointer: str, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooBig(f"文档节点过多（超过 {MAX_NODES} 个），可能是别名膨胀攻击")
        if depth > self.max_depth:
            raise _TooBig(f"文档{DEPTH.message()}")
        tag = getattr(node, "tag", None)
        if tag is not None and getattr(tag, "value", None):
            self.problems.append(self.doc.problem("Y004", f"不支持 YAML 标签 {tag.value}", pointer))
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for key in node:
                if not isinstance(key, (str, int)) or isinstance(key, bool):
                    self.problems.append(
                        self.doc.problem("Y005", f"键必须是文本：{key!r}", pointer)
                    )
                    continue
                child = f"{pointer}/{pointer_escape(key)}"
                if self.pos is not None and isinstance(node, CommentedMap):
                    try:
                        line, col = node.lc.key(key)
                        self.pos[child] = (line + 1, col + 1)
                    except (KeyError, TypeError, AttributeError):
                        pass
                out[str(key)] = self.convert(node[key], child, depth + 1)
            return out
        if isinstance(node, list):
            items = []
            for i, value in enumerate(node):
                child = f"{pointer}/{i}"
                if self.pos is not None and isinstance(node, CommentedSeq):
                    try:
                        line, col = node.lc.item(i)
                        self.pos[child] = (line + 1, col + 1)
                    except (KeyError, TypeError, AttributeError, IndexError):
                        pass
                items.append(self.convert(value, child, depth + 1))
            return items
        if isinstance(node, str):
            return str(node)  # drop ruamel's scalar string subclasses
        if isinstance(node, bool) or node is None:
            return node
        if isinstance(node, int):
            return int(node)
        if isinstance(node, float):
            return float(node)
        if isinstance(node, (_dt.date, _dt.datetime)):
            # Keep the data JSON-shaped: dates stay ISO strings, as the schema describes them.
            return node.isoformat()
        return node


class _TooBig(Exception):
    pass


def _yaml(typ: str) -> YAML:
    # "safe" uses ruamel's C parser when ruamel.yaml.clib is installed (several times faster);
    # "rt" keeps line and column of every node. Neither constructs objects from tags.
    y = YAML(typ=typ)
    y.allow_duplicate_keys = False
    return y


def _positions_of(text: str, file: str) -> dict[str, tuple[int, int]]:
    positions: dict[str, tuple[int, int]] = {"": (1, 1)}
    try:
        node = _yaml("rt").load(io.StringIO(text))
    except YAMLError:
        return positions
    _Converter(Document(None, file), positions).convert(node, "", 0)
    return positions


def read_yaml(source: str | Path, *, text: str | None = None, name: str | None = None) -> Document:
    """Read one YAML document. Raises :class:`RulesetError` with located problems."""
    file = name or str(source)
    if text is None:
        path = Path(source)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise RulesetError(f"无法读取文件 {file}：{exc.strerror or exc}") from exc
        if len(raw) > MAX_BYTES:
            raise RulesetError(
                f"{file} 过大（{len(raw)} 字节，上限 {MAX_BYTES}）",
                [Problem("Y003", "文件过大", file=file)],
            )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RulesetError(
                f"{file} 不是 UTF-8 文本",
                [Problem("Y001", f"不是 UTF-8 文本（第 {exc.start} 字节）", file=file)],
            ) from exc
    elif len(text.encode("utf-8")) > MAX_BYTES:
        raise RulesetError(f"{file} 过大", [Problem("Y003", "文件过大", file=file)])
    if "\x00" in text:
        raise RulesetError(
            f"{file} 不是文本文件", [Problem("Y001", "含有 NUL 字符，不是文本", file=file)]
        )
    deep = _too_deep(text, DEPTH.value())
    if deep is not None:
        raise RulesetError(
            f"{file} 无法安全读取",
            [Problem("Y003", f"文档{DEPTH.message()}", file=file, line=deep[0], column=deep[1])],
        )
    try:
        node = _yaml("safe").load(io.StringIO(text))
    except ValueError as exc:
        # A scalar the constructor cannot turn into a value: an integer of more digits than
        # Python parses (4,300), a date like 2025-13-45. The constructor does not say where.
        line, col, value = _bad_scalar(text)
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise RulesetError(
            f"{file} 含有无法读取的值",
            [
                Problem(
                    "Y002",
                    f"无法读取的值 {shown}：{_value_reason(exc)}",
                    file=file,
                    line=line,
                    column=col,
                )
            ],
        ) from exc
    except ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        if "duplicate" not in str(exc).lower():
            raise RulesetError(
                f"{file} 含有不支持的 YAML 内容",
                [
                    Problem(
                        "Y004",
                        f"不支持的 YAML 标签或类型：{exc.problem or exc}",
                        file=file,
                        line=line,
                        column=col,
                    )
                ],
            ) from exc
        raise RulesetError(
            f"{file} 不是有效的 YAML",
            [Problem("Y002", f"重复的键：{exc.problem or exc}", file=file, line=line, column=col)],
        ) from exc
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        what = "重复的键" if "duplicate" in str(exc).lower() else "YAML 语法错误"
        msg = f"{what}：{exc.problem or exc}"
        raise RulesetError(
            f"{file} 不是有效的 YAML",
            [Problem("Y002", msg, file=file, line=line, column=col)],
        ) from exc
    except YAMLError as exc:
        raise RulesetError(
            f"{file} 不是有效的 YAML", [Problem("Y002", f"YAML 错误：{exc}", file=file)]
        ) from exc
    doc = Document(data=None, file=file, text=text)
    conv = _Converter(doc, None)
    try:
        doc.data = conv.convert(node, "", 0)
    except _TooBig as exc:
        raise RulesetError(f"{file} 无法安全读取", [Problem("Y003", str(exc), file=file)]) from exc
    if conv.problems:
        raise RulesetError(f"{file} 含有不支持的 YAML 内容", conv.problems)
    return doc


def _too_deep(text: str, limit: int) -> tuple[int, int] | None:
    """Line and column where the document first nests deeper than ``limit``, or None.

    Every collection on a chain of nested ones starts with its own indicator character
    (``[ { - : ?``), so a text with fewer of them than ``limit`` cannot be too deep and is not
    parsed twice. Otherwise the parser's events are counted; the parser keeps its own stack on
    the heap and does not recurse. A syntax error is left to the real load to report.
    """
    if sum(text.count(c) for c in "[{-:?") < limit:
        return None
    depth = 0
    try:
        for event in _yaml("safe").parse(io.StringIO(text)):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > limit:
                    mark = event.start_mark
                    return (mark.line + 1, mark.column + 1)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except YAMLError:
        return None
    return None


def _bad_scalar(text: str) -> tuple[int | None, int | None, str]:
    """The first plain scalar that the safe constructor refuses (its line, column and text)."""
    try:
        for event in _yaml("safe").parse(io.StringIO(text)):
            if not isinstance(event, ScalarEvent) or event.style:  # plain: None or ""
                continue
            value = event.value
            if not value or not (value[0].isdigit() or value[0] in "+-."):
                continue
            try:
                _yaml("safe").load(io.StringIO(value))
            except ValueError:
                mark = event.start_mark
                return (mark.line + 1, mark.column + 1, value)
            except YAMLError:
                continue
    except YAMLError:
        pass
    return (None, None, "")


def _value_reason(exc: ValueError) -> str:
    text = str(exc)
    if "integer string conversion" in text:
        return f"整数位数过多（超过 {int_digits_limit()} 位）"
    return f"不是有效的数字或日期（{text}）"


def dump_yaml(data: Mapping[str, Any], header: str = "") -> str:
    """Dump plain data as block YAML, keys in the given order (deterministic)."""
    y = YAML(typ="rt")
    y.width = 4096
    y.allow_unicode = True
    y.indent(mapping=2, sequence=4, offset=2)
    buf = io.StringIO()
    if header:
        buf.write(header)
    y.dump(_to_commented(data), buf)
    return buf.getvalue()


def _to_commented(value: Any) -> Any:
    if isinstance(value, Mapping):
        m = CommentedMap()
        for k, v in value.items():
            m[k] = _to_commented(v)
        return m
    if isinstance(value, (list, tuple)):
        s = CommentedSeq()
        s.extend(_to_commented(v) for v in value)
        return s
    return value

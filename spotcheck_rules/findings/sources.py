"""Findings as the Python API and the CLI give them, read one input at a time and fed to a
checker: paths, bytes, file objects and iterables of records (:func:`sources`), with every
failure to read a :class:`~spotcheck_rules.core.errors.SpotcheckError` naming the input as the
caller called it (:func:`run`)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from pydantic import BaseModel

from ..core.errors import Problem, SpotcheckError, UsageError
from . import columnar
from .checker import Accepted, Checker, Progress
from .encodings import chosen_encoding
from .inputs import InputFile
from .parallel import consume_jsonl
from .readers import (
    FORMATS,
    SUFFIXES,
    FileInfo,
    FindingsReadError,
    content_format,
    detect_format,
    iter_values,
    read_records,
)
from .records import RawRecord

__all__ = [
    "Findings",
    "Source",
    "as_path",
    "renamed_error",
    "renamed_problem",
    "run",
    "sources",
]

T = TypeVar("T")
_END: Any = object()

Findings = (
    str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes] | IO[str] | Iterable[Any]
)
"""What :func:`validate` and :func:`~spotcheck_rules.aggregate` read (see :func:`sources`)."""

_MEMORY_HINT = "内存中的检查结果请以 bytes 或文件对象（io.BytesIO、io.StringIO、open(...)）传入"
_COPY_CHUNK = 1 << 20


@dataclass
class Source:
    info: FileInfo
    records: Iterator[RawRecord]
    sha256: bool
    jsonl: Path | None = None  # a JSON Lines file, which the hot loop reads itself
    parquet: Path | None = None  # a Parquet file, which the columnar engine may take
    csv: Path | None = None  # a CSV file of no chosen encoding, which the engine may take
    scratch: Path | None = None  # the private copy of in-memory content (never shown)


def _check_format(format: str | None) -> None:
    if format is not None and format not in FORMATS:
        raise UsageError(f"未知的检查结果格式：{format}（可用：{'、'.join(FORMATS)}）")


def as_path(item: str | os.PathLike[str], what: str = "检查结果") -> Path:
    """A path given as input; text that is plainly content is refused, never opened."""
    text = os.fspath(item)
    if isinstance(text, bytes):  # os.PathLike[bytes]
        text = os.fsdecode(text)
    head = text.lstrip()[:1]
    if head in ("{", "[") or any(c in text for c in "\n\r\x00"):
        preview = text.strip()[:40]
        raise UsageError(
            f"{what}的 str 参数应为文件路径，而传入的文本像是记录内容（{preview!r}…）；"
            + _MEMORY_HINT.replace("检查结果", what)
        )
    return Path(text)


def _file_source(item: str | os.PathLike[str], format: str | None = None) -> Source:
    path = as_path(item)
    info = FileInfo(os.fspath(path))
    try:
        if not path.is_file():
            raise FindingsReadError(f"找不到检查结果文件：{path}")
        kind = format or detect_format(path)
        if kind == "jsonl":
            info.size = path.stat().st_size
            return Source(info, iter(()), True, path)
        parquet = path if kind == "parquet" else None
        # the engine reads UTF-8 and copies other codecs to it; a file named UTF-8 with
        # --encoding is the reader's (utf-8-sig named, a file without a mark, is reported so)
        named = chosen_encoding()
        csv = path if kind == "csv" and not (named or "").startswith("utf-8") else None
        records = read_records(path, format=kind, info=info)
        return Source(info, records, True, parquet=parquet, csv=csv)
    except (OSError, ValueError) as exc:  # ValueError: a path the OS cannot even represent
        raise FindingsReadError(f"无法读取检查结果文件 {path}：{_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__


def _sniff(head: bytes, *names: object) -> str:
    """The format of in-memory content: from a name's extension, else from its first bytes."""
    for name in names:
        if isinstance(name, str):
            kind = SUFFIXES.get(os.path.splitext(name)[1].lower())
            if kind is not None:
                return kind
    kind = content_format(head)
    if kind in ("parquet", "xlsx", "json", "jsonl"):
        return kind
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n"):
        return "jsonl"
    raise UsageError(
        "无法从内容判断检查结果的格式（不是 JSON、JSON Lines、xlsx 或 Parquet），"
        f"请用 format= 指明：{'、'.join(FORMATS)}"
    )


def _memory_source(item: Any, name: str, format: str | None, scratch: Callable[[], Path]) -> Source:
    """In-memory content (bytes, a binary or text file object): a private copy is read by the
    file readers; the records, messages and reports name it ``name``, never the copy."""
    folder = scratch()
    tmp = folder / f"input-{len(os.listdir(folder))}"
    try:
        with open(tmp, "wb") as out:
            if isinstance(item, bytes | bytearray | memoryview):
                out.write(item)
            else:
                while chunk := item.read(_COPY_CHUNK):
                    out.write(chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk))
        with open(tmp, "rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise FindingsReadError(f"无法读取检查结果 {name}：{_reason(exc)}") from exc
    except (TypeError, UnicodeError) as exc:
        raise FindingsReadError(f"无法读取检查结果 {name}：{exc}") from exc
    kind = format or _sniff(head, name, getattr(item, "name", None))
    info = FileInfo(name)
    parquet = tmp if kind == "parquet" else None
    records = read_records(tmp, format=kind, info=info)
    return Source(info, records, True, parquet=parquet, scratch=tmp)


def _is_stream(item: object) -> bool:
    return callable(getattr(item, "read", None))


def sources(
    findings: Findings,
    *,
    format: str | None = None,
    name: str | None = None,
    scratch: Callable[[], Path] | None = None,
) -> Iterator[Source]:
    """Findings as given to the Python API, one input at a time.

    * ``str`` or ``os.PathLike``: a file path, always (text that looks like records is refused
      with a :class:`UsageError`, never opened);
    * ``bytes`` (``bytearray``, ``memoryview``) or a file object (binary or text): content;
    * an iterable: records (dicts or :class:`~spotcheck_rules.findings.records.Finding`), each run of
      them one input, and paths, bytes or file objects, each an input of its own.

    The format of a file comes from its extension; of content, from ``format``, the extension
    of ``name`` (or of the file object's ``name``), or its first bytes (JSON, JSON Lines,
    xlsx, Parquet). In-memory inputs are called ``name`` (default ``<input>``, ``<input2>``, …).
    ``scratch`` gives the private folder in-memory content is copied to for the readers.
    """
    _check_format(format)
    count = 0

    def next_name() -> str:
        nonlocal count
        count += 1
        base = name or "<input>"
        if count == 1:
            return base
        return f"{base}#{count}" if name else f"<input{count}>"

    def memory(item: Any) -> Source:
        if scratch is None:
            raise UsageError("内存中的检查结果需要暂存目录（scratch）")
        return _memory_source(item, next_name(), format, scratch)

    if isinstance(findings, str | os.PathLike):
        yield _file_source(findings, format)
        return
    if isinstance(findings, bytes | bytearray | memoryview) or _is_stream(findings):
        yield memory(findings)
        return
    if isinstance(findings, Mapping | BaseModel):
        raise UsageError(
            "validate/aggregate 需要多条记录（列表）；单条记录请用 Validator 或 validate_one"
        )
    if not isinstance(findings, Iterable):
        raise UsageError(
            f"无法读取检查结果：不支持的类型 {type(findings).__name__}；{_MEMORY_HINT}"
        )
    pending: list[Any] = []

    def records() -> Source:
        info = FileInfo(next_name())
        items = list(pending)
        pending.clear()
        return Source(info, iter_values(items, info.path), False)

    for item in findings:
        if isinstance(item, str | os.PathLike):  # a record is never a bare string
            if pending:
                yield records()
            yield _file_source(item, format)
        elif isinstance(item, bytes | bytearray | memoryview) or _is_stream(item):
            if pending:
                yield records()
            yield memory(item)
        else:
            pending.append(item)
    if pending:
        yield records()


def _with_last(items: Iterator[T]) -> Iterator[tuple[T, bool]]:
    """Each item, and whether it is the last."""
    prev = next(items, _END)
    while prev is not _END:
        item = next(items, _END)
        yield prev, item is _END
        prev = item


def renamed_problem(p: Problem, old: str, new: str) -> Problem:
    """A problem with a private copy's path ``old`` replaced by the input's name ``new``."""
    if old not in p.message and (p.file is None or old not in p.file):
        return p
    changes: dict[str, Any] = {"message": p.message.replace(old, new)}
    if p.file is not None:
        changes["file"] = p.file.replace(old, new)
    return p.model_copy(update=changes)


def renamed_error(exc: SpotcheckError, old: str, new: str) -> SpotcheckError:
    """The same error, with the private copy's path replaced by the input's name."""
    out = type(exc).__new__(type(exc))
    problems = [renamed_problem(p, old, new) for p in exc.problems]
    SpotcheckError.__init__(out, exc.message.replace(old, new), problems)
    return out


def run(
    findings: Findings,
    checker: Checker,
    sink: Callable[[Accepted], None] | None = None,
    progress: Progress | None = None,
    *,
    sink_all: bool = False,
    format: str | None = None,
    name: str | None = None,
) -> list[InputFile]:
    """Feed every record to ``checker`` and accepted ones with violations or penalties (all
    accepted ones with ``sink_all``) to ``sink``; returns the inputs read (see :func:`sources`
    for what ``findings``, ``format`` and ``name`` may be). Every failure to read is a
    :class:`~spotcheck_rules.core.errors.SpotcheckError`."""
    files: list[InputFile] = []
    with ExitStack() as stack:
        folder: list[Path] = []

        def scratch() -> Path:
            if not folder:
                tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="spotcheck-"))
                folder.append(Path(tmp))
            return folder[0]

        inputs = sources(findings, format=format, name=name, scratch=scratch)
        for src, last in _with_last(inputs):
            info = src.info
            try:
                n = _feed(src, last, checker, sink, progress, sink_all)
            except SpotcheckError as exc:
                if src.scratch is None:
                    raise
                raise renamed_error(exc, str(src.scratch), info.path) from None
            except OSError as exc:
                raise FindingsReadError(f"无法读取检查结果 {info.path}：{_reason(exc)}") from exc
            if progress is not None:
                progress(info.done, info.size)
            files.append(
                InputFile(path=info.path, sha256=info.sha256 if src.sha256 else None, records=n)
            )
    return files


def _feed(
    src: Source,
    last: bool,
    checker: Checker,
    sink: Callable[[Accepted], None] | None,
    progress: Progress | None,
    sink_all: bool,
) -> int:
    info = src.info
    if src.jsonl is not None and columnar.wanted(checker, sink, last, info.size):
        n = columnar.consume_columnar(checker, src.jsonl, info, progress)
        if n is not None:
            return n
    if src.parquet is not None and columnar.wanted(checker, sink, last, info.size, parquet=True):
        n = columnar.consume_parquet(checker, src.parquet, info, progress)
        if n is not None:
            return n
    if src.csv is not None and columnar.wanted(checker, sink, last, info.size, csv=True):
        n = columnar.consume_csv(checker, src.csv, info, progress)
        if n is not None:
            return n
    if src.jsonl is not None and not checker.record_outcomes:
        return consume_jsonl(
            checker, src.jsonl, info, sink, sink_all=sink_all, progress=progress, last=last
        )
    if src.jsonl is not None:
        # outcomes for every record: the generic reader (the hot loop keeps none)
        records: Iterable[RawRecord] = read_records(src.jsonl, info=info)
    else:
        records = src.records
    return checker.consume(records, info, sink, sink_all=sink_all, progress=progress)

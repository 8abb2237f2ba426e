"""Findings: what inspectors found, one record per inspected unit per domain — the input contract.

The public types are pydantic models (:class:`Finding`, :class:`Penalty`, :class:`Harm`,
:class:`CensusEntry`); their JSON Schemas are published in ``schemas/``. Reading a million
records through pydantic would cost several microseconds each, so the readers here decode into
an internal msgspec struct (``_Rec``) whose shape is the same contract: msgspec checks the
types in C, and only a record it rejects takes the slow path (:func:`coerce_record`), which
walks the fields one by one and names every problem with a stable code.

Readers (:func:`read_records`) stream: each yields one :class:`RawRecord` at a time with its
line (JSON Lines, YAML) or row (CSV, XLSX) number, so a problem can be located in the file the
user edits.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import math
import os
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

import msgspec
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from .errors import SpotcheckError, UsageError

__all__ = [
    "ACCIDENT_GRADES",
    "FORMATS",
    "OWNERSHIP_ALIASES",
    "CensusEntry",
    "FieldProblem",
    "FileInfo",
    "Finding",
    "FindingsReadError",
    "Harm",
    "Penalty",
    "RawRecord",
    "Unparsable",
    "census_json_schema",
    "coerce_record",
    "count_lines",
    "decode_line",
    "detect_format",
    "findings_json_schema",
    "iter_values",
    "jsonl_chunks",
    "jsonl_range",
    "read_census",
    "read_records",
    "sha256_async",
]

FORMATS = ("jsonl", "json", "yaml", "csv", "xlsx")

OWNERSHIP_ALIASES: Mapping[str, str] = {
    "public": "public",
    "公立": "public",
    "公立医疗机构": "public",
    "公办": "public",
    "private": "private",
    "非公立": "private",
    "非公立医疗机构": "private",
    "民营": "private",
    "社会办": "private",
    "私立": "private",
}
"""Accepted spellings of ``ownership``, to the canonical ``public`` / ``private``."""

ACCIDENT_GRADES: Mapping[str, int] = {
    "一级": 1,
    "二级": 2,
    "三级": 3,
    "四级": 4,
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
}
"""医疗事故等级 (《医疗事故处理条例》第四条: 一级 is the gravest)."""


class FindingsReadError(SpotcheckError):
    """A findings or census file that cannot be read at all (missing, wrong format)."""


# --------------------------------------------------------------------------- public models


class _Public(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# The JSON Schema of a money field is written out rather than left to pydantic, whose Decimal
# pattern differs between releases: a published contract must not change with a dependency.
_YUAN_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "number", "minimum": 0},
            {"type": "string", "pattern": r"^\s*\d+(\.\d{1,2})?\s*$"},
        ],
        "description": "Yuan, at most 2 decimal places: a decimal string or a number",
    }
)


class Penalty(_Public):
    """行政处罚情况 of one unit: cases, fines in yuan, revocations."""

    cases: int = Field(default=0, ge=0, description="查处案件数")
    fine_yuan: Annotated[Decimal, _YUAN_SCHEMA] = Field(
        default=Decimal(0),
        ge=0,
        decimal_places=2,
        allow_inf_nan=False,
        description="罚没款, in yuan (tables show 万元); a decimal string or number",
    )
    revoked: list[str] = Field(
        default_factory=list, description="Revocation columns (吊销…单位数), by id or label"
    )


class Harm(_Public):
    """Harm caused, for the major-case rule (seed 003 第三十四条)."""

    deaths: int = Field(default=0, ge=0, description="Patients who died")
    injured: int = Field(default=0, ge=0, description="Persons who suffered bodily harm")
    accident_grade: str | None = Field(
        default=None, description="医疗事故等级: 一级 … 四级 (or 1 … 4)"
    )
    property_loss_yuan: Annotated[Decimal, _YUAN_SCHEMA] | None = Field(
        default=None, ge=0, allow_inf_nan=False, description="Property loss in yuan (informative)"
    )
    property_loss_serious: bool = Field(
        default=False,
        description="财产严重损失: no source sets a threshold, so the inspector decides",
    )
    group_health_risk: bool = Field(default=False, description="群体性健康风险或隐患")
    social_impact: bool = Field(default=False, description="恶劣社会影响、较大国际影响")


class Finding(_Public):
    """One inspected unit in one domain: the record of the findings input contract."""

    unit_id: str = Field(min_length=1, description="The unit's identifier, e.g. 统一社会信用代码")
    unit_name: str | None = None
    domain: str = Field(min_length=1, description="Domain id (medical, tcm, …) or label")
    category: str = Field(min_length=1, description="Category id, official row label or alias")
    ownership: Literal["public", "private"] | None = Field(
        default=None, description="public / private (also 公立, 非公立, 民营)"
    )
    region: str | None = Field(default=None, pattern=r"^\d{6}$")
    inspected_on: _dt.date | None = None
    tier: str | None = Field(default=None, description="Which draw selected the unit")
    violations: list[str] = Field(default_factory=list, description="Violation codes or labels")
    not_applicable: list[str] = Field(
        default_factory=list, description="Items marked 合理缺项, by id or title"
    )
    penalty: Penalty | None = None
    referred: bool | None = Field(default=None, description="移交公安/司法机关")
    opinion_issued: bool | None = Field(default=None, description="下达监督意见书")
    harm: Harm | None = None

    @field_validator("ownership", mode="before")
    @classmethod
    def _ownership(cls, v: Any) -> Any:
        if isinstance(v, str):
            return OWNERSHIP_ALIASES.get(v.strip(), v)
        return v


class CensusEntry(_Public):
    """辖区内单位总数 of one category: a line of the census file."""

    domain: str
    category: str
    units: int = Field(ge=0)


def findings_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one finding record (a JSON Lines line, an array element)."""
    out = Finding.model_json_schema(mode="validation")
    out["title"] = "spotcheck_rules finding (one inspected unit in one domain)"
    return out


def census_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a census file: a list of (domain, category, units)."""
    entry = CensusEntry.model_json_schema(mode="validation")
    return {"title": "spotcheck_rules census (辖区内单位总数)", "type": "array", "items": entry}


# --------------------------------------------------------------------------- internal record

# The same contract as Finding, as msgspec structs: decoded in C, no per-record pydantic.


class _PenaltyRec(msgspec.Struct, forbid_unknown_fields=True):
    cases: int = 0
    fine_yuan: Decimal | None = None
    revoked: list[str] = []


class _HarmRec(msgspec.Struct, forbid_unknown_fields=True):
    deaths: int = 0
    injured: int = 0
    accident_grade: str | None = None
    property_loss_yuan: Decimal | None = None
    property_loss_serious: bool = False
    group_health_risk: bool = False
    social_impact: bool = False


class _Rec(msgspec.Struct, forbid_unknown_fields=True):
    unit_id: str
    domain: str
    category: str
    unit_name: str | None = None
    ownership: str | None = None
    region: str | None = None
    inspected_on: _dt.date | None = None
    tier: str | None = None
    violations: list[str] = []
    not_applicable: list[str] = []
    penalty: _PenaltyRec | None = None
    referred: bool | None = None
    opinion_issued: bool | None = None
    harm: _HarmRec | None = None


_FIELDS = frozenset(_Rec.__struct_fields__)
_PENALTY_FIELDS = frozenset(_PenaltyRec.__struct_fields__)
_HARM_FIELDS = frozenset(_HarmRec.__struct_fields__)
_LIST_FIELDS = frozenset({"violations", "not_applicable", "revoked"})
_LIST_SPLIT = re.compile(r"[;；]")


class RawRecord(NamedTuple):
    """A record as read: where it is (file, 1-based line or row, 0-based ``seq`` in the file)
    and its value.

    ``value`` is whatever the file held there (a dict for valid-looking input); for JSON Lines
    it is already a decoded internal record when msgspec accepted it. A line that is not JSON at
    all is a :class:`Unparsable`.
    """

    file: str | None
    line: int | None
    seq: int
    value: Any


@dataclass(frozen=True)
class Unparsable:
    """A line or element that could not be decoded; ``reason`` says why."""

    reason: str


# --------------------------------------------------------------------------- slow path


@dataclass(frozen=True)
class FieldProblem:
    """A problem with one field of one record, before any ruleset is consulted."""

    code: str
    field: str | None
    message: str
    severity: Literal["error", "warning"] = "error"


_TRUE = frozenset({"true", "1", "yes", "y", "是", "对", "√", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "否", "不", "×", "f", ""})


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        key = value.strip().casefold()
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
    return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)  # spreadsheets store every number as a double
    if isinstance(value, str):
        s = value.strip()
        if re.fullmatch(r"[+-]?\d+", s):
            return int(s)
        if re.fullmatch(r"[+-]?\d+\.0*", s):
            return int(s.split(".")[0])
    return None


def _as_decimal(value: Any) -> Decimal | None:
    """A decimal from a string or number; floats via repr (the shortest text that round-trips,
    i.e. what the user typed in a spreadsheet cell), never via the binary value."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else Decimal(repr(value).title())
    if isinstance(value, str):
        s = value.strip().replace(",", "").replace("，", "")
        try:
            return Decimal(s)
        except InvalidOperation:
            return None
    return None


def _as_list(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        return [p.strip() for p in _LIST_SPLIT.split(value) if p.strip()]
    if isinstance(value, list | tuple):
        out = []
        for v in value:
            if not isinstance(v, str):
                return None
            if v.strip():
                out.append(v.strip())
        return out
    return None


def _as_str(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # an id or region code that a spreadsheet turned into a number
    return None


def coerce_record(value: Any) -> tuple[_Rec | None, list[FieldProblem]]:
    """Turn any decoded value into an internal record, naming every field problem.

    The slow path: used for flat files, for Python dicts and models, and for JSON records that
    msgspec's typed decode refused. Returns ``None`` when any problem is an error.
    """
    if isinstance(value, _Rec):
        return value, []
    if isinstance(value, Unparsable):
        return None, [FieldProblem("F001", None, f"无法解析的记录：{value.reason}")]
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="python", exclude_none=True)
    if not isinstance(value, Mapping):
        return None, [
            FieldProblem("F001", None, f"记录应为对象（字段名: 值），实为 {type(value).__name__}")
        ]
    probs: list[FieldProblem] = []
    out: dict[str, Any] = {}

    def bad(field: str, what: str, got: Any) -> None:
        probs.append(FieldProblem("F003", field, f"字段 {field} 应为{what}，实为 {got!r}"))

    for key in value:
        if key not in _FIELDS:
            probs.append(
                FieldProblem("F004", str(key), f"未知字段 {key}，已忽略", severity="warning")
            )
    for req in ("unit_id", "domain", "category"):
        raw = value.get(req)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            probs.append(FieldProblem("F002", req, f"缺少必填字段 {req}"))
            continue
        s = _as_str(raw)
        if s is None:
            bad(req, "文本", raw)
        else:
            out[req] = s
    for opt in ("unit_name", "tier"):
        raw = value.get(opt)
        if raw is None or raw == "":
            continue
        s = _as_str(raw)
        if s is None:
            bad(opt, "文本", raw)
        else:
            out[opt] = s
    raw = value.get("ownership")
    if raw is not None and raw != "":
        own = OWNERSHIP_ALIASES.get(raw.strip()) if isinstance(raw, str) else None
        if own is None:
            probs.append(
                FieldProblem(
                    "F007",
                    "ownership",
                    f"所有制 {raw!r} 无效：应为 public（公立）或 private（非公立、民营）",
                )
            )
        else:
            out["ownership"] = own
    raw = value.get("region")
    if raw is not None and raw != "":
        s = _as_str(raw)
        if s is None or not re.fullmatch(r"\d{6}", s):
            probs.append(FieldProblem("F005", "region", f"地区代码 {raw!r} 应为6位行政区划代码"))
        else:
            out["region"] = s
    raw = value.get("inspected_on")
    if raw is not None and raw != "":
        if isinstance(raw, _dt.datetime):
            out["inspected_on"] = raw.date()
        elif isinstance(raw, _dt.date):
            out["inspected_on"] = raw
        else:
            try:
                out["inspected_on"] = _dt.date.fromisoformat(str(raw).strip())
            except ValueError:
                probs.append(
                    FieldProblem(
                        "F006", "inspected_on", f"检查日期 {raw!r} 应为 ISO 日期（YYYY-MM-DD）"
                    )
                )
    for lf in ("violations", "not_applicable"):
        items = _as_list(value.get(lf))
        if items is None:
            bad(lf, "文本列表（或以 ; 分隔的文本）", value.get(lf))
        else:
            out[lf] = items
    for bf in ("referred", "opinion_issued"):
        raw = value.get(bf)
        if raw is None or raw == "":
            continue
        b = _as_bool(raw)
        if b is None:
            bad(bf, "是/否（true/false）", raw)
        else:
            out[bf] = b
    raw = value.get("penalty")
    if raw is not None:
        pen = _coerce_penalty(raw, probs)
        if pen is not None:
            out["penalty"] = pen
    raw = value.get("harm")
    if raw is not None:
        harm = _coerce_harm(raw, probs)
        if harm is not None:
            out["harm"] = harm
    if any(p.severity == "error" for p in probs):
        return None, probs
    return _Rec(**out), probs


def _coerce_penalty(raw: Any, probs: list[FieldProblem]) -> _PenaltyRec | None:
    if isinstance(raw, BaseModel):
        raw = raw.model_dump(mode="python")
    if not isinstance(raw, Mapping):
        probs.append(FieldProblem("F003", "penalty", f"字段 penalty 应为对象，实为 {raw!r}"))
        return None
    out: dict[str, Any] = {}
    for key in raw:
        if key not in _PENALTY_FIELDS:
            probs.append(
                FieldProblem(
                    "F004", f"penalty.{key}", f"未知字段 penalty.{key}，已忽略", severity="warning"
                )
            )
    c = raw.get("cases")
    if c is not None and c != "":
        n = _as_int(c)
        if n is None:
            probs.append(
                FieldProblem("F003", "penalty.cases", f"查处案件数应为非负整数，实为 {c!r}")
            )
        else:
            out["cases"] = n  # a negative count is a semantic problem (F054), located later
    f = raw.get("fine_yuan")
    if f is not None and f != "":
        d = _as_decimal(f)
        if d is None:
            probs.append(
                FieldProblem("F050", "penalty.fine_yuan", f"罚没款 {f!r} 不是数字（单位：元）")
            )
        else:
            out["fine_yuan"] = d
    r = _as_list(raw.get("revoked"))
    if r is None:
        probs.append(FieldProblem("F003", "penalty.revoked", "字段 penalty.revoked 应为文本列表"))
    else:
        out["revoked"] = r
    return _PenaltyRec(**out)


def _coerce_harm(raw: Any, probs: list[FieldProblem]) -> _HarmRec | None:
    if isinstance(raw, BaseModel):
        raw = raw.model_dump(mode="python")
    if not isinstance(raw, Mapping):
        probs.append(FieldProblem("F003", "harm", f"字段 harm 应为对象，实为 {raw!r}"))
        return None
    out: dict[str, Any] = {}
    for key in raw:
        if key not in _HARM_FIELDS:
            probs.append(
                FieldProblem(
                    "F004", f"harm.{key}", f"未知字段 harm.{key}，已忽略", severity="warning"
                )
            )
    for key in ("deaths", "injured"):
        v = raw.get(key)
        if v is None or v == "":
            continue
        n = _as_int(v)
        if n is None or n < 0:
            probs.append(
                FieldProblem("F061", f"harm.{key}", f"harm.{key} 应为非负整数，实为 {v!r}")
            )
        else:
            out[key] = n
    g = raw.get("accident_grade")
    if g is not None and g != "":
        s = _as_str(g)
        if s is None:
            probs.append(FieldProblem("F062", "harm.accident_grade", f"医疗事故等级 {g!r} 无效"))
        else:
            out["accident_grade"] = s
    v = raw.get("property_loss_yuan")
    if v is not None and v != "":
        d = _as_decimal(v)
        if d is None or not d.is_finite() or d < 0:
            probs.append(
                FieldProblem(
                    "F061", "harm.property_loss_yuan", f"财产损失应为非负金额（元），实为 {v!r}"
                )
            )
        else:
            out["property_loss_yuan"] = d
    for key in ("property_loss_serious", "group_health_risk", "social_impact"):
        v = raw.get(key)
        if v is None or v == "":
            continue
        b = _as_bool(v)
        if b is None:
            probs.append(FieldProblem("F003", f"harm.{key}", f"harm.{key} 应为是/否，实为 {v!r}"))
        else:
            out[key] = b
    return _HarmRec(**out)


# --------------------------------------------------------------------------- readers


def detect_format(path: str | Path) -> str:
    """The format of a findings file, from its extension (``.json`` is sniffed)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    if suffix == ".json":
        with p.open("rb") as f:
            head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        return "json" if head.startswith(b"[") else "jsonl"
    raise UsageError(f"无法识别文件格式：{p}（支持 .jsonl .json .yaml .yml .csv .xlsx）")


@dataclass
class FileInfo:
    """Filled in by a reader as it goes: the file's SHA-256 and its record count."""

    path: str
    sha256: str | None = None
    records: int = 0
    size: int = 0
    done: int = 0  # bytes consumed so far, for progress bars


_DECODER = msgspec.json.Decoder(_Rec)
_ANY_DECODER = msgspec.json.Decoder()
_CHUNK = 1 << 20


def read_records(
    source: str | os.PathLike[str], *, format: str | None = None, info: FileInfo | None = None
) -> Iterator[RawRecord]:
    """Stream the records of one findings file, each with its line or row number.

    ``info`` (optional) receives the SHA-256 and the count when the stream is exhausted.
    """
    path = Path(source)
    if not path.is_file():
        raise FindingsReadError(f"找不到检查结果文件：{path}")
    fmt = format or detect_format(path)
    if info is None:
        info = FileInfo(str(source))
    info.size = path.stat().st_size
    readers = {
        "jsonl": _read_jsonl,
        "json": _read_json,
        "yaml": _read_yaml,
        "csv": _read_csv,
        "xlsx": _read_xlsx,
    }
    if fmt not in readers:
        raise UsageError(f"未知的检查结果格式：{fmt}（可用：{'、'.join(FORMATS)}）")
    return readers[fmt](path, info)


def jsonl_chunks(path: Path, info: FileInfo) -> Iterator[list[bytes]]:
    """The lines of a JSON Lines file, a megabyte at a time (for the aggregate hot loop).

    Reads big chunks and splits lines; a helper thread hashes the same chunks meanwhile
    (hashlib releases the GIL, so the audit digest costs the caller no time on a second core).
    Every line is yielded, blank ones too, so the caller can count line numbers;
    ``info.sha256`` is set when the file is exhausted.
    """
    digest = hashlib.sha256()
    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=8)

    def hasher() -> None:
        while (chunk := chunks.get()) is not None:
            digest.update(chunk)

    worker = threading.Thread(target=hasher, name="spotcheck-sha256", daemon=True)
    worker.start()
    tail = b""
    try:
        with path.open("rb") as f:
            while True:
                chunk = f.read(_CHUNK)
                if not chunk:
                    break
                chunks.put(chunk)
                info.done += len(chunk)
                lines = (tail + chunk).split(b"\n")
                tail = lines.pop()
                yield lines
            if tail:
                yield [tail]
    finally:
        chunks.put(None)
        worker.join()
    info.sha256 = digest.hexdigest()


def jsonl_range(
    path: Path,
    start: int,
    end: int | None,
    info: FileInfo | None = None,
    digest: Callable[[bytes], object] | None = None,
) -> Iterator[list[bytes]]:
    """The lines of the bytes ``start`` to ``end`` (end of file if ``None``) of a JSON Lines
    file, a megabyte at a time, as :func:`jsonl_chunks` yields them but hashed only if
    ``digest`` (a hash's ``update``) is given, in this thread. ``start`` and ``end`` are line
    boundaries (0, the end, or just after a newline). ``info.done`` counts the bytes read."""
    tail = b""
    with path.open("rb") as f:
        f.seek(start)
        left = -1 if end is None else end - start
        while left:
            chunk = f.read(_CHUNK if left < 0 else min(_CHUNK, left))
            if not chunk:
                break
            if left > 0:
                left -= len(chunk)
            if info is not None:
                info.done += len(chunk)
            if digest is not None:
                digest(chunk)
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            yield lines
        if tail:
            yield [tail]


def count_lines(path: Path, end: int, digest: Callable[[bytes], object] | None = None) -> int:
    """How many newlines the first ``end`` bytes of a file hold; ``digest`` (a hash's
    ``update``), if given, is fed those bytes on the way."""
    n = 0
    with path.open("rb") as f:
        left = end
        while left > 0:
            chunk = f.read(min(_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            n += chunk.count(b"\n")
            if digest is not None:
                digest(chunk)
    return n


def sha256_async(path: Path) -> Callable[[], str]:
    """Start hashing a whole file on a helper thread (reads and hashlib release the GIL);
    returns the function that waits for the hex digest."""
    digest = hashlib.sha256()
    failed: list[BaseException] = []

    def hasher() -> None:
        try:
            with path.open("rb") as f:
                while chunk := f.read(_CHUNK):
                    digest.update(chunk)
        except BaseException as exc:  # re-raised by the caller's wait
            failed.append(exc)

    worker = threading.Thread(target=hasher, name="spotcheck-sha256", daemon=True)
    worker.start()

    def wait() -> str:
        worker.join()
        if failed:
            raise failed[0]
        return digest.hexdigest()

    return wait


def decode_line(line: bytes, lineno: int) -> Any:
    """Decode one JSON Lines line that the typed decoder refused; ``None`` for a blank line."""
    if not line.strip():
        return None
    return _decode_any(line, lineno == 1)


def _read_jsonl(path: Path, info: FileInfo) -> Iterator[RawRecord]:
    # Per-line msgspec decode into the typed struct beats batching lines into one array.
    name = info.path
    decode = _DECODER.decode
    lineno = 0
    index = 0
    for lines in jsonl_chunks(path, info):
        for line in lines:
            lineno += 1
            try:
                rec: Any = decode(line)
            except msgspec.DecodeError:
                rec = decode_line(line, lineno)
                if rec is None:
                    continue
            yield RawRecord(name, lineno, index, rec)
            index += 1
    info.records = index


def _decode_any(line: bytes, first: bool) -> Any:
    if first and line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]  # a BOM that an editor put before the first record
        try:
            return _DECODER.decode(line)
        except msgspec.DecodeError:
            pass
    try:
        return _ANY_DECODER.decode(line)
    except msgspec.DecodeError as exc:
        return Unparsable(f"不是合法的 JSON：{exc}")


def _read_json(path: Path, info: FileInfo) -> Iterator[RawRecord]:
    data = path.read_bytes()
    info.sha256 = hashlib.sha256(data).hexdigest()
    info.done = len(data)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        values: list[Any] = list(msgspec.json.decode(data, type=list[_Rec]))
    except msgspec.DecodeError:
        try:
            decoded = msgspec.json.decode(data)
        except msgspec.DecodeError as exc:
            raise FindingsReadError(f"{path}：不是合法的 JSON：{exc}") from exc
        if not isinstance(decoded, list):
            raise FindingsReadError(
                f"{path}：JSON 文件应为记录数组（[...]）或每行一条记录"
            ) from None
        values = decoded
    info.records = len(values)
    # A JSON array has no line per record; the record is located by its index (pointer /N).
    for i, v in enumerate(values):
        yield RawRecord(info.path, None, i, v)


def _read_yaml(path: Path, info: FileInfo) -> Iterator[RawRecord]:
    from ._yaml import read_yaml

    data = path.read_bytes()
    info.sha256 = hashlib.sha256(data).hexdigest()
    info.done = len(data)
    try:
        doc = read_yaml(path)
    except SpotcheckError as exc:
        raise FindingsReadError(f"{path}：无法读取 YAML", exc.problems) from exc
    if doc.data is None:
        values: list[Any] = []
    elif isinstance(doc.data, list):
        values = doc.data
    else:
        raise FindingsReadError(f"{path}：YAML 文件应为记录列表（- unit_id: …）")
    info.records = len(values)
    for i, v in enumerate(values):
        line, _ = doc.locate(f"/{i}")
        yield RawRecord(info.path, line, i, v)


# Flat files: penalty and harm fields are top-level columns (also accepted as penalty.cases).
_FLAT_NESTED = {
    **{k: ("penalty", k) for k in _PENALTY_FIELDS},
    **{f"penalty.{k}": ("penalty", k) for k in _PENALTY_FIELDS},
    **{k: ("harm", k) for k in _HARM_FIELDS},
    **{f"harm.{k}": ("harm", k) for k in _HARM_FIELDS},
}


def _unflatten(row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for raw_key, value in row.items():
        if raw_key is None:
            continue
        key = str(raw_key).strip()
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, str):
            value = value.strip()
        nested = _FLAT_NESTED.get(key)
        if nested is not None:
            out.setdefault(nested[0], {})[nested[1]] = value
        else:
            out[key] = value
    return out


def _read_csv(path: Path, info: FileInfo) -> Iterator[RawRecord]:
    data = path.read_bytes()
    info.sha256 = hashlib.sha256(data).hexdigest()
    info.done = len(data)
    try:
        text = data.decode("utf-8-sig")  # Excel writes a BOM
    except UnicodeDecodeError as exc:
        raise FindingsReadError(f"{path}：CSV 文件应为 UTF-8 编码（{exc}）") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    index = 0
    for row in reader:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # a blank row is layout, not a record
        yield RawRecord(info.path, reader.line_num, index, _unflatten(row))
        index += 1
    info.records = index


def _read_xlsx(path: Path, info: FileInfo) -> Iterator[RawRecord]:
    import openpyxl

    data = path.read_bytes()
    info.sha256 = hashlib.sha256(data).hexdigest()
    info.done = len(data)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise FindingsReadError(f"{path}：无法读取 xlsx：{exc}") from exc
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            info.records = 0
            return
        names = [str(h).strip() if h is not None else None for h in header]
        index = 0
        for rownum, values in enumerate(rows, start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            row = {n: v for n, v in zip(names, values, strict=False) if n}
            yield RawRecord(info.path, rownum, index, _unflatten(row))
            index += 1
        info.records = index
    finally:
        wb.close()


def iter_values(findings: Iterable[Any], name: str = "<input>") -> Iterator[RawRecord]:
    """Records from an iterable of dicts or :class:`Finding` models (the Python API)."""
    for i, v in enumerate(findings):
        yield RawRecord(name, None, i, v)


# --------------------------------------------------------------------------- census


def read_census(source: str | Path | Iterable[Any]) -> list[RawRecord]:
    """The census entries of a file (CSV, JSON, YAML) or an iterable of dicts, unvalidated.

    A census has one line per category, so it is small and read whole.
    """
    if not isinstance(source, str | Path):
        return list(iter_values(source, "<census>"))
    path = Path(source)
    if not path.is_file():
        raise FindingsReadError(f"找不到辖区单位数文件：{path}")
    fmt = detect_format(path)
    if fmt == "xlsx":
        return list(_read_xlsx(path, FileInfo(str(source))))
    if fmt == "jsonl":
        # A census .json that is a single object {domain: {category: units}} is not accepted;
        # it must be a list. Let JSON Lines through the generic reader.
        out = []
        for r in _read_jsonl(path, FileInfo(str(source))):
            v = r.value
            if isinstance(v, _Rec):
                v = msgspec.structs.asdict(v)
            out.append(RawRecord(r.file, r.line, r.seq, v))
        return out
    return list(read_records(path, format=fmt))

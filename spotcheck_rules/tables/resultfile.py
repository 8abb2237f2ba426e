"""Reading an ``aggregate`` JSON result back (for ``merge``): JSON, depth, the result schema and
the JSON types of its cells, every failure a located M005 problem."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..core.errors import Problem, SpotcheckError
from ..core.limits import DEPTH, json_depth
from ..ruleset.model import ColumnKind
from .result import AggregateResult

__all__ = ["json_pointer", "read_result", "schema_problems"]


def read_result(path: str | Path, *, encoding: str | None = None) -> AggregateResult:
    """Read one ``aggregate`` JSON result for :func:`~spotcheck_rules.tables.merging.merge`, checked against the result schema
    (``schemas/result.schema.json``) and the JSON types of its cells.

    Raises :class:`SpotcheckError` with every problem (M005), located by file, line and column
    (JSON syntax) or JSON pointer (schema). The text is UTF-8 (a BOM allowed), or UTF-16 with a
    BOM (a result opened and saved again by Windows Notepad as "Unicode"), or ``encoding``.
    """
    import json

    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SpotcheckError(f"无法读取 {file}：{exc.strerror or exc}") from exc
    try:
        codec = encoding or (
            "utf-16" if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
        )
        text = raw.decode(codec)
        data = json.loads(text[1:] if text.startswith("\ufeff") else text)
    except UnicodeDecodeError as exc:
        what = "UTF-8" if codec == "utf-8-sig" else codec
        raise SpotcheckError(
            f"{file} 不是 spotcheck aggregate 的 JSON 结果",
            [Problem("M005", f"不是 {what} 文本（第 {exc.start + 1} 个字节）", file=file)],
        ) from exc
    except json.JSONDecodeError as exc:
        raise SpotcheckError(
            f"{file} 不是 spotcheck aggregate 的 JSON 结果",
            [
                Problem(
                    "M005",
                    f"不是有效的 JSON：{exc.msg}",
                    file=file,
                    line=exc.lineno,
                    column=exc.colno,
                )
            ],
        ) from exc
    except (ValueError, RecursionError) as exc:  # a 5,000-digit integer, nesting too deep
        raise SpotcheckError(
            f"{file} 不是 spotcheck aggregate 的 JSON 结果",
            [Problem("M005", _unreadable_json(exc), file=file)],
        ) from exc
    if json_depth(data, DEPTH.value()) is not None:  # before the (recursive) schema check
        raise SpotcheckError(
            f"{file} 不是 spotcheck aggregate 的 JSON 结果",
            [Problem("M005", f"JSON {DEPTH.message()}", file=file)],
        )
    problems = schema_problems(data, file)
    if not problems:
        problems = _json_type_problems(data, file)
    if not problems:
        try:
            return AggregateResult.model_validate(data)
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            problems = [Problem("M005", f"不是有效的结果：{exc}", file=file)]
    raise SpotcheckError(f"{file} 不是 spotcheck aggregate 的 JSON 结果", problems)


def _unreadable_json(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return f"JSON {DEPTH.message()}"
    return f"无法读取的 JSON：{type(exc).__name__}"


def json_pointer(parts: Iterable[object]) -> str:
    """The JSON pointer (RFC 6901) of the path ``parts``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


_SCHEMA_LIMIT = 50  # schema problems reported per input; the first ones say what is wrong


def schema_problems(data: Any, file: str) -> list[Problem]:
    """``data`` against the result schema: one M005 problem per failure (the first 50)."""
    validator = _result_validator()
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    out = [
        Problem("M005", _schema_message(e), file=file, pointer=json_pointer(e.absolute_path))
        for e in errors[:_SCHEMA_LIMIT]
    ]
    if len(errors) > _SCHEMA_LIMIT:
        out.append(Problem("M005", f"……另有 {len(errors) - _SCHEMA_LIMIT} 处不符合", file=file))
    return out


def _schema_message(error: Any) -> str:
    v, detail = error.validator, error.validator_value
    if v == "required":
        missing = [
            k for k in detail if isinstance(error.instance, dict) and k not in error.instance
        ]
        return f"缺少字段：{'、'.join(missing)}"
    if v == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(str(k) for k in error.instance if k not in known)
        return f"未知字段：{'、'.join(extra)}"
    if v == "type":
        names = {"integer": "整数", "string": "字符串", "object": "对象", "array": "数组"}
        names |= {"null": "null", "number": "数", "boolean": "布尔值"}
        want = detail if isinstance(detail, list) else [detail]
        return f"类型应为{'或'.join(str(names.get(t, t)) for t in want)}，实为 {error.instance!r}"[
            :200
        ]
    if v == "minimum":
        return f"不能小于 {detail}，实为 {error.instance!r}"
    if v in ("pattern", "enum"):
        return f"取值无效：{error.instance!r}"[:200]
    if v == "anyOf":
        return f"单元格应为非负整数、万元金额字符串或 null，实为 {error.instance!r}"[:200]
    return f"不符合结果格式：{error.message}"[:200]


_VALIDATOR: Any = None


def _result_validator() -> Any:
    """The compiled result schema (jsonschema is imported only when a result is checked)."""
    global _VALIDATOR
    if _VALIDATOR is None:
        from jsonschema import Draft202012Validator

        from .result import result_json_schema

        # Two threads may both build it: the same validator, and assignment is atomic.
        _VALIDATOR = Draft202012Validator(result_json_schema())
    return _VALIDATOR


def _json_type_problems(data: dict[str, Any], file: str) -> list[Problem]:
    """What the schema cannot say: a count is a JSON integer (not ``1.0``, not ``"1"``), an
    amount a decimal string, per the column's kind."""
    out: list[Problem] = []
    for ti, t in enumerate(data["tables"]):
        money = {c["id"] for c in t["columns"] if c["kind"] == ColumnKind.FINES.value}
        for ri, row in enumerate(t["rows"]):
            for key, v in row["values"].items():
                if v is None:
                    continue
                if key in money and not isinstance(v, str):
                    msg = f'金额应为万元的十进制字符串（如 "1.2345"），实为 {v!r}'
                elif key not in money and not (isinstance(v, int) and not isinstance(v, bool)):
                    msg = f"计数应为整数，实为 {v!r}"
                else:
                    continue
                out.append(
                    Problem(
                        "M005",
                        msg[:200],
                        file=file,
                        pointer=json_pointer(("tables", ti, "rows", ri, "values", key)),
                    )
                )
    return out

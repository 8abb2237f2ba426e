"""The census (辖区内单位总数 per domain and leaf category): reading it from a file, content or
records, and checking each entry against the plan (the C codes)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, cast

from ..core.codes import severity as code_severity
from ..core.errors import Problem, SpotcheckError
from ..core.text import preview
from ..findings.readers import FindingsReadError, content_format, read_census
from ..findings.records import RawRecord, Unparsable, as_int
from ..findings.validation import as_path, renamed_error, renamed_problem
from ..ruleset.reference import AmbiguousReferenceError
from ..ruleset.ruleset import Ruleset

__all__ = ["Census", "CensusCounts", "load_census"]

CensusCounts = dict[tuple[str, str], int]
"""(domain id, leaf category id) → 辖区内单位总数."""


Census = (
    str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes] | IO[str] | Iterable[Any]
)
"""A census: a path, content (bytes or a file object) or an iterable of dicts."""


def load_census(
    census: Census, ruleset: Ruleset, *, name: str | None = None
) -> tuple[CensusCounts, list[Problem]]:
    """Read and check a census: a file path (``str`` or ``os.PathLike``, always a path),
    content (bytes, a binary or text file object: CSV, or JSON, YAML, xlsx told from its
    first bytes; called ``name``, default ``<census>``, in problems) or an iterable of
    ``{domain, category, units}``.

    Returns the counts and the problems; any error problem makes the census unusable.
    """
    if isinstance(census, bytes | bytearray | memoryview) or callable(
        getattr(census, "read", None)
    ):
        return _census_from_memory(census, ruleset, name or "<census>")
    source: Path | Iterable[Any] = (
        as_path(census, "辖区单位数")
        if isinstance(census, str | os.PathLike)
        else cast(Iterable[Any], census)
    )
    counts: CensusCounts = {}
    where: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    try:
        for raw in read_census(source):
            problems.extend(_census_entry(raw, ruleset, counts, where))
    except OSError as exc:
        raise FindingsReadError(f"无法读取辖区单位数：{exc.strerror or exc}") from exc
    return counts, problems


def _census_from_memory(
    data: Any, ruleset: Ruleset, name: str
) -> tuple[CensusCounts, list[Problem]]:
    try:
        if not isinstance(data, bytes | bytearray | memoryview):
            data = data.read()
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    except (OSError, TypeError, UnicodeError) as exc:
        raise FindingsReadError(f"无法读取辖区单位数 {name}：{exc}") from exc
    kind = content_format(raw)
    ext = f".{kind}" if kind in ("xlsx", "json", "yaml") else ".csv"
    with tempfile.TemporaryDirectory(prefix="spotcheck-") as folder:
        tmp = Path(folder) / f"census{ext}"
        try:
            tmp.write_bytes(raw)
            counts, problems = load_census(tmp, ruleset)
        except SpotcheckError as exc:
            raise renamed_error(exc, str(tmp), name) from None
        except OSError as exc:
            raise FindingsReadError(f"无法读取辖区单位数 {name}：{exc.strerror or exc}") from exc
    return counts, [renamed_problem(p, str(tmp), name) for p in problems]


def _census_entry(
    raw: RawRecord, ruleset: Ruleset, counts: CensusCounts, where: dict[tuple[str, str], str]
) -> list[Problem]:
    def problem(code: str, message: str, field: str | None, sugg: Sequence[str] = ()) -> Problem:
        sev = code_severity(code)
        pointer = "" if raw.line is not None else f"/{raw.seq}"
        return Problem(
            code=code,
            message=message,
            severity=sev,
            file=raw.file,
            line=raw.line,
            pointer=pointer,
            field=field,
            suggestions=tuple(sugg),
        )

    v = raw.value
    if isinstance(v, Unparsable):
        return [problem("C003", f"无法读取的条目：{v.reason}", None)]
    if not isinstance(v, Mapping):
        return [problem("C003", "辖区单位数的每条应为对象：domain、category、units", None)]
    extra = set(v) - {"domain", "category", "units"}
    if extra:
        return [problem("C003", f"未知字段：{'、'.join(sorted(map(str, extra)))}", None)]
    dref, cref, units = v.get("domain"), v.get("category"), v.get("units")
    if not isinstance(dref, str) or not isinstance(cref, str):
        return [problem("C003", "缺少 domain 或 category", None)]
    try:
        spec = ruleset.catalogue.index.get(dref.strip())
    except AmbiguousReferenceError as exc:
        return [problem("C001", str(exc), "domain", exc.candidates)]
    if spec is None:
        known = ruleset.catalogue.index.suggest(dref)
        return [problem("C001", f"未知的监督领域：{dref}", "domain", known)]
    rules = ruleset.domains.get(spec.id)
    if rules is None:
        return [problem("C001", f"计划 {ruleset.id} 不包含领域 {spec.id}", "domain")]
    try:
        cat = rules.categories.get(cref.strip())
    except AmbiguousReferenceError as exc:
        return [problem("C002", str(exc), "category", exc.candidates)]
    if cat is None:
        return [
            problem("C002", f"未知的单位类别：{cref}", "category", rules.categories.suggest(cref))
        ]
    if not rules.is_leaf(cat.id):
        return [problem("C005", f"“{cat.label}”是小计行，请按其下的具体类别填写", "category")]
    n = as_int(units)
    if n is None or n < 0:
        return [problem("C003", f"单位数应为非负整数，实为 {preview(units)}", "units")]
    key = (spec.id, cat.id)
    if key in where:
        return [problem("C004", f"{cat.label} 重复出现（先前在 {where[key]}）", "category")]
    where[key] = f"{raw.file} 第 {raw.line or raw.seq + 1} {'行' if raw.line else '条'}"
    counts[key] = n
    return []

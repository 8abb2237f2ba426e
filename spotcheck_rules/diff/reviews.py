"""What a reviewer says about changes: levels files and acknowledgements files."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from ..core.errors import Record, UsageError
from ..ruleset.documents import read_yaml
from .changes import RULES_BY_ID, Change, ChangeLevel


class Acknowledgement(Record):
    """A reviewed change: it stays listed but no longer fails ``--fail-on``."""

    fingerprint: str = Field(pattern=r"^[0-9a-f]{12}$")
    reason: str = Field(min_length=1)
    rule: str | None = Field(default=None, description="For the reader of the file; not checked")


class _AckFile(Record):
    acknowledgements: tuple[Acknowledgement, ...]


def apply_reviews(
    changes: list[Change], levels: Mapping[str, ChangeLevel], acks: Mapping[str, str]
) -> list[Change]:
    out = []
    for c in changes:
        upd: dict[str, Any] = {}
        if c.rule in levels and levels[c.rule] is not c.level:
            upd["level"] = levels[c.rule]
        if c.fingerprint in acks:
            upd["acknowledged"] = True
            upd["acknowledgement"] = acks[c.fingerprint]
        out.append(c.model_copy(update=upd) if upd else c)
    return out


def levels_arg(
    levels: Mapping[str, ChangeLevel | str] | str | os.PathLike[str] | None,
) -> dict[str, ChangeLevel]:
    if levels is None:
        return {}
    if isinstance(levels, (str, os.PathLike)):
        return load_levels(levels)
    return _check_levels(dict(levels), "levels")


def _check_levels(data: Mapping[Any, Any], where: str) -> dict[str, ChangeLevel]:
    out: dict[str, ChangeLevel] = {}
    for rule, level in data.items():
        if not isinstance(rule, str) or rule not in RULES_BY_ID:
            from ..core.text import closest

            hint = closest(str(rule), RULES_BY_ID)
            raise UsageError(
                f"{where}：未知的规则 {rule!r}" + (f"（是否指：{'、'.join(hint)}）" if hint else "")
            )
        if isinstance(level, ChangeLevel):
            out[rule] = level
        elif isinstance(level, str):
            out[rule] = ChangeLevel.parse(level)
        else:
            raise UsageError(
                f"{where}：规则 {rule} 的级别应为 breaking、dangerous、additive 或 info"
            )
    return out


def load_levels(path: str | os.PathLike[str]) -> dict[str, ChangeLevel]:
    """A levels file: a YAML or JSON mapping of rule id → level (``column-moved: breaking``)."""
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"找不到级别文件 {p}")
    data = read_yaml(p).data
    if isinstance(data, dict) and set(data) == {"levels"} and isinstance(data["levels"], dict):
        data = data["levels"]
    if not isinstance(data, dict):
        raise UsageError(f"{p}：级别文件应为映射（规则: 级别）")
    return _check_levels(data, str(p))


def acks_arg(acks: Iterable[Acknowledgement] | str | os.PathLike[str] | None) -> dict[str, str]:
    if acks is None:
        return {}
    if isinstance(acks, (str, os.PathLike)):
        acks = load_acknowledgements(acks)
    return {a.fingerprint: a.reason for a in acks}


def load_acknowledgements(path: str | os.PathLike[str]) -> list[Acknowledgement]:
    """An acknowledgements file (YAML or JSON)::

        acknowledgements:
          - fingerprint: 3f2a9c0d1e4b
            rule: column-removed        # optional, for the reader
            reason: 2025 年起该列并入…，已与统计科确认

    A bare list of such records is accepted too. Every record needs a reason.
    """
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"找不到确认文件 {p}")
    data = read_yaml(p).data
    if isinstance(data, list):
        data = {"acknowledgements": data}
    try:
        return list(_AckFile.model_validate(data).acknowledgements)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(x) for x in first["loc"])
        raise UsageError(
            f"{p}：确认文件格式不对（{where}：{first['msg']}）；每条须有 fingerprint 和 reason"
        ) from exc

"""One error model for the whole library.

Two different things go wrong for our users, and they are kept apart:

* input we cannot use at all (a file that is not YAML, a plan id that does not exist): that is
  a :class:`SpotcheckError`, raised;
* problems *found in* a ruleset or in findings (an unknown column, a fine with three decimals):
  those are :class:`Problem` records, collected — never just the first — and returned in a report.

A ``SpotcheckError`` may carry the problems that made the input unusable, so the CLI can print
all of them with their file, line and column instead of a traceback.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Problem",
    "Problems",
    "RulesetError",
    "Severity",
    "SpotcheckError",
    "UnknownRulesetError",
    "UsageError",
]


class Severity(str, enum.Enum):
    """How bad a problem is. Ordered: ``error`` > ``warning`` > ``info``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True, order=False)
class Problem:
    """One problem found in a ruleset or in findings.

    ``code`` is stable (documented in docs/) so programs can filter on it; ``message`` is for
    people and is written in Chinese for supervision staff. ``pointer`` is a JSON pointer into
    the document (``/columns/3/label``); ``file``/``line``/``column`` locate it for an editor
    (1-based, ``None`` when unknown). For tabular inputs ``line`` is the row number.
    """

    code: str
    message: str
    severity: Severity = Severity.ERROR
    file: str | None = None
    line: int | None = None
    column: int | None = None
    pointer: str = ""
    field: str | None = None
    suggestions: tuple[str, ...] = ()

    def location(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def format(self) -> str:
        """``file:line:col: severity CODE message (pointer)`` — the lint/compiler convention."""
        text = f"{self.location()}: {self.severity.value} {self.code} {self.message}"
        if self.suggestions:
            text += "（是否指：" + "、".join(self.suggestions) + "）"
        if self.pointer:
            text += f" [{self.pointer}]"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
            "field": self.field,
            "suggestions": list(self.suggestions),
        }

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.pointer, self.code)


@dataclass
class Problems:
    """An ordered, growable collection of :class:`Problem` records."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity is Severity.ERROR]

    def has_errors(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.items)

    def sorted(self) -> list[Problem]:
        return sorted(self.items, key=Problem.sort_key)


class SpotcheckError(Exception):
    """Base of every error this library raises for input it cannot use."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems: tuple[Problem, ...] = tuple(problems)

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [self.message, *("  " + p.format() for p in self.problems)]
        return "\n".join(lines)


class UsageError(SpotcheckError):
    """The caller asked for something that cannot be done (bad option, bad combination)."""


class UnknownRulesetError(SpotcheckError):
    """A plan or checklist id that no registry knows."""


class RulesetError(SpotcheckError):
    """A ruleset file that could not be read or does not validate; ``problems`` says why."""

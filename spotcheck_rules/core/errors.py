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
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Problem",
    "ProblemBase",
    "Problems",
    "Record",
    "Report",
    "RulesetError",
    "Severity",
    "SpotcheckError",
    "UnknownRulesetError",
    "UsageError",
    "contract",
    "known_record",
]


class Severity(str, enum.Enum):
    """How bad a problem is. Ordered: ``error`` > ``warning`` > ``info``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


class Record(BaseModel):
    """Base of every published record: frozen (assigning raises), no unknown keys, and
    ``model_dump_json()`` / ``model_json_schema(mode="serialization")`` are its JSON contract
    (every key is always written, so every key is required in the schema)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_serialization_defaults_required=True,
        defer_build=True,
    )


SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_BASE_ID = "https://spotcheck-rules.invalid/schemas/"


def contract(name: str, title: str) -> dict[str, Any]:
    """``json_schema_extra`` of a model whose JSON is published as ``schemas/<name>.schema.json``:
    its ``model_json_schema(mode="serialization")`` is then that file, exactly."""
    return {"$schema": SCHEMA_DIALECT, "$id": f"{SCHEMA_BASE_ID}{name}.schema.json", "title": title}


class ProblemBase(Record):
    """What findings problems, ruleset lint problems and diff changes have in common.

    Each can be seen as a :class:`Problem` (:meth:`to_problem`): a stable code, a severity, a
    message for people and a location. Programs that print or filter problems take this type.
    """

    def to_problem(self) -> Problem:
        raise NotImplementedError

    def location(self) -> str:
        return self.to_problem().location()

    def format(self) -> str:
        return self.to_problem().format()

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return self.to_problem().sort_key()


class Problem(ProblemBase):
    """One problem found in a ruleset or in findings.

    ``code`` is stable (documented in docs/) so programs can filter on it; ``message`` is for
    people and is written in Chinese for supervision staff. ``pointer`` is a JSON pointer into
    the document (``/columns/3/label``); ``file``/``line``/``column`` locate it for an editor
    (1-based, ``None`` when unknown). For tabular inputs ``line`` is the row number.

    ``code`` and ``message`` may be given by position: ``Problem("U104", "…", file=…)``.
    """

    code: str = Field(
        pattern=r"^([A-Z]+\d+|[a-z]+(-[a-z]+)*)$",
        description="F012, S001 …; a diff change's rule id (column-removed) as a problem",
    )
    severity: Severity = Severity.ERROR
    message: str
    file: str | None = None
    line: int | None = Field(default=None, ge=1)
    column: int | None = Field(default=None, ge=1)
    pointer: str = ""
    field: str | None = None
    suggestions: tuple[str, ...] = ()

    def __init__(self, code: str | None = None, message: str | None = None, /, **kw: Any) -> None:
        if code is not None:
            kw["code"] = code
        if message is not None:
            kw["message"] = message
        super().__init__(**kw)

    @classmethod
    def known(
        cls,
        code: str,
        message: str,
        severity: Severity,
        file: str | None,
        line: int | None,
        pointer: str,
        field: str | None,
        suggestions: tuple[str, ...],
    ) -> Problem:
        """A problem from values already known to be valid, without validating them again:
        for hot paths (validation creates one per problem found)."""
        p = _new(cls)
        _setattr(
            p,
            "__dict__",
            {
                "code": code,
                "severity": severity,
                "message": message,
                "file": file,
                "line": line,
                "column": None,
                "pointer": pointer,
                "field": field,
                "suggestions": suggestions,
            },
        )
        _setattr(p, "__pydantic_fields_set__", set(_ALL_FIELDS))
        _setattr(p, "__pydantic_extra__", None)
        _setattr(p, "__pydantic_private__", None)
        return p

    def to_problem(self) -> Problem:
        return self

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

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.pointer, self.code)


class Report(Record):
    """The one shape of what ``validate``, ``aggregate``, ``check`` and ``diff`` return.

    Every report has ``problems`` (its :class:`ProblemBase` records, in order), ``errors`` and
    ``warnings`` (those of that severity), ``ok`` (no errors) and :meth:`summary_line`, one
    sentence for people. ``model_dump_json()`` is its published JSON form.
    """

    if TYPE_CHECKING:  # a field or a property of each report; declared here for type checkers

        @property
        def problems(self) -> Sequence[ProblemBase]: ...

    @property
    def errors(self) -> list[Problem]:
        return [q for q in (p.to_problem() for p in self.problems) if q.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [
            q for q in (p.to_problem() for p in self.problems) if q.severity is Severity.WARNING
        ]

    @property
    def ok(self) -> bool:
        """No errors (warnings and information allowed)."""
        return not any(p.to_problem().severity is Severity.ERROR for p in self.problems)

    def summary_line(self) -> str:
        """One sentence for people: how many errors and warnings."""
        return f"错误 {len(self.errors)} 个，警告 {len(self.warnings)} 个。"


# Problem.known and known_record do what BaseModel.model_construct does, without its
# per-field default handling: a third of the cost of a validated construction.
_ALL_FIELDS = frozenset(Problem.model_fields)
_new = object.__new__
_setattr = object.__setattr__
_FIELD_SETS: dict[type[BaseModel], frozenset[str]] = {}

R = TypeVar("R", bound=Record)


def known_record(cls: type[R], **values: Any) -> R:
    """A record from values already known to be valid, every field given in field order.

    For hot paths only: nothing is validated (``model_construct`` without its overhead).
    """
    fields = _FIELD_SETS.get(cls)
    if fields is None:
        fields = _FIELD_SETS.setdefault(cls, frozenset(cls.model_fields))
    out = _new(cls)
    _setattr(out, "__dict__", values)
    _setattr(out, "__pydantic_fields_set__", set(fields))
    _setattr(out, "__pydantic_extra__", None)
    _setattr(out, "__pydantic_private__", None)
    return out


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

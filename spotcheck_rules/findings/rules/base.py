"""The rule type and the registry every findings check is registered in.

A rule is one check with one stable code (sqlfluff's rules, python-jsonschema's keywords): its
severity, title and message templates are the code's entry in the one catalogue
(:mod:`spotcheck_rules.core.codes`), so a message is rendered from the very template the
documentation shows; the rule adds what it reads (the findings fields), where its parameters
come from (the findings format, or which part of the ruleset) and the predicate that decides
it. Every path that checks findings — the coercion of one record, the detailed check, the JSON
Lines hot loop, the validator of one finding — applies the same rule objects; a rule may offer a
fast predicate beside its explanation, but is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, NamedTuple, TypeVar

from ...core.codes import CodeInfo, info
from ...core.errors import Severity

__all__ = ["FORMAT", "RULES", "Found", "Rule", "register", "rule"]

FORMAT = "findings format"
"""Where a rule's parameters come from when the ruleset plays no part: the findings contract
(docs/findings.md)."""


class Found(NamedTuple):
    """A problem a rule found in a field, before the checker locates it in a record."""

    code: str
    message: str
    field: str
    suggestions: tuple[str, ...] = ()


class Rule:
    """One findings check. Subclasses set ``code``, ``reads`` and ``params`` and add the
    predicate (``accepts``, ``fires``, ``canonical`` … as suits the check) and the explanation
    (:meth:`text` of one of the code's templates)."""

    code: ClassVar[str]
    reads: ClassVar[tuple[str, ...]]
    """The findings fields the rule reads (dotted for nested ones: ``penalty.fine_yuan``)."""
    params: ClassVar[str] = FORMAT
    """Where its parameters come from: :data:`FORMAT`, or ``ruleset: …`` naming the data."""

    @property
    def info(self) -> CodeInfo:
        return info(self.code)

    @property
    def severity(self) -> Severity:
        return self.info.severity

    @property
    def title(self) -> str:
        return self.info.title

    def text(self, variant: int = 0, /, **values: object) -> str:
        """The message: the code's template number ``variant`` with ``values`` filled in."""
        return self.info.messages[variant].format(**values)

    def __repr__(self) -> str:
        return f"<rule {self.code} {type(self).__name__}>"


_RULES: dict[str, Rule] = {}
RULES: Mapping[str, Rule] = _RULES
"""Every registered findings rule, by code (filled as the rule modules are imported)."""

R = TypeVar("R", bound=Rule)


def register(rule: R) -> R:
    """Register ``rule`` under its code (once: a second rule for a code is a programming error)
    and return it, so a module keeps the instance it applies: ``REGION = register(Region())``."""
    code = rule.code
    info(code)  # KeyError for a code the catalogue lacks
    if code in _RULES:
        raise ValueError(f"two rules for {code}: {_RULES[code]!r} and {rule!r}")
    _RULES[code] = rule
    return rule


def rule(code: str) -> Rule:
    """The rule registered for ``code``; ``KeyError`` if none."""
    return _RULES[code]

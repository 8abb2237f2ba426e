"""Resolving what users write (an id, an official label, an alias) to one entity.

Supervision staff type labels the way the form prints them, with full-width or half-width
brackets, sometimes with stray spaces; programs send ids. Both must land on the same entity,
and a reference that could mean two things must be refused rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ..core.errors import SpotcheckError
from ..core.text import closest, normalize

__all__ = ["AmbiguousReferenceError", "Index", "UnknownReferenceError"]

T = TypeVar("T")


class UnknownReferenceError(SpotcheckError, LookupError):
    def __init__(self, kind: str, ref: str, suggestions: Iterable[str] = ()) -> None:
        self.kind = kind
        self.ref = ref
        self.suggestions = tuple(suggestions)
        hint = f"（是否指：{'、'.join(self.suggestions)}）" if self.suggestions else ""
        super().__init__(f"未知的{kind}：{ref}{hint}")


class AmbiguousReferenceError(SpotcheckError, LookupError):
    def __init__(self, kind: str, ref: str, candidates: Iterable[str]) -> None:
        self.kind = kind
        self.ref = ref
        self.candidates = tuple(candidates)
        super().__init__(f"{kind}“{ref}”有歧义，可能是：{'、'.join(self.candidates)}")


@dataclass
class Index(Generic[T]):
    """A lookup table from id, label and aliases to entities of one kind.

    Ids win over labels: an id is matched exactly before any label is considered, so a label
    that happens to spell another entity's id cannot hijack it. Label keys that two entities
    share are remembered as ambiguous.
    """

    kind: str
    _by_id: dict[str, T] = field(default_factory=dict)
    _by_key: dict[str, T] = field(default_factory=dict)
    _ambiguous: dict[str, list[str]] = field(default_factory=dict)
    _exact: dict[str, T] = field(default_factory=dict)
    _labels: list[str] = field(default_factory=list)
    _frozen: bool = False

    def freeze(self) -> None:
        """Refuse further :meth:`add` calls (an index on a shared, cached ruleset)."""
        self._frozen = True

    def add(self, id_: str, entity: T, labels: Iterable[str]) -> None:
        if self._frozen:
            raise TypeError(f"{self.kind}索引已冻结，不可修改")
        self._by_id[id_] = entity
        self._exact[id_] = entity
        for label in labels:
            self._labels.append(label)
            key = normalize(label)
            other = self._by_key.get(key)
            if other is not None and other is not entity:
                self._ambiguous.setdefault(key, [self._id_of(other)]).append(id_)
            else:
                self._by_key[key] = entity
                self._exact.setdefault(label, entity)

    def _id_of(self, entity: T) -> str:
        for k, v in self._by_id.items():
            if v is entity:
                return k
        return "?"

    def get(self, ref: str) -> T | None:
        """The entity ``ref`` names, or None if unknown. Raises if ``ref`` is ambiguous."""
        hit = self._exact.get(ref)
        if hit is not None and ref not in self._ambiguous:
            return hit
        hit = self._by_id.get(ref)
        if hit is not None:
            return hit
        key = normalize(ref)
        if key in self._ambiguous:
            raise AmbiguousReferenceError(self.kind, ref, self._ambiguous[key])
        return self._by_key.get(key)

    def __getitem__(self, ref: str) -> T:
        hit = self.get(ref)
        if hit is None:
            raise UnknownReferenceError(self.kind, ref, self.suggest(ref))
        return hit

    def suggest(self, ref: str, limit: int = 3) -> list[str]:
        return closest(ref, [*self._by_id, *self._labels], limit=limit)

    def ambiguities(self) -> dict[str, list[str]]:
        return dict(self._ambiguous)

    def __contains__(self, ref: object) -> bool:
        return isinstance(ref, str) and self.get(ref) is not None

    def __len__(self) -> int:
        return len(self._by_id)

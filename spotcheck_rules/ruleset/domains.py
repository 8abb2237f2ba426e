"""The supervision domains (监督领域) as data: what a tree's ``domains.yaml`` declares.

A domain is an id, its official names, other names findings may use, its ownership vocabulary
(the words units of each ownership are called by: 公立/非公立 for a hospital, 公办/民办 for a
school) and the optional findings fields that apply to it. No Python names a domain: the five
of the national plan are declared in the bundled ``rulesets/domains.yaml``, and a plan's or a
plugin's tree declares more in its own.

:class:`DomainCatalogue` is what a loaded ruleset knows of domains: every domain the trees it
was built from declare (the bundled tree's first, then the others in search order; the first
declaration of an id wins), by id, name or alias, in the order outputs list domains in.
:class:`Vocabulary` is one domain's ownership words (and the union of all, for reading a
record before its domain is known).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NewType

from pydantic import Field, ValidationError

from ..core.errors import RulesetError
from .base import Id, Provenance, Text, _Model
from .reference import Index
from .registry import Tree, bundled_root, warn_plugin

__all__ = [
    "FINDINGS_FIELDS",
    "DomainCatalogue",
    "DomainFile",
    "DomainId",
    "DomainSpec",
    "FindingsField",
    "OwnershipValue",
    "Vocabulary",
    "bundled_catalogue",
    "catalogue_of",
    "domain_catalogue",
    "read_domains",
]

DomainId = NewType("DomainId", str)
"""A domain's id (``medical`` …), as a checklist's ``domain`` and a plan's ``domains`` keys."""

FindingsField = Literal[
    "unit_name",
    "ownership",
    "region",
    "inspected_on",
    "tier",
    "violations",
    "not_applicable",
    "penalty",
    "referred",
    "opinion_issued",
    "harm",
    "tests",
]
"""The optional fields of a finding (the required ones, unit_id, domain and category, always
apply)."""
FINDINGS_FIELDS: tuple[FindingsField, ...] = FindingsField.__args__  # type: ignore[attr-defined]


class OwnershipValue(_Model):
    """One ownership of a domain's units: its id and the words for it."""

    id: Id = Field(description="What findings and checklists' applies_to.ownership write")
    labels: tuple[Text, ...] = Field(
        min_length=1,
        description="The names messages show (F007 lists them all); the first names it",
    )
    aliases: tuple[Text, ...] = Field(default=(), description="Further spellings findings may use")
    units: Text = Field(
        description="What units of this ownership are called, as in 仅适用于公立医疗机构"
    )
    provenance: Provenance


class DomainSpec(_Model):
    """One supervision domain (监督领域)."""

    id: Id
    labels: tuple[Text, ...] = Field(
        min_length=1, description="Official names, as plans print them; the first is shown"
    )
    aliases: tuple[Text, ...] = Field(
        default=(), description="Other names findings, rosters and --domain may use"
    )
    ownership: tuple[OwnershipValue, ...] = Field(
        default=(),
        description="The ownerships a unit of this domain may have (none: the domain does not "
        "tell units apart by ownership)",
    )
    fields: tuple[FindingsField, ...] | None = Field(
        default=None,
        description="The optional findings fields that apply (default: all); a finding of the "
        "domain that fills another is F067",
    )
    provenance: Provenance

    @property
    def label(self) -> str:
        return self.labels[0]

    def applies(self, name: str) -> bool:
        """Whether an optional findings field applies to this domain."""
        if name == "ownership" and not self.ownership:
            return False
        return self.fields is None or name in self.fields


class DomainFile(_Model):
    """domains.yaml: the domains a tree declares, in the order outputs list them."""

    kind: Literal["domains"] = "domains"
    domains: tuple[DomainSpec, ...] = Field(min_length=1)


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """Ownership words to ids: one domain's, or the union of several (first declaration of a
    word wins). Lookups take the word as written, then trimmed (nothing else is folded)."""

    values: tuple[OwnershipValue, ...]
    words: Mapping[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        words: dict[str, str] = {}
        for v in self.values:
            for w in (v.id, *v.labels, *v.aliases):
                words.setdefault(w, v.id)
        object.__setattr__(self, "words", words)

    @classmethod
    def union(cls, vocabularies: Iterable[Vocabulary]) -> Vocabulary:
        seen: dict[tuple[str, tuple[str, ...], tuple[str, ...]], OwnershipValue] = {}
        for voc in vocabularies:
            for v in voc.values:
                seen.setdefault((v.id, v.labels, v.aliases), v)
        return cls(tuple(seen.values()))

    def canonical(self, value: object) -> str | None:
        """The ownership id a word names, else ``None``."""
        if not isinstance(value, str):
            return None
        hit = self.words.get(value)
        return hit if hit is not None else self.words.get(value.strip())

    def value(self, ownership_id: str) -> OwnershipValue | None:
        return next((v for v in self.values if v.id == ownership_id), None)

    def label(self, ownership_id: str) -> str:
        """How messages name an ownership (its id when the vocabulary lacks it)."""
        v = self.value(ownership_id)
        return v.labels[0] if v is not None else ownership_id

    def units(self, ownership_id: str) -> str:
        """What units of an ownership are called (公立医疗机构)."""
        v = self.value(ownership_id)
        return v.units if v is not None else ownership_id

    def expected(self) -> str:
        """What a message says ownership should be: ``public（公立）或 private（非公立、民营）``."""
        if not self.values:
            return "所属领域在 domains.yaml 中声明的所有制"
        return "或".join(f" {v.id}（{'、'.join(v.labels)}）" for v in self.values).strip()

    def __bool__(self) -> bool:
        return bool(self.values)


class DomainCatalogue:
    """Every domain a ruleset's trees declare: by id, name or alias, in declaration order."""

    def __init__(self, specs: Iterable[DomainSpec]) -> None:
        self._specs: dict[str, DomainSpec] = {}
        for s in specs:
            self._specs.setdefault(s.id, s)
        self._build()

    def _build(self) -> None:
        index: Index[DomainSpec] = Index("监督领域")
        for s in self._specs.values():
            index.add(s.id, s, (*s.labels, *s.aliases))
        index.freeze()
        self.index = index
        self._rank = {d: n for n, d in enumerate(self._specs)}
        self._vocab = {d: Vocabulary(s.ownership) for d, s in self._specs.items()}
        self.ownership = Vocabulary.union(self._vocab.values())
        """Every domain's ownership words: what a record is read with before its domain is
        known."""

    def __getstate__(self) -> dict[str, object]:
        return {"specs": tuple(self._specs.values())}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._specs = {s.id: s for s in state["specs"]}  # type: ignore[attr-defined]
        self._build()

    def specs(self) -> tuple[DomainSpec, ...]:
        """The declared domains, in order."""
        return tuple(self._specs.values())

    @classmethod
    def merged(cls, *catalogues: DomainCatalogue) -> DomainCatalogue:
        """One catalogue of several (the first declaration of an id wins)."""
        return cls(s for c in catalogues for s in c.specs())

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, domain: object) -> bool:
        return domain in self._specs

    def get(self, domain: str) -> DomainSpec | None:
        return self._specs.get(domain)

    def __getitem__(self, domain: str) -> DomainSpec:
        return self._specs[domain]

    def label(self, domain: str) -> str:
        """A domain's official name (its id when no tree declares it)."""
        s = self._specs.get(domain)
        return s.label if s is not None else domain

    def rank(self, domain: str) -> tuple[int, str]:
        """Sort key: declaration order, then undeclared ids by id."""
        n = self._rank.get(domain)
        return (n, "") if n is not None else (len(self._rank), domain)

    def vocabulary(self, domain: str) -> Vocabulary:
        """A domain's ownership words (empty for an undeclared id)."""
        return self._vocab.get(domain) or Vocabulary(())

    def known(self) -> str:
        """The known domains as messages list them: ``medical（医疗机构）、…``."""
        return "、".join(f"{d}（{s.label}）" for d, s in self._specs.items()) or "无"


def read_domains(path: Path) -> tuple[DomainSpec, ...]:
    """The domains one ``domains.yaml`` declares (none when there is no such file); raises
    :class:`RulesetError` with every problem, located, for a file that does not validate."""
    if not path.is_file():
        return ()
    from .documents import read_yaml
    from .lint import validation_problems

    doc = read_yaml(path)
    try:
        return DomainFile.model_validate(doc.data).domains
    except ValidationError as exc:
        raise RulesetError(f"{doc.file} 未通过校验", validation_problems(doc, exc)) from exc


def catalogue_of(search: Sequence[Tree]) -> DomainCatalogue:
    """Every domain the trees declare: the bundled tree's first (its domains keep their place
    whatever else is installed), then the others in search order; the first declaration of an
    id wins. A plugin's broken domains.yaml is one warning naming it (P230), as for sources."""
    found: list[DomainSpec] = []
    ordered = [t for t in search if t.provider == "bundled"]
    for tree in ordered + [t for t in search if t.provider != "bundled"]:
        try:
            found.extend(read_domains(tree.domains_path))
        except RulesetError as exc:
            if tree.provider in ("bundled", "file"):
                raise
            first = f"：{exc.problems[0].format()}" if exc.problems else ""
            warn_plugin(tree.provider, exc.message + first, file=str(tree.domains_path))
    return DomainCatalogue(found)


def domain_catalogue(near: str | os.PathLike[str] | None = None) -> DomainCatalogue:
    """The domains known where a ruleset file at ``near`` is read (its own tree's, the bundled
    and the plugin trees'); with no file, the bundled and plugin trees'."""
    from .loader import _search_order

    return catalogue_of(_search_order(Path(near) if near is not None else None))


_bundled: DomainCatalogue | None = None
_lock = threading.Lock()


def bundled_catalogue() -> DomainCatalogue:
    """The domains the bundled tree declares (for what is read without a ruleset at hand)."""
    global _bundled
    with _lock:
        if _bundled is None:
            _bundled = DomainCatalogue(read_domains(bundled_root() / "domains.yaml"))
        return _bundled

"""The building blocks every ruleset document shares: the frozen model base, ids and texts,
:class:`FrozenDict`, and where an entity comes from (:class:`Cite`, :class:`Provenance`).

Apart from :mod:`.model` so that the documents defined beside it (the enforcement specification
and the links to it, :mod:`.spec`) share them without an import cycle; :mod:`.model` re-exports
every public name here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, NoReturn, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

__all__ = ["Cite", "FrozenDict", "Id", "Provenance", "Text", "freeze"]

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64),
    Field(
        description="Stable ASCII snake_case id; keep it across years when the meaning is the same."
    ),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]


class _Model(BaseModel):
    # defer_build: a model's validator and serializer are built on first use, not on import
    # (a ruleset from the on-disk cache is never validated again; importing stays fast)
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)


K = TypeVar("K")
V = TypeVar("V")


class FrozenDict(dict[K, V]):
    """A ``dict`` that refuses changes: the mappings inside the models of a loaded (cached,
    shared) ruleset. It serialises and pickles as a dict does."""

    __slots__ = ()

    def _refuse(self, *_: object, **__: object) -> NoReturn:
        raise TypeError("规则集中的映射不可修改（FrozenDict）")

    __setitem__ = __delitem__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse
    __ior__ = _refuse

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def copy(self) -> dict[K, V]:
        """A plain, mutable copy."""
        return dict(self)


def freeze(value: Mapping[K, V] | Iterable[tuple[K, V]]) -> FrozenDict[K, V]:
    return value if isinstance(value, FrozenDict) else FrozenDict(value)


_CITE_SHORTHAND = re.compile(r"^\s*(\S+)(?:\s+(\S+))?(?:\s+(.+?))?\s*$")


class Cite(_Model):
    """One place in one source document: ``{source: sx2025, table: 附表2, ref: 第17列}``.

    In YAML a cite may be written as the shorthand string ``"sx2025 附表2 第17列"``.
    """

    source: Annotated[str, Field(description="Key of a document in rulesets/sources.yaml")]
    table: str | None = Field(default=None, description="附表N, or a section such as 二(一)")
    ref: str | None = Field(default=None, description="Row, column or item within the table")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            m = _CITE_SHORTHAND.match(data)
            if not m:
                raise ValueError("cite must be 'SOURCE [TABLE [REF]]'")
            return {"source": m.group(1), "table": m.group(2), "ref": m.group(3)}
        return data

    def __str__(self) -> str:
        return " ".join(p for p in (self.source, self.table, self.ref) if p)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The shorthand string is what authors write most; the schema must accept it too.
        full = handler(core_schema)
        return {
            "anyOf": [
                {
                    "type": "string",
                    "pattern": r"^\S+(\s+\S+)?(\s+.+)?$",
                    "description": "Shorthand: 'SOURCE [TABLE [REF]]'",
                },
                full,
            ]
        }


class Provenance(_Model):
    """Where an entity comes from. Either it cites a source, or it is ``inferred`` with a reason.

    ``note`` records what a careful reader should know: a damaged header reconstructed, two
    sources that disagree, a source typo kept on purpose.
    """

    cites: tuple[Cite, ...] = ()
    inferred: str | None = Field(
        default=None, description="Why this is inferred; set exactly when no source states it."
    )
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"cites": [data]}
        if isinstance(data, list):
            return {"cites": data}
        return data

    @model_validator(mode="after")
    def _cited_or_inferred(self) -> Provenance:
        if not self.cites and not self.inferred:
            raise ValueError("provenance needs at least one cite, or 'inferred' with a reason")
        return self

    @property
    def is_inferred(self) -> bool:
        return self.inferred is not None

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        full = handler(core_schema)
        cite = handler.resolve_ref_schema(full)["properties"]["cites"]["items"]
        return {
            "anyOf": [
                full,
                {"type": "string", "description": "Shorthand for a single cite"},
                {"type": "array", "items": cite, "description": "Shorthand for cites"},
            ]
        }

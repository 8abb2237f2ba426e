"""JSON Schemas (draft 2020-12) for every file format we read or write.

The schemas are generated from the models — never written by hand — and committed in
``schemas/`` so that editors can complete ruleset YAML (``# yaml-language-server: $schema=…``)
and other systems can validate our JSON. ``python -m spotcheck_rules.schemas --write`` rewrites
them; a test fails when a committed schema is stale.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from pydantic import BaseModel

from ._generated import generated_main
from .errors import SCHEMA_BASE_ID, SCHEMA_DIALECT, UsageError
from .model import Checklist, Plan, SourceRegistry

__all__ = ["SCHEMA_NAMES", "generated_schema", "render_schema", "schema"]

_DIALECT = SCHEMA_DIALECT
_BASE_ID = SCHEMA_BASE_ID


def _model_schema(model: type[BaseModel], title: str) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        out = model.model_json_schema(mode="validation")
        out["title"] = title
        return out

    return build


def _lazy(module: str, function: str) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        fn = getattr(importlib.import_module(f"spotcheck_rules.{module}"), function)
        result: dict[str, Any] = fn()
        return result

    return build


# name → builder. Contracts of other modules are imported lazily so that loading a plan does
# not import the xlsx or diff machinery.
_BUILDERS: dict[str, Callable[[], dict[str, Any]]] = {
    "checklist": _model_schema(Checklist, "spotcheck_rules checklist (one domain, one year)"),
    "plan": _model_schema(Plan, "spotcheck_rules plan (one jurisdiction, one year)"),
    "sources": _model_schema(SourceRegistry, "spotcheck_rules source documents"),
    "findings": _lazy("findings", "findings_json_schema"),
    "census": _lazy("findings", "census_json_schema"),
    "result": _lazy("tables", "result_json_schema"),
    "validation": _lazy("validation", "validation_json_schema"),
    "check": _lazy("errors", "check_json_schema"),
    "diff": _lazy("diff", "diff_json_schema"),
    "audit": _lazy("audit", "audit_json_schema"),
}
SCHEMA_NAMES = tuple(_BUILDERS)


def generated_schema(name: str) -> dict[str, Any]:
    """The JSON Schema called ``name`` (one of :data:`SCHEMA_NAMES`), built from the models."""
    try:
        builder = _BUILDERS[name]
    except KeyError:
        raise UsageError(f"未知的 schema：{name}（可用：{'、'.join(SCHEMA_NAMES)}）") from None
    out = {"$schema": _DIALECT, "$id": f"{_BASE_ID}{name}.schema.json", **builder()}
    return out


def schema(name: str) -> dict[str, Any]:
    """The published JSON Schema called ``name`` (one of :data:`SCHEMA_NAMES`): the
    ``schemas/NAME.schema.json`` shipped with the package (CI keeps it equal to
    :func:`generated_schema`), read afresh on every call; generated where it is not shipped
    as a file (a package imported from a zip)."""
    if name not in _BUILDERS:
        generated_schema(name)  # raises the UsageError
    from .registry import schemas_root

    try:
        text = (schemas_root() / f"{name}.schema.json").read_text(encoding="utf-8")
    except OSError:
        return generated_schema(name)
    published: dict[str, Any] = json.loads(text)
    return published


def render_schema(name: str) -> str:
    text = json.dumps(generated_schema(name), ensure_ascii=False, indent=2, sort_keys=True)
    return text + "\n"


def main(argv: Sequence[str] | None = None, *, stderr: TextIO) -> int:
    return generated_main(
        "python -m spotcheck_rules.schemas",
        lambda: {f"{name}.schema.json": render_schema(name) for name in SCHEMA_NAMES},
        argv,
        stderr=stderr,
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(stderr=sys.stderr))

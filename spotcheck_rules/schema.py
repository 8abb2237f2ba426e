"""JSON Schemas (draft 2020-12) for every file format we read or write.

The schemas are generated from the models — never written by hand — and committed in
``schemas/`` so that editors can complete ruleset YAML (``# yaml-language-server: $schema=…``)
and other systems can validate our JSON. ``python -m spotcheck_rules.schema --write`` rewrites
them; a test fails when a committed schema is stale.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .errors import UsageError
from .model import Checklist, Plan, SourceRegistry

__all__ = ["SCHEMA_NAMES", "render_schema", "schema"]

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_BASE_ID = "https://spotcheck-rules.invalid/schemas/"


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
    "diff": _lazy("diff", "diff_json_schema"),
    "audit": _lazy("audit", "audit_json_schema"),
}
SCHEMA_NAMES = tuple(_BUILDERS)


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema called ``name`` (one of :data:`SCHEMA_NAMES`)."""
    try:
        builder = _BUILDERS[name]
    except KeyError:
        raise UsageError(f"未知的 schema：{name}（可用：{'、'.join(SCHEMA_NAMES)}）") from None
    out = {"$schema": _DIALECT, "$id": f"{_BASE_ID}{name}.schema.json", **builder()}
    return out


def render_schema(name: str) -> str:
    return json.dumps(schema(name), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _available() -> list[str]:
    names = []
    for name in SCHEMA_NAMES:
        try:
            schema(name)
        except (ImportError, AttributeError):
            continue  # a contract whose module is not written yet
        names.append(name)
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spotcheck_rules.schema")
    parser.add_argument("--write", metavar="DIR", help="write every schema into DIR")
    parser.add_argument("--check", metavar="DIR", help="exit 1 if a schema in DIR is stale")
    args = parser.parse_args(argv)
    target = args.write or args.check
    if target is None:
        parser.error("give --write DIR or --check DIR")
    stale = []
    for name in _available():
        path = Path(target) / f"{name}.schema.json"
        text = render_schema(name)
        if args.write:
            path.write_text(text, encoding="utf-8")
        elif not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
    for path in stale:
        sys.stderr.write(f"stale: {path}\n")
    return 1 if stale else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

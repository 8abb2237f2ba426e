"""JSON Schemas (draft 2020-12) for every file format we read or write.

The schemas are generated from the models — never written by hand — and committed in
``schemas/`` so that editors can complete ruleset YAML (``# yaml-language-server: $schema=…``)
and other systems can validate our JSON. ``python -m spotcheck_rules.schemas.catalogue --write
schemas`` rewrites them; a test fails when a committed schema is stale.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from pydantic import BaseModel

from ..core.errors import SCHEMA_BASE_ID, SCHEMA_DIALECT, UsageError
from ..core.generated import generated_main
from ..ruleset.domains import DomainFile
from ..ruleset.model import Checklist, Plan, SourceRegistry
from ..ruleset.spec import Spec

__all__ = ["SCHEMA_NAMES", "generated_schema", "render_schema", "schema"]

_DIALECT = SCHEMA_DIALECT
_BASE_ID = SCHEMA_BASE_ID


def _model_schema(model: type[BaseModel], title: str) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        out = model.model_json_schema(mode="validation")
        out["title"] = title
        return out

    return build


# The contracts of other packages are imported when their schema is built, so that loading a
# plan does not import the xlsx or diff machinery. Written as imports (not importlib) so that
# the layer contract (pyproject.toml, [tool.importlinter]) sees them.
def _findings() -> dict[str, Any]:
    from ..findings.models import findings_json_schema

    return findings_json_schema()


def _census() -> dict[str, Any]:
    from ..findings.models import census_json_schema

    return census_json_schema()


def _result() -> dict[str, Any]:
    from ..tables.result import result_json_schema

    return result_json_schema()


def _validation() -> dict[str, Any]:
    from ..findings.validation import validation_json_schema

    return validation_json_schema()


def _check() -> dict[str, Any]:
    from ..core.checkreport import check_json_schema

    return check_json_schema()


def _diff() -> dict[str, Any]:
    from ..diff.changes import diff_json_schema

    return diff_json_schema()


def _audit() -> dict[str, Any]:
    from ..draws.audit import audit_json_schema

    return audit_json_schema()


# name → builder.
_BUILDERS: dict[str, Callable[[], dict[str, Any]]] = {
    "checklist": _model_schema(Checklist, "spotcheck_rules checklist (one domain, one year)"),
    "plan": _model_schema(Plan, "spotcheck_rules plan (one jurisdiction, one year)"),
    "sources": _model_schema(SourceRegistry, "spotcheck_rules source documents"),
    "spec": _model_schema(Spec, "spotcheck_rules enforcement specification (clause by clause)"),
    "domains": _model_schema(DomainFile, "spotcheck_rules supervision domains (监督领域)"),
    "findings": _findings,
    "census": _census,
    "result": _result,
    "validation": _validation,
    "check": _check,
    "diff": _diff,
    "audit": _audit,
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
    from ..ruleset.registry import schemas_root

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
        "python -m spotcheck_rules.schemas.catalogue",
        lambda: {f"{name}.schema.json": render_schema(name) for name in SCHEMA_NAMES},
        argv,
        stderr=stderr,
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(stderr=sys.stderr))

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from spotcheck_rules.ruleset.documents import read_yaml
from spotcheck_rules.schemas.catalogue import SCHEMA_NAMES, render_schema

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted((ROOT / "rulesets").rglob("*.yaml"))


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_committed_schema_is_current(name: str) -> None:
    # Regenerate with: python -m spotcheck_rules.schemas.catalogue --write schemas
    committed = ROOT / "schemas" / f"{name}.schema.json"
    assert committed.is_file(), f"{committed} missing"
    assert committed.read_text(encoding="utf-8") == render_schema(name), f"{name} is stale"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = json.loads(render_schema(name))
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bundled_file_validates_against_its_schema(path: Path) -> None:
    data = read_yaml(path).data
    schema = json.loads((ROOT / "schemas" / f"{data['kind']}.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bundled_file_points_editors_at_its_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    kind = read_yaml(path).data["kind"]
    assert first.startswith("# yaml-language-server: $schema=")
    target = (path.parent / first.split("=", 1)[1]).resolve()
    assert target == (ROOT / "schemas" / f"{kind}.schema.json").resolve()

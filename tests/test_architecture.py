"""The packages' layers: the picture in docs/architecture.md is current, and the code keeps to
the layers pyproject.toml declares (lint-imports checks the same in CI, with import chains)."""

from __future__ import annotations

import ast
import io
import sys
from pathlib import Path

import pytest

from spotcheck_rules.core.architecture import main, package_imports, region
from spotcheck_rules.core.generated import splice

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "spotcheck_rules"
DOC = ROOT / "docs" / "architecture.md"


def _layers() -> list[set[str]]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c["containers"] == ["spotcheck_rules"]
    ]
    return [{name.strip() for name in layer.split("|")} for layer in contract["layers"]]


def test_the_picture_is_current() -> None:
    # Regenerate with: python -m spotcheck_rules.core.architecture --write docs
    text = DOC.read_text(encoding="utf-8")
    assert splice(text, region()) == text, f"{DOC} is stale"
    err = io.StringIO()
    assert main(["--check", str(DOC.parent)], stderr=err) == 0, err.getvalue()


def test_a_stale_picture_is_named(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    stale = splice(text, region({"core": set(), "ruleset": {"core"}}))
    assert stale is not None and stale != text
    (tmp_path / "architecture.md").write_text(stale, encoding="utf-8")
    err = io.StringIO()
    assert main(["--check", str(tmp_path)], stderr=err) == 1
    assert "architecture.md" in err.getvalue()
    assert main(["--write", str(tmp_path)], stderr=err) == 0
    assert (tmp_path / "architecture.md").read_text(encoding="utf-8") == text


def test_every_package_imports_only_layers_below_it() -> None:
    layers = _layers()
    rank = {name: len(layers) - i for i, layer in enumerate(layers) for name in layer}
    graph = package_imports()
    assert set(graph) == set(rank), "a package is missing from the contract (or vice versa)"
    upward = {(a, b) for a, targets in graph.items() for b in targets if rank[b] >= rank[a]}
    assert upward == set()


def test_an_upward_import_shows_in_the_graph(tmp_path: Path) -> None:
    # The computation the picture and the test above rest on does see a new upward import.
    root = tmp_path / "spotcheck_rules"
    for pkg, body in {
        "core": "def f():\n    from ..tables.result import TOTAL\n",
        "tables": "from ..core.text import normalize\n",
    }.items():
        (root / pkg).mkdir(parents=True)
        (root / pkg / "__init__.py").write_text('"""x."""\n')
        (root / pkg / "mod.py").write_text(body)
    assert package_imports(root) == {"core": {"tables"}, "tables": {"core"}}


def test_every_package_says_what_it_owns_and_may_import() -> None:
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "Owns" in doc and "May import" in doc, init


def test_no_module_imports_another_packages_underscore_names() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2:
            continue  # the façade
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            # Relative imports of level <= depth stay inside this module's top-level package.
            depth = len(parts) - 1
            if node.level <= depth:
                continue
            target = (node.module or "").split(".")[0]
            if target == parts[0]:
                continue
            private = [a.name for a in node.names if a.name.startswith("_")]
            if private or (node.module or "").split(".")[-1].startswith("_"):
                found.append(f"{'/'.join(parts)}:{node.lineno} {target} {private}")
    assert found == []


def test_the_façade_imports_no_package_module_at_import_time() -> None:
    # `import spotcheck_rules` stays cheap: the façade's own imports are all TYPE_CHECKING.
    code = "import sys, spotcheck_rules; print(sorted(m for m in sys.modules if m.startswith('spotcheck_rules.')))"
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"

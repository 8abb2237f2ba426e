"""The picture of the packages in docs/architecture.md, computed from the code.

:func:`package_imports` reads every module of ``spotcheck_rules`` with :mod:`ast` (no import
runs) and lists which package imports which: every ``import`` and ``from … import`` statement
counts, at module level or inside a function, under ``TYPE_CHECKING`` too — the statements
import-linter checks. :func:`picture` draws them as a Mermaid flowchart and :func:`table` lists each package's modules;
:func:`region` is both, the generated part of docs/architecture.md.

``python -m spotcheck_rules.core.architecture --write docs`` rewrites the picture;
``--check docs`` exits 1 when it is stale (tests/test_architecture.py runs the same comparison).
It imports nothing of the package but :mod:`.generated`, so it sits in ``core``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from .generated import Region, generated_main

__all__ = ["modules", "package_imports", "pages", "picture", "region", "table"]

PACKAGE = "spotcheck_rules"
_ROOT = Path(__file__).resolve().parent.parent  # the spotcheck_rules package


def _module_name(path: Path, root: Path) -> tuple[str, bool]:
    """The dotted name of the module at ``path`` and whether it is a package's ``__init__``."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _imported(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """The absolute names of the ``spotcheck_rules`` modules a module's statements import."""
    here = module.split(".") if is_package else module.split(".")[:-1]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            out.add(target)
            if node.module is None:  # from . import a, b: the names may be modules
                out.update(f"{target}.{a.name}" for a in node.names)
    return {name for name in out if name == PACKAGE or name.startswith(PACKAGE + ".")}


def package_imports(root: Path = _ROOT) -> dict[str, set[str]]:
    """Each top-level package of ``spotcheck_rules`` → the other top-level packages it imports.

    The package's own ``__init__`` (the lazy façade of the public API) is left out: it is no
    layer, and nothing inside imports it.
    """
    packages = sorted(p.name for p in root.iterdir() if (p / "__init__.py").is_file())
    out: dict[str, set[str]] = {name: set() for name in packages}
    for path in sorted(root.rglob("*.py")):
        module, is_package = _module_name(path, root)
        parts = module.split(".")
        if len(parts) < 2 or parts[1] not in out:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for target in _imported(tree, module, is_package):
            tparts = target.split(".")
            if len(tparts) >= 2 and tparts[1] in out and tparts[1] != parts[1]:
                out[parts[1]].add(tparts[1])
    return out


def _depth(graph: Mapping[str, set[str]], name: str, seen: frozenset[str] = frozenset()) -> int:
    """How many packages lie below ``name`` on its longest chain of imports."""
    if name in seen:  # a cycle; the layer contract fails on it, the picture still draws
        return 0
    return max((1 + _depth(graph, t, seen | {name}) for t in graph[name]), default=0)


def picture(graph: Mapping[str, set[str]]) -> str:
    """A Mermaid flowchart of ``graph``: a box per package, listed from the one with the longest
    chain of imports below it down to the bottom, and an arrow per import (importer → imported)."""
    order = sorted(graph, key=lambda name: (-_depth(graph, name), name))
    lines = ["```mermaid", "flowchart TD"]
    lines.extend(f"    {name}[{name}]" for name in order)
    for name in order:
        lines.extend(f"    {name} --> {target}" for target in sorted(graph[name]))
    lines.append("```")
    return "\n".join(lines)


def modules(root: Path = _ROOT) -> dict[str, list[str]]:
    """Each top-level package → the names of its modules (subpackages as ``name/``)."""
    out: dict[str, list[str]] = {}
    for pkg in sorted(p for p in root.iterdir() if (p / "__init__.py").is_file()):
        names = [m.stem for m in sorted(pkg.glob("*.py")) if m.name != "__init__.py"]
        names += [f"{d.name}/" for d in sorted(pkg.iterdir()) if (d / "__init__.py").is_file()]
        out[pkg.name] = names
    return out


def table(graph: Mapping[str, set[str]], mods: Mapping[str, Sequence[str]]) -> str:
    """A Markdown table: each package, its modules, and the packages it imports."""
    order = sorted(graph, key=lambda name: (-_depth(graph, name), name))
    lines = ["| package | modules | imports |", "|---|---|---|"]
    for name in order:
        inside = ", ".join(f"`{m}`" for m in mods.get(name, ()))
        uses = ", ".join(f"`{t}`" for t in sorted(graph[name], key=order.index)) or "—"
        lines.append(f"| `{name}` | {inside} | {uses} |")
    return "\n".join(lines)


def region(graph: Mapping[str, set[str]] | None = None) -> Region:
    """The generated part of docs/architecture.md: the picture and the table of the packages
    (of ``graph``, or of the code as it is now)."""
    graph = package_imports() if graph is None else graph
    return Region("packages", f"{picture(graph)}\n\n{table(graph, modules())}\n")


def pages() -> Mapping[str, str | Region]:
    """File name (in docs/) → its generated region."""
    return {"architecture.md": region()}


def main(argv: Sequence[str] | None = None, *, stderr: TextIO) -> int:
    return generated_main("python -m spotcheck_rules.core.architecture", pages, argv, stderr=stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(stderr=sys.stderr))

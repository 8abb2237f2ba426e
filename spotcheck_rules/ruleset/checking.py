"""Checking ruleset files (``spotcheck check``): every problem of each file, located.

Apart from :mod:`.loader` (which it uses to build each plan it checks) so the loader stays the
one thing it is; :func:`.loader.check_files` and :func:`.loader.ruleset_files` call these.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..core.errors import Problem, RulesetError, Severity, UnknownRulesetError
from .documents import Document, pointer_escape
from .domains import DomainFile, catalogue_of
from .loader import (
    _build,
    _checklist_for,
    _declaring_doc,
    _locate,
    _parse,
    _resolve,
    _search_order,
    _sources,
    _specs,
)
from .model import Checklist, Plan, SourceRegistry
from .registry import Tree
from .spec import Spec

__all__ = ["check_files", "ruleset_files"]


def _raw_domain_problems(doc: Document, path: Path) -> list[Problem]:
    """P213 for the domains a file that did not validate names (its ``domain:``, its
    ``domains:`` keys): every problem at once, an undeclared domain too."""
    from .lint import unknown_domain

    data = doc.data if isinstance(doc.data, dict) else {}
    named: list[tuple[str, str]] = []
    if data.get("kind") == "checklist" and isinstance(data.get("domain"), str):
        named.append(("/domain", data["domain"]))
    if data.get("kind") == "plan" and isinstance(data.get("domains"), dict):
        named += [
            (f"/domains/{pointer_escape(k)}", k) for k in data["domains"] if isinstance(k, str)
        ]
    if not named:
        return []
    try:
        catalogue = catalogue_of(_search_order(path))
    except RulesetError:
        return []
    return [unknown_domain(doc, d, ptr, catalogue) for ptr, d in named if d not in catalogue]


def ruleset_files(paths: list[Path]) -> list[Path]:
    """The files ``check`` lints: each file as given, and for a folder every ``.yaml`` /
    ``.yml`` file under it (hidden folders skipped), in sorted order."""
    out: list[Path] = []
    for path in paths:
        if not path.is_dir():
            out.append(path)
            continue
        found = [
            p
            for p in path.rglob("*")
            if p.suffix.lower() in (".yaml", ".yml")
            and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        ]
        out.extend(sorted(found))
    return out


def check_files(paths: list[Path]) -> list[Problem]:
    """Lint ruleset files (plans, checklists, source registries): every problem, located.

    A folder stands for every YAML file under it (:func:`ruleset_files`)."""
    files = ruleset_files(paths)
    # A checklist's problems come once for the file itself and again, under its resolved path,
    # for every plan built on it: name each file as it was given, and report each problem once.
    shown = {str(f.resolve()): str(f) for f in files}
    seen: set[tuple[object, ...]] = set()
    problems: list[Problem] = []
    for path in files:
        for p in _check_one(path):
            if p.file is not None and p.file in shown:
                p = p.model_copy(update={"file": shown[p.file]})
            key = (p.file, p.line, p.column, p.pointer, p.code, p.message)
            if key not in seen:
                seen.add(key)
                problems.append(p)
    return sorted(problems, key=Problem.sort_key)


def _check_one(path: Path) -> list[Problem]:
    from .documents import read_yaml
    from .lint import (
        checklist_problems,
        domain_file_problems,
        plan_problems,
        source_file_problems,
        validation_problems,
    )
    from .speclint import link_problems, spec_problems

    try:
        doc = read_yaml(path)
    except RulesetError as exc:
        return list(exc.problems) or [Problem("Y002", exc.message, file=str(path))]
    kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
    models: Mapping[str, type[BaseModel]] = {
        "plan": Plan,
        "checklist": Checklist,
        "sources": SourceRegistry,
        "spec": Spec,
        "domains": DomainFile,
    }
    if not isinstance(kind, str) or kind not in models:
        kinds = " | ".join(models)
        return [doc.problem("S002", f"文件须以 kind: {kinds} 声明类型", "/kind")]
    try:
        model = models[kind].model_validate(doc.data)
    except ValidationError as exc:
        return validation_problems(doc, exc) + _raw_domain_problems(doc, path)
    search = _search_order(path)
    if isinstance(model, DomainFile):  # it sits at the root of its tree, beside sources.yaml
        search = [Tree(path.parent, "file"), *search]
    try:
        sources = _sources(search)
    except RulesetError as exc:
        return list(exc.problems)
    if isinstance(model, SourceRegistry):
        return source_file_problems(doc, model)
    if isinstance(model, Spec):
        return spec_problems(doc, model, sources)
    if isinstance(model, DomainFile):
        return domain_file_problems(doc, model, sources)
    try:
        catalogue = catalogue_of(search)
    except RulesetError as exc:
        return list(exc.problems)
    if isinstance(model, Checklist):
        specs = {k: s for k, (s, _) in _specs(search).items()}
        return checklist_problems(doc, model, sources, catalogue) + link_problems(doc, model, specs)
    if isinstance(model, Plan):
        try:
            _build(path)
        except (RulesetError, UnknownRulesetError) as exc:
            return list(exc.problems) or [doc.problem("P201", exc.message, "")]
        # Warnings are not raised by _build; collect them for the report.
        resolved = _resolve(path, search)
        cls: dict[str, Checklist] = {}
        for dom, pd in (resolved.plan.domains or {}).items():
            declared = _declaring_doc(resolved.docs, f"/domains/{dom}/checklist")
            cp, _ = _checklist_for(pd.checklist or "", declared, search)
            if cp is not None:
                cls[dom] = _parse(cp, Checklist)[0]
        return [
            _locate(resolved.docs, p)
            for p in plan_problems(doc, resolved.plan, cls, sources, catalogue)
            if p.severity is not Severity.ERROR
        ]
    return []

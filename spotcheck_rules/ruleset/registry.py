"""Where rulesets live: the bundled tree, and trees that other packages register.

A ruleset tree is a folder laid out as::

    sources.yaml                    documents that provenance may cite
    domains.yaml                    the supervision domains the tree declares (optional)
    YEAR/plans/JURISDICTION.yaml    plan ``JURISDICTION/YEAR``
    YEAR/checklists/DOMAIN.yaml     checklist ``YEAR/DOMAIN``

A province can ship its own tree in a package and register it under the entry-point group
``spotcheck_rules.rulesets``; the entry point names a module attribute that is the folder (a
``str`` or ``Path``) or a callable returning it. Ids are checked against a strict pattern
before they become paths, so no id can reach outside its tree.

A plugin that cannot be used (its module does not import, its folder does not exist) is one
:class:`PluginWarning` naming the plugin (code P230), and every other tree still works; the
command line prints it as a warning on stderr. Two installed trees that both define a plan id
are an error naming both files (P231, :func:`duplicate_problems`).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import Problem, Severity

__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginWarning",
    "Tree",
    "bundled_root",
    "duplicate_problems",
    "schemas_root",
    "shown_path",
    "trees",
    "warn_plugin",
]

ENTRY_POINT_GROUP = "spotcheck_rules.rulesets"
PLAN_ID = re.compile(r"^(?P<name>[a-z][a-z0-9_]*)/(?P<year>\d{4})$")
CHECKLIST_ID = re.compile(r"^(?P<year>\d{4})/(?P<domain>[a-z][a-z0-9_]*)$")

_HERE = Path(__file__).resolve().parent.parent  # the spotcheck_rules package


def _first_existing(*candidates: Path) -> Path:
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[0]


def bundled_root() -> Path:
    """The bundled rulesets: inside the wheel, or the repository's top level when developing."""
    return _first_existing(_HERE / "_bundled" / "rulesets", _HERE.parent / "rulesets")


def schemas_root() -> Path:
    return _first_existing(_HERE / "_bundled" / "schemas", _HERE.parent / "schemas")


@dataclass(frozen=True)
class Tree:
    """One ruleset tree and who provides it (``bundled`` or the distribution's name)."""

    root: Path
    provider: str

    def _inside(self, path: Path) -> Path | None:
        try:
            resolved = path.resolve()
            resolved.relative_to(self.root.resolve())
        except (OSError, ValueError):
            return None
        return resolved if resolved.is_file() else None

    def plan_path(self, plan_id: str) -> Path | None:
        m = PLAN_ID.match(plan_id)
        if not m:
            return None
        return self._inside(self.root / m["year"] / "plans" / f"{m['name']}.yaml")

    def checklist_path(self, checklist_id: str) -> Path | None:
        m = CHECKLIST_ID.match(checklist_id)
        if not m:
            return None
        return self._inside(self.root / m["year"] / "checklists" / f"{m['domain']}.yaml")

    def plan_ids(self) -> list[str]:
        out = []
        for path in sorted(self.root.glob("*/plans/*.yaml")):
            year = path.parent.parent.name
            pid = f"{path.stem}/{year}"
            if PLAN_ID.match(pid):
                out.append(pid)
        return out

    @property
    def sources_path(self) -> Path:
        return self.root / "sources.yaml"

    @property
    def domains_path(self) -> Path:
        return self.root / "domains.yaml"

    @staticmethod
    def containing(path: Path) -> Tree | None:
        """The tree a file sits in, if it is laid out as ``ROOT/YEAR/(plans|checklists)/X.yaml``."""
        p = path.resolve()
        if p.parent.name in ("plans", "checklists") and re.fullmatch(
            r"\d{4}", p.parent.parent.name
        ):
            return Tree(p.parent.parent.parent, "file")
        return None


class PluginWarning(UserWarning):
    """A ruleset plugin that cannot be used (or one of its plans): the other trees still work.

    ``problem`` is the same as a located problem (code P230, severity warning)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def warn_plugin(plugin: str, what: str, *, file: str | None = None) -> None:
    """Warn once (per distinct message, as :mod:`warnings` does) that ``plugin`` is unusable."""
    problem = Problem(
        "P230",
        f"规则集插件 {plugin} 无法使用，已跳过（内置规则集不受影响）：{what}",
        severity=Severity.WARNING,
        file=file,
    )
    warnings.warn(PluginWarning(problem), stacklevel=2)


def _plugin_trees() -> list[Tree]:
    from importlib import metadata  # only when plugins are looked for: it is slow to import

    found: list[Tree] = []
    for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = ep.dist.name if ep.dist is not None else ep.name
        try:
            target: object = ep.load()
            if callable(target):
                target = _call(target)
            root = Path(str(target))
        except Exception as exc:  # a broken plugin must not break the bundled rulesets
            warn_plugin(
                dist,
                f"入口 {ep.name} = {ep.value} 无法加载（{type(exc).__name__}: {exc}）；"
                "请检查该包是否完整安装、入口是否指向存在的模块属性",
            )
            continue
        if not root.is_dir():
            warn_plugin(
                dist,
                f"入口 {ep.name} 指向的规则集目录不存在：{root}；"
                "请确认该目录随包安装（wheel 中包含 YAML 文件）",
            )
            continue
        found.append(Tree(root, dist))
    return found


def _call(fn: Callable[[], object]) -> object:
    return fn()


def trees() -> list[Tree]:
    """The bundled tree first, then plugin trees ordered by entry-point name (a plugin that
    cannot be used is a :class:`PluginWarning` and left out)."""
    return [Tree(bundled_root(), "bundled"), *_plugin_trees()]


def shown_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (OSError, ValueError):
        return str(path)


def duplicate_problems(plan_id: str, installed: list[Tree]) -> list[Problem]:
    """P231 when more than one installed tree defines ``plan_id`` (naming every file)."""
    paths = [(t, p) for t in installed if (p := t.plan_path(plan_id)) is not None]
    if len(paths) < 2:
        return []
    named = "、".join(f"{t.provider}（{shown_path(p)}）" for t, p in paths)
    return [
        Problem(
            "P231",
            f"规则集 {plan_id} 同时由 {named} 定义；请把其中一个改名（编号 名称/年份 须唯一）",
            file=str(paths[1][1]),
        )
    ]

"""Loading rulesets: files to models, ``extends`` merged, checklists attached, cached.

Merge rules for ``extends`` (documented in docs/authoring.md):

* ``id``, ``year``, ``title`` (and ``title_provenance``), ``jurisdiction`` and ``notes`` are the
  child's own;
* ``sources`` is the child's list followed by the parent's keys it does not repeat;
* ``domains``: if the child omits it, it uses all of the parent's domains unchanged. If the
  child gives it, the plan uses exactly the domains listed; each is the parent's entry for that
  domain with the child's keys replacing the parent's key by key (``stated_totals`` as a whole
  list), except ``strata``, merged by stratum id (same id replaces in place, new ids are
  appended), and ``wording``, merged by item id;
* ``rounding``, ``deadlines``, ``lookback`` and ``handling`` are the child's when given, else
  the parent's.

Spec documents (``specs/*.yaml``, :mod:`.spec`): the first tree's wins; a ruleset carries those
its checklists and handling rules name.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from ..core.errors import (
    Problem,
    Record,
    RulesetError,
    Severity,
    SpotcheckError,
    UnknownRulesetError,
)
from . import cache as _cache
from .domains import catalogue_of
from .model import (
    Checklist,
    JurisdictionLevel,
    Plan,
    PlanDomain,
    SourceDocument,
    SourceRegistry,
)
from .registry import (
    CHECKLIST_ID,
    PLAN_ID,
    Tree,
    bundled_root,
    duplicate_problems,
    shown_path,
    trees,
    warn_plugin,
)
from .ruleset import DomainRules, Ruleset
from .spec import Spec

if TYPE_CHECKING:  # the YAML reader and the lint load only when a file is parsed
    from .documents import Document

__all__ = [
    "RulesetInfo",
    "check_files",
    "clear_cache",
    "list_rulesets",
    "load_ruleset",
    "load_ruleset_file",
    "ruleset_files",
]

M = TypeVar("M", bound=BaseModel)

_lock = threading.RLock()
_file_cache: dict[tuple[str, int, int, str], tuple[Any, Document]] = {}
_ruleset_cache: dict[str, tuple[Ruleset, tuple[tuple[str, int, int], ...]]] = {}
# one lock per cache key: a plan asked for by many threads at once is built once, and the
# others wait for it instead of building their own copy
_key_locks: dict[str, threading.Lock] = {}


def clear_cache() -> None:
    """Forget parsed files and resolved rulesets (for tests and long-running editors).

    The on-disk cache of parsed rulesets is not touched: its entries are checked against the
    files' content on every use.
    """
    with _lock:
        _file_cache.clear()
        _ruleset_cache.clear()


def _stamp(path: str) -> tuple[str, int, int]:
    st = os.stat(path)
    return (path, st.st_mtime_ns, st.st_size)


def _fresh(stamps: tuple[tuple[str, int, int], ...]) -> bool:
    try:
        return all(_stamp(stamp[0]) == stamp for stamp in stamps)
    except OSError:
        return False


def _file_key(path: Path, kind: str) -> tuple[str, int, int, str]:
    st = path.stat()
    return (str(path.resolve()), st.st_mtime_ns, st.st_size, kind)


def _parse(path: Path, model: type[M], text: str | None = None) -> tuple[M, Document]:
    """Read and validate one file; raises RulesetError with every schema problem."""
    key = _file_key(path, model.__name__) if text is None else None
    if key is not None:
        with _lock:
            hit = _file_cache.get(key)
        if hit is not None:
            return hit
    from .documents import read_yaml
    from .lint import validation_problems

    doc = read_yaml(path, text=text)
    if not isinstance(doc.data, dict):
        raise RulesetError(
            f"{doc.file} 不是规则集文件",
            [doc.problem("S002", "文件顶层应为映射（kind: …）", "")],
        )
    try:
        obj = model.model_validate(doc.data)
    except ValidationError as exc:
        raise RulesetError(f"{doc.file} 未通过校验", validation_problems(doc, exc)) from exc
    if key is not None:
        with _lock:
            _file_cache[key] = (obj, doc)
    return obj, doc


def _sources(search: list[Tree]) -> dict[str, SourceDocument]:
    out: dict[str, SourceDocument] = {}
    for tree in reversed(search):  # the first tree wins
        if tree.sources_path.is_file():
            try:
                reg, _ = _parse(tree.sources_path, SourceRegistry)
            except RulesetError as exc:
                if not _is_plugin(tree):
                    raise
                # a plugin's broken sources.yaml must not break every other tree
                warn_plugin(tree.provider, _summary(exc), file=str(tree.sources_path))
                continue
            out.update(reg.documents)
    return out


def _specs(search: list[Tree]) -> dict[str, tuple[Spec, Document]]:
    from .speclint import read_specs

    return read_specs([t.root for t in search], lambda path: _parse(path, Spec))


def _is_plugin(tree: Tree) -> bool:
    return tree.provider not in ("bundled", "file")


def _summary(exc: SpotcheckError) -> str:
    """An error in one line: its message and its first problems, located."""
    shown = [p.format() for p in exc.problems[:3]]
    more = f" …（共 {len(exc.problems)} 个问题）" if len(exc.problems) > 3 else ""
    return exc.message + ("：" + "；".join(shown) + more if shown else "")


def _search_order(near: Path | None) -> list[Tree]:
    found = trees()
    if near is not None:
        own = Tree.containing(near)
        if own is not None and all(own.root.resolve() != t.root.resolve() for t in found):
            return [own, *found]
    return found


def _find_plan(plan_id: str, search: list[Tree]) -> Path:
    if not PLAN_ID.match(plan_id):
        raise UnknownRulesetError(
            f"规则集编号格式不对：{plan_id!r}（应为 名称/年份，如 shanxi/2025）"
        )
    for tree in search:
        path = tree.plan_path(plan_id)
        if path is not None:
            dups = duplicate_problems(plan_id, [t for t in search if t.provider != "file"])
            if dups and tree.provider != "file":
                raise RulesetError(dups[0].message, dups)
            return path
    known = sorted({pid for t in search for pid in t.plan_ids()})
    from ..core.text import closest

    hint = closest(plan_id, known)
    raise UnknownRulesetError(
        f"找不到规则集 {plan_id}" + (f"（是否指：{'、'.join(hint)}）" if hint else ""),
    )


def _find_checklist(checklist_id: str, search: list[Tree]) -> Path | None:
    for tree in search:
        path = tree.checklist_path(checklist_id)
        if path is not None:
            return path
    return None


def _checklist_for(
    checklist_id: str, declared_in: str | None, search: list[Tree]
) -> tuple[Path | None, str]:
    """The checklist a plan file names, and where it was looked for (for the message).

    A checklist is looked up in the tree of the file that names it, and only there: a local
    plan whose checklist file is missing is an error, never the bundled checklist of the same
    id. A file that is not in a tree (``YEAR/plans/X.yaml``) searches every known tree."""
    own = Tree.containing(Path(declared_in)) if declared_in else None
    if own is None:
        return _find_checklist(checklist_id, search), "、".join(shown_path(t.root) for t in search)
    m = CHECKLIST_ID.match(checklist_id)
    where = own.root / m["year"] / "checklists" / f"{m['domain']}.yaml" if m else own.root
    return own.checklist_path(checklist_id), shown_path(where)


def _declaring_doc(docs: list[Document], pointer: str) -> str | None:
    """The file (child first) whose text sets ``pointer``."""
    for d in docs:
        if pointer in d.positions:
            return d.file
    return None


def _merge(parent: Plan, child: Plan) -> Plan:
    data: dict[str, Any] = parent.model_dump(mode="python")
    own = child.model_dump(mode="python")
    for key in ("id", "year", "title", "title_provenance", "jurisdiction", "notes", "extends"):
        data[key] = own[key]
    data["sources"] = list(child.sources) + [s for s in parent.sources if s not in child.sources]
    for key in ("rounding", "deadlines", "lookback", "handling"):
        if getattr(child, key) is not None:
            data[key] = own[key]
    if child.domains is not None:
        merged: dict[str, Any] = {}
        for dom, entry in child.domains.items():
            base = (parent.domains or {}).get(dom)
            merged[dom] = _merge_domain(base, entry)
        data["domains"] = merged
    return Plan.model_validate(data)


def _merge_domain(base: PlanDomain | None, entry: PlanDomain) -> dict[str, Any]:
    out = base.model_dump(mode="python") if base is not None else {}
    mine = entry.model_dump(mode="python")
    for key in entry.model_fields_set:
        if key == "wording":
            out["wording"] = {**out.get("wording", {}), **mine["wording"]}
        elif key == "strata" and out.get("strata") and mine["strata"] is not None:
            # By id: a county adds its 市级 tier without restating the national one.
            merged = {s["id"]: s for s in out["strata"]}
            merged.update({s["id"]: s for s in mine["strata"]})
            out["strata"] = list(merged.values())
        else:
            out[key] = mine[key]
    return out


@dataclass
class _Resolved:
    plan: Plan
    docs: list[Document]  # child first, then its ancestors
    chain: list[str]  # root ancestor first


def _resolve(path: Path, search: list[Tree], seen: tuple[str, ...] = ()) -> _Resolved:
    from .lint import validation_problems

    plan, doc = _parse(path, Plan)
    if plan.id in seen:
        cycle = " → ".join((*seen, plan.id))
        raise RulesetError(
            f"规则集继承成环：{cycle}",
            [doc.problem("P201", f"extends 形成循环：{cycle}", "/extends")],
        )
    if plan.extends is None:
        return _Resolved(plan, [doc], [plan.id])
    try:
        parent_path = _find_plan(plan.extends, search)
    except UnknownRulesetError as exc:
        raise RulesetError(
            str(exc),
            [doc.problem("P201", f"extends 引用了不存在的规则集：{plan.extends}", "/extends")],
        ) from exc
    parent = _resolve(parent_path, search, (*seen, plan.id))
    try:
        merged = _merge(parent.plan, plan)
    except ValidationError as exc:
        raise RulesetError(
            f"{doc.file} 与上级规则集合并后无效", validation_problems(doc, exc)
        ) from exc
    return _Resolved(merged, [doc, *parent.docs], [*parent.chain, plan.id])


def _locate(docs: list[Document], problem: Problem) -> Problem:
    """Re-locate a problem found on the merged plan in the file that actually says it."""
    for doc in docs:
        if problem.pointer and problem.pointer in doc.positions:
            line, col = doc.positions[problem.pointer]
            return problem.model_copy(update={"file": doc.file, "line": line, "column": col})
    return problem


def _build(path: Path, *, near: Path | None = None) -> Ruleset:
    ruleset, _ = _build_stamped(path, near=near)
    return ruleset


def _build_stamped(
    path: Path, *, near: Path | None = None, search: list[Tree] | None = None
) -> tuple[Ruleset, tuple[tuple[str, int, int], ...]]:
    """Build a ruleset and say which files it read (to know when a cached one is stale);
    ``search``: the trees to look in (default: the file's own tree, then all known ones)."""
    if search is None:
        search = _search_order(near or path)
    cached = _cache.get(path, [t.root for t in search])
    if cached is not None:
        try:
            return cached[0], tuple(_stamp(p) for p in cached[1])
        except OSError:
            pass  # a file it was built from is gone: build it (and fail) the ordinary way
    from .lint import checklist_problems, plan_problems
    from .speclint import handling_problems, link_problems, specs_used

    resolved = _resolve(path, search)
    read: list[str] = [str(Path(d.file).resolve()) for d in resolved.docs]
    read += [str(t.sources_path.resolve()) for t in search if t.sources_path.is_file()]
    read += [str(t.domains_path.resolve()) for t in search if t.domains_path.is_file()]
    plan = resolved.plan
    doc = resolved.docs[0]
    sources, catalogue = _sources(search), catalogue_of(search)
    found = _specs(search)
    specs = {k: s for k, (s, _) in found.items()}
    problems: list[Problem] = []
    checklists: dict[str, Checklist] = {}
    if not plan.domains:
        problems.append(doc.problem("P202", "规则集没有任何监督领域（domains）", "/domains"))
    for dom, pd in (plan.domains or {}).items():
        pointer = f"/domains/{dom}/checklist"
        if dom not in catalogue:  # P213, from plan_problems
            continue
        if pd.checklist is None:
            problems.append(
                _locate(
                    resolved.docs,
                    doc.problem("P202", f"领域 {dom} 没有指明检查表（checklist）", pointer),
                )
            )
            continue
        cl_path, looked = _checklist_for(
            pd.checklist, _declaring_doc(resolved.docs, pointer), search
        )
        if cl_path is None:
            problems.append(
                _locate(
                    resolved.docs,
                    doc.problem(
                        "P202",
                        f"找不到检查表 {pd.checklist}（查找了 {looked}；检查表须与引用它的"
                        "计划在同一规则集树中，或删去 checklist 以沿用上级计划的检查表）",
                        pointer,
                    ),
                )
            )
            continue
        read.append(str(cl_path.resolve()))
        try:
            cl, cl_doc = _parse(cl_path, Checklist)
        except RulesetError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(checklist_problems(cl_doc, cl, sources, catalogue))
        problems.extend(link_problems(cl_doc, cl, specs))
        checklists[dom] = cl
    own = plan_problems(doc, plan, checklists, sources, catalogue)
    own += handling_problems(doc, plan, specs, catalogue)
    problems.extend(_locate(resolved.docs, p) for p in own)
    used_specs = specs_used(plan, checklists, found, sources, problems, read)
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        raise RulesetError(
            f"规则集 {plan.id} 有 {len(errors)} 个错误", sorted(errors, key=Problem.sort_key)
        )
    domains: dict[str, DomainRules] = {}
    for dom in sorted(checklists, key=catalogue.rank):
        entry = (plan.domains or {})[dom]
        domains[dom] = DomainRules(
            domain=dom,
            spec=catalogue[dom],
            checklist=checklists[dom],
            strata=entry.strata or (),
            stated_totals=entry.stated_totals or (),
            wording=dict(entry.wording),
        )
    used = {c.source for cl in checklists.values() for _, pr in _provs(cl) for c in pr.cites}
    used.update(plan.sources, used_specs)
    ruleset = Ruleset(
        plan=plan,
        domains=domains,
        sources={k: v for k, v in sorted(sources.items()) if k in used},
        chain=tuple(resolved.chain),
        origin=str(path),
        specs={k: specs[k] for k in used_specs},
        catalogue=catalogue,
    )
    files = tuple(dict.fromkeys(read))
    stamps = tuple(_stamp(p) for p in files)
    _cache.put(path, [t.root for t in search], files, ruleset, lambda: _fresh(stamps))
    return ruleset, stamps


def _provs(model: Any) -> list[tuple[str, Any]]:
    from .lint import _walk_provenance

    return list(_walk_provenance(model, ""))


def load_ruleset(ref: str | os.PathLike[str], *, allow_paths: bool = False) -> Ruleset:
    """Load a plan by id (``"shanxi/2025"``, bundled or from a plugin).

    Only ids are accepted, so a service may pass on an id it was sent without opening files:
    anything else raises :class:`UnknownRulesetError`. ``allow_paths=True`` also accepts a file
    path (what the command line does); :func:`load_ruleset_file` takes only paths.

    Raises :class:`UnknownRulesetError` for an id nobody provides and :class:`RulesetError`
    (with every problem, located) for a plan or checklist that does not validate. Results are
    cached: the same id gives the same (immutable) object, from any thread, until a file it
    was built from changes on disk.
    """
    if isinstance(ref, str) and PLAN_ID.match(ref):
        key = "id:" + ref
        hit = _cached(key)
        if hit is not None:
            return hit
        return _load(key, lambda: _locate_plan(ref))
    if allow_paths:
        return load_ruleset_file(ref)
    if not isinstance(ref, str | os.PathLike):
        raise UnknownRulesetError(
            f"规则集编号应为文本（如 shanxi/2025），实为 {type(ref).__name__}"
        )
    text = os.fspath(ref)
    hint = (
        "；读取规则集文件请用 load_ruleset_file(path)"
        if isinstance(ref, os.PathLike) or text.endswith((".yaml", ".yml")) or "/" in text
        else ""
    )
    raise UnknownRulesetError(
        f"规则集编号格式不对：{text!r}（应为 名称/年份，如 shanxi/2025{hint}）"
    )


def load_ruleset_file(path: str | os.PathLike[str]) -> Ruleset:
    """Load a plan from a file (its ``extends`` and checklists are looked up near it first,
    then in the bundled and plugin trees). Cached like :func:`load_ruleset`."""
    file = Path(path)
    try:
        key = "file:" + str(file.resolve())
        is_file = file.is_file()
    except (OSError, ValueError) as exc:
        raise UnknownRulesetError(f"无法读取规则集文件 {file}：{exc}") from exc
    hit = _cached(key)
    if hit is not None:
        return hit
    if not is_file:
        raise UnknownRulesetError(f"找不到规则集文件 {file}")
    return _load(key, lambda: (file, None))


def _cached(key: str) -> Ruleset | None:
    # A hit costs one stat per file the plan was built from: a changed file is never served
    # stale, and a loaded plan comes back in microseconds.
    with _lock:
        hit = _ruleset_cache.get(key)
    if hit is not None and _fresh(hit[1]):
        return hit[0]
    return None


def _locate_plan(plan_id: str) -> tuple[Path, list[Tree] | None]:
    """Where a plan id is, and the trees to search for what it uses. A bundled plan is built
    from the bundled tree alone (it wins over plugins anyway), which spares discovering the
    plugins — unless it needs something the bundled tree lacks: then every tree is searched."""
    bundled = Tree(bundled_root(), "bundled")
    path = bundled.plan_path(plan_id)
    if path is not None:
        return path, [bundled]
    return _find_plan(plan_id, trees()), None


def _load(key: str, locate: Any) -> Ruleset:
    with _lock:
        key_lock = _key_locks.setdefault(key, threading.Lock())
    try:
        with key_lock:
            hit = _cached(key)  # built by another thread while this one waited
            if hit is not None:
                return hit
            path, search = locate()
            try:
                try:
                    ruleset, stamps = _build_stamped(path, search=search)
                except SpotcheckError:
                    if search is None:
                        raise
                    ruleset, stamps = _build_stamped(path)  # with the plugins' trees too
            except OSError as exc:  # a file that vanished or cannot be read mid-way
                raise RulesetError(f"无法读取规则集文件：{exc}") from exc
            with _lock:
                _ruleset_cache[key] = (ruleset, stamps)
            return ruleset
    finally:
        # no lock kept for an id that did not load: ids sent to a service cannot grow it
        with _lock:
            if key not in _ruleset_cache:
                _key_locks.pop(key, None)


class RulesetInfo(Record):
    """One available plan, as ``spotcheck list`` shows it (``path`` is not in its JSON)."""

    id: str
    year: int
    title: str
    jurisdiction: str
    level: JurisdictionLevel
    domains: tuple[str, ...]
    extends: str | None
    provider: str
    path: str = Field(exclude=True, description="The plan file (for this process only)")


def list_rulesets(errors: list[SpotcheckError] | None = None) -> list[RulesetInfo]:
    """Every available plan, bundled and from plugins, sorted by year then id.

    A plan that does not load raises, unless ``errors`` is given: then its error is appended
    there and the other plans are still listed (what ``spotcheck list`` does).
    """
    out: dict[str, RulesetInfo] = {}
    installed = trees()
    for tree in installed:
        for pid in tree.plan_ids():
            if pid in out:
                continue
            dups = duplicate_problems(pid, installed)
            if dups:  # an error naming both; the first tree's plan is still listed
                if errors is None:
                    raise RulesetError(dups[0].message, dups)
                errors.append(RulesetError(dups[0].message, dups))
            try:
                rs = load_ruleset(pid)
            except SpotcheckError as exc:
                if dups:
                    continue
                if _is_plugin(tree):
                    # a plugin's broken plan: one warning naming it, the rest still listed
                    warn_plugin(tree.provider, f"规则集 {pid}：{_summary(exc)}")
                    continue
                if errors is None:
                    raise
                errors.append(exc)
                continue
            out[pid] = RulesetInfo(
                id=pid,
                year=rs.year,
                title=rs.title,
                jurisdiction=rs.jurisdiction.name,
                level=rs.jurisdiction.level,
                domains=tuple(rs.domains),
                extends=rs.plan.extends,
                provider=tree.provider,
                path=rs.origin,
            )
    return sorted(out.values(), key=lambda i: (i.year, i.id))


def ruleset_files(paths: list[Path]) -> list[Path]:
    """The files ``check`` lints: each file as given, and for a folder every ``.yaml`` /
    ``.yml`` file under it (hidden folders skipped), in sorted order."""
    from .checking import ruleset_files as files

    return files(paths)


def check_files(paths: list[Path]) -> list[Problem]:
    """Lint ruleset files (plans, checklists, source registries): every problem, located.

    A folder stands for every YAML file under it (:func:`ruleset_files`)."""
    from .checking import check_files as check

    return check(paths)

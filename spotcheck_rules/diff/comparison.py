"""The comparison: walks two sides, plan and domains, and applies levels and acknowledgements."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from ..ruleset.ruleset import Ruleset
from .changes import ChangeLevel, Diff, Summary
from .domains import diff_domain, domain_count, domain_summary
from .plans import diff_plan, diff_plan_domain
from .renames import suggest_renames
from .reviews import Acknowledgement, acks_arg, apply_reviews, levels_arg
from .scopes import Collector, Pair, json_pointer
from .sides import Side, catalogue_of, domain_pairs, resolve_side


def _domain_base(dom: str) -> str:
    return json_pointer("domains", dom)


def diff_rulesets(
    old: str | os.PathLike[str] | Ruleset | Side,
    new: str | os.PathLike[str] | Ruleset | Side,
    *,
    levels: Mapping[str, ChangeLevel | str] | str | os.PathLike[str] | None = None,
    acknowledgements: Iterable[Acknowledgement] | str | os.PathLike[str] | None = None,
    renames: bool = False,
) -> Diff:
    """Compare two rulesets. Each side is a plan id, a file, ``PLAN#DOMAIN`` or a Ruleset.

    ``levels`` overrides rule levels (a mapping or a YAML/JSON file of rule → level);
    ``acknowledgements`` (records or a file) marks reviewed changes so they stop failing;
    ``renames`` adds :func:`suggest_renames` to the result.
    """
    a, b = resolve_side(old), resolve_side(new)
    level_map = levels_arg(levels)
    acks = acks_arg(acknowledgements)
    known = catalogue_of(a, b)
    col = Collector(rank=known.rank)
    if a.plan is not None and b.plan is not None and a.single is None and b.single is None:
        diff_plan(col, a.plan, b.plan)
    if a.single is None or b.single is None:
        scope = (
            [b.single]
            if b.single is not None
            else [a.single]
            if a.single is not None
            else sorted({*a.domains, *b.domains}, key=known.rank)
        )
        for dom in scope:
            if dom is None:
                continue
            label = known.label(dom)
            if dom in b.domains and dom not in a.domains:
                r = b.domains[dom]
                col.add(
                    "domain-added",
                    domain=dom,
                    id=dom,
                    old_pointer=None,
                    new_pointer=_domain_base(dom),
                    old=None,
                    new=domain_summary(r),
                    message=f"新增监督领域「{label}」（{dom}）：{domain_count(r)}",
                )
            elif dom in a.domains and dom not in b.domains:
                r = a.domains[dom]
                col.add(
                    "domain-removed",
                    domain=dom,
                    id=dom,
                    old_pointer=_domain_base(dom),
                    new_pointer=None,
                    old=domain_summary(r),
                    new=None,
                    message=f"不再包含监督领域「{label}」（{dom}）：没有这一领域的汇总表，读取它的程序须另行处理",
                )
    for dom, orules, nrules in domain_pairs(a, b):
        diff_domain(
            Pair(
                col=col,
                domain=dom,
                old_base=_domain_base(orules.domain),
                new_base=_domain_base(nrules.domain),
                old=orules,
                new=nrules,
            )
        )
        if a.plan is not None and b.plan is not None:
            diff_plan_domain(col, dom, a.plan, b.plan)
    changes = apply_reviews(col.sorted(), level_map, acks)
    used = {c.fingerprint for c in changes if c.acknowledged}
    counts = {lv.value: sum(1 for c in changes if c.level is lv) for lv in ChangeLevel}
    return Diff(
        old=a.info,
        new=b.info,
        summary=Summary(**counts, acknowledged=sum(1 for c in changes if c.acknowledged)),
        changes=tuple(changes),
        rename_suggestions=tuple(suggest_renames(a, b)) if renames else (),
        unused_acknowledgements=tuple(sorted(k for k in acks if k not in used)),
    ).named({d: known.label(d) for d in known})

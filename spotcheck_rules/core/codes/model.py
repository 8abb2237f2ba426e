"""The catalogue's types: a code (:class:`CodeInfo`), a family of codes (:class:`Family`), every
family (:data:`FAMILIES`), and :class:`Entries`, the list a module of codes writes its codes in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import Severity

__all__ = ["FAMILIES", "CodeInfo", "Entries", "Family"]


@dataclass(frozen=True)
class Family:
    """A family of codes: the letter (or ``diff``) they start with and what they are about."""

    id: str
    title: str
    concerns: str
    doc: str


@dataclass(frozen=True)
class CodeInfo:
    """One code: what it is, how bad, what its messages say, and where it is documented."""

    code: str
    family: str
    severity: Severity
    title: str
    messages: tuple[str, ...]
    concerns: str
    doc: str
    note: str = ""
    """A remark for the documentation table (in English, like the docs)."""
    refuses: bool = False
    """The whole input is refused (a :class:`~spotcheck_rules.core.errors.SpotcheckError`, exit 2)
    rather than one record or row reported."""
    level: str | None = None
    """A diff rule's default change level (``breaking`` … ``info``)."""
    entity: str | None = None
    """A diff rule's entity (``column``, ``category`` …)."""


FAMILIES: Mapping[str, Family] = {
    f.id: f
    for f in (
        Family("F", "检查结果（findings）的问题", "findings", "docs/findings.md#validation-codes"),
        Family("C", "辖区单位数（census）的问题", "census", "docs/findings.md#validation-codes"),
        Family(
            "M",
            "合并的结果（merge 的输入）的问题",
            "merge input",
            "docs/reliability.md#what-merge-checks-before-it-adds-anything",
        ),
        Family(
            "U",
            "抽取名单的问题（U1xx 单位名单，U2xx 执法人员名单）",
            "roster, inspectors",
            "docs/sampling.md#roster-problems",
        ),
        Family("A", "执法人员分配的问题", "inspectors", "docs/sampling.md#roster-problems"),
        Family("V", "抽取审计记录的问题", "audit", "docs/sampling.md#roster-problems"),
        Family("Y", "YAML 文件的问题", "ruleset YAML", "docs/cli.md#spotcheck-check"),
        Family(
            "S", "规则集文件结构（schema）的问题", "ruleset YAML", "docs/cli.md#spotcheck-check"
        ),
        Family("R", "检查表的问题（lint）", "ruleset lint", "docs/cli.md#spotcheck-check"),
        Family("P", "计划的问题（lint）", "ruleset lint", "docs/cli.md#spotcheck-check"),
        Family("diff", "两个规则集之间的变更（diff 规则）", "ruleset diff", "docs/diff.md#levels"),
    )
}
"""Every family, in the order of the catalogue."""


class Entries(list[CodeInfo]):
    """The codes one module of the catalogue writes, in the order written."""

    def add(
        self,
        code: str,
        sev: Severity,
        title: str,
        *messages: str,
        note: str = "",
        refuses: bool = False,
        concerns: str | None = None,
    ) -> None:
        """Add the code ``code`` of the family its first letter names (a lower-case id: ``diff``)."""
        fam = FAMILIES["diff" if code[0].islower() else code[0]]
        self.append(
            CodeInfo(
                code=code,
                family=fam.id,
                severity=sev,
                title=title,
                messages=messages,
                concerns=concerns or fam.concerns,
                doc=fam.doc,
                note=note,
                refuses=refuses,
            )
        )

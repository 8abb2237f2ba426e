"""Every code the library can emit, in one catalogue: code, family, severity, a Chinese title,
the message templates the code uses, which input it concerns and where it is documented.

This package is in the bottom layer, beside :mod:`spotcheck_rules.core.errors` (it imports that
and the standard library, nothing else), so every module may read it. This module is the lookup
API and the renderings; the types are in :mod:`.model`, the entries in one module per group of
families (:mod:`.findings_codes` F, C, M; :mod:`.draw_codes` U, A, V; :mod:`.ruleset_codes` Y, S,
R, P; :mod:`.diff_rules`). What reads it: ``validation.CODES`` (a view of the F family), the
census checks (their severities), the diff rules (``diff.RULES`` is built from the ``diff``
family), ``spotcheck codes``, and the generated code tables of docs/codes.md and
docs/findings.md (``python -m spotcheck_rules.core.codedocs --write docs``). The test suite fails
when a code is emitted that is not here, or is here and no test emits it (tests/conftest.py).

A message template shows what the message says, with ``{placeholders}`` for what is filled in
when the problem is found; a code with several wordings lists each. A diff rule has no template:
its change's message is written per entity; its title is the rule's meaning and its severity is
that of its default level (a levels file or an acknowledgement changes the severity of a change).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from ..errors import Severity
from . import diff_rules, draw_codes, findings_codes, ruleset_codes
from .model import FAMILIES, CodeInfo, Family

__all__ = [
    "CATALOGUE",
    "FAMILIES",
    "CodeInfo",
    "Family",
    "by_family",
    "codes_json",
    "codes_page",
    "codes_text",
    "family_id",
    "findings_table",
    "info",
    "severity",
]

# --------------------------------------------------------------------------- the catalogue

_FAMILY_ORDER = {f: n for n, f in enumerate(FAMILIES)}
# Letter families sorted by code; the diff rules keep their order (changes are sorted by it).
CATALOGUE: Mapping[str, CodeInfo] = {
    c.code: c
    for c in sorted(
        (
            *findings_codes.ENTRIES,
            *draw_codes.ENTRIES,
            *ruleset_codes.ENTRIES,
            *diff_rules.ENTRIES,
        ),
        key=lambda c: (_FAMILY_ORDER[c.family], "" if c.family == "diff" else c.code),
    )
}
"""Every code, by code: the letter families in code order, then the diff rules."""


def info(code: str) -> CodeInfo:
    """The catalogue entry of ``code``; ``KeyError`` for a code the library does not emit."""
    return CATALOGUE[code]


def severity(code: str) -> Severity:
    """The severity of ``code`` (for a diff rule: that of its default level)."""
    return CATALOGUE[code].severity


def by_family(family: str | None = None) -> tuple[CodeInfo, ...]:
    """Every code, or those of one family (``F``, ``diff`` …; a letter in either case)."""
    if family is None:
        return tuple(CATALOGUE.values())
    fam = family_id(family)
    return tuple(c for c in CATALOGUE.values() if c.family == fam)


def family_id(family: str) -> str:
    """The family called ``family`` (``f`` → ``F``, ``DIFF`` → ``diff``); ``ValueError`` if none."""
    name = family.strip()
    fam = "diff" if name.lower() == "diff" else name.upper()
    if fam not in FAMILIES:
        raise ValueError(f"未知的代码族：{family}（可用：{'、'.join(FAMILIES)}）")
    return fam


# --------------------------------------------------------------------------- renderings


def codes_text(codes: Iterable[CodeInfo]) -> str:
    """One line per code (``code  severity  title``), under a heading line per family."""
    out: list[str] = []
    rows = list(codes)
    for fam in FAMILIES.values():
        mine = [c for c in rows if c.family == fam.id]
        if not mine:
            continue
        if out:
            out.append("")
        out.append(f"{fam.id}  {fam.title}（{fam.concerns}；{fam.doc}）")
        width = max(len(c.code) for c in mine)
        for c in mine:
            out.append(f"  {c.code:<{width}}  {c.severity.value:<7}  {c.title}")
    return "\n".join(out) + "\n" if out else ""


def codes_json(codes: Iterable[CodeInfo]) -> str:
    """The codes as a JSON array of objects (every key always written)."""
    items = [
        {
            "code": c.code,
            "family": c.family,
            "severity": c.severity.value,
            "title": c.title,
            "messages": list(c.messages),
            "concerns": c.concerns,
            "doc": c.doc,
            "refuses": c.refuses,
            "level": c.level,
            "entity": c.entity,
        }
        for c in codes
    ]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def findings_table() -> str:
    """The table of F codes in docs/findings.md (code, severity, title and remark)."""
    lines = ["| code | severity | meaning |", "|---|---|---|"]
    for c in by_family("F"):
        meaning = f"{c.title} {c.note}" if c.note else c.title
        lines.append(f"| {c.code} | {c.severity.value} | {_cell(meaning)} |")
    return "\n".join(lines) + "\n"


def _link(doc: str) -> str:
    path, _, anchor = doc.partition("#")
    name = path.removeprefix("docs/")
    return f"[{name}{'#' + anchor if anchor else ''}]({name}{'#' + anchor if anchor else ''})"


def codes_page(
    families: Sequence[str] | None = None,
) -> str:
    """docs/codes.md: every family, and every code with its severity, title and messages."""
    out = [
        "# Every code the library emits",
        "",
        "<!-- Generated by `python -m spotcheck_rules.core.codedocs --write docs`; do not edit. -->",
        "",
        "One catalogue (`spotcheck_rules.core.codes`) lists every problem code and diff rule; this page,",
        "the table in [findings.md](findings.md#validation-codes) and `spotcheck codes` are made",
        "from it. The test suite fails when a code is emitted that it lacks, it lists a code",
        "that no test emits, or a code is emitted with another severity or with a message that",
        "none of its templates matches. A message template shows what the message says, with",
        "`{placeholders}` for what is filled in. *Refuses*: the whole input is refused (exit 2),",
        "not one record reported. A diff rule's severity is that of its default level",
        "(`breaking` → error, `dangerous` → warning, `additive`, `info` → info); a levels file or",
        "an acknowledgement changes it.",
        "",
        "| family | about | input | documented in | codes |",
        "|---|---|---|---|---|",
    ]
    wanted = list(FAMILIES) if families is None else [family_id(f) for f in families]
    for fid in wanted:
        fam = FAMILIES[fid]
        out.append(
            f"| [{fid}](#{fid.lower()}) | {fam.title} | {fam.concerns} | {_link(fam.doc)} "
            f"| {len(by_family(fid))} |"
        )
    for fid in wanted:
        fam = FAMILIES[fid]
        out += [
            "",
            f"## {fid}",
            "",
            f"**{fam.title}** — input: {fam.concerns}; documented in {_link(fam.doc)}.",
            "",
        ]
        if fid == "diff":
            out += ["| rule | level | severity | entity | meaning |", "|---|---|---|---|---|"]
            for c in by_family(fid):
                out.append(
                    f"| `{c.code}` | {c.level} | {c.severity.value} | {c.entity} | {_cell(c.title)} |"
                )
            continue
        out += ["| code | severity | title | messages |", "|---|---|---|---|"]
        for c in by_family(fid):
            title = c.title + (" *(refuses)*" if c.refuses else "")
            if fid == "U":
                title += f" — {c.concerns}"
            msgs = "<br>".join(f"`{_cell(m)}`" for m in c.messages)
            out.append(f"| {c.code} | {c.severity.value} | {_cell(title)} | {msgs} |")
    return "\n".join(out) + "\n"

"""The readable outputs of a diff: the terminal text, the Markdown change log, JSON."""

from __future__ import annotations

from .changes import LEVEL_MEANING, Change, ChangeLevel, Diff, Entity


def _scope_name(diff: Diff, domain: str | None) -> str:
    if domain is None:
        return "计划"
    return f"{diff.domain_label(domain)}（{domain}）"


def _groups(diff: Diff) -> list[tuple[str | None, list[tuple[Entity, list[Change]]]]]:
    out: list[tuple[str | None, list[tuple[Entity, list[Change]]]]] = []
    for c in diff.changes:
        if not out or out[-1][0] != c.domain:
            out.append((c.domain, []))
        ents = out[-1][1]
        if not ents or ents[-1][0] is not c.entity:
            ents.append((c.entity, []))
        ents[-1][1].append(c)
    return out


def _summary_line(diff: Diff) -> str:
    s = diff.summary
    parts = [f"{lv.label} {getattr(s, lv.value)}" for lv in ChangeLevel]
    ack = f"，已确认 {s.acknowledged}" if s.acknowledged else ""
    return f"共 {len(diff.changes)} 项变化：" + "，".join(parts) + ack


def _is_detail(c: Change) -> bool:
    # Provenance changes are many (every cite changes when the source documents change) and
    # matter to authors, not to officers: the readable outputs count them, JSON lists them.
    return c.rule == "provenance-changed"


def render_text(diff: Diff) -> str:
    """The terminal view: grouped by domain, then entity."""
    lines = [f"{diff.old.ref} → {diff.new.ref}", _summary_line(diff)]
    if not diff.changes:
        lines.append("两者没有差别。")
    for dom, ents in _groups(diff):
        lines.append("")
        lines.append(f"== {_scope_name(diff, dom)}")
        for ent, changes in ents:
            shown = [c for c in changes if not _is_detail(c)]
            hidden = len(changes) - len(shown)
            if shown:
                lines.append(f"  -- {ent.label}")
            for c in shown:
                ack = f"  （已确认：{c.acknowledgement}）" if c.acknowledged else ""
                lines.append(f"    [{c.level.label}] {c.message}  <{c.rule} {c.fingerprint}>{ack}")
                if c.text_diff:
                    lines.append(f"        {_one_line(c.text_diff)}")
            if hidden:
                lines.append(f"  -- {ent.label}：另有 {hidden} 处出处改变（--format json 可见）")
    lines.extend(_suggestion_lines(diff, "  "))
    if diff.unused_acknowledgements:
        lines.append("")
        lines.append(
            "确认文件中以下指纹没有对应的变化（可能已过时）："
            + "、".join(diff.unused_acknowledgements)
        )
    return "\n".join(lines) + "\n"


def _suggestion_lines(diff: Diff, indent: str) -> list[str]:
    if not diff.rename_suggestions:
        return []
    out = ["", "可能的改名（仅供参考，未作匹配）："]
    for s in diff.rename_suggestions:
        out.append(f"{indent}- {_scope_name(diff, s.domain)} {s.message}")
    return out


def _one_line(text: str) -> str:
    # A line break inside a diff would end a Markdown bullet or break the terminal layout.
    return text.replace("\r\n", "\n").replace("\n", " ⏎ ")


def _md(text: str) -> str:
    # Our messages are plain Chinese; only the characters that would start Markdown syntax in
    # the middle of a bullet need escaping.
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("<", "&lt;")


def render_markdown(diff: Diff, *, title: str | None = None) -> str:
    """A change log: a summary table, then one section per domain and entity."""
    heading = title or f"变更记录：{diff.old.ref} → {diff.new.ref}"
    out = [f"# {heading}", ""]
    for tag, info in (("旧", diff.old), ("新", diff.new)):
        desc = " ".join(x for x in (info.title, f"（{info.domain}）" if info.domain else None) if x)
        out.append(f"- {tag}：`{info.ref}` {desc}".rstrip())
    out += ["", "| 级别 | 含义 | 数量 |", "|---|---|---|"]
    for lv in ChangeLevel:
        out.append(
            f"| {lv.label}（{lv.value}） | {LEVEL_MEANING[lv.value]} | {getattr(diff.summary, lv.value)} |"
        )
    if diff.summary.acknowledged:
        out.append(f"| 已确认 | 已复核，不再作为失败 | {diff.summary.acknowledged} |")
    if not diff.changes:
        out += ["", "两者没有差别。"]
    for dom, ents in _groups(diff):
        out += ["", f"## {_scope_name(diff, dom)}"]
        for ent, changes in ents:
            shown = [c for c in changes if not _is_detail(c)]
            hidden = len(changes) - len(shown)
            if shown:
                out += ["", f"### {ent.label}", ""]
            for c in shown:
                ack = f"（已确认：{_md(c.acknowledgement or '')}）" if c.acknowledged else ""
                out.append(
                    f"- **{c.level.label}** {_md(c.message)}{ack} `{c.rule}` `{c.fingerprint}`"
                )
                if c.text_diff:
                    out.append(f"  - 文字对比：{_md(_one_line(c.text_diff))}")
            if hidden:
                out += ["", f"另有 {hidden} 处{ent.label}的出处（provenance）改变，未逐条列出。"]
    if diff.rename_suggestions:
        out += ["", "## 可能的改名（仅供参考，未作匹配）", ""]
        out += [
            f"- {_scope_name(diff, s.domain)}：{_md(s.message)}" for s in diff.rename_suggestions
        ]
    out += ["", "文字对比中 [-…-] 为删去的文字，{+…+} 为新增的文字。"]
    return "\n".join(out) + "\n"


def render_json(diff: Diff) -> str:
    return diff.model_dump_json(indent=2) + "\n"

"""Character-level diffs of Chinese text."""

from __future__ import annotations

import difflib


def text_diff(old: str, new: str, context: int = 12) -> str:
    """Character-level diff of Chinese text: ``[-删去-]{+新增+}``, long unchanged runs elided.

    Chinese has no spaces between words, so a word-level diff is meaningless; characters it is.
    One unchanged character between two edits is folded into them, which reads far better
    than ``[-甲-]{+乙+}的[-丙-]{+丁+}``.
    """
    ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    # (equal_text | None, deleted, inserted) segments, then fold one-character equal runs.
    segs: list[tuple[str, str, str]] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            segs.append(("=", old[i1:i2], old[i1:i2]))
        else:
            segs.append(("~", old[i1:i2], new[j1:j2]))
    folded: list[tuple[str, str, str]] = []
    i = 0
    while i < len(segs):
        kind, a, b = segs[i]
        if (
            kind == "="
            and len(a) == 1
            and folded
            and folded[-1][0] == "~"
            and i + 1 < len(segs)
            and segs[i + 1][0] == "~"
        ):
            _, pa, pb = folded.pop()
            _, na, nb = segs[i + 1]
            folded.append(("~", pa + a + na, pb + b + nb))
            i += 2
            continue
        if kind == "~" and folded and folded[-1][0] == "~":
            _, pa, pb = folded.pop()
            folded.append(("~", pa + a, pb + b))
        else:
            folded.append((kind, a, b))
        i += 1
    parts: list[str] = []
    for n, (kind, a, b) in enumerate(folded):
        if kind == "=":
            first, last = n == 0, n == len(folded) - 1
            if first and len(a) > context:
                a = "…" + a[-context:]
            elif last and len(a) > context:
                a = a[:context] + "…"
            elif not first and not last and len(a) > 2 * context + 1:
                a = a[:context] + "…" + a[-context:]
            parts.append(a)
        else:
            if a:
                parts.append(f"[-{a}-]")
            if b:
                parts.append(f"{{+{b}+}}")
    return "".join(parts)

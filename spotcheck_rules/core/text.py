"""Text comparison for Chinese regulatory labels.

The sources mix full-width and half-width characters ("202５", "（" and "("), and PDF extraction
sprinkles spaces inside words ("诊 所"). We compare labels on a *key*: NFKC-normalised, with all
whitespace removed (Chinese has no meaningful inter-word spaces) and ASCII case folded. Labels are
always *displayed* exactly as the source writes them; the key is only for matching.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

__all__ = ["closest", "normalize", "preview"]

_WHITESPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Return the matching key of ``text``. Idempotent: ``normalize(normalize(t)) == normalize(t)``."""
    # NFKC twice is not always equal to once for exotic input, so loop to a fixed point; in
    # practice this runs one or two times.
    key = text
    while True:
        nxt = _WHITESPACE.sub("", unicodedata.normalize("NFKC", key)).casefold()
        if nxt == key:
            return key
        key = nxt


def closest(query: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """The displayed candidates whose keys are most similar to ``query`` (for "did you mean")."""
    by_key: dict[str, str] = {}
    for cand in candidates:
        by_key.setdefault(normalize(cand), cand)
    keys = difflib.get_close_matches(normalize(query), list(by_key), n=limit, cutoff=0.4)
    return [by_key[k] for k in keys]


def preview(value: object, limit: int = 80, *, quote: bool = True) -> str:
    """``value`` as a message shows it: ``repr`` (or ``str`` with ``quote=False``) on one line, cut
    to ``limit`` characters with the full length stated, so a hostile 5,000-digit cell cannot
    flood a report."""
    text = repr(value) if quote else str(value).strip().replace("\n", " ")
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（共 {len(text)} 个字符）"

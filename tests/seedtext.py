"""Access to the source documents for transcription tests.

tests/seeds/ holds verbatim copies of the text extractions the rulesets are transcribed from
(the project's shared/seeds/), so that the tests need no network and no sibling folder.
Extraction splits headers one character per line; removing all whitespace joins them again,
so an intact header is a substring of :func:`flat`.
"""

from __future__ import annotations

import functools
from pathlib import Path

from spotcheck_rules.core.text import normalize

SEEDS = Path(__file__).parent / "seeds"

FILES = {
    "sx2025": "000_e31df6a11ba001f8.txt",
    "xj2025": "001_7c98300d055fde31.txt",
    "county2024": "002_a7d040c6838ec870.txt",
    "spec2023": "003_3092a9521a73c0cd.txt",
    "tj2025": "004_5830fcb38f52edf5.txt",
}

# source_label convention: the text as extracted, fragments in extraction order joined by "｜"
FRAGMENT_SEPARATOR = "｜"


@functools.cache
def flat(source: str) -> str:
    """The whole document as one matching key (NFKC, no whitespace)."""
    return normalize((SEEDS / FILES[source]).read_text(encoding="utf-8"))


def table(source: str, start: str, end: str | None = None) -> str:
    """The flattened text between the first ``start`` marker and the next ``end`` marker."""
    text = flat(source)
    i = text.index(normalize(start))
    if end is None:
        return text[i:]
    j = text.index(normalize(end), i + len(normalize(start)))
    return text[i:j]


def fragments(label: str) -> list[str]:
    return [normalize(f) for f in label.split(FRAGMENT_SEPARATOR) if f.strip()]

"""What the columnar engine (:mod:`.columnar`) asks DuckDB of a JSON Lines file (:func:`query`),
and what it counts on the file's bytes, which DuckDB does not show (:class:`ByteCounts`).

DuckDB reads every field as its JSON text — a string keeps its quotes, so a number where text
belongs shows as one — and ``penalty`` and ``harm`` as structs of such texts. Per row the query
gives only what has few distinct values, glued into one text (``sig``: the spellings that decide
together; ``facts``: date, region, tier), and natively what has millions: whether the unit's id
and name need trimming, a fine in the canonical form as cents, the id's hash for duplicates,
the violations as a list when they are plain texts, and how many fields the row has.

What DuckDB does not see: a field it does not know (it skips it), a ``null`` (it reads it as
absent), a blank line (it skips it). :class:`ByteCounts` counts the colons (every key has one;
a colon inside a text makes one more, and such a file is the per-record path's) and the lines,
so the engine can require that the file has exactly the keys the query counted and one row per
line, else leave the file to the per-record path.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .money import _WS_CHARS
from .records import _HarmRec, _PenaltyRec, _Rec

__all__ = [
    "CANONICAL_FINE",
    "FACT_FIELDS",
    "SELF_COUNTED",
    "SEP",
    "SIG_FIELDS",
    "WHITE_SPACE",
    "ByteCounts",
    "query",
    "scan",
    "text_cents",
    "text_trimmed",
]

SEP = "\x01"
"""Between the texts glued into ``sig`` and ``facts`` (a JSON text never holds it raw: a
control character in a string is escaped)."""
_CHUNK = 1 << 20


def _white_space() -> tuple[str, ...]:
    """Every character ``str.strip()`` removes (:data:`.money._WS_CHARS`, ranges expanded)."""
    out: list[str] = []
    chars = _WS_CHARS.encode().decode("unicode_escape")
    i = 0
    while i < len(chars):
        if i + 2 < len(chars) and chars[i + 1] == "-":
            out.extend(chr(c) for c in range(ord(chars[i]), ord(chars[i + 2]) + 1))
            i += 3
        else:
            out.append(chars[i])
            i += 1
    return tuple(out)


WHITE_SPACE = _white_space()
"""What ``str.strip()`` removes (tests hold it to ``str.isspace``)."""
_WS_SQL = "(" + " || ".join(f"chr({ord(c)})" for c in WHITE_SPACE) + ")"
_WS_ALL = "(" + ", ".join(str(ord(c)) for c in WHITE_SPACE) + ")"
CANONICAL_FINE = "[0-9]{1,10}(\\.[0-9]{1,2})?"
"""A fine as text that parse_amount takes as it is (digits, at most two decimals): DuckDB may
make it cents (:func:`text_cents`) without asking the rule."""
_WS_CODES = "(" + ", ".join(str(ord(c)) for c in WHITE_SPACE if ord(c) >= 0x20) + ")"

# The fields DuckDB reads, as the internal record has them (one list: records.py). A record with
# lab-test results (``tests``) is not read here: the key count sees the field DuckDB skipped and
# the file goes to the per-record path.
_TOP = tuple(f for f in _Rec.__struct_fields__ if f not in ("penalty", "harm", "tests"))
_PENALTY: tuple[str, ...] = _PenaltyRec.__struct_fields__
_HARM: tuple[str, ...] = _HarmRec.__struct_fields__
SIG_FIELDS = (
    "domain",
    "category",
    "ownership",
    "penalty.cases",
    "penalty.revoked",
    "referred",
    "opinion_issued",
)
"""The fields glued into ``sig`` (then whether the finding has a ``penalty``: ``0`` or ``1``)."""
FACT_FIELDS = ("inspected_on", "region", "tier")
"""The fields glued into ``facts``."""
SELF_COUNTED = ("unit_id", "unit_name", "not_applicable")
"""The fields ``nkeys`` counts itself (with ``harm`` and its fields); every other field the
query reads shows in ``sig``, ``facts``, ``vkind`` (``violations``) or ``cents``
(``penalty.fine_yuan``). tests/test_columnar.py holds the lists to the record's fields."""


def _value(col: str) -> str:
    """A JSON text's string value (the text itself when it is not a string)."""
    return (
        f"(CASE WHEN left({col}, 1) <> '\"' THEN {col}::VARCHAR "
        f"WHEN contains({col}, '\\') THEN json_extract_string({col}, '$') "
        f"ELSE ({col}::VARCHAR)[2:-2] END)"
    )


def _trimmed(col: str) -> str:
    """A JSON text that is a string, not empty, with nothing to trim and no escape (an escaped
    character may be white space: such a text takes the per-record path). A character below
    U+0020 is always escaped in JSON text, so only the others of :data:`WHITE_SPACE` are
    looked for, at both ends."""
    text = f"({col}::VARCHAR)"
    return (
        f"(left({col}, 1) = '\"' AND NOT contains({col}, '\\') AND length({col}) > 2 "
        f"AND ord({text}[2]) NOT IN {_WS_CODES} AND ord({text}[-2]) NOT IN {_WS_CODES})"
    )


def text_trimmed(col: str) -> str:
    """A text column's value (not JSON text), not empty, with nothing ``str.strip()`` removes
    at either end (the Parquet and CSV queries)."""
    return (
        f"(length({col}) > 0 AND ord({col}[1]) NOT IN {_WS_ALL} "
        f"AND ord({col}[-1]) NOT IN {_WS_ALL})"
    )


def text_cents(col: str) -> tuple[str, str]:
    """For a text column's fine: (whether it is :data:`CANONICAL_FINE`, its cents then)."""
    return (
        f"regexp_full_match({col}, '{CANONICAL_FINE}')",
        f"CAST(CAST({col} AS DECIMAL(12, 2)) * 100 AS BIGINT)",
    )


def _glued(cols: list[str]) -> str:
    """Texts glued with :data:`SEP` (an absent one is empty: a JSON text never is)."""
    return "concat(" + f", '{SEP}', ".join(cols) + ")"


# violations that are a list of texts without quotes or escapes inside (as DuckDB writes a JSON
# text: no spaces), which a cast to VARCHAR[] gives exactly: 0 absent, 1 such a list, 2 other
_VKIND = (
    "(CASE WHEN violations IS NULL THEN 0 "
    """WHEN regexp_full_match(violations, '\\[("[^"\\\\]*"(,"[^"\\\\]*")*)?\\]') THEN 1 """
    "ELSE 2 END)"
)
_FINE = "penalty.fine_yuan"
# a fine as cents when it is written as the canonical text or a whole number (what parse_amount
# takes as it is); -1 absent, -2 any other text (the engine asks the rule)
_CENTS = (
    f"(CASE WHEN {_FINE} IS NULL THEN -1 "
    f"""WHEN regexp_full_match({_FINE}, '"{CANONICAL_FINE}"') """
    f"THEN CAST(CAST(({_FINE}::VARCHAR)[2:-2] AS DECIMAL(12, 2)) * 100 AS BIGINT) "
    f"WHEN regexp_full_match({_FINE}, '0|[1-9][0-9]{{0,9}}') "
    f"THEN CAST({_FINE}::VARCHAR AS BIGINT) * 100 ELSE -2 END)"
)


def query() -> str:
    """The query over one JSON Lines file (its one parameter: the path).

    What two columns need (the id trimmed, the violations' kind, the fine's cents) is computed
    once, in the inner query. The fields are counted only where no other column shows them
    (``nkeys``: the id, the name, ``not_applicable`` and ``harm`` with its fields); the others
    are present where their part of ``sig`` or ``facts`` is not empty, ``vkind`` not 0 and
    ``cents`` not -1 (:func:`.columnengine.read_batch` adds them up): 23 ``IS NOT NULL`` a row
    cost DuckDB 0.2 s of CPU at 1M findings."""
    spec = ", ".join(f"{k}: 'JSON'" for k in _TOP)
    spec += ", penalty: 'STRUCT(" + ", ".join(f"{k} JSON" for k in _PENALTY) + ")'"
    spec += ", harm: 'STRUCT(" + ", ".join(f"{k} JSON" for k in _HARM) + ")'"
    harm = " + ".join(f"(harm.{k} IS NOT NULL)::INTEGER" for k in _HARM)
    nkeys = [f"({f} IS NOT NULL)::INTEGER" for f in SELF_COUNTED]
    nkeys.append(f"(CASE WHEN harm IS NULL THEN 0 ELSE 1 + {harm} END)")
    sig = [f"{c}::VARCHAR" for c in SIG_FIELDS]
    sig.append("(penalty IS NOT NULL)::INTEGER::VARCHAR")
    facts = [f"{c}::VARCHAR" for c in FACT_FIELDS]
    plain = (
        "uid_ok AND (unit_name IS NULL OR "
        f"{_trimmed('unit_name')}) "
        "AND (not_applicable IS NULL OR not_applicable::VARCHAR = '[]') AND harm IS NULL"
    )
    inner = (
        f"SELECT *, {_trimmed('unit_id')} AS uid_ok, {_VKIND}::TINYINT AS vkind, "
        f"{_CENTS} AS cents "
        f"FROM read_json(?, format = 'newline_delimited', columns = {{{spec}}})"
    )
    return (
        f"SELECT {_glued(sig)} AS sig, {_glued(facts)} AS facts, vkind, "
        f"CASE WHEN vkind = 1 THEN CAST(violations AS VARCHAR[]) END AS vlist, "
        f"cents, CASE WHEN cents = -2 THEN {_FINE}::VARCHAR END AS fine_text, "
        f"{plain} AS plain, "
        # the id as the checker keys it, trimmed, as a JSON text (one that is not a string: as
        # written); a plain one is as DuckDB wrote it
        f"hash(CASE WHEN uid_ok THEN unit_id::VARCHAR "
        f"ELSE concat('\"', trim({_value('unit_id')}, {_WS_SQL}), '\"') END) AS key, "
        f"({' + '.join(nkeys)})::INTEGER AS nkeys "
        f"FROM ({inner})"
    )


@dataclass
class ByteCounts:
    """What is counted on a file's bytes (by :func:`scan`, on a helper thread). One-byte
    counts only (``bytes.count`` of a two-byte pattern is twice as slow, and holds the GIL):
    the colons and the backslashes; the pairs ``\\"`` are counted in a second pass
    (:meth:`escapes_quotes`) only when there is a backslash."""

    path: Path | None = None
    sha256: str = ""
    colons: int = 0  # ``:``
    backslashes: int = 0  # ``\\``
    newlines: int = 0
    last: int = 0  # the last byte
    bom: bool = False
    failed: list[BaseException] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return self.newlines + (1 if self.last not in (0, 0x0A) else 0)

    def keys_are(self, n: int) -> bool:
        """Whether the file writes exactly ``n`` keys — the fields the query counted. Every key
        has its colon (``"k":`` or ``"k" :``), so as many colons as ``n`` says that DuckDB
        skipped no key and read no ``null``; a colon inside a text makes more, and the file
        goes to the per-record path (counting the pairs ``":`` instead would let a ``null``
        and a key written ``"k" :`` in one file cancel out)."""
        return self.colons == n

    def escapes_quotes(self) -> bool:
        """Whether a ``\\"`` is in the file (none without a backslash)."""
        return bool(self.backslashes) and self._pairs(b'\\"') > 0

    def _pairs(self, pair: bytes) -> int:
        assert self.path is not None
        got = 0
        prev = b""
        with self.path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                got += (prev[-1:] + chunk).count(pair)  # a pair across the boundary
                prev = chunk
        return got


def scan(path: Path, out: ByteCounts) -> None:
    """Count ``out``'s figures and hash the file (an error is kept in ``out.failed``)."""
    try:
        import numpy as np

        out.path = path
        digest = hashlib.sha256()
        prev = b""
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                if not prev:
                    out.bom = chunk.startswith(b"\xef\xbb\xbf")
                digest.update(chunk)
                # numpy's comparisons, not bytes.count: a fifth of the CPU (0.09 s against
                # 0.44 s for the three counts at 1M findings), and bytes.count holds the GIL
                buf = np.frombuffer(chunk, dtype=np.uint8)
                out.colons += int(np.count_nonzero(buf == 0x3A))
                out.backslashes += int(np.count_nonzero(buf == 0x5C))
                out.newlines += int(np.count_nonzero(buf == 0x0A))
                prev = chunk
        out.last = prev[-1] if prev else 0
        out.sha256 = digest.hexdigest()
    except BaseException as exc:  # re-raised by the caller
        out.failed.append(exc)

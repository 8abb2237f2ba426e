"""The columnar engine: a JSON Lines file read column by column by DuckDB, its spellings resolved
once per distinct string through the same rules the hot loop asks (:mod:`.fastpath`), the rows
that need no explanation selected by vectorised masks, and every other row sent, with its line
number, through :meth:`.checker.Checker.check` — so the counts, the problems and their messages
are those of the per-record path, byte for byte.

Opt-in (``SPOTCHECK_ENGINE=columnar``) and only where it can give the reference's very answer:
the last JSON Lines input of a run, no record handed on (no drill-down), no outcome per record,
nothing in the duplicate tables yet. It needs the ``columnar`` extra (DuckDB, pyarrow, numpy),
imported only here and only when used.

How a row is known to need no explanation (:mod:`.columnquery` has the query). Each distinct
spelling, or combination of spellings that decide together, is decoded by msgspec with the
internal record's type for the field and judged by the hot loop's own predicates
(:func:`~.fastpath.fast_entry`, :func:`~.fastpath.fast_code`, :func:`~.fastpath.fast_revocation`,
``REGION.accepts``, ``OUTSIDE_YEAR.accepts``, ``NEGATIVE_CASES.accepts``,
:func:`~.rules.handling.handled_cleanly`); a fine that is not in the canonical form goes to the
same msgspec hook (:func:`~.money.parse_amount`). The file goes to the per-record path whole when
DuckDB refuses a line, or when its bytes show what DuckDB does not: a field it skipped or a
``null`` (the ``":`` in the file must number the fields the query counted), an escaped quote,
a blank line (one row a line).

Duplicates: every row whose unit, trimmed, is named twice in its domain (by DuckDB's 64-bit hash
of the id: a collision only sends more rows to the checker) takes the per-record path, in line
order, so the first seen wins and the "where" is the same. A unit named once is counted here
and never enters the duplicate table, so the checker's own 64-bit hash of the id cannot, as it
can on the per-record path with odds of about n²/2⁶⁵ (and a hash seed that changes per process),
report two such ids as one unit.
"""

from __future__ import annotations

import datetime as _dt
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from .checker import FNO_MASK, Checker, Progress
from .columnquery import SEP, ByteCounts, query, scan
from .fastpath import fast_code, fast_entry, fast_revocation
from .money import _dec_hook, _Yuan
from .readers import _DECODER, FileInfo, decode_line
from .records import RawRecord, is_trimmed
from .rules.fields import NEGATIVE_CASES, REGION
from .rules.handling import OUTSIDE_YEAR, handled_cleanly
from .state import DomainState, FastEntry

__all__ = ["ENGINE_VARIABLE", "MIN_BYTES", "consume_columnar", "wanted"]

ENGINE_VARIABLE = "SPOTCHECK_ENGINE"
"""``columnar`` turns the engine on for the inputs it can take; anything else, or unset, leaves
every input to the per-record path."""
MIN_BYTES = 32 << 20
"""Files below this size (about 160 000 findings) stay on the per-record path even when the
engine is asked for: its start (DuckDB, pyarrow and numpy imported, a connection) costs more
than it saves there — at 100 000 findings it was slower, at 1 000 000 faster
(docs/performance.md)."""
_BATCH = 1 << 17
_CHUNK = 1 << 20
_NONE: Any = object()


def wanted(checker: Checker, sink: object, last: bool, size: int) -> bool:
    """Whether the engine should take this input: asked for, and one it answers as the
    per-record path does (the last input, nothing handed on, no outcome per record, the
    duplicate tables still empty)."""
    if os.environ.get(ENGINE_VARIABLE, "").strip().lower() != "columnar":
        return False
    return (
        sink is None
        and last
        and not checker.record_outcomes
        and not checker.sealed
        and size >= MIN_BYTES
        and all(not st.seen for st in checker.states.values())
    )


def _threads() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


def _decoder(typ: Any) -> Callable[[str | None], Any]:
    """A field's JSON text decoded as the internal record types it (``_NONE``: it does not
    decode; ``None``: the field is absent)."""
    dec = msgspec.json.Decoder(typ, dec_hook=_dec_hook)

    def decode(text: str | None) -> Any:
        if text is None:
            return None
        try:
            return dec.decode(text.encode())
        except msgspec.DecodeError:
            return _NONE

    return decode


_STR = _decoder(str)
_LIST = _decoder(list[str])
_INT = _decoder(int)
_BOOL = _decoder(bool)
_DAY = _decoder(_dt.date)
_FINE = _decoder(_Yuan)


def _split(text: str) -> list[str | None]:
    return [t or None for t in text.split(SEP)]


class _Ids:
    """Ids of the distinct texts of one column, each with what ``judge`` makes of it."""

    def __init__(self, judge: Callable[[str], Any]) -> None:
        self.ids: dict[str, int] = {}
        self.values: list[Any] = []
        self.judge = judge

    def map(self, arr: Any) -> Any:
        """Each row's id (new texts are judged here)."""
        import numpy as np
        import pyarrow.compute as pc

        enc = pc.dictionary_encode(arr)
        ids = self.ids
        lut = np.empty(len(enc.dictionary), dtype=np.int64)
        for i, text in enumerate(enc.dictionary.to_pylist()):
            got = ids.get(text)
            if got is None:
                got = ids[text] = len(self.values)
                self.values.append(self.judge(text))
            lut[i] = got
        return lut[enc.indices.to_numpy(zero_copy_only=False)]


# What a combination of spellings comes to (domain state index, leaf row, revocation columns,
# cases) when the hot loop takes it, else None.
_Verdict = tuple[int, int, tuple[int, ...], int] | None


class _Engine:
    """The spellings of one file and what the rules make of them, each decided once."""

    def __init__(self, checker: Checker) -> None:
        self.checker = checker
        self.states = list(checker.states.values())
        self.state_no = {id(st): i for i, st in enumerate(self.states)}
        self.sig = _Ids(_split)
        self.facts = _Ids(self.facts_ok)
        # (domain, category, ownership) texts → entry number; per entry: the hot loop's entry
        # (None: the record goes to the checker) and the domain state for the duplicate key
        self.entry_no: dict[tuple[str | None, ...], int] = {}
        self.entries: list[FastEntry | None] = []
        self.entry_state: list[int] = []
        self.sig_entry: list[int] = []  # per sig id
        self.code_ids: dict[str, int] = {}
        self.hits: dict[tuple[int, int], tuple[int, int] | None] = {}
        self.cells: dict[tuple[int, int, int], int] = {}
        self.cell_list: list[tuple[int, int, int]] = []
        self.fines: dict[str, int] = {}
        self.combos: dict[tuple[int, ...], int] = {}
        self.verdicts: list[_Verdict] = []

    # -- per distinct spelling -----------------------------------------------------------

    def facts_ok(self, text: str) -> bool:
        """Date, region and tier as the hot loop asks them (each absent, or accepted)."""
        day_t, region_t, tier_t = _split(text)
        day, region, tier = _DAY(day_t), _STR(region_t), _STR(tier_t)
        return (
            day is not _NONE
            and region is not _NONE
            and tier is not _NONE
            and (day is None or OUTSIDE_YEAR.accepts(day, self.checker.year))
            and (region is None or REGION.accepts(region))
            and (tier is None or is_trimmed(tier))
        )

    def entry_of(self, sig_id: int) -> int:
        """The entry number of a sig's (domain, category, ownership)."""
        while len(self.sig_entry) <= sig_id:
            texts = self.sig.values[len(self.sig_entry)]
            key = tuple(texts[:3])
            no = self.entry_no.get(key)
            if no is None:
                no = self.entry_no[key] = len(self.entries)
                dom, cat, own = (_STR(t) for t in key)
                ent = None
                if isinstance(dom, str) and isinstance(cat, str) and own is not _NONE:
                    ent = fast_entry(self.checker, dom, cat, own)
                self.entries.append(ent)
                self.entry_state.append(self._state(dom))
            self.sig_entry.append(no)
        return self.sig_entry[sig_id]

    def _state(self, dom: Any) -> int:
        """The state a record of this domain is checked under once trimmed, or -1."""
        if not isinstance(dom, str) or not dom.strip():
            return -1
        st = self.checker.state(dom.strip())
        return self.state_no[id(st)] if isinstance(st, DomainState) else -1

    def hit(self, entry: int, code: int, spelling: str) -> tuple[int, int] | None:
        """A violation spelling under an entry: (cell id, disposition bit), or ``None`` when
        the hot loop sends the record to the checker."""
        key = (entry, code)
        got = self.hits.get(key, _NONE)
        if got is _NONE:
            got = None
            ent = self.entries[entry]
            if ent is not None:
                st, row, cat_id, canon, codes, _ = ent
                h = codes.get(spelling, _NONE)
                if h is _NONE:
                    h = codes[spelling] = fast_code(st, spelling, cat_id, canon)
                if h is not None:
                    cell = (self.state_no[id(st)], row, h[0])
                    cid = self.cells.get(cell)
                    if cid is None:
                        cid = self.cells[cell] = len(self.cell_list)
                        self.cell_list.append(cell)
                    got = (cid, h[2])
            self.hits[key] = got
        return got  # type: ignore[no-any-return]

    def fine(self, text: str) -> int:
        """A fine not in the canonical form: its cents as the hot loop computes them, or -3
        when the hot loop sends the record to the checker."""
        got = self.fines.get(text)
        if got is None:
            fine = _FINE(text)
            got = -3
            if fine is not _NONE and fine.is_finite():
                scaled = fine.scaleb(2)
                cents = int(scaled)
                if cents >= 0 and scaled == cents:
                    got = cents
            self.fines[text] = got
        return got

    def verdict(self, sig_id: int, vstate: int, bits: int, fine_state: int) -> _Verdict:
        """What the hot loop decides for a combination (the same calls, in the same order).
        ``vstate``: 0 no violation, 1 each taken (``bits`` their dispositions), 2 not."""
        ent = self.entries[self.entry_of(sig_id)]
        if ent is None or vstate == 2:
            return None
        _, _, _, cases_t, rev_t, ref_t, op_t, pen_t = self.sig.values[sig_id]
        st, row, cat_id, _, _, revocations = ent
        sno = self.state_no[id(st)]
        has_pen = pen_t == "1"
        referred, opinion = _BOOL(ref_t), _BOOL(op_t)
        if referred is _NONE or opinion is _NONE:
            return None
        if vstate == 0:
            if has_pen or referred is not None or opinion is not None:
                return None
            return (sno, row, (), 0)
        cases = 0
        rcols: set[int] = set()
        if has_pen:
            cases = 0 if cases_t is None else _INT(cases_t)
            revoked = [] if rev_t is None else _LIST(rev_t)
            if cases is _NONE or revoked is _NONE or fine_state == 3:
                return None
            if not NEGATIVE_CASES.accepts(cases):
                return None
            for ref in revoked:
                rhit = revocations.get(ref, _NONE)
                if rhit is _NONE:
                    rhit = revocations[ref] = fast_revocation(st, ref, cat_id)
                if rhit is None:
                    return None
                rcols.add(rhit[0])
        positive = 1 if fine_state == 2 else 0
        if not handled_cleanly(
            st.handling, st.clean, bits, cases, positive, bool(rcols), referred, opinion
        ):
            return None
        # the violations' columns are counted from their spellings (each column once a row)
        return (sno, row, tuple(sorted(rcols)), cases)


def _combine(columns: list[Any]) -> tuple[list[tuple[int, ...]], Any]:
    """The distinct combinations of the small non-negative ints in ``columns``: (each one's
    values, each row's combination number). A mixed-radix key per row, ranked down when the
    next column would overflow it; counted in a table when it spans little, else sorted."""
    import numpy as np

    n = len(columns[0])
    key = np.zeros(n, dtype=np.int64)
    span = 1
    radices: list[int] = []
    for col in columns:
        radix = int(col.max()) + 1 if n else 1
        if span * radix >= 1 << 62:
            return _combine_sorted(columns)
        key = key * radix + col
        span *= radix
        radices.append(radix)
    if span <= 1 << 22:
        present = np.zeros(span, dtype=bool)
        present[key] = True
        uniq = np.flatnonzero(present)
        rank = np.cumsum(present, dtype=np.int64) - 1
        inverse = rank[key]
    else:
        uniq, inverse = np.unique(key, return_inverse=True)
        inverse = inverse.reshape(-1)
    values = []
    rest = uniq
    for radix in reversed(radices):
        values.append((rest % radix).tolist())
        rest = rest // radix
    return list(zip(*reversed(values), strict=True)), inverse


def _combine_sorted(columns: list[Any]) -> tuple[list[tuple[int, ...]], Any]:
    import numpy as np

    uniq, inverse = np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)
    return [tuple(r) for r in uniq.tolist()], inverse.reshape(-1)


# --------------------------------------------------------------------------- the file


def consume_columnar(
    checker: Checker, path: Path, info: FileInfo, progress: Progress | None = None
) -> int | None:
    """Check a JSON Lines file with the engine; the number of records, or ``None`` when the
    file is one the engine leaves to the per-record path (then nothing was counted or
    reported: only the checker's caches of resolved spellings were filled)."""
    import duckdb
    import numpy as np

    name = info.path
    if checker.file_number(name) > FNO_MASK:
        return None
    size = info.size or path.stat().st_size
    if not size:
        return None
    counted = ByteCounts()
    scanner = threading.Thread(target=scan, args=(path, counted), daemon=True)
    scanner.start()
    eng = _Engine(checker)
    parts: dict[str, list[Any]] = {
        k: [] for k in ("combo", "plain", "cents", "key", "state", "el_row", "el_cell")
    }
    nkeys = rows = 0
    refused = False
    try:
        con = duckdb.connect()
        try:
            con.execute("SET enable_progress_bar = false")
            # one core is left to the byte counts' thread and the batches in Python: on two
            # cores, DuckDB on one was faster (3.5-4.0 s against 4.2-4.3 s at 1M, alternated)
            # and lighter (300 against 335 MB)
            con.execute(f"SET threads = {_threads()}")
            reader = con.sql(query(), params=[os.fspath(path)]).to_arrow_reader(_BATCH)
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except (duckdb.Error, OSError, ValueError):
                    # a line DuckDB refuses (a duplicate key, not an object, bad JSON), raised
                    # as DuckDB's error or through pyarrow's reader as OSError/ArrowInvalid:
                    # the file is the per-record path's, which reports it (or fails to read
                    # it) as it always does
                    refused = True
                    break
                nkeys += _batch(eng, batch, parts, rows)
                rows += batch.num_rows
                if progress is not None:
                    progress(min(size - 1, rows * 200), size)
        finally:
            con.close()
    except duckdb.Error:  # refused before the first batch
        refused = True
    if refused:
        scanner.join()
        return None
    scanner.join()
    if counted.failed:
        raise counted.failed[0]
    if rows != counted.lines or nkeys != counted.keys or counted.escaped_quotes:
        return None
    cat = {k: np.concatenate(v) if v else np.zeros(0, dtype=np.int64) for k, v in parts.items()}
    taken = np.array([v is not None for v in eng.verdicts], dtype=bool)
    clean = cat["plain"].astype(bool) & taken[cat["combo"]]
    if counted.bom:
        clean[0] = False  # the per-record path decodes a first line with a BOM apart
    _duplicates(clean, cat["key"], cat["state"])
    _count(eng, cat, clean)
    n_clean = int(clean.sum())
    checker.read += n_clean
    checker.accepted += n_clean
    _explain(checker, path, name, np.flatnonzero(~clean).tolist())
    checker.sealed = True  # the duplicate tables hold only the units of the rows explained
    info.sha256 = counted.sha256
    info.records = rows
    info.done = size
    return rows


def _batch(eng: _Engine, batch: Any, parts: dict[str, list[Any]], base: int) -> int:
    """One batch of rows: each row's combination, whether its per-row facts pass, its cents,
    its duplicate key; the number of fields the batch holds."""
    import numpy as np

    col = batch.column
    sig = eng.sig.map(col("sig"))
    if len(sig):
        eng.entry_of(int(sig.max()))  # and every sig before it
    entry = np.array(eng.sig_entry, dtype=np.int64)[sig]
    cents = col("cents").to_numpy(zero_copy_only=False).astype(np.int64)
    odd = np.flatnonzero(cents == -2)
    if len(odd):
        texts = col("fine_text").take(odd).to_pylist()
        cents[odd] = [eng.fine(t) for t in texts]
    # 0 absent, 1 zero, 2 positive, 3 not taken
    fine_state = np.where(cents == -1, 0, np.where(cents == -3, 3, np.where(cents > 0, 2, 1)))
    vstate, bits = _violations(eng, batch, entry, base, parts)
    keys, inverse = _combine([sig, vstate, bits, fine_state])
    lut = np.empty(len(keys), dtype=np.int64)
    for i, k in enumerate(keys):
        got = eng.combos.get(k)
        if got is None:
            got = eng.combos[k] = len(eng.verdicts)
            eng.verdicts.append(eng.verdict(*k))
        lut[i] = got
    facts = eng.facts.map(col("facts"))  # first: it judges the new spellings
    ok = col("plain").to_numpy(zero_copy_only=False).astype(bool)
    parts["plain"].append(ok & np.array(eng.facts.values, dtype=bool)[facts])
    parts["combo"].append(lut[inverse].astype(np.int32))
    parts["cents"].append(np.maximum(cents, 0))
    parts["key"].append(col("key").to_numpy(zero_copy_only=False).astype(np.uint64))
    parts["state"].append(np.array(eng.entry_state, dtype=np.int16)[entry])
    return int(col("nkeys").to_numpy(zero_copy_only=False).sum())


def _violations(
    eng: _Engine, batch: Any, entry: Any, base: int, parts: dict[str, list[Any]]
) -> tuple[Any, Any]:
    """Each row's violations summed up element by element: (0 none, 1 each taken, 2 not;
    their disposition bits); each element's (row, cell) goes to ``parts`` for the counts."""
    import numpy as np
    import pyarrow.compute as pc

    vstate = batch.column("vkind").to_numpy(zero_copy_only=False).astype(np.int64)
    bits = np.zeros(len(vstate), dtype=np.int64)
    vlist = batch.column("vlist")
    flat = pc.list_flatten(vlist)
    rows_el = pc.list_parent_indices(vlist).to_numpy(zero_copy_only=False).astype(np.int64)
    # an empty list is no violation, as an absent one
    vstate[(vstate == 1) & (np.bincount(rows_el, minlength=len(vstate)) == 0)] = 0
    if not len(flat):
        return vstate, bits
    enc = pc.dictionary_encode(flat)
    ids = eng.code_ids
    lut = np.array(
        [ids.setdefault(t, len(ids)) for t in enc.dictionary.to_pylist()], dtype=np.int64
    )
    code_el = lut[enc.indices.to_numpy(zero_copy_only=False)]
    ent_el = entry[rows_el]
    pairs, pinv = _combine([ent_el, code_el])
    spelling = list(ids)
    cell_u = np.empty(len(pairs), dtype=np.int64)
    bit_u = np.empty(len(pairs), dtype=np.int64)
    for i, (e, code) in enumerate(pairs):
        h = eng.hit(e, code, spelling[code])
        cell_u[i], bit_u[i] = (-1, 0) if h is None else h
    cell_el = cell_u[pinv]
    # a row's elements are consecutive
    at = np.flatnonzero(np.concatenate(([True], rows_el[1:] != rows_el[:-1])))
    owners = rows_el[at]
    bad = np.minimum.reduceat(cell_el, at) < 0
    vstate[owners[bad]] = 2
    bits[owners] = np.bitwise_or.reduceat(bit_u[pinv], at)
    parts["el_row"].append(rows_el + base)
    parts["el_cell"].append(cell_el)
    return vstate, bits


def _duplicates(clean: Any, key: Any, state: Any) -> None:
    """Every row of a unit named twice in a domain goes to the checker, which reports the
    later ones as the per-record path does (the first seen wins, the same "where")."""
    import numpy as np

    named = np.flatnonzero(state >= 0)
    mixed = key[named] ^ (
        (state[named].astype(np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
    )
    order = np.argsort(mixed, kind="stable")
    ordered = mixed[order]
    same = ordered[1:] == ordered[:-1]
    if same.any():
        twice = np.zeros(len(ordered), dtype=bool)
        twice[1:] |= same
        twice[:-1] |= same
        clean[named[order[twice]]] = False


def _count(eng: _Engine, cat: dict[str, Any], clean: Any) -> None:
    """Add the rows that need no explanation into the checker's counts: per combination, and
    the violations' cells (each column once a row)."""
    import numpy as np

    combo = cat["combo"][clean]
    n = len(eng.verdicts)
    per = np.bincount(combo, minlength=n)
    cents = np.zeros(n, dtype=np.int64)
    np.add.at(cents, combo, cat["cents"][clean])
    for s in np.flatnonzero(per).tolist():
        v = eng.verdicts[s]
        assert v is not None
        sno, row, rcols, cases = v
        st = eng.states[sno]
        k = int(per[s])
        st.inspected[row] += k
        for c in rcols:
            st.cells[row][c] += k
        st.cases[row] += k * cases
        st.cents[row] += int(cents[s])
    el_row = cat["el_row"]
    if not len(el_row):
        return
    cell = cat["el_cell"]
    keep = clean[el_row]
    # a column counts a unit once: drop an element whose cell an earlier one of its row has
    # (a row's elements are consecutive, and few)
    longest = int(np.bincount(el_row).max())
    for back in range(1, longest):
        keep[back:] &= ~((el_row[back:] == el_row[:-back]) & (cell[back:] == cell[:-back]))
    per_cell = np.bincount(cell[keep], minlength=max(1, len(eng.cell_list)))
    for cid in np.flatnonzero(per_cell).tolist():
        sno, row, c = eng.cell_list[cid]
        eng.states[sno].cells[row][c] += int(per_cell[cid])


def _explain(checker: Checker, path: Path, name: str, rows: list[int]) -> None:
    """The other rows (0-based, ascending) through the checker, in line order, decoded as the
    hot loop decodes a line it sends there."""
    if not rows:
        return
    decode = _DECODER.decode
    check = checker.check
    it = iter(rows)
    want = next(it)
    first = 0  # the 0-based number of the first line in ``lines``
    tail = b""
    with path.open("rb") as f:
        while want >= 0:
            chunk = f.read(_CHUNK)
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop() if chunk else b""
            while want >= 0 and want < first + len(lines):
                line = lines[want - first]
                try:
                    value: Any = decode(line)
                except msgspec.DecodeError:
                    value = decode_line(line, want + 1)
                check(RawRecord(name, want + 1, want, value))
                want = next(it, -1)
            first += len(lines)
            if not chunk:
                break

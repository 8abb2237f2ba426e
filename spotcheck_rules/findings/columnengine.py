"""The columnar engine's machinery, shared by the JSON Lines and the Parquet query
(:mod:`.columnar` drives them): what each distinct spelling or combination of spellings comes
to (:class:`Engine`, the same rule calls as the hot loop of :mod:`.fastpath`), and the
vectorised steps over a file's rows — a batch's combinations (:func:`read_batch`), the violations
element by element, the units named twice in a domain (:func:`duplicates`) and the counts of
the rows that need no explanation (:func:`count`).

A query gives these columns per row (as :func:`.columnquery.query` and
:func:`.parquetquery.query` do): ``sig`` and ``facts`` (JSON texts glued with
:data:`.columnquery.SEP`), ``vkind`` and ``vlist`` (the violations), ``cents`` and
``fine_text`` (the fine), ``plain`` (the per-row facts that need no rule), ``key`` (the id's
hash) and ``nkeys`` (the fields counted, JSON Lines only).
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Callable
from typing import Any

import msgspec

from .arrowbuffers import indices, numbers
from .checker import Checker
from .columnquery import SEP, SIG_FIELDS
from .fastpath import fast_code, fast_entry, fast_revocation
from .money import _dec_hook, _Yuan, whole_cents
from .records import is_trimmed
from .rules.fields import NEGATIVE_CASES, REGION
from .rules.handling import OUTSIDE_YEAR, handled_cleanly
from .state import DomainState, FastEntry

__all__ = [
    "PARTS",
    "Engine",
    "Parts",
    "count",
    "duplicates",
    "read_batch",
    "sum_by",
]

PARTS = {
    "combo": "int32",  # per row: the combination of spellings (Engine.verdicts), -1 when the
    # row needs the checker for itself (its id or name untrimmed, date, region or tier not
    # taken, not_applicable or harm given) or its combination does
    "key": "uint64",  # the trimmed id's hash, its domain mixed in (duplicates)
    "paid_row": "int32",  # per row with a fine (most have none): its row
    "paid_cents": "int64",  # and the fine in cents
    "el_row": "int32",  # per violation element: its row
    "el_cell": "int32",  # and its cell (-1: not taken)
}
"""The arrays the engine keeps for a file, by name and type (per row, per row with a fine,
or per element of the violation lists): 12 bytes a row, 12 more a fine, 8 a violation."""
_GOLDEN = 0x9E3779B97F4A7C15
_PAIR_CELLS = 1 << 21
"""At most this many (entry, violation spelling) pairs in the engine's table (32 MB); a file
of more distinct spellings asks each batch's pairs apart."""


class Parts:
    """:data:`PARTS` for one file, each one array grown in place: a batch's values are copied
    in, never kept as thousands of small arrays (which, freed at the end, stayed in the
    allocator's heap: 50 bytes a row where the values are 26). ``rows``: a first capacity;
    pages never written are never resident, so a generous guess costs nothing."""

    def __init__(self, rows: int) -> None:
        import numpy as np

        self._arrays = {k: np.empty(max(rows, 1024), dtype=t) for k, t in PARTS.items()}
        self._used = dict.fromkeys(PARTS, 0)

    def append(self, name: str, values: Any) -> None:
        import numpy as np

        arr, used = self._arrays[name], self._used[name]
        need = used + len(values)
        if need > len(arr):
            grown = np.empty(max(need, len(arr) * 3 // 2), dtype=arr.dtype)
            grown[:used] = arr[:used]
            self._arrays[name] = arr = grown
        arr[used:need] = values
        self._used[name] = need

    def view(self, name: str) -> Any:
        """The values appended so far (a view, not a copy)."""
        return self._arrays[name][: self._used[name]]


_NONE: Any = object()


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


def _present(text: str) -> int:
    """How many of the fields glued in a ``sig`` or ``facts`` text are present (an absent one
    is empty; a ``sig``'s last part is ``1`` when the finding has a ``penalty``)."""
    parts = text.split(SEP)
    n = sum(1 for t in parts[: len(SIG_FIELDS)] if t)
    return n + (1 if len(parts) > len(SIG_FIELDS) and parts[-1] == "1" else 0)


class _Ids:
    """Ids of the distinct texts of one column, each with what ``judge`` makes of it and how
    many fields it shows (:func:`_present`)."""

    def __init__(self, judge: Callable[[str], Any]) -> None:
        self.ids: dict[str, int] = {}
        self.values: list[Any] = []
        self.present: list[int] = []
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
                self.present.append(_present(text))
            lut[i] = got
        return lut[numbers(enc.indices)]


# What a combination of spellings comes to (domain state index, leaf row, revocation columns,
# cases) when the hot loop takes it, else None.
_Verdict = tuple[int, int, tuple[int, ...], int] | None


class Engine:
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
        self.taken: list[bool] = []  # per verdict: not None
        self._arrays: dict[str, Any] = {}
        self._pair_table: Any = None  # [cell, bit] × entry × code spelling (-2: not asked)
        self._spellings: list[str] = []

    def array(self, name: str, values: list[Any], dtype: Any) -> Any:
        """``values`` (a list that only grows) as a numpy array, made again only when it grew
        (per batch, the lists of thousands of spellings were copied anew)."""
        import numpy as np

        got = self._arrays.get(name)
        if got is None or len(got) != len(values):
            got = self._arrays[name] = np.array(values, dtype=dtype)
        return got

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

    def pairs(self, entry: Any, code: Any) -> tuple[Any, Any]:
        """Per violation element (its entry and code spelling's id): its cell id (-1: the hot
        loop sends the record to the checker) and disposition bit, from a table kept for the
        file; only the pairs not seen before are asked (:meth:`hit`)."""
        import numpy as np

        shape = (len(self.entries), len(self.code_ids))
        if shape[0] * shape[1] > _PAIR_CELLS:
            return self._pairs_apart(entry, code)
        table = self._pair_table
        if table is None or table.shape[1:] != shape:
            grown = np.full((2, *shape), -2, dtype=np.int64)
            if table is not None:
                grown[:, : table.shape[1], : table.shape[2]] = table
            self._pair_table = table = grown
        cell = table[0][entry, code]
        new = cell == -2
        if new.any():
            spelling = self.spellings()
            keys = np.unique(entry[new] * shape[1] + code[new])
            for k in keys.tolist():
                e, c = divmod(k, shape[1])
                h = self.hit(e, c, spelling[c])
                table[0, e, c], table[1, e, c] = (-1, 0) if h is None else h
            cell = table[0][entry, code]
        return cell, table[1][entry, code]

    def _pairs_apart(self, entry: Any, code: Any) -> tuple[Any, Any]:
        """:meth:`pairs` without the table, for a file of too many distinct spellings (each
        batch's distinct pairs asked of :meth:`hit`'s cache)."""
        import numpy as np

        pairs, inverse = _combine([entry, code])
        spelling = self.spellings()
        cell = np.empty(len(pairs), dtype=np.int64)
        bit = np.empty(len(pairs), dtype=np.int64)
        for i, (e, c) in enumerate(pairs):
            h = self.hit(e, c, spelling[c])
            cell[i], bit[i] = (-1, 0) if h is None else h
        return cell[inverse], bit[inverse]

    def spellings(self) -> list[str]:
        """The violation spellings by id (:attr:`code_ids`), made again only when it grew."""
        if len(self._spellings) != len(self.code_ids):
            self._spellings = list(self.code_ids)
        return self._spellings

    def fine(self, text: str) -> int:
        """A fine not in the canonical form: its cents as the hot loop computes them, or -3
        when the hot loop sends the record to the checker."""
        got = self.fines.get(text)
        if got is None:
            fine = _FINE(text)
            whole = None if fine is _NONE else whole_cents(fine)
            got = self.fines[text] = -3 if whole is None else whole
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


def read_batch(eng: Engine, batch: Any, parts: Parts, base: int) -> int:
    """One batch of rows: each row's combination, whether its per-row facts pass, its cents,
    its duplicate key; the number of fields the batch holds."""
    import numpy as np

    col = batch.column
    sig = eng.sig.map(col("sig"))
    if len(sig):
        eng.entry_of(int(sig.max()))  # and every sig before it
    entry = eng.array("sig_entry", eng.sig_entry, np.int64)[sig]
    cents = numbers(col("cents")).astype(np.int64)
    odd = np.flatnonzero(cents == -2)
    if len(odd):
        texts = col("fine_text").take(indices(odd)).to_pylist()
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
            verdict = eng.verdict(*k)
            eng.verdicts.append(verdict)
            eng.taken.append(verdict is not None)
        lut[i] = got
    facts = eng.facts.map(col("facts"))  # first: it judges the new spellings
    combo = lut[inverse]
    keep = numbers(col("plain")) & eng.array("facts_ok", eng.facts.values, np.bool_)[facts]
    keep &= eng.array("taken", eng.taken, np.bool_)[combo]
    parts.append("combo", np.where(keep, combo, -1).astype(np.int32))
    paid = np.flatnonzero(cents > 0)
    parts.append("paid_row", (paid + base).astype(np.int32))
    parts.append("paid_cents", cents[paid])
    # the domain state mixed into the id's hash (a row of no domain, state -1, mixes nothing:
    # it is never clean, and a collision only sends more rows to the checker)
    state = eng.array("entry_state", eng.entry_state, np.int64)[entry]
    mixed = (state + 1).astype(np.uint64) * np.uint64(_GOLDEN)
    mixed ^= numbers(col("key")).astype(np.uint64)
    parts.append("key", mixed)
    # the fields the batch holds (columnquery.query: what nkeys does not count shows elsewhere)
    sig_n, facts_n = eng.sig.present, eng.facts.present
    shown = np.bincount(sig, minlength=len(sig_n)) @ eng.array("sig_n", sig_n, np.int64)
    shown += np.bincount(facts, minlength=len(facts_n)) @ eng.array("facts_n", facts_n, np.int64)
    raw = numbers(col("vkind"))
    shown += int(np.count_nonzero(raw)) + int(np.count_nonzero(numbers(col("cents")) != -1))
    return int(shown) + int(numbers(col("nkeys")).sum())


def _violations(eng: Engine, batch: Any, entry: Any, base: int, parts: Parts) -> tuple[Any, Any]:
    """Each row's violations summed up element by element: (0 none, 1 each taken, 2 not;
    their disposition bits); each element's (row, cell) goes to ``parts`` for the counts."""
    import numpy as np
    import pyarrow.compute as pc

    vstate = numbers(batch.column("vkind")).astype(np.int64)
    bits = np.zeros(len(vstate), dtype=np.int64)
    vlist = batch.column("vlist")
    flat = pc.list_flatten(vlist)
    rows_el = numbers(pc.list_parent_indices(vlist)).astype(np.int64)
    # an empty list is no violation, as an absent one
    vstate[(vstate == 1) & (np.bincount(rows_el, minlength=len(vstate)) == 0)] = 0
    if not len(flat):
        return vstate, bits
    enc = pc.dictionary_encode(flat)
    ids = eng.code_ids
    lut = np.array(
        [ids.setdefault(t, len(ids)) for t in enc.dictionary.to_pylist()], dtype=np.int64
    )
    code_el = lut[numbers(enc.indices)]
    ent_el = entry[rows_el]
    cell_el, bit_el = eng.pairs(ent_el, code_el)
    # a row's elements are consecutive
    at = np.flatnonzero(np.concatenate(([True], rows_el[1:] != rows_el[:-1])))
    owners = rows_el[at]
    bad = np.minimum.reduceat(cell_el, at) < 0
    vstate[owners[bad]] = 2
    bits[owners] = np.bitwise_or.reduceat(bit_el, at)
    parts.append("el_row", rows_el + base)
    parts.append("el_cell", cell_el)
    return vstate, bits


def duplicates(clean: Any, mixed: Any) -> None:
    """Every row of a unit named twice in a domain goes to the checker, which reports the
    later ones as the per-record path does (the first seen wins, the same "where").

    ``mixed``: the id's hash with the domain mixed in (:func:`read_batch`). A sorted copy
    finds the values that repeat; a binary search over those few marks their rows — 8 bytes
    a row at the peak, where an argsort and its gathers took 33 (137 MB at 4M findings). The
    copy is made in two halves by the top bit (a value repeats only within its half, and the
    lower half's values all come first), sorted on two threads: numpy's sort lets go of the
    GIL (1M findings: 34-39 ms against 53-67 ms for one sort)."""
    import numpy as np

    top = mixed >= np.uint64(1 << 63)
    halves = [mixed[~top], mixed[top]]
    del top
    repeats: list[Any] = [None, None]
    failed: list[BaseException] = []

    def repeated_in(i: int) -> None:
        try:
            half = halves[i]
            half.sort()
            same = half[1:] == half[:-1]
            repeats[i] = np.unique(half[1:][same]) if same.any() else half[:0]
        except BaseException as exc:  # re-raised below (a MemoryError)
            failed.append(exc)

    other = threading.Thread(target=repeated_in, args=(1,))
    other.start()
    repeated_in(0)
    other.join()
    if failed:
        raise failed[0]
    halves.clear()  # the sorted copies freed before the search
    repeated = np.concatenate(repeats)
    if not len(repeated):
        return
    at = np.searchsorted(repeated, mixed)
    at[at == len(repeated)] = 0
    clean[repeated[at] == mixed] = False


def sum_by(group: Any, values: Any, n: int) -> Any:
    """The exact int64 sums of non-negative ``values`` per ``group`` (0 … n-1)."""
    import numpy as np

    if not len(values) or int(values.max()) * len(values) < 1 << 53:
        # every partial sum is then a whole number a float holds exactly (bounded without
        # an int64 sum that could wrap): bincount's float64 sums are the integers
        return np.bincount(group, weights=values, minlength=n).astype(np.int64)
    sums = np.zeros(n, dtype=np.int64)
    np.add.at(sums, group, values)  # exact in any case, about ten times slower
    return sums


def count(eng: Engine, cat: dict[str, Any], clean: Any) -> None:
    """Add the rows that need no explanation into the checker's counts: per combination, and
    the violations' cells (each column once a row)."""
    import numpy as np

    n = len(eng.verdicts)
    per = np.bincount(cat["combo"][clean], minlength=n)
    # the fines of the clean rows that have one (most have none)
    paid = cat["paid_row"]
    mine = clean[paid]
    cents = sum_by(cat["combo"][paid[mine]], cat["paid_cents"][mine], n)
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

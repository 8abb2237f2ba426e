"""The JSON Lines hot loop: most records checked inline, through the same rules' predicates.

The common record — typed decode succeeded, known domain and category spellings, no 合理缺项 or
harm, no problem — is decided here without building anything: references come from the
checker's caches (resolved once per spelling by :mod:`.rules.references` and
:func:`.rules.applicability.verdict`), fields are tested by their rules' predicates, the
handling rules by :func:`.rules.handling.handled_cleanly`. Anything else goes through
:meth:`.checker.Checker.check`, which applies the same rules and reports the problems; the tests
run the same inputs through both paths.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import msgspec

from .checker import IS_LINE, LAZY, PAYLOAD, POS_MASK, Accepted, Checker
from .money import whole_cents
from .readers import _DECODER, decode_line
from .records import RawRecord, is_trimmed
from .rules.applicability import verdict
from .rules.fields import NEGATIVE_CASES, OWNERSHIP, REGION
from .rules.handling import OUTSIDE_YEAR, disposition_bit, handled_cleanly
from .rules.references import UNKNOWN_REVOCATION, Miss, resolve_cached
from .state import DomainState, FastCode, FastEntry, FastRev

__all__ = ["check_lines", "fast_code", "fast_entry", "fast_revocation"]

_UNSEEN: Any = object()
T = TypeVar("T")


def fast_entry(checker: Checker, dref: str, cref: str, oref: str | None) -> FastEntry | None:
    """The hot loop's table for a (domain, category, ownership) spelling: ``None`` unless all
    three resolve without a problem (then the record may skip :meth:`Checker.check`)."""
    st = checker.state(dref)
    entry: FastEntry | None = None
    # a domain that leaves out a field takes the detailed path (F067), every record of it
    if isinstance(st, DomainState) and not st.unfit:
        own = None if oref is None else OWNERSHIP.canonical(oref, st.rules.ownership)
        if oref is None or own is not None:
            cat = st.category(cref)
            if not isinstance(cat, Miss):
                entry = (st, cat[0], cat[1], own, {}, {})
    checker.fast[(dref, cref, oref)] = entry
    return entry


def fast_code(st: DomainState, ref: str, cat_id: str, own: str | None) -> FastCode:
    """A violation spelling in the hot loop: (column position, code id, disposition bit), or
    ``None`` when it causes any problem (then the record takes :meth:`Checker.check`)."""
    key = (ref, cat_id, own)
    v = st.verdicts.get(key)
    if v is None:
        v = st.verdicts[key] = verdict(st.rules, st.col_pos, ref, cat_id, own)
    code, pos, probs = v
    if code is None or probs:
        return None
    return (pos, code.id, disposition_bit(code.disposition))


def fast_revocation(st: DomainState, ref: str, cat_id: str) -> FastRev:
    """A revocation spelling in the hot loop: (column position, column id), or ``None`` when
    it causes a problem (F016, F017, F020)."""
    rcol = resolve_cached(st.rev_cache, st.rules.revocations, ref, UNKNOWN_REVOCATION)
    if isinstance(rcol, Miss) or not st.applies(rcol.id, cat_id, None):
        return None
    return (st.col_pos[rcol.id], rcol.id)


def _passed(accepts: Callable[[T], bool]) -> tuple[set[T], Callable[[T], bool]]:
    """A set of the values ``accepts`` passed, and ``accepts`` adding to it (values that fail
    are asked again: they are rare, and go to the detailed path anyway)."""
    passed: set[T] = set()

    def ask(value: T) -> bool:
        ok = accepts(value)
        if ok:
            passed.add(value)
        return ok

    return passed, ask


def check_lines(
    checker: Checker,
    chunks: Iterable[list[bytes]],
    name: str,
    fno: int,
    lineno: int,
    n: int,
    end: int,
    sink: Callable[[Accepted], None] | None = None,
    sink_all: bool = False,
    tick: Callable[[], None] | None = None,
) -> tuple[int, int]:
    """Check the lines of ``chunks``: the first is line ``lineno + 1`` and record ``n``, and
    starts at byte ``end``. Returns the record count and the line number reached."""
    decode = _DECODER.decode
    decode_error = msgspec.DecodeError
    fast_entries = checker.fast
    trimmed = is_trimmed
    # the spellings of this input that passed their rule: most records repeat a few, so the
    # rule is asked once per spelling and a set answers the rest
    year = checker.year

    def in_year(day: _dt.date) -> bool:
        return OUTSIDE_YEAR.accepts(day, year)

    days, day_ok = _passed(in_year)
    regions, region_ok = _passed(REGION.accepts)
    tiers, tier_ok = _passed(trimmed)
    check = checker.check
    loc_bits = LAZY | IS_LINE | (fno << 32)
    hand_all = sink_all and sink is not None
    # the fast path counts nothing: records = lines - blank ones, fast = records - slow
    first = lineno
    blank = 0
    slow = 0
    for lines in chunks:
        if tick is not None:
            tick()
        for line in lines:
            lineno += 1
            start = end
            end += len(line) + 1
            try:
                rec = decode(line)
            except decode_error:
                value = decode_line(line, lineno)
                if value is None:
                    blank += 1
                    continue
                got = check(RawRecord(name, lineno, n + lineno - first - 1 - blank, value))
                slow += 1
                if got is not None and sink is not None:
                    sink(got)
                continue
            key3 = (rec.domain, rec.category, rec.ownership)
            ent = fast_entries.get(key3, _UNSEEN)
            if ent is _UNSEEN:
                ent = fast_entry(checker, *key3)
            day = rec.inspected_on
            region = rec.region
            uname = rec.unit_name
            uid = rec.unit_id
            tier = rec.tier
            if (
                ent is not None
                and (day is None or day in days or day_ok(day))
                and (region is None or region in regions or region_ok(region))
                and not rec.not_applicable
                and rec.harm is None
                and not rec.tests
                # an id (and what a fingerprint holds) as the other paths have it: trimmed
                # (is_trimmed, inline: a call costs three times the test)
                and uid
                and uid.strip() is uid
                and (uname is None or (uname and uname.strip() is uname))
                and (tier is None or tier in tiers or tier_ok(tier))
            ):
                st, row, cat_id, own, codes, revocations = ent
                viols = rec.violations
                pen = rec.penalty
                referred = rec.referred
                opinion = rec.opinion_issued
                if not viols:
                    if pen is None and referred is None and opinion is None:
                        # the line's offset for a lazy fingerprint (see Checker._lazy_fingerprint)
                        packed = (start << PAYLOAD) | loc_bits | (lineno & POS_MASK)
                        # one probe of the big table: a new unit stores this very object (a
                        # fresh int above 2**49, never a cached one); a duplicate keeps the
                        # first record's entry and goes to check() to be reported
                        if st.seen.setdefault(hash(uid), packed) is packed:
                            st.inspected[row] += 1
                            if hand_all:
                                sink((st, row, rec.unit_id, None))  # type: ignore[misc]
                            continue
                elif not sink_all:
                    # violations that resolve without a problem, a plain penalty: the rules
                    # that could fire are asked here, else check() reports them
                    cols: set[int] = set()
                    bits = 0
                    for ref in viols:
                        hit = codes.get(ref, _UNSEEN)
                        if hit is _UNSEEN:
                            hit = codes[ref] = fast_code(st, ref, cat_id, own)
                        if hit is None:
                            break
                        cols.add(hit[0])
                        bits |= hit[2]
                    else:
                        cases = 0
                        cents = 0
                        rcols: set[int] = set()
                        well_formed = True
                        if pen is not None:
                            cases = pen.cases
                            fine = pen.fine_yuan
                            if fine is not None:
                                whole = whole_cents(fine)
                                well_formed = whole is not None
                                cents = whole or 0
                            well_formed = well_formed and NEGATIVE_CASES.accepts(cases)
                            if pen.revoked and well_formed:
                                for ref in pen.revoked:
                                    rhit = revocations.get(ref, _UNSEEN)
                                    if rhit is _UNSEEN:
                                        rhit = revocations[ref] = fast_revocation(st, ref, cat_id)
                                    if rhit is None:
                                        well_formed = False
                                        break
                                    rcols.add(rhit[0])
                        if well_formed and handled_cleanly(
                            st.handling,
                            st.clean,
                            bits,
                            cases,
                            cents,
                            bool(rcols),
                            referred,
                            opinion,
                        ):
                            packed = (start << PAYLOAD) | loc_bits | (lineno & POS_MASK)
                            if st.seen.setdefault(hash(uid), packed) is packed:
                                st.inspected[row] += 1
                                cells = st.cells[row]
                                for c in cols:
                                    cells[c] += 1
                                for c in rcols:
                                    cells[c] += 1
                                st.cases[row] += cases
                                st.cents[row] += cents
                                continue
            got = check(RawRecord(name, lineno, n + lineno - first - 1 - blank, rec))
            slow += 1
            if got is not None and sink is not None:
                sink(got)
    records = lineno - first - blank
    checker.read += records - slow
    checker.accepted += records - slow
    return n + records, lineno

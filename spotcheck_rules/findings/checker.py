"""The checker: applies the findings rules (:mod:`.rules`) to records one at a time against one
ruleset, and keeps the counts a table is made of and every problem found.

:class:`Checker` is what :func:`~.validation.validate` and
:func:`~spotcheck_rules.tables.aggregation.aggregate` both run, so a table is only ever computed
from records that passed exactly these checks. References are resolved once per distinct
spelling and cached per domain (:class:`DomainState`); a record with violations, a penalty or
harm goes through the detailed checks of :mod:`.detail`; JSON Lines files take the hot loop of
:mod:`.fastpath` (driven by :mod:`.parallel`), which applies the same rules' predicates.

Duplicate detection keeps, per domain, one entry per unit: the 64-bit hash of its id mapped to
where it was first seen and either a fingerprint of its content or, for a record the JSON Lines
hot loop accepted, the byte offset of its line — its fingerprint is computed from that line
only if the unit turns up again (rarely), which spares every other record the hashing (about
100 bytes a unit either way). Two distinct ids whose hashes collide (odds about n²/2⁶⁵, 3·10⁻⁸
for a million units) would be reported as a conflicting duplicate — a false error, never a
silently wrong table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import msgspec

from ..core.codes import severity as code_severity
from ..core.errors import Problem, Severity, known_record
from ..ruleset.ruleset import Ruleset
from .detail import Detail, detail, fingerprint, has_detail
from .inputs import RulesetRef
from .outcomes import RecordOutcome, ValidationInput, ValidationReport
from .readers import _DECODER, FileInfo
from .records import RawRecord, _Rec, coerce_record, needs_coerce
from .rules.applicability import FIELD_NOT_FOR_DOMAIN
from .rules.duplicates import CONFLICTING_DUPLICATE, SAME_DUPLICATE
from .rules.fields import OWNERSHIP, REGION
from .rules.handling import OUTSIDE_YEAR
from .rules.references import DOMAIN_NOT_IN_PLAN, UNKNOWN_DOMAIN, Miss, resolve
from .state import DomainState, FastEntry

if TYPE_CHECKING:
    from .inputs import InputFile

__all__ = ["Accepted", "Checker", "DomainState", "Progress"]

Progress = Callable[[int, int], None]
"""Told (bytes done, bytes in all) as an input is read."""

_MASK64 = (1 << 64) - 1
# A duplicate-table entry, packed in one int: bits 0-31 the line (or 1-based position), 32-47
# the input's number, 48 set for a line (else a position), 49 set when the payload is the byte
# offset of the record's JSON line (a lazy fingerprint), else the payload is the fingerprint;
# the payload from bit 50 on.
POS_MASK = 0xFFFFFFFF
FNO_MASK = 0xFFFF
IS_LINE = 1 << 48
LAZY = 1 << 49
PAYLOAD = 50
_NONE_BAD: frozenset[str | None] = frozenset()
_REGION_BAD: frozenset[str | None] = frozenset({"region"})

Accepted = tuple[DomainState, int, str, "Detail | None"]
"""(domain state, leaf row position, unit id, detail or None)."""


def _filled(rec: _Rec, name: str) -> bool:
    """Whether a record gives an optional field (a list or mapping field: a non-empty one)."""
    value = getattr(rec, name)
    return bool(value) if isinstance(value, list | dict) else value is not None


class Checker:
    """Checks records one at a time against one ruleset; keeps the counts and the problems.

    ``check`` returns what an accepted record contributes to a table, or ``None`` when the
    record is rejected or is an identical duplicate of one already accepted.
    """

    def __init__(self, ruleset: Ruleset, *, record_outcomes: bool = False) -> None:
        self.ruleset = ruleset
        self.year = ruleset.year
        self.states: dict[str, DomainState] = {
            d: DomainState(r, ruleset.handling(d)) for d, r in ruleset.domains.items()
        }
        # every domain the ruleset's trees declare: a domain the plan leaves out (F011) is told
        # apart from a typo (F010); a record's ownership is read with all their words (F007)
        # until its domain resolves
        self.catalogue = ruleset.catalogue
        self.ownership = ruleset.catalogue.ownership
        self.domain_cache: dict[str, DomainState | Miss] = {}
        # (domain, category, ownership) as spelled → what the hot loop needs (.fastpath)
        self.fast: dict[tuple[str, str, str | None], FastEntry | None] = {}
        self.problems: list[Problem] = []
        self.outcomes: list[RecordOutcome] = []
        self.record_outcomes = record_outcomes
        # one record on its own (Validator): pointers are relative to the record
        self.single = False
        self.read = 0
        self.accepted = 0
        self.rejected = 0
        self.duplicates = 0
        self.files: list[str | None] = []
        self.file_no: dict[str | None, int] = {}
        # location of the record being checked
        self._file: str | None = None
        self._line: int | None = None
        self._seq = 0
        self.errors = 0
        # the fields of the record being checked that were wrong, and left out
        self.bad: frozenset[str | None] = _NONE_BAD
        self._start = 0
        # set when the last input was checked in two parts and the duplicate tables were not
        # completed (see .parallel): no more input is accepted
        self.sealed = False

    def add(
        self,
        code: str,
        message: str,
        field: str | None = None,
        suggestions: tuple[str, ...] = (),
        severity: Severity | None = None,
    ) -> None:
        """Record a problem of the record being checked (severity: the catalogue's)."""
        sev = severity or code_severity(code)
        if sev is Severity.ERROR:
            self.errors += 1
        if self._line is not None:
            pointer = ""
        else:
            pointer = "" if self.single else f"/{self._seq}"
            if field:
                pointer += "/" + field.replace(".", "/")
        self.problems.append(
            Problem.known(
                code, message, sev, self._file, self._line, pointer, field, tuple(suggestions)
            )
        )

    def add_miss(self, miss: Miss, field: str) -> None:
        self.add(miss.code, miss.message, field, miss.suggestions)

    def file_number(self, name: str | None) -> int:
        """The number of an input in the duplicate table's entries."""
        fno = self.file_no.get(name)
        if fno is None:
            fno = self.file_no[name] = len(self.files)
            self.files.append(name)
        return fno

    # -- the check -------------------------------------------------------------------------

    def check(self, raw: RawRecord) -> Accepted | None:
        """Check one record; count it; return its contribution if it is accepted."""
        if self.sealed:
            raise RuntimeError("this Checker was told its last input was read")
        self.read += 1
        self._file = raw.file
        self._line = raw.line
        self._seq = raw.seq
        self.errors = 0
        self._start = len(self.problems)
        rec = raw.value
        self.bad = _NONE_BAD
        if type(rec) is not _Rec or needs_coerce(rec, self.ownership.words, region=False):
            # every problem of the fields themselves; then, if the record still names its unit,
            # domain and category, the ruleset's checks of the fields that are right
            rec, fprobs = coerce_record(rec, partial=True, ownership=self.ownership)
            for fp in fprobs:
                self.add(fp.code, fp.message, fp.field, severity=Severity(fp.severity))
            if rec is None:
                return self._finish(None, raw, None, None)
            if self.errors:
                self.bad = frozenset(fp.field for fp in fprobs if fp.severity == "error")
        elif rec.region is not None and not REGION.accepts(rec.region):
            # the one fault the coercion would have reported and dropped, reported and dropped
            # as it would (first, then the ruleset's checks without it), without its cost
            self.add(REGION.code, REGION.explain(rec.region), "region", severity=Severity.ERROR)
            self.bad = _REGION_BAD
            rec = msgspec.structs.replace(rec, region=None)
        result = self._check(rec)
        return self._finish(result, raw, rec.unit_id, rec.domain)

    def _finish(
        self, result: Accepted | None, raw: RawRecord, unit: str | None, domain: str | None
    ) -> Accepted | None:
        dup = result is None and self.errors == 0
        if self.errors:
            self.rejected += 1
            result = None
        else:
            self.accepted += 1
            if dup:
                self.duplicates += 1
        if self.record_outcomes or len(self.problems) > self._start:
            # known-valid values: no need to validate them again (this runs per record with
            # record_outcomes, e.g. validate_one)
            self.outcomes.append(
                known_record(
                    RecordOutcome,
                    file=raw.file,
                    line=raw.line,
                    seq=raw.seq,
                    unit_id=unit,
                    domain=domain,
                    accepted=not self.errors,
                    duplicate=dup,
                    problems=tuple(self.problems[self._start :]),
                )
            )
        return result

    def state(self, ref: str) -> DomainState | Miss:
        """A domain spelling: the plan's state for it, or the problem it causes."""
        hit = self.domain_cache.get(ref)
        if hit is None:
            res = resolve(self.catalogue.index, ref, UNKNOWN_DOMAIN)
            if isinstance(res, Miss):
                hit = res
            else:
                st = self.states.get(res.id)
                if st is None:
                    have = list(self.states)
                    hit = DOMAIN_NOT_IN_PLAN.miss(self.ruleset.id, res.id, have)
                else:
                    hit = st
            self.domain_cache[ref] = hit
        return hit

    def _check(self, rec: _Rec) -> Accepted | None:
        st = self.state(rec.domain)
        cat: tuple[int, str] | None = None
        if isinstance(st, Miss):
            self.add_miss(st, "domain")
        else:
            got = st.category(rec.category)
            if isinstance(got, Miss):
                self.add_miss(got, "category")
            else:
                cat = got
        own = rec.ownership
        if isinstance(st, DomainState) and st.unfit:
            for name in st.unfit:
                if _filled(rec, name):
                    self.add(
                        FIELD_NOT_FOR_DOMAIN.code,
                        FIELD_NOT_FOR_DOMAIN.explain(name, st.rules.spec),
                        name,
                    )
                    if name == "ownership":
                        own = None
        if own is not None:
            # the words of the record's domain once it resolves, else every known domain's
            vocab = st.rules.ownership if isinstance(st, DomainState) else self.ownership
            canon = OWNERSHIP.canonical(own, vocab)
            if canon is None:
                self.add(OWNERSHIP.code, OWNERSHIP.explain(own, vocab), "ownership")
            own = canon
        # a malformed region never gets here: the coercion drops it, or check() does
        day = rec.inspected_on
        if day is not None and not OUTSIDE_YEAR.accepts(day, self.year):
            self.add(OUTSIDE_YEAR.code, OUTSIDE_YEAR.explain(day, self.year), "inspected_on")
        if isinstance(st, Miss) or cat is None:
            return None
        found: Detail | None = None
        extra: object = None
        if has_detail(rec):
            found, extra = detail(self.add, self.bad, st, rec, cat[1], own)
        if self.errors:
            return None
        fp = fingerprint(cat[1], own, rec, extra)
        key = hash(rec.unit_id)
        seen = st.seen
        prev = seen.get(key)
        if prev is None:
            fno = self.file_number(self._file)
            is_line = IS_LINE if self._line is not None else 0
            pos = self._line if self._line is not None else self._seq + 1
            seen[key] = (fp << PAYLOAD) | is_line | ((fno & FNO_MASK) << 32) | (pos & POS_MASK)
            row = cat[0]
            st.inspected[row] += 1
            if found is not None:
                cells = st.cells[row]
                for c in found.columns:
                    cells[c] += 1
                for c in found.revoked:
                    cells[c] += 1
                st.cases[row] += found.cases
                st.cents[row] += found.fine_cents
            return (st, row, rec.unit_id, found)
        where = self._where(prev)
        same = (self._lazy_fingerprint(prev) if prev & LAZY else prev >> PAYLOAD) == fp
        rule = SAME_DUPLICATE if same else CONFLICTING_DUPLICATE
        self.add(rule.code, rule.explain(rec.unit_id, st.rules.label, where), "unit_id")
        return None

    def _where(self, packed: int) -> str:
        fno = (packed >> 32) & FNO_MASK
        pos = packed & POS_MASK
        name = self.files[fno] if fno < len(self.files) else None
        unit = "行" if packed & IS_LINE else "条"
        return f"{name or '输入'} 第 {pos} {unit}"

    def _lazy_fingerprint(self, packed: int) -> int:
        """The fingerprint of a record the hot loop accepted without computing it: its line is
        read again (at the byte offset kept in the entry) and goes through what :meth:`_check`
        does — it decoded, resolved and passed every check the first time, so nothing here can
        fail or report a problem."""
        path = self.files[(packed >> 32) & FNO_MASK]
        assert path is not None
        with open(path, "rb") as f:
            f.seek(packed >> PAYLOAD)
            line = f.readline()
        rec = _DECODER.decode(line)
        st = self.state(rec.domain)
        assert isinstance(st, DomainState)
        cat = st.category(rec.category)
        assert not isinstance(cat, Miss)
        own = None if rec.ownership is None else st.rules.ownership.canonical(rec.ownership)
        extra: object = None
        if has_detail(rec):
            mark, errors = len(self.problems), self.errors
            _, extra = detail(self.add, self.bad, st, rec, cat[1], own)
            del self.problems[mark:]
            self.errors = errors
        return fingerprint(cat[1], own, rec, extra)

    # -- inputs ----------------------------------------------------------------------------

    def consume(
        self,
        records: Iterable[RawRecord],
        info: FileInfo,
        sink: Callable[[Accepted], None] | None,
        *,
        sink_all: bool = False,
        progress: Progress | None = None,
    ) -> int:
        """Check every record through :meth:`check`, giving accepted ones to ``sink``."""
        check = self.check
        n = 0
        for raw in records:
            got = check(raw)
            if got is not None and sink is not None and (sink_all or got[3] is not None):
                sink(got)
            n += 1
            if progress is not None and not n & 0x3FFF:
                progress(info.done, info.size)
        return n

    def report(self, files: list[InputFile]) -> ValidationReport:
        """The validation report of everything checked so far."""
        # the problems and outcomes were built from known-valid values: not validated again
        return ValidationReport.model_construct(
            ruleset=RulesetRef(id=self.ruleset.id, digest=self.ruleset.digest()),
            input=ValidationInput(
                files=tuple(files),
                records_read=self.read,
                accepted=self.accepted,
                rejected=self.rejected,
                duplicates=self.duplicates,
            ),
            problems=tuple(self.problems),
            outcomes=tuple(self.outcomes),
        )

"""Validating findings against a ruleset: every problem located, explained and coded.

:func:`validate` reads findings (files or Python values) and returns a
:class:`ValidationReport`: how many records were read, accepted and rejected, and every
:class:`~spotcheck_rules.core.errors.Problem` with its file, line or row, field and, for an unknown
reference, the closest labels. Nothing is dropped silently: a record is either accepted or
rejected with its reasons (an identical duplicate is accepted and counted once, with a warning).

The checks run in :class:`Checker`, which :mod:`spotcheck_rules.tables.aggregation` drives too, so a
table is only ever computed from records that passed exactly these checks. The checker is built
for a million records a second: references are resolved once per distinct spelling and cached,
applicability comes from the ruleset's precompiled table, and a record without violations or
penalties (most of them) takes a short path.

Duplicate detection keeps, per domain, one entry per unit: the 64-bit hash of its id mapped to
where it was first seen and either a fingerprint of its content or, for a record the JSON Lines
hot loop accepted, the byte offset of its line — its fingerprint is computed from that line
only if the unit turns up again (rarely), which spares every other record the hashing (about
100 bytes a unit either way). Two distinct ids whose hashes collide (odds about n²/2⁶⁵, 3·10⁻⁸
for a million units) would be reported as a conflicting duplicate — a false error, never a
silently wrong table.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import threading
import weakref
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeVar

import msgspec
from pydantic import BaseModel, ConfigDict, Field

from ..core.codes import by_family
from ..core.errors import (
    Problem,
    Record,
    Report,
    Severity,
    SpotcheckError,
    UsageError,
    contract,
    known_record,
)
from ..core.text import preview
from ..ruleset.model import DOMAIN_LABELS, Column, Disposition, Domain, Item
from ..ruleset.reference import AmbiguousReferenceError, Index
from ..ruleset.ruleset import Code, DomainRules, Ruleset
from .inputs import InputFile, RulesetRef
from .models import ACCIDENT_GRADES, OWNERSHIP_ALIASES
from .money import AmountProblem, parse_amount
from .readers import (
    _DECODER,
    FORMATS,
    SUFFIXES,
    FileInfo,
    FindingsReadError,
    content_format,
    count_lines,
    decode_line,
    detect_format,
    iter_values,
    jsonl_chunks,
    jsonl_range,
    read_records,
    sha256_async,
)
from .records import FINE_CODES, FlatRow, RawRecord, Unparsable, _Rec, coerce_record, needs_coerce

__all__ = [
    "ALL_DOMAINS",
    "CODES",
    "Checker",
    "DomainState",
    "Findings",
    "RecordOutcome",
    "ValidationInput",
    "ValidationReport",
    "Validator",
    "as_path",
    "renamed_error",
    "renamed_problem",
    "validate",
    "validate_one",
]

CODES: Mapping[str, tuple[Severity, str]] = {
    c.code: (c.severity, c.title) for c in by_family("F") if not c.refuses
}
"""Every problem code findings validation can report, with its severity and a short title: a
view of the F family of :mod:`spotcheck_rules.core.codes` (F009 refuses a file, so it is not here)."""

T = TypeVar("T")
_REFERRAL = Disposition.REFERRAL
_OPINION = Disposition.OPINION
_CENT = Decimal("0.01")
_MASK64 = (1 << 64) - 1
# A duplicate-table entry, packed in one int: bits 0-31 the line (or 1-based position), 32-47
# the input's number, 48 set for a line (else a position), 49 set when the payload is the byte
# offset of the record's JSON line (a lazy fingerprint), else the payload is the fingerprint;
# the payload from bit 50 on.
_POS_MASK = 0xFFFFFFFF
_FNO_MASK = 0xFFFF
_IS_LINE = 1 << 48
_LAZY = 1 << 49
_PAYLOAD = 50
_OWNERSHIP_TEXT = {"public": "公立", "private": "非公立"}

# Domain references: every domain we know, so that "a domain the plan does not include" (F011)
# is told apart from a typo (F010).
ALL_DOMAINS: Index[Domain] = Index("监督领域")
for _d in Domain:
    ALL_DOMAINS.add(_d.value, _d, DOMAIN_LABELS[_d])


class RecordOutcome(Record):
    """What became of one record: accepted or not, and why."""

    file: str | None
    line: int | None = Field(ge=1)
    seq: int = Field(ge=0, description="0-based position of the record in its input")
    unit_id: str | None
    domain: str | None = Field(description="As written in the record")
    accepted: bool
    duplicate: bool = False
    problems: tuple[Problem, ...] = ()


class ValidationInput(Record):
    """What was read: every record is accepted or rejected; ``duplicates`` are accepted
    records that repeat one already accepted (counted once)."""

    files: tuple[InputFile, ...] = ()
    records_read: int = Field(default=0, ge=0)
    accepted: int = Field(default=0, ge=0)
    rejected: int = Field(default=0, ge=0)
    duplicates: int = Field(default=0, ge=0)


class ValidationReport(Report):
    """The result of :func:`validate`. ``records_read == accepted + rejected`` always holds.

    Its JSON form (``model_dump_json()``, ``spotcheck validate --format json``) is published as
    ``schemas/validation.schema.json``.
    """

    model_config = ConfigDict(
        json_schema_extra=contract(
            "validation", "spotcheck_rules validation report (spotcheck validate)"
        )
    )

    ruleset: RulesetRef
    input: ValidationInput
    problems: tuple[Problem, ...] = ()
    outcomes: tuple[RecordOutcome, ...] = Field(
        default=(),
        description="The records that had problems, or every record with record_outcomes=True",
    )

    @property
    def ruleset_id(self) -> str:
        return self.ruleset.id

    @property
    def ruleset_digest(self) -> str:
        return self.ruleset.digest

    @property
    def files(self) -> tuple[InputFile, ...]:
        return self.input.files

    @property
    def records_read(self) -> int:
        return self.input.records_read

    @property
    def accepted(self) -> int:
        return self.input.accepted

    @property
    def rejected(self) -> int:
        return self.input.rejected

    @property
    def duplicates(self) -> int:
        return self.input.duplicates

    def summary(self) -> str:
        return self.summary_line()

    def summary_line(self) -> str:
        return (
            f"读取 {self.records_read} 条记录：接受 {self.accepted} 条"
            f"（其中重复已去重 {self.duplicates} 条），拒绝 {self.rejected} 条；"
            f"错误 {len(self.errors)} 个，警告 {len(self.warnings)} 个。"
        )


def validation_json_schema() -> dict[str, Any]:
    """JSON Schema of :class:`ValidationReport` JSON (``spotcheck validate --format json``)."""
    return ValidationReport.model_json_schema(mode="serialization")


# --------------------------------------------------------------------------- checker


class DomainState:
    """Per domain of the plan: caches of resolved references and the duplicate table."""

    __slots__ = (
        "applies",
        "cases",
        "cat_cache",
        "cells",
        "cents",
        "code_cache",
        "col_pos",
        "domain",
        "inspected",
        "item_cache",
        "leaf_pos",
        "rev_cache",
        "rules",
        "seen",
        "verdicts",
    )

    def __init__(self, rules: DomainRules) -> None:
        self.rules = rules
        self.domain = rules.domain.value
        cl = rules.checklist
        leaves = [c.id for c in cl.categories if rules.is_leaf(c.id)]
        self.leaf_pos = {cid: i for i, cid in enumerate(leaves)}
        self.col_pos = {c.id: i for i, c in enumerate(cl.columns)}
        self.applies = rules.column_applies
        # raw spelling → resolved value, or the problem it causes
        self.cat_cache: dict[str, tuple[int, str] | _Miss] = {}
        self.code_cache: dict[str, Code | _Miss] = {}
        self.item_cache: dict[str, Item | _Miss] = {}
        self.rev_cache: dict[str, Column | _Miss] = {}
        self.verdicts: dict[tuple[str, str, str | None], _Verdict] = {}
        self.seen: dict[int, int] = {}
        # accepted units per leaf row: the 检查单位数 of the table, counted here because the
        # hot loop accepts most records without handing them on
        self.inspected = [0] * len(leaves)
        # what accepted records with violations or penalties add, per leaf row: units per
        # column position (violations and revocations), 查处案件数, 罚没款 in cents
        self.cells = [[0] * len(self.col_pos) for _ in leaves]
        self.cases = [0] * len(leaves)
        self.cents = [0] * len(leaves)


class _Miss(NamedTuple):
    """A reference that did not resolve, cached as the problem it causes."""

    code: str
    message: str
    suggestions: tuple[str, ...]


def _resolve(index: Index[T], ref: str, code: str, what: str) -> T | _Miss:
    try:
        hit = index.get(ref)
    except AmbiguousReferenceError as exc:
        return _Miss(
            "F017", f"{what}“{ref}”有歧义，可能是：{'、'.join(exc.candidates)}", exc.candidates
        )
    if hit is None:
        return _Miss(code, f"未知的{what}：{ref}", tuple(index.suggest(ref)))
    return hit


def _resolve_cached(
    cache: dict[str, T | _Miss], index: Index[T], ref: str, code: str, what: str
) -> T | _Miss:
    """:func:`_resolve`, remembered per spelling (each record repeats the same few)."""
    hit = cache.get(ref)
    if hit is None:
        resolved: T | _Miss = _resolve(index, ref, code, what)
        cache[ref] = resolved
        return resolved
    return hit


class _CachedProblem(NamedTuple):
    code: str
    message: str
    field: str
    suggestions: tuple[str, ...] = ()


_Verdict = tuple[Code | None, int, tuple[_CachedProblem, ...]]
_FastCode = tuple[int, str, int] | None
_FastRev = tuple[int, str] | None
_FastEntry = tuple["DomainState", int, str, str | None, dict[str, _FastCode], dict[str, _FastRev]]
"""(domain state, leaf row position, category id, canonical ownership, violation spellings,
revocation spellings)."""
_BIT_REFERRAL, _BIT_OPINION, _BIT_PENALTY = 1, 2, 4
_UNSEEN: Any = object()
_NONE_BAD: frozenset[str | None] = frozenset()


def _has_detail(rec: _Rec) -> bool:
    """Whether a record has anything beyond the unit, its row and the date (then it goes
    through :meth:`Checker._detail`)."""
    return bool(
        rec.violations
        or rec.penalty is not None
        or rec.not_applicable
        or rec.harm is not None
        or rec.referred is not None
        or rec.opinion_issued is not None
    )


def _fingerprint(cat_id: str, own: str | None, rec: _Rec, extra: object) -> int:
    """Identity of a record for duplicate detection: its resolved content, so that an id and a
    label of the same violation, or the same codes in another order, are the same."""
    return hash((cat_id, own, rec.region, rec.inspected_on, rec.tier, rec.unit_name, extra)) & (
        _MASK64
    )


@dataclass(slots=True)
class Detail:
    """What an accepted record with violations or penalties adds to a table."""

    columns: frozenset[int]
    cases: int
    fine_cents: int
    revoked: frozenset[int]


Accepted = tuple[DomainState, int, str, "Detail | None"]
"""(domain state, leaf row position, unit id, detail or None)."""


class Checker:
    """Checks records one at a time against one ruleset; keeps the counts and the problems.

    ``check`` returns what an accepted record contributes to a table, or ``None`` when the
    record is rejected or is an identical duplicate of one already accepted.
    """

    def __init__(self, ruleset: Ruleset, *, record_outcomes: bool = False) -> None:
        self.ruleset = ruleset
        self.year = ruleset.year
        self.states: dict[Domain, DomainState] = {
            d: DomainState(r) for d, r in ruleset.domains.items()
        }
        self._domain_cache: dict[str, DomainState | _Miss] = {}
        # (domain, category, ownership) as spelled → what the hot loop needs (see _fast_entry)
        self._fast: dict[tuple[str, str, str | None], _FastEntry | None] = {}
        self.problems: list[Problem] = []
        self.outcomes: list[RecordOutcome] = []
        self.record_outcomes = record_outcomes
        # one record on its own (Validator): pointers are relative to the record
        self.single = False
        self.read = 0
        self.accepted = 0
        self.rejected = 0
        self.duplicates = 0
        self._files: list[str | None] = []
        self._file_no: dict[str | None, int] = {}
        # location of the record being checked
        self._file: str | None = None
        self._line: int | None = None
        self._seq = 0
        self._errors = 0
        # the fields of the record being checked that were wrong, and left out
        self._bad: frozenset[str | None] = _NONE_BAD
        self._start = 0
        # set when the last input was checked in two parts and the duplicate tables were not
        # completed (see consume_jsonl): no more input is accepted
        self._sealed = False

    # -- problems --------------------------------------------------------------------------

    def _add(
        self,
        code: str,
        message: str,
        field: str | None = None,
        suggestions: tuple[str, ...] = (),
        severity: Severity | None = None,
    ) -> None:
        sev = severity or CODES[code][0]
        if sev is Severity.ERROR:
            self._errors += 1
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

    def _template(self, t: _Miss, field: str) -> None:
        self._add(t.code, t.message, field, t.suggestions)

    # -- the check -------------------------------------------------------------------------

    def check(self, raw: RawRecord) -> Accepted | None:
        """Check one record; count it; return its contribution if it is accepted."""
        if self._sealed:
            raise RuntimeError("this Checker was told its last input was read")
        self.read += 1
        self._file = raw.file
        self._line = raw.line
        self._seq = raw.seq
        self._errors = 0
        self._start = len(self.problems)
        rec = raw.value
        self._bad = _NONE_BAD
        if type(rec) is not _Rec or needs_coerce(rec):
            # every problem of the fields themselves; then, if the record still names its unit,
            # domain and category, the ruleset's checks of the fields that are right
            rec, fprobs = coerce_record(rec, partial=True)
            for fp in fprobs:
                self._add(fp.code, fp.message, fp.field, severity=Severity(fp.severity))
            if rec is None:
                return self._finish(None, raw, None, None)
            if self._errors:
                self._bad = frozenset(fp.field for fp in fprobs if fp.severity == "error")
        result = self._check(rec)
        return self._finish(result, raw, rec.unit_id, rec.domain)

    def _finish(
        self, result: Accepted | None, raw: RawRecord, unit: str | None, domain: str | None
    ) -> Accepted | None:
        dup = result is None and self._errors == 0
        if self._errors:
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
                    accepted=not self._errors,
                    duplicate=dup,
                    problems=tuple(self.problems[self._start :]),
                )
            )
        return result

    def _lookup_state(self, ref: str) -> DomainState | _Miss:
        hit = self._domain_cache.get(ref)
        if hit is None:
            res = _resolve(ALL_DOMAINS, ref, "F010", "监督领域")
            if isinstance(res, _Miss):
                hit = res
            else:
                st = self.states.get(res)
                if st is None:
                    plan = self.ruleset.id
                    have = "、".join(d.value for d in self.states)
                    hit = _Miss("F011", f"计划 {plan} 不包含领域 {res.value}（包含：{have}）", ())
                else:
                    hit = st
            self._domain_cache[ref] = hit
        return hit

    def _state(self, ref: str) -> DomainState | None:
        hit = self._lookup_state(ref)
        if isinstance(hit, DomainState):
            return hit
        self._template(hit, "domain")
        return None

    @staticmethod
    def _lookup_category(st: DomainState, ref: str) -> tuple[int, str] | _Miss:
        hit = st.cat_cache.get(ref)
        if hit is None:
            res = _resolve(st.rules.categories, ref, "F012", "单位类别")
            if isinstance(res, _Miss):
                hit = res
            elif res.id in st.leaf_pos:
                hit = (st.leaf_pos[res.id], res.id)
            else:
                kids = tuple(st.rules.categories[k].label for k in st.rules.leaves(res.id))
                hit = _Miss(
                    "F013", f"“{res.label}”是小计行，请填写其下的具体类别：{'、'.join(kids)}", kids
                )
            st.cat_cache[ref] = hit
        return hit

    def _category(self, st: DomainState, ref: str) -> tuple[int, str] | None:
        hit = self._lookup_category(st, ref)
        if isinstance(hit, _Miss):
            self._template(hit, "category")
            return None
        return hit

    def _fast_entry(self, dref: str, cref: str, oref: str | None) -> _FastEntry | None:
        """The hot loop's table for a (domain, category, ownership) spelling: ``None`` unless
        all three resolve without a problem (then the record may skip :meth:`check`)."""
        own = oref
        if oref is not None and oref not in _OWNERSHIP_TEXT:
            own = OWNERSHIP_ALIASES.get(oref.strip())
        st = self._lookup_state(dref)
        entry: _FastEntry | None = None
        if (oref is None or own is not None) and isinstance(st, DomainState):
            cat = self._lookup_category(st, cref)
            if not isinstance(cat, _Miss):
                entry = (st, cat[0], cat[1], own, {}, {})
        self._fast[(dref, cref, oref)] = entry
        return entry

    def _fast_code(self, st: DomainState, ref: str, cat_id: str, own: str | None) -> _FastCode:
        """A violation spelling in the hot loop: (column position, code id, disposition bit),
        or ``None`` when it causes any problem (then the record takes :meth:`check`)."""
        key = (ref, cat_id, own)
        v = st.verdicts.get(key)
        if v is None:
            v = st.verdicts[key] = self._verdict(st, ref, cat_id, own)
        code, pos, probs = v
        if code is None or probs:
            return None
        disp = code.disposition
        bit = (
            _BIT_REFERRAL
            if disp is _REFERRAL
            else _BIT_OPINION
            if disp is _OPINION
            else _BIT_PENALTY
        )
        return (pos, code.id, bit)

    @staticmethod
    def _fast_revocation(st: DomainState, ref: str, cat_id: str) -> _FastRev:
        """A revocation spelling in the hot loop: (column position, column id), or ``None``
        when it causes a problem (F016, F017, F020)."""
        rcol = _resolve_cached(st.rev_cache, st.rules.revocations, ref, "F016", "吊销项目")
        if isinstance(rcol, _Miss) or not st.applies(rcol.id, cat_id, None):
            return None
        return (st.col_pos[rcol.id], rcol.id)

    def _check(self, rec: _Rec) -> Accepted | None:
        st = self._state(rec.domain)
        cat = self._category(st, rec.category) if st is not None else None
        own = rec.ownership
        if own is not None and own not in _OWNERSHIP_TEXT:
            canon = OWNERSHIP_ALIASES.get(own.strip())
            if canon is None:
                self._add(
                    "F007",
                    f"所有制 {preview(own)} 无效：应为 public（公立）或 private（非公立、民营）",
                    "ownership",
                )
            own = canon
        region = rec.region
        if region is not None and (len(region) != 6 or not region.isdigit()):
            self._add("F005", f"地区代码 {preview(region)} 应为6位行政区划代码", "region")
        day = rec.inspected_on
        if day is not None and day.year != self.year:
            self._add(
                "F040",
                f"检查日期 {day.isoformat()} 不在计划年度 {self.year} 年内",
                "inspected_on",
            )
        if st is None or cat is None:
            return None
        detail: Detail | None = None
        extra: object = None
        if _has_detail(rec):
            detail, extra = self._detail(st, rec, cat[1], own)
        if self._errors:
            return None
        fp = _fingerprint(cat[1], own, rec, extra)
        key = hash(rec.unit_id)
        seen = st.seen
        prev = seen.get(key)
        if prev is None:
            fno = self._file_no.get(self._file)
            if fno is None:
                fno = self._file_no[self._file] = len(self._files)
                self._files.append(self._file)
            is_line = _IS_LINE if self._line is not None else 0
            pos = self._line if self._line is not None else self._seq + 1
            seen[key] = (fp << _PAYLOAD) | is_line | ((fno & _FNO_MASK) << 32) | (pos & _POS_MASK)
            row = cat[0]
            st.inspected[row] += 1
            if detail is not None:
                cells = st.cells[row]
                for c in detail.columns:
                    cells[c] += 1
                for c in detail.revoked:
                    cells[c] += 1
                st.cases[row] += detail.cases
                st.cents[row] += detail.fine_cents
            return (st, row, rec.unit_id, detail)
        where = self._where(prev)
        if (self._lazy_fingerprint(prev) if prev & _LAZY else prev >> _PAYLOAD) == fp:
            self._add(
                "F030",
                f"单位 {rec.unit_id} 在{st.rules.label}领域重复出现，与{where}的记录相同，已去重",
                "unit_id",
            )
        else:
            self._add(
                "F031",
                f"单位 {rec.unit_id} 在{st.rules.label}领域重复出现，与{where}的记录不一致；"
                "每个单位每个领域只应有一条记录",
                "unit_id",
            )
        return None

    def _where(self, packed: int) -> str:
        fno = (packed >> 32) & _FNO_MASK
        pos = packed & _POS_MASK
        name = self._files[fno] if fno < len(self._files) else None
        unit = "行" if packed & _IS_LINE else "条"
        return f"{name or '输入'} 第 {pos} {unit}"

    def _lazy_fingerprint(self, packed: int) -> int:
        """The fingerprint of a record the hot loop accepted without computing it: its line is
        read again (at the byte offset kept in the entry) and goes through what :meth:`_check`
        does — it decoded, resolved and passed every check the first time, so nothing here can
        fail or report a problem."""
        path = self._files[(packed >> 32) & _FNO_MASK]
        assert path is not None
        with open(path, "rb") as f:
            f.seek(packed >> _PAYLOAD)
            line = f.readline()
        rec = _DECODER.decode(line)
        st = self._lookup_state(rec.domain)
        assert isinstance(st, DomainState)
        cat = self._lookup_category(st, rec.category)
        assert not isinstance(cat, _Miss)
        own = rec.ownership
        if own is not None and own not in _OWNERSHIP_TEXT:
            own = OWNERSHIP_ALIASES.get(own.strip())
        extra: object = None
        if _has_detail(rec):
            mark, errors = len(self.problems), self._errors
            _, extra = self._detail(st, rec, cat[1], own)
            del self.problems[mark:]
            self._errors = errors
        return _fingerprint(cat[1], own, rec, extra)

    def _verdict(self, st: DomainState, ref: str, cat_id: str, own: str | None) -> _Verdict:
        """What a violation spelling means in a row for an ownership: computed once, cached."""
        hit = _resolve(st.rules.codes, ref, "F014", "违法违规代码")
        if isinstance(hit, _Miss):
            return (
                None,
                -1,
                (_CachedProblem(hit.code, hit.message, "violations", hit.suggestions),),
            )
        applies = st.applies
        col = hit.column
        if not applies(col.id, cat_id, None):
            cat_label = st.rules.categories[cat_id].label
            msg = f"违法行为“{hit.label}”不适用于{cat_label}（汇总表中该格为“/”）"
            return (None, -1, (_CachedProblem("F020", msg, "violations"),))
        pos = st.col_pos[col.id]
        if own is None:
            pub = applies(col.id, cat_id, "public")
            if pub != applies(col.id, cat_id, "private"):
                only = "公立" if pub else "非公立"
                msg = f"违法行为“{hit.label}”只适用于{only}单位，而记录未填所有制（ownership）"
                return (hit, pos, (_CachedProblem("F022", msg, "ownership"),))
        elif not applies(col.id, cat_id, own):
            msg = f"违法行为“{hit.label}”不适用于{_OWNERSHIP_TEXT[own]}单位"
            return (None, -1, (_CachedProblem("F021", msg, "violations"),))
        return (hit, pos, ())

    def _detail(
        self, st: DomainState, rec: _Rec, cat_id: str, own: str | None
    ) -> tuple[Detail, object]:
        applies = st.applies
        cols: set[int] = set()
        codes: list[Code] = []
        verdicts = st.verdicts
        referral = opinion = False
        only_opinion = True
        for ref in rec.violations:
            v = verdicts.get((ref, cat_id, own))
            if v is None:
                v = verdicts[(ref, cat_id, own)] = self._verdict(st, ref, cat_id, own)
            code, pos, probs = v
            for prob in probs:
                self._add(prob.code, prob.message, prob.field, prob.suggestions)
            if code is not None:
                codes.append(code)
                cols.add(pos)
                disp = code.disposition
                if disp is _REFERRAL:
                    referral = True
                elif disp is _OPINION:
                    opinion = True
                else:
                    only_opinion = False
        na: set[str] = set()
        for ref in rec.not_applicable:
            item = _resolve_cached(st.item_cache, st.rules.items, ref, "F015", "检查内容")
            if isinstance(item, _Miss):
                self._template(item, "not_applicable")
                continue
            if not item.optional:
                self._add("F023", f"检查内容“{item.title}”不可合理缺项", "not_applicable")
            na.add(item.id)
        if na:
            for c in codes:
                if c.item is not None and c.item.id in na:
                    self._add(
                        "F024",
                        f"违法行为“{c.label}”所属的检查内容“{c.item.title}”被标为合理缺项",
                        "not_applicable",
                    )
        cases = 0
        cents = 0
        revs: set[int] = set()
        rev_ids: list[str] = []
        fine: Decimal | None = None
        pen = rec.penalty
        if pen is not None:
            cases = pen.cases
            if cases < 0:
                self._add("F054", f"查处案件数 {cases} 为负数", "penalty.cases")
            fine = pen.fine_yuan
            if fine is not None:
                # decoded or coerced by this very rule already; a record built otherwise too
                got = parse_amount(fine)
                if isinstance(got, AmountProblem):
                    self._add(
                        FINE_CODES[got.kind], f"罚没款 {fine} {got.reason}", "penalty.fine_yuan"
                    )
                    fine = None
                else:
                    cents = int(got.scaleb(2))  # below 10¹⁰ yuan: at most 12 digits, exact
            for ref in pen.revoked:
                rcol = _resolve_cached(st.rev_cache, st.rules.revocations, ref, "F016", "吊销项目")
                if isinstance(rcol, _Miss):
                    self._template(rcol, "penalty.revoked")
                    continue
                if not applies(rcol.id, cat_id, None):
                    self._add(
                        "F020",
                        f"吊销项目“{rcol.label}”不适用于{st.rules.categories[cat_id].label}",
                        "penalty.revoked",
                    )
                    continue
                revs.add(st.col_pos[rcol.id])
                rev_ids.append(rcol.id)
            # a check that fires on something missing is skipped when that field was wrong
            if "violations" in self._bad:
                pass
            elif not rec.violations:
                if cases > 0 or cents > 0:
                    self._add(
                        "F055",
                        "记录了行政处罚（查处案件数或罚没款），但没有违法行为（violations）",
                        "penalty",
                    )
                if pen.revoked:
                    self._add("F056", "记录了吊销，但没有违法行为（violations）", "penalty.revoked")
            elif codes and cents > 0 and only_opinion and not referral:
                labels = "、".join(c.label for c in codes)
                self._add(
                    "F057",
                    f"罚没款所对应的违法行为（{labels}）违反政策要求但无行政处罚依据，"
                    "应下达监督意见书而非罚款（抽查计划 三(三)）",
                    "penalty.fine_yuan",
                )
            if (cents > 0 or revs) and cases == 0 and "penalty.cases" not in self._bad:
                self._add("F063", "有罚没款或吊销，但查处案件数为 0", "penalty.cases")
        if referral and rec.referred is not True and "referred" not in self._bad:
            labels = "、".join(c.label for c in codes if c.disposition is Disposition.REFERRAL)
            self._add(
                "F059",
                f"违法行为（{labels}）涉嫌违法犯罪，应移交相关部门或司法机关，"
                "记录未标记 referred（抽查计划 三(三)；规范第三十一条）",
                "referred",
            )
        if opinion and rec.opinion_issued is False:
            self._add(
                "F058",
                "违反政策要求但无行政处罚依据的行为，应下达监督意见书（抽查计划 三(三)）",
                "opinion_issued",
            )
        harm = rec.harm
        harm_key: object = None
        if harm is not None:
            self._harm(harm)
            harm_key = (
                harm.deaths,
                harm.injured,
                harm.accident_grade,
                harm.property_loss_yuan,
                harm.property_loss_serious,
                harm.group_health_risk,
                harm.social_impact,
            )
        detail = Detail(frozenset(cols), cases, cents, frozenset(revs))
        extra = (
            frozenset([c.id for c in codes]),
            frozenset(na) if na else None,
            cases,
            fine,
            frozenset(rev_ids) if rev_ids else None,
            rec.referred,
            rec.opinion_issued,
            harm_key,
        )
        return detail, extra

    def _harm(self, harm: Any) -> None:
        for name in ("deaths", "injured"):
            if getattr(harm, name) < 0:
                self._add("F061", f"harm.{name} 为负数", f"harm.{name}")
        loss = harm.property_loss_yuan
        if loss is not None and (not loss.is_finite() or loss < 0):
            self._add("F061", f"财产损失 {loss} 应为非负金额", "harm.property_loss_yuan")
        grade = None
        if harm.accident_grade is not None:
            grade = ACCIDENT_GRADES.get(harm.accident_grade.strip())
            if grade is None:
                self._add(
                    "F062",
                    f"医疗事故等级 {preview(harm.accident_grade)} 无效：应为一级、二级、三级或四级",
                    "harm.accident_grade",
                )
        # seed 003 第三十四条: the five kinds of 重大医疗违法案件.
        met = []
        if harm.deaths >= 1 or (grade is not None and grade <= 2):
            met.append("（一）导致患者死亡或者造成二级以上医疗事故")
        if harm.injured >= 3:
            met.append("（二）导致3人以上人身损害后果")
        if harm.property_loss_serious:
            met.append("（三）造成财产严重损失")
        if harm.group_health_risk:
            met.append("（四）造成或者可能造成群体性健康风险或隐患")
        if harm.social_impact:
            met.append("（五）造成或者可能造成恶劣社会影响")
        if met:
            self._add(
                "F060",
                "符合重大医疗违法案件情形（《医疗监督执法工作规范（试行）》第三十四条"
                + "；".join(met)
                + "），应及时向上级卫生健康行政部门报告（第三十一条）",
                "harm",
            )

    # -- the hot loop ----------------------------------------------------------------------

    def consume_jsonl(
        self,
        path: Path,
        info: FileInfo,
        sink: Callable[[Accepted], None] | None,
        *,
        sink_all: bool = False,
        progress: Progress | None = None,
        last: bool = False,
    ) -> int:
        """Check every record of a JSON Lines file; the number of records read.

        The common record (typed decode succeeded, known domain and category spellings, no
        violations, penalty or harm, not a duplicate) is checked inline (:meth:`_hot_loop`);
        anything else goes through :meth:`check`, which does the same checks and reports
        problems. Both paths must agree: the tests run the same inputs through both.

        A big file is checked by two processes when it can be (see :meth:`_consume_split`),
        with the very same result. ``last`` says no more input follows: the duplicate table
        then need not be completed with the other process's units, and the checker refuses
        further input.
        """
        if self._sealed:
            raise RuntimeError("this Checker was told its last input was read")
        name = info.path
        fno = self._file_no.get(name)
        if fno is None:
            fno = self._file_no[name] = len(self._files)
            self._files.append(name)
        if fno > _FNO_MASK:  # not in a packed entry: no lazy fingerprints, the generic path
            return self.consume(
                read_records(path, info=info), info, sink, sink_all=sink_all, progress=progress
            )
        if sink is None:
            split = _split_point(path, info)
            if split is not None:
                return self._consume_split(path, info, fno, split, progress, last)

        def tick() -> None:
            assert progress is not None
            progress(info.done, info.size)

        chunks = jsonl_chunks(path, info)
        n, _ = self._hot_loop(
            chunks, name, fno, 0, 0, 0, sink, sink_all, None if progress is None else tick
        )
        info.records = n
        return n

    # Two processes (the design). The file is cut in two at a line boundary near the middle.
    # Before anything else is started, this process forks (fork: nothing is imported again, so
    # it works from a zip or wheel, and the worker inherits the checker with its caches and
    # duplicate table); the worker counts the lines before its half, so its line numbers and
    # messages are the file's, checks its half with a checker whose counts and problems start
    # empty, and sends back (pickled through a pipe) its counts, the outcomes of its records
    # with problems, the keys its half added to the duplicate tables and the file's SHA-256
    # (it hashes the first half as it counts its lines, and its own half as it reads it: the
    # hashing is placed, not left to a thread competing for the two cores). Meanwhile this
    # process checks the first half (and hashes the file itself only if the worker failed). The worker's part is then
    # taken only if none of its units was also in the first half: then every record of the
    # second half was checked exactly as one process would have, and the part is added (counts
    # summed, problems appended: they stay in line order). Otherwise (a unit in both halves, a
    # worker that failed) this process checks the second half itself, as one process does.
    # The result never depends on timing. Memory: each process holds the duplicate entries of
    # its half; this one adds the worker's (or, for the last input, only checks its keys).

    def _consume_split(
        self,
        path: Path,
        info: FileInfo,
        fno: int,
        split: int,
        progress: Progress | None,
        last: bool,
    ) -> int:
        name = info.path
        size = info.size
        worker = self._fork_worker(path, name, fno, split, last)
        part: _Part | None = None
        try:

            def tick() -> None:
                assert progress is not None
                # both halves go at about the same pace
                progress(min(size, info.done * size // split), size)

            n, lineno = self._hot_loop(
                jsonl_range(path, 0, split, info),
                name,
                fno,
                0,
                0,
                0,
                None,
                False,
                None if progress is None else tick,
            )
            if worker is not None:
                part = _receive(*worker)
                worker = None
            # the worker hashed the whole file (it reads the first half anyway, to count its
            # lines); without it, a thread does it while this process checks the second half
            if part is None:
                wait_digest = sha256_async(path)
            if part is not None and self._take(part, n, last):
                n += part.records
            else:
                n, _ = self._hot_loop(
                    jsonl_range(path, split, None, info),
                    name,
                    fno,
                    lineno,
                    n,
                    split,
                    None,
                    False,
                    None,
                )
            info.sha256 = part.sha256 if part is not None else wait_digest()
            info.done = size
        finally:
            if worker is not None:  # interrupted: stop the worker
                _discard(*worker)
        info.records = n
        return n

    def _fork_worker(
        self, path: Path, name: str, fno: int, split: int, last: bool
    ) -> tuple[int, int] | None:
        """Start the worker for the second half: (its pid, the pipe to read it from), or
        ``None`` if it cannot be started."""
        try:
            r, w = os.pipe()
        except OSError:
            return None
        try:
            pid = os.fork()
        except OSError:
            os.close(r)
            os.close(w)
            return None
        if pid == 0:  # the worker: never returns, never runs the parent's exit handlers
            code = 1
            try:
                os.close(r)
                with open(w, "wb") as out:
                    pickle.dump(self._work(path, name, fno, split, last), out, protocol=5)
                code = 0
            finally:
                os._exit(code)
        os.close(w)
        return pid, r

    def _work(self, path: Path, name: str, fno: int, split: int, last: bool) -> _Part:
        """In the worker: check the second half with empty counts and problems."""
        states = list(self.states.values())
        marks = [len(st.seen) for st in states]
        for st in states:
            st.inspected = [0] * len(st.inspected)
            st.cells = [[0] * len(row) for row in st.cells]
            st.cases = [0] * len(st.cases)
            st.cents = [0] * len(st.cents)
        self.problems = []
        self.outcomes = []
        self.read = self.accepted = self.rejected = self.duplicates = 0
        digest = hashlib.sha256()
        lineno = count_lines(path, split, digest.update)
        n, _ = self._hot_loop(
            jsonl_range(path, split, None, digest=digest.update),
            name,
            fno,
            lineno,
            0,
            split,
            None,
            False,
            None,
        )
        return _Part(
            records=n,
            counters=(self.read, self.accepted, self.rejected, self.duplicates),
            outcomes=self.outcomes,
            counts=[(st.inspected, st.cells, st.cases, st.cents) for st in states],
            keys=[
                array("q", islice(st.seen, m, None)) for st, m in zip(states, marks, strict=True)
            ],
            sha256=digest.hexdigest(),
            values=None
            if last
            else [
                list(islice(st.seen.values(), m, None)) for st, m in zip(states, marks, strict=True)
            ],
        )

    def _take(self, part: _Part, base: int, last: bool) -> bool:
        """Add a worker's part if none of its units is already in the duplicate tables (then
        its records were checked exactly as in one process); ``base``: records before it."""
        states = list(self.states.values())
        if not all(
            st.seen.keys().isdisjoint(keys) for st, keys in zip(states, part.keys, strict=True)
        ):
            return False
        for st, (inspected, cells, cases, cents) in zip(states, part.counts, strict=True):
            _add_into(st.inspected, inspected)
            for mine, theirs in zip(st.cells, cells, strict=True):
                _add_into(mine, theirs)
            _add_into(st.cases, cases)
            _add_into(st.cents, cents)
        if part.values is None:
            self._sealed = last
        else:
            for st, keys, values in zip(states, part.keys, part.values, strict=True):
                st.seen.update(zip(keys, values, strict=True))
        for o in part.outcomes:
            self.problems.extend(o.problems)
            self.outcomes.append(o.model_copy(update={"seq": o.seq + base}))
        read, accepted, rejected, duplicates = part.counters
        self.read += read
        self.accepted += accepted
        self.rejected += rejected
        self.duplicates += duplicates
        return True

    def _hot_loop(
        self,
        chunks: Iterable[list[bytes]],
        name: str,
        fno: int,
        lineno: int,
        n: int,
        end: int,
        sink: Callable[[Accepted], None] | None,
        sink_all: bool,
        tick: Callable[[], None] | None,
    ) -> tuple[int, int]:
        """Check the lines of ``chunks``: the first is line ``lineno + 1`` and record ``n``,
        and starts at byte ``end``. Returns the record count and the line number reached."""
        decode = _DECODER.decode
        decode_error = msgspec.DecodeError
        fast_entries = self._fast
        fast_entry = self._fast_entry
        fast_code = self._fast_code
        fast_revocation = self._fast_revocation
        year = self.year
        check = self.check
        loc_bits = _LAZY | _IS_LINE | (fno << 32)
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
                    ent = fast_entry(*key3)
                day = rec.inspected_on
                region = rec.region
                uid = rec.unit_id
                uname = rec.unit_name
                tier = rec.tier
                if (
                    ent is not None
                    and (day is None or day.year == year)
                    and (
                        region is None
                        or (len(region) == 6 and region.isdigit() and region.isascii())
                    )
                    and not rec.not_applicable
                    and rec.harm is None
                    # an id (and what a fingerprint holds) as the other paths have it: trimmed
                    and uid
                    and not uid[0].isspace()
                    and not uid[-1].isspace()
                    and (
                        uname is None
                        or (uname and not uname[0].isspace() and not uname[-1].isspace())
                    )
                    and (
                        tier is None or (tier and not tier[0].isspace() and not tier[-1].isspace())
                    )
                ):
                    st, row, cat_id, own, codes, revocations = ent
                    viols = rec.violations
                    pen = rec.penalty
                    referred = rec.referred
                    opinion = rec.opinion_issued
                    if not viols:
                        if pen is None and referred is None and opinion is None:
                            # the line's offset for a lazy fingerprint (see _lazy_fingerprint)
                            packed = (start << _PAYLOAD) | loc_bits | (lineno & _POS_MASK)
                            # one probe of the big table: a new unit stores this very object
                            # (a fresh int above 2**49, never a cached one); a duplicate keeps
                            # the first record's entry and goes to check() to be reported
                            if st.seen.setdefault(hash(rec.unit_id), packed) is packed:
                                st.inspected[row] += 1
                                if hand_all:
                                    sink((st, row, rec.unit_id, None))  # type: ignore[misc]
                                continue
                    elif not sink_all:
                        # violations that resolve without a problem, a plain penalty: the
                        # checks of _detail that could fire are tested here, else check()
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
                            if pen is not None:
                                cases = pen.cases
                                fine = pen.fine_yuan
                                if fine is not None:
                                    # whole cents, not negative: what _detail takes (as_tuple,
                                    # which it tests first, is slow)
                                    if fine.is_finite():
                                        scaled = fine.scaleb(2)
                                        cents = int(scaled)
                                        if cents < 0 or scaled != cents:
                                            cases = -1
                                    else:
                                        cases = -1
                                if pen.revoked and cases >= 0:
                                    for ref in pen.revoked:
                                        rhit = revocations.get(ref, _UNSEEN)
                                        if rhit is _UNSEEN:
                                            rhit = revocations[ref] = fast_revocation(
                                                st, ref, cat_id
                                            )
                                        if rhit is None:
                                            cases = -1
                                            break
                                        rcols.add(rhit[0])
                                    if cases == 0:
                                        cases = -1  # F063
                                if cents > 0 and (
                                    cases == 0 or not bits & (_BIT_PENALTY | _BIT_REFERRAL)
                                ):
                                    cases = -1  # F063, F057
                            if (
                                cases >= 0
                                and (referred is True or not bits & _BIT_REFERRAL)
                                and (opinion is not False or not bits & _BIT_OPINION)
                            ):
                                packed = (start << _PAYLOAD) | loc_bits | (lineno & _POS_MASK)
                                if st.seen.setdefault(hash(rec.unit_id), packed) is packed:
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
        self.read += records - slow
        self.accepted += records - slow
        return n + records, lineno

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

    # -- bookkeeping -----------------------------------------------------------------------

    def report(self, files: list[InputFile]) -> ValidationReport:
        # the problems and outcomes were built from known-valid values: not validated again
        return ValidationReport.model_construct(
            ruleset=RulesetRef(id=self.ruleset.id, digest=_digest(self.ruleset)),
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


# --------------------------------------------------------------------------- two processes

PARALLEL_MIN_BYTES = 16 << 20
"""JSON Lines files at least this big (about 80 000 findings, a fifth of a second) are checked
by two processes when the machine has two cores; smaller ones are not worth a fork. The
environment variable ``SPOTCHECK_PROCESSES=1`` turns it off."""


class _Part(NamedTuple):
    """What the worker sends back: see :meth:`Checker._consume_split`."""

    records: int
    counters: tuple[int, int, int, int]  # read, accepted, rejected, duplicates
    outcomes: list[RecordOutcome]
    counts: list[tuple[list[int], list[list[int]], list[int], list[int]]]  # per domain state
    keys: list[array[int]]  # per domain state: the duplicate-table keys the part added
    values: list[list[int]] | None  # and their entries, unless no more input follows
    sha256: str  # of the whole file


def _split_point(path: Path, info: FileInfo) -> int | None:
    """Where to cut a JSON Lines file for two processes (just after a newline near the
    middle), or ``None`` when one process is the way: a small file, one core, or a process
    with other threads (forking one is unsafe)."""
    if not info.size:
        info.size = path.stat().st_size
    if (
        info.size < PARALLEL_MIN_BYTES
        or os.environ.get("SPOTCHECK_PROCESSES", "").strip() == "1"
        or not hasattr(os, "fork")
        or not hasattr(os, "sched_getaffinity")  # Linux: fork is cheap and safe without threads
        or len(os.sched_getaffinity(0)) < 2
        or threading.active_count() != 1
    ):
        return None
    # past the middle: the worker also reads the first half (to count its lines and hash the
    # file), hashes its own half and packs its part; this process does nothing else meanwhile
    middle = info.size * 55 // 100
    with path.open("rb") as f:
        f.seek(middle)
        block = f.read(1 << 16)
    nl = block.find(b"\n")
    if nl < 0 or middle + nl + 1 >= info.size:
        return None
    return middle + nl + 1


def _receive(pid: int, fd: int) -> _Part | None:
    """The worker's part, or ``None`` if it failed; waits for it to exit."""
    part: _Part | None = None
    try:
        with open(fd, "rb") as inp:
            got = pickle.load(inp)
        if isinstance(got, _Part):
            part = got
    except Exception:  # a worker that died: its half is checked here instead
        part = None
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:  # reaped already (SIGCHLD ignored): the whole part came through
        status = 0
    return part if status == 0 else None


def _discard(pid: int, fd: int) -> None:
    import signal

    with suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with suppress(OSError):
        os.close(fd)
    with suppress(OSError):
        os.waitpid(pid, 0)


def _add_into(mine: list[int], theirs: list[int]) -> None:
    for i, v in enumerate(theirs):
        if v:
            mine[i] += v


def _digest(ruleset: Ruleset) -> str:
    return ruleset.digest()  # computed once, by the ruleset


# --------------------------------------------------------------------------- inputs

Findings = (
    str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes] | IO[str] | Iterable[Any]
)
"""What :func:`validate` and :func:`~spotcheck_rules.aggregate` read (see :func:`sources`)."""
Progress = Callable[[int, int], None]

_MEMORY_HINT = "内存中的检查结果请以 bytes 或文件对象（io.BytesIO、io.StringIO、open(...)）传入"
_COPY_CHUNK = 1 << 20


@dataclass
class _Source:
    info: FileInfo
    records: Iterator[RawRecord]
    sha256: bool
    jsonl: Path | None = None  # a JSON Lines file, which the hot loop reads itself
    scratch: Path | None = None  # the private copy of in-memory content (never shown)


def _check_format(format: str | None) -> None:
    if format is not None and format not in FORMATS:
        raise UsageError(f"未知的检查结果格式：{format}（可用：{'、'.join(FORMATS)}）")


def as_path(item: str | os.PathLike[str], what: str = "检查结果") -> Path:
    """A path given as input; text that is plainly content is refused, never opened."""
    text = os.fspath(item)
    if isinstance(text, bytes):  # os.PathLike[bytes]
        text = os.fsdecode(text)
    head = text.lstrip()[:1]
    if head in ("{", "[") or any(c in text for c in "\n\r\x00"):
        preview = text.strip()[:40]
        raise UsageError(
            f"{what}的 str 参数应为文件路径，而传入的文本像是记录内容（{preview!r}…）；"
            + _MEMORY_HINT.replace("检查结果", what)
        )
    return Path(text)


def _file_source(item: str | os.PathLike[str], format: str | None = None) -> _Source:
    path = as_path(item)
    info = FileInfo(os.fspath(path))
    try:
        if not path.is_file():
            raise FindingsReadError(f"找不到检查结果文件：{path}")
        kind = format or detect_format(path)
        if kind == "jsonl":
            info.size = path.stat().st_size
            return _Source(info, iter(()), True, path)
        return _Source(info, read_records(path, format=kind, info=info), True)
    except (OSError, ValueError) as exc:  # ValueError: a path the OS cannot even represent
        raise FindingsReadError(f"无法读取检查结果文件 {path}：{_reason(exc)}") from exc


def _reason(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__


def _sniff(head: bytes, *names: object) -> str:
    """The format of in-memory content: from a name's extension, else from its first bytes."""
    for name in names:
        if isinstance(name, str):
            kind = SUFFIXES.get(os.path.splitext(name)[1].lower())
            if kind is not None:
                return kind
    kind = content_format(head)
    if kind in ("xlsx", "json", "jsonl"):
        return kind
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n"):
        return "jsonl"
    raise UsageError(
        "无法从内容判断检查结果的格式（不是 JSON、JSON Lines 或 xlsx），"
        f"请用 format= 指明：{'、'.join(FORMATS)}"
    )


def _memory_source(
    item: Any, name: str, format: str | None, scratch: Callable[[], Path]
) -> _Source:
    """In-memory content (bytes, a binary or text file object): a private copy is read by the
    file readers; the records, messages and reports name it ``name``, never the copy."""
    folder = scratch()
    tmp = folder / f"input-{len(os.listdir(folder))}"
    try:
        with open(tmp, "wb") as out:
            if isinstance(item, bytes | bytearray | memoryview):
                out.write(item)
            else:
                while chunk := item.read(_COPY_CHUNK):
                    out.write(chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk))
        with open(tmp, "rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise FindingsReadError(f"无法读取检查结果 {name}：{_reason(exc)}") from exc
    except (TypeError, UnicodeError) as exc:
        raise FindingsReadError(f"无法读取检查结果 {name}：{exc}") from exc
    kind = format or _sniff(head, name, getattr(item, "name", None))
    info = FileInfo(name)
    return _Source(info, read_records(tmp, format=kind, info=info), True, scratch=tmp)


def _is_stream(item: object) -> bool:
    return callable(getattr(item, "read", None))


def sources(
    findings: Findings,
    *,
    format: str | None = None,
    name: str | None = None,
    scratch: Callable[[], Path] | None = None,
) -> Iterator[_Source]:
    """Findings as given to the Python API, one input at a time.

    * ``str`` or ``os.PathLike``: a file path, always (text that looks like records is refused
      with a :class:`UsageError`, never opened);
    * ``bytes`` (``bytearray``, ``memoryview``) or a file object (binary or text): content;
    * an iterable: records (dicts or :class:`~spotcheck_rules.findings.records.Finding`), each run of
      them one input, and paths, bytes or file objects, each an input of its own.

    The format of a file comes from its extension; of content, from ``format``, the extension
    of ``name`` (or of the file object's ``name``), or its first bytes (JSON, JSON Lines,
    xlsx). In-memory inputs are called ``name`` (default ``<input>``, ``<input2>``, …).
    ``scratch`` gives the private folder in-memory content is copied to for the readers.
    """
    _check_format(format)
    count = 0

    def next_name() -> str:
        nonlocal count
        count += 1
        base = name or "<input>"
        if count == 1:
            return base
        return f"{base}#{count}" if name else f"<input{count}>"

    def memory(item: Any) -> _Source:
        if scratch is None:
            raise UsageError("内存中的检查结果需要暂存目录（scratch）")
        return _memory_source(item, next_name(), format, scratch)

    if isinstance(findings, str | os.PathLike):
        yield _file_source(findings, format)
        return
    if isinstance(findings, bytes | bytearray | memoryview) or _is_stream(findings):
        yield memory(findings)
        return
    if isinstance(findings, Mapping | BaseModel):
        raise UsageError(
            "validate/aggregate 需要多条记录（列表）；单条记录请用 Validator 或 validate_one"
        )
    if not isinstance(findings, Iterable):
        raise UsageError(
            f"无法读取检查结果：不支持的类型 {type(findings).__name__}；{_MEMORY_HINT}"
        )
    pending: list[Any] = []

    def records() -> _Source:
        info = FileInfo(next_name())
        items = list(pending)
        pending.clear()
        return _Source(info, iter_values(items, info.path), False)

    for item in findings:
        if isinstance(item, str | os.PathLike):  # a record is never a bare string
            if pending:
                yield records()
            yield _file_source(item, format)
        elif isinstance(item, bytes | bytearray | memoryview) or _is_stream(item):
            if pending:
                yield records()
            yield memory(item)
        else:
            pending.append(item)
    if pending:
        yield records()


def _with_last(items: Iterator[T]) -> Iterator[tuple[T, bool]]:
    """Each item, and whether it is the last."""
    prev = next(items, _UNSEEN)
    while prev is not _UNSEEN:
        item = next(items, _UNSEEN)
        yield prev, item is _UNSEEN
        prev = item


def renamed_problem(p: Problem, old: str, new: str) -> Problem:
    """A problem with a private copy's path ``old`` replaced by the input's name ``new``."""
    if old not in p.message and (p.file is None or old not in p.file):
        return p
    changes: dict[str, Any] = {"message": p.message.replace(old, new)}
    if p.file is not None:
        changes["file"] = p.file.replace(old, new)
    return p.model_copy(update=changes)


def renamed_error(exc: SpotcheckError, old: str, new: str) -> SpotcheckError:
    """The same error, with the private copy's path replaced by the input's name."""
    out = type(exc).__new__(type(exc))
    problems = [renamed_problem(p, old, new) for p in exc.problems]
    SpotcheckError.__init__(out, exc.message.replace(old, new), problems)
    return out


def run(
    findings: Findings,
    checker: Checker,
    sink: Callable[[Accepted], None] | None = None,
    progress: Progress | None = None,
    *,
    sink_all: bool = False,
    format: str | None = None,
    name: str | None = None,
) -> list[InputFile]:
    """Feed every record to ``checker`` and accepted ones with violations or penalties (all
    accepted ones with ``sink_all``) to ``sink``; returns the inputs read (see :func:`sources`
    for what ``findings``, ``format`` and ``name`` may be). Every failure to read is a
    :class:`~spotcheck_rules.core.errors.SpotcheckError`."""
    files: list[InputFile] = []
    with ExitStack() as stack:
        folder: list[Path] = []

        def scratch() -> Path:
            if not folder:
                tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="spotcheck-"))
                folder.append(Path(tmp))
            return folder[0]

        inputs = sources(findings, format=format, name=name, scratch=scratch)
        for src, last in _with_last(inputs):
            info = src.info
            try:
                n = _feed(src, last, checker, sink, progress, sink_all)
            except SpotcheckError as exc:
                if src.scratch is None:
                    raise
                raise renamed_error(exc, str(src.scratch), info.path) from None
            except OSError as exc:
                raise FindingsReadError(f"无法读取检查结果 {info.path}：{_reason(exc)}") from exc
            if progress is not None:
                progress(info.done, info.size)
            files.append(
                InputFile(path=info.path, sha256=info.sha256 if src.sha256 else None, records=n)
            )
    return files


def _feed(
    src: _Source,
    last: bool,
    checker: Checker,
    sink: Callable[[Accepted], None] | None,
    progress: Progress | None,
    sink_all: bool,
) -> int:
    info = src.info
    if src.jsonl is not None and not checker.record_outcomes:
        return checker.consume_jsonl(
            src.jsonl, info, sink, sink_all=sink_all, progress=progress, last=last
        )
    if src.jsonl is not None:
        # outcomes for every record: the generic reader (the hot loop keeps none)
        records: Iterable[RawRecord] = read_records(src.jsonl, info=info)
    else:
        records = src.records
    return checker.consume(records, info, sink, sink_all=sink_all, progress=progress)


def validate(
    findings: Findings,
    ruleset: Ruleset,
    *,
    format: str | None = None,
    name: str | None = None,
    record_outcomes: bool = False,
    progress: Progress | None = None,
) -> ValidationReport:
    """Check findings against a ruleset; every record is accepted or rejected with reasons.

    ``findings`` is a path (``str`` or ``os.PathLike``: always a path, never content), bytes,
    a binary or text file object, or an iterable of dicts,
    :class:`~spotcheck_rules.findings.records.Finding` models, paths, bytes or file objects.
    ``format`` (``jsonl``, ``json``, ``yaml``, ``csv``, ``xlsx``) says what content or an
    unusual extension holds where it cannot be inferred; ``name`` is what in-memory inputs are
    called in problems and in the report (default ``<input>``). ``outcomes`` in the report
    lists the records that had problems, or every record with ``record_outcomes=True``.

    Safe to call from many threads at once, on one ruleset. Raises only
    :class:`~spotcheck_rules.core.errors.SpotcheckError` subclasses (``FindingsReadError`` for input
    that cannot be read at all, ``UsageError`` for arguments that cannot work).
    """
    checker = Checker(ruleset, record_outcomes=record_outcomes)
    files = run(findings, checker, progress=progress, format=format, name=name)
    return checker.report(files)


# --------------------------------------------------------------------------- one record

_TRIM_EVERY = 1024
_CACHE_LIMIT = 4096


class Validator:
    """Checks single findings against one ruleset, as python-jsonschema's validators do::

        v = Validator(load_ruleset("shanxi/2025"))
        v.is_valid(record)              # no error (warnings allowed)
        list(v.iter_problems(record))   # every problem, pointers relative to the record
        v.check(record)                 # a RecordOutcome
        v.validate_json(b'{"unit_id": …}')  # one JSON object, bytes or str

    One validator may be shared by any number of threads: each thread checks with its own
    state (resolution caches kept between calls, bounded), so answers never depend on what
    other threads are checking. A record is checked in isolation: duplicates are not
    considered (use :func:`validate` for a batch).
    """

    __slots__ = ("_local", "ruleset")

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self._local = threading.local()

    def _checker(self) -> tuple[Checker, bool]:
        """This thread's checker, ready for one record; and whether it is the shared one (a
        call made from inside another, on the same thread, gets a fresh one)."""
        local = self._local
        checker: Checker | None = getattr(local, "checker", None)
        if checker is None:
            checker = local.checker = Checker(self.ruleset)
            checker.single = True
            local.busy = False
            local.calls = 0
        elif local.busy:
            fresh = Checker(self.ruleset)
            fresh.single = True
            return fresh, False
        local.calls += 1
        if not local.calls % _TRIM_EVERY:
            _trim(checker)
        for st in checker.states.values():
            if st.seen:
                st.seen.clear()
        checker.problems.clear()
        checker.outcomes.clear()
        local.busy = True
        return checker, True

    def _release(self, shared: bool) -> None:
        if shared:
            self._local.busy = False

    def _run(self, value: Any, outcomes: bool) -> Checker:
        checker, shared = self._checker()
        try:
            checker.record_outcomes = outcomes
            if not isinstance(value, _Rec) and isinstance(value, Mapping):
                # a snapshot (the record may not change under the check) of the same kind: a
                # FlatRow keeps the spreadsheet coercions
                value = FlatRow(value) if isinstance(value, FlatRow) else dict(value)
            checker.check(RawRecord(None, None, 0, value))
        except BaseException:
            checker.outcomes.clear()
            raise
        finally:
            self._release(shared)
        return checker

    def iter_problems(self, finding: Any) -> Iterator[Problem]:
        """Every problem of one record (errors and warnings), in the order found."""
        return iter(tuple(self._run(finding, False).problems))

    def is_valid(self, finding: Any) -> bool:
        """Whether the record would be accepted (it has no error; warnings are allowed)."""
        return not any(p.severity is Severity.ERROR for p in self._run(finding, False).problems)

    def check(self, finding: Any) -> RecordOutcome:
        """What becomes of one record: accepted or not, and every problem."""
        return self._run(finding, True).outcomes[-1]

    def validate_json(self, data: bytes | bytearray | memoryview | str) -> RecordOutcome:
        """Check one record given as JSON (one object, as a JSON Lines line holds it)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        elif not isinstance(data, bytes):
            if not isinstance(data, bytearray | memoryview):
                raise UsageError(f"validate_json 需要 bytes 或 str，实为 {type(data).__name__}")
            data = bytes(data)
        try:
            value: Any = _DECODER.decode(data)
        except msgspec.DecodeError:
            value = decode_line(data.strip(), 1)
            if value is None:
                value = Unparsable("空记录")
        return self.check(value)


def _trim(checker: Checker) -> None:
    """Forget resolution caches grown past a bound (a service fed arbitrary spellings)."""
    for st in checker.states.values():
        for cache in (st.cat_cache, st.code_cache, st.item_cache, st.rev_cache, st.verdicts):
            if len(cache) > _CACHE_LIMIT:
                cache.clear()
    for big in (checker._domain_cache, checker._fast):
        if len(big) > _CACHE_LIMIT:
            big.clear()


_VALIDATORS: weakref.WeakKeyDictionary[Ruleset, Validator] = weakref.WeakKeyDictionary()
_VALIDATORS_LOCK = threading.Lock()


def _validator(ruleset: Ruleset) -> Validator:
    hit = _VALIDATORS.get(ruleset)
    if hit is None:
        with _VALIDATORS_LOCK:
            hit = _VALIDATORS.get(ruleset)
            if hit is None:
                hit = _VALIDATORS[ruleset] = Validator(ruleset)
    return hit


def validate_one(finding: Any, ruleset: Ruleset) -> RecordOutcome:
    """Check a single finding in isolation (a data-entry form checking as the user types).

    ``Validator(ruleset).check(finding)``, with one validator per ruleset kept for the caller;
    safe from any number of threads. Duplicates are not considered.
    """
    return _validator(ruleset).check(finding)

"""Validating findings against a ruleset: every problem located, explained and coded.

:func:`validate` reads findings (files or Python values, :mod:`.sources`) and returns a
:class:`~.outcomes.ValidationReport`: how many records were read, accepted and rejected, and
every :class:`~spotcheck_rules.core.errors.Problem` with its file, line or row, field and, for
an unknown reference, the closest labels. Nothing is dropped silently: a record is either
accepted or rejected with its reasons (an identical duplicate is accepted and counted once, with
a warning). :class:`Validator` checks single findings, from any number of threads.

The checks are the registered rules of :mod:`.rules`, applied by :class:`~.checker.Checker`
(which :mod:`spotcheck_rules.tables.aggregation` drives too) and by the JSON Lines hot loop of
:mod:`.fastpath`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Mapping
from typing import Any

import msgspec

from ..core.codes import by_family
from ..core.errors import Problem, Severity, UsageError
from ..ruleset.ruleset import Ruleset
from .checker import Checker, Progress
from .encodings import reading_encoding
from .outcomes import RecordOutcome, ValidationInput, ValidationReport, validation_json_schema
from .readers import _DECODER, decode_line
from .records import FlatRow, RawRecord, Unparsable, _Rec
from .sources import Findings, as_path, renamed_error, renamed_problem, run
from .state import DomainState

__all__ = [
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
    "run",
    "validate",
    "validate_one",
    "validation_json_schema",
]

CODES: Mapping[str, tuple[Severity, str]] = {
    c.code: (c.severity, c.title) for c in by_family("F") if not c.refuses
}
"""Every problem code findings validation can report, with its severity and a short title: a
view of the F family of :mod:`spotcheck_rules.core.codes` (F009 refuses a file, so it is not here)."""


def validate(
    findings: Findings,
    ruleset: Ruleset,
    *,
    format: str | None = None,
    name: str | None = None,
    record_outcomes: bool = False,
    progress: Progress | None = None,
    encoding: str | None = None,
) -> ValidationReport:
    """Check findings against a ruleset; every record is accepted or rejected with reasons.

    ``findings`` is a path (``str`` or ``os.PathLike``: always a path, never content), bytes,
    a binary or text file object, or an iterable of dicts,
    :class:`~spotcheck_rules.findings.records.Finding` models, paths, bytes or file objects.
    ``format`` (``jsonl``, ``json``, ``yaml``, ``csv``, ``xlsx``) says what content or an
    unusual extension holds where it cannot be inferred; ``name`` is what in-memory inputs are
    called in problems and in the report (default ``<input>``). ``outcomes`` in the report
    lists the records that had problems, or every record with ``record_outcomes=True``.
    ``encoding`` names the codec of CSV inputs (``gb18030``, ``utf-16`` …; default: detected,
    see docs/findings.md); an unknown name is a :class:`UsageError`.

    Safe to call from many threads at once, on one ruleset. Raises only
    :class:`~spotcheck_rules.core.errors.SpotcheckError` subclasses (``FindingsReadError`` for input
    that cannot be read at all, ``UsageError`` for arguments that cannot work).
    """
    checker = Checker(ruleset, record_outcomes=record_outcomes)
    with reading_encoding(encoding):
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
    for big in (checker.domain_cache, checker.fast):
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

"""JSON Lines files through the hot loop (:mod:`.fastpath`), in one process or, for a big
file, in two with the very result of one.

Two processes (the design). The file is cut in two at a line boundary near the middle.
Before anything else is started, this process forks (fork: nothing is imported again, so
it works from a zip or wheel, and the worker inherits the checker with its caches and
duplicate table); the worker counts the lines before its half, so its line numbers and
messages are the file's, checks its half with a checker whose counts and problems start
empty, and sends back (pickled through a pipe) its counts, the outcomes of its records
with problems, the keys its half added to the duplicate tables and the file's SHA-256
(it hashes the first half as it counts its lines, and its own half as it reads it: the
hashing is placed, not left to a thread competing for the two cores). Meanwhile this
process checks the first half (and hashes the file itself only if the worker failed). The worker's part is then
taken only if none of its units was also in the first half: then every record of the
second half was checked exactly as one process would have, and the part is added (counts
summed, problems appended: they stay in line order). Otherwise (a unit in both halves, a
worker that failed) this process checks the second half itself, as one process does.
The result never depends on timing. Memory: each process holds the duplicate entries of
its half; this one adds the worker's (or, for the last input, only checks its keys).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
from array import array
from collections.abc import Callable
from contextlib import suppress
from itertools import islice
from pathlib import Path
from typing import NamedTuple

from .checker import FNO_MASK, Accepted, Checker, Progress
from .fastpath import check_lines
from .outcomes import RecordOutcome
from .readers import FileInfo, count_lines, jsonl_chunks, jsonl_range, read_records, sha256_async

__all__ = ["PARALLEL_MIN_BYTES", "Part", "consume_jsonl", "consume_split", "split_point"]


def consume_jsonl(
    checker: Checker,
    path: Path,
    info: FileInfo,
    sink: Callable[[Accepted], None] | None,
    *,
    sink_all: bool = False,
    progress: Progress | None = None,
    last: bool = False,
) -> int:
    """Check every record of a JSON Lines file; the number of records read.

    A big file is checked by two processes when it can be (:func:`consume_split`), with the
    very same result. ``last`` says no more input follows: the duplicate table then need not be
    completed with the other process's units, and the checker refuses further input.
    """
    if checker.sealed:
        raise RuntimeError("this Checker was told its last input was read")
    name = info.path
    fno = checker.file_number(name)
    if fno > FNO_MASK:  # not in a packed entry: no lazy fingerprints, the generic path
        return checker.consume(
            read_records(path, info=info), info, sink, sink_all=sink_all, progress=progress
        )
    if sink is None:
        split = split_point(path, info)
        if split is not None:
            return consume_split(checker, path, info, fno, split, progress, last)

    def tick() -> None:
        assert progress is not None
        progress(info.done, info.size)

    chunks = jsonl_chunks(path, info)
    n, _ = check_lines(
        checker, chunks, name, fno, 0, 0, 0, sink, sink_all, None if progress is None else tick
    )
    info.records = n
    return n


def consume_split(
    checker: Checker,
    path: Path,
    info: FileInfo,
    fno: int,
    split: int,
    progress: Progress | None,
    last: bool,
) -> int:
    """Check a JSON Lines file cut at byte ``split``: the second half in a forked worker."""
    name = info.path
    size = info.size
    worker = _fork_worker(checker, path, name, fno, split, last)
    part: Part | None = None
    try:

        def tick() -> None:
            assert progress is not None
            # both halves go at about the same pace
            progress(min(size, info.done * size // split), size)

        chunks = jsonl_range(path, 0, split, info)
        n, lineno = check_lines(
            checker, chunks, name, fno, 0, 0, 0, tick=None if progress is None else tick
        )
        if worker is not None:
            part = _receive(*worker)
            worker = None
        # the worker hashed the whole file (it reads the first half anyway, to count its
        # lines); without it, a thread does it while this process checks the second half
        if part is None:
            wait_digest = sha256_async(path)
        if part is not None and take(checker, part, n, last):
            n += part.records
        else:
            chunks = jsonl_range(path, split, None, info)
            n, _ = check_lines(checker, chunks, name, fno, lineno, n, split)
        info.sha256 = part.sha256 if part is not None else wait_digest()
        info.done = size
    finally:
        if worker is not None:  # interrupted: stop the worker
            _discard(*worker)
    info.records = n
    return n


def _fork_worker(
    checker: Checker, path: Path, name: str, fno: int, split: int, last: bool
) -> tuple[int, int] | None:
    """Start the worker for the second half: (its pid, the pipe to read it from), or ``None``
    if it cannot be started."""
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
                pickle.dump(work(checker, path, name, fno, split, last), out, protocol=5)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def work(checker: Checker, path: Path, name: str, fno: int, split: int, last: bool) -> Part:
    """In the worker: check the second half with empty counts and problems."""
    states = list(checker.states.values())
    marks = [len(st.seen) for st in states]
    for st in states:
        st.inspected = [0] * len(st.inspected)
        st.cells = [[0] * len(row) for row in st.cells]
        st.cases = [0] * len(st.cases)
        st.cents = [0] * len(st.cents)
    checker.problems = []
    checker.outcomes = []
    checker.read = checker.accepted = checker.rejected = checker.duplicates = 0
    digest = hashlib.sha256()
    lineno = count_lines(path, split, digest.update)
    chunks = jsonl_range(path, split, None, digest=digest.update)
    n, _ = check_lines(checker, chunks, name, fno, lineno, 0, split)
    return Part(
        records=n,
        counters=(checker.read, checker.accepted, checker.rejected, checker.duplicates),
        outcomes=checker.outcomes,
        counts=[(st.inspected, st.cells, st.cases, st.cents) for st in states],
        keys=[array("q", islice(st.seen, m, None)) for st, m in zip(states, marks, strict=True)],
        sha256=digest.hexdigest(),
        values=None
        if last
        else [list(islice(st.seen.values(), m, None)) for st, m in zip(states, marks, strict=True)],
    )


def take(checker: Checker, part: Part, base: int, last: bool) -> bool:
    """Add a worker's part if none of its units is already in the duplicate tables (then its
    records were checked exactly as in one process); ``base``: records before it."""
    states = list(checker.states.values())
    if not all(st.seen.keys().isdisjoint(keys) for st, keys in zip(states, part.keys, strict=True)):
        return False
    for st, (inspected, cells, cases, cents) in zip(states, part.counts, strict=True):
        _add_into(st.inspected, inspected)
        for mine, theirs in zip(st.cells, cells, strict=True):
            _add_into(mine, theirs)
        _add_into(st.cases, cases)
        _add_into(st.cents, cents)
    if part.values is None:
        checker.sealed = last
    else:
        for st, keys, values in zip(states, part.keys, part.values, strict=True):
            st.seen.update(zip(keys, values, strict=True))
    for o in part.outcomes:
        checker.problems.extend(o.problems)
        checker.outcomes.append(o.model_copy(update={"seq": o.seq + base}))
    read, accepted, rejected, duplicates = part.counters
    checker.read += read
    checker.accepted += accepted
    checker.rejected += rejected
    checker.duplicates += duplicates
    return True


PARALLEL_MIN_BYTES = 16 << 20
"""JSON Lines files at least this big (about 80 000 findings, a fifth of a second) are checked
by two processes when the machine has two cores; smaller ones are not worth a fork. The
environment variable ``SPOTCHECK_PROCESSES=1`` turns it off."""


class Part(NamedTuple):
    """What the worker sends back: see :func:`consume_split`."""

    records: int
    counters: tuple[int, int, int, int]  # read, accepted, rejected, duplicates
    outcomes: list[RecordOutcome]
    counts: list[tuple[list[int], list[list[int]], list[int], list[int]]]  # per domain state
    keys: list[array[int]]  # per domain state: the duplicate-table keys the part added
    values: list[list[int]] | None  # and their entries, unless no more input follows
    sha256: str  # of the whole file


def split_point(path: Path, info: FileInfo) -> int | None:
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


def _receive(pid: int, fd: int) -> Part | None:
    """The worker's part, or ``None`` if it failed; waits for it to exit."""
    part: Part | None = None
    try:
        with open(fd, "rb") as inp:
            got = pickle.load(inp)
        if isinstance(got, Part):
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

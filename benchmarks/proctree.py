"""Run a command in a fresh process and measure it end to end: wall time as the parent sees it
and the peak memory of the process and every descendant (forked workers, their threads
included), sampled while it runs.

Three memory figures, each summed over the tree:

* **RSS** (``/proc/PID/statm`` through psutil), sampled every ``interval`` (5 ms): the peak of
  the sum over time. The tree's members are looked up every 20 ms (``TREE_INTERVAL``), so a
  worker is counted from at most 20 ms after its fork. A worker forked from its parent shares the parent's pages copy-on-write;
  RSS counts each such page in both processes, so the sum overstates what the tree holds.
* **PSS** (proportional set size, the ``Pss:`` line of ``/proc/PID/smaps_rollup``): a page
  shared by k processes counts 1/k in each, so the sum counts it once — what the tree costs the
  machine. Reading ``smaps_rollup`` walks the process's page tables under its ``mmap_lock``:
  about 1.6 ms for a 380 MB process here (``statm``: 0.02 ms), and it grows with the RSS. At
  every 5 ms that would be a third of a core taken from the two being measured, and the lock
  would stall the target's own ``mmap``/``munmap``. So PSS is sampled less often: never sooner
  than ``pss_interval`` (20 ms) after the last PSS sample, nor sooner than ten times that
  sample's own cost (so it takes at most about a tenth of one core). Its peak can therefore
  miss a spike shorter than that which the RSS peak catches; both are reported, with how many
  samples each peak was taken from.
* **VmHWM** (``/proc/PID/status``), each process's own high-water mark of RSS, summed over the
  processes seen: sampling can miss a spike shorter than the interval, the high-water marks
  cannot (but they count shared pages twice, like RSS, and peaks of different processes at
  different moments add up as if they were simultaneous).

The exit is waited for on a pidfd (Linux ≥ 5.3) with the sampling interval as the timeout, so
the wall time ends when the process does, not at the next tick; without pidfds, a plain sleep.
The child's stdout and stderr go to temporary files, not pipes: a command printing more than a
pipe's 64 KiB would otherwise block on its write until the parent read, which it does only at
the end.
"""

from __future__ import annotations

import os
import select
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Measured", "measure"]

PSS_INTERVAL = 0.020
"""The least time between two PSS samples (the RSS is sampled every ``interval``)."""
PSS_BUDGET = 10.0
"""And at least this many times the last PSS sample's own duration."""
TREE_INTERVAL = 0.020
"""How often the tree's members are looked up again (psutil reads every ``/proc/*/stat`` to
find a process's children: about 0.5 ms with 70 processes on the machine, a tenth of a core
at every 5 ms); in between, the processes already known are sampled."""


@dataclass
class Measured:
    wall_s: float
    peak_rss_mb: float  # sampled every interval: max over time of the sum over the tree
    hwm_sum_mb: float  # each process's own VmHWM, summed
    processes: int  # distinct processes seen in the tree
    stdout: str
    returncode: int
    peak_pss_mb: float = 0.0  # sampled every pss interval: max over time of the summed PSS
    rss_samples: int = 0
    pss_samples: int = 0
    sampler_cpu_s: float = 0.0  # CPU time the sampling itself took in this (the parent) process

    @property
    def peak_mb(self) -> float:
        """The figure the older benchmarks quote: the sampled peak of the tree's summed RSS
        (pages a forked worker shares with its parent count in both, as RSS has them)."""
        return self.peak_rss_mb


def _status_kib(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as st:
            for line in st:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _pss_kib(pid: int) -> int | None:
    """The process's PSS in KiB, or ``None`` when it cannot be read (gone, not permitted, a
    kernel before 4.14 without ``smaps_rollup``)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _pidfd(pid: int) -> int | None:
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        fd: int = opener(pid)
    except OSError:
        return None
    return fd


def measure(
    cmd: Sequence[str],
    env: dict[str, str] | None = None,
    interval: float = 0.005,
    ok_codes: tuple[int, ...] = (0,),
    pss_interval: float = PSS_INTERVAL,
) -> Measured:
    import psutil

    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out_f, stderr=err_f, env=env)
        fd = _pidfd(proc.pid)
        poller = None
        if fd is not None:
            poller = select.poll()
            poller.register(fd, select.POLLIN)
        root = psutil.Process(proc.pid)
        peak_rss = peak_pss = 0
        rss_samples = pss_samples = 0
        next_pss = next_tree = 0.0
        tree: list[psutil.Process] = []
        hwm: dict[int, int] = {}
        try:
            while True:
                if proc.poll() is not None:
                    wall = time.perf_counter() - t0
                    break
                now = time.perf_counter()
                if now >= next_tree:
                    try:
                        tree = [root, *root.children(recursive=True)]
                    except psutil.Error:
                        tree = []
                    next_tree = now + TREE_INTERVAL
                total = 0
                for p in tree:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        continue
                    hwm[p.pid] = max(hwm.get(p.pid, 0), _status_kib(p.pid, "VmHWM:"))
                if tree:
                    peak_rss = max(peak_rss, total)
                    rss_samples += 1
                now = time.perf_counter()
                if tree and now >= next_pss:
                    pss = 0
                    seen = False
                    for p in tree:
                        kib = _pss_kib(p.pid)
                        if kib is not None:
                            pss += kib
                            seen = True
                    done = time.perf_counter()
                    if seen:
                        peak_pss = max(peak_pss, pss * 1024)
                        pss_samples += 1
                    next_pss = done + max(pss_interval, PSS_BUDGET * (done - now))
                if poller is not None:
                    if poller.poll(interval * 1000):
                        wall = time.perf_counter() - t0  # the pidfd is readable: it exited
                        break
                else:
                    time.sleep(interval)
            proc.wait()
        finally:
            if proc.poll() is None:  # interrupted (^C): leave no measured command behind
                proc.kill()
                proc.wait()
            if fd is not None:
                os.close(fd)
        cpu = time.process_time() - cpu0
        out_f.seek(0)
        err_f.seek(0)
        out = out_f.read()
        err = err_f.read()
    if proc.returncode not in ok_codes:
        raise SystemExit(
            f"{' '.join(cmd[:3])} exited {proc.returncode}:\n{err.decode(errors='replace')[-3000:]}"
        )
    return Measured(
        wall_s=wall,
        peak_rss_mb=peak_rss / 2**20,
        hwm_sum_mb=sum(hwm.values()) / 1024,
        processes=len(hwm),
        stdout=out.decode(errors="replace"),
        returncode=proc.returncode,
        peak_pss_mb=peak_pss / 2**20,
        rss_samples=rss_samples,
        pss_samples=pss_samples,
        sampler_cpu_s=cpu,
    )

"""Run a command in a fresh process and measure it end to end: wall time as the parent sees it
and the peak of the summed RSS of the process and every descendant (forked workers, their
threads included), sampled every few milliseconds with psutil.

Also the peak each process reports itself (VmHWM), summed over the processes seen: sampling can
miss a spike shorter than the interval, the high-water marks cannot (but they count pages two
processes share after a fork twice). Both are printed; the larger one is the figure to quote.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Measured", "measure"]


@dataclass
class Measured:
    wall_s: float
    peak_rss_mb: float  # sampled: max over time of the sum over the tree
    hwm_sum_mb: float  # each process's own VmHWM, summed
    processes: int
    stdout: str
    returncode: int

    @property
    def peak_mb(self) -> float:
        """The figure to quote: the sampled peak of the tree's summed RSS (pages a forked
        worker shares with its parent count in both, as RSS has them)."""
        return self.peak_rss_mb


def _hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as st:
            for line in st:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(
    cmd: Sequence[str],
    env: dict[str, str] | None = None,
    interval: float = 0.005,
    ok_codes: tuple[int, ...] = (0,),
) -> Measured:
    import psutil

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    root = psutil.Process(proc.pid)
    peak = 0
    hwm: dict[int, int] = {}
    while proc.poll() is None:
        total = 0
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            tree = []
        for p in tree:
            try:
                total += p.memory_info().rss
                hwm[p.pid] = max(hwm.get(p.pid, 0), _hwm_kib(p.pid))
            except psutil.Error:
                continue
        peak = max(peak, total)
        time.sleep(interval)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    if proc.returncode not in ok_codes:
        raise SystemExit(f"{' '.join(cmd[:3])} failed:\n{err.decode(errors='replace')[-3000:]}")
    return Measured(
        wall,
        peak / 2**20,
        sum(hwm.values()) / 1024,
        len(hwm),
        out.decode(errors="replace"),
        proc.returncode,
    )

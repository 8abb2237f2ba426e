"""How fast a service starts with spotcheck_rules, and how fast it checks one record.

    python benchmarks/bench_start.py [--runs 21] [--plan shanxi/2025]

Prints medians over ``--runs`` fresh processes (each a new interpreter):

* ``import spotcheck_rules`` (measured inside the process);
* import + ``load_ruleset(PLAN)`` of a bundled plan, with the on-disk cache of parsed rulesets
  warm (the usual case: any earlier process filled it) and with it off
  (``SPOTCHECK_NO_CACHE=1``: YAML parsed and validated);
* the whole process, interpreter start included, as the parent sees it;

and, in this process, ``Validator.iter_problems`` and ``Validator.validate_json`` per record
(median over the example findings, each record many times). Targets (issue 9): import under
100 ms, import + load under 200 ms, ``iter_problems`` under 15 µs. The cache goes to a
temporary directory, not the user's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "shanxi-2025-findings.jsonl"

_CHILD = """
import time
t0 = time.perf_counter()
import spotcheck_rules
t1 = time.perf_counter()
spotcheck_rules.load_ruleset({plan!r})
t2 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t0) * 1000)
"""


def fresh(plan: str, runs: int, env: dict[str, str]) -> tuple[float, float, float]:
    """Medians (ms) of: the import, the import + load, the whole process."""
    imports: list[float] = []
    loads: list[float] = []
    walls: list[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD.format(plan=plan)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            cwd=tempfile.gettempdir(),
        )
        walls.append((time.perf_counter() - t0) * 1000)
        imp, load = (float(x) for x in proc.stdout.split())
        imports.append(imp)
        loads.append(load)
    return statistics.median(imports), statistics.median(loads), statistics.median(walls)


def per_record_us(plan: str, repeat: int) -> tuple[float, float]:
    """Median µs per record of ``iter_problems`` (dicts) and ``validate_json`` (lines)."""
    from spotcheck_rules import Validator, load_ruleset

    v = Validator(load_ruleset(plan))
    lines = [line for line in EXAMPLE.read_bytes().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]

    def median_us(call: Callable[[Any], object], items: Sequence[Any]) -> float:
        for item in items:  # warm the resolution caches
            call(item)
        samples: list[float] = []
        clock = time.perf_counter_ns
        for _ in range(repeat):
            for item in items:
                t = clock()
                call(item)
                samples.append(clock() - t)
        return statistics.median(samples) / 1000

    return (
        median_us(lambda r: list(v.iter_problems(r)), records),
        median_us(v.validate_json, lines),
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=21, help="fresh processes per figure")
    ap.add_argument("--plan", default="shanxi/2025")
    ap.add_argument("--repeat", type=int, default=20, help="passes over the example records")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="spotcheck-bench-cache-") as cache:
        path = str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
        env = {**os.environ, "PYTHONPATH": path, "SPOTCHECK_CACHE_DIR": cache}
        env.pop("SPOTCHECK_NO_CACHE", None)
        fresh(args.plan, 1, env)  # fills the cache
        warm = fresh(args.plan, args.runs, env)
        cold = fresh(args.plan, args.runs, {**env, "SPOTCHECK_NO_CACHE": "1"})
    iter_us, json_us = per_record_us(args.plan, args.repeat)

    def mark(value: float, limit: float) -> str:
        return f"{'ok  ' if value < limit else 'MISS'} (target < {limit:g})"

    print(f"fresh processes: {args.runs} per figure, plan {args.plan}, medians")
    print(f"import spotcheck_rules               {warm[0]:8.1f} ms   {mark(warm[0], 100)}")
    print(f"import + load, ruleset cache warm    {warm[1]:8.1f} ms   {mark(warm[1], 200)}")
    print(f"import + load, cache off (YAML)      {cold[1]:8.1f} ms")
    print(f"whole process, cache warm / off      {warm[2]:8.1f} / {cold[2]:.1f} ms")
    print(f"Validator.iter_problems per record   {iter_us:8.2f} µs   {mark(iter_us, 15)}")
    print(f"Validator.validate_json per record   {json_us:8.2f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())

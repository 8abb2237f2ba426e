"""The honest benchmark of issue 15: ``spotcheck aggregate`` and ``spotcheck validate`` end to end
against DuckDB computing the same table, each in a fresh process.

    python benchmarks/bench_columnar.py [--sizes 100000,1000000] [--repeat 3] [--keep DIR]

Needs the ``columnar`` extra. A command, not a test: CI never runs it (and must not be asked for
4M: pass ``--sizes 100000,1000000,4000000`` by hand on a machine that has the room).

Per size, on the same synthetic file (``bench_aggregate.generate``: valid findings, about 30%
with violations, ids rather than labels) and, for validation, a copy with 1% of the records made
invalid (an unknown category, a date outside the plan's year, a malformed region — in turn):

* ``duckdb``: a fresh Python process that imports DuckDB, reads the file once into a table and
  computes the same cells (``bench_aggregate._SQL``: distinct units per category × column, the
  inspected units, the case and fine sums; the 合计 row is their sum) and writes them out;
* ``python``: ``spotcheck aggregate FILE --ruleset shanxi/2025 --format json -o OUT`` as a user
  runs it (the per-record path: the hot loop in two processes);
* ``columnar``: the same command with ``SPOTCHECK_ENGINE=columnar``;
* ``validate 1%`` for both engines: ``spotcheck validate`` of the copy with 1% invalid.

Wall time as the parent sees it and the peak RSS of the whole process tree (``proctree``);
the sides alternate within each repetition, the median of ``--repeat`` is reported. The
columnar tables must equal the per-record path's byte for byte, and DuckDB's cells ours.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_aggregate import _SQL, compare, generate  # noqa: E402
from proctree import Measured, measure  # noqa: E402

PLAN = "shanxi/2025"

_DUCK = r"""
import json, sys
import duckdb
con = duckdb.connect()
rows = con.execute(sys.argv[2], [sys.argv[1]]).fetchall()
with open(sys.argv[3], "w", encoding="utf-8") as f:
    json.dump([list(r) for r in rows], f)
"""


def _invalid_copy(src: Path, dst: Path, rate: float = 0.01, seed: int = 2) -> int:
    """A copy of ``src`` with ``rate`` of its records made invalid, in three ways in turn."""
    rng = random.Random(seed)
    bad = 0
    with src.open("rb") as inp, dst.open("wb") as out:
        for line in inp:
            if rng.random() < rate:
                rec = json.loads(line)
                kind = bad % 3
                if kind == 0:
                    rec["category"] = "no-such-category"
                elif kind == 1:
                    rec["inspected_on"] = "2019-05-01"
                else:
                    rec["region"] = "14010"
                line = (json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
                bad += 1
            out.write(line)
    return bad


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "spotcheck_rules.cli", *args]


def _env(engine: str | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("SPOTCHECK_ENGINE", None)
    if engine:
        env["SPOTCHECK_ENGINE"] = engine
    return env


def _run(cmd: list[str], env: dict[str, str], ok_codes: tuple[int, ...] = (0,)) -> Measured:
    return measure(cmd, env, ok_codes=ok_codes)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="write the data here and keep it")
    args = ap.parse_args(argv)
    from spotcheck_rules import load_ruleset

    rs = load_ruleset(PLAN)
    sizes = [int(s) for s in args.sizes.split(",")]
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            data = work / f"findings-{n}.jsonl"
            invalid = work / f"findings-{n}-1pct-invalid.jsonl"
            if not data.exists():
                generate(data, n, rs)
            if not invalid.exists():
                _invalid_copy(data, invalid)
            outs = {k: work / f"out-{n}-{k}.json" for k in ("python", "columnar", "duckdb")}
            sides: dict[str, list[Measured]] = {}
            plan = [
                (
                    "duckdb",
                    [sys.executable, "-c", _DUCK, str(data), _SQL, str(outs["duckdb"])],
                    None,
                    (0,),
                ),
                (
                    "python",
                    _cli(
                        "aggregate",
                        str(data),
                        "--ruleset",
                        PLAN,
                        "--format",
                        "json",
                        "-o",
                        str(outs["python"]),
                    ),
                    None,
                    (0,),
                ),
                (
                    "columnar",
                    _cli(
                        "aggregate",
                        str(data),
                        "--ruleset",
                        PLAN,
                        "--format",
                        "json",
                        "-o",
                        str(outs["columnar"]),
                    ),
                    "columnar",
                    (0,),
                ),
                (
                    "validate 1% python",
                    _cli("validate", str(invalid), "--ruleset", PLAN),
                    None,
                    (0, 1),
                ),
                (
                    "validate 1% columnar",
                    _cli("validate", str(invalid), "--ruleset", PLAN),
                    "columnar",
                    (0, 1),
                ),
            ]
            for r in range(args.repeat):
                order = plan if r % 2 == 0 else plan[::-1]
                for name, cmd, engine, codes in order:
                    m = _run(cmd, _env(engine), codes)
                    sides.setdefault(name, []).append(m)
                    print(
                        f"  {n:>9,} {name:22} {m.wall_s:6.2f} s {m.peak_mb:7.1f} MB",
                        file=sys.stderr,
                    )
            same = outs["python"].read_bytes() == outs["columnar"].read_bytes()
            duck_rows = [tuple(r) for r in json.loads(outs["duckdb"].read_text("utf-8"))]
            diffs = compare(outs["columnar"], duck_rows, rs)
            row: dict[str, Any] = {"n": n, "same": same, "duck_equal": not diffs, "runs": {}}
            for name, ms in sides.items():
                row["runs"][name] = {
                    "wall": statistics.median(m.wall_s for m in ms),
                    "peak": statistics.median(m.peak_mb for m in ms),
                    "all": [round(m.wall_s, 2) for m in ms],
                }
            results.append(row)
    print(_table(results))
    return 0 if all(r["same"] and r["duck_equal"] for r in results) else 1


def _table(results: list[dict[str, Any]]) -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    lines = [
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}; load at the end "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}",
        "",
        "| findings | side | wall (median) | × DuckDB | peak RSS, all processes | runs (s) |",
        "|---:|---|---:|---:|---:|---|",
    ]
    for r in results:
        duck = r["runs"]["duckdb"]["wall"]
        for name, f in r["runs"].items():
            lines.append(
                f"| {r['n']:,} | {name} | {f['wall']:.2f} s | {f['wall'] / duck:.2f}× | "
                f"{f['peak']:.0f} MB | {', '.join(str(x) for x in f['all'])} |"
            )
        lines.append(
            f"| {r['n']:,} | tables identical (columnar = python) | {r['same']} | "
            f"DuckDB's cells = ours | {r['duck_equal']} | |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

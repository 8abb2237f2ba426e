"""The honest benchmark of issue 15: ``spotcheck aggregate`` and ``spotcheck validate`` end to end
against DuckDB computing the same table, each in a fresh process.

    python benchmarks/bench_columnar.py [--sizes 100000,1000000] [--repeat 3] [--json FILE]
                                        [--keep DIR]

Needs the ``bench`` extra (``pip install -e '.[bench]'``: DuckDB, pyarrow, numpy, psutil,
matplotlib for the plot). A command, not a test: CI never runs it (and must not be asked for
4M: pass ``--sizes 100000,1000000,4000000`` by hand on a machine that has the room — each size
writes its file and the 1% invalid copy, about 400 bytes a finding: 2.0 GB for the three sizes,
in a temporary folder unless ``--keep DIR``).

Per size, on the same synthetic file (``bench_aggregate.generate``: valid findings, about 30%
with violations, ids rather than labels) and, for validation, a copy with 1% of the records made
invalid (an unknown category, a date outside the plan's year, a malformed region — in turn):

* ``duckdb``, the yardstick: a fresh Python process that imports DuckDB, reads the file once
  into a table and computes the same cells (``bench_aggregate._SQL``: distinct units per
  category × column, the inspected units, the case and fine sums; the 合计 row is their sum) and
  writes them out;
* ``python``: ``spotcheck aggregate FILE --ruleset shanxi/2025 --format json -o OUT`` with
  ``SPOTCHECK_ENGINE=reference`` (the per-record path: the hot loop in two processes above
  16 MB). What a user gets by default (``auto``) is this side below 128 MB of JSON Lines
  (``columnar.AUTO_MIN_BYTES``) and the ``columnar`` side from there;
* ``columnar``: the same command with ``SPOTCHECK_ENGINE=columnar``. The engine takes only files
  of at least ``columnar.MIN_BYTES`` (32 MB, about 160 000 findings); below that the per-record
  path runs although the engine was asked for, and the table and the JSON say so;
* ``validate-python`` and ``validate-columnar``: ``spotcheck validate COPY --format json -o OUT``
  of the copy with 1% invalid, per-record and with the engine asked for.

Before the timed runs, the package's modules are compiled to bytecode (``compileall``: what
``pip install`` does for a user; an editable install under ``PYTHONDONTWRITEBYTECODE=1``, as on
our VMs, otherwise compiles every module on every run, about 0.08 s), and every side runs once,
untimed, on a 1000-line file (the ruleset cache, the page cache of the interpreter and the
libraries). Each repetition runs every side
once, in the order above in even repetitions and reversed in odd ones (so no side always runs
first, or right after the same neighbour); the median of ``--repeat`` is reported, with the
minimum and maximum. Wall time as the parent sees it; memory as ``proctree`` samples it: the
peak of the summed RSS of the process tree (a forked worker's shared pages count twice) and of
the summed PSS (they count once), and the summed VmHWM.

Checks, each in the JSON and the exit code: the columnar tables equal the per-record path's
byte for byte; DuckDB's cells equal ours; the two validation reports are byte-identical and
reject exactly the records made invalid; every run of a side wrote the same bytes.

``--json FILE`` writes every run (wall time, peaks, samples, processes), the machine (platform,
CPU, cores, memory, load average before and after each size and the whole run, versions of
Python, DuckDB, pyarrow, numpy, msgspec, psutil, the commit) and the medians, so
docs/performance.md and its plot (``benchmarks/plot_performance.py``) can be regenerated from
it. The markdown table is printed on stdout, the headline (the ratio to DuckDB) above it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_aggregate import _SQL, compare, generate  # noqa: E402
from proctree import PSS_INTERVAL, TREE_INTERVAL, Measured, measure  # noqa: E402

PLAN = "shanxi/2025"
SCHEMA = 1
"""Version of the JSON written by ``--json`` (``plot_performance.py`` checks it)."""
INTERVAL = 0.005
WARMUP_LINES = 1000

_DUCK = r"""
import json, sys
import duckdb
con = duckdb.connect()
rows = con.execute(sys.argv[2], [sys.argv[1]]).fetchall()
with open(sys.argv[3], "w", encoding="utf-8") as f:
    json.dump([list(r) for r in rows], f)
"""


@dataclass(frozen=True)
class Side:
    key: str
    label: str
    kind: str  # "duckdb", "aggregate" or "validate"
    engine: str | None  # SPOTCHECK_ENGINE for the run, None: unset


SIDES = (
    Side("duckdb", "DuckDB, same table", "duckdb", None),
    Side("python", "aggregate, per-record", "aggregate", "reference"),
    Side("columnar", "aggregate, columnar", "aggregate", "columnar"),
    Side("validate-python", "validate 1% invalid, per-record", "validate", "reference"),
    Side("validate-columnar", "validate 1% invalid, columnar", "validate", "columnar"),
)


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


def _head(src: Path, dst: Path, lines: int) -> None:
    with src.open("rb") as inp, dst.open("wb") as out:
        for i, line in enumerate(inp):
            if i >= lines:
                break
            out.write(line)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "spotcheck_rules.cli", *args]


def _env(engine: str | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("SPOTCHECK_ENGINE", None)
    if engine:
        env["SPOTCHECK_ENGINE"] = engine
    return env


def _command(side: Side, data: Path, invalid: Path, out: Path) -> tuple[list[str], tuple[int, ...]]:
    """The command line of a side and the exit codes it may end with."""
    if side.kind == "duckdb":
        return [sys.executable, "-c", _DUCK, str(data), _SQL, str(out)], (0,)
    if side.kind == "aggregate":
        cmd = _cli("aggregate", str(data), "--ruleset", PLAN, "--format", "json", "-o", str(out))
        return cmd, (0,)
    # validation of a copy with invalid records: exit 1 (errors found) is the expected end
    cmd = _cli("validate", str(invalid), "--ruleset", PLAN, "--format", "json", "-o", str(out))
    return cmd, (1,)


# --------------------------------------------------------------------------- the machine


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []


def _version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _proc_field(path: str, key: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k.strip() == key:
                    return v.strip()
    except OSError:
        pass
    return None


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def machine() -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count() or 0
    mem = _proc_field("/proc/meminfo", "MemTotal")
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "platform": platform.platform(),
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_mb": round(int(mem.split()[0]) / 1024) if mem else None,
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "versions": {
            d: _version(d)
            for d in ("spotcheck-rules", "duckdb", "pyarrow", "numpy", "msgspec", "psutil")
        },
        "commit": _git("rev-parse", "HEAD"),
        "pythondontwritebytecode": os.environ.get("PYTHONDONTWRITEBYTECODE") or None,
        "dirty": bool(status) if status is not None else None,
    }


# --------------------------------------------------------------------------- running


def _sha(path: Path, rows: bool = False) -> str | None:
    """The output's sha256; ``rows``: of its rows sorted (DuckDB's row order is not fixed)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if rows:
        data = json.dumps(sorted(json.loads(data)), ensure_ascii=False).encode()
    return hashlib.sha256(data).hexdigest()


def _run_record(
    rep: int, position: int, m: Measured, out: Path, rows: bool = False
) -> dict[str, Any]:
    return {
        "rep": rep,
        "position": position,
        "wall_s": round(m.wall_s, 4),
        "peak_rss_mb": round(m.peak_rss_mb, 1),
        "peak_pss_mb": round(m.peak_pss_mb, 1),
        "hwm_sum_mb": round(m.hwm_sum_mb, 1),
        "processes": m.processes,
        "rss_samples": m.rss_samples,
        "pss_samples": m.pss_samples,
        "sampler_cpu_s": round(m.sampler_cpu_s, 3),
        "returncode": m.returncode,
        "output_sha256": _sha(out, rows),
    }


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 4),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
    }


def _compile() -> bool:
    """The package's bytecode written (``compileall`` writes it whatever
    ``PYTHONDONTWRITEBYTECODE`` says, and an interpreter reads it whatever it says)."""
    import compileall

    import spotcheck_rules

    return bool(compileall.compile_dir(Path(spotcheck_rules.__file__).parent, quiet=1))


def _warmup(work: Path, data: Path) -> None:
    small = work / "warmup.jsonl"
    bad = work / "warmup-invalid.jsonl"
    _head(data, small, WARMUP_LINES)
    _invalid_copy(small, bad, rate=0.05)
    for side in SIDES:
        cmd, codes = _command(side, small, bad, work / f"warmup-{side.key}.json")
        measure(cmd, _env(side.engine), interval=INTERVAL, ok_codes=codes)


def _validation_counts(path: Path) -> tuple[int, int]:
    got = json.loads(path.read_text("utf-8"))["input"]
    return int(got["records_read"]), int(got["rejected"])


def run_size(n: int, repeat: int, work: Path, rs: Any) -> dict[str, Any]:
    from spotcheck_rules.findings.columnar import MIN_BYTES

    data = work / f"findings-{n}.jsonl"
    invalid = work / f"findings-{n}-1pct-invalid.jsonl"
    if not data.exists():
        generate(data, n, rs)
    bad = _invalid_copy(data, invalid)
    outs = {s.key: work / f"out-{n}-{s.key}.json" for s in SIDES}
    runs: dict[str, list[dict[str, Any]]] = {s.key: [] for s in SIDES}
    load_before = _load()
    for rep in range(repeat):
        order = SIDES if rep % 2 == 0 else SIDES[::-1]
        for position, side in enumerate(order):
            outs[side.key].unlink(missing_ok=True)
            cmd, codes = _command(side, data, invalid, outs[side.key])
            m = measure(cmd, _env(side.engine), interval=INTERVAL, ok_codes=codes)
            runs[side.key].append(
                _run_record(rep, position, m, outs[side.key], side.kind == "duckdb")
            )
            print(
                f"  {n:>9,} rep {rep + 1}/{repeat} {side.key:18} {m.wall_s:7.2f} s  "
                f"RSS {m.peak_rss_mb:7.1f} MB  PSS {m.peak_pss_mb:7.1f} MB  "
                f"({m.processes} proc.)",
                file=sys.stderr,
            )
    load_after = _load()
    py_out, col_out = outs["python"], outs["columnar"]
    duck_rows = [tuple(r) for r in json.loads(outs["duckdb"].read_text("utf-8"))]
    duck_diffs = compare(py_out, duck_rows, rs) + compare(col_out, duck_rows, rs)
    read_py, rejected_py = _validation_counts(outs["validate-python"])
    checks = {
        "columnar_table_equals_python": py_out.read_bytes() == col_out.read_bytes(),
        "duckdb_cells_equal_ours": not duck_diffs,
        "validation_reports_identical": outs["validate-python"].read_bytes()
        == outs["validate-columnar"].read_bytes(),
        "validation_rejects_the_invalid": (read_py, rejected_py) == (n, bad),
        "runs_wrote_the_same_bytes": all(
            len({r["output_sha256"] for r in rs_}) == 1 for rs_ in runs.values()
        ),
    }
    for d in duck_diffs[:10]:
        print("  DIFF", d, file=sys.stderr)
    size = data.stat().st_size
    sides: dict[str, Any] = {}
    for side in SIDES:
        rs_ = runs[side.key]
        file_size = invalid.stat().st_size if side.kind == "validate" else size
        engine_ran = None
        if side.kind != "duckdb":
            engine_ran = (
                "columnar" if side.engine == "columnar" and file_size >= MIN_BYTES else "per-record"
            )
        sides[side.key] = {
            "label": side.label,
            "kind": side.kind,
            "engine_asked": side.engine,
            # by the file size alone: the engine also hands a file it cannot answer for back to
            # the per-record path (a null, an escaped quote...), which the synthetic files lack
            "engine_expected": engine_ran,
            "command": _command(side, data, invalid, outs[side.key])[0][1:],
            "runs": rs_,
            "wall_s": _stats([r["wall_s"] for r in rs_]),
            "peak_rss_mb": _stats([r["peak_rss_mb"] for r in rs_]),
            "peak_pss_mb": _stats([r["peak_pss_mb"] for r in rs_]),
            "hwm_sum_mb": _stats([r["hwm_sum_mb"] for r in rs_]),
        }
    duck = sides["duckdb"]["wall_s"]["median"]
    for s in sides.values():
        s["ratio_to_duckdb"] = round(s["wall_s"]["median"] / duck, 3)
    return {
        "findings": n,
        "file_bytes": size,
        "invalid_file_bytes": invalid.stat().st_size,
        "invalid_records": bad,
        "columnar_min_bytes": MIN_BYTES,
        "load_before": load_before,
        "load_after": load_after,
        "checks": checks,
        "duckdb_cells": len(duck_rows),
        "sides": sides,
    }


# --------------------------------------------------------------------------- printing


def _fmt_runs(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def headline(results: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for size in results["sizes"]:
        s = size["sides"]
        n = size["findings"]
        col = s["columnar"]
        note = "" if col["engine_expected"] == "columnar" else " (engine not taken: file < 32 MB)"
        lines.append(
            f"**{n:,} findings: `spotcheck aggregate` takes {col['ratio_to_duckdb']:.2f}× "
            f"DuckDB's time with the columnar engine{note}, "
            f"{s['python']['ratio_to_duckdb']:.2f}× on the per-record path** "
            f"(DuckDB {s['duckdb']['wall_s']['median']:.2f} s; median of {len(col['runs'])})."
        )
        for engine in ("python", "columnar"):
            v = s[f"validate-{engine}"]["wall_s"]["median"] / s[engine]["wall_s"]["median"]
            lines.append(
                f"  validate 1% invalid / aggregate, {s[engine]['label'].split(', ')[1]}: "
                f"{v:.2f}× (issue 15: ≤ 1.2×)"
            )
        target = {1_000_000: (1.2, 200), 4_000_000: (1.5, 400)}.get(n)
        if target:
            lines.append(
                f"  issue 15 at {n:,}: ≤ {target[0]}× DuckDB (columnar {col['ratio_to_duckdb']:.2f}×), "
                f"≤ {target[1]} MB all processes (columnar RSS {col['peak_rss_mb']['median']:.0f} MB, "
                f"PSS {col['peak_pss_mb']['median']:.0f} MB)"
            )
    return lines


def table(results: dict[str, Any]) -> str:
    m = results["machine"]
    v = m["versions"]
    lines = [
        f"machine: {m['machine']}, {m['cores']} cores ({m['cores_usable']} usable), "
        f"{m['memory_mb']} MB, {m['system']} {m['release']}, {m['cpu']}; Python {m['python']}, "
        f"duckdb {v['duckdb']}, pyarrow {v['pyarrow']}, msgspec {v['msgspec']}; load "
        f"{' '.join(map(str, results['load_before']))} before, "
        f"{' '.join(map(str, results['load_after']))} after",
        "",
        "| findings | side | wall (median) | × DuckDB | peak RSS, all processes "
        "| peak PSS, all processes | runs (s) |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    for size in results["sizes"]:
        for f in size["sides"].values():
            label = f["label"]
            if f["engine_asked"] == "columnar" and f["engine_expected"] != "columnar":
                label += " (asked; below 32 MB: per-record ran)"
            lines.append(
                f"| {size['findings']:,} | {label} | {f['wall_s']['median']:.2f} s "
                f"| {f['ratio_to_duckdb']:.2f}× | {f['peak_rss_mb']['median']:.0f} MB "
                f"| {f['peak_pss_mb']['median']:.0f} MB "
                f"| {_fmt_runs([r['wall_s'] for r in f['runs']])} |"
            )
    lines.append("")
    for size in results["sizes"]:
        checks = ", ".join(f"{k} {'yes' if ok else 'NO'}" for k, ok in size["checks"].items())
        every = [r for f in size["sides"].values() for r in f["runs"]]
        sampler = max(r["sampler_cpu_s"] / r["wall_s"] for r in every)
        lines.append(
            f"{size['findings']:,} ({size['file_bytes'] / 1e6:.0f} MB, load "
            f"{' '.join(map(str, size['load_before']))} → {' '.join(map(str, size['load_after']))}; "
            f"the sampler took at most {sampler:.0%} of a core): {checks}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100000,1000000", help="comma-separated (default 100k, 1M)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each side (default 3)")
    ap.add_argument("--json", type=Path, help="write every run and the machine here")
    ap.add_argument("--keep", type=Path, help="write the data here and keep it (reused)")
    ap.add_argument("--no-warmup", action="store_true", help="skip the untimed warm-up runs")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    from spotcheck_rules import load_ruleset

    rs = load_ruleset(PLAN)
    results: dict[str, Any] = {
        "schema": SCHEMA,
        "benchmark": "bench_columnar",
        "argv": sys.argv[1:] if argv is None else argv,
        "plan": PLAN,
        "repeat": args.repeat,
        "started": _now(),
        "machine": machine(),
        "sampling": {
            "rss_interval_s": INTERVAL,
            "pss_min_interval_s": PSS_INTERVAL,
            "tree_interval_s": TREE_INTERVAL,
        },
        "warmup": not args.no_warmup,
        "bytecode_compiled": _compile(),
        "load_before": _load(),
    }
    sized: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for i, n in enumerate(sizes):
            if i == 0 and not args.no_warmup:
                data = work / f"findings-{n}.jsonl"
                if not data.exists():
                    generate(data, n, rs)
                _warmup(work, data)
            sized.append(run_size(n, args.repeat, work, rs))
    results["sizes"] = sized
    results["load_after"] = _load()
    results["finished"] = _now()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    print("\n".join(headline(results)))
    print()
    print(table(results))
    ok = all(all(s["checks"].values()) for s in sized)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

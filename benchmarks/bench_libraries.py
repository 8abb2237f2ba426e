"""Which native library the columnar engine is built on: pyarrow, polars or DuckDB, measured.

    python benchmarks/bench_libraries.py [--n 1000000] [--repeat 3] [--keep DIR]

Each library does the same minimal job, in a fresh process, end to end (interpreter start,
imports, the plan's load and the checker, as the engine would have them): read the columns of
a synthetic JSON Lines file natively (``bench_aggregate.generate``), find the units named twice
in a domain, group the records by their spellings of (domain, category, ownership) and, per
violation spelling, count them; resolve each distinct spelling once through the checker's own
rules (:func:`~spotcheck_rules.findings.fastpath.fast_entry`, ``fast_code``) and add the groups
into the leaf rows. The counts must agree across the three (checked). The runs alternate
between the libraries; the peak RSS is that of the whole process tree (``proctree``). A command,
not a test: CI never runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from proctree import measure  # noqa: E402

_PRELUDE = r"""
import json, sys, time
t0 = time.perf_counter()
from spotcheck_rules import load_ruleset
from spotcheck_rules.findings.checker import Checker
from spotcheck_rules.findings.fastpath import fast_code, fast_entry
checker = Checker(load_ruleset("shanxi/2025"))
path = sys.argv[1]
inspected, cells = {}, {}

def add(groups, vgroups):
    # groups: (domain, category, ownership, n); vgroups: (domain, category, ownership, v, n)
    for d, c, o, n in groups:
        ent = fast_entry(checker, d, c, o)
        if ent is not None:
            k = (ent[0].domain, ent[1])
            inspected[k] = inspected.get(k, 0) + n
    for d, c, o, v, n in vgroups:
        ent = fast_entry(checker, d, c, o)
        if ent is not None:
            hit = fast_code(ent[0], v, ent[2], ent[3])
            if hit is not None:
                k = (ent[0].domain, ent[1], hit[0])
                cells[k] = cells.get(k, 0) + n
"""

_END = r"""
print(json.dumps({"s": time.perf_counter() - t0, "dups": dups,
    "inspected": sum(inspected.values()), "cells": sum(cells.values()), "keys": len(cells)}))
"""

_PYARROW = r"""
import pyarrow as pa, pyarrow.compute as pc, pyarrow.json as pj
s = pa.string()
schema = pa.schema([("unit_id", s), ("unit_name", s), ("domain", s), ("category", s),
    ("ownership", s), ("region", s), ("inspected_on", s), ("violations", pa.list_(s)),
    ("referred", pa.bool_()), ("opinion_issued", pa.bool_()),
    ("penalty", pa.struct([("cases", pa.int64()), ("fine_yuan", s), ("revoked", pa.list_(s))]))])
t = pj.read_json(path, parse_options=pj.ParseOptions(explicit_schema=schema,
    unexpected_field_behavior="error"))
keys = ["domain", "category", "ownership"]
u = t.group_by(["domain", "unit_id"]).aggregate([([], "count_all")])
dups = pc.sum(pc.greater(u["count_all"], 1)).as_py() or 0
g = t.group_by(keys).aggregate([([], "count_all")])
viol = t["violations"]
parents = pc.list_parent_indices(viol)
ex = t.select(keys).take(parents).append_column("v", pc.list_flatten(viol))
vg = ex.group_by([*keys, "v"]).aggregate([([], "count_all")])
add(zip(*(g[k].to_pylist() for k in [*keys, "count_all"])),
    zip(*(vg[k].to_pylist() for k in [*keys, "v", "count_all"])))
"""

_POLARS = r"""
import polars as pl
S = pl.String
schema = {"unit_id": S, "unit_name": S, "domain": S, "category": S, "ownership": S,
    "region": S, "inspected_on": S, "violations": pl.List(S), "referred": pl.Boolean,
    "opinion_issued": pl.Boolean, "penalty": pl.Struct({"cases": pl.Int64, "fine_yuan": S,
    "revoked": pl.List(S)})}
df = pl.read_ndjson(path, schema=schema)
keys = ["domain", "category", "ownership"]
dups = int(df.group_by(["domain", "unit_id"]).len().filter(pl.col("len") > 1).height)
g = df.group_by(keys).len()
vg = df.select([*keys, "violations"]).explode("violations").drop_nulls("violations")
vg = vg.group_by([*keys, "violations"]).len()
add(g.iter_rows(), vg.iter_rows())
"""

_DUCKDB = r"""
import duckdb
con = duckdb.connect()
con.execute('''CREATE TABLE f AS SELECT * FROM read_json(?, format = 'newline_delimited',
    columns = {unit_id: 'VARCHAR', unit_name: 'VARCHAR', domain: 'VARCHAR', category: 'VARCHAR',
    ownership: 'VARCHAR', region: 'VARCHAR', inspected_on: 'VARCHAR', violations: 'VARCHAR[]',
    referred: 'BOOLEAN', opinion_issued: 'BOOLEAN',
    penalty: 'STRUCT(cases BIGINT, fine_yuan VARCHAR, revoked VARCHAR[])'})''', [path])
dups = con.execute("SELECT count(*) FROM (SELECT domain, unit_id FROM f GROUP BY ALL "
    "HAVING count(*) > 1)").fetchone()[0]
g = con.execute("SELECT domain, category, ownership, count(*) FROM f GROUP BY ALL").fetchall()
vg = con.execute("SELECT domain, category, ownership, v, count(*) FROM "
    "(SELECT domain, category, ownership, unnest(violations) AS v FROM f) GROUP BY ALL").fetchall()
add(g, vg)
"""

LIBRARIES = {"pyarrow": _PYARROW, "polars": _POLARS, "duckdb": _DUCKDB}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--data", type=Path, help="an existing findings file (else generated)")
    args = ap.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            from bench_aggregate import generate

            from spotcheck_rules import load_ruleset

            data = (args.keep or Path(tmp)) / "findings.jsonl"
            data.parent.mkdir(parents=True, exist_ok=True)
            generate(data, args.n, load_ruleset("shanxi/2025"))
        runs: dict[str, list[tuple[float, float, float]]] = {k: [] for k in LIBRARIES}
        answers: dict[str, tuple[int, int, int, int]] = {}
        for _ in range(args.repeat):
            for name, body in LIBRARIES.items():
                m = measure([sys.executable, "-c", _PRELUDE + body + _END, str(data)], env)
                got = json.loads(m.stdout.strip().splitlines()[-1])
                answers[name] = (got["dups"], got["inspected"], got["cells"], got["keys"])
                runs[name].append((m.wall_s, max(m.peak_rss_mb, m.hwm_sum_mb), got["s"]))
                print(f"  {name:8} {m.wall_s:6.2f} s  {runs[name][-1][1]:7.1f} MB", file=sys.stderr)
    assert len(set(answers.values())) == 1, answers
    print(
        f"libraries, {data.stat().st_size / 1e6:.0f} MB file; median of {args.repeat}, alternated"
    )
    base = statistics.median(r[0] for r in runs["duckdb"])
    for name, rs in runs.items():
        wall = statistics.median(r[0] for r in rs)
        peak = statistics.median(r[1] for r in rs)
        print(
            f"{name:8} wall {wall:6.2f} s ({wall / base:4.2f}× duckdb)  peak RSS {peak:7.1f} MB  "
            f"runs {', '.join(f'{r[0]:.2f}' for r in rs)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

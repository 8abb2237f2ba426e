"""Issue 15 item 4: reading a findings workbook of N rows through ``findings.rows.iter_xlsx``,
once with each of its readers (python-calamine, openpyxl read-only), each in a fresh process,
and whether the two give the same rows.

    python benchmarks/bench_xlsx.py [--n 100000] [--repeat 3]

The reader is chosen with ``rows._READER`` (internal, for tests and this benchmark). Each run
imports the library, reads the rows (Row objects: values, problems, the header's sheet name)
and writes a digest of their ``repr``: "same rows" means the same line numbers, values with the
same types, the same problems. A command, not a test. The workbook has a two-row merged header
(as the entry workbook and the official tables have), text, whole numbers, amounts with cents,
dates and yes/no cells.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from proctree import measure  # noqa: E402

_READ = r"""
import hashlib, json, sys, time
t0 = time.perf_counter()
from spotcheck_rules.core.errors import SpotcheckError
from spotcheck_rules.findings import rows
rows._READER = sys.argv[3]
data = open(sys.argv[1], "rb").read()
digest, n = hashlib.sha256(), 0
for r in rows.iter_xlsx(data, sys.argv[1], SpotcheckError, "F009"):
    digest.update(repr((r.line, r.cells, r.problems, r.sheet)).encode())
    n += 1
t1 = time.perf_counter()
json.dump({"s": t1 - t0, "rows": n, "sha": digest.hexdigest(), "read": rows._last_read()},
          open(sys.argv[2], "w"))
"""


def write_workbook(path: Path, n: int, seed: int = 3) -> None:
    from openpyxl import Workbook

    rng = random.Random(seed)
    wb = Workbook()
    ws = wb.active
    ws.append(["单位", None, "检查", None, None, "处罚", None, "移交"])
    ws.merge_cells("A1:B1")
    ws.merge_cells("C1:E1")
    ws.merge_cells("F1:G1")
    ws.append(
        [
            "单位编号",
            "单位名称",
            "监督领域",
            "单位类别",
            "检查日期",
            "查处案件数",
            "罚没款",
            "是否移交",
        ]
    )
    for i in range(n):
        ws.append(
            [
                f"U{i:09d}",
                f"示例单位{i}",
                "医疗机构",
                "诊所",
                dt.date(2025, rng.randint(1, 12), rng.randint(1, 28)),
                rng.randint(0, 3),
                round(rng.randint(0, 500000) / 100, 2),
                rng.choice(["是", "否", None]),
            ]
        )
    wb.save(path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent), env.get("PYTHONPATH", "")])
    readers = ("openpyxl", "calamine")
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "findings.xlsx"
        write_workbook(book, args.n)
        walls: dict[str, list[float]] = {r: [] for r in readers}
        peaks: dict[str, list[float]] = {r: [] for r in readers}
        inner: dict[str, list[float]] = {r: [] for r in readers}
        got: dict[str, dict[str, object]] = {}
        for _ in range(args.repeat):
            for name in readers:  # alternated, so that a burst of load hits both
                out = Path(tmp) / f"{name}.json"
                cmd = [sys.executable, "-c", _READ, str(book), str(out), name]
                m = measure(cmd, env)
                if m.returncode:
                    raise SystemExit(f"{name} failed: {m.stdout}")
                walls[name].append(m.wall_s)
                peaks[name].append(m.peak_mb)
                got[name] = json.loads(out.read_text("utf-8"))
                inner[name].append(float(got[name]["s"]))  # type: ignore[arg-type]
        print(f"{args.n:,} rows, {book.stat().st_size / 1e6:.1f} MB xlsx; median of {args.repeat}")
        print("reader     wall      in-process  peak RSS  runs (wall s)")
        for name in readers:
            print(
                f"{name:9} {statistics.median(walls[name]):6.2f} s  "
                f"{statistics.median(inner[name]):6.2f} s   "
                f"{statistics.median(peaks[name]):6.0f} MB  "
                + ", ".join(f"{w:.2f}" for w in walls[name])
            )
        a, b = got["openpyxl"], got["calamine"]
        print(
            f"rows: openpyxl {a['rows']}, calamine {b['rows']}; same rows: {a['sha'] == b['sha']}"
        )
        print(f"read by: {a['read']} / {b['read']}")
        ratio = statistics.median(walls["openpyxl"]) / statistics.median(walls["calamine"])
        print(f"openpyxl / calamine wall: {ratio:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

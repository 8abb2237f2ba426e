"""Issue 15 item 4, measured only: reading a findings workbook of N rows with openpyxl in
read-only mode (what ``findings.rows.iter_xlsx`` does) against python-calamine, each in a fresh
process, and whether the two give the same cells.

    python benchmarks/bench_xlsx.py [--n 100000] [--repeat 3]

Needs ``python-calamine`` (not a dependency of the project). A command, not a test. The
workbook has a two-row merged header (as the entry workbook and the official tables have),
text, whole numbers, amounts with cents, dates and yes/no cells. "Same cells" compares every
value after the normalisations the findings readers apply anyway (a whole float is a whole
number: spreadsheets store every number as a double; a date cell that openpyxl gives as a
datetime at midnight is its date, as calamine gives it).
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

_OPENPYXL = r"""
import json, sys, time
t0 = time.perf_counter()
from openpyxl import load_workbook
wb = load_workbook(sys.argv[1], read_only=True, data_only=True)
ws = wb.worksheets[0]
ws.reset_dimensions()
rows = [list(r) for r in ws.iter_rows(values_only=True)]
t1 = time.perf_counter()
json.dump({"s": t1 - t0, "rows": rows}, open(sys.argv[2], "w"), default=str)
"""

_CALAMINE = r"""
import json, sys, time
t0 = time.perf_counter()
from python_calamine import CalamineWorkbook
wb = CalamineWorkbook.from_path(sys.argv[1])
sheet = wb.get_sheet_by_index(0)
rows = sheet.to_python(skip_empty_area=False)
merged = sheet.merged_cell_ranges
t1 = time.perf_counter()
json.dump({"s": t1 - t0, "rows": rows, "merged": merged}, open(sys.argv[2], "w"), default=str)
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


def _norm(v: object) -> object:
    """What the findings readers make of a cell anyway: a whole float is a whole number, a date
    cell's datetime its date (``records._as_date`` takes ``.date()`` of a flat file's datetime;
    here as the JSON text both were written to)."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str) and len(v) == 19 and v.endswith(" 00:00:00") and v[4] == "-":
        return v[:10]
    if v == "":
        return None
    return v


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "findings.xlsx"
        write_workbook(book, args.n)
        walls: dict[str, list[float]] = {"openpyxl": [], "calamine": []}
        peaks: dict[str, list[float]] = {"openpyxl": [], "calamine": []}
        got: dict[str, dict[str, object]] = {}
        for _ in range(args.repeat):
            for name, code in (("openpyxl", _OPENPYXL), ("calamine", _CALAMINE)):
                out = Path(tmp) / f"{name}.json"
                m = measure([sys.executable, "-c", code, str(book), str(out)], env)
                walls[name].append(m.wall_s)
                peaks[name].append(m.peak_mb)
                got[name] = json.loads(out.read_text("utf-8"))
        a = [[_norm(v) for v in r] for r in got["openpyxl"]["rows"]]  # type: ignore[union-attr]
        b = [[_norm(v) for v in r] for r in got["calamine"]["rows"]]  # type: ignore[union-attr]
        width = max(len(r) for r in a + b)
        a = [r + [None] * (width - len(r)) for r in a]
        b = [r + [None] * (width - len(r)) for r in b]
        differ = [(i + 1, x, y) for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
        print(f"{args.n:,} rows, {book.stat().st_size / 1e6:.1f} MB xlsx; median of {args.repeat}")
        for name in walls:
            print(
                f"{name:9} {statistics.median(walls[name]):6.2f} s  "
                f"{statistics.median(peaks[name]):6.0f} MB  runs "
                + ", ".join(f"{w:.2f}" for w in walls[name])
            )
        print(f"rows: openpyxl {len(a)}, calamine {len(b)}; rows that differ: {len(differ)}")
        for row in differ[:5]:
            print("  differ:", row)
        print("calamine merged ranges:", got["calamine"].get("merged"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

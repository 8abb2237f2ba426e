"""Draw docs/performance.md's figure from the JSON ``bench_columnar.py --json`` wrote.

    python benchmarks/plot_performance.py RESULTS.json --out docs/img/performance.svg [--png P]

Two panels, the number of findings on the x axis (log scale): the wall time of each side (the
median of the runs, the bars from the fastest to the slowest run) with the ratio to DuckDB
written beside the two aggregate lines, and the peak memory of all processes (the summed RSS,
solid, and the summed PSS, dashed; median, bars min–max). A hollow marker is a columnar run in
name only: the file was below the engine's threshold, so the per-record path ran.

Needs matplotlib (the ``bench`` extra). The SVG is byte-identical for the same JSON and the same
matplotlib: no date in its metadata, a fixed ``svg.hashsalt`` for the element ids, text kept as
text in one named font (DejaVu Sans, which matplotlib ships) rather than paths. ``--png`` also
writes a PNG of the same figure, to look at where no SVG viewer is at hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

SCHEMA = 1
SIDES = ("duckdb", "python", "columnar", "validate-python", "validate-columnar")
COLOURS = {
    "duckdb": "#444444",
    "python": "#1f77b4",
    "columnar": "#d62728",
    "validate-python": "#7fb2e0",
    "validate-columnar": "#f08a8a",
}
MARKERS = {
    "duckdb": "D",
    "python": "o",
    "columnar": "s",
    "validate-python": "^",
    "validate-columnar": "v",
}


def _size_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return f"{n:,}"


def _series(results: dict[str, Any], key: str, field: str) -> tuple[list[Any], ...]:
    xs, med, lo, hi, taken = [], [], [], [], []
    for size in results["sizes"]:
        side = size["sides"].get(key)
        if side is None:
            continue
        f = side[field]
        xs.append(size["findings"])
        med.append(f["median"])
        lo.append(f["median"] - f["min"])
        hi.append(f["max"] - f["median"])
        asked = side.get("engine_asked") == "columnar"
        taken.append(not asked or side.get("engine_expected") == "columnar")
    return xs, med, lo, hi, taken


def _two_five(y: float, _pos: int | None = None) -> str:
    lead = f"{y:e}"[0]
    return f"{y:g}" if lead in "25" else ""


def plot(results: dict[str, Any], out: Path, png: Path | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "spotcheck-performance",
            "svg.fonttype": "none",
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "path.simplify": False,
        }
    )
    sizes = [s["findings"] for s in results["sizes"]]
    labels = {s: s_["label"] for s_ in results["sizes"] for s, s_ in s_["sides"].items()}
    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 5.2))
    offsets = {k: 10 ** (0.018 * (i - 2)) for i, k in enumerate(SIDES)}

    def draw(ax: Any, key: str, field: str, style: str, size: float) -> None:
        """One side's medians joined by a line, min–max bars, a hollow marker where the
        columnar engine was asked for but not taken."""
        xs, med, lo, hi, taken = _series(results, key, field)
        if not xs:
            return
        xo = [x * offsets[key] for x in xs]
        colour = COLOURS[key]
        ax.errorbar(
            xo,
            med,
            yerr=[lo, hi],
            color=colour,
            linestyle=style,
            linewidth=1.2,
            capsize=3,
            elinewidth=0.9,
            marker="none",
        )
        for x, y, full in zip(xo, med, taken, strict=True):
            ax.plot(
                [x],
                [y],
                marker=MARKERS[key],
                markersize=size,
                color=colour,
                markerfacecolor=colour if full else "white",
                linestyle="none",
            )

    for key in SIDES:
        if key in labels:
            draw(ax_t, key, "wall_s", "-", 5.5)
            draw(ax_m, key, "peak_rss_mb", "-", 5.5)
            draw(ax_m, key, "peak_pss_mb", "--", 3.5)
    for key in ("python", "columnar"):
        for size in results["sizes"]:
            side = size["sides"].get(key)
            if side is None:
                continue
            ax_t.annotate(
                f"{side['ratio_to_duckdb']:.2f}×",
                (size["findings"] * offsets[key], side["wall_s"]["median"]),
                xytext=(-6, -3 if key == "python" else 3),  # left: the validate sides are right
                textcoords="offset points",
                fontsize=8,
                color=COLOURS[key],
                ha="right",
                va="top" if key == "python" else "bottom",
            )
    lo_x, hi_x = min(sizes) / 1.8, max(sizes) * 1.8
    plain = FuncFormatter(lambda y, _pos: f"{y:g}")
    for ax in (ax_t, ax_m):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(lo_x, hi_x)
        ax.xaxis.set_major_locator(FixedLocator(sizes))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xticklabels([_size_label(n) for n in sizes])
        ax.yaxis.set_major_formatter(plain)
        ax.margins(y=0.15)
        low, high = ax.get_ylim()
        # within a decade every minor tick is labelled; across decades only the 2s and 5s
        ax.yaxis.set_minor_formatter(plain if high / low < 10 else FuncFormatter(_two_five))
        ax.tick_params(axis="y", which="minor", labelsize=7, labelcolor="#666666")
        ax.set_xlabel("findings (log scale)")
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        ax.grid(True, which="minor", color="#f0f0f0", linewidth=0.4)
        ax.set_axisbelow(True)
    ax_t.set_ylabel("wall time, s (log scale)")
    ax_t.set_title("wall time, end to end (× DuckDB beside the aggregate points)")
    ax_m.set_ylabel("peak memory of all processes, MB (log scale)")
    ax_m.set_title("peak memory: summed RSS and summed PSS")
    handles = [
        Line2D([], [], color=COLOURS[k], marker=MARKERS[k], markersize=5.5, label=labels[k])
        for k in SIDES
        if k in labels
    ]
    handles += [
        Line2D(
            [], [], color="#444444", linestyle="-", marker="o", markersize=5.5,
            label="memory: RSS sum (a forked worker's shared pages twice)",
        ),
        Line2D(
            [], [], color="#444444", linestyle="--", marker="o", markersize=3.5,
            label="memory: PSS sum (shared pages once)",
        ),
        Line2D(
            [], [], color="#444444", linestyle="none", marker="s", markersize=5.5,
            markerfacecolor="white",
            label="hollow: columnar asked for, file below its 32 MB: per-record ran",
        ),
    ]  # fmt: skip
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False)
    m = results["machine"]
    v = m["versions"]
    load = results.get("load_before", []), results.get("load_after", [])
    runs = results["repeat"]
    fig.suptitle(
        "spotcheck against DuckDB computing the same table, fresh processes: "
        + (f"median of {runs} alternated runs, bars min–max" if runs > 1 else "one run each")
        + f"\n{m['machine']}, {m['cores']} cores, {m['system']} {m['release']}, "
        f"Python {m['python']}, duckdb {v.get('duckdb')}, pyarrow {v.get('pyarrow')}, "
        f"msgspec {v.get('msgspec')}; load {load[0][0] if load[0] else '?'} before, "
        f"{load[1][0] if load[1] else '?'} after",
        fontsize=9,
    )
    fig.tight_layout(rect=(0, 0.13, 1, 0.95))
    out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"Date": None, "Creator": "benchmarks/plot_performance.py"}
    fig.savefig(out, format="svg", metadata=meta)
    if png is not None:
        fig.savefig(png, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results", type=Path, help="the JSON bench_columnar.py --json wrote")
    ap.add_argument("--out", type=Path, default=Path("docs/img/performance.svg"))
    ap.add_argument("--png", type=Path, help="also write a PNG of the figure here")
    args = ap.parse_args(argv)
    results = json.loads(args.results.read_text(encoding="utf-8"))
    if results.get("schema") != SCHEMA:
        raise SystemExit(f"{args.results}: schema {results.get('schema')!r}, expected {SCHEMA}")
    plot(results, args.out, args.png)
    print(f"wrote {args.out}" + (f" and {args.png}" if args.png else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

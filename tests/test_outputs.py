"""Outputs people open: inert cells (no formula ever runs) and atomic writes (never half a file).

Issue 10, items 1 and 2. Every CSV and xlsx writer is tested with text that a spreadsheet would
evaluate; every ``-o`` write is tested against a full disk, a file-size limit, a crash, SIGTERM
and SIGKILL in the middle of the write.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import resource
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from spotcheck_rules import load_ruleset
from spotcheck_rules.cli.app import main
from spotcheck_rules.core import atomic
from spotcheck_rules.core.cells import FORMULA_TRIGGERS, inert
from spotcheck_rules.core.errors import UsageError
from spotcheck_rules.ruleset.ruleset import Ruleset
from spotcheck_rules.tables.aggregation import aggregate
from spotcheck_rules.tables.report import render_csv, render_xlsx
from spotcheck_rules.tables.result import AggregateResult

ROOT = Path(__file__).resolve().parent.parent
ROSTER = ROOT / "examples" / "roster-shanxi-2025.csv"
INSPECTORS = ROOT / "examples" / "inspectors-shanxi-2025.csv"
SEED = "2025-03-01 福彩3D 123"
HOSTILE = '=HYPERLINK("http://example.invalid/","点我")'


@pytest.fixture(scope="module")
def rs() -> Ruleset:
    return load_ruleset("shanxi/2025")


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize("start", FORMULA_TRIGGERS)
def test_inert_prefixes_every_trigger(start: str) -> None:
    assert inert(start + "1+1") == "'" + start + "1+1"


def test_inert_leaves_other_text_and_numbers_alone() -> None:
    for text in ("", "小店区人民医院", "1+1", " =1", "'=1", "１２３", "＝1"):
        assert inert(text) == text
    assert inert(-5) == -5 and isinstance(inert(-5), int)  # a negative number is not text
    assert inert(Decimal("-1.5")) == Decimal("-1.5")
    assert inert(None) is None


def _no_formulas(data: bytes) -> list[Any]:
    """Every text cell of every sheet, after checking that no cell is a formula."""
    wb = load_workbook(io.BytesIO(data))
    cells = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    cells.append(cell.value)
    return cells


# --------------------------------------------------------------------------- sample


def _hostile_roster(tmp_path: Path) -> Path:
    """The example roster with every unit name turned into a formula."""
    lines = ROSTER.read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        fields = line.split(",")
        fields[1] = '"' + HOSTILE.replace('"', '""') + fields[1] + '"'
        out.append(",".join(fields))
    path = tmp_path / "roster.csv"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _sample(*argv: str) -> int:
    return main(["sample", "--ruleset", "shanxi/2025", *argv])


def test_sample_csv_unit_names_are_inert(tmp_path: Path) -> None:
    target = tmp_path / "list.csv"
    assert (
        _sample("--roster", str(_hostile_roster(tmp_path)), "--seed", SEED, "-o", str(target)) == 0
    )
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    names = [r[4] for r in rows[1:]]
    assert names and all(n.startswith("'" + HOSTILE) for n in names)


def test_sample_xlsx_unit_names_and_seed_are_inert(tmp_path: Path) -> None:
    target = tmp_path / "list.xlsx"
    code = _sample(
        "--roster",
        str(_hostile_roster(tmp_path)),
        "--inspectors",
        str(INSPECTORS),
        "--seed",
        "=1+1",
        "-o",
        str(target),
    )
    assert code == 0
    data = target.read_bytes()
    cells = _no_formulas(data)
    assert not any(c.startswith(FORMULA_TRIGGERS) for c in cells)
    wb = load_workbook(io.BytesIO(data))
    names = [r[4] for r in wb["抽取名单"].iter_rows(min_row=2, values_only=True)]
    assert names and all(str(n).startswith("'" + HOSTILE) for n in names)
    info = dict(wb["说明"].iter_rows(min_row=2, values_only=True))
    assert info["种子"] == "'=1+1"


def test_sample_xlsx_has_no_clock_in_it(tmp_path: Path) -> None:
    """The same draw gives the same bytes: wb.save() stamped the current time in ``modified``."""
    target = tmp_path / "list.xlsx"
    assert _sample("--roster", str(ROSTER), "--seed", SEED, "-o", str(target)) == 0
    props = load_workbook(target).properties
    assert props.modified == props.created


# --------------------------------------------------------------------------- aggregate, report


def test_aggregate_with_units_csv_unit_ids_are_inert(tmp_path: Path) -> None:
    findings = tmp_path / "f.jsonl"
    recs = [
        {"unit_id": "=1+2", "domain": "medical", "category": "诊所", "violations": ["nurse"]},
        {"unit_id": "-3", "domain": "medical", "category": "诊所", "violations": ["nurse"]},
    ]
    findings.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    target = tmp_path / "r.csv"
    argv = ["aggregate", str(findings), "--ruleset", "shanxi/2025", "--with-units"]
    assert main([*argv, "--format", "csv", "-o", str(target)]) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    hit = next(r for r in rows if r["category"] == "clinic" and r["column"] == "nurse")
    assert hit["units"] == "'-3;=1+2" and hit["value"] == "2"  # one cell: its start matters
    total = next(r for r in rows if r["category"] == "total" and r["column"] == "nurse")
    assert total["units"] == "'-3;=1+2"


def _hostile_labels(result: AggregateResult) -> AggregateResult:
    """A result whose every text (title, labels, groups) starts with a formula trigger."""
    tables = []
    for n, t in enumerate(result.tables):
        start = FORMULA_TRIGGERS[n % len(FORMULA_TRIGGERS)]
        columns = [
            c.model_copy(
                update={"label": f"{start}{c.label}", "groups": [f"@{g}" for g in c.groups]}
            )
            for c in t.columns
        ]
        rows = [r.model_copy(update={"label": f"+{r.label}"}) for r in t.rows]
        tables.append(
            t.model_copy(update={"title": f"={t.title}", "columns": columns, "rows": rows})
        )
    return result.model_copy(update={"tables": tables})


_ONE = [{"unit_id": "U1", "domain": "medical", "category": "诊所", "violations": ["nurse"]}]


def test_report_csv_labels_are_inert(rs: Ruleset) -> None:
    base = aggregate(_ONE, rs)
    text = render_csv(_hostile_labels(base), bom=False)
    rows = list(csv.DictReader(io.StringIO(text)))
    for r in rows:
        for field in ("title", "row_label", "column_label", "groups"):
            assert not r[field].startswith(FORMULA_TRIGGERS), (field, r[field])
        assert r["title"].startswith("'=")
    assert any(r["value"] == "1" for r in rows)  # numbers are not prefixed


def test_report_xlsx_labels_are_inert(rs: Ruleset) -> None:
    base = aggregate(_ONE, rs)
    data = render_xlsx(_hostile_labels(base))
    cells = _no_formulas(data)
    assert not any(c.startswith(FORMULA_TRIGGERS) for c in cells)
    assert any(c.startswith("'=") for c in cells)
    ws = load_workbook(io.BytesIO(data))["医疗机构"]
    numbers = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, int)]
    assert 1 in numbers  # counts stay numbers


# --------------------------------------------------------------------------- atomic writes


def test_write_atomic_replaces_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    atomic.write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    target.chmod(0o640)
    atomic.write_atomic(target, b"newer")
    assert target.read_bytes() == b"newer"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temp left


def test_write_atomic_follows_a_link_and_writes_devices_directly(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_bytes(b"old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic.write_atomic(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    atomic.write_atomic(os.devnull, b"into the void")  # not renamed over


def test_crash_mid_write_leaves_the_old_file(tmp_path: Path, monkeypatch: Any) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"old")

    def half_then_full(fd: int, data: bytes) -> None:
        os.write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_write_all", half_then_full)
    with pytest.raises(UsageError) as exc:
        atomic.write_atomic(target, b"x" * 1000)
    assert "磁盘空间不足" in exc.value.message and "原有文件未改动" in exc.value.message
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]

    def crash(fd: int, data: bytes) -> None:
        os.write(fd, data[:10])
        raise RuntimeError("boom")

    monkeypatch.setattr(atomic, "_write_all", crash)
    with pytest.raises(RuntimeError):
        atomic.write_atomic(target, b"x" * 1000)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_cli_write_error_is_a_message_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "missing-folder" / "out.csv"
    code = _sample("--roster", str(ROSTER), "--seed", SEED, "-o", str(target))
    assert code == 2
    assert f"无法写入 {target}：所在目录不存在" in capsys.readouterr().err
    code = _sample("--roster", str(ROSTER), "--seed", SEED, "-o", str(tmp_path))
    assert code == 2
    assert "这是一个目录" in capsys.readouterr().err


def test_target_is_only_ever_replaced_by_a_rename(tmp_path: Path, monkeypatch: Any) -> None:
    """Nothing opens the target for writing: it changes only by os.replace of a whole file."""
    target = tmp_path / "list.xlsx"
    target.write_bytes(b"old")
    opened: list[str] = []
    real_open = os.open

    def spy(path: Any, flags: int, *args: Any, **kw: Any) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR):
            opened.append(os.fspath(path))
        return real_open(path, flags, *args, **kw)

    replaced: list[tuple[str, bytes]] = []
    real_replace = os.replace

    def spy_replace(src: Any, dst: Any) -> None:
        replaced.append((os.fspath(dst), Path(src).read_bytes()))
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "open", spy)
    monkeypatch.setattr(atomic.os, "replace", spy_replace)
    assert _sample("--roster", str(ROSTER), "--seed", SEED, "-o", str(target)) == 0
    assert str(target) not in opened and opened
    assert replaced == [(str(target), target.read_bytes())]


def _run_cli(
    argv: list[str], *, fsize: int | None = None, ignore_xfsz: bool = False, patch: str = ""
) -> subprocess.CompletedProcess[str]:
    """``spotcheck ARGV`` in a child process, optionally under ``ulimit -f`` (bytes) and with
    ``patch`` (Python) run first."""

    def limit() -> None:
        if ignore_xfsz:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    code = (
        f"{patch}\nimport sys\nfrom spotcheck_rules.cli.app import main\nsys.exit(main({argv!r}))"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("ignore_xfsz", [True, False], ids=["SIGXFSZ-ignored", "default"])
def test_file_size_limit_keeps_the_old_file(tmp_path: Path, ignore_xfsz: bool) -> None:
    """``ulimit -f``: EFBIG, exit 2 with the cause, the old file intact. Without SIGXFSZ
    ignored by the parent the CLI ignores it itself (the default action would kill it)."""
    target = tmp_path / "list.xlsx"
    target.write_bytes(b"old")
    argv = ["sample", "--ruleset", "shanxi/2025", "--roster", str(ROSTER)]
    proc = _run_cli([*argv, "--seed", SEED, "-o", str(target)], fsize=2048, ignore_xfsz=ignore_xfsz)
    assert proc.returncode == 2, proc.stderr
    assert "文件超过允许的最大大小" in proc.stderr and "EFBIG" in proc.stderr
    assert "原有文件未改动" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["list.xlsx"]


_DIE_IN_FSYNC = """
import os, signal
from spotcheck_rules.core import atomic
def die(fd):
    os.kill(os.getpid(), signal.{sig})
    signal.pause()
atomic.os.fsync = die
"""


def test_sigkill_mid_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_bytes(b"old")
    argv = ["sample", "--ruleset", "shanxi/2025", "--roster", str(ROSTER), "--seed", SEED]
    proc = _run_cli([*argv, "-o", str(target)], patch=_DIE_IN_FSYNC.format(sig="SIGKILL"))
    assert proc.returncode == -signal.SIGKILL
    assert target.read_bytes() == b"old"
    # SIGKILL cannot be caught: the temporary file may stay, hidden, never at the target
    assert all(p.name.startswith(".r.csv.") for p in tmp_path.iterdir() if p != target)


def test_sigterm_mid_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_bytes(b"old")
    argv = ["sample", "--ruleset", "shanxi/2025", "--roster", str(ROSTER), "--seed", SEED]
    proc = _run_cli([*argv, "-o", str(target)], patch=_DIE_IN_FSYNC.format(sig="SIGTERM"))
    assert proc.returncode == 128 + signal.SIGTERM, proc.stderr
    assert "Traceback" not in proc.stderr
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]


@pytest.mark.parametrize("command", ["aggregate", "merge"])
def test_the_output_extension_chooses_the_format(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `-o 汇总表.xlsx` without --format wrote the text table into a file named .xlsx.
    from openpyxl import load_workbook

    findings = str(ROOT / "examples" / "shanxi-2025-findings.jsonl")
    args = [findings, "--ruleset", "shanxi/2025"]
    if command == "merge":
        result = tmp_path / "r.json"
        assert main(["aggregate", *args, "-o", str(result)]) == 0
        assert json.loads(result.read_text(encoding="utf-8"))["tables"]
        args = [str(result)]
    out = tmp_path / "汇总表.xlsx"
    assert main([command, *args, "-o", str(out)]) == 0, capsys.readouterr().err
    assert load_workbook(out).sheetnames
    text = tmp_path / "t.txt"
    assert main([command, *args, "-o", str(text), "--format", "csv"]) == 0
    assert "," in text.read_text(encoding="utf-8").splitlines()[0]

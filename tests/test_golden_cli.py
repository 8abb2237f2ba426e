"""Golden outputs of every ``spotcheck`` command on the bundled examples (issue 11, item 5).

The behaviour these files freeze must survive any rebuilding of the package byte for byte.

Each case of ``tests/golden/cli/cases.yaml`` is one invocation, run in-process through
``spotcheck_rules.cli.app.main(argv)`` in a fresh temporary directory that holds a copy of
``examples/`` (and, when the case's ``setup`` asks, of ``rulesets/``), so every path an output
names is relative and the same on every machine. The case's golden file holds the exit code,
stdout, stderr and every file the invocation writes (``files:``), compared byte for byte; an
xlsx file is compared by its cell values and merged ranges (openpyxl's bytes are not ours to
freeze), and is also written twice, in two directories, and must be byte-identical. A case
whose output names the temporary directory lists ``normalise: [tmp]``: only that directory is
replaced by ``{TMP}``, and its ``why`` says so.

Regenerate after an intended change, then read the diff of tests/golden/cli/ before committing:

    python tests/test_golden_cli.py --update            # every case (extra args go to pytest)
    SPOTCHECK_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_cli.py -k validate
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from spotcheck_rules.cli.app import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "cli"
INDEX = GOLDEN / "cases.yaml"
UPDATE = os.environ.get("SPOTCHECK_UPDATE_GOLDEN", "").strip() not in ("", "0")

_CASE_KEYS = {"argv", "golden", "why", "setup", "files", "normalise"}
_STEP_KEYS = {"copy", "edit", "replace", "run", "write", "text"}


def _load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = YAML(typ="safe").load(INDEX.read_text(encoding="utf-8"))
    for case in cases:
        assert set(case) <= _CASE_KEYS, (case.get("golden"), set(case) - _CASE_KEYS)
        assert {"argv", "golden", "why"} <= set(case), case
        assert all(isinstance(a, str) for a in case["argv"]), case["golden"]
    return cases


CASES = _load_cases()

Capture = Callable[[], tuple[bytes, bytes]]


def _setup(step: dict[str, Any], cwd: Path, capture: Capture) -> None:
    assert set(step) <= _STEP_KEYS, step
    if "copy" in step:  # a directory of the repository, copied to the same relative place
        shutil.copytree(ROOT / step["copy"], cwd / step["copy"])
    elif "edit" in step:  # break a copied file: each old text must occur exactly once
        path = cwd / step["edit"]
        text = path.read_text(encoding="utf-8")
        for old, new in step["replace"]:
            assert text.count(old) == 1, (step["edit"], old, text.count(old))
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    elif "write" in step:
        (cwd / step["write"]).write_text(step["text"], encoding="utf-8")
    elif "run" in step:  # an earlier invocation whose output files this case reads
        code = main(step["run"])
        _, err = capture()
        assert code == 0, (step["run"], code, err.decode("utf-8", "replace"))
    else:
        raise AssertionError(f"unknown setup step {step}")


def _xlsx_cells(data: bytes) -> bytes:
    """Sheet names, merged ranges and every non-empty cell's value, one line each."""
    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(data))
    lines: list[str] = []
    for ws in wb.worksheets:
        lines.append(f"sheet {ws.title!r} {ws.dimensions}")
        merged = sorted(str(r) for r in ws.merged_cells.ranges)
        lines.append("merged " + " ".join(merged))
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    value = json.dumps(cell.value, ensure_ascii=False, default=str)
                    lines.append(f"{cell.coordinate} {value}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _normalise(data: bytes, case: dict[str, Any], cwd: Path) -> bytes:
    if "tmp" in case.get("normalise", ()):
        for form in sorted({str(cwd), str(cwd.resolve())}, key=len, reverse=True):
            data = data.replace(os.fsencode(form), b"{TMP}")
    return data


def _invoke(case: dict[str, Any], cwd: Path, capture: Capture) -> tuple[bytes, dict[str, bytes]]:
    """Run one case in ``cwd``: its golden text, and the raw bytes of the files it wrote."""
    shutil.copytree(ROOT / "examples", cwd / "examples")
    old = Path.cwd()
    os.chdir(cwd)
    try:
        for step in case.get("setup", ()):
            _setup(step, cwd, capture)
        capture()  # nothing from the set-up belongs to the case
        try:
            code = main(case["argv"])
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        out, err = capture()
    finally:
        os.chdir(old)
    blocks = [("stdout", _normalise(out, case, cwd)), ("stderr", _normalise(err, case, cwd))]
    written: dict[str, bytes] = {}
    for name in case.get("files", ()):
        data = (cwd / name).read_bytes()
        written[name] = data
        if name.endswith(".xlsx"):
            blocks.append((f"file {name}: cells and merged ranges", _xlsx_cells(data)))
        else:
            blocks.append((f"file {name}", _normalise(data, case, cwd)))
    text = [f"$ {shlex.join(['spotcheck', *case['argv']])}\n".encode(), f"exit {code}\n".encode()]
    for title, data in blocks:
        text.append(f"--- {title}: {len(data)} bytes\n".encode())
        text.append(data if not data or data.endswith(b"\n") else data + b"\n")
    return b"".join(text), written


@pytest.mark.parametrize("case", CASES, ids=[Path(c["golden"]).stem for c in CASES])
def test_golden(
    case: dict[str, Any], tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    def capture() -> tuple[bytes, bytes]:
        got = capsysbinary.readouterr()
        return got.out, got.err

    (tmp_path / "a").mkdir()
    got, written = _invoke(case, tmp_path / "a", capture)
    path = GOLDEN / case["golden"]
    if UPDATE:
        path.write_bytes(got)
    assert path.exists(), f"no golden file {path.name}: run with SPOTCHECK_UPDATE_GOLDEN=1"
    want = path.read_bytes()
    if got != want:
        # the texts, so that pytest shows a diff; surrogateescape keeps any byte visible
        assert got.decode("utf-8", "surrogateescape") == want.decode("utf-8", "surrogateescape")
    if any(name.endswith(".xlsx") for name in written):
        # a second run elsewhere writes the same bytes (no time stamps, no paths, no ordering luck)
        (tmp_path / "b").mkdir()
        again, rewritten = _invoke(case, tmp_path / "b", capture)
        assert again == got
        for name, data in written.items():
            assert rewritten[name] == data, f"{name} differs between two runs"


def test_index_and_golden_files_agree() -> None:
    names = [c["golden"] for c in CASES]
    assert len(names) == len(set(names)), "two cases share a golden file"
    on_disk = {p.name for p in GOLDEN.iterdir()} - {INDEX.name}
    assert on_disk == set(names), (
        f"golden files without a case: {sorted(on_disk - set(names))}; "
        f"cases without a golden file: {sorted(set(names) - on_disk)}"
    )
    for case in CASES:
        assert case["why"].strip() and "\n" not in case["why"].strip(), case["golden"]
        assert "tmp" not in case.get("normalise", ()) or "{TMP}" in case["why"], case["golden"]


def test_every_command_has_a_golden_case() -> None:
    from spotcheck_rules.cli.app import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    commands = set(sub.choices or ())
    assert commands == {c["argv"][0] for c in CASES}


if __name__ == "__main__":
    if "--update" in sys.argv:
        sys.argv.remove("--update")
        os.environ["SPOTCHECK_UPDATE_GOLDEN"] = "1"
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider", *sys.argv[1:]]))

"""The progress bar shared by validate, aggregate and merge (cli.commands._progress): drawn on
a terminal only, after its delay, erased at the end; silent in pipes and CI."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from spotcheck_rules.cli.app import main
from spotcheck_rules.cli.commands._progress import Progress

ROOT = Path(__file__).resolve().parent.parent
FINDINGS = str(ROOT / "examples" / "shanxi-2025-findings.jsonl")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_drawn_on_a_terminal_after_the_delay_and_erased() -> None:
    err, clock = _Tty(), _Clock()
    bar = Progress(err, "读取中", clock=clock)
    bar(10, 100)
    assert err.getvalue() == ""  # a quick command shows nothing
    clock.now = 1.5
    bar(50, 100)
    assert err.getvalue() == "\r读取中 |" + "█" * 15 + " " * 15 + "|  50.0%   1.5s"
    clock.now = 1.55
    bar(60, 100)  # less than a tenth of a second later: not redrawn
    assert err.getvalue().count("\r") == 1
    clock.now = 1.56
    bar(100, 100)  # but the end always is
    assert err.getvalue().endswith("| 100.0%   1.6s")
    bar.close()
    assert err.getvalue().endswith("\r\033[K")
    bar.close()  # erased once
    assert err.getvalue().count("\033[K") == 1


def test_silent_when_stderr_is_not_a_terminal() -> None:
    err, clock = io.StringIO(), _Clock()
    bar = Progress(err, clock=clock)
    clock.now = 10.0
    bar(1, 2)
    bar.close()
    assert err.getvalue() == ""


@pytest.mark.parametrize("command", ["validate", "aggregate", "merge"])
def test_every_long_command_uses_it(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """validate, aggregate and merge draw the same bar on a terminal, and nothing in a pipe."""
    result = tmp_path / "r.json"
    assert main(["aggregate", FINDINGS, "--ruleset", "shanxi/2025", "-o", str(result)]) == 0
    argv = {
        "validate": ["validate", FINDINGS, "--ruleset", "shanxi/2025"],
        "aggregate": ["aggregate", FINDINGS, "--ruleset", "shanxi/2025"],
        "merge": ["merge", str(result), str(result)],
    }[command]
    monkeypatch.setattr(Progress, "__init__", _no_delay(Progress.__init__))
    tty = _Tty()
    assert main(argv, stdout=io.StringIO(), stderr=tty) == 0
    assert "\r读取中 |" in tty.getvalue() and tty.getvalue().endswith("\r\033[K")
    pipe = io.StringIO()
    assert main(argv, stdout=io.StringIO(), stderr=pipe) == 0
    assert pipe.getvalue() == ""


def _no_delay(init):  # type: ignore[no-untyped-def]
    def wrapped(self, stderr, label="读取中", **kw):  # type: ignore[no-untyped-def]
        init(self, stderr, label, delay=0.0)

    return wrapped

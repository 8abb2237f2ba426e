"""The CLI as a thin shell: ``main(argv, stdout=, stderr=, stdin=)`` runs every command in-process,
writing only to the streams it is given (never to the process's sys.stdout / sys.stderr), and
exactly what the default streams would have received."""

from __future__ import annotations

import ast
import io
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from spotcheck_rules.cli.app import main

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples"
FINDINGS = str(EX / "shanxi-2025-findings.jsonl")
BROKEN = str(EX / "broken-findings.csv")
CENSUS = str(EX / "shanxi-2025-census.csv")
ROSTER = str(EX / "roster-shanxi-2025.csv")
INSPECTORS = str(EX / "inspectors-shanxi-2025.csv")
DRAW = ["sample", "--ruleset", "shanxi/2025", "--roster", ROSTER, "--seed", "2025-03-01"]


class _Out(io.TextIOWrapper):
    """A text stream over bytes, as sys.stdout is: binary output goes to ``.buffer``."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", newline="")

    def value(self) -> bytes:
        self.flush()
        buffer = self.buffer
        assert isinstance(buffer, io.BytesIO)
        return buffer.getvalue()


def _run(argv: Sequence[str]) -> tuple[int, bytes, str]:
    out, err = _Out(), io.StringIO()
    try:
        code = main(argv, stdout=out, stderr=err, stdin=io.StringIO())
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        code = exc.code if isinstance(exc.code, int) else -1
    return code, out.value(), err.getvalue()


def _run_default(
    argv: Sequence[str], capsysbinary: pytest.CaptureFixture[bytes]
) -> tuple[int, bytes, str]:
    try:
        code = main(argv)  # the process's streams, as they are now (capsys's)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else -1
    cap = capsysbinary.readouterr()
    return code, cap.out, cap.err.decode("utf-8")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A result file for merge and an audit record for --verify, made by the CLI itself."""
    d = tmp_path_factory.mktemp("cli-streams")
    result, audit = str(d / "result.json"), str(d / "audit.json")
    agg = ["aggregate", FINDINGS, "--ruleset", "shanxi/2025", "--format", "json", "-o", result]
    assert _run(agg)[0] == 0
    assert (
        _run([*DRAW, "--inspectors", INSPECTORS, "--audit", audit, "-o", str(d / "d.csv")])[0] == 0
    )
    (d / "bad.yaml").write_text("a: [\n", encoding="utf-8")
    return {"result": result, "audit": audit, "bad": str(d / "bad.yaml"), "dir": str(d)}


def _cases(f: dict[str, str]) -> dict[str, list[str]]:
    agg = ["aggregate", FINDINGS, "--ruleset", "shanxi/2025", "--census", CENSUS]
    return {
        "list": ["list"],
        "list-json": ["list", "--format", "json"],
        "show": ["show", "shanxi/2025"],
        "show-markdown": ["show", "national/2025", "--domain", "tcm", "--format", "markdown"],
        "show-json": ["show", "shanxi/2025", "--format", "json"],
        "show-unknown-domain": ["show", "shanxi/2025", "--domain", "nope"],
        "check": ["check", str(ROOT / "rulesets")],
        "check-json": ["check", str(ROOT / "rulesets"), "--format", "json"],
        "check-not-yaml": ["check", f["bad"]],
        "check-missing": ["check", f["dir"] + "/nope.yaml"],
        "schema": ["schema", "audit"],
        "validate": ["validate", BROKEN, "--ruleset", "shanxi/2025"],
        "validate-json": ["validate", FINDINGS, "--ruleset", "shanxi/2025", "--format", "json"],
        "validate-missing": ["validate", f["dir"] + "/nope.jsonl", "--ruleset", "shanxi/2025"],
        "aggregate-table": agg,
        "aggregate-csv": [*agg, "--format", "csv", "--with-units"],
        "aggregate-xlsx": [*agg, "--format", "xlsx"],
        "aggregate-broken": ["aggregate", BROKEN, "--ruleset", "shanxi/2025"],
        "aggregate-skip": ["aggregate", BROKEN, "--ruleset", "shanxi/2025", "--skip-invalid"],
        "merge": ["merge", f["result"], f["result"], "--format", "table"],
        "merge-not-a-result": ["merge", FINDINGS],
        "diff": ["diff", "national/2024", "national/2025"],
        "diff-fail-on": ["diff", "national/2025", "shanxi/2025", "--fail-on", "breaking"],
        "diff-json": ["diff", "national/2025#medical", "shanxi/2025#medical", "--format", "json"],
        "sample": [*DRAW, "--inspectors", INSPECTORS],
        "sample-xlsx": [*DRAW, "--format", "xlsx"],
        "sample-no-seed": DRAW[:-2],
        "verify": [
            "sample",
            "--verify",
            f["audit"],
            "--roster",
            ROSTER,
            "--inspectors",
            INSPECTORS,
        ],
        "usage-no-command": [],
        "usage-unknown-command": ["frobnicate"],
        "usage-bad-choice": ["diff", "a", "b", "--format", "xml"],
        "usage-missing-argument": ["diff", "national/2025"],
        "help": ["--help"],
        "help-subcommand": ["aggregate", "--help"],
        "version": ["--version"],
    }


_NAMES = list(_cases({"result": "", "audit": "", "bad": "", "dir": ""}))


@pytest.mark.parametrize("name", _NAMES)
def test_command_writes_only_to_its_streams(
    name: str, files: dict[str, str], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    argv = _cases(files)[name]
    capsysbinary.readouterr()
    code, out, err = _run(argv)
    cap = capsysbinary.readouterr()
    assert (cap.out, cap.err) == (b"", b""), "written to sys.stdout / sys.stderr"
    assert out or err  # every case says something
    assert "Traceback" not in err
    # and it is exactly what sys.stdout / sys.stderr receive when no streams are given
    assert (code, out, err) == _run_default(argv, capsysbinary)


def test_binary_output_needs_a_byte_stream() -> None:
    argv = ["aggregate", FINDINGS, "--ruleset", "shanxi/2025", "--format", "xlsx"]
    out, err = io.StringIO(), io.StringIO()  # a text stream without .buffer
    assert main(argv, stdout=out, stderr=err) == 2
    assert out.getvalue() == ""
    assert err.getvalue() == "spotcheck: 二进制输出（xlsx）请用 -o 指定文件\n"
    code, data, _ = _run(argv)
    assert code == 0 and data.startswith(b"PK\x03\x04")  # a zip: the workbook, via .buffer


def test_a_terminal_gets_no_binary_output() -> None:
    class _Tty(_Out):
        def isatty(self) -> bool:
            return True

    err = io.StringIO()
    assert main([*DRAW, "--format", "xlsx"], stdout=_Tty(), stderr=err) == 2
    assert err.getvalue() == "spotcheck: 二进制输出（xlsx）请用 -o 指定文件\n"


def test_usage_errors_go_to_the_given_stderr() -> None:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exc:
        main(["show"], stdout=out, stderr=err)
    assert exc.value.code == 2 and out.getvalue() == ""
    assert err.getvalue().startswith("usage: spotcheck show ")
    assert err.getvalue().endswith(
        "spotcheck: 用法错误：the following arguments are required: PLAN\n"
    )
    with pytest.raises(SystemExit) as exc:
        main(["--version"], stdout=out, stderr=err)
    assert exc.value.code == 0 and out.getvalue().startswith("spotcheck ")


def test_concurrent_runs_keep_their_outputs_apart(files: dict[str, str]) -> None:
    cases = _cases(files)
    names = ["diff", "aggregate-table", "validate", "sample", "merge", "help-subcommand"]
    alone = {n: _run(cases[n]) for n in names}
    assert all(out for _, out, _ in alone.values())
    assert len({out for _, out, _ in alone.values()}) == len(names)
    got: dict[tuple[str, int], tuple[int, bytes, str]] = {}
    start = threading.Barrier(len(names))

    def work(n: str) -> None:
        start.wait()
        for i in range(3):
            got[n, i] = _run(cases[n])

    threads = [threading.Thread(target=work, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == sorted((n, i) for n in names for i in range(3))
    for (n, _), result in got.items():
        assert result == alone[n], n


def _writes_to_process_streams(tree: ast.AST) -> list[int]:
    """Lines that name sys.stdout / sys.stderr or call print(), outside ``__main__`` blocks."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "__main__" in ast.unparse(node.test):
            skip |= {id(n) for n in ast.walk(node)}
    lines = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        std = (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "sys"
            and node.attr in ("stdout", "stderr", "stdin")
        )
        printed = (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "print"
        )
        if std or printed:
            lines.append(node.lineno)
    return lines


def test_only_the_entry_point_touches_the_process_streams() -> None:
    package = ROOT / "spotcheck_rules"
    found = {}
    for path in sorted(package.rglob("*.py")):
        lines = _writes_to_process_streams(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            found[str(path.relative_to(package))] = lines
    # cli/app.py alone: the default streams (looked up when main is called), argparse's own
    # sys.stdout / sys.stderr mapped to the given streams, and the script's entry point
    # flushing them before the process ends (run).
    assert list(found) == ["cli/app.py"], found
    source = (package / "cli" / "app.py").read_text(encoding="utf-8").splitlines()
    allowed = ("_print_message", "_default_streams", "run")
    tree = ast.parse("\n".join(source))
    funcs = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name in allowed]
    inside = {ln for f in funcs for ln in range(f.lineno, (f.end_lineno or f.lineno) + 1)}
    assert set(found["cli/app.py"]) <= inside, found["cli/app.py"]


def test_generated_files_report_stale_ones_on_the_given_stderr(tmp_path: Path) -> None:
    from spotcheck_rules.core.generated import generated_main

    def files() -> dict[str, str]:
        return {"a.md": "甲\n"}

    err = io.StringIO()
    assert generated_main("prog", files, ["--check", str(tmp_path)], stderr=err) == 1
    assert err.getvalue() == f"stale: {tmp_path / 'a.md'}\n"
    assert generated_main("prog", files, ["--write", str(tmp_path)], stderr=err) == 0
    assert generated_main("prog", files, ["--check", str(tmp_path)], stderr=err) == 0
    assert err.getvalue().count("stale") == 1


def test_python_m_runs_the_command(tmp_path: Path) -> None:
    # The package move made spotcheck_rules.cli a package without __main__: `python -m
    # spotcheck_rules.cli` (what the benchmarks and a machine without the script use) failed.
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "spotcheck_rules.cli", "list", "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "shanxi/2025" in done.stdout


def test_groups_name_what_each_module_registers() -> None:
    """GROUPS decides which module a run loads: it must list exactly the subcommands each
    module adds (a command missing from it would still run, through the full parser, but a
    wrong entry would load the wrong module and fail to parse)."""
    import argparse

    from spotcheck_rules.cli.commands import GROUPS, command_modules

    for group, commands in GROUPS.items():
        (module,) = command_modules(commands[0])
        assert module.__name__.rsplit(".", 1)[1] == group
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers(dest="command")
        module.register(sub)
        assert tuple(sub.choices) == commands, group
    assert [m.__name__.rsplit(".", 1)[1] for m in command_modules()] == list(GROUPS)
    assert len(command_modules("no-such-command")) == len(GROUPS)


def test_a_run_loads_only_its_commands_module(tmp_path: Path) -> None:
    """``spotcheck aggregate`` does not import what diff and sample need (their modules cost
    a tenth of a second at every start); ``--help`` still lists every command."""
    import subprocess
    import sys

    src = tmp_path / "f.jsonl"
    src.write_text(
        '{"unit_id":"U1","domain":"medical","category":"hospital","ownership":"public"}\n',
        encoding="utf-8",
    )
    probe = (
        "import sys\n"
        "from spotcheck_rules.cli.app import main\n"
        "code = main(sys.argv[1:])\n"
        "loaded = [m for m in sys.modules if m.startswith(('spotcheck_rules.diff',"
        " 'spotcheck_rules.draws', 'spotcheck_rules.cli.commands.'))]\n"
        "print(sorted(loaded))\n"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            probe,
            "aggregate",
            str(src),
            "--ruleset",
            "shanxi/2025",
            "--format",
            "json",
            "-o",
            str(tmp_path / "o.json"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "spotcheck_rules.cli.commands.findings" in out
    assert "spotcheck_rules.diff" not in out and "spotcheck_rules.draws" not in out, out
    assert "commands.sample" not in out and "commands.diff" not in out, out
    helped = io.StringIO()
    with pytest.raises(SystemExit):
        main(["--help"], stdout=helped, stderr=io.StringIO())
    for commands in ("diff", "sample", "aggregate", "codes", "template"):
        assert commands in helped.getvalue()


@pytest.mark.parametrize(
    "argv",
    [
        # problems with Chinese messages and a file name in every record
        ["validate", BROKEN, "--ruleset", "shanxi/2025", "--format", "json"],
        ["aggregate", FINDINGS, "--ruleset", "shanxi/2025", "--format", "json"],
    ],
    ids=["validate", "aggregate"],
)
def test_json_to_a_file_is_the_bytes_printed(argv: list[str], tmp_path: Path) -> None:
    # -o writes the serializer's bytes (write_json), stdout the str of model_dump_json: the
    # same document either way, newline and all
    out = tmp_path / "out.json"
    code, printed, _ = _run(argv)
    assert _run([*argv, "-o", str(out)])[0] == code
    written = out.read_bytes()
    assert written == printed
    assert written.endswith(b"}\n")
    assert "汇总表".encode() in written or "：".encode() in written  # raw UTF-8, not \\u escapes


def test_the_script_ends_without_teardown_and_loses_nothing(tmp_path: Path) -> None:
    """``python -m spotcheck_rules.cli`` (as the ``spotcheck`` script) ends with ``os._exit``
    after :func:`main`: its exit code, everything it printed to a pipe and the file it wrote
    are all there, as with a normal exit."""
    import subprocess
    import sys

    out = tmp_path / "table.json"
    args = ["aggregate", FINDINGS, "--ruleset", "shanxi/2025", "--format", "json"]
    got = subprocess.run(
        [sys.executable, "-m", "spotcheck_rules.cli", *args, "-o", str(out)],
        capture_output=True,
        check=False,
    )
    printed = subprocess.run(
        [sys.executable, "-m", "spotcheck_rules.cli", *args], capture_output=True, check=False
    )
    assert (got.returncode, printed.returncode) == (0, 0)
    assert out.read_bytes() == printed.stdout and printed.stdout.endswith(b"}\n")
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "spotcheck_rules.cli",
            "validate",
            str(tmp_path / "none.jsonl"),
            "--ruleset",
            "shanxi/2025",
        ],
        capture_output=True,
        check=False,
    )
    assert bad.returncode == 2 and "找不到" in bad.stderr.decode()

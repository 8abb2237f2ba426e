"""Hostile input (issue 10): nesting, sizes and flat-file shapes become located errors.

Each test here failed before the fix it guards: a segfault, a traceback, or a silent loss.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from spotcheck_rules import load_ruleset
from spotcheck_rules._yaml import read_yaml
from spotcheck_rules.audit import read_audit
from spotcheck_rules.cli import main
from spotcheck_rules.errors import RulesetError, SpotcheckError
from spotcheck_rules.findings import FindingsReadError, read_records
from spotcheck_rules.roster import RosterError, read_inspectors
from spotcheck_rules.tables import AggregateResult
from spotcheck_rules.validation import validate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def shanxi():  # type: ignore[no-untyped-def]
    return load_ruleset("shanxi/2025")


def _deep_json(n: int) -> str:
    return "[" * n + "]" * n


# --------------------------------------------------------------------------- YAML


def test_yaml_nested_50000_deep_is_refused_without_crashing(tmp_path: Path) -> None:
    # Before: ruamel's C composer recursed and the process died of SIGSEGV. A subprocess, so
    # that a regression fails this test instead of killing the test run.
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 50_000 + "]" * 50_000)
    code = (
        "import sys\n"
        "from spotcheck_rules._yaml import read_yaml\n"
        "from spotcheck_rules.errors import RulesetError\n"
        "try:\n"
        f"    read_yaml({str(path)!r})\n"
        "except RulesetError as exc:\n"
        "    print(exc.problems[0].code, exc.problems[0].line, exc.problems[0].column)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["Y003", "1", "65"]


@pytest.mark.parametrize(
    "text",
    [
        "- " * 5000 + "x\n",  # block sequences on one line
        "{a: " * 5000 + "1" + "}" * 5000,  # flow mappings
        "".join("  " * i + "k:\n" for i in range(500)) + "  " * 500 + "v\n",  # block maps
    ],
    ids=["block-seq", "flow-map", "block-map"],
)
def test_yaml_depth_is_checked_before_composing(text: str) -> None:
    with pytest.raises(RulesetError) as err:
        read_yaml("deep.yaml", text=text)
    (problem,) = err.value.problems
    assert problem.code == "Y003" and "SPOTCHECK_MAX_DEPTH" in problem.message
    assert problem.line is not None


def test_yaml_depth_limit_can_be_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "[" * 70 + "]" * 70
    with pytest.raises(RulesetError):
        read_yaml("x.yaml", text=text)
    monkeypatch.setenv("SPOTCHECK_MAX_DEPTH", "100")
    assert read_yaml("x.yaml", text=text).data is not None
    monkeypatch.setenv("SPOTCHECK_MAX_DEPTH", "lots")
    with pytest.raises(SpotcheckError, match="SPOTCHECK_MAX_DEPTH"):
        read_yaml("x.yaml", text=text)


def test_yaml_integer_over_4300_digits_is_a_located_error() -> None:
    text = "a: 1\nb:\n  cases: " + "9" * 5000 + "\n"
    with pytest.raises(RulesetError) as err:
        read_yaml("big.yaml", text=text)
    (problem,) = err.value.problems
    assert (problem.code, problem.line, problem.column) == ("Y002", 3, 10)
    assert "整数位数过多" in problem.message


def test_yaml_impossible_date_is_a_located_error() -> None:
    with pytest.raises(RulesetError) as err:
        read_yaml("d.yaml", text="ok: 1\ninspected_on: 2025-13-45\n")
    (problem,) = err.value.problems
    assert (problem.code, problem.line, problem.column) == ("Y002", 2, 15)


def test_yaml_findings_with_a_huge_integer(tmp_path: Path, shanxi) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "f.yaml"
    path.write_text(
        "- unit_id: a\n  domain: medical\n  category: 诊所\n  penalty:\n    cases: 1"
        + "0" * 5000
        + "\n"
    )
    with pytest.raises(FindingsReadError) as err:
        list(read_records(path))
    assert err.value.problems[0].line == 5


# --------------------------------------------------------------------------- JSON


def test_findings_json_nested_100000_deep(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(_deep_json(100_000))
    with pytest.raises(FindingsReadError, match="SPOTCHECK_MAX_DEPTH"):
        list(read_records(path))


def test_findings_json_nested_deeper_than_the_limit_but_decodable(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" + _deep_json(100) + "]")  # msgspec decodes it; our limit refuses it
    with pytest.raises(FindingsReadError, match="嵌套层数"):
        list(read_records(path))


def test_jsonl_line_nested_100000_deep_is_one_rejected_record(tmp_path: Path, shanxi) -> None:  # type: ignore[no-untyped-def]
    good = (EXAMPLES / "shanxi-2025-findings.jsonl").read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "deep.jsonl"
    path.write_text(
        good
        + "\n"
        + '{"unit_id": '
        + _deep_json(100_000)
        + "}\n"
        + good.replace("01W", "01X")
        + "\n",
        encoding="utf-8",
    )
    report = validate(path, shanxi)
    assert (report.records_read, report.accepted, report.rejected) == (3, 2, 1)
    (problem,) = [p for p in report.problems if p.code == "F001"]
    assert problem.line == 2 and "嵌套层数" in problem.message


def test_audit_nested_100000_deep(tmp_path: Path) -> None:
    path = tmp_path / "audit.json"
    path.write_text('{"format": ' + _deep_json(100_000) + "}")
    with pytest.raises(SpotcheckError, match="嵌套层数"):
        read_audit(path)


def test_audit_not_json_is_located(tmp_path: Path) -> None:
    path = tmp_path / "audit.json"
    path.write_text('{\n  "format": x\n}')
    with pytest.raises(SpotcheckError) as err:
        read_audit(path)
    assert err.value.problems[0].line == 2


def test_roster_json_nested_100000_deep(tmp_path: Path) -> None:
    path = tmp_path / "inspectors.json"
    path.write_text(_deep_json(100_000))
    with pytest.raises(RosterError, match="嵌套层数"):
        read_inspectors(path)


def test_merge_input_nested_100000_deep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"tables": ' + _deep_json(100_000) + "}")
    with pytest.raises(SpotcheckError, match="嵌套层数"):
        AggregateResult.from_json(path.read_bytes())
    assert main(["merge", str(path)]) == 2
    assert "嵌套层数" in capsys.readouterr().err


def test_json_helper_gives_the_line_of_a_syntax_error() -> None:
    from spotcheck_rules._limits import load_json

    with pytest.raises(SpotcheckError) as err:
        load_json(b"[\n1,\n2,,\n]", "x.json", SpotcheckError)
    assert err.value.problems[0].line == 3
    assert load_json(json.dumps({"a": [1, {"b": None}]}), "x", SpotcheckError) == {
        "a": [1, {"b": None}]
    }

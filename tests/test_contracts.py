"""The published JSON contracts are the models.

* every schema in schemas/ is a model's ``model_json_schema()`` (output contracts: exactly, in
  serialization mode; input contracts: with the title and ids the file adds);
* real ``model_dump_json()`` outputs validate against the published schemas, and they are what
  the CLI prints;
* problems, outcomes, reports, results and ruleset info are frozen, and every report has the
  same shape (``problems``, ``errors``, ``warnings``, ``ok``, ``summary_line``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel, ValidationError

from spotcheck_rules import list_rulesets, load_ruleset
from spotcheck_rules.cli.app import main
from spotcheck_rules.core.checkreport import CheckReport
from spotcheck_rules.core.errors import (
    SCHEMA_BASE_ID,
    SCHEMA_DIALECT,
    Problem,
    ProblemBase,
    Report,
    Severity,
    known_record,
)
from spotcheck_rules.diff.engine import ChangeLevel, Diff, diff_rulesets
from spotcheck_rules.draws.audit import Audit
from spotcheck_rules.findings.models import CensusEntry, Finding
from spotcheck_rules.findings.validation import RecordOutcome, ValidationReport, validate
from spotcheck_rules.ruleset.domains import DomainFile
from spotcheck_rules.ruleset.loader import RulesetInfo, check_files
from spotcheck_rules.ruleset.model import (
    Checklist,
    ColumnKind,
    JurisdictionLevel,
    Plan,
    SourceRegistry,
)
from spotcheck_rules.ruleset.spec import Spec
from spotcheck_rules.schemas.catalogue import SCHEMA_NAMES
from spotcheck_rules.tables.aggregation import aggregate
from spotcheck_rules.tables.result import AggregateResult, TableColumn, TableRow

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FINDINGS = EXAMPLES / "shanxi-2025-findings.jsonl"
CENSUS = EXAMPLES / "shanxi-2025-census.csv"
BROKEN = EXAMPLES / "broken-findings.csv"

# What we write: the file is the model's serialization schema, byte for byte once rendered.
OUTPUTS: dict[str, type[BaseModel]] = {
    "result": AggregateResult,
    "validation": ValidationReport,
    "check": CheckReport,
    "diff": Diff,
}
# What we read (and the audit record, validated when read back): the model's validation schema;
# the file adds $schema, $id and its title.
INPUTS: dict[str, type[BaseModel]] = {
    "plan": Plan,
    "checklist": Checklist,
    "sources": SourceRegistry,
    "spec": Spec,
    "domains": DomainFile,
    "findings": Finding,
    "audit": Audit,
}


def _published(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
    )
    return data


def _errors(name: str, instance: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(_published(name))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


# --------------------------------------------------------------------------- schema equality


def test_every_contract_is_compared() -> None:
    assert set(SCHEMA_NAMES) == set(OUTPUTS) | set(INPUTS) | {"census"}


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_output_schema_is_the_models_schema(name: str) -> None:
    assert OUTPUTS[name].model_json_schema(mode="serialization") == _published(name)


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_input_schema_is_the_models_schema(name: str) -> None:
    published = _published(name)
    assert published["$schema"] == SCHEMA_DIALECT
    assert published["$id"] == f"{SCHEMA_BASE_ID}{name}.schema.json"
    own = {k: v for k, v in published.items() if k not in ("$schema", "$id", "title")}
    model = INPUTS[name].model_json_schema()
    model.pop("title", None)
    assert own == model


def test_census_schema_is_a_list_of_the_model() -> None:
    published = _published("census")
    assert published["type"] == "array"
    assert published["items"] == CensusEntry.model_json_schema()


# --------------------------------------------------------------------------- real outputs


@pytest.fixture(scope="module")
def result() -> AggregateResult:
    return aggregate(str(FINDINGS), load_ruleset("shanxi/2025"), census=str(CENSUS))


@pytest.fixture(scope="module")
def report() -> ValidationReport:
    return validate(str(BROKEN), load_ruleset("shanxi/2025"), record_outcomes=True)


@pytest.fixture(scope="module")
def diff() -> Diff:
    return diff_rulesets("national/2024", "national/2025")


@pytest.fixture(scope="module")
def check(tmp_path_factory: pytest.TempPathFactory) -> CheckReport:
    bad = tmp_path_factory.mktemp("check") / "plan.yaml"
    bad.write_text("kind: plan\nid: Bad Id\nyear: 20\n", encoding="utf-8")
    return CheckReport(tuple(check_files([bad])))


def test_aggregate_output_follows_the_published_schema(result: AggregateResult) -> None:
    # before: 36 errors (units: null on every row, money as "4.600000")
    assert _errors("result", json.loads(result.model_dump_json())) == []
    assert result.tables
    assert '"units"' not in result.model_dump_json()  # only with --with-units, never null
    partial = aggregate(str(BROKEN), load_ruleset("shanxi/2025"), skip_invalid=True)
    assert partial.issues  # the problems of the input, as Problem records
    assert _errors("result", json.loads(partial.model_dump_json())) == []


def test_aggregate_with_units_follows_the_published_schema() -> None:
    rs = load_ruleset("shanxi/2025")
    result = aggregate(str(FINDINGS), rs, census=str(CENSUS), with_units=True)
    assert _errors("result", json.loads(result.model_dump_json())) == []
    assert all(row.units is not None for t in result.tables for row in t.rows)


def test_the_schema_rejects_what_the_old_dump_wrote(result: AggregateResult) -> None:
    # the checks above can fail: null units and money with trailing zeros are refused
    data = json.loads(result.model_dump_json())
    row = data["tables"][0]["rows"][0]
    row["units"] = None
    money = next(c["id"] for c in data["tables"][0]["columns"] if c["kind"] == "fines")
    row["values"][money] = "4.600000"
    assert len(_errors("result", data)) == 2


def test_validation_report_follows_the_published_schema(report: ValidationReport) -> None:
    assert report.problems and report.outcomes
    assert _errors("validation", json.loads(report.model_dump_json())) == []


def test_diff_follows_the_published_schema(diff: Diff) -> None:
    assert diff.changes
    assert _errors("diff", json.loads(diff.model_dump_json())) == []


def test_check_report_follows_the_published_schema(check: CheckReport) -> None:
    assert check.problems and not check.ok
    assert _errors("check", json.loads(check.model_dump_json())) == []


def test_the_cli_prints_model_dump_json(
    capsys: pytest.CaptureFixture[str], result: AggregateResult, report: ValidationReport
) -> None:
    argv = ["--ruleset", "shanxi/2025"]
    cmd = ["aggregate", str(FINDINGS), *argv, "--census", str(CENSUS), "--format", "json"]
    assert main(cmd) == 0
    assert capsys.readouterr().out == result.model_dump_json(indent=2) + "\n"
    assert main(["validate", str(BROKEN), *argv, "--format", "json"]) == 1
    plain = validate(str(BROKEN), load_ruleset("shanxi/2025"))
    assert capsys.readouterr().out == plain.model_dump_json(indent=2) + "\n"
    assert main(["diff", "national/2024", "national/2025", "--format", "json"]) == 0
    assert (
        capsys.readouterr().out
        == diff_rulesets("national/2024", "national/2025").model_dump_json(indent=2) + "\n"
    )


def test_aggregate_json_keys_are_sorted(result: AggregateResult) -> None:
    def walk(value: Any) -> None:
        if isinstance(value, dict):
            assert list(value) == sorted(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(json.loads(result.model_dump_json()))


# --------------------------------------------------------------------------- round trips


def test_outputs_read_back_equal(
    result: AggregateResult, report: ValidationReport, diff: Diff, check: CheckReport
) -> None:
    assert AggregateResult.model_validate_json(result.model_dump_json()) == result
    assert ValidationReport.model_validate_json(report.model_dump_json()) == report
    assert Diff.model_validate_json(diff.model_dump_json()) == diff
    assert CheckReport.model_validate_json(check.model_dump_json()) == check


def test_cells_follow_their_column_kind(result: AggregateResult) -> None:
    data = json.loads(result.model_dump_json())
    ti, table = next(
        (i, t)
        for i, t in enumerate(data["tables"])
        if any(c["kind"] == "fines" for c in t["columns"])
    )
    money = next(c["id"] for c in table["columns"] if c["kind"] == "fines")
    count = next(c["id"] for c in table["columns"] if c["kind"] == "cases")
    table["rows"][0]["values"][money] = 3  # an integer amount is still exact
    again = AggregateResult.model_validate(data)
    assert again.tables[ti].rows[0].values[money] == Decimal(3)
    assert isinstance(again.tables[ti].rows[0].values[money], Decimal)
    table["rows"][0]["values"][money] = 4.6  # a float has lost the exact amount
    with pytest.raises(ValidationError):
        AggregateResult.model_validate(data)
    table["rows"][0]["values"][money] = "4.6"
    table["rows"][0]["values"][count] = "3"  # a count is an integer, not a string
    with pytest.raises(ValidationError):
        AggregateResult.model_validate(data)


# --------------------------------------------------------------------------- the models


def test_problem_keeps_positional_construction() -> None:
    p = Problem("U104", "名单中没有可抽取的单位", severity=Severity.WARNING, file="r.csv")
    assert p == Problem(
        code="U104", message="名单中没有可抽取的单位", severity="warning", file="r.csv"
    )
    assert p.format() == "r.csv: warning U104 名单中没有可抽取的单位"
    assert p.location() == "r.csv" and p.sort_key() == ("r.csv", 0, 0, "", "U104")
    assert hash(p) == hash(
        Problem("U104", "名单中没有可抽取的单位", severity="warning", file="r.csv")
    )
    fast = Problem.known("F012", "未知", Severity.ERROR, "a.csv", 3, "", "category", ("x",))
    slow = Problem("F012", "未知", file="a.csv", line=3, field="category", suggestions=["x"])
    assert fast == slow and fast.model_dump_json() == slow.model_dump_json()
    with pytest.raises(ValidationError):
        Problem("not a code", "x")
    with pytest.raises(ValidationError):
        Problem("F001", "x", line=0)  # lines are 1-based


def test_known_record_equals_a_validated_one() -> None:
    values: dict[str, Any] = {
        "file": "a.csv",
        "line": 2,
        "seq": 0,
        "unit_id": "u1",
        "domain": "medical",
        "accepted": True,
        "duplicate": False,
        "problems": (),
    }
    assert list(values) == list(RecordOutcome.model_fields)  # every field, in order
    fast = known_record(RecordOutcome, **values)
    assert fast == RecordOutcome(**values)
    assert fast.model_copy(update={"seq": 5}).seq == 5 and fast.seq == 0


def _frozen_instances(
    result: AggregateResult, report: ValidationReport, diff: Diff, check: CheckReport
) -> list[tuple[BaseModel, str]]:
    return [
        (report.problems[0], "code"),
        (report.outcomes[0], "accepted"),
        (report, "problems"),
        (report.input, "accepted"),
        (result, "issues"),
        (result.tables[0], "rows"),
        (result.tables[0].rows[0], "values"),
        (result.tables[0].columns[0], "kind"),
        (result.input, "skipped"),
        (list_rulesets()[0], "id"),
        (diff, "changes"),
        (diff.changes[0], "level"),
        (check, "root"),
    ]


def test_models_are_frozen(
    result: AggregateResult, report: ValidationReport, diff: Diff, check: CheckReport
) -> None:
    for model, name in _frozen_instances(result, report, diff, check):
        with pytest.raises(ValidationError, match="frozen"):
            setattr(model, name, getattr(model, name))
    assert isinstance(report.problems, tuple) and isinstance(result.issues, tuple)


def test_closed_values_are_enums(result: AggregateResult) -> None:
    assert all(isinstance(c.kind, ColumnKind) for t in result.tables for c in t.columns)
    assert all(isinstance(p.severity, Severity) for p in result.issues)
    assert TableColumn(id="x", label="X", kind="fines").is_money
    with pytest.raises(ValidationError):
        TableColumn(id="x", label="X", kind="money")
    info = list_rulesets()[0]
    assert isinstance(info, RulesetInfo) and isinstance(info.level, JurisdictionLevel)
    assert "path" not in json.loads(info.model_dump_json())


def test_every_report_has_one_shape(
    result: AggregateResult, report: ValidationReport, diff: Diff, check: CheckReport
) -> None:
    for r in (result, report, diff, check):
        assert isinstance(r, Report)
        assert all(isinstance(p, ProblemBase) for p in r.problems)
        problems = [p.to_problem() for p in r.problems]
        assert r.errors == [p for p in problems if p.severity is Severity.ERROR]
        assert r.warnings == [p for p in problems if p.severity is Severity.WARNING]
        assert r.ok == (not r.errors)
        assert isinstance(r.summary_line(), str) and r.summary_line()
    assert result.problems == result.issues
    assert report.summary() == report.summary_line()  # the old name still works
    rows = len(BROKEN.read_text(encoding="utf-8").splitlines()) - 1  # less the header
    assert report.ruleset_id == "shanxi/2025" and report.records_read == rows
    assert report.records_read == report.accepted + report.rejected
    assert not report.ok and result.ok and not check.ok


def test_a_change_is_a_problem(diff: Diff) -> None:
    breaking = next(c for c in diff.changes if c.level is ChangeLevel.BREAKING)
    p = breaking.to_problem()
    assert isinstance(breaking, ProblemBase)
    assert (p.code, p.severity, p.message) == (breaking.rule, Severity.ERROR, breaking.message)
    assert p.pointer == (breaking.new_pointer or breaking.old_pointer)
    assert breaking.format().startswith(f"{breaking.location()}: error {breaking.rule} ")
    acked = breaking.model_copy(update={"acknowledged": True})
    assert acked.severity is Severity.INFO
    assert not diff.ok  # national 2024 → 2025 has unacknowledged breaking changes
    levels = {ChangeLevel.DANGEROUS: Severity.WARNING, ChangeLevel.INFO: Severity.INFO}
    for c in diff.changes:
        if c.level in levels:
            assert c.severity is levels[c.level]


def test_table_row_units_are_sorted() -> None:
    row = TableRow(category="total", label="合计", values={"x": 2}, units={"x": ["b", "a"]})
    assert row.units == {"x": ["a", "b"]}
    assert json.loads(row.model_dump_json())["units"] == {"x": ["a", "b"]}
    assert "units" not in json.loads(TableRow(category="a", label="A", values={}).model_dump_json())

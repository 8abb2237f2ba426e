"""The embedding API as an integrator sees it: names, imports, threads, in-memory input."""

from __future__ import annotations

import io
import json
import os
import pkgutil
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import spotcheck_rules
from spotcheck_rules import (
    FindingsReadError,
    Ruleset,
    SpotcheckError,
    UnknownRulesetError,
    UsageError,
    Validator,
    aggregate,
    describe,
    load_ruleset,
    load_ruleset_file,
    schema,
    validate,
    validate_one,
)
from spotcheck_rules.ruleset.model import FrozenDict
from spotcheck_rules.ruleset.registry import bundled_root, schemas_root

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "shanxi-2025-findings.jsonl"


@pytest.fixture(autouse=True)
def _fast_thread_switches() -> Iterator[None]:
    # switch threads every microsecond: shared state that is not safe shows up at once
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


def _records() -> list[dict[str, Any]]:
    """Valid records of the example and, interleaved, invalid variants of them."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    good = [json.loads(line) for line in lines[:60]]
    bad = []
    for i, rec in enumerate(good):
        rec = dict(rec)
        kind = i % 7
        if kind == 0:
            rec["category"] = "不存在的类别"
        elif kind == 1:
            rec["violations"] = ["没有这个违法行为"]
        elif kind == 2:
            rec["penalty"] = {"cases": 1, "fine_yuan": "-5"}
        elif kind == 3:
            rec["ownership"] = "集体"
        elif kind == 4:
            rec["domain"] = "血液"
        elif kind == 5:
            rec["inspected_on"] = "2019-01-01"
        else:
            rec["category"] = "医疗机构"  # not a row at all
        bad.append(rec)
    return [rec for pair in zip(good, bad, strict=True) for rec in pair]


def _key(outcome: Any) -> tuple[Any, ...]:
    return (
        outcome.accepted,
        tuple((p.code, p.severity, p.pointer, p.field, p.message) for p in outcome.problems),
    )


def _in_threads(work: Any, n: int = 8) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


# --------------------------------------------------------------------------- names


def test_no_submodule_shadows_a_public_name() -> None:
    # `import spotcheck_rules.X` sets the package attribute X to the module: a module named
    # like a public function would replace the function (issue 9: `aggregate` was the module).
    modules = {m.name for m in pkgutil.iter_modules(spotcheck_rules.__path__)}
    assert modules & set(spotcheck_rules.__all__) == set()


def test_every_public_name_resolves_to_what_it_names() -> None:
    for name in spotcheck_rules.__all__:
        value = getattr(spotcheck_rules, name)
        assert not isinstance(value, type(spotcheck_rules)), name
    assert callable(spotcheck_rules.aggregate) and callable(spotcheck_rules.schema)
    assert issubclass(spotcheck_rules.FindingsReadError, SpotcheckError)


def test_every_error_class_is_exported_and_documented() -> None:
    import importlib

    doc = (ROOT / "docs" / "python-api.md").read_text(encoding="utf-8")
    found = set()
    for info in pkgutil.walk_packages(spotcheck_rules.__path__, "spotcheck_rules."):
        if info.name.startswith("spotcheck_rules.cli"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, SpotcheckError):
                found.add(value)
    assert len(found) >= 9
    for cls in found:
        assert getattr(spotcheck_rules, cls.__name__) is cls, cls
        assert f"| `{cls.__name__}` |" in doc, cls


_COLD = """
import sys, threading
sys.setswitchinterval(1e-6)
import spotcheck_rules
seen, barrier = [None] * 8, threading.Barrier(8)
def work(i):
    barrier.wait()
    from spotcheck_rules import AggregationError, aggregate, validate, Validator, schema
    rs = spotcheck_rules.load_ruleset("shanxi/2025")
    names = [spotcheck_rules.aggregate, aggregate, validate, Validator, schema, AggregationError]
    seen[i] = (id(rs), [type(x).__name__ for x in names])
threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
for t in threads: t.start()
for t in threads: t.join()
assert len({s[0] for s in seen}) == 1, "different Ruleset objects: %r" % (seen,)
for s in seen:
    assert s[1] == ["function", "function", "function", "type", "function", "type"], s
print("ok")
"""


@pytest.mark.parametrize("cache", ["off", "on"])
def test_cold_start_from_eight_threads(cache: str, tmp_path: Path) -> None:
    # A fresh interpreter: the lazy names and the ruleset are first asked for by 8 threads.
    env = {k: v for k, v in os.environ.items() if k != "SPOTCHECK_NO_CACHE"}
    env["SPOTCHECK_CACHE_DIR"] = str(tmp_path / "cache")
    if cache == "off":
        env["SPOTCHECK_NO_CACHE"] = "1"
    for _ in range(2 if cache == "on" else 1):  # with the cache on: first filled, then read
        proc = subprocess.run(
            [sys.executable, "-c", _COLD],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=False,
        )
        assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


# --------------------------------------------------------------------------- threads


def test_validate_one_from_eight_threads_answers_as_serially() -> None:
    rs = load_ruleset("shanxi/2025")
    records = _records()
    want = [_key(validate_one(r, rs)) for r in records]
    v = Validator(rs)

    def work(shift: int) -> list[int]:
        wrong = []
        for rep in range(6):
            for i in range(len(records)):
                j = (i + shift * 7) % len(records)
                got = validate_one(records[j], rs) if rep % 2 else v.check(records[j])
                if _key(got) != want[j]:
                    wrong.append(j)
                problems = list(v.iter_problems(records[j]))
                if [(p.code, p.pointer) for p in problems] != [
                    (c, p) for c, _, p, _, _ in want[j][1]
                ]:
                    wrong.append(j)
        return wrong

    assert _in_threads(work) == [[]] * 8


def test_validate_and_aggregate_from_eight_threads_answer_as_serially() -> None:
    rs = load_ruleset("shanxi/2025")
    records = _records()
    valid = [r for r in records if validate_one(r, rs).accepted]
    want_report = validate(records, rs, record_outcomes=True)
    want_table = aggregate(valid, rs).tables

    def work(i: int) -> bool:
        ok = True
        for _ in range(3):
            if i % 2:
                got = validate(records, rs, record_outcomes=True)
                ok &= [_key(o) for o in got.outcomes] == [_key(o) for o in want_report.outcomes]
                ok &= (got.accepted, got.rejected) == (want_report.accepted, want_report.rejected)
            else:
                ok &= aggregate(valid, rs).tables == want_table
        return ok

    assert all(_in_threads(work))


def test_one_build_per_id_under_concurrency() -> None:
    from spotcheck_rules.ruleset.loader import clear_cache

    clear_cache()
    got = _in_threads(lambda _: load_ruleset("national/2025"))
    assert all(rs is got[0] for rs in got)


# --------------------------------------------------------------------------- immutability


def test_a_loaded_ruleset_cannot_be_changed() -> None:
    rs = load_ruleset("shanxi/2025")
    digest = rs.digest()
    assert rs.plan.domains is not None
    assert isinstance(rs.plan.domains, FrozenDict)
    with pytest.raises(TypeError):
        rs.plan.domains.pop(next(iter(rs.plan.domains)))
    with pytest.raises(TypeError):
        del rs.domains[next(iter(rs.domains))]  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        rs.sources["x"] = rs.sources[next(iter(rs.sources))]  # type: ignore[index]
    med = rs.domain("medical")
    with pytest.raises(TypeError):
        med.wording["x"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        med.categories.add("x", med.categories["clinic"], ["新类别"])
    for entry in rs.plan.domains.values():
        with pytest.raises(TypeError):
            entry.wording.clear()
    assert rs.digest() == digest and load_ruleset("shanxi/2025").digest() == digest
    # still plain JSON for pydantic and the contract
    assert json.loads(rs.plan.model_dump_json())["domains"]["medical"]["checklist"]


# --------------------------------------------------------------------------- ids, files


def test_load_ruleset_takes_ids_only() -> None:
    for ref in ("/etc/passwd", "../../etc/passwd", "rulesets/2025/plans/shanxi.yaml"):
        with pytest.raises(UnknownRulesetError, match="编号格式不对"):
            load_ruleset(ref)
    with pytest.raises(UnknownRulesetError, match="load_ruleset_file"):
        load_ruleset(bundled_root() / "2025" / "plans" / "shanxi.yaml")


def test_unknown_ids_leave_nothing_behind() -> None:
    from spotcheck_rules.ruleset import loader

    for n in range(50):
        with pytest.raises(UnknownRulesetError):
            load_ruleset(f"nowhere{n}/2025")
    assert not [k for k in loader._key_locks if "nowhere" in k]


def test_file_paths_are_explicit() -> None:
    path = bundled_root() / "2025" / "plans" / "shanxi.yaml"
    rs = load_ruleset_file(path)
    assert rs.id == "shanxi/2025" and load_ruleset_file(str(path)) is rs
    assert load_ruleset(path, allow_paths=True) is rs
    assert load_ruleset("shanxi/2025", allow_paths=True).digest() == rs.digest()
    with pytest.raises(UnknownRulesetError):
        load_ruleset_file(path.with_name("nope.yaml"))
    with pytest.raises(SpotcheckError):
        load_ruleset_file("/etc/passwd")


def test_schema_and_describe() -> None:
    from spotcheck_rules.schemas.catalogue import SCHEMA_NAMES

    for name in SCHEMA_NAMES:
        published = json.loads((schemas_root() / f"{name}.schema.json").read_text("utf-8"))
        assert schema(name) == published
    schema("findings").clear()  # the caller's own copy
    assert schema("findings")["$id"].endswith("/findings.schema.json")
    with pytest.raises(UsageError):
        schema("nope")
    rs = load_ruleset("shanxi/2025")
    from spotcheck_rules.cli.app import main

    described = describe(rs)
    assert described["id"] == "shanxi/2025" and described["digest"] == rs.digest()
    assert [d["id"] for d in describe(rs, "医疗机构")["domains"]] == ["medical"]
    assert json.dumps(described)  # plain JSON data
    assert main  # the CLI prints the same (tests/test_cli_rulesets.py checks the command)


def test_describe_is_what_show_prints(capsys: pytest.CaptureFixture[str]) -> None:
    from spotcheck_rules.cli.app import main

    assert main(["show", "shanxi/2025", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == describe(load_ruleset("shanxi/2025"))


# --------------------------------------------------------------------------- validator


def test_validator_one_record() -> None:
    v = Validator(load_ruleset("shanxi/2025"))
    rec = {"unit_id": "u1", "domain": "medical", "category": "诊所"}
    assert v.is_valid(rec) and list(v.iter_problems(rec)) == []
    bad = {**rec, "penalty": {"cases": 1, "fine_yuan": "12.345"}, "violations": ["license"]}
    problems = list(v.iter_problems(bad))
    assert [(p.code, p.pointer, p.field) for p in problems] == [
        ("F053", "/penalty/fine_yuan", "penalty.fine_yuan")
    ]
    assert not v.is_valid(bad)
    outcome = v.check(bad)
    assert not outcome.accepted and outcome.problems == tuple(problems)
    assert _key(v.validate_json(json.dumps(bad))) == _key(outcome)
    assert _key(v.validate_json(json.dumps(bad).encode())) == _key(outcome)
    assert v.validate_json(json.dumps(rec, ensure_ascii=False).encode("utf-8")).accepted
    broken = v.validate_json(b'{"unit_id": ')
    assert [p.code for p in broken.problems] == ["F001"] and not broken.accepted
    assert [p.code for p in v.validate_json(b"  ").problems] == ["F001"]
    assert [p.code for p in v.validate_json(b"[1]").problems] == ["F001"]
    with pytest.raises(UsageError):
        v.validate_json(123)  # type: ignore[arg-type]
    # an accepted record is not remembered: the same unit again is no duplicate
    assert v.check(rec).accepted and not v.check(rec).duplicate


def test_validator_cannot_be_confused_by_reentry() -> None:
    v = Validator(load_ruleset("shanxi/2025"))
    inner: list[Any] = []

    class Sneaky(Mapping[str, Any]):
        """A mapping that checks another record while it is being read."""

        def __init__(self, **data: Any) -> None:
            self.data = data

        def __getitem__(self, key: str) -> Any:
            if not inner:
                inner.append(v.check({"unit_id": "x", "domain": "medical", "category": "无"}))
            return self.data[key]

        def __iter__(self) -> Iterator[str]:
            return iter(self.data)

        def __len__(self) -> int:
            return len(self.data)

    rec = Sneaky(unit_id="u", domain="medical", category="诊所")
    assert list(v.iter_problems(rec)) == []  # not the inner record's F012
    assert [p.code for p in inner[0].problems] == ["F012"]


# --------------------------------------------------------------------------- in-memory input


def _problems(report: Any) -> list[tuple[str, str | None, int | None]]:
    return [(p.code, p.file, p.line) for p in report.problems]


def test_findings_from_memory_equal_findings_from_a_file() -> None:
    rs = load_ruleset("shanxi/2025")
    data = EXAMPLE.read_bytes()
    broken = data + b'{"unit_id": "zz", "domain": "medical", "category": "nope"}\n'
    want = validate(EXAMPLE, rs)
    for given in (
        data,
        bytearray(data),
        memoryview(data),
        io.BytesIO(data),
        io.StringIO(data.decode("utf-8")),
    ):
        got = validate(given, rs)
        assert (got.records_read, got.accepted, got.rejected) == (
            want.records_read,
            want.accepted,
            want.rejected,
        )
        assert got.files[0].path == "<input>" and got.files[0].sha256 == want.files[0].sha256
    got = validate(broken, rs, name="upload.jsonl")
    assert _problems(got) == [("F012", "upload.jsonl", 426)]
    assert aggregate(data, rs).tables == aggregate(EXAMPLE, rs).tables
    with EXAMPLE.open("rb") as f:
        assert validate(f, rs).accepted == want.accepted


def test_formats_of_content(tmp_path: Path) -> None:
    rs = load_ruleset("shanxi/2025")
    csv_text = "unit_id,domain,category\nu1,medical,诊所\nu2,medical,没有\n"
    for report in (
        validate(csv_text.encode(), rs, format="csv", name="up.csv"),
        validate(io.StringIO(csv_text), rs, name="up.csv"),  # format from the name
    ):
        assert report.records_read == 2 and _problems(report) == [("F012", "up.csv", 3)]
    js = json.dumps([{"unit_id": "u1", "domain": "medical", "category": "诊所"}])
    assert validate(js.encode(), rs).accepted == 1  # a JSON array, sniffed
    with pytest.raises(UsageError, match="format="):
        validate(csv_text.encode(), rs)  # CSV cannot be told from its bytes
    with pytest.raises(UsageError):
        validate(b"", rs, format="xls")
    assert validate(b"", rs).records_read == 0


def test_content_is_never_taken_for_a_path(tmp_path: Path) -> None:
    rs = load_ruleset("shanxi/2025")
    line = EXAMPLE.read_text(encoding="utf-8").splitlines()[0]
    for text in (line, line + "\n" + line, "[" + line + "]"):
        with pytest.raises(UsageError, match="bytes"):
            validate(text, rs)
        with pytest.raises(UsageError):
            validate([text], rs)
    with pytest.raises(UsageError, match="Validator"):
        validate(json.loads(line), rs)  # one record is not a batch


def test_every_failure_to_read_is_a_spotcheck_error(tmp_path: Path) -> None:
    rs = load_ruleset("shanxi/2025")
    for bad in ("x" * 5000, str(tmp_path / "missing.jsonl"), str(tmp_path)):
        with pytest.raises(FindingsReadError):
            validate(bad, rs)
    with pytest.raises(UsageError):
        validate(12, rs)  # type: ignore[arg-type]

    class Failing(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            raise OSError(5, "Input/output error")

    with pytest.raises(FindingsReadError, match="Input/output error"):
        validate(Failing(), rs)


def test_scratch_paths_never_show(tmp_path: Path) -> None:
    rs = load_ruleset("shanxi/2025")
    for data, fmt in ((b"[1, 2", "json"), (b"- a: [", "yaml"), (b"not a zip", "xlsx")):
        with pytest.raises(FindingsReadError) as info:
            validate(data, rs, format=fmt, name="upload")
        text = str(info.value) + "".join(str(p.file) for p in info.value.problems)
        assert "upload" in text and "spotcheck-" not in text and "input-" not in text, text
    report = validate([b'{"unit_id": "u", "domain": "medical", "category": "x"}'], rs)
    assert {p.file for p in report.problems} == {"<input>"}
    assert [f.path for f in report.files] == ["<input>"]


def test_a_census_from_memory(tmp_path: Path) -> None:
    rs = load_ruleset("shanxi/2025")
    census = ROOT / "examples" / "shanxi-2025-census.csv"
    want = aggregate(EXAMPLE, rs, census=census)
    data = census.read_bytes()
    for given in (data, io.BytesIO(data), io.StringIO(data.decode("utf-8-sig"))):
        assert aggregate(EXAMPLE, rs, census=given).tables == want.tables
    dup = data + data.splitlines(keepends=True)[1]
    with pytest.raises(SpotcheckError) as info:
        aggregate(EXAMPLE, rs, census=dup)
    located = {(p.code, p.file) for p in info.value.problems}
    assert ("C004", "<census>") in located
    assert "spotcheck-" not in str(info.value), str(info.value)
    with pytest.raises(UsageError, match="辖区单位数"):
        aggregate(EXAMPLE, rs, census="domain,category,units\nmedical,clinic,3\n")
    with pytest.raises(FindingsReadError):
        aggregate(EXAMPLE, rs, census="y" * 5000)


def test_a_shared_ruleset_is_usable_as_a_type() -> None:
    assert isinstance(load_ruleset("shanxi/2025"), Ruleset)


_LAZY_CHILD = """
import sys
import spotcheck_rules
heavy = ("pydantic", "jsonschema", "openpyxl", "ruamel.yaml", "spotcheck_rules.ruleset.lint")
assert not [m for m in heavy if m in sys.modules], sorted(sys.modules)
rs = spotcheck_rules.load_ruleset("shanxi/2025")
# pydantic's RootModel builds itself on import and loads pydantic's plugin machinery (~25 ms):
# only `check` (CheckReport) needs it
assert "pydantic.root_model" not in sys.modules
spotcheck_rules.validate(sys.argv[1], rs)
spotcheck_rules.aggregate(sys.argv[1], rs)
assert not [m for m in ("jsonschema", "openpyxl", "pydantic.root_model") if m in sys.modules]
print("ok")
"""


def test_heavy_dependencies_load_only_when_used(tmp_path: Path) -> None:
    env = {**os.environ, "SPOTCHECK_NO_CACHE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", _LAZY_CHILD, str(EXAMPLE)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr

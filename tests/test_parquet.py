"""Parquet findings input: the reference path reads a Parquet file as the JSON Lines file of the
same records, and the columnar engine gives the reference's answer on it.

The property writes the same generated findings (the generators of tests/test_columnar.py:
faults of every kind, duplicates, labels and full-width spellings, fines as text and as
numbers) both as JSON Lines and as Parquet, and requires

(a) the same validation report and tables from the two files (their names and digests aside),
    for the records both can hold: a Parquet column has one type, so a fine is text in a text
    column (a number is written as its text in both files), a number in an ``int64`` or
    ``float64`` column (a record whose fine is of the other kind has none in both files), and
    a date is either text or ``date32`` for the whole file; a null is an absent field;
(b) byte for byte the same validation report and tables with ``SPOTCHECK_ENGINE=columnar`` as
    without, on the same Parquet file.
"""

from __future__ import annotations

import builtins
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")
pytest.importorskip("duckdb")
pytest.importorskip("numpy")

import pyarrow as pa
import pyarrow.parquet as pq
from test_columnar import _answers, _spelled
from test_rules import _choices, _record

from spotcheck_rules import load_ruleset
from spotcheck_rules.findings import columnar
from spotcheck_rules.findings.checker import Checker
from spotcheck_rules.findings.readers import FileInfo, FindingsReadError
from spotcheck_rules.findings.validation import validate
from spotcheck_rules.ruleset.ruleset import Ruleset


@pytest.fixture(scope="module")
def shanxi() -> Ruleset:
    return load_ruleset("shanxi/2025")


_TEXT = pa.string()
_TEXTS = pa.list_(pa.string())


def _schema(fine: str, day: str, remark: bool) -> Any:
    fine_type = {"text": _TEXT, "int": pa.int64(), "float": pa.float64()}[fine]
    penalty = pa.struct([("cases", pa.int64()), ("fine_yuan", fine_type), ("revoked", _TEXTS)])
    harm = pa.struct([("deaths", pa.int64()), ("injured", pa.int64())])
    fields = [
        ("unit_id", _TEXT),
        ("domain", _TEXT),
        ("category", _TEXT),
        ("unit_name", _TEXT),
        ("ownership", _TEXT),
        ("region", _TEXT),
        ("inspected_on", pa.date32() if day == "date" else _TEXT),
        ("tier", _TEXT),
        ("violations", _TEXTS),
        ("not_applicable", _TEXTS),
        ("penalty", penalty),
        ("referred", pa.bool_()),
        ("opinion_issued", pa.bool_()),
        ("harm", harm),
        ("tests", pa.map_(pa.string(), pa.bool_())),
    ]
    if remark:
        fields.append(("remark", _TEXT))
    return pa.schema(fields)


def _fit_fine(rec: dict[str, Any], fine: str) -> None:
    """The record's fine as the file's fine column holds it (or none)."""
    pen = rec.get("penalty")
    if not isinstance(pen, dict) or "fine_yuan" not in pen:
        return
    v = pen["fine_yuan"]
    if fine == "text":
        pen["fine_yuan"] = v if isinstance(v, str) else str(v)
    elif fine == "int" and not (isinstance(v, int) and not isinstance(v, bool)):
        del pen["fine_yuan"]
    elif fine == "float" and isinstance(v, int | float):
        pen["fine_yuan"] = float(v)
    elif fine == "float":
        del pen["fine_yuan"]


def _records(rnd: random.Random, rs: Ruleset, size: int) -> tuple[list[dict[str, Any]], Any]:
    """Findings both a JSON Lines and a Parquet file can hold, and the Parquet schema."""
    choices = _choices(rs)
    fine = rnd.choice(["text", "text", "int", "float"])
    remark = rnd.random() < 0.2
    recs: list[dict[str, Any]] = []
    for n in range(size):
        rec = _spelled(rnd, rs, _record(rnd, choices, n))
        _fit_fine(rec, fine)
        if rnd.random() < 0.03:
            rec["tests"] = {rnd.choice(["水质", "采光照明"]): rnd.random() < 0.5}
        if remark and rnd.random() < 0.1:
            rec["remark"] = "备注"
        if rec.get("violations") and rnd.random() < 0.03:
            rec["violations"].append(None)  # a null in a list stays one, as in JSON (F003)
        if rnd.random() < 0.02:
            rec["tier"] = "一\x01级"  # the engine's separator, raw in a Parquet text
        recs.append(rec)
        if rnd.random() < 0.1:
            # a unit named again: the same record, or with something changed (F030, F031)
            again = json.loads(json.dumps(rnd.choice(recs)))
            if rnd.random() < 0.5:
                again["inspected_on"] = "2025-07-01"
            again["unit_id"] = rnd.choice(["", " ", "\u3000"]) + again["unit_id"]
            recs.append(again)
    days = [r["inspected_on"] for r in recs if "inspected_on" in r]
    day = "text"
    if rnd.random() < 0.5 and all(_is_day(d) for d in days):
        day = "date"
    return recs, _schema(fine, day, remark)


def _is_day(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _write(recs: list[dict[str, Any]], schema: Any, path: Path, rnd: random.Random) -> None:
    rows = []
    for r in recs:
        row = dict(r)
        if schema.field("inspected_on").type == pa.date32() and "inspected_on" in row:
            row["inspected_on"] = dt.date.fromisoformat(row["inspected_on"])
        if "tests" in row:
            row["tests"] = list(row["tests"].items())
        rows.append(row)
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, path, row_group_size=rnd.choice([7, 64, 1 << 20]))


def _unnamed(text: str, path: Path) -> str:
    """A report or table without its input's name and digest."""
    out = text.replace(str(path), "<input>")
    start = out.find('"sha256":"')
    while start >= 0:
        out = out[: start + 10] + out[start + 74 :]
        start = out.find('"sha256":"', start + 10)
    return out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(1, 80))
def test_parquet_reads_as_json_lines_and_the_engine_agrees(
    shanxi: Ruleset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, size: int
) -> None:
    rnd = random.Random(seed)
    recs, schema = _records(rnd, shanxi, size)
    note(str(schema))
    jsonl = tmp_path / f"f{seed}-{size}.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), "utf-8")
    parquet = tmp_path / f"f{seed}-{size}.parquet"
    _write(recs, schema, parquet, rnd)
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, "reference")
    as_jsonl = _answers(jsonl, shanxi)
    reference = _answers(parquet, shanxi)
    # (a) the same records, as JSON Lines and as Parquet
    assert _unnamed(reference[0], parquet) == _unnamed(as_jsonl[0], jsonl)
    assert _unnamed(reference[1], parquet) == _unnamed(as_jsonl[1], jsonl)
    # (b) the engine on the Parquet file
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, "columnar")
    engine = _answers(parquet, shanxi)
    assert engine[0] == reference[0]
    assert engine[1] == reference[1]


def _plain(rs: Ruleset, n: int) -> list[dict[str, Any]]:
    rnd = random.Random(7)
    choices = _choices(rs)
    recs = [_record(rnd, choices, i) for i in range(n)]
    for r in recs:
        _fit_fine(r, "text")
    return recs


def test_the_engine_takes_a_typed_parquet_file(shanxi: Ruleset, tmp_path: Path) -> None:
    """Not a property that holds because everything falls back: a file of the expected types
    is the engine's; a column of another type hands it back untouched."""
    recs = _plain(shanxi, 200)
    path = tmp_path / "plain.parquet"
    pq.write_table(pa.Table.from_pylist(recs, schema=_schema("text", "text", False)), path)
    checker = Checker(shanxi)
    info = FileInfo(str(path), size=path.stat().st_size)
    assert columnar.consume_parquet(checker, path, info) == 200
    assert checker.read == 200 and checker.problems  # the faults were explained
    assert info.sha256 is not None and info.records == 200
    table = pa.Table.from_pylist(recs, schema=_schema("text", "text", False))
    odd = table.set_column(0, "unit_id", pa.array(range(200), pa.int64()))
    pq.write_table(odd, path)
    checker = Checker(shanxi)
    assert columnar.consume_parquet(checker, path, FileInfo(str(path))) is None
    assert checker.read == 0 and not checker.problems


def test_the_engine_explains_no_row_of_a_clean_file(
    shanxi: Ruleset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Valid findings (id, name, domain, category, region, date, tier as typed columns) are
    counted by the engine itself: not one row goes through the checker (an engine that sent
    every row there would still agree with the reference)."""
    rnd = random.Random(3)
    dom, leaves, _, _, _ = _choices(shanxi)[0]
    recs = []
    for i in range(300):
        rec: dict[str, Any] = {"unit_id": f"u{i}", "domain": dom, "category": rnd.choice(leaves)}
        rec["unit_name"] = "某医院"
        rec["region"] = "140100"
        rec["inspected_on"] = "2025-06-01"
        rec["tier"] = "一级"
        recs.append(rec)
    path = tmp_path / "clean.parquet"
    pq.write_table(pa.Table.from_pylist(recs, schema=_schema("text", "text", False)), path)
    checker = Checker(shanxi)
    calls: list[Any] = []
    monkeypatch.setattr(checker, "check", lambda raw: calls.append(raw))
    assert columnar.consume_parquet(checker, path, FileInfo(str(path))) == 300
    assert calls == [] and checker.accepted == 300 and not checker.problems


def _codes(path: Path, rs: Ruleset) -> list[tuple[str, int | None, str | None]]:
    return [(p.code, p.line, p.field) for p in validate(path, rs).problems]


@pytest.mark.parametrize("engine", ["", "columnar"])
def test_a_wrongly_typed_or_unknown_column(
    shanxi: Ruleset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
) -> None:
    """A column of another type gives each row the problem the JSON value would; a column
    that is no findings field is an unknown field where it is not null; rows are numbered
    from 1."""
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, engine)
    base = {"domain": "medical", "category": "hospital"}
    path = tmp_path / "typed.parquet"
    table = pa.table(
        {
            "unit_id": pa.array(["a", "b", "c"]),
            "domain": pa.array([base["domain"]] * 3),
            "category": pa.array([base["category"]] * 3),
            "remark": pa.array([None, "x", None]),
        }
    )
    pq.write_table(table, path)
    jsonl = tmp_path / "typed.jsonl"
    lines = [{"unit_id": "a", **base}, {"unit_id": "b", **base, "remark": "x"}]
    lines.append({"unit_id": "c", **base})
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in lines), "utf-8")
    assert _codes(path, shanxi) == _codes(jsonl, shanxi)
    assert ("F008", 2, "remark") in _codes(path, shanxi)
    pq.write_table(table.set_column(0, "unit_id", pa.array([1, 2, 3], pa.int64())), path)
    got = _codes(path, shanxi)
    assert [line for _, line, f in got if f == "unit_id"] == [1, 2, 3]
    day = pa.array([dt.datetime(2025, 6, 1)] * 3, pa.timestamp("s"))
    pq.write_table(table.append_column("inspected_on", day), path)
    assert [p.code for p in validate(path, shanxi).problems if p.field == "inspected_on"] == [
        "F006"
    ] * 3


def test_a_date_column_is_read_as_its_iso_text(shanxi: Ruleset, tmp_path: Path) -> None:
    path = tmp_path / "days.parquet"
    days = pa.array([dt.date(2025, 6, 1), dt.date(2024, 6, 1), None], pa.date32())
    table = pa.table(
        {
            "unit_id": ["a", "b", "c"],
            "domain": ["medical"] * 3,
            "category": ["hospital"] * 3,
            "inspected_on": days,
        }
    )
    pq.write_table(table, path)
    report = validate(path, shanxi)
    assert report.input.records_read == 3
    assert [(p.line, p.field) for p in report.problems] == [(2, "inspected_on")]


def test_an_unreadable_parquet_file(shanxi: Ruleset, tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 not really PAR1")
    with pytest.raises(FindingsReadError, match="不是有效的 Parquet 文件") as err:
        validate(path, shanxi)
    assert err.value.problems[0].code == "F009"
    # in memory too, its format told by its first bytes
    with pytest.raises(FindingsReadError, match="Parquet"):
        validate(path.read_bytes(), shanxi)


def test_parquet_in_memory_is_sniffed(shanxi: Ruleset, tmp_path: Path) -> None:
    path = tmp_path / "plain.parquet"
    recs = _plain(shanxi, 20)
    pq.write_table(pa.Table.from_pylist(recs, schema=_schema("text", "text", False)), path)
    from_file = validate(path, shanxi)
    from_bytes = validate(path.read_bytes(), shanxi)
    assert from_bytes.input.records_read == from_file.input.records_read == 20
    assert [p.message for p in from_bytes.problems] == [p.message for p in from_file.problems]


def test_without_pyarrow_a_parquet_input_names_the_extra(
    shanxi: Ruleset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"unit_id": ["a"]}), path)
    real = builtins.__import__

    def no_pyarrow(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pyarrow" or name.startswith("pyarrow."):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    with pytest.raises(FindingsReadError, match=r"spotcheck-rules\[parquet\]"):
        validate(path, shanxi)

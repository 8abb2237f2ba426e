"""Money exactly as written (issue 10, item 5) and ids as identities (item 7), on every path."""

from __future__ import annotations

import csv
import decimal
import json
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from spotcheck_rules import Ruleset, load_ruleset
from spotcheck_rules.findings.money import YUAN_LIMIT, AmountProblem, parse_amount
from spotcheck_rules.findings.validation import validate, validate_one
from spotcheck_rules.tables.aggregation import _money, aggregate
from spotcheck_rules.tables.merging import merge
from spotcheck_rules.tables.result import AggregateResult, exact_decimal, format_money


@pytest.fixture(scope="module")
def rs() -> Ruleset:
    return load_ruleset("shanxi/2025")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3000", "3000"),
        ("12.5", "12.5"),
        ("12.50", "12.50"),
        ("1.500", "1.5"),  # trailing zeros are not precision
        ("1,234.50", "1234.50"),
        ("12,345,678", "12345678"),
        ("9,999,999,999.99", "9999999999.99"),
        ("9999999999.99", "9999999999.99"),
        ("007", "7"),
        (" 12 ", "12"),
        ("\u300012\u3000", "12"),
        ("１２３４．５", "1234.5"),  # full-width digits and point
        ("１，２３４", "1234"),
    ],
)
def test_amounts_read_as_written(text: str, value: str) -> None:
    got = parse_amount(text)
    assert not isinstance(got, AmountProblem), got
    assert got == Decimal(value)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("12,50", "unreadable"),  # 12.50 or 1,250? (read as 1,250 yuan before)
        ("3.000,00", "unreadable"),  # European grouping (read as 3 yuan before)
        ("1,23", "unreadable"),
        ("1,2345", "unreadable"),
        (",123", "unreadable"),
        ("1.000.000", "unreadable"),
        ("1e400", "unreadable"),  # exponent (accepted, shown blank, before)
        ("1e999999", "unreadable"),  # decimal.Overflow before
        ("1E3", "unreadable"),
        ("1_000", "unreadable"),  # Decimal() takes underscores
        ("1 000", "unreadable"),
        ("١٢", "unreadable"),  # Decimal() takes any script's digits
        ("²", "unreadable"),
        ("+5", "unreadable"),
        (".5", "unreadable"),
        ("5.", "unreadable"),
        ("", "unreadable"),
        ("一千", "unreadable"),
        ("NaN", "nonfinite"),
        ("-Infinity", "nonfinite"),
        ("inf", "nonfinite"),
        ("-5", "negative"),
        ("-1,000.00", "negative"),
        ("12.345", "precision"),
        ("1234567890123456789012345678.123", "precision"),
        ("10000000000", "limit"),
        ("10,000,000,000", "limit"),
        (12.5, "unreadable"),  # a JSON number with a fraction: a binary float
        (True, "unreadable"),
        ([1], "unreadable"),
        (None, "unreadable"),
        (float("nan"), "nonfinite"),
        (-1, "negative"),
        (10**10, "limit"),
        (1e16, "limit"),
        (Decimal("1E+400"), "limit"),
        (Decimal("-0.5"), "negative"),
        (Decimal("0.001"), "precision"),
    ],
)
def test_amounts_refused(value: Any, kind: str) -> None:
    got = parse_amount(value)
    assert isinstance(got, AmountProblem), got
    assert got.kind == kind
    assert got.reason  # Chinese, for people


def test_flat_cells_take_floats_json_does_not() -> None:
    assert parse_amount(12.5, flat=True) == Decimal("12.5")  # an xlsx number cell
    assert parse_amount(0.1, flat=True) == Decimal("0.1")  # by repr, not the binary value
    assert isinstance(parse_amount(0.1 + 0.2, flat=True), AmountProblem)
    assert parse_amount(3000.0) == Decimal(3000)  # a JSON integer, as JSON Schema has it
    assert parse_amount(9999999999) == YUAN_LIMIT - 1


def _record(fine: Any = None, **kw: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {"unit_id": "U1", "domain": "medical", "category": "诊所", **kw}
    if fine is not None:
        rec["violations"] = ["license"]
        rec["penalty"] = {"cases": 1, "fine_yuan": fine}
    return rec


def _codes(report: Any) -> list[str]:
    return [p.code for p in report.problems]


def _every_path(rec: dict[str, Any], rs: Ruleset, tmp: Path) -> dict[str, list[str]]:
    """The codes of one record through each reader and both checking paths."""
    jl = tmp / "f.jsonl"
    jl.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    arr = tmp / "f.json"
    arr.write_text(json.dumps([rec], ensure_ascii=False), encoding="utf-8")
    return {
        "dict": _codes(validate([rec], rs)),
        "jsonl hot loop": _codes(validate(jl, rs)),
        "jsonl detailed": _codes(validate(jl, rs, record_outcomes=True)),
        "json array": _codes(validate(arr, rs)),
        "validate_one": [p.code for p in validate_one(rec, rs).problems],
    }


@pytest.mark.parametrize(
    ("fine", "codes"),
    [
        ("12,50", ["F050"]),
        ("3.000,00", ["F050"]),
        ("1e400", ["F050"]),
        ("1e999999", ["F050"]),
        ("NaN", ["F052"]),
        ("Infinity", ["F052"]),
        ("-3", ["F051"]),
        (12.5, ["F050"]),
        ("12.345", ["F053"]),
        # more than 28 digits: the hot loop rounded it to whole cents and accepted it
        ("1234567890123456789012345678.123", ["F053"]),
        ("123456789012345678901234567890.12", ["F064"]),
        ("10000000000", ["F064"]),
        (10**30, ["F064"]),
        ("1,234.50", []),
        ("１２", []),
        (3000, []),
        (3000.0, []),
    ],
)
def test_fast_and_detailed_paths_agree_on_money(
    fine: Any, codes: list[str], rs: Ruleset, tmp_path: Path
) -> None:
    got = _every_path(_record(fine), rs, tmp_path)
    assert got == dict.fromkeys(got, codes)


def test_flat_files_read_money_by_the_same_rule(rs: Ruleset, tmp_path: Path) -> None:
    import openpyxl

    fines = ["12,50", "3.000,00", "1e400", "1,234.50", "１２", "12345678901", "NaN"]
    want = [["F050"], ["F050"], ["F050"], [], [], ["F064"], ["F052"]]
    p = tmp_path / "f.csv"
    with p.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["unit_id", "domain", "category", "violations", "cases", "fine_yuan"])
        for i, fine in enumerate(fines):
            w.writerow([f"U{i}", "medical", "诊所", "license", "1", fine])
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["unit_id", "domain", "category", "violations", "cases", "fine_yuan"])
    for i, fine in enumerate(fines):
        ws.append([f"U{i}", "medical", "诊所", "license", 1, fine])
    ws.append(["X", "medical", "诊所", "license", 1, 1234.5])  # a number cell
    x = tmp_path / "f.xlsx"
    wb.save(x)
    for path, extra in ((p, []), (x, [[]])):
        report = validate(path, rs)
        by_line: dict[int, list[str]] = {}
        for prob in report.problems:
            assert prob.line is not None
            by_line.setdefault(prob.line, []).append(prob.code)
        assert [by_line.get(i + 2, []) for i in range(len(want) + len(extra))] == want + extra


def test_a_record_reports_every_field_problem(rs: Ruleset, tmp_path: Path) -> None:
    rec = _record(violations=["licence"], penalty={"cases": -1, "fine_yuan": "abc"})
    got = _every_path(rec, rs, tmp_path)
    # F054 and F050 (F050 alone before), and the unknown violation too; no F063 or F055
    # from the count and the fine that were left out
    assert got == {key: ["F054", "F050", "F014"] for key in got}


def test_sums_are_exact_beyond_28_digits() -> None:
    cents = 10**40 + 1
    assert _money(cents) == Decimal("1" + "0" * 34 + ".000001")
    assert format_money(_money(cents)) == "1" + "0" * 34 + ".000001"
    big = Decimal("1234567890123456789012345678901.5")
    assert format_money(big) == "1234567890123456789012345678901.5"  # normalize() rounded it
    assert decimal.getcontext().prec == 28  # the global context is left alone


def test_merge_adds_amounts_exactly(rs: Ruleset) -> None:
    one = aggregate([_record("0.01")], rs)
    text = one.model_dump_json(indent=2).replace(
        '"fines": "0.000001"', '"fines": "12345678901234567890123456789"'
    )
    assert "12345678901234567890123456789" in text
    big = AggregateResult.model_validate_json(text)
    city = merge([big, one])
    cell = city.table("medical").cell("clinic", "fines")
    assert cell == Decimal("12345678901234567890123456789.000001")  # 28 digits rounded it
    with pytest.raises(Exception, match="out of range"):
        AggregateResult.model_validate_json(
            text.replace("12345678901234567890123456789", "1E+999999")
        )


def test_exact_context_is_per_thread() -> None:
    seen: list[int] = []

    def work() -> None:
        with exact_decimal():
            seen.append(decimal.getcontext().prec)
        seen.append(decimal.getcontext().prec)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(seen)) == [28, decimal.MAX_PREC]
    assert decimal.getcontext().prec == 28


# --------------------------------------------------------------------------- ids


@pytest.mark.parametrize("uid", ["", " ", "\u3000", "\t\u3000 ", "\u00a0"])
def test_blank_unit_id_is_f002_on_every_path(uid: str, rs: Ruleset, tmp_path: Path) -> None:
    import openpyxl

    rec = _record(unit_id=uid)
    got = _every_path(rec, rs, tmp_path)
    assert got == {key: ["F002"] for key in got}
    p = tmp_path / "f.csv"
    p.write_text(
        f"unit_id,domain,category,unit_name\n{uid},medical,诊所,某诊所\n", encoding="utf-8"
    )
    assert _codes(validate(p, rs)) == ["F002"]
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["unit_id", "domain", "category", "unit_name"])
    ws.append([uid, "medical", "诊所", "某诊所"])
    x = tmp_path / "f.xlsx"
    wb.save(x)
    assert _codes(validate(x, rs)) == ["F002"]


def test_unit_ids_are_trimmed_alike_in_jsonl_and_csv(rs: Ruleset, tmp_path: Path) -> None:
    jl = tmp_path / "f.jsonl"
    jl.write_text(
        json.dumps(_record(unit_id=" U1 ")) + "\n" + json.dumps(_record(unit_id="U1")) + "\n",
        encoding="utf-8",
    )
    p = tmp_path / "f.csv"
    p.write_text("unit_id,domain,category\n U1 ,medical,诊所\nU1,medical,诊所\n", encoding="utf-8")
    for report in (
        validate(jl, rs),
        validate(jl, rs, record_outcomes=True),
        validate(p, rs),
        validate([_record(unit_id="\u3000U1 "), _record(unit_id="U1")], rs),
    ):
        # the same unit twice: an identical duplicate, the id shown trimmed
        assert _codes(report) == ["F030"], report.problems
        assert report.accepted == 2 and report.duplicates == 1
        assert all(o.unit_id == "U1" for o in report.outcomes)
    one = aggregate([_record(unit_id=" U1 ", violations=["license"])], rs, with_units=True)
    units = one.table("medical").rows[-1].units
    assert units is not None and units["license"] == ["U1"]

"""Golden cases for the columnar engine's CSV reading (spotcheck_rules.findings.csvquery).

One plain CSV file (UTF-8, no quotes: the engine takes it) whose rows each carry one fault or
one accepted spelling of the flat coercions, some cells quoted the canonical way (a comma or a
quote inside, a quoted id naming a unit again, a quoted line with a cell too many) — a fine that is not a number, negative, with
white space or full-width digits; an ownership the domain does not have; a region, date or tier
that is wrong or spelt otherwise; a count that is not one; a yes/no cell that is neither; a
filled unknown column; a public institution's item for a private one; a blank or untrimmed
id; a unit named twice; an unknown code. The
property test (tests/test_columnar_csv.py) draws such rows at random and rarely puts several in
a file the engine takes; here every one is, so that an engine that skipped one of the checks
(e.g. counted a row with an unreadable fine as clean) fails: the report and the tables must
equal the per-record path's, and the report must hold each fault's code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_columnar import _answers

from spotcheck_rules import load_ruleset
from spotcheck_rules.findings import columnar
from spotcheck_rules.findings.checker import Checker
from spotcheck_rules.findings.readers import FileInfo

HEADER = (
    "unit_id,unit_name,domain,category,ownership,region,inspected_on,tier,violations,"
    "penalty.cases,penalty.fine_yuan,penalty.revoked,referred,opinion_issued,备注"
)
_V = "clinical_gene_amplification"
_BASE = ["U{n}", "单位{n}", "medical", "community_health_center", "private", "140105"]
_BASE += ["2025-10-25", "", _V, "1", "100", "", "", "", ""]
_COLUMNS = HEADER.split(",")

# column → cell, per row; a comment names what the reference makes of it
ROWS: list[dict[str, str]] = [
    {},  # accepted as it is
    {"penalty.fine_yuan": "abc"},  # F050: not a number
    {"penalty.fine_yuan": "-3"},  # F051: negative
    {"penalty.fine_yuan": " 12 "},  # accepted: trimmed
    {"penalty.fine_yuan": "１２３"},  # full-width digits
    {"penalty.fine_yuan": "12.345"},  # more than cents
    {"penalty.fine_yuan": "1e3"},
    {"penalty.fine_yuan": "0"},
    {"penalty.fine_yuan": ""},  # no fine: a penalty with cases only
    {"ownership": "state"},  # not an ownership of the domain
    {"ownership": "公立"},  # a label
    {"region": "14010"},  # not a region code
    {"inspected_on": "2024-01-01"},  # outside the plan's year
    {"inspected_on": "2025/3/4"},  # a spreadsheet's spelling
    {"inspected_on": "soon"},  # not a date
    {"tier": " 三级"},
    {"tier": "四级"},
    {"penalty.cases": "-1"},
    {"penalty.cases": "abc"},
    {"penalty.cases": "1.0"},
    {"referred": "maybe"},  # a yes/no cell that is neither
    {"referred": "是"},
    {"opinion_issued": "否"},
    {"备注": "x"},  # an unknown column, filled: a warning
    {"unit_id": "   "},  # F002: blank
    {"unit_id": "\u3000U77 "},  # trimmed
    {"unit_id": "U1"},  # the first row's unit again, changed
    {"violations": "nope"},  # an unknown code
    {"violations": f"{_V}；{_V}"},  # the same code twice, full-width separator
    {"penalty.revoked": "nope"},
    {"violations": "public_consumables_markup"},  # a public institution's item, private here
    {"violations": "public_consumables_markup", "ownership": "public"},
    {"violations": "public_consumables_markup", "ownership": ""},  # ownership not given
    {"domain": "ｍｅｄｉｃａｌ"},  # full-width
    {"category": "nope"},
    {"violations": "", "penalty.cases": "", "penalty.fine_yuan": ""},  # nothing found
    # quoted the canonical way (Excel quotes a cell with a comma or a quote in it)
    {"penalty.fine_yuan": '"1,000.50"'},  # accepted: a thousands separator
    {"unit_name": '"单位,分院 ""东区"""'},
    {"unit_id": '"U3"'},  # the fourth row's unit again, quoted: a duplicate all the same
    {"ownership": '""'},  # quoted and empty: not given
    {"备注": '"a,b"'},  # an unknown column, filled
    {"penalty.fine_yuan": '"12"', "备注": ","},  # one more cell than the header: F001
]


def _file(path: Path) -> None:
    lines = [HEADER]
    for n, change in enumerate(ROWS):
        cells = [c.format(n=n) for c in _BASE]
        for col, cell in change.items():
            cells[_COLUMNS.index(col)] = cell
        lines.append(",".join(cells))
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def test_every_fault_of_a_plain_csv_as_the_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rs = load_ruleset("shanxi/2025")
    path = tmp_path / "faults.csv"
    _file(path)
    checker = Checker(rs)
    assert columnar.consume_csv(checker, path, FileInfo(str(path))) == len(ROWS)  # taken
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, "reference")
    reference = _answers(path, rs)
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, "columnar")
    engine = _answers(path, rs)
    assert engine == reference
    codes = {p.code for p in checker.problems}
    # each fault reached the checker (and so its code the report)
    for code in ("F001", "F002", "F031", "F050", "F051"):
        assert code in codes, sorted(codes)
    assert len(codes) >= 10, sorted(codes)
    assert checker.read == len(ROWS) and checker.rejected >= 10


@pytest.mark.parametrize("where", ["row", "header"])
def test_a_cell_over_the_limit_is_the_reference_s_to_refuse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A cell longer than ``SPOTCHECK_MAX_CSV_CELL`` refuses the file on the per-record path;
    the engine hands such a file back (DuckDB's line limit is the cell limit) instead of
    reading it, or failing in Python's csv module with a traceback."""
    from spotcheck_rules.core.errors import SpotcheckError
    from spotcheck_rules.findings.validation import validate

    rs = load_ruleset("shanxi/2025")
    monkeypatch.setenv("SPOTCHECK_MAX_CSV_CELL", "200")
    long = "x" * 300
    path = tmp_path / "long.csv"
    header = HEADER.replace("备注", long) if where == "header" else HEADER
    cells = [c.format(n=0) for c in _BASE]
    cells[_COLUMNS.index("unit_name")] = long if where == "row" else "n"
    path.write_text(header + "\n" + ",".join(cells) + "\n", "utf-8")
    assert columnar.consume_csv(Checker(rs), path, FileInfo(str(path))) is None
    errors = []
    for engine in ("reference", "columnar"):
        monkeypatch.setenv(columnar.ENGINE_VARIABLE, engine)
        with pytest.raises(SpotcheckError) as got:
            validate(path, rs)
        errors.append(str(got.value))
    assert errors[0] == errors[1] and "200" in errors[0]


def test_a_gbk_file_without_room_for_its_copy_is_the_reference_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A GB18030 file is read from a UTF-8 copy in a temporary folder; when the copy cannot be
    written (no room), the file is handed back, nothing counted, and the per-record path reads
    it with the same answer."""
    import tempfile

    rs = load_ruleset("shanxi/2025")
    path = tmp_path / "gbk.csv"
    _file(path)
    path.write_bytes(path.read_text("utf-8").encode("gb18030"))
    checker = Checker(rs)
    assert columnar.consume_csv(checker, path, FileInfo(str(path))) == len(ROWS)
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, "reference")
    reference = _answers(path, rs)

    def no_room(*args: object, **kwargs: object) -> tempfile.TemporaryDirectory[str]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", no_room)
    checker = Checker(rs)
    assert columnar.consume_csv(checker, path, FileInfo(str(path))) is None
    assert checker.read == 0 and not checker.problems
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, "columnar")
    assert _answers(path, rs) == reference


@pytest.mark.parametrize(
    ("codec", "named", "taken"),
    [
        ("gb18030", "gb18030", True),
        ("gbk", "gbk", True),
        ("utf-16", "utf-16", True),  # with its mark
        ("utf-16-le", "utf-16", True),  # without: the machine's order, as bytes.decode reads it
        ("utf-16-le", "utf-16-le", True),
        ("utf-8", "gb18030", False),  # the UTF-8 bytes do not read as GB18030: refused alike
        ("utf-8", "big5", False),
    ],
)
def test_a_codec_named_with_encoding_is_the_engine_s_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, codec: str, named: str, taken: bool
) -> None:
    """``--encoding`` names the codec (what Excel wrote, where the guess would refuse or
    choose otherwise): the engine reads the file from a UTF-8 copy made with that codec and
    records it, and its report and tables are the per-record path's; a file the codec does
    not read is handed back and refused by the per-record path alike."""
    from test_columnar_csv import _answers_of

    from spotcheck_rules.findings.encodings import reading_encoding

    rs = load_ruleset("shanxi/2025")
    path = tmp_path / "named.csv"
    _file(path)
    path.write_bytes(path.read_text("utf-8").encode(codec))
    with reading_encoding(named):
        got = columnar.consume_csv(Checker(rs), path, info := FileInfo(str(path)))
    assert (got == len(ROWS)) is taken
    if taken:
        assert info.encoding == named
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, "reference")
    reference = _answers_of(path, rs, named)
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, "columnar")
    consume = columnar.consume_csv
    took: list[int | None] = []
    monkeypatch.setattr(columnar, "consume_csv", lambda *a: took.append(consume(*a)) or took[-1])
    assert _answers_of(path, rs, named) == reference
    assert (len(ROWS) in took) is taken  # the engine read it, under the name given
    assert reference[0].startswith("{") is taken  # a report, or the refusal both raise

"""The columnar engine reads CSV findings files and gives the reference's answer.

One property: any CSV findings file — field-name and Chinese headers mixed, columns in any
order and some left out, yes/no flag columns per violation and 合理缺项 item, ``;``/``；``
lists, ids, labels and full-width spellings, untrimmed cells (``str.strip``'s every kind of
white space), blank and white-space ids, duplicate units, dates, regions, tiers, fines and
yes/no cells spelled every way staff write them (and wrongly), an unknown column, CRLF endings,
a BOM, tabs for commas, a ``\x01`` (the engine's glue character) in a cell, cells quoted the
canonical way, UTF-16 and GB18030 files — and now and then one thing the engine must leave to
the per-record path (:data:`HAND_BACK`: a quote inside an unquoted cell or an unclosed one, a
blank line or row, mixed or lone-CR line endings, a blank header cell, a row of the wrong
width, an empty cell past the header's last, a NUL; or an encoding named) gives byte for byte the same validation report and the same tables with
``SPOTCHECK_ENGINE=columnar`` as without. And the engine really runs: a plain file is taken by
:func:`~spotcheck_rules.findings.columnar.consume_csv` (and by ``validate``), one with any of
those things is handed back untouched; and the generator is checked against the reference
alone (its files read, their problems are of many codes, some have none), so that the
property is not vacuous. Why: the engine reads CSV cells with DuckDB, whose idea of a row is
not Python's csv module's; every way the two could part must send the file back.
"""

from __future__ import annotations

import functools
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")
pytest.importorskip("numpy")

from test_columnar import _answers
from test_rules import _choices, _record

from spotcheck_rules import load_ruleset
from spotcheck_rules.core.errors import SpotcheckError
from spotcheck_rules.findings import columnar
from spotcheck_rules.findings.checker import Checker
from spotcheck_rules.findings.encodings import reading_encoding
from spotcheck_rules.findings.readers import FileInfo, read_records
from spotcheck_rules.findings.spellings import vocabulary
from spotcheck_rules.findings.validation import validate
from spotcheck_rules.ruleset.ruleset import Ruleset


@functools.cache
def _shanxi() -> Ruleset:
    """The ruleset, loaded once (not a fixture argument of the property: Hypothesis would
    print its 125 kB repr with every failing example)."""
    return load_ruleset("shanxi/2025")


@pytest.fixture(scope="module")
def shanxi() -> Ruleset:
    return _shanxi()


# --------------------------------------------------------------------------- the generator

HAND_BACK = (
    "bad quote",
    "blank line",
    "blank row",
    "white line",
    "mixed endings",
    "lone cr",
    "blank header",
    "wide row",
    "trailing delimiter",
    "narrow row",
    "nul",
)
"""What a file may hold that the engine must leave to the per-record path (one a file)."""
_ODD = (*HAND_BACK, "quote", "utf-16", "gb18030", "tab", "control", "two columns one field")
"""And what the engine may take or not: a UTF-16 or GB18030 file (decoded as the reference
decodes it, read from a UTF-8 copy), a cell quoted the canonical way (wholly, a quote inside
doubled: DuckDB and Python's csv module cut it alike), a tab-separated UTF-8 file (the
separator is told from the header as the reference tells it), a cell holding ``\x01`` (the
character the engine glues cells with: such a row must be explained, not misread); a header
both paths refuse."""
RANDOM = "random"
"""``_csv_file``'s ``odd`` by default: one of :data:`_ODD` in about one file in three."""

_OPTIONAL = (
    "unit_name",
    "ownership",
    "region",
    "inspected_on",
    "tier",
    "violations",
    "not_applicable",
    "penalty.cases",
    "penalty.fine_yuan",
    "penalty.revoked",
    "referred",
    "opinion_issued",
)
_REQUIRED = ("unit_id", "domain", "category")
_HARM = ("harm.deaths", "harm.injured")
_UNKNOWN = ("备注", "remark", "检查人员")

_YES = ("是", "√", "✓", "yes", "Y", "1", "TRUE", "有", "是 ")
_NO = ("否", "×", "0", "no", "N", "无", "不", "", "", "", " ")
_GARBAGE = ("也许", "2", "ok", "是否")
_DATES = (
    "2025-06-01",
    "2025/6/1",
    "2025.6.1",
    "2025年6月1日",
    "2025 年 6 月 1 日",
    "2025-6-1",
    "45809",
    "45809.0",
)
_BAD_DATES = (
    "2024-06-01",
    "2026/1/1",
    "2025-13-01",
    "2025-02-30",
    "20250601",
    "昨天",
    "2025-06-01 10:00",
)
_REGIONS = ("140100", "140105")
_BAD_REGIONS = ("14010", "abc", "1401000", "１４０１００", "140 100")
_TIERS = ("一级", "二级", "三级", " 三级", "一级\u3000")
_BAD_TIERS = ("四级", "x")
_CASES = ("0", "1", "2", "3", "-1", "abc", "1.0", "+1", "１", "007", "2147483648", "9" * 20)
_FINES = (
    "0",
    "500",
    "12.5",
    "3000",
    "1,000.50",
    "１２３",
    "-3",
    "NaN",
    "abc",
    "0012.3",
    "1.234",
    "1e3",
    " 12 ",
    "9999999999.99",
    "10000000000",
    "0.01",
    "12.",
    ".5",
)
_PADS = (" ", "  ", "\u3000", "\u00a0", " ", "\u3000")
_EXOTIC_PADS = ("\x1f", "\x85", "\u2028", "\u2003", "\x0b", "\x0c")
"""White space too for ``str.strip`` (and no line break for the csv module)."""


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _header(rnd: random.Random, field: str, chinese: float) -> str:
    """A header for ``field``: one of its Chinese headers (``chinese`` the odds), else its name
    (``cases`` for ``penalty.cases`` now and then), now and then with spaces around it."""
    names = vocabulary().headers["findings"][field]
    if names and rnd.random() < chinese:
        name = rnd.choice(names)
        if rnd.random() < 0.2:
            name = name.replace("（", "(").replace("）", ")")  # the same header after NFKC
        if rnd.random() < 0.1:
            name = name[:1] + rnd.choice(_PADS) + name[1:]  # the same header: spaces dropped
    elif "." in field and rnd.random() < 0.4:
        name = field.split(".", 1)[1]
    else:
        name = field
    if rnd.random() < 0.05:
        name = rnd.choice((name.upper(), _full_width(name)))  # case folded, NFKC
    if rnd.random() < 0.05:
        name = rnd.choice(_PADS) + name + rnd.choice(("", " "))
    return name


def _word(rnd: random.Random, yes: bool, garbage: float = 0.0) -> str:
    """Yes or no as a cell spells it; now and then (``garbage``) neither."""
    if rnd.random() < garbage:
        return rnd.choice(_GARBAGE)
    return rnd.choice(_YES if yes else _NO)


def _joined(rnd: random.Random, items: list[str]) -> str:
    sep = rnd.choice((";", "；", "; ", " ; ", "；"))
    text = sep.join(items)
    if items and rnd.random() < 0.1:
        text += rnd.choice((";", "；"))
    return text


def _csv_file(
    rnd: random.Random, rs: Ruleset, size: int, odd: str | None = RANDOM
) -> tuple[bytes, list[str]]:
    """A CSV findings file of ``size`` records (and some duplicates) and what it was made with
    (for the failure's note). ``odd``: one thing of :data:`_ODD` to put in it, ``None`` for a
    plain file, or :data:`RANDOM` (about one file in three has one)."""
    choices = _choices(rs)
    made: list[str] = []
    plain = odd is None  # asked for: nothing the engine hands back, not even a quoted fine
    if odd == RANDOM:
        odd = rnd.choice(_ODD) if rnd.random() < 0.35 else None
    odd_at = rnd.randrange(size)
    if odd is not None:
        made.append(f"{odd} at record {odd_at + 1}")
    bad = 0.0 if rnd.random() < 0.12 else 1.0
    if not bad:
        made.append("tidy")
    chinese = 1.0 if odd == "gb18030" else rnd.choice((0.0, 0.5, 0.5, 1.0))
    made.append(f"chinese headers {chinese}")

    # the columns: fields, flag columns and an unknown one, in any order
    fields = [*_REQUIRED, *(f for f in _OPTIONAL if rnd.random() < 0.6)]
    if "violations" not in fields and rnd.random() < 0.7:
        fields.append("violations")  # else what no flag column takes is lost (F055 …)
    if rnd.random() < 0.1:
        fields += _HARM
    if rnd.random() < 0.03 * bad:
        gone = rnd.choice(_REQUIRED)
        fields.remove(gone)
        made.append(f"no {gone} column")
    columns: list[tuple[str, str, str]] = [(f, "", _header(rnd, f, chinese)) for f in fields]
    vocab = vocabulary()
    if rnd.random() < 0.6:
        dom, _, _, codes, _ = rnd.choice(choices)
        rules = rs.domain(dom)
        for code in rnd.sample(codes, k=min(len(codes), rnd.randrange(1, 5))):
            entry = rules.codes.get(code)
            ref = entry.label if entry is not None and rnd.random() < 0.3 else code
            if rnd.random() < 0.1:
                ref = _full_width(ref)
            prefix = rnd.choice(vocab.flag_prefixes["violations"])
            columns.append(("flag:violations", code, prefix + rnd.choice(("", " ")) + ref))
    if rnd.random() < 0.15:
        items = rnd.choice(choices)[4]
        for item in rnd.sample(items, k=min(len(items), rnd.randrange(1, 3))):
            prefix = rnd.choice(vocab.flag_prefixes["not_applicable"])
            columns.append(("flag:not_applicable", item, prefix + item))
    if rnd.random() < 0.4:
        columns.append(("unknown", "", rnd.choice(_UNKNOWN)))
    rnd.shuffle(columns)
    made.append("columns " + "|".join(h for _, _, h in columns))

    delimiter = "\t" if odd == "tab" or (odd == "utf-16" and rnd.random() < 0.7) else ","
    rows: list[list[str]] = []
    n_records = 0 if rnd.random() < 0.02 else size
    if not n_records:
        made.append("header only")
    for n in range(n_records):
        rows.append(_row(rnd, rs, choices, columns, n, bad))
        if rows and rnd.random() < 0.08:
            # a unit named again: the same row, or with its date or its id's spacing changed
            again = list(rnd.choice(rows))
            for i, (kind, _, _) in enumerate(columns):
                if kind == "inspected_on" and rnd.random() < 0.5:
                    again[i] = rnd.choice(_DATES + _BAD_DATES if bad else _DATES)
                elif kind == "unit_id" and rnd.random() < 0.4 * bad:
                    again[i] = rnd.choice(
                        (
                            rnd.choice(_PADS + _EXOTIC_PADS) + again[i],
                            again[i] + rnd.choice(_PADS + _EXOTIC_PADS),
                            _full_width(again[i]),  # another unit, or the same after NFKC?
                            again[i].upper(),
                        )
                    )
            rows.append(again)
    for row in rows:
        for i, cell in enumerate(row):
            assert not any(c in cell for c in '"\t\r\n\x00\x01'), cell
            if cell and delimiter == "," and rnd.random() < 0.005:
                row[i] = cell = "\t" + cell  # white space too, where the tab separates nothing
            if "," in cell and delimiter == ",":  # a fine written 1,000.50
                if plain:
                    row[i] = cell.replace(",", "")
                else:
                    row[i] = '"' + cell + '"'  # quoted: the engine hands the file back
                    made.append(f"quoted {cell}")

    header = [h for _, _, h in columns]
    at = min(odd_at, len(rows) - 1)
    if odd == "blank header":
        j = rnd.randrange(len(header) + 1)
        header.insert(j, rnd.choice(("", " ")))
        for i, row in enumerate(rows):
            row.insert(j, "x" if i == at and rnd.random() < 0.3 else "")
    elif odd == "two columns one field" and columns:
        j = rnd.randrange(len(header))
        header.append(header[j])
        for row in rows:
            row.append(row[j])
    elif rows and odd in ("wide row", "trailing delimiter", "narrow row"):
        if odd == "wide row":
            rows[at].extend(rnd.choice((["x"], [" x"], ["0"], ["", ""], ["", "x"])))
        elif odd == "trailing delimiter":  # one more cell, empty: the line ends in a comma
            rows[at].append("")
        elif len(rows[at]) > 1:
            rows[at].pop()
        else:
            rows[at].append("")
    elif rows and odd in ("quote", "bad quote", "control", "nul"):
        k = rnd.randrange(len(rows[at]))
        cell = rows[at][k]
        if odd == "quote":  # canonical: the engine reads it
            rows[at][k] = rnd.choice(
                ('"' + cell + ',x"', '"' + cell + '""x"', '"' + cell + '"', '""', '"' + cell + ',"')
            )
        elif odd == "bad quote":  # not canonical: the two readers could part
            rows[at][k] = rnd.choice(('a"b', '"' + cell + '"x', ' "' + cell + '"', '"' + cell))
        else:
            rows[at][k] = cell + ("\x01" if odd == "control" else "\x00")

    width = len(header)
    lines = [delimiter.join(header), *(delimiter.join(r) for r in rows)]
    place = min(at + 2, len(lines))  # after the odd record's line
    if odd == "blank line":
        lines.insert(place, "")
    elif odd == "blank row":
        blanks = ["" if rnd.random() < 0.7 else rnd.choice(_PADS) for _ in range(width)]
        lines.insert(place, delimiter.join(blanks))
    elif odd == "white line":
        lines.insert(place, rnd.choice(_PADS))
    crlf = rnd.random() < 0.25
    end = "\r\n" if crlf else "\n"
    ends = [end] * len(lines)
    if odd == "mixed endings":
        ends[place - 1] = "\n" if crlf else "\r\n"
    elif odd == "lone cr":
        ends[place - 1] = "\r"
    if crlf:
        made.append("CRLF")
    if rnd.random() < 0.15 and odd not in ("mixed endings", "lone cr", "blank line"):
        ends[-1] = ""
        made.append("no final newline")
    text = "".join(line + e for line, e in zip(lines, ends, strict=True))
    if odd == "utf-16":
        data = text.encode("utf-16")  # with its byte-order mark, as Excel's "Unicode text"
    elif odd == "gb18030":
        data = text.encode("gb18030")
    else:
        data = text.encode("utf-8")
        if rnd.random() < 0.1:
            boms = 2 if rnd.random() < 0.1 else 1  # twice: the second is the header's text
            data = b"\xef\xbb\xbf" * boms + data
            made.append(f"BOM x{boms}")
    return data, made


def _row(
    rnd: random.Random,
    rs: Ruleset,
    choices: list[tuple[str, list[str], list[str], list[str], list[str]]],
    columns: list[tuple[str, str, str]],
    n: int,
    bad: float,
) -> list[str]:
    """One record's cells: a record of :func:`test_rules._record`, spelled as staff spell it
    (``bad`` scales the odds of a cell spelled wrongly; 0: a tidy record, which has no error)."""
    if bad:
        rec = _record(rnd, choices, n)
        if not rec.get("violations") and rec.get("penalty") and rnd.random() < 0.5:
            del rec["penalty"]  # fewer F055: a penalty without a violation
    else:
        dom, leaves, _, _, _ = rnd.choice(choices)
        rec = {"unit_id": f"u{n}", "domain": dom, "category": rnd.choice(leaves)}
        rec["ownership"] = rnd.choice(["public", "private", "公立", "民营"])
    rules = next(
        (r for d, r in rs.domains.items() if getattr(d, "value", d) == rec["domain"]), None
    )
    violations: list[str] = list(rec.get("violations", []))
    not_applicable: list[str] = list(rec.get("not_applicable", []))
    cells: list[str] = []
    for kind, ref, _ in columns:
        if kind == "flag:violations" or kind == "flag:not_applicable":
            have = violations if kind == "flag:violations" else not_applicable
            if ref in have and rnd.random() < 0.85:
                have.remove(ref)
                cells.append(_word(rnd, True, 0.02 * bad))
            else:
                cells.append(_word(rnd, rnd.random() < 0.03 * bad, 0.02 * bad))
            continue
        cells.append(_cell(rnd, rec, kind, rules, bad))
    # the list columns last: what the flag columns did not take
    for i, (kind, _, _) in enumerate(columns):
        if kind == "violations":
            shown = []
            for code in violations:
                entry = rules.codes.get(code) if rules is not None else None
                text = entry.label if entry is not None and rnd.random() < 0.2 else code
                shown.append(_full_width(text) if rnd.random() < 0.05 * bad else text)
            cells[i] = _joined(rnd, shown)
        elif kind == "not_applicable":
            cells[i] = _joined(rnd, not_applicable)
    return [_padded(rnd, c) for c in cells]


def _cell(rnd: random.Random, rec: dict[str, Any], field: str, rules: Any, bad: float) -> str:
    """The cell of ``field`` (not a flag column; a list column is filled by the caller)."""
    pen: dict[str, Any] = rec.get("penalty") or {}
    if field == "unit_id":
        if rnd.random() < 0.02 * bad:
            return rnd.choice(_EXOTIC_PADS)  # blank for str.strip
        return str(rec["unit_id"])
    if field == "domain":
        dom = str(rec["domain"])
        if rules is not None and rnd.random() < 0.15:
            return str(rules.label)
        return _full_width(dom) if rnd.random() < 0.03 * bad else dom
    if field == "category":
        cat = rules.categories.get(rec["category"]) if rules is not None else None
        text = str(cat.label) if cat is not None and rnd.random() < 0.2 else str(rec["category"])
        return _full_width(text) if rnd.random() < 0.03 * bad else text
    if field == "unit_name":
        return str(rec.get("unit_name", rnd.choice(("某医院", "某 医院", "", ""))))
    if field == "ownership":
        return str(rec.get("ownership", ""))
    if field == "region":
        if rnd.random() < 0.3:
            return ""
        return rnd.choice(_BAD_REGIONS if rnd.random() < 0.1 * bad else _REGIONS)
    if field == "inspected_on":
        if rnd.random() < 0.3:
            return ""
        return rnd.choice(_BAD_DATES if rnd.random() < 0.1 * bad else _DATES)
    if field == "tier":
        if rnd.random() < 0.6:
            return ""
        return rnd.choice(_BAD_TIERS if rnd.random() < 0.1 * bad else _TIERS)
    if field in ("referred", "opinion_issued"):
        if field not in rec:
            return "" if rnd.random() < 0.8 else _word(rnd, False)
        return _word(rnd, bool(rec[field]), 0.05 * bad)
    if field == "penalty.cases":
        if "cases" not in pen:
            return "" if rnd.random() < 1 - 0.1 * bad else rnd.choice(_CASES)
        if rnd.random() < 0.3 * bad:
            return rnd.choice(_CASES)
        return str(pen["cases"]) if rnd.random() < 0.7 else rnd.choice(_CASES[:4])
    if field == "penalty.fine_yuan":
        if "fine_yuan" not in pen:
            return "" if rnd.random() < 1 - 0.1 * bad else rnd.choice(_FINES)
        return str(pen["fine_yuan"]) if rnd.random() < 0.6 else rnd.choice(_FINES)
    if field == "penalty.revoked":
        return _joined(rnd, list(pen.get("revoked", [])))
    if field in ("violations", "not_applicable"):
        return ""  # filled in by the caller with what the flag columns did not take
    if field in _HARM:
        harm: dict[str, Any] = rec.get("harm") or {}
        key = field.split(".", 1)[1]
        if key in harm:
            return str(harm[key])
        return "" if rnd.random() < 1 - 0.3 * bad else rnd.choice(("0", "1", "x"))
    assert field == "unknown", field
    return "" if rnd.random() < 1 - 0.1 * bad else rnd.choice(("x", "复查", "0"))


def _padded(rnd: random.Random, cell: str) -> str:
    """Now and then a cell with white space around it (the reader strips it)."""
    if cell and rnd.random() < 0.04:
        pads = _EXOTIC_PADS if rnd.random() < 0.15 else _PADS
        return rnd.choice(pads) + cell + rnd.choice(("", *pads))
    return cell


def _answers_of(path: Path, rs: Ruleset, encoding: str | None = None) -> tuple[str, str]:
    """:func:`test_columnar._answers`, or the error both paths must raise alike (a header or
    an encoding refused), read with ``encoding`` named if given."""
    with reading_encoding(encoding):
        try:
            return _answers(path, rs)
        except SpotcheckError as exc:
            problems = [p.model_dump_json() for p in exc.problems]
            return f"{type(exc).__name__}: {exc}", "\n".join(problems)


# --------------------------------------------------------------------------- the property


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(1, 80))
def test_csv_engine_and_reference_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, size: int
) -> None:
    """Validation report and tables, byte for byte: the engine against the per-record path."""
    shanxi = _shanxi()
    rnd = random.Random(seed)
    data, made = _csv_file(rnd, shanxi, size)
    encoding = (
        rnd.choice(("utf-8", "utf-8-sig", "gb18030", "utf-16")) if rnd.random() < 0.1 else None
    )
    if encoding is not None:
        made.append(f"read as {encoding}")
    note("; ".join(made))
    path = tmp_path / f"f{seed}-{size}.csv"
    path.write_bytes(data)
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, "reference")
    reference = _answers_of(path, shanxi, encoding)
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, "columnar")
    monkeypatch.setattr(columnar, "CSV_MIN_BYTES", 0)  # small files too, for the property
    engine = _answers_of(path, shanxi, encoding)
    assert engine[0] == reference[0]
    assert engine[1] == reference[1]


def test_the_generator_makes_varied_files(shanxi: Ruleset, tmp_path: Path) -> None:
    """The property is only as good as its files: on the reference path alone they read, their
    problems are of many codes, some files have none, and what the engine hands back turns up."""
    codes: Counter[str] = Counter()
    clean = refused = 0
    odd: Counter[str] = Counter()
    path = tmp_path / "g.csv"
    for seed in range(200):
        rnd = random.Random(seed)
        data, made = _csv_file(rnd, shanxi, rnd.randrange(1, 25))
        odd.update(m.split(" at ")[0] for m in made if " at record " in m)
        path.write_bytes(data)
        try:
            report = json.loads(_answers(path, shanxi)[0])
        except SpotcheckError:
            refused += 1
            continue
        found = [p["code"] for p in report["problems"]]
        codes.update(set(found))
        clean += not any(p["severity"] == "error" for p in report["problems"])
    assert clean >= 3, clean
    assert refused <= 20, refused
    assert len(codes) >= 15, codes
    # unparsable rows (a yes/no cell that is neither, a row of the wrong width), an unknown
    # column, a region, a date, duplicates
    for code in ("F001", "F004", "F005", "F030"):
        assert code in codes, (code, codes)
    assert set(odd) == set(_ODD), set(_ODD) - set(odd)


# --------------------------------------------------------------------------- the engine runs


def test_the_engine_takes_a_plain_csv(shanxi: Ruleset, tmp_path: Path) -> None:
    """Not a property that holds because everything falls back: a plain file is the engine's
    (with CRLF endings, a BOM or tabs too), and a file with any of the things of
    :data:`HAND_BACK` is handed back untouched (nothing counted, nothing reported)."""
    path = tmp_path / "plain.csv"
    explained = 0
    for seed in range(3):
        data, _ = _csv_file(random.Random(seed), shanxi, 60, odd=None)
        data = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
        tab, _ = _csv_file(random.Random(seed), shanxi, 60, odd="tab")
        variants = {
            "LF": data,
            "CRLF": data.replace(b"\n", b"\r\n"),
            "BOM": b"\xef\xbb\xbf" + data,
            "tab": tab,
        }
        for how, variant in variants.items():
            path.write_bytes(variant)
            want = sum(1 for _ in read_records(path))
            checker = Checker(shanxi)
            got = columnar.consume_csv(checker, path, FileInfo(str(path)))
            assert got == want and checker.read == want, (seed, how)
            explained += bool(checker.problems)  # the faults were explained
    assert explained
    for odd in HAND_BACK:
        for seed in range(6):  # LF and CRLF, the odd thing at a row's start, middle and end
            data, made = _csv_file(random.Random(seed), shanxi, 20, odd=odd)
            path.write_bytes(data)
            checker = Checker(shanxi)
            assert columnar.consume_csv(checker, path, FileInfo(str(path))) is None, made
            assert checker.read == 0 and not checker.problems, made


def test_validate_runs_the_engine_unless_an_encoding_is_named(
    shanxi: Ruleset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the public path: ``validate`` of a plain CSV file with the engine chosen is
    the engine's; with an encoding named (even UTF-8) it is the reader's."""
    calls: list[int | None] = []
    real = columnar.consume_csv

    def spy(*args: Any, **kwargs: Any) -> int | None:
        n = real(*args, **kwargs)
        calls.append(n)
        return n

    monkeypatch.setattr(columnar, "consume_csv", spy)
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, "columnar")
    monkeypatch.setattr(columnar, "CSV_MIN_BYTES", 0)
    path = tmp_path / "plain.csv"
    path.write_bytes(_csv_file(random.Random(5), shanxi, 30, odd=None)[0])
    report = validate(path, shanxi)
    assert calls == [report.input.records_read]
    calls.clear()
    for encoding in ("utf-8", "utf-8-sig"):
        assert validate(path, shanxi, encoding=encoding) == report
    assert all(n is None for n in calls), calls


def test_the_engine_does_not_import_pandas(shanxi: Ruleset, tmp_path: Path) -> None:
    """As for JSON Lines (tests/test_columnar.py): a fresh process runs the engine on a plain
    CSV file and must not have imported pandas (0.6 s of an engine run at 1M findings)."""
    pytest.importorskip("pandas")  # without it the test could not fail
    path = tmp_path / "plain.csv"
    data, _ = _csv_file(random.Random(3), shanxi, 300, odd=None)
    path.write_bytes(data)
    want = sum(1 for _ in read_records(path))
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from spotcheck_rules import load_ruleset\n"
        "from spotcheck_rules.findings import columnar\n"
        "from spotcheck_rules.findings.checker import Checker\n"
        "from spotcheck_rules.findings.readers import FileInfo\n"
        "c = Checker(load_ruleset('shanxi/2025'))\n"
        f"n = columnar.consume_csv(c, Path({str(path)!r}), FileInfo({str(path)!r}))\n"
        f"assert n == {want}, n\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"

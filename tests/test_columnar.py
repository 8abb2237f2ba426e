"""The columnar engine (spotcheck_rules.findings.columnar) gives the reference's answer.

One property: any JSON Lines file — mostly valid records with every kind of fault, duplicates,
full-width and label spellings, blank and white-space ids, ids and labels, fines as text and as
numbers, escaped or raw Chinese, compact or spaced JSON, and now and then what the engine must
leave to the per-record path (a ``null``, an unknown field, a blank line, a key written
``"k" :``, a line that is not an object) — gives byte for byte the same validation report and the
same tables with ``SPOTCHECK_ENGINE=columnar`` as without. And the engine really runs: a file of
plain records is taken by it, not handed back.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")
pytest.importorskip("numpy")

from test_rules import _choices, _record

from spotcheck_rules import load_ruleset
from spotcheck_rules.core.errors import SpotcheckError
from spotcheck_rules.findings import columnar
from spotcheck_rules.findings.checker import Checker
from spotcheck_rules.findings.columnquery import WHITE_SPACE
from spotcheck_rules.findings.readers import FileInfo
from spotcheck_rules.findings.validation import validate
from spotcheck_rules.ruleset.ruleset import Ruleset
from spotcheck_rules.tables.aggregation import aggregate


@pytest.fixture(scope="module")
def shanxi() -> Ruleset:
    return load_ruleset("shanxi/2025")


def test_white_space_is_what_strip_removes() -> None:
    every = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert set(WHITE_SPACE) == every


def _spelled(rnd: random.Random, rs: Ruleset, rec: dict[str, Any]) -> dict[str, Any]:
    """Labels instead of ids now and then, full-width or not; a fine as a number or text."""
    rules = next(
        (r for d, r in rs.domains.items() if getattr(d, "value", d) == rec["domain"]), None
    )
    if rules is not None:
        if rnd.random() < 0.2:
            rec["domain"] = rules.label
        cat = rules.categories.get(rec["category"]) if rnd.random() < 0.2 else None
        if cat is not None:
            rec["category"] = cat.label
        if rec.get("violations") and rnd.random() < 0.2:
            code = rules.codes.get(rec["violations"][0])
            if code is not None:
                rec["violations"][0] = code.label
    pen = rec.get("penalty")
    if isinstance(pen, dict) and "fine_yuan" in pen and rnd.random() < 0.2:
        pen["fine_yuan"] = rnd.choice(["１２３", "1,000.50", " 12 ", 7, 12.0, 12.5, "0012.3"])
    if rnd.random() < 0.2:
        rec["tier"] = rnd.choice(["一级", "二级", " 三级", "一级\u3000", ""])
    if rnd.random() < 0.03:
        rec["violations"] = []
    if rnd.random() < 0.03:
        rec["penalty"] = {}
    return rec


def _file(rnd: random.Random, rs: Ruleset, size: int) -> tuple[bytes, list[str]]:
    """A findings file and what it was made with (for the failure's note). About one file in
    three has one thing the engine must leave to the per-record path."""
    choices = _choices(rs)
    ascii_only = rnd.random() < 0.3
    seps = (",", ":") if rnd.random() < 0.5 else (", ", ": ")
    made = [f"ascii={ascii_only}", f"separators={seps}"]
    odd = rnd.choice(["null", "unknown", "spaced", "not an object", "blank", "quote", "crlf"])
    odd_at = rnd.randrange(size) if rnd.random() < 0.35 else -1
    lines: list[str] = []
    texts: list[str] = []  # the records written, to name a unit again
    for n in range(size):
        rec = _spelled(rnd, rs, _record(rnd, choices, n))
        if rnd.random() < 0.02:
            rec["unit_id"] = rnd.choice([5, ["u"], "u\\1", "u\u00a0", "\u3000u"])
        here = n == odd_at
        if here:
            # on a record with nothing else wrong, so that only the odd thing can differ
            dom, leaves = choices[0][0], choices[0][1]
            rec = {"unit_id": f"odd{n}", "domain": dom, "category": leaves[0]}
            made.append(f"{odd} at {n + 1}")
            if odd == "null":
                rec[rnd.choice(["tier", "violations", "unit_id"])] = None
            elif odd == "unknown":
                rec["remark"] = "x"
            elif odd == "quote":
                rec["unit_name"] = 'a"b'
        text = json.dumps(rec, ensure_ascii=ascii_only, separators=seps)
        if here and odd == "spaced":
            text = text.replace('":', '" :', 1)
        elif here and odd == "not an object":
            text = rnd.choice(["[1]", "not json", '"u"', "{}"])
        lines.append(text)
        if text.startswith("{"):
            texts.append(text)
        if texts and rnd.random() < 0.1:
            # a unit named again: the same line, or with something changed (F030, F031)
            again = json.loads(rnd.choice(texts))
            if isinstance(again, dict) and rnd.random() < 0.5:
                again["inspected_on"] = "2025-07-01"
            if isinstance(again, dict) and isinstance(again.get("unit_id"), str):
                again["unit_id"] = rnd.choice(["", " ", "\u3000"]) + again["unit_id"]
            lines.append(json.dumps(again, ensure_ascii=ascii_only, separators=seps))
        if here and odd == "blank":
            lines.append(rnd.choice(["", "  "]))
    end = "\r\n" if odd_at >= 0 and odd == "crlf" else "\n"
    body = end.join(lines) + (end if rnd.random() < 0.8 else "")
    data = body.encode("utf-8")
    if rnd.random() < 0.05:
        data = b"\xef\xbb\xbf" + data
        made.append("BOM")
    return data, made


def _answers(path: Path, rs: Ruleset) -> tuple[str, str]:
    report = validate(path, rs).model_dump_json()
    try:
        table = aggregate(path, rs, skip_invalid=True).model_dump_json()
    except SpotcheckError as exc:  # a file with no table (e.g. nothing accepted) must fail alike
        table = f"{type(exc).__name__}: {exc}"
    return report, table


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(1, 80))
def test_columnar_engine_and_reference_agree(
    shanxi: Ruleset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, size: int
) -> None:
    """Validation report and tables, byte for byte: the engine against the per-record path."""
    rnd = random.Random(seed)
    data, made = _file(rnd, shanxi, size)
    note("; ".join(made))
    path = tmp_path / f"f{seed}-{size}.jsonl"
    path.write_bytes(data)
    monkeypatch.setattr(columnar, "MIN_BYTES", 0)  # small files too, for the property
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, "reference")
    reference = _answers(path, shanxi)
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, "columnar")
    engine = _answers(path, shanxi)
    assert engine[0] == reference[0]
    assert engine[1] == reference[1]


def test_the_engine_takes_a_file_of_plain_records(shanxi: Ruleset, tmp_path: Path) -> None:
    """Not a property that holds because everything falls back: a plain file is the engine's,
    and a file with a ``null`` or a blank line is handed back untouched."""
    rnd = random.Random(7)
    choices = _choices(shanxi)
    recs = [_record(rnd, choices, n) for n in range(200)]
    path = tmp_path / "plain.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n", "utf-8")
    checker = Checker(shanxi)
    assert columnar.consume_columnar(checker, path, FileInfo(str(path))) == 200
    assert checker.read == 200 and checker.problems  # the faults were explained
    for odd in ('{"unit_id": "x", "domain": "medical", "category": "c", "tier": null}', ""):
        path.write_text(path.read_text("utf-8") + odd + "\n" + "{}\n", "utf-8")
        checker = Checker(shanxi)
        assert columnar.consume_columnar(checker, path, FileInfo(str(path))) is None
        assert checker.read == 0 and not checker.problems


def test_sums_by_group_are_exact_on_both_branches() -> None:
    """The fine sums per combination: float64 bincount where every partial sum is exact, the
    exact int64 path where it might not be (fines near the 10¹⁰-yuan limit, many rows)."""
    import numpy as np

    from spotcheck_rules.findings.columnengine import sum_by

    rnd = random.Random(7)
    for big in (False, True):
        top = 10**12 if big else 10**6
        n_rows = 20_000 if big else 1_000
        values = np.array([rnd.randrange(top) for _ in range(n_rows)], dtype=np.int64)
        values[0] = top - 1
        group = np.array([rnd.randrange(5) for _ in range(n_rows)], dtype=np.int64)
        want = [0] * 6
        for g, v in zip(group.tolist(), values.tolist(), strict=True):
            want[g] += v
        got = sum_by(group, values, 6)
        assert got.dtype == np.int64 and got.tolist() == want
        assert (int(values.max()) * len(values) >= 1 << 53) is big  # the branch meant


@given(
    st.lists(
        st.one_of(
            st.integers(0, 2**64 - 1),
            st.sampled_from([0, 1, 2**63 - 1, 2**63, 2**63 + 1, 2**64 - 1]),
        ),
        max_size=60,
    )
)
def test_every_row_of_a_repeated_key_is_sent_to_the_checker(keys: list[int]) -> None:
    """The duplicate step (two halves by the top bit, sorted on two threads) marks exactly the
    rows whose key is seen more than once, on both sides of 2⁶³, and nothing else."""
    from collections import Counter

    import numpy as np

    from spotcheck_rules.findings.columnengine import duplicates

    mixed = np.array(keys, dtype=np.uint64)
    clean = np.ones(len(keys), dtype=bool)
    duplicates(clean, mixed)
    seen = Counter(keys)
    assert clean.tolist() == [seen[k] == 1 for k in keys]


def test_which_engine_each_setting_chooses(
    shanxi: Ruleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``auto`` (also unset) takes the engine only from the sizes where it was measured faster
    and only with its libraries installed; ``columnar`` from its own thresholds; ``reference``
    (or a word it does not know) never."""
    mb = 1 << 20
    cases = [
        # setting, size, parquet (or "csv"), installed, engine?
        (None, columnar.AUTO_MIN_BYTES, False, True, True),
        (None, columnar.AUTO_CSV_MIN_BYTES, "csv", True, True),
        (None, columnar.AUTO_CSV_MIN_BYTES - 1, "csv", True, False),
        ("columnar", 10, "csv", True, True),
        ("columnar", 10, "csv", False, False),
        ("reference", 600 * mb, "csv", True, False),
        (None, columnar.AUTO_MIN_BYTES - 1, False, True, False),
        ("auto", 600 * mb, False, True, True),
        ("auto", 600 * mb, False, False, False),
        ("auto", 2 * mb, True, True, True),
        ("auto", mb // 2, True, True, False),
        ("columnar", columnar.MIN_BYTES, False, True, True),
        ("columnar", columnar.MIN_BYTES - 1, False, True, False),
        ("columnar", 10, True, True, True),
        ("columnar", columnar.MIN_BYTES, False, False, False),
        ("reference", 600 * mb, False, True, False),
        ("per-record", 600 * mb, True, True, False),
    ]
    for setting, size, parquet, installed, want in cases:
        if setting is None:
            monkeypatch.delenv(columnar.ENGINE_VARIABLE, raising=False)
        else:
            monkeypatch.setenv(columnar.ENGINE_VARIABLE, setting)
        monkeypatch.setattr(columnar, "installed", lambda v=installed: v)
        kind = {"parquet": parquet is True, "csv": parquet == "csv"}
        got = columnar.wanted(Checker(shanxi), None, True, size, **kind)
        assert got is want, (setting, size, parquet, installed)
    # and never where it could not give the reference's answer
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, "columnar")
    assert not columnar.wanted(Checker(shanxi), print, True, 600 * mb)  # a record handed on
    assert not columnar.wanted(Checker(shanxi), None, False, 600 * mb)  # more input follows
    assert not columnar.wanted(Checker(shanxi, record_outcomes=True), None, True, 600 * mb)


def test_the_libraries_are_found() -> None:
    assert columnar.installed()  # the test extra installs the columnar extra


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1)), max_size=40),
    start=st.integers(0, 45),
    kind=st.sampled_from(["int8", "int32", "int64", "uint64", "bool"]),
)
def test_numbers_reads_the_buffers_as_pyarrow_would(
    values: list[int | None], start: int, kind: str
) -> None:
    """``numbers`` (the buffers, not pyarrow's ``to_numpy``) gives each value, a null as the
    fill, for a sliced array (an offset that is not a whole byte of bits) and a chunked one."""
    import pyarrow as pa

    from spotcheck_rules.findings.arrowbuffers import numbers

    if kind == "bool":
        py: list[Any] = [None if v is None else v % 3 == 0 for v in values]
    elif kind in ("int8", "uint64"):
        py = [None if v is None else abs(v) % 100 for v in values]
    else:
        py = values
    arr = pa.array(py, type=getattr(pa, kind if kind != "bool" else "bool_")())
    part = arr.slice(min(start, len(arr)))
    want = [(False if kind == "bool" else 7) if v is None else v for v in part.to_pylist()]
    fill = 7 if kind != "bool" else 0
    assert numbers(part, fill).tolist() == want
    chunked = pa.chunked_array([part, part], type=part.type)
    assert numbers(chunked, fill).tolist() == want + want


def test_the_engine_does_not_import_pandas(tmp_path: Path) -> None:
    """pyarrow's ``to_numpy`` imports pandas when it is installed (the test extra installs it):
    0.6 s of a 2.2 s engine run at 1M findings. A fresh process runs the engine on a plain
    file and must not have imported it."""
    import subprocess
    import sys

    pytest.importorskip("pandas")  # without it the test could not fail
    rnd = random.Random(3)
    shanxi = load_ruleset("shanxi/2025")
    choices = _choices(shanxi)
    path = tmp_path / "plain.jsonl"
    recs = [_record(rnd, choices, n) for n in range(300)]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n", "utf-8")
    code = (
        "import sys\n"
        "from spotcheck_rules import load_ruleset\n"
        "from spotcheck_rules.findings import columnar\n"
        "from spotcheck_rules.findings.checker import Checker\n"
        "from spotcheck_rules.findings.readers import FileInfo\n"
        "c = Checker(load_ruleset('shanxi/2025'))\n"
        f"n = columnar.consume_columnar(c, __import__('pathlib').Path({str(path)!r}), "
        f"FileInfo({str(path)!r}))\n"
        "assert n == 300, n\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_every_field_the_query_reads_is_counted_once() -> None:
    """The key count (a field DuckDB skipped or read as absent sends the file to the per-record
    path) adds ``nkeys`` to what ``sig``, ``facts``, ``vkind`` and ``cents`` show: together
    they must name each field the query reads exactly once, or a file with a ``null`` in the
    field left out would be taken."""
    from spotcheck_rules.findings import columnquery as q

    shown = [
        *q.SIG_FIELDS,
        "penalty",
        *q.FACT_FIELDS,
        *q.SELF_COUNTED,
        "violations",
        "penalty.fine_yuan",
        "harm",
        *(f"harm.{k}" for k in q._HARM),
    ]
    read = [*q._TOP, "penalty", "harm", *(f"penalty.{k}" for k in q._PENALTY)]
    read += [f"harm.{k}" for k in q._HARM]
    assert sorted(shown) == sorted(read)


def test_the_pairs_table_and_its_fallback_agree(
    shanxi: Ruleset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The (entry, violation spelling) table and the per-batch path for a file of too many
    distinct spellings give the same answer (the table off: at most 0 pairs)."""
    from spotcheck_rules.findings import columnengine

    rnd = random.Random(5)
    choices = _choices(shanxi)
    recs = [_spelled(rnd, shanxi, _record(rnd, choices, n)) for n in range(300)]
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n", "utf-8")
    assert columnar.consume_columnar(Checker(shanxi), path, FileInfo(str(path))) == 300
    monkeypatch.setattr(columnar, "MIN_BYTES", 0)
    monkeypatch.setenv(columnar.ENGINE_VARIABLE, "columnar")
    with_table = _answers(path, shanxi)
    monkeypatch.setattr(columnengine, "_PAIR_CELLS", 0)
    assert _answers(path, shanxi) == with_table


def test_a_null_and_a_spaced_key_do_not_cancel_out(shanxi: Ruleset, tmp_path: Path) -> None:
    """The key count: a ``null`` (read by DuckDB as absent) in a file where another key is
    written ``"k" :`` once left as many ``":`` pairs as the fields the query counted, so a
    count of pairs took the file and lost the reference's error for the ``null``. Colons count
    every key however it is spaced: the file goes to the per-record path, and the answers
    agree. A colon inside a text also sends the file there; a spaced key alone does not."""
    rnd = random.Random(9)
    choices = _choices(shanxi)
    recs = [json.dumps(_record(rnd, choices, n), ensure_ascii=False) for n in range(30)]
    dom, leaves = choices[0][0], choices[0][1]
    null = {"unit_id": "n1", "domain": dom, "category": leaves[0], "violations": None}
    spaced = json.dumps({"unit_id": "s1", "domain": dom, "category": leaves[0]})
    spaced = spaced.replace('":', '" :', 1)
    colon = {"unit_id": "c1", "unit_name": "a:b", "domain": dom, "category": leaves[0]}
    path = tmp_path / "f.jsonl"
    for extra, taken in (
        ([json.dumps(null), spaced], False),
        ([json.dumps(colon, ensure_ascii=False)], False),
        ([spaced], True),
    ):
        path.write_text("\n".join([*recs, *extra]) + "\n", "utf-8")
        got = columnar.consume_columnar(Checker(shanxi), path, FileInfo(str(path)))
        assert (got is not None) is taken, extra

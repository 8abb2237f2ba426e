"""Fuzzing every reader (issue 10): only SpotcheckError escapes, and read = accepted + rejected.

Each target mutates a real file (the examples, a bundled ruleset, an audit record and a result
written by the CLI) by byte flips, insertions of hostile tokens, deletions, duplications and
truncations, or builds input from a structured generator, and reads it the way the library
does. Anything but a :class:`SpotcheckError` escaping a reader is a failure; so is a findings
file whose records are not all accounted for.

In CI each target runs a few dozen examples, derandomized (the same ones every run, well under
a minute in all). A longer, random run is a separate command::

    FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py -q

(``FUZZ_EXAMPLES`` is the number of examples per target; the run is then random and Hypothesis
keeps the failures it finds in ``.hypothesis/`` to replay them first next time.)
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spotcheck_rules import load_ruleset
from spotcheck_rules.cli.app import main
from spotcheck_rules.core.errors import SpotcheckError
from spotcheck_rules.draws.audit import read_audit
from spotcheck_rules.draws.roster import read_inspectors, read_roster
from spotcheck_rules.findings.readers import read_records
from spotcheck_rules.findings.validation import validate
from spotcheck_rules.ruleset.documents import read_yaml
from spotcheck_rules.ruleset.loader import check_files
from spotcheck_rules.ruleset.ruleset import Ruleset
from spotcheck_rules.tables.aggregation import aggregate
from spotcheck_rules.tables.census import load_census

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 0)


def fuzz(ci_examples: int) -> Callable[[Any], Any]:
    """Hypothesis settings: ``ci_examples`` derandomized in CI, ``FUZZ_EXAMPLES`` random."""
    return settings(
        max_examples=FUZZ_EXAMPLES or ci_examples,
        deadline=None,
        derandomize=not FUZZ_EXAMPLES,
        database=None if not FUZZ_EXAMPLES else settings.default.database,
        suppress_health_check=list(HealthCheck),
    )


# --------------------------------------------------------------------------- seeds

_counter = itertools.count()


class Box:
    """A folder for the files of one module run; each example gets a new file name (the
    ruleset loader caches by path, modification time and size)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, name: str, data: bytes) -> Path:
        path = self.root / f"{next(_counter)}-{name}"
        path.write_bytes(data)
        return path


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Box:
    return Box(tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module")
def shanxi() -> Ruleset:
    return load_ruleset("shanxi/2025")


def _lines(path: Path, n: int) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()[:n]


FINDINGS_JSONL = "\n".join(_lines(EXAMPLES / "shanxi-2025-findings.jsonl", 25)) + "\n"
FINDINGS_RECORDS = [json.loads(line) for line in FINDINGS_JSONL.splitlines()]
BROKEN_CSV = (EXAMPLES / "broken-findings.csv").read_text(encoding="utf-8")
CENSUS_CSV = (EXAMPLES / "shanxi-2025-census.csv").read_text(encoding="utf-8")
ROSTER_CSV = "\n".join(_lines(EXAMPLES / "roster-shanxi-2025.csv", 40)) + "\n"
INSPECTORS_CSV = (EXAMPLES / "inspectors-shanxi-2025.csv").read_text(encoding="utf-8")
RULESET_YAML = (ROOT / "rulesets" / "2025" / "plans" / "shanxi.yaml").read_bytes()


def _yaml_list(records: list[dict[str, Any]]) -> bytes:
    from ruamel.yaml import YAML

    buf = io.StringIO()
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    y.allow_unicode = True
    y.dump(records, buf)
    return buf.getvalue().encode("utf-8")


def _xlsx(text: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in csv.reader(io.StringIO(text)):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HOSTILE = [
    b'"',
    b",",
    b"\n",
    b"\r",
    b"\r\n",
    b"[",
    b"{",
    b"]",
    b"}",
    b"\x00",
    b"\xff",
    b"\xef\xbb\xbf",
    b"\t",
    b":",
    b"- ",
    b"&a ",
    b"*a",
    b"!!python/object:os.system ",
    "\u3000".encode(),
    "\u202e".encode(),
    b"9" * 5000,
    b"[" * 5000,
    b'{"a":' * 3000,
    b"1e999999",
    b"-1",
    b"NaN",
    b"2025-13-45",
    b"=1+1",
    b"x" * 140_000,
    b'""',
    b"null",
    b"true",
]


@st.composite
def mutated(draw: Any, seed: bytes) -> bytes:
    """``seed`` changed in one to eight places."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        op = draw(st.sampled_from(["flip", "insert", "hostile", "delete", "dup", "truncate"]))
        pos = draw(st.integers(min_value=0, max_value=len(data)))
        if op == "flip" and pos < len(data):
            data[pos] ^= 1 << draw(st.integers(min_value=0, max_value=7))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == "hostile":
            data[pos:pos] = draw(st.sampled_from(HOSTILE))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(min_value=1, max_value=64))]
        elif op == "dup":
            data[pos:pos] = data[pos : pos + draw(st.integers(min_value=1, max_value=200))]
        elif op == "truncate":
            del data[pos:]
    return bytes(data)


@st.composite
def mutated_xlsx(draw: Any, seed: bytes) -> bytes:
    """An xlsx with one of its parts mutated and zipped again, or its raw bytes mutated."""
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        return bytes(draw(mutated(seed)))
    with zipfile.ZipFile(io.BytesIO(seed)) as zin:
        names = zin.namelist()
        parts = {n: zin.read(n) for n in names}
    target = draw(st.sampled_from([n for n in names if n.endswith(".xml")]))
    parts[target] = draw(mutated(parts[target]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for n in names:
            zout.writestr(n, parts[n])
    return buf.getvalue()


# --------------------------------------------------------------------------- checks


def check_findings(path: Path, ruleset: Ruleset) -> None:
    """Reading and validating agree on what was read, and every record is accounted for."""
    try:
        n = sum(1 for _ in read_records(path))
    except SpotcheckError:
        n = -1
    try:
        report = validate(path, ruleset)
    except SpotcheckError:
        assert n == -1, "validate refused a file that read_records read"
        return
    assert report.records_read == report.accepted + report.rejected
    assert report.records_read == n


def _quietly(call: Callable[[], object]) -> None:
    with contextlib.suppress(SpotcheckError):
        call()


# --------------------------------------------------------------------------- targets: findings


@fuzz(60)
@given(data=mutated(FINDINGS_JSONL.encode("utf-8")))
def test_fuzz_findings_jsonl(data: bytes, box: Box, shanxi: Ruleset) -> None:
    check_findings(box.write("f.jsonl", data), shanxi)


@fuzz(40)
@given(data=mutated(json.dumps(FINDINGS_RECORDS, ensure_ascii=False, indent=1).encode()))
def test_fuzz_findings_json(data: bytes, box: Box, shanxi: Ruleset) -> None:
    check_findings(box.write("f.json", data), shanxi)


@fuzz(40)
@given(data=mutated(_yaml_list(FINDINGS_RECORDS[:10])))
def test_fuzz_findings_yaml(data: bytes, box: Box, shanxi: Ruleset) -> None:
    check_findings(box.write("f.yaml", data), shanxi)


@fuzz(60)
@given(data=mutated(BROKEN_CSV.encode("utf-8")))
def test_fuzz_findings_csv(data: bytes, box: Box, shanxi: Ruleset) -> None:
    check_findings(box.write("f.csv", data), shanxi)


@fuzz(25)
@given(data=mutated_xlsx(_xlsx(BROKEN_CSV)))
def test_fuzz_findings_xlsx(data: bytes, box: Box, shanxi: Ruleset) -> None:
    check_findings(box.write("f.xlsx", data), shanxi)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
FIELDS = ["unit_id", "domain", "category", "ownership", "region", "violations", "penalty", "harm"]
records = st.lists(
    st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), json_values, max_size=6)
    | json_values,
    max_size=6,
)


@fuzz(40)
@given(values=records, fmt=st.sampled_from(["jsonl", "json", "yaml"]))
def test_fuzz_findings_structured(values: list[Any], fmt: str, box: Box, shanxi: Ruleset) -> None:
    if fmt == "jsonl":
        data = "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in values).encode()
    elif fmt == "json":
        data = json.dumps(values).encode()
    else:
        data = json.dumps(values, ensure_ascii=False).encode()  # JSON is YAML
    check_findings(box.write(f"s.{fmt}", data), shanxi)


cells = st.text(alphabet=st.sampled_from(list('ab1,"\n\r 是;=')), max_size=10)


@fuzz(40)
@given(
    header=st.lists(st.sampled_from([*FIELDS, "cases", "penalty.cases", ""]), min_size=1),
    rows=st.lists(st.lists(cells, max_size=10), max_size=8),
)
def test_fuzz_findings_csv_structured(
    header: list[str], rows: list[list[str]], box: Box, shanxi: Ruleset
) -> None:
    # Joined by hand, not by csv.writer: quotes are left as generated, balanced or not.
    text = ",".join(header) + "\n" + "".join(",".join(r) + "\n" for r in rows)
    check_findings(box.write("s.csv", text.encode("utf-8")), shanxi)


# --------------------------------------------------------------------------- targets: the rest


@fuzz(40)
@given(data=mutated(CENSUS_CSV.encode("utf-8")), suffix=st.sampled_from([".csv", ".jsonl"]))
def test_fuzz_census(data: bytes, suffix: str, box: Box, shanxi: Ruleset) -> None:
    _quietly(lambda: load_census(box.write("census" + suffix, data), shanxi))


@fuzz(40)
@given(data=mutated(ROSTER_CSV.encode("utf-8")))
def test_fuzz_roster_csv(data: bytes, box: Box, shanxi: Ruleset) -> None:
    _quietly(lambda: read_roster(box.write("roster.csv", data), shanxi))


@fuzz(25)
@given(data=mutated_xlsx(_xlsx(ROSTER_CSV)))
def test_fuzz_roster_xlsx(data: bytes, box: Box, shanxi: Ruleset) -> None:
    _quietly(lambda: read_roster(box.write("roster.xlsx", data), shanxi))


_INSPECTOR_ROWS = list(csv.DictReader(io.StringIO(INSPECTORS_CSV)))
INSPECTOR_SEEDS = [
    (".csv", INSPECTORS_CSV.encode("utf-8")),
    (".json", json.dumps({"inspectors": _INSPECTOR_ROWS}, ensure_ascii=False).encode("utf-8")),
    (".yaml", _yaml_list(_INSPECTOR_ROWS)),
]


@fuzz(40)
@given(data=st.data(), seed=st.sampled_from(INSPECTOR_SEEDS))
def test_fuzz_inspectors(data: st.DataObject, seed: tuple[str, bytes], box: Box) -> None:
    suffix, raw = seed
    path = box.write("inspectors" + suffix, data.draw(mutated(raw)))
    _quietly(lambda: read_inspectors(path))


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory, shanxi: Ruleset) -> dict[str, bytes]:
    """An audit record and an aggregate result, as the CLI writes them."""
    root = tmp_path_factory.mktemp("written")
    roster, inspectors = root / "roster.csv", root / "inspectors.csv"
    roster.write_text(ROSTER_CSV, encoding="utf-8")
    inspectors.write_text(INSPECTORS_CSV, encoding="utf-8")
    audit = root / "audit.json"
    argv = ["sample", "--ruleset", "shanxi/2025", "--roster", str(roster), "--seed", "2025"]
    argv += ["--inspectors", str(inspectors), "--audit", str(audit), "-o", str(root / "d.json")]
    assert main(argv) == 0
    findings = root / "f.jsonl"
    findings.write_text(FINDINGS_JSONL, encoding="utf-8")
    result = (
        aggregate(findings, shanxi, skip_invalid=True).model_dump_json(indent=2).encode("utf-8")
    )
    return {"audit": audit.read_bytes(), "result": result}


@fuzz(40)
@given(data=st.data())
def test_fuzz_audit(data: st.DataObject, box: Box, written: dict[str, bytes]) -> None:
    raw = data.draw(mutated(written["audit"]))
    _quietly(lambda: read_audit(box.write("audit.json", raw)))


@fuzz(40)
@given(data=st.data())
def test_fuzz_merge_input(data: st.DataObject, box: Box, written: dict[str, bytes]) -> None:
    raw = data.draw(mutated(written["result"]))
    path = box.write("result.json", raw)
    # The CLI turns a SpotcheckError into exit 2; anything else would escape main().
    assert main(["merge", str(path), "-o", str(path.with_suffix(".out.json"))]) in (0, 1, 2)


@fuzz(40)
@given(data=mutated(RULESET_YAML))
def test_fuzz_ruleset_yaml(data: bytes, box: Box) -> None:
    path = box.write("plan.yaml", data)
    _quietly(lambda: read_yaml(path))
    check_files([path])  # problems, never an exception

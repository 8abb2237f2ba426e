"""The entry workbook (forms.entry, forms.workbook, ``spotcheck template``): its structure, the
round trip findings → filled workbook → read back, and problems named by sheet, row and column."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotcheck_rules.cli.app import main
from spotcheck_rules.findings.validation import validate
from spotcheck_rules.forms.entry import entry_columns, uses_ownership
from spotcheck_rules.forms.workbook import DATA_SHEET, render_template
from spotcheck_rules.ruleset.loader import list_rulesets, load_ruleset
from spotcheck_rules.ruleset.model import ColumnKind, Disposition
from spotcheck_rules.tables.aggregation import aggregate

ROOT = Path(__file__).resolve().parent.parent
SHANXI = load_ruleset("shanxi/2025")
PLANS = [(i.id, d) for i in list_rulesets() if i.provider == "bundled" for d in i.domains]


def _book(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))


@pytest.mark.parametrize(("plan", "domain"), PLANS)
def test_every_bundled_domain_has_a_workbook(plan: str, domain: str) -> None:
    rs = load_ruleset(plan)
    data = render_template(rs, domain)
    assert data == render_template(rs, domain)  # deterministic bytes
    wb = _book(data)
    assert wb.sheetnames == [DATA_SHEET, "填写说明", "取值"]
    ws = wb[DATA_SHEET]
    cols = entry_columns(rs, domain)
    assert [c.value for c in ws[1]] == [c.header for c in cols]
    assert ws.freeze_panes == "C2"
    rules = rs.domain(domain)
    headers = {c.header for c in cols}
    assert ("所有制" in headers) == uses_ownership(rules)
    # a 是/否 column for every violation column (or its codes) and every optional item
    n_flags = sum(1 for c in cols if c.ref is not None)
    coded = {v.column for v in rules.checklist.violations}
    want = sum(
        1 if c.id not in coded else sum(1 for v in rules.checklist.violations if v.column == c.id)
        for c in rules.checklist.columns
        if c.kind is ColumnKind.VIOLATION_UNITS
    ) + sum(1 for it in rules.checklist.items if it.optional)
    assert n_flags == want
    notes = wb["填写说明"]
    cells = [[c.value for c in row] for row in notes.iter_rows()]
    assert ["规则集", rs.id] in [r[:2] for r in cells]
    assert ["规则集摘要（SHA-256）", rs.digest()] in [r[:2] for r in cells]
    described = [r[1] for r in cells if r[0] and str(r[0]).isalpha() and str(r[0]).isupper()]
    assert described == [c.header for c in cols]  # one line per column, with its letter


def _validations(ws: Any) -> dict[str, Any]:
    """Column letter of the data sheet → its data validation."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            out[rng.coord.split(":")[0].rstrip("0123456789")] = dv
    return out


def test_drop_downs_and_number_checks() -> None:
    wb = _book(render_template(SHANXI, "医疗机构"))
    ws = wb[DATA_SHEET]
    letters = {c.value: c.column_letter for c in ws[1]}
    dvs = _validations(ws)
    lists = wb["取值"]

    def choices(header: str) -> list[str]:
        dv = dvs[letters[header]]
        assert dv.type == "list"
        ref = dv.formula1.split("!")[1].replace("$", "")
        return [c.value for row in lists[ref] for c in row]

    assert choices("单位类别")[0] == "医院（含妇幼保健院、精神卫生院）"
    assert "村卫生室（所）" in choices("单位类别")
    assert choices("所有制") == ["公立", "非公立"]
    assert choices("监督领域") == ["医疗机构"]
    assert choices("层级") == ["国家双随机"]
    assert choices("违法行为：处方管理不符合要求单位数") == ["是", "否"]
    assert choices("合理缺项：抽查重点病历情况") == ["是", "否"]
    cases, fine = dvs[letters["查处案件数"]], dvs[letters["罚没款（元）"]]
    assert (cases.type, cases.operator, cases.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert (fine.type, fine.operator, fine.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert dvs[letters["行政区划"]].type == "textLength"
    assert dvs[letters["检查日期"]].type == "date"
    assert lists.sheet_state == "hidden"
    # every drop-down reaches the bottom of the sheet's entry rows
    (area,) = dvs[letters["单位类别"]].sqref.ranges
    assert area.coord.endswith("2001")


def test_cli_template(tmp_path: Path) -> None:
    out = tmp_path / "entry.xlsx"
    err = io.StringIO()
    assert (
        main(["template", "shanxi/2025", "--domain", "中医医疗机构", "-o", str(out)], stderr=err)
        == 0
    )
    assert out.read_bytes() == render_template(SHANXI, "中医医疗机构")
    # an empty template validates: no records, no problems
    report = validate(str(out), SHANXI)
    assert report.input.records_read == 0 and not report.problems


# --------------------------------------------------------------------------- round trip


def _findings(draw: Any, domain: str) -> list[dict[str, Any]]:
    """Findings of one domain of shanxi/2025 as a year's entry sheet holds them: valid
    references, with violations, 合理缺项, penalties and dispositions mixed."""
    rules = SHANXI.domain(domain)
    cl = rules.checklist
    leaves = [c for c in cl.categories if rules.is_leaf(c.id)]
    own_used = uses_ownership(rules)
    codes = [(c.id, c) for c in cl.columns if c.kind is ColumnKind.VIOLATION_UNITS]
    codes = [(v.id, next(c for c in cl.columns if c.id == v.column)) for v in cl.violations] + [
        (i, c) for i, c in codes if c.id not in {v.column for v in cl.violations}
    ]
    revocations = [c.label for c in cl.columns if c.kind is ColumnKind.REVOKED_UNITS]
    n = draw(st.integers(1, 12))
    out = []
    for k in range(n):
        cat = draw(st.sampled_from(leaves))
        rec: dict[str, Any] = {
            "unit_id": f"U{k:03d}{draw(st.text('ABCXYZ0123456789', max_size=6))}",
            "domain": draw(st.sampled_from([rules.label, rules.domain])),
            "category": draw(st.sampled_from([cat.label, cat.id])),
        }
        own = draw(st.sampled_from(["公立", "非公立"])) if own_used else None
        if own:
            rec["ownership"] = own
        if draw(st.booleans()):
            rec["unit_name"] = draw(st.text("城区华康诊所医院（示例）", min_size=1, max_size=12))
        if draw(st.booleans()):
            rec["region"] = draw(st.sampled_from(["140105", "140502", "140109"]))
        if draw(st.booleans()):
            rec["inspected_on"] = draw(st.dates(dt.date(2025, 1, 1), dt.date(2025, 12, 31)))
        if draw(st.booleans()):
            rec["tier"] = "国家双随机"
        ownership = {"公立": "public", "非公立": "private"}.get(own or "")
        usable = [(i, c) for i, c in codes if rules.column_applies(c.id, cat.id, ownership)]
        chosen = draw(st.lists(st.sampled_from(usable), unique=True, max_size=3)) if usable else []
        if chosen:
            rec["violations"] = [i for i, _ in chosen]
            pen: dict[str, Any] = {"cases": draw(st.integers(0, 3))}
            if draw(st.booleans()):
                cents = draw(st.integers(1, 10_000_000))
                pen["fine_yuan"] = str(Decimal(cents) / 100)
            if revocations and draw(st.booleans()):
                pen["revoked"] = [draw(st.sampled_from(revocations))]
            rec["penalty"] = pen
            dispositions = {c.effective_disposition for _, c in chosen}
            rec["referred"] = Disposition.REFERRAL in dispositions or draw(st.booleans())
            rec["opinion_issued"] = Disposition.OPINION in dispositions or draw(st.booleans())
        used_items = {c.item for _, c in chosen}
        optional = [it.id for it in cl.items if it.optional and it.id not in used_items]
        na = draw(st.lists(st.sampled_from(optional), unique=True, max_size=2)) if optional else []
        if na:
            rec["not_applicable"] = na
        if draw(st.integers(0, 4)) == 0:  # now and then a harm, which may make a 重大案件 (F060)
            harm: dict[str, Any] = {"deaths": draw(st.integers(0, 2))}
            harm["injured"] = draw(st.integers(0, 4))
            if draw(st.booleans()):
                harm["accident_grade"] = draw(st.sampled_from(["一级", "二级", "三级", "四级"]))
            if draw(st.booleans()):
                harm["property_loss_yuan"] = str(Decimal(draw(st.integers(0, 10**8))) / 100)
            for flag in ("property_loss_serious", "group_health_risk", "social_impact"):
                if draw(st.booleans()):
                    harm[flag] = draw(st.booleans())
            rec["harm"] = harm
        out.append(rec)
    return out


def _jsonable(rec: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(rec, default=str, ensure_ascii=False))


def _outcome(path: Path, first_row: int) -> tuple[list[tuple[int, str]], str, list[Any]]:
    report = validate(str(path), SHANXI)
    problems = sorted(((p.line or 0) - first_row, p.code) for p in report.problems)
    result = aggregate([str(path)], SHANXI, skip_invalid=True)
    tables = json.dumps([t.model_dump(mode="json") for t in result.tables], ensure_ascii=False)
    return problems, tables, [report.input.accepted, report.input.rejected]


def _resolved(recs: list[Any], domain: str) -> list[tuple[Any, ...]]:
    """What validation makes of each record: ids of the unit's references, sets of codes."""
    from spotcheck_rules.findings.records import coerce_record

    rules = SHANXI.domain(domain)
    out = []
    for raw in recs:
        rec, probs = coerce_record(raw)
        assert rec is not None, probs
        pen = rec.penalty
        out.append(
            (
                rec.unit_id,
                rec.unit_name,
                rules.categories[rec.category].id,
                rec.ownership,
                rec.region,
                rec.inspected_on,
                rec.tier,
                frozenset(rules.codes[v].id for v in rec.violations),
                frozenset(rules.items[i].id for i in rec.not_applicable),
                None if pen is None else (pen.cases, pen.fine_yuan, tuple(pen.revoked)),
                rec.referred,
                rec.opinion_issued,
                _harm(rec.harm),
            )
        )
    return out


def _harm(harm: Any) -> Any:
    """A harm as validation reads it; a flag left unset and one set to 否 are the same."""
    if harm is None:
        return None
    return (
        harm.deaths,
        harm.injured,
        harm.accident_grade,
        harm.property_loss_yuan,
        bool(harm.property_loss_serious),
        bool(harm.group_health_risk),
        bool(harm.social_impact),
    )


@pytest.mark.parametrize("domain", ["医疗机构", "母婴保健技术服务机构"])
@given(data=st.data())
def test_round_trip_through_the_workbook(tmp_path_factory: Any, domain: str, data: Any) -> None:
    """findings → filled template → read back: the same findings, problems and tables."""
    from spotcheck_rules.findings.readers import read_records

    findings = _findings(data.draw, domain)
    tmp = tmp_path_factory.mktemp("rt")
    jsonl = tmp / "f.jsonl"
    jsonl.write_text(
        "".join(json.dumps(_jsonable(r), ensure_ascii=False) + "\n" for r in findings),
        encoding="utf-8",
    )
    xlsx = tmp / "f.xlsx"
    xlsx.write_bytes(render_template(SHANXI, domain, findings))
    read_back = [r.value for r in read_records(xlsx)]
    assert _resolved(read_back, domain) == _resolved([_jsonable(r) for r in findings], domain)
    assert _outcome(xlsx, 2) == _outcome(jsonl, 1)


def test_example_findings_through_the_workbook(tmp_path: Path) -> None:
    """The bundled example findings of each domain, keyed into its workbook, give the tables
    the JSON Lines file gives."""
    recs = [
        json.loads(line)
        for line in (ROOT / "examples" / "shanxi-2025-findings.jsonl")
        .read_text("utf-8")
        .splitlines()
    ]
    for domain, rules in SHANXI.domains.items():
        mine = [r for r in recs if SHANXI.domain(r["domain"]).domain == domain]
        path = tmp_path / f"{domain}.xlsx"
        path.write_bytes(render_template(SHANXI, domain, mine))
        got = aggregate([str(path)], SHANXI)
        want = aggregate(mine, SHANXI)
        assert got.input.accepted == len(mine) > 10, rules.label
        assert [t.model_dump(mode="json") for t in got.tables] == [
            t.model_dump(mode="json") for t in want.tables
        ]


# --------------------------------------------------------------------------- bad cells


def test_a_bad_cell_is_named_by_sheet_row_and_column(tmp_path: Path) -> None:
    rec = {"unit_id": "U1", "domain": "医疗机构", "category": "诊所", "ownership": "非公立"}
    data = render_template(
        SHANXI, "医疗机构", [rec, {**rec, "unit_id": "U2"}, {**rec, "unit_id": "U3"}]
    )
    wb = _book(data)
    ws = wb[DATA_SHEET]
    letters = {c.value: c.column_letter for c in ws[1]}
    ws[f"{letters['检查日期']}2"] = "六月一日"
    ws[f"{letters['罚没款（元）']}3"] = "12,50"
    ws[f"{letters['违法行为：处方管理不符合要求单位数']}4"] = "也许"
    path = tmp_path / "entry.xlsx"
    wb.save(path)
    out, err = io.StringIO(), io.StringIO()
    assert main(["validate", str(path), "--ruleset", "shanxi/2025"], stdout=out, stderr=err) == 1
    text = out.getvalue()
    assert f"{path} 工作表“检查结果”第2行 {letters['检查日期']}列: error F006" in text
    assert f"{path} 工作表“检查结果”第3行 {letters['罚没款（元）']}列: error F050" in text
    flag = letters["违法行为：处方管理不符合要求单位数"]
    assert (
        f"工作表“检查结果”第4行 {flag}列（违法行为：处方管理不符合要求单位数）的值 '也许' 应为是或否"
        in text
    )
    out = io.StringIO()
    main(["validate", str(path), "--ruleset", "shanxi/2025", "--format", "json"], stdout=out)
    problems = json.loads(out.getvalue())["problems"]
    f006 = next(p for p in problems if p["code"] == "F006")
    assert (f006["line"], f006["column"]) == (2, ws[f"{letters['检查日期']}1"].column)


def test_a_violation_problem_is_placed_at_its_yes_no_column(tmp_path: Path) -> None:
    # 政策落实 violations apply to public units only: F021 at that violation's own column
    rules = SHANXI.domain("医疗机构")
    policy = next(c for c in rules.checklist.columns if c.applies_to and c.applies_to.ownership)
    rec = {
        "unit_id": "U1",
        "domain": "医疗机构",
        "category": "诊所",
        "ownership": "非公立",
        "violations": [policy.id],
    }
    path = tmp_path / "entry.xlsx"
    path.write_bytes(render_template(SHANXI, "医疗机构", [rec]))
    ws = _book(path.read_bytes())[DATA_SHEET]
    letter = next(c.column_letter for c in ws[1] if c.value == f"违法行为：{policy.label}")
    out = io.StringIO()
    main(["validate", str(path), "--ruleset", "shanxi/2025"], stdout=out, stderr=io.StringIO())
    assert f"工作表“检查结果”第2行 {letter}列: error F021" in out.getvalue()


@pytest.mark.skipif(
    __import__("shutil").which("soffice") is None,
    reason="LibreOffice (soffice) is not installed: the re-save check needs it",
)
def test_a_workbook_saved_again_by_libreoffice_reads_the_same(tmp_path: Path) -> None:
    """LibreOffice opens the filled workbook and saves it again as xlsx: the same tables, and
    the drop-downs kept (what a user of LibreOffice hands back)."""
    import subprocess

    recs = [
        json.loads(line)
        for line in (ROOT / "examples" / "shanxi-2025-findings.jsonl")
        .read_text("utf-8")
        .splitlines()
    ]
    mine = [r for r in recs if SHANXI.domain(r["domain"]).label == "医疗机构"][:40]
    src = tmp_path / "entry.xlsx"
    src.write_bytes(render_template(SHANXI, "医疗机构", mine))
    out = tmp_path / "resaved"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(src),
        ],
        capture_output=True,
        timeout=300,
        check=True,
    )
    again = out / "entry.xlsx"
    assert [t.model_dump() for t in aggregate([str(again)], SHANXI).tables] == [
        t.model_dump() for t in aggregate([str(src)], SHANXI).tables
    ]
    ws = _book(again.read_bytes())[DATA_SHEET]
    assert len(ws.data_validations.dataValidation) == len(entry_columns(SHANXI, "医疗机构"))


def test_template_prefilled_with_the_units_drawn(tmp_path: Path) -> None:
    """``--units``: the units of a drawn sample (which reads as a roster) are pre-filled, and
    the 行政区划 drop-down lists their districts; the filled sheet validates clean."""
    import io as _io

    drawn = tmp_path / "drawn.csv"
    args = ["sample", "--ruleset", "shanxi/2025", "--seed", "2025-03-01", "--format", "csv"]
    args += ["--roster", str(ROOT / "examples" / "roster-shanxi-2025.csv"), "-o", str(drawn)]
    assert main(args, stdout=_io.StringIO(), stderr=_io.StringIO()) == 0
    out = tmp_path / "entry.xlsx"
    err = _io.StringIO()
    argv = [
        "template",
        "shanxi/2025",
        "--domain",
        "医疗机构",
        "--units",
        str(drawn),
        "-o",
        str(out),
    ]
    assert main(argv, stdout=_io.StringIO(), stderr=err) == 0
    assert "U103" in err.getvalue()  # the sample's 抽查类型 and 执法人员 columns are not a roster's
    ws = _book(out.read_bytes())[DATA_SHEET]
    header = [c.value for c in ws[1]]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]
    medical = [line for line in drawn.read_text("utf-8-sig").splitlines() if ",医疗机构," in line]
    assert len(rows) == len(medical) > 0
    region = header.index("行政区划")
    letter = chr(ord("A") + region)
    (dv,) = [
        d for d in ws.data_validations.dataValidation if str(d.sqref).split(":")[0] == f"{letter}2"
    ]
    assert dv.type == "list"
    assert sorted({r[region] for r in rows}) == sorted({line.split(",")[5] for line in medical})
    report = validate(str(out), SHANXI)
    assert report.input.accepted == len(rows) and not report.errors


def test_a_plugin_domain_workbook_asks_for_its_lab_tests_and_only_its_fields(
    tmp_path: Path,
) -> None:
    """The 学校卫生 domain of the example plugin: no 所有制 column (it declares no ownership), a
    检测结果 column for its 检测项目; a filled row reads back with the same results and tables."""
    from spotcheck_rules.ruleset.loader import load_ruleset_file

    tree = ROOT / "examples" / "plugin" / "src" / "spotcheck_school_example"
    rs = load_ruleset_file(tree / "rulesets" / "2025" / "plans" / "school_national.yaml")
    headers = [c.header for c in entry_columns(rs, "school")]
    assert "检测结果" in headers and "所有制" not in headers
    lines = (tree / "findings" / "school-2025-findings.jsonl").read_text("utf-8").splitlines()
    findings = [json.loads(line) for line in lines]
    for f in findings:  # the workbook writes the table's labels, as staff pick them
        f["domain"], f["category"] = "学校卫生", "中小學校及高校"
    path = tmp_path / "school.xlsx"
    path.write_bytes(render_template(rs, "school", findings))
    got = aggregate([str(path)], rs)
    want = aggregate(findings, rs)
    assert got.input.accepted == len(findings)
    assert [r.values for r in got.tables[0].rows] == [r.values for r in want.tables[0].rows]

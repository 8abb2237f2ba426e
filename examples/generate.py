"""Generate the synthetic shanxi/2025 examples: findings, a census and a deliberately broken file.

    python examples/generate.py            # (re)write the files next to this script
    python examples/generate.py --check    # exit 1 if a file is not what this script writes

Everything is derived from the loaded ruleset (its domains, leaf rows, columns, applicability,
dispositions and strata), so the examples follow the plan when a checklist changes: rerun the
script and review the diff. The output is deterministic (a fixed seed, no clock, no set order).

The findings are synthetic — every unit name ends in （示例） — but shaped like real ones:
统一社会信用代码-style unit ids with a valid check character, county codes of Shanxi, dates in the
plan year, ownership consistent with the 政策落实 columns (公立 only), penalties in yuan with at
most two decimals, revocations, referrals for 违法犯罪 violations and 监督意见书 for policy ones.
They validate against the plan with no problem at all; ``broken-findings.csv`` holds one seeded
problem per validation rule instead, listed in ``README.md``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import random
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    # Run from a checkout without installing: the package is the repository's sibling folder.
    sys.path.insert(0, str(HERE.parent))

from spotcheck_rules import load_ruleset  # noqa: E402
from spotcheck_rules.ruleset.model import ColumnKind, Disposition  # noqa: E402
from spotcheck_rules.ruleset.ruleset import DomainRules, Ruleset  # noqa: E402

__all__ = [
    "BROKEN",
    "PLAN",
    "SEED",
    "BrokenRow",
    "generate_census",
    "generate_findings",
    "render_broken_csv",
    "render_census_csv",
    "render_findings_jsonl",
    "render_readme_table",
    "write_examples",
]

PLAN = "shanxi/2025"
SEED = 2025
FINDINGS_FILE = "shanxi-2025-findings.jsonl"
CENSUS_FILE = "shanxi-2025-census.csv"
BROKEN_FILE = "broken-findings.csv"
README_FILE = "README.md"

UNITS_PER_LEAF = 22
"""Units inspected per leaf row, before the weights below: a few hundred in all."""

# Relative numbers of inspected units, by row id. Clinics and village clinics are most of the
# units in any Chinese jurisdiction; a row not listed here weighs 1.
_WEIGHT = {
    "village_clinic": 2.0,
    "clinic": 2.0,
    "hospital": 1.3,
    "tcm_clinic": 1.6,
    "tcm_comprehensive_clinic": 0.6,
    "integrated_clinic": 0.8,
    "integrated_hospital": 0.5,
    "integrated_outpatient": 0.5,
}

# Share of public (公立) units, by row id; 0.5 for rows not listed. 卫生院 and 社区卫生服务中心 are
# government-run; most 诊所 and 医疗美容机构 are private.
_PUBLIC = {
    "hospital": 0.6,
    "community_health_center": 0.95,
    "community_health_station": 0.7,
    "township_health_center": 1.0,
    "village_clinic": 0.85,
    "clinic": 0.05,
    "other_medical": 0.3,
    "tcm_hospital": 0.9,
    "integrated_hospital": 0.6,
    "tcm_outpatient": 0.2,
    "integrated_outpatient": 0.2,
    "tcm_clinic": 0.03,
    "tcm_comprehensive_clinic": 0.03,
    "integrated_clinic": 0.03,
    "cosmetology_institution": 0.0,
    "with_cosmetology_department": 0.4,
    "maternal_child_health_institution": 1.0,
    "other_medical_health_institution": 0.5,
}

# What a unit of a row is called in its synthetic name, where the row label does not read as a
# name (医院（含妇幼保健院、精神卫生院）, 内设医疗美容科室的医疗机构); other rows use their label
# without its bracketed note.
_NAME_SUFFIX = {
    "other_medical": "门诊部",
    "cosmetology_institution": "医疗美容门诊部",
    "with_cosmetology_department": "医院",
    "other_medical_health_institution": "医院",
    "maternal_child_health_institution": "妇幼保健院",
}

VIOLATION_RATE = 0.32
"""Share of units with at least one violation (the issue's benchmark assumes about 30%)."""

# County-level divisions of Shanxi (GB/T 2260), with the names used in the synthetic unit names.
COUNTIES: tuple[tuple[str, str], ...] = (
    ("140105", "太原市小店区"),
    ("140106", "太原市迎泽区"),
    ("140107", "太原市杏花岭区"),
    ("140109", "太原市万柏林区"),
    ("140121", "太原市清徐县"),
    ("140213", "大同市平城区"),
    ("140302", "阳泉市城区"),
    ("140403", "长治市潞州区"),
    ("140502", "晋城市城区"),
    ("140602", "朔州市朔城区"),
    ("140702", "晋中市榆次区"),
    ("140802", "运城市盐湖区"),
    ("140902", "忻州市忻府区"),
    ("141002", "临汾市尧都区"),
    ("141102", "吕梁市离石区"),
)

_NAME_PARTS = (
    "康宁",
    "仁和",
    "博爱",
    "济民",
    "同心",
    "安泰",
    "惠民",
    "华康",
    "春晖",
    "德济",
    "杏林",
    "百草",
)

# 统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character.
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc(registrar: str, region: str, body: str) -> str:
    """A 统一社会信用代码 with a valid check character (two-character registrar, 6-digit region,
    9-character body)."""
    head = registrar + region + body
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(head, _USCC_WEIGHTS, strict=True))
    return head + _USCC_CHARS[(31 - total % 31) % 31]


@dataclass
class _Unit:
    """A finding while it is being built (turned into a plain dict at the end)."""

    rules: DomainRules
    unit_id: str
    name: str
    category: str
    ownership: str
    region: str
    inspected_on: str
    violations: list[str] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)
    cases: int = 0
    fine_cents: int = 0
    revoked: list[str] = field(default_factory=list)
    referred: bool = False
    opinion_issued: bool = False


def _applicable(rules: DomainRules, kind: ColumnKind, category: str, ownership: str) -> list[str]:
    return [
        c.id
        for c in rules.checklist.columns
        if c.kind is kind and rules.column_applies(c.id, category, ownership)
    ]


def _disposition(rules: DomainRules, code: str) -> Disposition:
    return rules.codes[code].disposition


def _leaf_ids(rules: DomainRules) -> list[str]:
    return [c.id for c in rules.checklist.categories if rules.is_leaf(c.id)]


def _date(rng: random.Random, year: int) -> str:
    # Inspections run from April to the end of October, as the plans schedule them.
    start = _ordinal(year, 4, 1)
    return _from_ordinal(rng.randint(start, _ordinal(year, 10, 31)))


def _ordinal(year: int, month: int, day: int) -> int:
    import datetime as dt

    return dt.date(year, month, day).toordinal()


def _from_ordinal(n: int) -> str:
    import datetime as dt

    return dt.date.fromordinal(n).isoformat()


def _units(rs: Ruleset, rng: random.Random) -> list[_Unit]:
    units: list[_Unit] = []
    serial = 0
    for rules in rs.domains.values():
        for cat_id in _leaf_ids(rules):
            label = rules.categories[cat_id].label
            suffix = _NAME_SUFFIX.get(cat_id) or re.sub(r"（[^）]*）", "", label)
            n = max(3, round(UNITS_PER_LEAF * _WEIGHT.get(cat_id, 1.0)))
            for _ in range(n):
                serial += 1
                region, county = rng.choice(COUNTIES)
                public = rng.random() < _PUBLIC.get(cat_id, 0.5)
                # 12: 机构编制 / 事业单位 (public institutions); 52: 民政 / 民办非企业单位;
                # 91: 市场监管 / 企业 — the registrars of private medical units.
                registrar = "12" if public else rng.choice(("52", "91"))
                body = f"MA{serial:07d}"  # "MA…": the 主体标识码 form of recent registrations
                units.append(
                    _Unit(
                        rules=rules,
                        unit_id=uscc(registrar, region, body),
                        name=f"{county[3:]}{rng.choice(_NAME_PARTS)}{suffix}（示例）",
                        category=cat_id,
                        ownership="public" if public else "private",
                        region=region,
                        inspected_on=_date(rng, rs.year),
                    )
                )
    return units


def _pick_violations(units: list[_Unit], rng: random.Random) -> None:
    for u in units:
        if rng.random() >= VIOLATION_RATE:
            continue
        pool = _applicable(u.rules, ColumnKind.VIOLATION_UNITS, u.category, u.ownership)
        # Crimes (违法犯罪) are rare: keep them out of the random draw, the coverage pass below
        # puts each in once.
        pool = [c for c in pool if _disposition(u.rules, c) is not Disposition.REFERRAL]
        k = min(len(pool), rng.choice((1, 1, 1, 2, 2, 3)))
        u.violations = sorted(rng.sample(pool, k), key=pool.index)
    # Every violation column of every domain at least once: the example shows every column.
    for rules in {id(u.rules): u.rules for u in units}.values():
        mine = [u for u in units if u.rules is rules]
        used = {v for u in mine for v in u.violations}
        for col in rules.checklist.columns:
            if col.kind is not ColumnKind.VIOLATION_UNITS or col.id in used:
                continue
            hosts = [u for u in mine if rules.column_applies(col.id, u.category, u.ownership)]
            host = rng.choice(hosts)
            host.violations.append(col.id)


def _pick_penalties(units: list[_Unit], rng: random.Random) -> None:
    for u in units:
        if not u.violations:
            continue
        disps = {_disposition(u.rules, v) for v in u.violations}
        if Disposition.OPINION in disps:
            u.opinion_issued = True  # 违反政策要求但无行政处罚依据：下达监督意见书
        if Disposition.REFERRAL in disps:
            u.referred = True  # 涉嫌违法犯罪：移交公安、司法机关
            u.cases = 1
            u.fine_cents = rng.choice((30000, 50000, 100000)) * 100
        elif Disposition.PENALTY in disps and rng.random() < 0.7:
            u.cases = rng.choice((1, 1, 1, 1, 2))
            if rng.random() < 0.85:  # the rest are 警告 without a fine
                if rng.random() < 0.75:
                    yuan = rng.choice((500, 1000, 2000, 3000, 5000, 10000, 20000, 30000))
                    u.fine_cents = yuan * 100
                else:  # 没收违法所得: an exact amount, cents included
                    u.fine_cents = rng.randint(20_000, 6_000_000)
        if u.cases and rng.random() < 0.05:
            revs = _applicable(u.rules, ColumnKind.REVOKED_UNITS, u.category, u.ownership)
            if revs:
                u.revoked = [rng.choice(revs)]
    # Every revocation column at least once, on a unit already penalised for a violation.
    for rules in {id(u.rules): u.rules for u in units}.values():
        mine = [u for u in units if u.rules is rules]
        used = {r for u in mine for r in u.revoked}
        for col in rules.checklist.columns:
            if col.kind is not ColumnKind.REVOKED_UNITS or col.id in used:
                continue
            hosts = [
                u
                for u in mine
                if u.cases
                and col.id not in u.revoked
                and rules.column_applies(col.id, u.category, u.ownership)
            ]
            rng.choice(hosts).revoked.append(col.id)


def _pick_not_applicable(units: list[_Unit], rng: random.Random) -> None:
    # 合理缺项: a unit that does no 互联网诊疗 or 生物医学研究 has those items marked so. Only
    # optional items the unit has no violation under.
    for u in units:
        if rng.random() >= 0.25:
            continue
        items = (u.rules.codes[v].item for v in u.violations)
        violated = {it.id for it in items if it is not None}
        pool = [it.id for it in u.rules.checklist.items if it.optional and it.id not in violated]
        if pool:
            k = min(len(pool), rng.choice((1, 1, 2)))
            u.not_applicable = sorted(rng.sample(pool, k), key=pool.index)


def _record(u: _Unit, rng: random.Random) -> dict[str, Any]:
    """The finding as an inspector's system would send it: a mix of ids and official labels."""
    rules = u.rules
    use_labels = rng.random() < 0.5
    own = u.ownership
    if rng.random() < 0.5:
        own = "公立" if own == "public" else rng.choice(("民营", "非公立"))
    rec: dict[str, Any] = {
        "unit_id": u.unit_id,
        "unit_name": u.name,
        "domain": rules.label if use_labels else rules.domain,
        "category": rules.categories[u.category].label if use_labels else u.category,
        "ownership": own,
        "region": u.region,
        "inspected_on": u.inspected_on,
        "tier": "national",
    }
    if u.violations:
        rec["violations"] = [rules.codes[v].label if use_labels else v for v in u.violations]
    if u.not_applicable:
        rec["not_applicable"] = [
            rules.items[i].title if use_labels else i for i in u.not_applicable
        ]
    if u.cases or u.fine_cents or u.revoked:
        penalty: dict[str, Any] = {"cases": u.cases}
        if u.fine_cents:
            penalty["fine_yuan"] = _yuan(u.fine_cents)
        if u.revoked:
            penalty["revoked"] = [rules.columns[r].label if use_labels else r for r in u.revoked]
        rec["penalty"] = penalty
    if u.referred:
        rec["referred"] = True
    if u.opinion_issued:
        rec["opinion_issued"] = True
    return rec


def _yuan(cents: int) -> str:
    """Yuan as a decimal string: whole yuan without decimals, otherwise exactly two."""
    whole, rest = divmod(cents, 100)
    return str(whole) if rest == 0 else f"{whole}.{rest:02d}"


def generate_findings(rs: Ruleset, seed: int = SEED) -> list[dict[str, Any]]:
    """The example findings for ``rs``: every domain, every leaf row, every violation and
    revocation column at least once; all of them valid."""
    rng = random.Random(seed)
    units = _units(rs, rng)
    _pick_violations(units, rng)
    _pick_penalties(units, rng)
    _pick_not_applicable(units, rng)
    return [_record(u, rng) for u in units]


def generate_census(
    rs: Ruleset, findings: Sequence[dict[str, Any]], seed: int = SEED
) -> list[dict[str, Any]]:
    """Units in the jurisdiction per leaf row: the inspected units divided by the stratum's
    sampling ratio (so the draw is about what the plan asks), plus a little noise."""
    rng = random.Random(seed + 1)
    out: list[dict[str, Any]] = []
    for rules in rs.domains.values():
        ratio: dict[str, Decimal] = {}
        for s in rules.strata:
            if s.ratio:
                for c in s.categories:
                    for leaf in rules.leaves(c):
                        ratio.setdefault(leaf, s.ratio)
        for leaf in _leaf_ids(rules):
            names = {leaf, rules.categories[leaf].label}
            doms = {rules.domain, rules.label}
            inspected = sum(1 for f in findings if f["domain"] in doms and f["category"] in names)
            r = ratio.get(leaf)
            units = math.ceil(inspected / r) if r else inspected * 2
            out.append(
                {
                    "domain": rules.label,
                    "category": rules.categories[leaf].label,
                    "units": units + rng.randint(0, 3),
                }
            )
    return out


def render_findings_jsonl(findings: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(f, ensure_ascii=False) + "\n" for f in findings)


def render_census_csv(census: Sequence[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["domain", "category", "units"])
    for c in census:
        w.writerow([c["domain"], c["category"], c["units"]])
    return buf.getvalue()


# --------------------------------------------------------------------------- the broken file


@dataclass(frozen=True)
class BrokenRow:
    """One row of ``broken-findings.csv``: the problem it seeds and the codes validation reports.

    ``codes`` is what ``validate`` must report on this row and nothing else; an empty tuple
    marks a valid row that another row refers to (the first of a duplicate pair).
    """

    problem: str
    codes: tuple[str, ...]
    record: dict[str, str]


BROKEN_FIELDS = (
    "unit_id",
    "unit_name",
    "domain",
    "category",
    "ownership",
    "region",
    "inspected_on",
    "violations",
    "not_applicable",
    "cases",
    "fine_yuan",
    "revoked",
    "referred",
    "opinion_issued",
    "deaths",
    "injured",
    "accident_grade",
    "tests",
    "remark",
)


def _clinic(n: int, **fields: str) -> dict[str, str]:
    """A valid private 诊所 finding; each broken row changes what it needs to."""
    base = {
        "unit_id": f"BROKEN-{n:02d}",
        "unit_name": f"小店区示例诊所{n:02d}（示例）",
        "domain": "医疗机构",
        "category": "诊所",
        "ownership": "民营",
        "region": "140105",
        "inspected_on": "2025-06-12",
    }
    base.update(fields)
    return base


BROKEN: tuple[BrokenRow, ...] = (
    BrokenRow("缺少必填字段 unit_id", ("F002",), _clinic(1, unit_id="")),
    BrokenRow("referred 不是是/否", ("F003",), _clinic(2, referred="也许")),
    BrokenRow("未知字段 remark（仅警告，记录仍被接受）", ("F004",), _clinic(3, remark="复查")),
    BrokenRow("地区代码只有5位", ("F005",), _clinic(4, region="14010")),
    BrokenRow("检查日期不存在（6月31日）", ("F006",), _clinic(5, inspected_on="2025-06-31")),
    BrokenRow("所有制取值无效", ("F007",), _clinic(6, ownership="合资")),
    BrokenRow("监督领域名称有错字（建议：医疗机构）", ("F010",), _clinic(7, domain="医疗机购")),
    BrokenRow(
        "山西省计划不含血液领域",
        ("F011",),
        _clinic(8, domain="血液", category="一般血站", ownership="公立"),
    ),
    BrokenRow(
        "单位类别名称不全（建议：社区卫生服务中心）", ("F012",), _clinic(9, category="社区卫生服务")
    ),
    BrokenRow(
        "中医“门诊部”是小计行，应填中医门诊部或中西医结合门诊部",
        ("F013",),
        _clinic(10, domain="中医医疗机构", category="门诊部"),
    ),
    BrokenRow("未知的违法违规代码", ("F014",), _clinic(11, violations="处方管理不合格")),
    BrokenRow("未知的合理缺项检查内容", ("F015",), _clinic(12, not_applicable="医疗废物管理情况")),
    BrokenRow(
        "未知的吊销项目",
        ("F016",),
        _clinic(13, violations="license", cases="1", fine_yuan="5000", revoked="吊销营业执照"),
    ),
    BrokenRow(
        "村卫生室仅抽查处方：病历管理不适用（表中为“/”）",
        ("F020",),
        _clinic(14, category="村卫生室", ownership="公立", violations="病历管理不符合要求单位数"),
    ),
    BrokenRow(
        "政策落实（公立医疗机构）用于民营诊所",
        ("F021",),
        _clinic(15, violations="公立医疗机构开设营利性药店单位数", opinion_issued="是"),
    ),
    BrokenRow(
        "未填所有制，而违法行为仅适用于公立医疗机构（警告）",
        ("F022",),
        _clinic(
            16,
            category="医院",
            ownership="",
            violations="public_consumables_markup",
            opinion_issued="是",
        ),
    ),
    BrokenRow(
        "违法行为所属检查内容被标为合理缺项",
        ("F024",),
        _clinic(17, violations="prescription", not_applicable="医疗文书管理情况"),
    ),
    BrokenRow("（与下一行内容相同）", (), _clinic(18, violations="nurse")),
    BrokenRow("同一单位重复，内容相同：去重（警告）", ("F030",), _clinic(18, violations="nurse")),
    BrokenRow("（与下一行同一单位）", (), _clinic(20, violations="physician")),
    BrokenRow(
        "同一单位重复，内容不一致：后一条被拒绝",
        ("F031",),
        _clinic(20, violations="medical_devices"),
    ),
    BrokenRow("检查日期不在2025年", ("F040",), _clinic(22, inspected_on="2024-12-30")),
    BrokenRow(
        "罚没款不是数字", ("F050",), _clinic(23, violations="license", cases="1", fine_yuan="三千")
    ),
    BrokenRow(
        "罚没款为负数", ("F051",), _clinic(24, violations="license", cases="1", fine_yuan="-500")
    ),
    BrokenRow(
        "罚没款为 NaN", ("F052",), _clinic(25, violations="license", cases="1", fine_yuan="NaN")
    ),
    BrokenRow(
        "罚没款超过两位小数（元）",
        ("F053",),
        _clinic(26, violations="license", cases="1", fine_yuan="12.345"),
    ),
    BrokenRow("查处案件数为负数", ("F054",), _clinic(27, violations="license", cases="-1")),
    BrokenRow("有处罚无违法行为", ("F055",), _clinic(28, cases="1", fine_yuan="3000")),
    # A revocation is a penalty: without a case it also draws F063 (and with one, F055).
    BrokenRow(
        "有吊销无违法行为（且无案件：另报 F063）",
        ("F056", "F063"),
        _clinic(29, revoked="吊销诊疗科目单位数"),
    ),
    BrokenRow(
        "对只应下达监督意见书的政策落实问题罚款",
        ("F057",),
        _clinic(
            30,
            category="医院",
            ownership="公立",
            violations="公立医疗机构加价销售医用耗材单位数",
            cases="1",
            fine_yuan="5000",
            opinion_issued="是",
        ),
    ),
    BrokenRow(
        "政策落实问题未下达监督意见书（警告）",
        ("F058",),
        _clinic(
            31,
            category="卫生院",
            ownership="公立",
            violations="public_pay_linked_income",
            opinion_issued="否",
        ),
    ),
    BrokenRow(
        "涉嫌违法犯罪（买卖精子、卵子、代孕）未标记移交",
        ("F059",),
        _clinic(
            32,
            domain="母婴保健技术服务机构",
            category="其他医疗、保健机构",
            violations="gamete_trade_surrogacy",
            cases="1",
            fine_yuan="300000",
        ),
    ),
    BrokenRow(
        "致1人死亡：重大医疗违法案件，须报告上级（警告）",
        ("F060",),
        _clinic(33, violations="practice_scope", cases="1", fine_yuan="30000", deaths="1"),
    ),
    BrokenRow("受伤人数为负数", ("F061",), _clinic(34, violations="physician", injured="-2")),
    BrokenRow(
        "医疗事故等级无效", ("F062",), _clinic(35, violations="physician", accident_grade="五级")
    ),
    BrokenRow(
        "有罚没款但查处案件数为 0（警告）",
        ("F063",),
        _clinic(36, violations="license", cases="0", fine_yuan="2000"),
    ),
    BrokenRow(
        "罚没款超过单笔上限（100 亿元）：多半是以分为单位或多打了位数",
        ("F064",),
        _clinic(37, violations="license", cases="1", fine_yuan="30000000000"),
    ),
    BrokenRow(
        "罚没款以逗号作小数点（“12,50”无法确定是 12.50 还是 1250）",
        ("F050",),
        _clinic(38, violations="license", cases="1", fine_yuan="12,50"),
    ),
    BrokenRow(
        "记录了检测结果，但医疗机构的检查表没有检测项目（检测项目属学校卫生等领域）",
        ("F070",),
        _clinic(39, tests="水质=合格"),
    ),
)

UNREACHABLE = {
    "F001": "a CSV row is always an object (extra fields go to no column); F001 is for JSON",
    "F017": "no two entities of shanxi/2025 share a label or alias, so no reference is ambiguous",
    "F023": "every item of shanxi/2025 may be marked 合理缺项 (no item is optional: false)",
    "F008": "JSON records only: an extra CSV column is F004, a warning (a 备注 column is layout)",
    "F067": "every bundled domain takes every findings field (none declares `fields`)",
}
"""Validation codes the broken CSV cannot seed under shanxi/2025, and why."""


def render_broken_csv() -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=BROKEN_FIELDS, lineterminator="\n")
    w.writeheader()
    for row in BROKEN:
        w.writerow({k: row.record.get(k, "") for k in BROKEN_FIELDS})
    return buf.getvalue()


def _broken_lines() -> Iterator[str]:
    yield "| row | codes | problem |"
    yield "|---:|---|---|"
    for i, row in enumerate(BROKEN, 2):  # row 1 is the header
        codes = ", ".join(row.codes) if row.codes else "—"
        yield f"| {i} | {codes} | {row.problem} |"
    for code, why in UNREACHABLE.items():
        yield f"| — | {code} | not seeded: {why} |"


_BEGIN = "<!-- broken-findings:begin (written by generate.py) -->"
_END = "<!-- broken-findings:end -->"


def render_readme_table(readme: str) -> str:
    """``readme`` with the table of seeded problems between its markers rewritten."""
    head, sep, rest = readme.partition(_BEGIN)
    if not sep:
        raise ValueError(f"README has no {_BEGIN!r} marker")
    _, sep2, tail = rest.partition(_END)
    if not sep2:
        raise ValueError(f"README has no {_END!r} marker")
    return head + _BEGIN + "\n" + "\n".join(_broken_lines()) + "\n" + _END + tail


# --------------------------------------------------------------------------- main


def expected_files(rs: Ruleset | None = None, readme: str | None = None) -> dict[str, str]:
    """File name → the text this script writes."""
    rs = rs or load_ruleset(PLAN)
    findings = generate_findings(rs)
    readme = readme if readme is not None else (HERE / README_FILE).read_text(encoding="utf-8")
    return {
        FINDINGS_FILE: render_findings_jsonl(findings),
        CENSUS_FILE: render_census_csv(generate_census(rs, findings)),
        BROKEN_FILE: render_broken_csv(),
        README_FILE: render_readme_table(readme),
    }


def write_examples(directory: Path = HERE, *, check: bool = False) -> list[str]:
    """Write the example files (or, with ``check``, list the ones that differ)."""
    readme_path = HERE / README_FILE
    stale: list[str] = []
    for name, text in expected_files(readme=readme_path.read_text(encoding="utf-8")).items():
        path = directory / name
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            stale.append(name)
            if not check:
                path.write_text(text, encoding="utf-8", newline="")
    return stale


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="only report files that would change")
    args = ap.parse_args(argv)
    stale = write_examples(check=args.check)
    for name in stale:
        print(("stale: " if args.check else "wrote: ") + name)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())

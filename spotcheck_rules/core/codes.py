"""Every code the library can emit, in one catalogue: code, family, severity, a Chinese title,
the message templates the code uses, which input it concerns and where it is documented.

This module is at the bottom of the package, beside :mod:`spotcheck_rules.core.errors` (it
imports that and the standard library, nothing else), so every module may read it. What reads it:
``validation.CODES`` (a view of the F family), the census checks (their severities), the diff
rules (``diff.RULES`` is built from the ``diff`` family), ``spotcheck codes``, and the generated
code tables of docs/codes.md and docs/findings.md (``python -m spotcheck_rules.core.codes --write
docs``). The test suite fails when a code is emitted that is not here, or is here and no test
emits it (tests/conftest.py).

A message template shows what the message says, with ``{placeholders}`` for what is filled in
when the problem is found; a code with several wordings lists each. A diff rule has no template:
its change's message is written per entity; its title is the rule's meaning and its severity is
that of its default level (a levels file or an acknowledgement changes the severity of a change).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .errors import Severity

__all__ = [
    "CATALOGUE",
    "FAMILIES",
    "CodeInfo",
    "Family",
    "by_family",
    "codes_json",
    "codes_page",
    "codes_text",
    "family_id",
    "findings_table",
    "info",
    "severity",
]


@dataclass(frozen=True)
class Family:
    """A family of codes: the letter (or ``diff``) they start with and what they are about."""

    id: str
    title: str
    concerns: str
    doc: str


@dataclass(frozen=True)
class CodeInfo:
    """One code: what it is, how bad, what its messages say, and where it is documented."""

    code: str
    family: str
    severity: Severity
    title: str
    messages: tuple[str, ...]
    concerns: str
    doc: str
    note: str = ""
    """A remark for the documentation table (in English, like the docs)."""
    refuses: bool = False
    """The whole input is refused (a :class:`~spotcheck_rules.core.errors.SpotcheckError`, exit 2)
    rather than one record or row reported."""
    level: str | None = None
    """A diff rule's default change level (``breaking`` … ``info``)."""
    entity: str | None = None
    """A diff rule's entity (``column``, ``category`` …)."""


FAMILIES: Mapping[str, Family] = {
    f.id: f
    for f in (
        Family("F", "检查结果（findings）的问题", "findings", "docs/findings.md#validation-codes"),
        Family("C", "辖区单位数（census）的问题", "census", "docs/findings.md#validation-codes"),
        Family(
            "M",
            "合并的结果（merge 的输入）的问题",
            "merge input",
            "docs/reliability.md#what-merge-checks-before-it-adds-anything",
        ),
        Family(
            "U",
            "抽取名单的问题（U1xx 单位名单，U2xx 执法人员名单）",
            "roster, inspectors",
            "docs/sampling.md#roster-problems",
        ),
        Family("A", "执法人员分配的问题", "inspectors", "docs/sampling.md#roster-problems"),
        Family("V", "抽取审计记录的问题", "audit", "docs/sampling.md#roster-problems"),
        Family("Y", "YAML 文件的问题", "ruleset YAML", "docs/cli.md#spotcheck-check"),
        Family(
            "S", "规则集文件结构（schema）的问题", "ruleset YAML", "docs/cli.md#spotcheck-check"
        ),
        Family("R", "检查表的问题（lint）", "ruleset lint", "docs/cli.md#spotcheck-check"),
        Family("P", "计划的问题（lint）", "ruleset lint", "docs/cli.md#spotcheck-check"),
        Family("diff", "两个规则集之间的变更（diff 规则）", "ruleset diff", "docs/diff.md#levels"),
    )
}
"""Every family, in the order of the catalogue."""

_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO
_ENTRIES: list[CodeInfo] = []


def _add(
    code: str,
    sev: Severity,
    title: str,
    *messages: str,
    note: str = "",
    refuses: bool = False,
    concerns: str | None = None,
) -> None:
    fam = FAMILIES["diff" if code[0].islower() else code[0]]
    _ENTRIES.append(
        CodeInfo(
            code=code,
            family=fam.id,
            severity=sev,
            title=title,
            messages=messages,
            concerns=concerns or fam.concerns,
            doc=fam.doc,
            note=note,
            refuses=refuses,
        )
    )


# --------------------------------------------------------------------------- F: findings

_add(
    "F001",
    _E,
    "无法解析的记录（不是合法 JSON，或不是对象）",
    "无法解析的记录：{reason}",
    "记录应为对象（字段名: 值），实为 {type}",
    "第 {line} 行{reason}",
    "{reason}",
)
_add(
    "F002",
    _E,
    "缺少必填字段（unit_id、domain、category）",
    "缺少必填字段 {field}",
    "必填字段 {field} 为空（{value!r}）",
)
_add(
    "F003",
    _E,
    "字段类型错误",
    "字段 {field} 应为{type}，实为 {value}",
    "字段 {field} 应为文本列表",
    "查处案件数应为非负整数，实为 {value!r}",
    "{field} 应为是/否，实为 {value!r}",
)
_add(
    "F004",
    _W,
    "未知字段，已忽略",
    "未知字段 {field}，已忽略",
    note="(a CSV / XLSX column the contract does not have)",
)
_add("F005", _E, "地区代码不是6位行政区划代码", "地区代码 {value!r} 应为6位行政区划代码")
_add("F006", _E, "检查日期不是 ISO 日期", "检查日期 {value!r} 应为 ISO 日期（YYYY-MM-DD）")
_add(
    "F007",
    _E,
    "所有制取值无效",
    "所有制 {value!r} 无效：应为 public（公立）或 private（非公立、民营）",
)
_add(
    "F008",
    _E,
    "未知字段（JSON 记录只能有契约中的字段）",
    "未知字段 {field}：JSON 记录只能有契约中的字段",
    note="(JSON-shaped records; a flat file's extra column is F004)",
)
_add(
    "F009",
    _E,
    "文件无法安全读取：表头有重复的列、超过大小限制（xlsx 解压后大小、行数、单元格数、CSV 单元格长度、嵌套层数）",
    "列“{column}”（第 {n} 列）与第 {m} 列写入同一字段，只能有其中一列",
    "第 {line} 行起无法按 CSV 读取（{reason}）",
    "{limit}",
    note="(the file is refused, exit 2)",
    refuses=True,
)
_add("F010", _E, "未知的监督领域", "未知的监督领域：{ref}", note="(suggests the closest)")
_add("F011", _E, "计划未包含该领域", "计划 {plan} 不包含领域 {domain}（包含：{domains}）")
_add("F012", _E, "未知的单位类别", "未知的单位类别：{ref}", note="(suggests the closest)")
_add(
    "F013",
    _E,
    "单位类别是小计行，应填写其下的具体类别",
    "“{label}”是小计行，请填写其下的具体类别：{leaves}",
)
_add("F014", _E, "未知的违法违规代码", "未知的违法违规代码：{ref}", note="(suggests the closest)")
_add("F015", _E, "未知的检查内容（合理缺项）", "未知的检查内容：{ref}")
_add("F016", _E, "未知的吊销项目", "未知的吊销项目：{ref}")
_add(
    "F017",
    _E,
    "引用有歧义",
    "{what}“{ref}”有歧义，可能是：{candidates}",
    note="(two entities share that label)",
)
_add(
    "F020",
    _E,
    "违法行为（或吊销项目）不适用于该单位类别",
    "违法行为“{violation}”不适用于{category}（汇总表中该格为“/”）",
    "吊销项目“{revocation}”不适用于{category}",
    note='(the cell is "/")',
)
_add(
    "F021",
    _E,
    "违法行为不适用于该所有制的单位",
    "违法行为“{violation}”不适用于{ownership}单位",
    note="(政策落实 on a private clinic)",
)
_add(
    "F022",
    _W,
    "未填所有制，而该违法行为仅适用于某一所有制",
    "违法行为“{violation}”只适用于{ownership}单位，而记录未填所有制（ownership）",
    note="(counted, but check it)",
)
_add("F023", _E, "该检查内容不可合理缺项", "检查内容“{item}”不可合理缺项")
_add(
    "F024",
    _E,
    "违法行为所属的检查内容被标为合理缺项",
    "违法行为“{violation}”所属的检查内容“{item}”被标为合理缺项",
)
_add(
    "F030",
    _W,
    "同一单位在同一领域重复出现，内容相同，已去重",
    "单位 {unit_id} 在{domain}领域重复出现，与{where}的记录相同，已去重",
    note="(accepted, counted once)",
)
_add(
    "F031",
    _E,
    "同一单位在同一领域重复出现，内容不一致",
    "单位 {unit_id} 在{domain}领域重复出现，与{where}的记录不一致；每个单位每个领域只应有一条记录",
    note="(the later record is rejected)",
)
_add("F040", _E, "检查日期不在计划年度内", "检查日期 {date} 不在计划年度 {year} 年内")
_add(
    "F050",
    _E,
    "罚没款不是数字",
    "罚没款 {value!r} {reason}",
    note="(or not readable unambiguously: `12,50`, `1e3`, a JSON number with a fraction; "
    "the message says why)",
)
_add("F051", _E, "罚没款为负数", "罚没款 {value!r} 为负数")
_add("F052", _E, "罚没款为 NaN 或无穷大", "罚没款 {value!r} 不是有限数字")
_add(
    "F053",
    _E,
    "罚没款超过两位小数（单位：元）",
    "罚没款 {value!r} 超过两位小数（单位：元，精确到分）",
)
_add("F054", _E, "查处案件数为负数", "查处案件数 {n} 为负数")
_add(
    "F055",
    _E,
    "有行政处罚（案件或罚没款）但无违法行为",
    "记录了行政处罚（查处案件数或罚没款），但没有违法行为（violations）",
)
_add("F056", _E, "有吊销但无违法行为", "记录了吊销，但没有违法行为（violations）")
_add(
    "F057",
    _E,
    "罚没款所对应的违法行为只应下达监督意见书",
    "罚没款所对应的违法行为（{violations}）违反政策要求但无行政处罚依据，"
    "应下达监督意见书而非罚款（抽查计划 三(三)）",
    note="(every violation of the record has disposition `opinion`: "
    "违反政策要求但无行政处罚依据的，要下达监督意见书, 抽查计划 三(三))",
)
_add(
    "F058",
    _W,
    "违反政策要求的行为未下达监督意见书",
    "违反政策要求但无行政处罚依据的行为，应下达监督意见书（抽查计划 三(三)）",
    note="(`opinion_issued: false`)",
)
_add(
    "F059",
    _E,
    "涉嫌违法犯罪的行为未标记移交（referred）",
    "违法行为（{violations}）涉嫌违法犯罪，应移交相关部门或司法机关，"
    "记录未标记 referred（抽查计划 三(三)；规范第三十一条）",
    note="(a violation with disposition `referral`)",
)
_add(
    "F060",
    _W,
    "重大医疗违法案件：应及时向上级卫生健康行政部门报告",
    "符合重大医疗违法案件情形（《医疗监督执法工作规范（试行）》第三十四条{cases}），"
    "应及时向上级卫生健康行政部门报告（第三十一条）",
    note="(规范第三十四条（一）死亡或二级以上医疗事故、（二）3人以上人身损害、（三）财产严重损失、"
    "（四）群体性健康风险、（五）恶劣社会影响; reporting duty 第三十一条)",
)
_add(
    "F061",
    _E,
    "伤亡人数或财产损失不是非负数",
    "harm.{field} 应为非负整数，实为 {value!r}",
    "harm.{field} 为负数",
    "财产损失 {value!r} {reason}",
)
_add(
    "F062",
    _E,
    "医疗事故等级无效",
    "医疗事故等级 {value!r} 无效：应为一级、二级、三级或四级",
)
_add("F063", _W, "有罚没款或吊销，但查处案件数为 0", "有罚没款或吊销，但查处案件数为 0")
_add(
    "F064",
    _E,
    "罚没款超过单笔上限（100 亿元）",
    "罚没款 {value!r} 超过单笔上限 100 亿元（10¹⁰ 元）",
    note="(see [Money](#money-exactly-as-written))",
)

# --------------------------------------------------------------------------- C: census

_add(
    "C001",
    _E,
    "未知的监督领域，或计划不包含该领域",
    "未知的监督领域：{ref}",
    "计划 {plan} 不包含领域 {domain}",
)
_add("C002", _E, "未知的单位类别", "未知的单位类别：{ref}")
_add(
    "C003",
    _E,
    "无法读取的条目，或单位数不是非负整数",
    "无法读取的条目：{reason}",
    "辖区单位数的每条应为对象：domain、category、units",
    "未知字段：{fields}",
    "缺少 domain 或 category",
    "单位数应为非负整数，实为 {value}",
)
_add("C004", _E, "单位类别重复出现", "{category} 重复出现（先前在 {where}）")
_add("C005", _E, "单位类别是小计行", "“{category}”是小计行，请按其下的具体类别填写")
_add(
    "C006",
    _W,
    "辖区单位数未列出某些具体类别，按 0 计",
    "辖区单位数未列出{domain}的类别：{categories}，按 0 计",
)
_add(
    "C010",
    _W,
    "检查单位数多于辖区单位数",
    "{domain}“{category}”检查单位数 {inspected} 多于辖区单位数 {census}",
)
_add(
    "C011",
    _I,
    "未提供辖区单位数",
    "未提供辖区单位数（--census），“辖区内单位总数”列为空",
)

# --------------------------------------------------------------------------- M: merge input

_add(
    "M001",
    _E,
    "结果的规则集（编号或摘要）与合并所用的不同",
    "规则集 {plan}（摘要 {digest}）与合并所用的 {ref}（摘要 {ref_digest}）不同，不能合并",
)
_add(
    "M002",
    _E,
    "结果的领域与计划的不同",
    "领域（{domains}）与计划 {plan} 的（{plan_domains}）不同，不能合并",
)
_add("M003", _E, "结果的行或列与计划的不同", "{domain}表的行或列与计划 {plan} 的不同，不能合并")
_add(
    "M004",
    _E,
    "同一单位出现在两个结果中（带单位明细时）",
    "单位 {unit} 同时出现在 {file} 和 {other} 的{domain}表中，合并会重复统计",
)
_add(
    "M005",
    _E,
    "不是有效的 spotcheck aggregate 结果（JSON、schema、类型）",
    "不是 UTF-8 文本（第 {n} 个字节）",
    "不是有效的 JSON：{reason}",
    "{schema_problem}",
    "不是有效的结果：{reason}",
    refuses=True,
)
_add(
    "M006",
    _E,
    "单元格与计划的表不符（多出、缺少、不适用却有值、类型错误）",
    "“{row}”行有计划表中没有的列：{columns}",
    "“{row}”行“{column}”缺少数值",
    "“{row}”行“{column}”不适用（/），却有数值 {value}",
    "“{row}”行“{column}”应为{kind}，实为 {value!r}",
)
_add(
    "M007",
    _E,
    "小计或合计不等于其下各行之和",
    "“{row}”行“{column}”为 {value}，不等于其下各行之和 {expected}",
)
_add(
    "M008",
    _E,
    "记录数对不上",
    "读取 {read} 条，不等于接受 {accepted} 条与拒绝 {rejected} 条之和",
    "跳过 {skipped} 条，多于拒绝的 {rejected} 条",
    "各文件的记录数之和 {sum} 不等于读取的 {read} 条",
)
_add(
    "M009",
    _E,
    "单位明细与单元格不符",
    "“{row}”行“{column}”为 {value}，所附单位编号却有 {n} 个",
    "“{row}”行“{column}”所附单位编号不是其下各行的并集",
)
_add(
    "M010",
    _W,
    "结果的标题或行列名称与计划的不同，合并结果使用计划中的名称",
    "{domain}表的标题或行列名称与计划 {plan} 的不同，合并结果使用计划中的名称",
)
_add(
    "M011",
    _W,
    "只有部分结果提供了辖区单位数",
    "{domain}表的“{column}”只有部分结果提供了辖区单位数（缺：{files}），合并后的该列不完整",
)

# --------------------------------------------------------------------------- U: rosters
# U1xx the unit roster, U2xx the inspector roster: the reading checks are the same for both.

for _p, _what in (("U1", "roster"), ("U2", "inspectors")):
    _add(
        f"{_p}01",
        _E,
        "名单文件无法安全读取（不是 JSON、嵌套过深、超过大小限制）",
        "{reason}",
        refuses=True,
        concerns=_what,
    )
    _add(
        f"{_p}02",
        _E,
        "缺少必需的列，或列重复",
        "缺少必需的列 {field}（可写作：{aliases}）",
        "列“{header}”与第 {n} 列重复（都是 {field}）",
        "{what}为空，没有表头",
        concerns=_what,
    )
    _add(
        f"{_p}03",
        _W,
        "不是名单字段的列（已忽略）",
        "未识别的列“{header}”，已忽略",
        "未识别的字段“{key}”，已忽略",
        concerns=_what,
    )
    _add(
        f"{_p}05",
        _I,
        "文件不是 UTF-8，已按 GB18030（GBK）读取",
        "文件不是 UTF-8，已按 GB18030（GBK）读取",
        concerns=_what,
    )
    _add(
        f"{_p}06",
        _E,
        "无法按原样读取的行（字段数与表头不符、无表头的列、无保存结果的公式等），该行不用",
        "第 {line} 行{reason}",
        concerns=_what,
    )
    _add(f"{_p}20", _E, "记录不是对象", "记录应为对象（键值对）", concerns=_what)

_add("U104", _W, "名单中没有可抽取的单位", "名单中没有可抽取的单位", concerns="roster")
_add("U110", _E, "必填字段为空", "{where}：{field} 为空", concerns="roster")
_add("U111", _E, "未知的监督领域", "{where}：未知的监督领域“{ref}”", concerns="roster")
_add(
    "U112",
    _W,
    "计划不包含该领域，该行已忽略",
    "{where}：监督领域“{ref}”不在计划 {plan} 中，已忽略",
    concerns="roster",
)
_add(
    "U113",
    _E,
    "检查表没有该单位类别",
    "{where}：{domain}没有单位类别“{ref}”",
    concerns="roster",
)
_add(
    "U114",
    _E,
    "单位类别有歧义",
    "{where}：单位类别“{ref}”有歧义（{candidates}）",
    concerns="roster",
)
_add(
    "U115",
    _E,
    "单位类别是汇总行",
    "{where}：“{ref}”是汇总行，请填写其下的具体类别（{leaves}）",
    concerns="roster",
)
_add(
    "U116",
    _E,
    "无法识别的所有制",
    "{where}：无法识别的所有制“{ref}”（应为 公立 或 民营）",
    concerns="roster",
)
_add(
    "U117",
    _E,
    "受处罚年份不是四位年份",
    "{where}：受处罚年份“{ref}”应为四位年份",
    concerns="roster",
)
_add(
    "U118",
    _E,
    "同一单位在同一领域列出两次",
    "{where}：单位 {unit_id} 在{domain}中重复出现（{first}已有）",
    concerns="roster",
)
_add(
    "U119",
    _E,
    "编号或地区含控制字符或超过 128 个字符",
    "{where}：{field}“{value}”含控制字符或超过 128 个字符",
    concerns="roster",
)
_add("U210", _E, "必填字段为空", "{where}：{field} 为空", concerns="inspectors")
_add("U211", _E, "未知的监督领域", "{where}：未知的监督领域“{ref}”", concerns="inspectors")
_add(
    "U218",
    _E,
    "执法人员编号重复",
    "{where}：执法人员编号 {id} 重复（{first}已有）",
    concerns="inspectors",
)
_add(
    "U219",
    _E,
    "编号或地区含控制字符或超过 128 个字符",
    "{where}：{field}“{value}”含控制字符或超过 128 个字符",
    concerns="inspectors",
)

# --------------------------------------------------------------------------- A, V: draws

_add(
    "A301",
    _E,
    "无法为该单位组成合格的检查组",
    "{domain} {unit_id} {unit_name}：{reason}",
)
_add(
    "V001",
    _E,
    "审计记录不符合其 schema",
    "审计记录字段无效：{reason}",
    "{reason}",
    refuses=True,
)

# --------------------------------------------------------------------------- Y, S: ruleset files

_add(
    "Y001",
    _E,
    "不是 UTF-8 文本",
    "不是 UTF-8 文本（第 {n} 字节）",
    "含有 NUL 字符，不是文本",
)
_add(
    "Y002",
    _E,
    "不是有效的 YAML（语法、重复的键），或有无法读取的值",
    "YAML 语法错误：{reason}",
    "重复的键：{reason}",
    "无法读取的值 {value}：{reason}",
    "YAML 错误：{reason}",
)
_add(
    "Y003",
    _E,
    "文件过大、嵌套过深或节点过多",
    "文件过大",
    "文档{limit}",
    "文档节点过多（超过 {n} 个），可能是别名膨胀攻击",
)
_add(
    "Y004",
    _E,
    "YAML 标签（!!python/… 等），从不构造",
    "不支持 YAML 标签 {tag}",
    "不支持的 YAML 标签或类型：{reason}",
)
_add("Y005", _E, "键不是文本", "键必须是文本：{key!r}")
_add(
    "S001",
    _E,
    "不符合规则集 schema：缺少字段、未知字段、类型或取值错误",
    "{reason}",
    "未知字段（拼写错误？）：{field}",
)
_add(
    "S002",
    _E,
    "不是规则集文件（kind 缺失或未知）",
    "文件须以 kind: plan | checklist | sources 声明类型",
    "文件顶层应为映射（kind: …）",
)

# --------------------------------------------------------------------------- R: checklists

_add(
    "R101",
    _E,
    "id 重复",
    "{kind} id 重复：{id}",
    "违法违规代码 id 与汇总表列重复：{id}",
)
_add("R102", _E, "引用了不存在的单位类别", "引用了不存在的单位类别：{id}")
_add("R103", _E, "引用了不存在的检查内容", "引用了不存在的检查内容：{id}")
_add("R104", _E, "引用了不存在的汇总表列", "引用了不存在的汇总表列：{id}")
_add(
    "R105",
    _E,
    "上级行排在下级行之后，或以自身为上级",
    "上级行“{parent}”必须排在下级行之前",
    "单位类别不能以自身为上级",
)
_add(
    "R106",
    _E,
    "两个实体的名称或别名相同，引用将有歧义",
    "名称“{label}”同时指向 {first} 和 {second}，引用将有歧义",
)
_add(
    "R107",
    _E,
    "出处引用了未登记的文件",
    "出处引用了未登记的文件“{source}”（见 rulesets/sources.yaml）",
)
_add(
    "R108",
    _W,
    "不合格情况列未指明所属检查内容",
    "不合格情况列“{column}”未指明所属检查内容（item）",
)
_add(
    "R109",
    _W,
    "检查内容序号不是 1..n 连续编号",
    "检查内容序号应为 1..{n} 连续编号，实为 {numbers}",
)
_add(
    "R110",
    _E,
    "违法违规代码归入了不是不合格情况列的列",
    "违法违规代码只能归入不合格情况列，“{column}”不是",
)

# --------------------------------------------------------------------------- P: plans

_add(
    "P201",
    _E,
    "extends 引用了不存在的规则集，或形成循环",
    "extends 引用了不存在的规则集：{parent}",
    "extends 形成循环：{cycle}",
    "{reason}",
)
_add(
    "P202",
    _E,
    "领域没有检查表、检查表不存在，或是另一领域的检查表",
    "规则集没有任何监督领域（domains）",
    "领域 {domain} 没有指明检查表（checklist）",
    "找不到检查表 {checklist}",
    "领域 {domain} 引用了 {other} 的检查表",
)
_add(
    "P203",
    _E,
    "抽样层或合计比例引用了检查表中不存在的单位类别",
    "抽样层引用了检查表中不存在的单位类别：{id}",
    "合计比例引用了不存在的单位类别：{id}",
)
_add(
    "P204",
    _E,
    "同一单位类别在同一级抽查中出现在两个抽样层",
    "单位类别 {id} 在同一级抽查中出现在两个抽样层",
)
_add(
    "P205",
    _W,
    "各级抽查比例之和与计划所述合计不符",
    "单位类别 {id} 各级抽查比例合计为 {got}，与文件所述合计 {wanted} 不符",
)
_add("P206", _E, "措辞覆盖引用了不存在的检查内容", "措辞覆盖引用了不存在的检查内容：{id}")
_add("P207", _E, "未登记的来源文件", "未登记的来源文件：{key}")
_add("P209", _W, "领域没有抽样层", "领域 {domain} 没有抽样层（strata）")
_add(
    "P210",
    _E,
    "未声明取整规则",
    "未声明取整规则（rounding）：没有来源规定，须明确声明并注明 inferred",
)
_add("P211", _E, "抽样层 id 重复", "抽样层 id 重复：{id}")

# --------------------------------------------------------------------------- diff rules
# (rule id, default level, entity, meaning), in the order changes of one entity are listed.

_LEVEL_SEVERITY = {"breaking": _E, "dangerous": _W, "additive": _I, "info": _I}
_DIFF_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("plan-title-changed", "info", "plan", "计划标题改变"),
    ("jurisdiction-changed", "info", "plan", "适用辖区改变"),
    ("plan-notes-changed", "info", "plan", "计划附注改变"),
    ("plan-sources-changed", "info", "plan", "计划依据的来源文件改变"),
    ("rounding-changed", "dangerous", "rounding", "比例换算为家数的取整规则改变，抽取家数随之改变"),
    ("deadline-added", "info", "deadline", "新增报送时限"),
    ("deadline-removed", "info", "deadline", "删去报送时限"),
    ("deadline-changed", "info", "deadline", "报送时限的日期、原文或报送对象改变"),
    ("lookback-added", "info", "lookback", "新增“回头看”"),
    ("lookback-removed", "info", "lookback", "删去“回头看”"),
    ("lookback-changed", "info", "lookback", "“回头看”的年份、专项或原文改变"),
    ("domain-added", "additive", "domain", "新增监督领域（新的一套汇总表）"),
    ("domain-removed", "breaking", "domain", "删去监督领域（整套汇总表不再填报）"),
    ("checklist-version-changed", "info", "domain", "领域改用另一年度的检查表"),
    ("table-title-changed", "info", "checklist", "汇总表、工作计划表标题或合计行名称改变"),
    ("category-added", "additive", "category", "新增单位类别（汇总表新增一行）"),
    ("category-removed", "breaking", "category", "删去单位类别（汇总表少一行）"),
    ("category-rekeyed", "breaking", "category", "单位类别改编号（renamed_from）"),
    ("category-replaced", "breaking", "category", "单位类别被拆分或取代（replaces），原行不再出现"),
    ("category-relabelled", "dangerous", "category", "单位类别名称改变"),
    ("category-parent-changed", "dangerous", "category", "单位类别的上级行改变，小计口径随之改变"),
    ("category-moved", "dangerous", "category", "单位类别在汇总表中的行序改变"),
    ("category-aliases-changed", "info", "category", "单位类别的别名改变"),
    ("item-added", "additive", "item", "新增检查内容"),
    ("item-removed", "dangerous", "item", "删去检查内容"),
    ("item-rekeyed", "dangerous", "item", "检查内容改编号（renamed_from）"),
    ("item-replaced", "dangerous", "item", "检查内容被拆分或取代（replaces）"),
    ("item-text-changed", "info", "item", "检查内容原文改变"),
    ("item-title-changed", "info", "item", "检查内容简称改变"),
    ("item-number-changed", "info", "item", "检查内容序号改变"),
    ("item-points-changed", "info", "item", "检查内容的要点增删"),
    ("item-optional-changed", "dangerous", "item", "检查内容是否可合理缺项改变"),
    ("item-applicability-changed", "dangerous", "item", "检查内容的适用范围改变"),
    (
        "item-restrictions-changed",
        "dangerous",
        "item",
        "检查内容对部分类别的限制改变（如村卫生室仅查处方）",
    ),
    ("item-aliases-changed", "info", "item", "检查内容的别名改变"),
    ("column-added", "additive", "column", "汇总表新增一列"),
    ("column-removed", "breaking", "column", "汇总表删去一列"),
    ("column-rekeyed", "breaking", "column", "汇总表列改编号（renamed_from）"),
    ("column-replaced", "breaking", "column", "汇总表列被拆分或取代（replaces），原列不再出现"),
    (
        "column-kind-changed",
        "breaking",
        "column",
        "汇总表列的计数方式改变（单位数、案件数、金额…）",
    ),
    ("column-relabelled", "dangerous", "column", "汇总表列的表头文字改变"),
    ("column-moved", "dangerous", "column", "汇总表列的位置改变"),
    ("column-groups-changed", "dangerous", "column", "汇总表列所属的表头分组改变"),
    ("column-item-changed", "dangerous", "column", "汇总表列对应的检查内容改变"),
    (
        "column-disposition-changed",
        "dangerous",
        "column",
        "违法违规的处理方式改变（处罚、监督意见书、移交）",
    ),
    ("column-applicability-changed", "dangerous", "column", "汇总表列适用的类别或所有制改变"),
    ("column-source-label-changed", "info", "column", "来源表头原样文字改变"),
    ("column-aliases-changed", "info", "column", "汇总表列的别名改变"),
    ("code-added", "additive", "violation", "新增违法违规代码"),
    ("code-removed", "dangerous", "violation", "删去违法违规代码"),
    ("code-rekeyed", "dangerous", "violation", "违法违规代码改编号（renamed_from）"),
    (
        "code-column-changed",
        "dangerous",
        "violation",
        "违法违规代码改计入另一列，该列数字与往年不再可比",
    ),
    ("code-item-changed", "dangerous", "violation", "违法违规代码对应的检查内容改变"),
    ("code-disposition-changed", "dangerous", "violation", "违法违规代码的处理方式改变"),
    ("code-relabelled", "info", "violation", "违法违规代码名称改变"),
    ("code-aliases-changed", "info", "violation", "违法违规代码的别名改变"),
    ("tier-added", "dangerous", "stratum", "新增一级抽查（如市级双随机）"),
    ("tier-removed", "dangerous", "stratum", "删去一级抽查"),
    ("stratum-added", "additive", "stratum", "新增抽检对象（抽检层）"),
    ("stratum-removed", "dangerous", "stratum", "删去抽检对象（抽检层）"),
    ("ratio-changed", "dangerous", "stratum", "抽检比例或家数改变"),
    ("ratio-notation-changed", "info", "stratum", "抽检比例写法改变而含义不变（100% 与“所有”）"),
    ("stratum-tier-changed", "dangerous", "stratum", "抽检层改属另一级抽查"),
    ("stratum-categories-changed", "dangerous", "stratum", "抽检层包含的单位类别改变"),
    ("stratum-remaining-changed", "dangerous", "stratum", "是否只从上级未抽取的剩余单位中抽取改变"),
    ("stratum-note-changed", "info", "stratum", "抽检层的说明改变"),
    ("stated-total-added", "info", "stated_total", "计划正文新增所述合计比例"),
    ("stated-total-removed", "info", "stated_total", "计划正文删去所述合计比例"),
    ("stated-total-changed", "info", "stated_total", "计划正文所述合计比例改变"),
    ("wording-added", "info", "wording", "计划对检查内容采用自己的措辞"),
    ("wording-removed", "info", "wording", "计划不再采用自己的措辞，回到检查表原文"),
    ("wording-changed", "info", "wording", "计划自己的措辞改变"),
    ("provenance-changed", "info", "plan", "出处（来源引用、推断理由、说明）改变；任何实体均可能"),
)
for _id, _level, _entity, _meaning in _DIFF_RULES:
    _ENTRIES.append(
        CodeInfo(
            code=_id,
            family="diff",
            severity=_LEVEL_SEVERITY[_level],
            title=_meaning,
            messages=(),
            concerns=FAMILIES["diff"].concerns,
            doc=FAMILIES["diff"].doc,
            level=_level,
            entity=_entity,
        )
    )

# --------------------------------------------------------------------------- the catalogue

_FAMILY_ORDER = {f: n for n, f in enumerate(FAMILIES)}
# Letter families sorted by code; the diff rules keep their order (changes are sorted by it).
CATALOGUE: Mapping[str, CodeInfo] = {
    c.code: c
    for c in sorted(
        _ENTRIES,
        key=lambda c: (_FAMILY_ORDER[c.family], "" if c.family == "diff" else c.code),
    )
}
"""Every code, by code: the letter families in code order, then the diff rules."""


def info(code: str) -> CodeInfo:
    """The catalogue entry of ``code``; ``KeyError`` for a code the library does not emit."""
    return CATALOGUE[code]


def severity(code: str) -> Severity:
    """The severity of ``code`` (for a diff rule: that of its default level)."""
    return CATALOGUE[code].severity


def by_family(family: str | None = None) -> tuple[CodeInfo, ...]:
    """Every code, or those of one family (``F``, ``diff`` …; a letter in either case)."""
    if family is None:
        return tuple(CATALOGUE.values())
    fam = family_id(family)
    return tuple(c for c in CATALOGUE.values() if c.family == fam)


def family_id(family: str) -> str:
    """The family called ``family`` (``f`` → ``F``, ``DIFF`` → ``diff``); ``ValueError`` if none."""
    name = family.strip()
    fam = "diff" if name.lower() == "diff" else name.upper()
    if fam not in FAMILIES:
        raise ValueError(f"未知的代码族：{family}（可用：{'、'.join(FAMILIES)}）")
    return fam


# --------------------------------------------------------------------------- renderings


def codes_text(codes: Iterable[CodeInfo]) -> str:
    """One line per code (``code  severity  title``), under a heading line per family."""
    out: list[str] = []
    rows = list(codes)
    for fam in FAMILIES.values():
        mine = [c for c in rows if c.family == fam.id]
        if not mine:
            continue
        if out:
            out.append("")
        out.append(f"{fam.id}  {fam.title}（{fam.concerns}；{fam.doc}）")
        width = max(len(c.code) for c in mine)
        for c in mine:
            out.append(f"  {c.code:<{width}}  {c.severity.value:<7}  {c.title}")
    return "\n".join(out) + "\n" if out else ""


def codes_json(codes: Iterable[CodeInfo]) -> str:
    """The codes as a JSON array of objects (every key always written)."""
    items = [
        {
            "code": c.code,
            "family": c.family,
            "severity": c.severity.value,
            "title": c.title,
            "messages": list(c.messages),
            "concerns": c.concerns,
            "doc": c.doc,
            "refuses": c.refuses,
            "level": c.level,
            "entity": c.entity,
        }
        for c in codes
    ]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def findings_table() -> str:
    """The table of F codes in docs/findings.md (code, severity, title and remark)."""
    lines = ["| code | severity | meaning |", "|---|---|---|"]
    for c in by_family("F"):
        meaning = f"{c.title} {c.note}" if c.note else c.title
        lines.append(f"| {c.code} | {c.severity.value} | {_cell(meaning)} |")
    return "\n".join(lines) + "\n"


def _link(doc: str) -> str:
    path, _, anchor = doc.partition("#")
    name = path.removeprefix("docs/")
    return f"[{name}{'#' + anchor if anchor else ''}]({name}{'#' + anchor if anchor else ''})"


def codes_page(
    families: Sequence[str] | None = None,
) -> str:
    """docs/codes.md: every family, and every code with its severity, title and messages."""
    out = [
        "# Every code the library emits",
        "",
        "<!-- Generated by `python -m spotcheck_rules.core.codedocs --write docs`; do not edit. -->",
        "",
        "One catalogue (`spotcheck_rules.core.codes`) lists every problem code and diff rule; this page,",
        "the table in [findings.md](findings.md#validation-codes) and `spotcheck codes` are made",
        "from it. The test suite fails when a code is emitted that it lacks, it lists a code",
        "that no test emits, or a code is emitted with another severity or with a message that",
        "none of its templates matches. A message template shows what the message says, with",
        "`{placeholders}` for what is filled in. *Refuses*: the whole input is refused (exit 2),",
        "not one record reported. A diff rule's severity is that of its default level",
        "(`breaking` → error, `dangerous` → warning, `additive`, `info` → info); a levels file or",
        "an acknowledgement changes it.",
        "",
        "| family | about | input | documented in | codes |",
        "|---|---|---|---|---|",
    ]
    wanted = list(FAMILIES) if families is None else [family_id(f) for f in families]
    for fid in wanted:
        fam = FAMILIES[fid]
        out.append(
            f"| [{fid}](#{fid.lower()}) | {fam.title} | {fam.concerns} | {_link(fam.doc)} "
            f"| {len(by_family(fid))} |"
        )
    for fid in wanted:
        fam = FAMILIES[fid]
        out += [
            "",
            f"## {fid}",
            "",
            f"**{fam.title}** — input: {fam.concerns}; documented in {_link(fam.doc)}.",
            "",
        ]
        if fid == "diff":
            out += ["| rule | level | severity | entity | meaning |", "|---|---|---|---|---|"]
            for c in by_family(fid):
                out.append(
                    f"| `{c.code}` | {c.level} | {c.severity.value} | {c.entity} | {_cell(c.title)} |"
                )
            continue
        out += ["| code | severity | title | messages |", "|---|---|---|---|"]
        for c in by_family(fid):
            title = c.title + (" *(refuses)*" if c.refuses else "")
            if fid == "U":
                title += f" — {c.concerns}"
            msgs = "<br>".join(f"`{_cell(m)}`" for m in c.messages)
            out.append(f"| {c.code} | {c.severity.value} | {_cell(title)} | {msgs} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(codes_text(CATALOGUE.values()))

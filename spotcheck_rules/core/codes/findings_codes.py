"""The codes of findings (F), of the census (C) and of merge's inputs (M)."""

from __future__ import annotations

from ..errors import Severity
from .model import Entries

__all__ = ["ENTRIES"]

_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO
ENTRIES = Entries()
"""The codes of this module, in the order written."""
_add = ENTRIES.add

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
    "必填字段 {field} 为空（{value}）",
)
_add(
    "F003",
    _E,
    "字段类型错误",
    "字段 {field} 应为{type}，实为 {value}",
    "字段 {field} 应为文本列表",
    "查处案件数应为非负整数，实为 {value}",
    "{field} 应为是/否，实为 {value}",
)
_add(
    "F004",
    _W,
    "未知字段，已忽略",
    "未知字段 {field}，已忽略",
    note="(a CSV / XLSX column the contract does not have)",
)
_add("F005", _E, "地区代码不是6位行政区划代码", "地区代码 {value} 应为6位行政区划代码")
_add(
    "F006",
    _E,
    "检查日期无法识别",
    "检查日期 {value} 应为 ISO 日期（YYYY-MM-DD）",
    "检查日期 {value} 无法识别：应为日期，如 2025-06-01、2025/6/1、2025年6月1日 或表格的日期单元格",
    note="(JSON records: an ISO date; CSV and XLSX rows: also the spellings spreadsheets write)",
)
_add(
    "F007",
    _E,
    "所有制取值无效",
    "所有制 {value} 无效：应为 {expected}",
    note="(expected: the ownerships the record's domain declares in domains.yaml)",
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
    "罚没款 {value} {reason}",
    note="(or not readable unambiguously: `12,50`, `1e3`, a JSON number with a fraction; "
    "the message says why)",
)
_add("F051", _E, "罚没款为负数", "罚没款 {value} {reason}")
_add("F052", _E, "罚没款为 NaN 或无穷大", "罚没款 {value} {reason}")
_add(
    "F053",
    _E,
    "罚没款超过两位小数（单位：元）",
    "罚没款 {value} {reason}",
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
    "罚没款所对应的违法行为按计划只应下达监督意见书",
    "罚没款所对应的违法行为（{violations}）属“{condition}”，应{action}而非罚款（{basis}）",
    note="(every violation of the record has disposition `opinion`; the condition, the action and "
    "the basis are the plan's `opinion` handling rule: Shanxi 三(三), Tianjin 三(四) …)",
)
_add(
    "F058",
    _W,
    "按计划应下达监督意见书的行为，记录为未下达",
    "违法行为（{violations}）属“{condition}”，应{action}，记录为未下达（{basis}）",
    note="(`opinion_issued: false`; wording from the plan's `opinion` rule)",
)
_add(
    "F059",
    _E,
    "按计划应移交的行为未标记移交（referred）",
    "违法行为（{violations}）应{action}{recipients}（“{condition}”），记录未标记 referred（{basis}）",
    note="(a violation with disposition `referral`; the recipients and the basis are the plan's "
    "`referral` rule: 相关部门 in the provinces, 有关行政部门、司法机关 under 003 第三十一条)",
)
_add(
    "F060",
    _W,
    "重大医疗违法案件：应按计划报告",
    "符合重大医疗违法案件情形（《{spec}》{article}{criteria}），应{action}：{recipients}（{basis}）",
    note="(the criteria met, quoted from the spec the plan names — 003 第三十四条; the recipient is "
    "the plan's `major_case` rule: 省卫生健康委 in Shanxi, 市卫生健康委 in Tianjin, 自治区卫生健康委 in "
    "Xinjiang, 上级卫生健康行政部门 under 003 第三十一条)",
)
_add(
    "F061",
    _E,
    "伤亡人数或财产损失不是非负数",
    "harm.{field} 应为非负整数，实为 {value}",
    "harm.{field} 为负数",
    "财产损失 {value} {reason}",
)
_add(
    "F062",
    _E,
    "医疗事故等级无效",
    "医疗事故等级 {value} 无效：应为一级、二级、三级或四级",
)
_add("F063", _W, "有罚没款或吊销，但查处案件数为 0", "有罚没款或吊销，但查处案件数为 0")
_add(
    "F064",
    _E,
    "罚没款超过单笔上限（100 亿元）",
    "罚没款 {value} {reason}",
    note="(see [Money](#money-exactly-as-written))",
)
_add(
    "F065",
    _E,
    "CSV 文件的编码无法确定，或与 --encoding 指定的不符",
    "无法确定文件编码：{reason}",
    "按指定的编码 {encoding} 无法读取：{reason}",
    "文件以 {encoding} 的标记开头，但{reason}",
    note="(names the guess; `--encoding` overrides; the file is refused, exit 2)",
    refuses=True,
)
_add(
    "F066",
    _E,
    "表头没有一列是已知的字段",
    "表头（{headers}）没有一列是已知的字段：{reason}",
    note="(one problem listing the expected headers, not one per row; the file is refused, exit 2)",
    refuses=True,
)
_add(
    "F067",
    _E,
    "字段不适用于该监督领域",
    "字段 {field} 不适用于{domain}（该领域适用的字段：{fields}）",
    note="(the fields a domain declares in domains.yaml)",
)

_add(
    "F070",
    _E,
    "未知的检测项目，或检测结果不是合格/不合格",
    "未知的检测项目：{ref}",
    "领域 {domain} 的检查表没有检测项目，不能记录检测结果（tests）",
    "检测项目 {ref} 的结果应为合格/不合格（true/false），实为 {value}",
    note="(`tests` maps each lab test of the checklist, by id or alias, to passed: true / false)",
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
    "不是 {encoding} 文本（第 {n} 个字节）",
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
_add(
    "M012",
    _E,
    "比率列不等于其行的两列之比",
    "“{row}”行“{column}”为 {value}，不等于“{numerator}”除以“{denominator}”按规定取整的 {expected}",
    note="(a ratio column, e.g. 检测合格率, is recomputed from the merged row's own counts)",
)

"""The codes of ruleset files: YAML (Y), structure (S), checklist lint (R), plan lint (P)."""

from __future__ import annotations

from ..errors import Severity
from .model import Entries

__all__ = ["ENTRIES"]

_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO
ENTRIES = Entries()
"""The codes of this module, in the order written."""
_add = ENTRIES.add

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
    "文件须以 kind: plan | checklist | sources | spec | domains 声明类型",
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
    "出处引用了未登记的文件“{source}”（见 {sources}）",
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

_add(
    "R111",
    _E,
    "检查方法链接无法解析（规范、领域或条款不存在）",
    "检查方法链接无法解析：{reason}",
)
_add(
    "R112",
    _E,
    "sources.yaml 登记的文件不存在",
    "来源 {key} 的文件不存在：{path}（file 相对于 sources.yaml 所在的目录）",
)
_add(
    "R113",
    _W,
    "检查内容是否可合理缺项（optional）与工作计划表的合理缺项说明（optional_notes）不符",
    "检查内容“{item}”设为不可缺项（optional: false），但工作计划表说明检查内容可合理缺项：{note}",
    "检查表未记录工作计划表的合理缺项说明（optional_notes），却有 {n} 项检查内容可合理缺项：{fix}",
)

_add(
    "R120",
    _E,
    "比率列的分子或分母不是本表的计数列",
    "比率列“{column}”的{part} {id} 不是本表的列",
    "比率列“{column}”的{part}“{other}”不是计数列（比率只能由两列计数求得）",
    note="A ratio (合格率) is one count column of the row over another, e.g. passed_units over tested_units.",
)
_add(
    "R121",
    _E,
    "检测项目或脚注的引用无法解析",
    "引用了不存在的检测项目：{id}",
    "脚注 {marker} 重复",
    "脚注 {marker} 在计划表的检查内容和检测项目中都没有标出（应有“（{marker}）”）",
    "检测项目序号应为 1..{n} 连续编号，实为 {numbers}",
)
_add(
    "R114",
    _E,
    "适用范围的所有制不是该领域声明的所有制",
    "所有制 {ownership} 不是领域 {domain} 声明的所有制（已声明：{known}；见 {file}）",
    note="(the ownerships are the domain's, declared in domains.yaml)",
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
_add(
    "P212",
    _E,
    "处理规则无效：规范没有重大案件情形、领域不存在，或同一领域同类规则重复",
    "处理规则无效：{reason}",
)
_add(
    "P213",
    _E,
    "未知的监督领域（没有一个规则集树的 domains.yaml 声明它）",
    "未知的监督领域：{domain}（已知：{known}；{how}）",
    note="(the message says where to declare it: the author's tree's domains.yaml)",
)
_add(
    "P230",
    _W,
    "规则集插件无法使用（导入失败、目录不存在、文件无效），已跳过",
    "规则集插件 {plugin} 无法使用，已跳过（内置规则集不受影响）：{reason}",
    note="The plugin is named; every other tree keeps working. The command line prints it on stderr.",
)
_add(
    "P231",
    _E,
    "两个规则集树定义了同一规则集编号",
    "规则集 {id} 同时由 {trees} 定义；请把其中一个改名（编号 名称/年份 须唯一）",
)

"""The codes of rosters (U), of inspector assignment (A) and of audit records (V)."""

from __future__ import annotations

from ..errors import Severity
from .model import Entries

__all__ = ["ENTRIES"]

_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO
ENTRIES = Entries()
"""The codes of this module, in the order written."""
_add = ENTRIES.add

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
    "{where}：无法识别的所有制“{ref}”（应为 {expected}）",
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

"""The diff rules (family ``diff``): a change between two rulesets, with its default level."""

from __future__ import annotations

from ..errors import Severity
from .model import FAMILIES, CodeInfo, Entries

__all__ = ["ENTRIES"]

_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO
ENTRIES = Entries()
"""The diff rules, in the order changes of one entity are listed."""

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
    ("deadline-changed", "info", "deadline", "报送时限的日期、原文、报送对象或数据口径改变"),
    ("lookback-added", "info", "lookback", "新增“回头看”"),
    ("lookback-removed", "info", "lookback", "删去“回头看”"),
    ("lookback-changed", "info", "lookback", "“回头看”的年份、专项、对象或原文改变"),
    ("domain-added", "additive", "domain", "新增监督领域（新的一套汇总表）"),
    ("domain-removed", "breaking", "domain", "删去监督领域（整套汇总表不再填报）"),
    ("checklist-version-changed", "info", "domain", "领域改用另一年度的检查表"),
    ("table-title-changed", "info", "checklist", "汇总表、工作计划表标题或合计行名称改变"),
    ("optional-notes-changed", "info", "checklist", "工作计划表的“合理缺项”说明原文改变"),
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
    ("item-methods-changed", "info", "item", "检查内容关联的规范检查方法（领域、条款）改变"),
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
    ("stratum-label-changed", "info", "stratum", "抽检层的监督检查对象名称（工作计划表原文）改变"),
    ("stated-total-added", "info", "stated_total", "计划正文新增所述合计比例"),
    ("stated-total-removed", "info", "stated_total", "计划正文删去所述合计比例"),
    ("stated-total-changed", "info", "stated_total", "计划正文所述合计比例改变"),
    ("wording-added", "info", "wording", "计划对检查内容采用自己的措辞"),
    ("wording-removed", "info", "wording", "计划不再采用自己的措辞，回到检查表原文"),
    ("wording-changed", "info", "wording", "计划自己的措辞改变"),
    ("body-added", "info", "wording", "计划正文新增对领域的表述（不对应单一检查内容）"),
    ("body-removed", "info", "wording", "计划正文删去对领域的表述"),
    ("body-changed", "info", "wording", "计划正文对领域的表述改变"),
    ("handling-rule-added", "additive", "handling", "新增处理规则（发现问题后的一种处理方式）"),
    (
        "handling-rule-removed",
        "dangerous",
        "handling",
        "删去处理规则：该类问题不再按此处理，须复核",
    ),
    (
        "handling-rule-changed",
        "dangerous",
        "handling",
        "处理规则的条件、做法或报告、移交对象改变",
    ),
    ("handling-text-changed", "info", "handling", "处理规则的原文措辞改变"),
    ("handling-criteria-changed", "dangerous", "handling", "重大案件认定所依据的规范改变"),
    ("provenance-changed", "info", "plan", "出处（来源引用、推断理由、说明）改变；任何实体均可能"),
)
for _id, _level, _entity, _meaning in _DIFF_RULES:
    ENTRIES.append(
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

"""The plan itself compared: title, jurisdiction, notes, sources, rounding, deadlines, lookbacks."""

from __future__ import annotations

from collections.abc import Sequence

from ..ruleset.model import Deadline, LookBack, Plan
from .changes import Entity, Json
from .fields import Both, FieldSpec, compare, plus_minus, text_of
from .kinds import Kind, diff_kind
from .scopes import Collector, Scope, json_pointer


def _deadline_keys(deadlines: Sequence[Deadline]) -> dict[str, tuple[int, Deadline]]:
    out: dict[str, tuple[int, Deadline]] = {}
    seen: dict[str, int] = {}
    for n, d in enumerate(deadlines):
        seen[d.kind.value] = seen.get(d.kind.value, 0) + 1
        key = d.kind.value if seen[d.kind.value] == 1 else f"{d.kind.value}#{seen[d.kind.value]}"
        out[key] = (n, d)
    return out


_DEADLINE_LABELS = {
    "info_report": "信息报送",
    "interim_summary": "阶段性工作总结",
    "annual_summary": "全年工作总结",
    "completion": "完成全部抽查工作",
}


def _deadline_value(d: Deadline) -> Json:
    return {"due": d.due.isoformat(), "text": d.text, "recipient": d.recipient}


def _deadline_message(b: Both) -> str:
    o, d = b.o, b.n
    bits = []
    if o.due != d.due:
        bits.append(f"{o.due.isoformat()} → {d.due.isoformat()}")
    if o.recipient != d.recipient:
        bits.append(f"报送对象 {o.recipient or '（未写明）'} → {d.recipient or '（未写明）'}")
    if o.text != d.text and not bits:
        bits.append("原文措辞改变")
    return f"报送时限（{_DEADLINE_LABELS[d.kind.value]}）：" + "；".join(bits)


_DEADLINES = Kind(
    entity=Entity.DEADLINE,
    rule="deadline",
    what="报送时限",
    path=("deadlines",),
    essence=_deadline_value,
    added=lambda p, pos, d: (
        f"新增报送时限：{_DEADLINE_LABELS[d.kind.value]} {d.due.isoformat()} 前"
    ),
    removed=lambda p, pos, d: (
        f"不再规定报送时限：{_DEADLINE_LABELS[d.kind.value]}（原为 {d.due.isoformat()} 前）"
    ),
    quote=lambda d: "",
    keys=_deadline_keys,
    removed_order=lambda pos, new_seq: 100 + pos,
    fields=(
        FieldSpec(
            "deadline-changed",
            _deadline_value,
            _deadline_message,
            text=lambda b: (b.o.text, b.n.text) if b.o.text != b.n.text else None,
        ),
    ),
)


def _lookback_value(lb: LookBack) -> Json:
    return {"penalized_in": lb.penalized_in, "campaigns": list(lb.campaigns), "text": lb.text}


# Look-backs carry no id; they are matched by position, which is stable because a plan states at
# most a handful and in document order.
_LOOKBACKS = Kind(
    entity=Entity.LOOKBACK,
    rule="lookback",
    what="回头看",
    path=("lookback",),
    essence=_lookback_value,
    added=lambda p, pos, lb: f"新增“回头看”：{lb.penalized_in} 年受处罚单位",
    removed=lambda p, pos, lb: f"不再开展“回头看”（原为对 {lb.penalized_in} 年受处罚单位）",
    quote=lambda lb: "",
    keys=lambda seq: {str(n + 1): (n, lb) for n, lb in enumerate(seq)},
    fields=(
        FieldSpec(
            "lookback-changed",
            _lookback_value,
            lambda b: f"“回头看”由对 {b.o.penalized_in} 年改为对 {b.n.penalized_in} 年受处罚单位",
            text=text_of(lambda lb: lb.text),
        ),
    ),
)


def _rounding(plan: Plan) -> Json:
    r = plan.rounding
    return r.model_dump(mode="json", exclude={"provenance"}) if r else None


# Each a field of the plan whose id is its key.
_PLAN_FIELDS = (
    FieldSpec(
        "plan-title-changed",
        lambda pl: pl.title,
        lambda b: f"计划标题改为「{b.new}」",
        ("title",),
        text=text_of(lambda pl: pl.title),
    ),
    FieldSpec(
        "jurisdiction-changed",
        lambda pl: pl.jurisdiction.model_dump(mode="json"),
        lambda b: f"适用辖区由「{b.o.jurisdiction.name}」改为「{b.n.jurisdiction.name}」",
        ("jurisdiction",),
    ),
    FieldSpec(
        "plan-notes-changed",
        lambda pl: list(pl.notes),
        lambda b: "计划附注改变",
        ("notes",),
        text=text_of(lambda pl: "\n".join(pl.notes)),
    ),
    # The merge puts a child's own sources first; the order carries no meaning.
    FieldSpec(
        "plan-sources-changed",
        lambda pl: sorted(pl.sources),
        lambda b: "来源文件改变：" + plus_minus(b.o.sources, b.n.sources, "新增 ", "删去 "),
        ("sources",),
    ),
    FieldSpec(
        "rounding-changed",
        _rounding,
        lambda b: f"取整规则由 {b.old} 改为 {b.new}：抽取家数随之改变",
        ("rounding",),
    ),
)


def diff_plan(col: Collector, old: Plan, new: Plan) -> None:
    p = Scope(col, None, "", "")
    for f in _PLAN_FIELDS:
        compare(p, (f,), old, new, id=f.at[0], order=0, at=lambda side, t: json_pointer(*t))
    diff_kind(p, _DEADLINES, old.deadlines or (), new.deadlines or ())
    diff_kind(p, _LOOKBACKS, old.lookback or (), new.lookback or ())

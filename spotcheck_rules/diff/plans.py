"""The plan itself compared: title, jurisdiction, notes, sources, rounding, deadlines, lookbacks;
and what a plan states per domain outside its checklist: the 正文 body text and the handling
rules (compared by kind, the one rule of each kind that applies to the domain)."""

from __future__ import annotations

from collections.abc import Sequence

from ..ruleset.handling import domain_handling
from ..ruleset.model import Deadline, LookBack, Plan, Wording
from ..ruleset.spec import HandlingKind, HandlingRule
from .changes import Entity, Json
from .fields import Both, FieldSpec, compare, plus_minus, provenance_field, text_of
from .kinds import Kind, diff_kind
from .scopes import Collector, Scope, joined, json_pointer


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
    record = d.data_of_record.text if d.data_of_record is not None else None
    return {"due": d.due.isoformat(), "text": d.text, "recipient": d.recipient, "record": record}


def _deadline_message(b: Both) -> str:
    o, d = b.o, b.n
    bits = []
    if o.due != d.due:
        bits.append(f"{o.due.isoformat()} → {d.due.isoformat()}")
    if o.recipient != d.recipient:
        bits.append(f"报送对象 {o.recipient or '（未写明）'} → {d.recipient or '（未写明）'}")
    if o.data_of_record != d.data_of_record:
        new = d.data_of_record.text if d.data_of_record else "（未写明）"
        bits.append(f"数据口径改为「{new}」")
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
    return {
        "penalized_in": lb.penalized_in,
        "campaigns": list(lb.campaigns),
        "subjects": list(lb.subjects),
        "text": lb.text,
    }


def _lookback_whom(lb: LookBack) -> str:
    return f"{lb.penalized_in} 年受处罚{'和'.join(lb.subjects)}"


def _lookback_message(b: Both) -> str:
    o, n = b.o, b.n
    if o.penalized_in != n.penalized_in:
        return f"“回头看”由对 {o.penalized_in} 年改为对 {n.penalized_in} 年受处罚{'和'.join(n.subjects)}"
    if o.subjects != n.subjects:
        return f"“回头看”的对象由{'和'.join(o.subjects)}改为{'和'.join(n.subjects)}"
    if o.campaigns != n.campaigns:
        return "“回头看”涉及的专项改变：" + plus_minus(o.campaigns, n.campaigns, "新增 ", "删去 ")
    return "“回头看”的原文措辞改变"


# Look-backs carry no id; they are matched by position, which is stable because a plan states at
# most a handful and in document order.
_LOOKBACKS = Kind(
    entity=Entity.LOOKBACK,
    rule="lookback",
    what="回头看",
    path=("lookback",),
    essence=_lookback_value,
    added=lambda p, pos, lb: f"新增“回头看”：{_lookback_whom(lb)}",
    removed=lambda p, pos, lb: f"不再开展“回头看”（原为对 {_lookback_whom(lb)}）",
    quote=lambda lb: "",
    keys=lambda seq: {str(n + 1): (n, lb) for n, lb in enumerate(seq)},
    fields=(
        FieldSpec(
            "lookback-changed",
            _lookback_value,
            _lookback_message,
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
    compare(p, (_CRITERIA,), old, new, id="criteria", order=0, at=lambda side, t: json_pointer(*t))


# --------------------------------------------------------------------------- per domain


def _body_of(plan: Plan, dom: str) -> tuple[Wording, ...]:
    entry = (plan.domains or {}).get(dom)
    return (entry.body or ()) if entry is not None else ()


# Body paragraphs carry no id; they are matched by position, as the 正文 numbers them.
_BODY = Kind(
    entity=Entity.WORDING,
    rule="body",
    what="计划正文",
    path=("body",),
    essence=lambda w: w.text,
    added=lambda p, pos, w: f"计划正文新增第 {pos + 1} 段对本领域的表述：{w.text}",
    removed=lambda p, pos, w: f"计划正文不再有第 {pos + 1} 段对本领域的表述（原为：{w.text}）",
    quote=lambda w: "",
    keys=lambda seq: {str(n + 1): (n, w) for n, w in enumerate(seq)},
    fields=(
        FieldSpec(
            "body-changed",
            lambda w: w.text,
            lambda b: "计划正文对本领域的表述改变",
            ("text",),
            text=text_of(lambda w: w.text),
        ),
        provenance_field(Entity.WORDING),
    ),
)

_KIND_LABELS = {
    "feedback": "反馈与整改意见",
    "penalty": "行政处罚",
    "opinion": "监督意见书",
    "policy_report": "政策事项报告",
    "notify": "通报",
    "referral": "移交",
    "major_case": "重大案件报告",
}


def _rules_of(plan: Plan, dom: str) -> dict[str, tuple[int, HandlingRule]]:
    """The domain's rules by kind, each with its index in the plan's ``handling.rules``."""
    handling = plan.handling
    if handling is None:
        return {}
    mine = domain_handling(dom, handling, None).rules
    out: dict[str, tuple[int, HandlingRule]] = {}
    for rule in mine:
        pos = next(n for n, r in enumerate(handling.rules) if r is rule)
        out.setdefault(rule.kind.value, (pos, rule))
    return out


def _rule_essence(r: HandlingRule) -> Json:
    return {"condition": r.condition, "action": r.action, "recipients": list(r.recipients)}


def _rule_name(r: HandlingRule) -> str:
    return f"（{_KIND_LABELS[r.kind.value]}，{r.kind.value}）"


def _rule_message(b: Both) -> str:
    o, n = b.o, b.n
    bits = []
    if o.condition != n.condition:
        bits.append(f"条件「{o.condition or '（未写明）'}」→「{n.condition or '（未写明）'}」")
    if o.action != n.action:
        bits.append(f"做法「{o.action or '（未写明）'}」→「{n.action or '（未写明）'}」")
    if o.recipients != n.recipients:
        bits.append(f"对象 {joined(o.recipients) or '（无）'} → {joined(n.recipients) or '（无）'}")
    return f"处理规则{_rule_name(n)}：" + "；".join(bits)


_RULE_FIELDS = (
    FieldSpec("handling-rule-changed", _rule_essence, _rule_message),
    FieldSpec(
        "handling-text-changed",
        lambda r: r.text,
        lambda b: f"处理规则{_rule_name(b.n)}的原文措辞改变",
        ("text",),
        text=text_of(lambda r: r.text),
    ),
    provenance_field(Entity.HANDLING),
)


def _diff_handling(p: Scope, dom: str, old: Plan, new: Plan) -> None:
    o, n = _rules_of(old, dom), _rules_of(new, dom)
    order = {k.value: i for i, k in enumerate(HandlingKind)}

    def at(side: str, pos: int, *tokens: str) -> str:
        return json_pointer("handling", "rules", pos, *tokens)

    for kind in sorted(set(o) | set(n), key=lambda k: order[k]):
        if kind in n and kind not in o:
            pos, r = n[kind]
            p.add(
                "handling-rule-added",
                entity=Entity.HANDLING,
                id=kind,
                old_pointer=None,
                new_pointer=at("new", pos),
                old=None,
                new=_rule_essence(r),
                message=f"新增处理规则{_rule_name(r)}：{r.text}",
                order=100 + order[kind],
            )
        elif kind in o and kind not in n:
            pos, r = o[kind]
            p.add(
                "handling-rule-removed",
                entity=Entity.HANDLING,
                id=kind,
                old_pointer=at("old", pos),
                new_pointer=None,
                old=_rule_essence(r),
                new=None,
                message=f"不再规定处理规则{_rule_name(r)}（原为：{r.text}）",
                order=100 + order[kind],
            )
        else:
            (op, orule), (np_, nrule) = o[kind], n[kind]

            def field_at(side: str, t: tuple[str, ...], op: int = op, np_: int = np_) -> str:
                return at(side, op if side == "old" else np_, *t)

            compare(
                p,
                _RULE_FIELDS,
                orule,
                nrule,
                id=kind,
                order=100 + order[kind],
                at=field_at,
                what="处理规则",
                q=_rule_name(nrule),
            )


def diff_plan_domain(col: Collector, dom: str, old: Plan, new: Plan) -> None:
    """What the two plans state for one domain outside its checklist: body text, handling."""
    base = json_pointer("domains", dom)
    diff_kind(Scope(col, dom, base, base), _BODY, _body_of(old, dom), _body_of(new, dom))
    _diff_handling(Scope(col, dom, "", ""), dom, old, new)


def _criteria(plan: Plan) -> Json:
    return plan.handling.criteria if plan.handling is not None else None


_CRITERIA = FieldSpec(
    "handling-criteria-changed",
    _criteria,
    lambda b: (
        f"重大案件的认定标准改依 {b.new or '（未指明规范）'}（原为 {b.old or '（未指明规范）'}）"
    ),
    ("handling",),
    entity=Entity.HANDLING,
)

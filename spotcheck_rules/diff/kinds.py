"""Kinds of entity: added, removed, rekeyed, replaced, changed and moved, for any kind."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .changes import Entity, Json
from .fields import FieldSpec, compare
from .matching import Matching, T, index_by_id, match_ids, stable_subsequence
from .scopes import Scope, quoted


def _same_position(pos: int, new_seq: Sequence[Any]) -> int:
    return pos


@dataclass(frozen=True)
class Kind:
    """One kind of entity, as the generic diff sees it: what only this kind states."""

    entity: Entity
    rule: str  # the rules' prefix: category → category-added, category-removed, …
    what: str  # its Chinese noun, as messages name it
    path: tuple[str, ...]  # where its sequence stands below the scope's base
    essence: Callable[[Any], Json]  # the value an added or removed entity records
    added: Callable[[Scope, int, Any], str]  # messages
    removed: Callable[[Scope, int, Any], str]
    fields: tuple[FieldSpec, ...]  # compared when an entity stands on both sides
    label: Callable[[Any], str] = lambda e: str(e.label)
    quote: Callable[[Any], str] | None = None  # how messages name one; default 「label」（id）
    # Keys of a sequence without ids (position, entity by key); None: by id, with renamed_from
    # and replaces honoured.
    keys: Callable[[Sequence[Any]], dict[str, tuple[int, Any]]] | None = None
    replaced: str | None = None  # the consequence of a replacement; None: nothing replaces one
    moves: bool = False  # whether a change of relative order is reported
    removed_order: Callable[[int, Sequence[Any]], int] = _same_position
    # Whether an id added to (removed from) a side is reported by another rule: the side lacking it.
    elsewhere: Callable[[Scope, str, str], bool] | None = None

    def name(self, e: Any) -> str:
        return self.quote(e) if self.quote else quoted(self.label(e), e.id)


def one_sided(
    p: Scope, rule: str, side: str, id: str, pointer: str, value: Json, message: str, order: int
) -> None:
    """An entity that stands on one side only: added (side "new") or removed (side "old")."""
    p.add(
        rule,
        id=id,
        old_pointer=pointer if side == "old" else None,
        new_pointer=pointer if side == "new" else None,
        old=value if side == "old" else None,
        new=value if side == "new" else None,
        message=message,
        order=order,
    )


def diff_kind(p: Scope, kind: Kind, old_seq: Sequence[Any], new_seq: Sequence[Any]) -> None:
    """Added, removed, rekeyed, replaced, changed and moved entities of one kind."""
    if kind.keys is None:
        m = match_ids(old_seq, new_seq)
        old_idx, new_idx = index_by_id(old_seq), index_by_id(new_seq)
    else:
        old_idx, new_idx = kind.keys(old_seq), kind.keys(new_seq)
        m = Matching(
            pairs=[(k, k) for k in new_idx if k in old_idx],
            renamed={},
            replaced={},
            removed=[k for k in old_idx if k not in new_idx],
            added=[k for k in new_idx if k not in old_idx],
        )

    def at(side: str, pos: int, *tokens: str | int) -> str:
        return p.ptr(side, *kind.path, pos, *tokens)

    for nid in m.added:
        pos, e = new_idx[nid]
        if kind.elsewhere is None or not kind.elsewhere(p, "old", nid):
            one_sided(p, f"{kind.rule}-added", "new", nid, at("new", pos), kind.essence(e),
                       kind.added(p, pos, e), pos)  # fmt: skip
    for oid in m.removed:
        pos, e = old_idx[oid]
        if kind.elsewhere is None or not kind.elsewhere(p, "new", oid):
            one_sided(p, f"{kind.rule}-removed", "old", oid, at("old", pos), kind.essence(e),
                       kind.removed(p, pos, e), kind.removed_order(pos, new_seq))  # fmt: skip
    for nid, oid in m.renamed.items():
        o_pos, n_pos = old_idx[oid][0], new_idx[nid][0]
        p.add(
            f"{kind.rule}-rekeyed",
            id=nid,
            old_pointer=at("old", o_pos, "id"),
            new_pointer=at("new", n_pos, "id"),
            old=oid,
            new=nid,
            message=f"{kind.what}「{kind.label(new_idx[nid][1])}」编号由 {oid} 改为 {nid}（renamed_from）",
            order=n_pos,
        )
    for oid, nids in m.replaced.items():
        o_pos, e = old_idx[oid]
        names = "".join(f"「{kind.label(new_idx[n][1])}」" for n in nids)
        p.add(
            f"{kind.rule}-replaced",
            id=oid,
            old_pointer=at("old", o_pos),
            new_pointer=None,
            old=oid,
            new=list(nids),
            message=f"{kind.what}{quoted(kind.label(e), oid)}由{names}取代（replaces）{kind.replaced}",
            order=min(new_idx[n][0] for n in nids),
        )
    for oid, nid in m.pairs:
        (op, o), (np_, n) = old_idx[oid], new_idx[nid]

        def field_at(side: str, t: tuple[str, ...], op: int = op, np_: int = np_) -> str:
            return at(side, op if side == "old" else np_, *t)

        compare(
            p, kind.fields, o, n, id=nid, order=np_, at=field_at, what=kind.what, q=kind.name(n)
        )
    if kind.moves:
        _moves(p, kind, old_seq, new_seq, m)


def _moves(p: Scope, kind: Kind, old_seq: Sequence[T], new_seq: Sequence[T], m: Matching) -> None:
    """Report entities whose relative order changed (not those merely shifted by an insert)."""
    to_new = dict(m.pairs)
    to_old = {n: o for o, n in m.pairs}
    old_order = [to_new[e.id] for e in old_seq if e.id in to_new]  # in new ids
    new_order = [e.id for e in new_seq if e.id in to_old]
    pair_key = {n: (min(o, n), max(o, n)) for o, n in m.pairs}
    stable = stable_subsequence(old_order, new_order, pair_key)
    new_idx = index_by_id(new_seq)
    old_idx = index_by_id(old_seq)
    for nid in new_order:
        if nid in stable:
            continue
        oid = to_old[nid]
        o_pos, _ = old_idx[oid]
        n_pos, ent = new_idx[nid]
        # "after X" reads better than an index, and does not change when an unrelated row is
        # inserted earlier. Neighbours are named by the id on their own side.
        before_old = old_seq[o_pos - 1].id if o_pos > 0 else None
        before_new = new_seq[n_pos - 1].id if n_pos > 0 else None
        where_old = f"「{kind.label(old_seq[o_pos - 1])}」之后" if before_old else "最前"
        where_new = f"「{kind.label(new_seq[n_pos - 1])}」之后" if before_new else "最前"
        p.add(
            f"{kind.rule}-moved",
            id=nid,
            old_pointer=p.ptr("old", *kind.path, o_pos),
            new_pointer=p.ptr("new", *kind.path, n_pos),
            old={"after": before_old},
            new={"after": before_new},
            message=f"{kind.what}{quoted(kind.label(ent), nid)}位置改变：原在{where_old}，现在{where_new}",
            order=n_pos,
        )

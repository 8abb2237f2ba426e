"""Matching entities of two sides by stable id, and the order they keep."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar


class HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=HasId)


@dataclass
class Matching:
    pairs: list[tuple[str, str]]  # (old id, new id), in new order
    renamed: dict[str, str]  # new id -> old id, for pairs whose ids differ
    replaced: dict[str, list[str]]  # old id -> new ids that replace it
    removed: list[str]  # old order
    added: list[str]  # new order


def match_ids(old: Sequence[T], new: Sequence[T]) -> Matching:
    """Pair entities by id, honouring ``renamed_from`` (either side) and ``replaces`` (new side)."""
    old_ids = [e.id for e in old]
    new_ids = [e.id for e in new]
    old_set, new_set = set(old_ids), set(new_ids)
    renamed: dict[str, str] = {}  # new -> old
    claimed: set[str] = set()
    for e in new:
        src = getattr(e, "renamed_from", None)
        fresh = src not in new_set and e.id not in old_set and src not in claimed
        if src and src in old_set and fresh:
            renamed[e.id] = src
            claimed.add(src)
    # Read backwards too, so that diff(b, a) mirrors diff(a, b) for a declared rename.
    for e in old:
        dst = getattr(e, "renamed_from", None)
        fresh = dst not in old_set and e.id not in new_set and dst not in renamed
        if dst and dst in new_set and fresh and e.id not in claimed:
            renamed[dst] = e.id
            claimed.add(e.id)
    pairs: list[tuple[str, str]] = []
    for nid in new_ids:
        if nid in renamed:
            pairs.append((renamed[nid], nid))
        elif nid in old_set:
            pairs.append((nid, nid))
    matched_old = {o for o, _ in pairs}
    matched_new = {n for _, n in pairs}
    replaced: dict[str, list[str]] = {}
    for e in new:
        for src in getattr(e, "replaces", ()) or ():
            if src in old_set and src not in matched_old and src not in new_set:
                replaced.setdefault(src, []).append(e.id)
    removed = [o for o in old_ids if o not in matched_old and o not in replaced]
    added = [n for n in new_ids if n not in matched_new]
    return Matching(pairs, renamed, replaced, removed, added)


def stable_subsequence(
    old_order: Sequence[str], new_order: Sequence[str], key: Mapping[str, tuple[str, str]]
) -> set[str]:
    """The largest set of ids whose relative order is the same on both sides.

    Among several largest sets we pick by a weight that depends only on the matched pair
    (2**rank of its sorted (old id, new id) key), so that diff(a, b) and diff(b, a) report the
    same moves: a swap of two columns always names the same one as moved.
    """
    common = [i for i in old_order if i in set(new_order)]
    pos = {i: n for n, i in enumerate(new_order)}
    rank = {i: n for n, i in enumerate(sorted(common, key=lambda i: key[i]))}
    base = 1 << (len(common) + 1)
    best: list[int] = []
    prev: list[int] = []
    for j, cid in enumerate(common):
        w = base + (1 << rank[cid])
        best.append(w)
        prev.append(-1)
        for k in range(j):
            if pos[common[k]] < pos[cid] and best[k] + w > best[j]:
                best[j] = best[k] + w
                prev[j] = k
    if not common:
        return set()
    j = max(range(len(common)), key=lambda n: best[n])
    out: set[str] = set()
    while j >= 0:
        out.add(common[j])
        j = prev[j]
    return out


def index_by_id(seq: Sequence[T]) -> dict[str, tuple[int, T]]:
    return {e.id: (n, e) for n, e in enumerate(seq)}

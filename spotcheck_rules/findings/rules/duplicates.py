"""The rules of duplicates: each unit has one record per domain (F030, F031). A repeat with the
same resolved content is accepted and counted once; a repeat that differs is rejected."""

from __future__ import annotations

from .base import Rule, register

__all__ = ["CONFLICTING_DUPLICATE", "SAME_DUPLICATE"]


class SameDuplicate(Rule):
    """F030 (a warning): a unit repeated with the same content: counted once."""

    code = "F030"
    reads = ("unit_id", "domain")

    def explain(self, unit: str, domain: str, where: str) -> str:
        return self.text(0, unit_id=unit, domain=domain, where=where)


class ConflictingDuplicate(Rule):
    """F031: a unit repeated with other content: the later record is rejected."""

    code = "F031"
    reads = ("unit_id", "domain")

    def explain(self, unit: str, domain: str, where: str) -> str:
        return self.text(0, unit_id=unit, domain=domain, where=where)


SAME_DUPLICATE = register(SameDuplicate())
CONFLICTING_DUPLICATE = register(ConflictingDuplicate())

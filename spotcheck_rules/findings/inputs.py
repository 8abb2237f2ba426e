"""What a report was computed from: the input files read, and the plan they were read under.

Both :class:`~spotcheck_rules.findings.validation.ValidationReport` and the aggregate result
(:class:`~spotcheck_rules.tables.result.AggregateResult`) name their inputs with these records, so they
live below both.
"""

from __future__ import annotations

from pydantic import Field

from ..core.errors import Record

__all__ = ["InputFile", "RulesetRef"]


class InputFile(Record):
    """One input read: where it came from, its SHA-256 (for audits), how many records."""

    path: str
    sha256: str | None = Field(
        default=None,
        pattern="^[0-9a-f]{64}$",
        description="Hex SHA-256 of the file's bytes; null for in-memory input",
    )
    records: int = Field(ge=0)


class RulesetRef(Record):
    """The plan a result was computed under, pinned by the digest of its resolved content."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*/\d{4}$")
    digest: str = Field(pattern="^[0-9a-f]{64}$", description="sha256 of the resolved plan")

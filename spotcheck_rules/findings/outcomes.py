"""The records validation reports in: what became of one record (:class:`RecordOutcome`), what
was read (:class:`ValidationInput`) and the report (:class:`ValidationReport`), whose JSON form
is published as ``schemas/validation.schema.json``."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from ..core.errors import Problem, Record, Report, contract
from .inputs import InputFile, RulesetRef

__all__ = ["RecordOutcome", "ValidationInput", "ValidationReport", "validation_json_schema"]


class RecordOutcome(Record):
    """What became of one record: accepted or not, and why."""

    file: str | None
    line: int | None = Field(ge=1)
    seq: int = Field(ge=0, description="0-based position of the record in its input")
    unit_id: str | None
    domain: str | None = Field(description="As written in the record")
    accepted: bool
    duplicate: bool = False
    problems: tuple[Problem, ...] = ()


class ValidationInput(Record):
    """What was read: every record is accepted or rejected; ``duplicates`` are accepted
    records that repeat one already accepted (counted once)."""

    files: tuple[InputFile, ...] = ()
    records_read: int = Field(default=0, ge=0)
    accepted: int = Field(default=0, ge=0)
    rejected: int = Field(default=0, ge=0)
    duplicates: int = Field(default=0, ge=0)


class ValidationReport(Report):
    """The result of :func:`validate`. ``records_read == accepted + rejected`` always holds.

    Its JSON form (``model_dump_json()``, ``spotcheck validate --format json``) is published as
    ``schemas/validation.schema.json``.
    """

    model_config = ConfigDict(
        json_schema_extra=contract(
            "validation", "spotcheck_rules validation report (spotcheck validate)"
        )
    )

    ruleset: RulesetRef
    input: ValidationInput
    problems: tuple[Problem, ...] = ()
    outcomes: tuple[RecordOutcome, ...] = Field(
        default=(),
        description="The records that had problems, or every record with record_outcomes=True",
    )

    @property
    def ruleset_id(self) -> str:
        return self.ruleset.id

    @property
    def ruleset_digest(self) -> str:
        return self.ruleset.digest

    @property
    def files(self) -> tuple[InputFile, ...]:
        return self.input.files

    @property
    def records_read(self) -> int:
        return self.input.records_read

    @property
    def accepted(self) -> int:
        return self.input.accepted

    @property
    def rejected(self) -> int:
        return self.input.rejected

    @property
    def duplicates(self) -> int:
        return self.input.duplicates

    def summary(self) -> str:
        return self.summary_line()

    def summary_line(self) -> str:
        return (
            f"读取 {self.records_read} 条记录：接受 {self.accepted} 条"
            f"（其中重复已去重 {self.duplicates} 条），拒绝 {self.rejected} 条；"
            f"错误 {len(self.errors)} 个，警告 {len(self.warnings)} 个。"
        )


def validation_json_schema() -> dict[str, Any]:
    """JSON Schema of :class:`ValidationReport` JSON (``spotcheck validate --format json``)."""
    return ValidationReport.model_json_schema(mode="serialization")

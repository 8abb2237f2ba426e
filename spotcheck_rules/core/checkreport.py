"""The report of ``spotcheck check``: the problems found in ruleset files.

A module of its own because it is a pydantic ``RootModel``: importing ``RootModel`` builds
pydantic's own root model, which loads pydantic's plugin machinery (``importlib.metadata`` and an
entry-point scan, about 25 ms). Loading a ruleset must not pay for that; only ``check`` does.
Imports: ``core.errors`` and pydantic.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, RootModel

from .errors import Problem, Report, contract

__all__ = ["CheckReport", "check_json_schema"]


class CheckReport(RootModel[tuple[Problem, ...]], Report):
    """What ``spotcheck check`` finds in ruleset files: their problems, in order.

    Its JSON form is the list of problems (``schemas/check.schema.json``).
    """

    model_config = ConfigDict(
        frozen=True,
        extra=None,  # a root model has no keys of its own
        json_schema_extra=contract("check", "spotcheck_rules check report (spotcheck check)"),
    )

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.root

    def summary_line(self) -> str:
        n_err = len(self.errors)
        return f"{n_err} 个错误，{len(self.root) - n_err} 个警告/提示"


def check_json_schema() -> dict[str, Any]:
    """JSON Schema of :class:`CheckReport` JSON (``spotcheck check --format json``)."""
    return CheckReport.model_json_schema(mode="serialization")

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# Tests build many throw-away trees: keep their rulesets out of the user's on-disk cache
# (tests/test_cache.py turns it on in a temporary directory).
os.environ["SPOTCHECK_NO_CACHE"] = "1"

from spotcheck_rules.ruleset.loader import clear_cache

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def ruleset_tree(tmp_path: Path) -> Iterator[Path]:
    """A private copy of the bundled tree, for tests that break or extend rulesets."""
    root = tmp_path / "rulesets"
    shutil.copytree(RULESETS, root)
    clear_cache()
    yield root
    clear_cache()


# --------------------------------------------------------------------------- the code catalogue
# Every problem the library builds (Problem(...) and Problem.known, called from a module of the
# package) and every diff Change is recorded with its severity. At the end of a run of the whole
# suite (no -k, no -m other than "not slow", no file or node arguments, no --lf, --deselect or
# --ignore, not stopped early), the run fails if a code was emitted that spotcheck_rules.core.codes
# lacks, a catalogued code was never emitted, or a code was emitted with another severity than
# the catalogue's or with a message that none of the code's templates matches (a placeholder
# stands for any text). Problems built in a forked worker process are not seen; the same codes
# are emitted in-process by other tests.

_EMITTED: dict[str, set[str]] = {}
_MESSAGES: dict[str, set[str]] = {}  # the distinct messages of each code (a few hundred kept)
_SEVERITY_OF_LEVEL = {
    "breaking": "error",
    "dangerous": "warning",
    "additive": "info",
    "info": "info",
}


def _by_library(frame: FrameType | None) -> bool:
    name = frame.f_globals.get("__name__", "") if frame is not None else ""
    return name == "spotcheck_rules" or name.startswith("spotcheck_rules.")


def _record(code: str, severity: str | None, message: str | None = None) -> None:
    seen = _EMITTED.setdefault(code, set())
    if severity is not None:
        seen.add(severity)
    said = _MESSAGES.setdefault(code, set())
    if message is not None and len(said) < 500:
        said.add(message)


def _record_codes() -> None:
    from spotcheck_rules.core.errors import Problem
    from spotcheck_rules.diff.engine import Change

    init = Problem.__init__
    known = Problem.__dict__["known"].__func__
    change_init = Change.__init__

    def problem_init(
        self: Problem, code: str | None = None, message: str | None = None, /, **kw: Any
    ) -> None:
        init(self, code, message, **kw)
        if _by_library(sys._getframe(1)):
            # a diff change seen as a problem has the severity of its level after a levels file
            # or an acknowledgement: its default level is checked where the change is built
            if self.code[0].islower():
                _record(self.code, None)
            else:
                _record(self.code, self.severity.value, self.message)

    def problem_known(
        cls: type[Problem], code: str, message: str, severity: Any, *rest: Any
    ) -> Problem:
        if _by_library(sys._getframe(1)):
            _record(code, severity.value, message)
        return known(cls, code, message, severity, *rest)  # type: ignore[no-any-return]

    def change_init_(self: Change, /, **data: Any) -> None:
        change_init(self, **data)
        if _by_library(sys._getframe(1)):
            _record(self.rule, _SEVERITY_OF_LEVEL[self.level.value])

    Problem.__init__ = problem_init  # type: ignore[method-assign]
    Problem.known = classmethod(problem_known)  # type: ignore[method-assign, assignment]
    Change.__init__ = change_init_  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    _record_codes()


def _whole_suite(session: pytest.Session) -> bool:
    opt = session.config.option
    if opt.keyword or (opt.markexpr or "").strip() not in ("", "not slow"):
        return False
    narrowed = ("deselect", "ignore", "ignore_glob", "lf", "stepwise", "collectonly")
    if any(getattr(opt, name, None) for name in narrowed):
        return False
    if session.shouldstop or session.shouldfail:
        return False
    tests = Path(__file__).resolve().parent
    for arg in session.config.args:
        if "::" in arg or Path(arg).resolve() not in (tests, tests.parent):
            return False
    return True


def _template(text: str) -> re.Pattern[str]:
    """A message template as a pattern: each ``{placeholder}`` stands for any text."""
    parts = re.split(r"\{[^{}]*\}", text)
    return re.compile(".*?".join(re.escape(p) for p in parts), re.S)


def catalogue_problems(
    emitted: dict[str, set[str]], messages: dict[str, set[str]] | None = None
) -> list[str]:
    """What is wrong between the codes ``emitted`` (code → severities), their ``messages``
    (code → messages) and the catalogue."""
    from spotcheck_rules.core.codes import CATALOGUE

    out = []
    for code in sorted(set(emitted) - set(CATALOGUE)):
        out.append(f"{code}: emitted, but not in spotcheck_rules/codes.py")
    for code in CATALOGUE:
        if code not in emitted:
            out.append(f"{code}: in spotcheck_rules/codes.py, but no test emits it")
        elif emitted[code] - {CATALOGUE[code].severity.value}:
            got = "、".join(sorted(emitted[code]))
            want = CATALOGUE[code].severity.value
            out.append(f"{code}: emitted as {got}, catalogued as {want}")
    for code, said in sorted((messages or {}).items()):
        if code not in CATALOGUE or not CATALOGUE[code].messages:
            continue
        templates = [_template(t) for t in CATALOGUE[code].messages]
        for message in sorted(said):
            if not any(t.fullmatch(message) for t in templates):
                out.append(f"{code}: message {message!r} matches none of its templates")
    return out


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    ran = exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
    if not ran or not _whole_suite(session):
        return
    problems = catalogue_problems(_EMITTED, _MESSAGES)
    if not problems:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = ["", f"code catalogue: {len(problems)} problem(s)", *(f"  {p}" for p in problems)]
    if reporter is not None:
        for line in lines:
            reporter.write_line(line, red=True)
    else:
        sys.stderr.write("\n".join(lines) + "\n")
    session.exitstatus = pytest.ExitCode.TESTS_FAILED

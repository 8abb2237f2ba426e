"""The ``spotcheck`` command line.

Exit codes are the same for every command: 0 fine, 1 problems found (or changes at the level
asked for with ``--fail-on``), 2 usage error or unreadable input. A user's mistake is reported
as located problems on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from .commands import COMMANDS
from .errors import SpotcheckError

__all__ = ["main"]

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"spotcheck: 用法错误：{message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="spotcheck",
        description="医疗卫生随机监督抽查规则集：查看计划、校验检查结果、生成汇总表、比较年度变化、抽取检查对象。",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in COMMANDS:
        module.register(sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("spotcheck-rules")
    except PackageNotFoundError:
        return "0+unknown"


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM as an exception, so that a write in progress removes its temporary file (the
    # target is only ever replaced by a rename, see spotcheck_rules.atomic).
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def _signals() -> Iterator[None]:
    """SIGTERM raises SystemExit; SIGXFSZ is ignored, so that exceeding ``ulimit -f`` is an
    EFBIG error we report instead of a silent kill. Only in the main thread (a library caller
    in another thread keeps its own handlers); restored on return."""
    wanted: list[tuple[Any, Any]] = [
        (getattr(signal, "SIGTERM", None), _terminate),
        (getattr(signal, "SIGXFSZ", None), signal.SIG_IGN),
    ]
    saved: list[tuple[Any, Any]] = []
    if threading.current_thread() is threading.main_thread():
        for sig, handler in wanted:
            if sig is not None:
                saved.append((sig, signal.signal(sig, handler)))
    try:
        yield
    finally:
        for sig, old in reversed(saved):
            # None: the old handler was not set from Python; the default is the best we have
            signal.signal(sig, old if old is not None else signal.SIG_DFL)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    with _signals():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        code: int = args.run(args)
    except SpotcheckError as exc:
        sys.stderr.write(f"spotcheck: {exc.message}\n")
        for problem in exc.problems:
            sys.stderr.write(f"  {problem.format()}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

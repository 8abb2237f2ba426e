"""The ``spotcheck`` command line.

Exit codes are the same for every command: 0 fine, 1 problems found (or changes at the level
asked for with ``--fail-on``), 2 usage error or unreadable input. A user's mistake is reported
as located problems on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from ..core.errors import SpotcheckError
from ..ruleset.registry import PluginWarning
from .commands import Streams, command_modules

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ["main", "run"]

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage, help, version and error messages go to the streams of
    the ``main`` call it serves (argparse itself writes to ``sys.stdout`` / ``sys.stderr``)."""

    def __init__(self, *args: Any, streams: Streams, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.streams = streams

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        # argparse names its target as sys.stdout (help, version) or sys.stderr (errors, or
        # no file); anything else is a stream this parser was handed and is kept.
        if file is None or file is sys.stderr:
            file = self.streams.stderr
        elif file is sys.stdout:
            file = self.streams.stdout
        if message:
            with contextlib.suppress(AttributeError, OSError):  # as argparse does
                file.write(message)

    def print_usage(self, file: SupportsWrite[str] | None = None) -> None:
        self._print_message(self.format_usage(), file or self.streams.stdout)

    def print_help(self, file: SupportsWrite[str] | None = None) -> None:
        self._print_message(self.format_help(), file or self.streams.stdout)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._print_message(message, self.streams.stderr)
        raise SystemExit(status)

    def error(self, message: str) -> NoReturn:
        self.print_usage(self.streams.stderr)
        self.streams.stderr.write(f"spotcheck: 用法错误：{message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser(
    streams: Streams | None = None, command: str | None = None
) -> argparse.ArgumentParser:
    """The ``spotcheck`` parser; its own messages go to ``streams`` (default: the process's
    streams at the time of the call). With ``command``, only the subcommands of its module
    are registered (the others' modules are not imported); without, all of them."""
    if streams is None:
        streams = _default_streams()
    parser = _Parser(
        prog="spotcheck",
        description="医疗卫生随机监督抽查规则集：查看计划、校验检查结果、生成汇总表、比较年度变化、抽取检查对象。",
        streams=streams,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    # argparse only calls parser_class(**kwargs); the partial gives every subparser the streams.
    subparser = cast("type[_Parser]", functools.partial(_Parser, streams=streams))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=subparser)
    sub.required = True
    for module in command_modules(command):
        module.register(sub)
    return parser


def _default_streams(
    stdout: TextIO | None = None, stderr: TextIO | None = None, stdin: TextIO | None = None
) -> Streams:
    # Looked up at call time, not at import: pytest's capsys, contextlib.redirect_stdout and
    # the like replace sys.stdout after this module is imported.
    return Streams(
        stdout=sys.stdout if stdout is None else stdout,
        stderr=sys.stderr if stderr is None else stderr,
        stdin=sys.stdin if stdin is None else stdin,
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("spotcheck-rules")
    except PackageNotFoundError:
        return "0+unknown"


def _terminate(signum: int, frame: object) -> None:
    # SIGTERM as an exception, so that a write in progress removes its temporary file (the
    # target is only ever replaced by a rename, see spotcheck_rules.core.atomic).
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


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run ``spotcheck`` with ``argv`` (default ``sys.argv[1:]``) and return its exit code.

    Everything the command prints, and argparse's usage, help and errors, goes to ``stdout``
    and ``stderr``; a stream left out is the process's own, looked up when ``main`` is called.
    Binary output (xlsx without ``-o``) goes to ``stdout.buffer``; a stream without one is
    refused. ``--help``, ``--version`` and usage errors raise ``SystemExit`` (0 or 2), as
    argparse does.
    """
    streams = _default_streams(stdout, stderr, stdin)
    argv = sys.argv[1:] if argv is None else list(argv)
    # the top level has only options (-h, --version): a first word that is not one names
    # the command, and only its module is loaded
    first = argv[0] if argv and not argv[0].startswith("-") else None
    args = build_parser(streams, first).parse_args(argv)
    with _signals(), _plugin_warnings(streams):
        return _run(args, streams)


def run() -> NoReturn:
    """The ``spotcheck`` script and ``python -m spotcheck_rules.cli``: :func:`main` on the
    process's own streams, then the process ends without the interpreter's teardown.

    The teardown frees every object one by one and collects the cycles a last time: 0.13-0.2 s
    after validating 1M findings (the 10 000 records' outcomes and problems), 0.06-0.1 s after
    aggregating them — for nothing, since every output is written, closed and renamed into
    place before :func:`main` returns, and nothing of ours runs at exit. Python's own exit
    (``SystemExit``: ``--help``, ``--version``, a usage error) and an exception are left to the
    interpreter. The streams are flushed first; a reader that has gone away loses nothing
    that was ours to write."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # the reader is gone; a stream closed
        pass
    os._exit(code)


@contextlib.contextmanager
def _plugin_warnings(streams: Streams) -> Iterator[None]:
    """A ruleset plugin that cannot be used is one line on stderr, ``spotcheck: file: warning
    P230 …``, once per distinct message; other warnings are shown as Python shows them."""
    seen: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("always", PluginWarning)
        show = warnings.showwarning

        def _show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            if isinstance(message, PluginWarning):
                text = message.problem.format()
                if text not in seen:
                    seen.add(text)
                    streams.stderr.write(f"spotcheck: {text}\n")
                return
            show(message, category, filename, lineno, file, line)

        warnings.showwarning = _show
        yield


def _run(args: argparse.Namespace, streams: Streams) -> int:
    try:
        code: int = args.run(args, streams)
    except SpotcheckError as exc:
        streams.stderr.write(f"spotcheck: {exc.message}\n")
        for problem in exc.problems:
            streams.stderr.write(f"  {problem.format()}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(stdout=sys.stdout, stderr=sys.stderr, stdin=sys.stdin))

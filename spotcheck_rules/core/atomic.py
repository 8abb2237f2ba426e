"""Writing a file so that it is either the old file or the whole new one, never half of it.

:func:`write_atomic` writes the bytes (rendered in memory first) to a temporary file in the
target's own folder, flushes and fsyncs it, and renames it over the target with
:func:`os.replace`, which is atomic on POSIX and Windows. Until that rename the target is
untouched, so a full disk, a file-size limit (``ulimit -f``), a crash, SIGTERM or SIGKILL leave
the previous file as it was. On any failure the temporary file is removed (SIGKILL cannot be
caught: it may leave the hidden ``.NAME.*.tmp`` behind, never a partial target), and an
``OSError`` becomes a :class:`~spotcheck_rules.core.errors.UsageError` that names the cause.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from .errors import UsageError

__all__ = ["write_atomic"]

_CAUSES = {
    code: text
    for name, text in (
        ("ENOSPC", "磁盘空间不足"),
        ("EFBIG", "文件超过允许的最大大小（如 ulimit -f 的限制）"),
        ("EDQUOT", "超出磁盘配额"),
        ("EACCES", "没有写入权限"),
        ("EPERM", "没有写入权限"),
        ("EROFS", "文件系统是只读的"),
        ("ENOENT", "所在目录不存在"),
        ("ENOTDIR", "路径中有一项不是目录"),
        ("EISDIR", "这是一个目录"),
        ("ENAMETOOLONG", "文件名过长"),
        ("EIO", "输入输出错误"),
    )
    if (code := getattr(errno, name, None)) is not None
}


def _cause(exc: OSError) -> str:
    cause = _CAUSES.get(exc.errno or 0)
    if cause is None:
        return str(exc.strerror or exc)
    name = errno.errorcode.get(exc.errno or 0, "")
    return f"{cause}（{name}）" if name else cause


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (see the module docstring).

    A symbolic link is followed: the file it points to is replaced, the link stays. A target
    that exists and is not a regular file (``/dev/null``, ``/dev/stdout``, a pipe) cannot be
    renamed over and is written directly. An existing file keeps its permission bits; a new one
    gets the usual ``0o666`` less the umask. Raises :class:`UsageError` if the file cannot be
    written; the previous file is then intact.
    """
    shown = os.fspath(path)
    try:
        st: os.stat_result | None = os.stat(shown)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UsageError(f"无法写入 {shown}：{_cause(exc)}，未写入任何文件") from exc
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise UsageError(f"无法写入 {shown}：这是一个目录")
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_special(shown, data)
        return
    target = Path(os.path.realpath(shown)) if st is not None else Path(shown)
    kept = "原有文件未改动" if st is not None else "未写入任何文件"
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        # os.open with 0o666: the kernel applies the umask (os.umask() is process-wide and
        # would not be thread-safe to read).
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise UsageError(f"无法写入 {shown}：{_cause(exc)}，{kept}") from exc
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
            if st is not None:
                os.chmod(fd if os.chmod in os.supports_fd else tmp, stat.S_IMODE(st.st_mode))
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException as exc:  # a crash, SIGTERM (SystemExit), Ctrl-C: never leave the temp
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise UsageError(f"无法写入 {shown}：{_cause(exc)}，{kept}") from exc
        raise
    _sync_folder(target.parent)


def _write_special(path: str, data: bytes) -> None:
    try:
        with open(path, "wb") as out:
            out.write(data)
            out.flush()
    except OSError as exc:
        raise UsageError(f"无法写入 {path}：{_cause(exc)}") from exc


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); best effort, as not every system allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)

"""Writing files whole: every file iadsim writes goes through :func:`replace_file` (the scenario layer's
``write_atomic`` adds its one-line refusal), so an interrupted or failed write never leaves an earlier file cut,
and a FIFO or device at the target is refused rather than written into (a write would block, or feed it)."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["NotRegularFile", "replace_file", "umask_mode", "user_cache_folder"]


def user_cache_folder(*parts: str) -> Path:
    """``$XDG_CACHE_HOME/iadsim/<parts>`` (``~/.cache`` when XDG_CACHE_HOME is not set): where iadsim keeps what it
    may compute again (audits, pint's parsed units)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "iadsim", *parts)


class NotRegularFile(OSError):
    """The target exists and is not a regular file (a folder, a device, a pipe, a link)."""


def umask_mode(mode: int = 0o666) -> int:
    """The permission bits ``mode`` as the process's umask leaves them: what ``open`` (0o666) or ``mkdir``
    (0o777) gives a new file or folder. Read from /proc where it says (the umask untouched: another thread may be
    creating files), else by setting it and back."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            umask = next((int(line.split()[1], 8) for line in f if line.startswith("Umask:")), None)
    except (OSError, ValueError, IndexError):
        umask = None
    if umask is None:
        umask = os.umask(0o022)
        os.umask(umask)
    return mode & ~umask


def replace_file(path: str | Path, data: bytes | Callable[[BinaryIO], object], mode: int | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, flushed, then renamed; an
    earlier file there stays whole until the new one is complete. ``data`` is the bytes, or a function that writes
    them to the binary file it is given (a large table streamed, never held whole in memory). A ``path`` that
    exists and is not a regular file is refused (:class:`NotRegularFile`, its ``strerror`` saying what it is).
    ``mode`` sets the new file's permission bits (default: those a new file gets, :func:`umask_mode`; not
    mkstemp's 0600: reports and run folders are made to be shared). Every OSError carries ``path`` as its
    filename."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file (a device, pipe or link)"
        raise NotRegularFile(0, f"is {kind}; iadsim writes only regular files", str(path))
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            try:
                os.chmod(tmp, umask_mode())
            except OSError:  # (a file system that keeps its own modes, e.g. vfat: the file as it comes)
                pass
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise

"""Which code computed a result: a run folder or a sweep is resumed only by the code that began it.

The package version alone cannot tell (it stays the same between releases, and a checkout changes its code
without changing it), so a result records :func:`code_sha256`, the sha256 of the source and data files of every
layer that computes results (the report, the API and the command line only present them).
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from functools import cache
from pathlib import Path

__all__ = ["code_sha256"]

_PRESENTATION = ("report", "api.py", "cli.py")
"""Parts of the package that compute no result: their changes keep results resumable."""

_SUFFIXES = (".py", ".yaml")


@cache
def code_sha256() -> str:
    """sha256 over the relative path and bytes of the package's ``.py`` and ``.yaml`` files (its built-in catalogs
    included) outside :data:`_PRESENTATION`, in path order: in a git work tree the files git tracks (as they are
    on disk: an editor's lock or backup files, or a scratch module, change nothing), else every such file but
    hidden ones. Only regular files are read."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for relative in _sources(root):
        if relative.split("/")[0] in _PRESENTATION or "__pycache__" in relative:
            continue
        file = root / relative
        try:
            if not stat.S_ISREG(os.stat(file).st_mode):
                continue
            data = file.read_bytes()
        except OSError:  # (a tracked file deleted in the work tree: not part of the code that runs)
            continue
        digest.update(relative.encode() + b"\0" + data + b"\0")
    return digest.hexdigest()


def _sources(root: Path) -> list[str]:
    """The candidate files, relative to the package's ``root``, sorted."""
    try:
        listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--", *(f"*{s}" for s in _SUFFIXES)],
                                capture_output=True, timeout=30, check=False)
        if listed.returncode == 0 and listed.stdout:
            return sorted(p for p in listed.stdout.decode("utf-8", "surrogateescape").split("\0") if p)
    except (OSError, subprocess.SubprocessError):  # no git, or not a work tree: the installed package's files
        pass
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.suffix in _SUFFIXES
                  and not any(part.startswith(".") for part in p.relative_to(root).parts))

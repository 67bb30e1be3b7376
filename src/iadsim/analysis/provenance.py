"""Which code computed a result: a run folder or a sweep is resumed only by the code that began it.

The package version alone cannot tell (it stays the same between releases, and a checkout changes its code
without changing it), so a result records :func:`code_sha256`, the sha256 of the source and data files of every
layer that computes results (the report, the API and the command line only present them).
"""

from __future__ import annotations

import hashlib
import os
import stat
from functools import cache
from pathlib import Path

__all__ = ["code_sha256", "package_sha256"]

_PRESENTATION = ("report", "api.py", "cli.py")
"""Parts of the package that compute no result: their changes keep results resumable."""

_SUFFIXES = (".py", ".yaml")


@cache
def code_sha256() -> str:
    """sha256 over the relative path and bytes of the package's ``.py`` and ``.yaml`` files (its built-in catalogs
    included) outside :data:`_PRESENTATION`, in path order: regular files only, none hidden (an editor's lock or
    backup file, such as ``.#phases.py``, is neither code that runs nor always readable). Read from the files
    themselves, not from git: the same code gives the same sha256 whoever owns the checkout, installed or not."""
    return package_sha256(Path(__file__).resolve().parents[1])


def package_sha256(root: Path) -> str:
    """:func:`code_sha256` of the package whose folder is ``root``."""
    digest = hashlib.sha256()
    for file in sorted(root.rglob("*"), key=lambda p: p.relative_to(root).as_posix()):
        parts = file.relative_to(root).parts
        if (file.suffix not in _SUFFIXES or parts[0] in _PRESENTATION or "__pycache__" in parts
                or any(part.startswith(".") for part in parts)):
            continue
        try:
            if not stat.S_ISREG(os.lstat(file).st_mode):
                continue
            data = file.read_bytes()
        except OSError:  # (gone while listed)
            continue
        digest.update("/".join(parts).encode() + b"\0" + data + b"\0")
    return digest.hexdigest()

"""Which code computed a result: a run folder or a sweep is resumed only by the code that began it.

The package version alone cannot tell (it stays the same between releases, and a checkout changes its code
without changing it), so a result records :func:`code_sha256`, the sha256 of the source and data files of every
layer that computes results (the report, the API and the command line only present them).
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

__all__ = ["code_sha256"]

_PRESENTATION = ("report", "api.py", "cli.py")
"""Parts of the package that compute no result: their changes keep results resumable."""


@cache
def code_sha256() -> str:
    """sha256 over the relative path and bytes of every ``.py`` and ``.yaml`` file of the package (its built-in
    catalogs included) outside :data:`_PRESENTATION`, in path order."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for file in sorted(p for suffix in ("*.py", "*.yaml") for p in root.rglob(suffix)):
        relative = file.relative_to(root).as_posix()
        if relative.split("/")[0] in _PRESENTATION or "__pycache__" in relative:
            continue
        digest.update(relative.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()

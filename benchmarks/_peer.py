"""Shared by the benchmarks that time iadsim against an earlier commit of itself: the peer's source taken
with ``git archive`` (so the benchmarks need the repository's history), and the environment both versions
run in (their own caches, one thread each)."""

from __future__ import annotations

import os
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def peer_source(commit: str, into: Path) -> Path:
    """The ``src`` folder of iadsim at ``commit``, extracted under ``into``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"], capture_output=True, check=True)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def run_env(src: Path, cache: Path) -> dict:
    """The environment of ``python -m iadsim.cli`` run from ``src``: its caches under ``cache``, one thread."""
    env = dict(os.environ, PYTHONPATH=str(src), MPLCONFIGDIR=str(cache / "mpl"), XDG_CACHE_HOME=str(cache / "xdg"),
               NUMBA_CACHE_DIR=str(cache / "numba"))
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        env[name] = "1"
    return env

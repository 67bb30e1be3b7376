"""Shared test configuration: caches stay inside the repo; test data lives in tests/data (nothing outside the repo)."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = ROOT / "tests" / "data"
os.environ.setdefault("MPLCONFIGDIR", str(ROOT / ".cache" / "matplotlib"))
os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".cache" / "numba"))
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("XDG_CACHE_HOME", str(ROOT / ".cache" / "xdg"))  # the audit cache, never in $HOME


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """tests/data: small DEM crops with their provenance (tests/data/dem/PROVENANCE.md)."""
    return TEST_DATA

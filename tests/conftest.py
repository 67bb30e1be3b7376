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


# -- the validation page ----------------------------------------------------------------------------------
# Tests marked `validation` check a model against a published number through the `validation` fixture,
# which also records (model, reference, tolerance, expected, result). `make docs` runs them with
# IADSIM_VALIDATION_OUT set, and the documentation's validation page is built from the file they write.

_VALIDATION: list[dict] = []


@pytest.fixture
def validation(request):
    """validation(model, reference, got, expected, abs=0, rel=0): assert ``got`` (a number or an array)
    matches the published ``expected`` within ``abs + rel * |expected|`` everywhere, and record it (the
    number of values and the largest deviation) for the validation page."""
    import numpy as np

    def check(model: str, reference: str, got, expected, abs: float = 0.0, rel: float = 0.0) -> None:
        got_a, expected_a = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
        deviation = np.abs(got_a - expected_a)
        ok = bool(got_a.shape == expected_a.shape and (deviation <= abs + rel * np.abs(expected_a)).all())
        parts = [f"{abs:g} absolute" if abs else "", f"{rel:g} relative" if rel else ""]
        tolerance = " + ".join(p for p in parts if p) or "exact"
        _VALIDATION.append({
            "test": request.node.nodeid, "model": model, "reference": reference, "values": int(expected_a.size),
            "expected": float(expected_a.flat[0]) if expected_a.size == 1 else None,
            "result": float(got_a.flat[0]) if got_a.size == 1 else None,
            "max_deviation": float(deviation.max()) if deviation.size else 0.0, "tolerance": tolerance,
            "passed": ok})
        assert ok, (f"{model}: {got_a} against {expected_a} published ({reference}), largest deviation "
                    f"{deviation.max():.3g}, tolerance {tolerance}")

    return check


def pytest_sessionfinish(session, exitstatus):
    out = os.environ.get("IADSIM_VALIDATION_OUT")
    if out and _VALIDATION:
        import json

        entries = sorted(_VALIDATION, key=lambda e: (e["model"], e["test"]))
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps({"entries": entries}, indent=1) + "\n")

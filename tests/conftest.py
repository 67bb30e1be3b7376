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
    matches the published ``expected`` within ``max(abs, rel * |expected|)`` everywhere (the tolerance of
    ``pytest.approx``), and record it for the validation page: the number of values, the largest absolute
    deviation and the largest share of the tolerance it used."""
    import numpy as np

    def check(model: str, reference: str, got, expected, abs: float = 0.0, rel: float = 0.0) -> None:
        got_a, expected_a = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
        if got_a.shape != expected_a.shape:
            raise AssertionError(f"{model}: shape {got_a.shape} against {expected_a.shape} published")
        deviation = np.abs(got_a - expected_a)
        allowed = np.maximum(abs, rel * np.abs(expected_a))
        with np.errstate(divide="ignore", invalid="ignore"):
            used = np.where(allowed > 0, deviation / allowed, np.where(deviation > 0, np.inf, 0.0))
        ok = bool((deviation <= allowed).all())
        parts = [f"{abs:g} absolute" if abs else "", f"{rel:g} relative" if rel else ""]
        tolerance = " or ".join(p for p in parts if p) or "exact"
        _VALIDATION.append({
            "test": request.node.nodeid, "model": model, "reference": reference, "values": int(expected_a.size),
            "expected": float(expected_a.flat[0]) if expected_a.size == 1 else None,
            "result": float(got_a.flat[0]) if got_a.size == 1 else None,
            "max_deviation": float(deviation.max()) if deviation.size else 0.0,
            "tolerance_used": float(used.max()) if used.size else 0.0, "tolerance": tolerance, "passed": ok})
        assert ok, (f"{model}: {got_a} against {expected_a} published ({reference}), largest deviation "
                    f"{deviation.max():.3g}, tolerance {tolerance}")

    return check


def pytest_sessionfinish(session, exitstatus):
    """With IADSIM_VALIDATION_OUT set, write the validation records: only from a run in one process that
    passed and ran every test marked ``validation`` (never a partial file)."""
    out = os.environ.get("IADSIM_VALIDATION_OUT")
    if not out or hasattr(session.config, "workerinput"):
        return
    marked = {item.nodeid for item in session.items if item.get_closest_marker("validation")}
    recorded = {entry["test"] for entry in _VALIDATION}
    whole_suite = not session.config.option.keyword and all(
        Path(arg.split("::")[0]).resolve() in (ROOT, ROOT / "tests") for arg in session.config.args)
    if exitstatus != 0 or not marked or recorded != marked or not whole_suite:
        session.config.get_terminal_writer().line(
            f"iadsim: {out} not written: every validation test must run (no -k, no paths) and pass, in one process "
            f"({len(recorded)} of {len(marked)} recorded, exit status {int(exitstatus)})", red=True)
        return
    import json

    entries = sorted(_VALIDATION, key=lambda e: (e["model"], e["test"], e["reference"]))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps({"entries": entries}, indent=1) + "\n")

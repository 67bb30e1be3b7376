"""A tiny scenario on flat terrain (3 minutes, one medium-range battery, a raid and an airliner) and a
writer of sweep files next to it."""

from pathlib import Path

import pytest
from tests.scenarios import tiny

TINY_SCENARIO = tiny()

GRID_SWEEP = """\
base: tiny.yaml
design: grid
factors:
  - {path: "units[sr].readiness.availability", values: [0.5, 1.0]}
replications: 6
batch: 2
seed: 11
metrics: [leakers, kills]
"""


def pytest_configure(config):
    config.addinivalue_line("markers", "subprocess: starts real processes of its own (a Dask scheduler and workers) "
                                       "and kills some; run on its own with -m subprocess")


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """The tiny scenario, written in tmp_path."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_SCENARIO)
    return path


@pytest.fixture
def write_sweep(tiny: Path):
    """Write a sweep file next to the tiny scenario and return its path."""

    def write(text: str, name: str = "sweep.yaml") -> Path:
        path = tiny.parent / name
        path.write_text(text)
        return path

    return write

"""A tiny scenario on flat terrain (3 minutes, one medium-range battery, a raid and an airliner) and a
writer of sweep files next to it."""

from pathlib import Path

import pytest

TINY_SCENARIO = """\
name: tiny
seed: 7
duration: 3 min
step: 1 s
terrain: {flat: 100 m, extent: 30 km}
defended_assets:
  - {id: base, x: 0 km, y: 0 km, radius: 1.5 km}
units:
  - {id: cp, type: command-post, x: 1 km, y: -1 km}
  - {id: sr, type: mr-search-radar, x: 0 km, y: 2 km, mast_height: 15 m, readiness: {availability: 0.9}}
  - {id: telar, type: mr-telar, x: -1 km, y: 1 km, mast_height: 6 m, readiness: {availability: 0.8}}
  - {id: ll, type: mr-launcher-loader, x: -1.4 km, y: 0.6 km}
links:
  - {from: sr, to: cp, carries: tracks, latency: 2 s}
  - {from: cp, to: telar, carries: cues, latency: 2 s}
  - {from: sr, to: telar, carries: cues, latency: 1 s}
  - {from: telar, to: ll, carries: fire-control, latency: 0.2 s}
authority:
  mode: human-on-the-loop
  decision_time: {distribution: lognormal, median: 6 s, sigma: 0.5}
  identification: {p_civil_as_hostile: 0.05, p_hostile_as_civil: 0.05}
threats:
  - id: raid
    type: attack-helicopter
    count: 4
    spacing: 10 s
    target: base
    route:
      - {x: -9 km, y: 3 km, altitude: 60 m}
      - {x: 0 km, y: 0 km, altitude: 60 m}
traffic:
  - id: air
    type: medium-airliner
    route:
      - {x: -14 km, y: -5 km, altitude: 3 km}
      - {x: 14 km, y: 5 km, altitude: 3 km}
"""

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

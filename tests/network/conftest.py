"""Synthetic kill-chain networks for the network tests, written as scenario YAML on flat terrain."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml

from iadsim.scenario import load_scenario

# A fire-control radar that cannot search on its own: it needs a sensor picture from elsewhere, which
# makes the sensors and command posts matter (every built-in fire-control radar searches on its own).
_FC_BLIND_SOURCE = """
sources:
  test: "test fixture: a fire-control radar without autonomous search"
types:
  fc-blind:
    kind: radar
    role: fire-control
    label: "Fire-control radar with no search of its own (test fixture)"
    frequency: {value: 10 GHz, source: test, grade: assumed}
    peak_power: {value: 150 kW, source: test, grade: assumed}
    gain: {value: 42 dB, source: test, grade: assumed}
    pulse_width: {value: 10 us, source: test, grade: assumed}
    prf: {value: 2 kHz, source: test, grade: assumed}
    beamwidth: {value: 1 deg, source: test, grade: assumed}
    scan_period: {value: 1 s, source: test, grade: assumed}
    instrumented_range: {value: 200 km, source: test, grade: assumed}
    detection_range: {value: 200 km, source: test, grade: assumed}
    reference_rcs: {value: 2 m^2, source: test, grade: assumed}
    losses: {value: 10 dB, source: test, grade: assumed}
    system_temperature: {value: 500 K, source: test, grade: assumed}
    pfa: {value: 1.0e-6, source: test, grade: assumed}
    range_accuracy: {value: 30 m, source: test, grade: assumed}
    azimuth_accuracy: {value: 0.1 deg, source: test, grade: assumed}
    mti_improvement: {value: 40 dB, source: test, grade: assumed}
    autonomous_search: false
"""

_UNIT_KEYS = ("availability", "emission")


def scenario_dict(units: dict, links: list, fallback: bool = True, name: str = "synthetic") -> dict:
    """A scenario as plain data.

    units: id -> catalog type, or a dict with `type` and optionally availability, emission, x, y (km),
    crew, missiles. links: "FROM->TO:carries", or ("FROM->TO:carries", {status, availability}).
    Units without x/y are laid out on a grid (1 km apart) in the 20 km square of flat terrain.
    """
    grid = itertools.product(range(-8, 9), repeat=2)
    out_units = []
    for unit_id, spec in units.items():
        spec = {"type": spec} if isinstance(spec, str) else dict(spec)
        gx, gy = next(grid)
        unit = {"id": unit_id, "type": spec.pop("type"), "x": f"{spec.pop('x', gx)} km", "y": f"{spec.pop('y', gy)} km"}
        readiness = {k: spec.pop(k) for k in _UNIT_KEYS if k in spec}
        if readiness:
            unit["readiness"] = readiness
        unit.update(spec)
        out_units.append(unit)
    out_links = []
    for link in links:
        text, extra = (link, {}) if isinstance(link, str) else link
        ends, carries = text.rsplit(":", 1)
        source, target = ends.split("->")
        out_links.append({"from": source, "to": target, "carries": carries, **extra})
    return {
        "name": name,
        "duration": "1 min",
        "terrain": {"flat": "100 m", "extent": "20 km"},
        "catalog": ["fc-blind.yaml"],
        "units": out_units,
        "links": out_links,
        "doctrine": {"autonomous_fallback": fallback},
    }


def write_scenario(folder: Path, data: dict, filename: str = "scenario.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fc-blind.yaml").write_text(_FC_BLIND_SOURCE)
    path = folder / filename
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def make_scenario(tmp_path):
    """make_scenario(units, links, fallback=True) -> a loaded Scenario (see scenario_dict)."""
    counter = itertools.count()

    def make(units: dict, links: list, fallback: bool = True):
        path = write_scenario(tmp_path / f"s{next(counter)}", scenario_dict(units, links, fallback))
        return load_scenario(path)

    return make


@pytest.fixture
def scenario_file(tmp_path):
    """scenario_file(units, links, fallback=True) -> the path of a written scenario YAML file."""

    def make(units: dict, links: list, fallback: bool = True) -> Path:
        return write_scenario(tmp_path / "cli", scenario_dict(units, links, fallback))

    return make

"""Flat-terrain scenarios for the sensor tests: written as YAML, loaded, then put on a coarse grid."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
import yaml

from iadsim.scenario import load_scenario
from iadsim.terrain import flat_dem

GROUND = 100.0  # flat terrain elevation [m]


@pytest.fixture
def flat_scenario(tmp_path):
    """flat_scenario(units, threats, catalog=None, half=60e3, cell=1e3) -> a loaded Scenario on flat terrain at
    100 m, on a square grid of side 2 * half [m] with `cell` [m] cells centred on the origin (cell centres at
    odd multiples of cell / 2). `catalog` is the text of an extra catalog file."""
    counter = itertools.count()

    def make(units: list[dict], threats: list[dict], catalog: str | None = None, half: float = 60e3,
             cell: float = 1e3, links: list[dict] = ()):
        n = next(counter)
        data = {"name": "sensors-flat", "seed": 1, "duration": "2 s", "step": "1 s",
                "terrain": {"flat": f"{GROUND:g} m", "extent": f"{2 * half / 1e3:g} km"},
                "units": units, "links": list(links), "threats": threats}
        if catalog is not None:
            (tmp_path / f"extra-{n}.yaml").write_text(catalog)
            data["catalog"] = [f"extra-{n}.yaml"]
        path = tmp_path / f"scenario-{n}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        loaded = load_scenario(path)
        terrain = flat_dem(GROUND, (-half, -half, half, half), cell, crs=loaded.terrain.crs)
        return dataclasses.replace(loaded, terrain=terrain)

    return make

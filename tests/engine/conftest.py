"""The engine tests' fixture: write a synthetic scenario (see _scenarios) as YAML and load it."""

from __future__ import annotations

import itertools

import pytest
import yaml

from iadsim.scenario import load_scenario


@pytest.fixture
def make_scenario(tmp_path):
    """make_scenario(data) -> a loaded Scenario written from `data` (see scenario_dict)."""
    counter = itertools.count()

    def make(data: dict):
        path = tmp_path / f"scenario-{next(counter)}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return load_scenario(path)

    return make

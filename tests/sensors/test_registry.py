"""A catalog sensor names its model from iadsim.registry.SENSOR_MODELS; an unknown name is a clear error."""

from __future__ import annotations

import pytest

from iadsim.registry import SENSOR_MODELS
from iadsim.scenario import InputError, builtin_catalog
from iadsim.scenario.catalog import read_catalog_file
from iadsim.sensors import Radar

from ._flat import radar_catalog


def _entry(model: str | None) -> str:
    return radar_catalog("odd-radar", "a radar with a made-up sensor model (test fixture)", model)


def test_the_radar_model_is_built_in_and_the_default():
    assert SENSOR_MODELS["radar"] is Radar
    assert "radar" in SENSOR_MODELS.names()
    catalog = builtin_catalog()
    assert {catalog.types[t].model for t in catalog.ids("radar")} == {"radar"}
    parsed, _ = read_catalog_file("extra.yaml", _entry(None))
    assert parsed.types["odd-radar"].model == "radar"
    parsed, _ = read_catalog_file("extra.yaml", _entry("radar"))
    assert parsed.types["odd-radar"].model == "radar"


def test_an_unknown_sensor_model_is_an_error_that_lists_the_choices():
    with pytest.raises(InputError) as caught:
        read_catalog_file("extra.yaml", _entry("crystal-ball"))
    message = str(caught.value)
    assert "unknown sensor model 'crystal-ball'" in message
    assert "the choices are 'esm', 'irst', 'radar'" in message
    assert "extra.yaml" in message and "model" in message  # where it is: the file and the field


def test_an_unknown_sensor_model_in_a_scenario_catalog_stops_the_scenario(tmp_path, flat_scenario):
    with pytest.raises(InputError, match="unknown sensor model 'crystal-ball'; the choices are 'esm', 'irst', 'radar'"):
        flat_scenario([{"id": "r", "type": "odd-radar", "x": "0 km", "y": "0 km"}], [],
                      catalog=_entry("crystal-ball"))

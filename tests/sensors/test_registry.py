"""A catalog sensor names its model from iadsim.registry.SENSOR_MODELS; an unknown name is a clear error."""

from __future__ import annotations

import pytest

from iadsim.registry import SENSOR_MODELS
from iadsim.scenario import InputError, builtin_catalog
from iadsim.scenario.catalog import read_catalog_file
from iadsim.sensors import Radar

_ENTRY = """
sources:
  test: "test fixture"
types:
  odd-radar:
    kind: radar
    role: early-warning
    label: "a radar with a made-up sensor model (test fixture)"
    {model}
    frequency: {{value: 170 MHz, source: test, grade: assumed}}
    peak_power: {{value: 260 kW, source: test, grade: assumed}}
    gain: {{value: 22 dB, source: test, grade: assumed}}
    pulse_width: {{value: 6 us, source: test, grade: assumed}}
    prf: {{value: 360 Hz, source: test, grade: assumed}}
    beamwidth: {{value: 6 deg, source: test, grade: assumed}}
    scan_period: {{value: 10 s, source: test, grade: assumed}}
    instrumented_range: {{value: 250 km, source: test, grade: assumed}}
    detection_range: {{value: 250 km, source: test, grade: assumed}}
    reference_rcs: {{value: 2 m^2, source: test, grade: assumed}}
    losses: {{value: 5.5 dB, source: test, grade: assumed}}
    system_temperature: {{value: 600 K, source: test, grade: assumed}}
    pfa: {{value: 1.0e-6, source: test, grade: assumed}}
    range_accuracy: {{value: 500 m, source: test, grade: assumed}}
    azimuth_accuracy: {{value: 1.5 deg, source: test, grade: assumed}}
    mti_improvement: {{value: 20 dB, source: test, grade: assumed}}
"""


def test_the_radar_model_is_built_in_and_the_default():
    assert SENSOR_MODELS["radar"] is Radar
    assert "radar" in SENSOR_MODELS.names()
    catalog = builtin_catalog()
    assert {catalog.types[t].model for t in catalog.ids("radar")} == {"radar"}
    parsed, _ = read_catalog_file("extra.yaml", _ENTRY.format(model=""))
    assert parsed.types["odd-radar"].model == "radar"
    parsed, _ = read_catalog_file("extra.yaml", _ENTRY.format(model="model: radar"))
    assert parsed.types["odd-radar"].model == "radar"


def test_an_unknown_sensor_model_is_an_error_that_lists_the_choices():
    with pytest.raises(InputError) as caught:
        read_catalog_file("extra.yaml", _ENTRY.format(model="model: crystal-ball"))
    message = str(caught.value)
    assert "unknown sensor model 'crystal-ball'" in message
    assert "the choices are 'radar'" in message
    assert "extra.yaml" in message and "model" in message  # where it is: the file and the field


def test_an_unknown_sensor_model_in_a_scenario_catalog_stops_the_scenario(tmp_path, flat_scenario):
    with pytest.raises(InputError, match="unknown sensor model 'crystal-ball'; the choices are 'radar'"):
        flat_scenario([{"id": "r", "type": "odd-radar", "x": "0 km", "y": "0 km"}], [],
                      catalog=_ENTRY.format(model="model: crystal-ball"))

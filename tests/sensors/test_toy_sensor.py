"""Adding a sensor kind touches one module and its test: a passive toy sensor registered here (and only here)
is picked up by the catalog, the kill-chain network, the engine's World and the coverage maps, with no other
code change. It emits nothing, sees what is in line of sight within its range, detects with a fixed Pd per
look, looks once a second and measures bearing only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from iadsim.analysis.coverage import coverage, coverage_maps
from iadsim.engine import build_world
from iadsim.registry import SENSOR_MODELS
from iadsim.scenario.models import Sector, Unit
from iadsim.sensors import in_sector

from ._flat import drone, radar_catalog

TOY_PD = 0.8
HEIGHT = 300.0


@dataclass(frozen=True)
class ToyEye:
    """A passive eye (the SensorModel protocol): line of sight within the catalog's instrumented range and the
    unit's sector, Pd TOY_PD on every look, one look a second, bearing-only with the catalog's azimuth
    accuracy (its position error is the cross-range error)."""

    emits: ClassVar[bool] = False
    measures: ClassVar[tuple[str, ...]] = ("azimuth",)
    unit_id: str
    antenna_height: float
    max_range: float
    bearing_accuracy: float
    sector: Sector | None = None

    @classmethod
    def from_catalog(cls, entry, unit: Unit) -> ToyEye:
        return cls(unit.id, unit.mast_height, entry.instrumented_range.value, entry.azimuth_accuracy.value,
                   unit.sector)

    def visibility(self, geometry, dx, dy):
        return ((np.asarray(geometry.target_height) >= geometry.masking_height)
                & (geometry.slant_range <= self.max_range) & in_sector(self.sector, dx, dy))

    def pd_per_look(self, geometry, rcs, swerling, jammers=()):
        return np.full(np.broadcast_shapes(np.shape(geometry.slant_range), np.shape(rcs)), TOY_PD)

    look_period = 1.0

    def measurement_sigma(self, slant_range, ground_range):
        return ground_range * self.bearing_accuracy


_CATALOG = radar_catalog("toy-eye-sensor", "a passive toy eye (test fixture; the radar numbers are not used by its "
                         "model)", "toy-eye", instrumented_range="20 km", range_accuracy="1 km",
                         azimuth_accuracy="0.5 deg", scan_period="1 s")


@pytest.fixture
def toy_eye():
    """Register the toy model for one test, and remove it afterwards."""
    SENSOR_MODELS.register("toy-eye", ToyEye)
    try:
        yield ToyEye
    finally:
        SENSOR_MODELS.unregister("toy-eye")
        assert "toy-eye" not in SENSOR_MODELS


def _scenario(flat_scenario):
    units = [
        # the eye's emission is off (EMCON): a passive sensor still senses; the radar's is off too, and it does not
        {"id": "eye", "type": "toy-eye-sensor", "x": "0.5 km", "y": "0.5 km", "readiness": {"emission": "off"}},
        {"id": "silent", "type": "mr-search-radar", "x": "-10.5 km", "y": "0.5 km",
         "readiness": {"emission": "off"}},
    ]
    threats = [drone(f"d{i}", x, 0.5) for i, x in enumerate([-28.5, -15.5, 5.5, 19.5, 25.5, 28.5])]
    return flat_scenario(units, threats, catalog=_CATALOG, half=30e3, cell=500.0)


def test_a_registered_toy_sensor_works_in_the_world_and_in_coverage(toy_eye, flat_scenario, tmp_path):
    scenario = _scenario(flat_scenario)
    # the network: the eye senses without radiating; the silent radar neither radiates nor senses
    net = build_world(scenario).net
    assert (net.emits["eye"], net.senses["eye"]) == (False, True)
    assert (net.emits["silent"], net.senses["silent"]) == (False, False)

    world = build_world(scenario)
    assert world.sensor_ids == ["eye", "silent"]
    assert isinstance(world.sensors[0], ToyEye) and world.sensors[0].measures == ("azimuth",)
    np.testing.assert_array_equal(world.sensing, [True, False])
    s = 0
    d = world.position - world.sensor_position[s]
    slant = np.linalg.norm(d, axis=-1)
    expected_visible = world.active & (slant <= 20e3)  # flat ground, 300 m up: nothing masked within 20 km
    np.testing.assert_array_equal(world.visible[:, s], expected_visible)
    assert expected_visible.any() and not expected_visible.all()
    np.testing.assert_array_equal(world.pd_look[:, s], np.where(expected_visible, np.float32(TOY_PD), 0))
    assert world.look_period[s] == 1.0
    ground = np.hypot(d[..., 0], d[..., 1])
    np.testing.assert_allclose(world.sigma[:, s], np.where(expected_visible, ground * np.deg2rad(0.5), 0), rtol=1e-6)

    # coverage: the eye counts (it senses), the silent radar does not; a disc of 20 km slant range
    maps = coverage_maps(scenario, bands=(HEIGHT,))
    assert maps.sensor_ids == ["eye"]
    terrain = scenario.terrain
    xs, ys = terrain.rowcol_to_xy(*np.meshgrid(np.arange(terrain.shape[0]), np.arange(terrain.shape[1]),
                                               indexing="ij"))
    site = scenario.sites["eye"]
    cell_slant = np.hypot(np.hypot(xs - site.x, ys - site.y), HEIGHT - world.sensors[0].antenna_height)
    expected = (maps.masking[0] <= HEIGHT) & (cell_slant <= 20e3)  # the sweep stops at about 20 km
    np.testing.assert_array_equal(maps.detection[0, 0], expected)
    cell_km2 = terrain.cell_size[0] * terrain.cell_size[1] / 1e6
    assert expected.sum() * cell_km2 == pytest.approx(np.pi * 20.0**2, rel=0.02)

    summary = coverage(scenario, tmp_path / "coverage", bands=(HEIGHT,))
    (eye,) = summary["sensors"]
    assert eye["id"] == "eye" and eye["instrumented_range_km"] == 20.0 and eye["pulses_per_look"] is None
    assert json.loads((tmp_path / "coverage" / "coverage.json").read_text())["sensors"] == summary["sensors"]


_FIRE_CONTROL = radar_catalog("blind-fcr", "a fire-control radar with no search of its own (test fixture)",
                              fields={"role": "fire-control", "autonomous_search": False})


@pytest.mark.parametrize("feeder,emission,able", [("eye", "off", False), ("eye", "on", False), ("eyes", "off", False),
                                                  ("eye+irst", "off", True), ("radar", "off", False),
                                                  ("radar", "on", True)])
def test_a_launcher_needs_a_picture_of_tracks(toy_eye, flat_scenario, feeder, emission, able):
    """A launcher guided by a fire-control radar without search of its own needs someone else's picture: a
    radar gives it while it radiates; one passive sensor (it measures bearing only) does not, whatever its
    emission, for a bearing places no target; nor do two of them, whose crossed bearings give no height; the eye
    with an IRST (bearing and elevation) does: the audit must not call able a fire unit the engine would never
    let fire."""
    from iadsim.network import audit

    sensor = {"eye": "toy-eye-sensor", "eyes": "toy-eye-sensor", "eye+irst": "toy-eye-sensor",
              "radar": "mr-search-radar"}[feeder]
    second = {"eyes": "toy-eye-sensor", "eye+irst": "irst-station"}.get(feeder)
    units = [
        {"id": "feed", "type": sensor, "x": "0.5 km", "y": "0.5 km", "readiness": {"emission": emission}},
        *([{"id": "feed2", "type": second, "x": "0.5 km", "y": "-3.5 km"}] if second else []),
        {"id": "cp", "type": "command-post", "x": "2.5 km", "y": "0.5 km"},
        {"id": "fcr", "type": "blind-fcr", "x": "4.5 km", "y": "0.5 km"},
        {"id": "ll", "type": "lr-launcher", "x": "4.5 km", "y": "1.5 km"},
    ]
    links = [{"from": f, "to": "cp", "carries": "tracks"} for f in ("feed", "feed2")[:1 + bool(second)]]
    links += [{"from": "cp", "to": "fcr", "carries": "cues"},
             {"from": "fcr", "to": "ll", "carries": "fire-control"}]
    scenario = flat_scenario(units, [drone("d", -5.5, 0.5)], catalog=_CATALOG + "\n" + _FIRE_CONTROL.split(
        "types:\n", 1)[1], half=30e3, cell=500.0, links=links)
    (unit,) = audit(scenario)["fire_units"]
    assert unit["able"] is able
    assert unit["readiness"] == pytest.approx(1.0 if able else 0.0)  # the compiled kernel agrees
    if not able:
        assert "no-sensor-picture" in {r["code"] for r in unit["reasons"]}

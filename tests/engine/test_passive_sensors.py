"""Passive sensors in the engine (issue 19): an IRST and an ESM receiver see a target out to the ranges their
range equations give, solved here (the IR range equation with Beer-Lambert extinction by root finding, the
one-way equation in closed form) from the catalog numbers; neither radiates, so each senses with its emission
off; their detections count for the first detection and form bearing-only tracks, and a lone one places no
target (tests/engine/test_triangulation.py crosses two)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from iadsim.engine import Engine, build_world
from iadsim.registry import ELEVATION, RANGING
from iadsim.units import SPEED_OF_LIGHT

from ._scenarios import scenario_dict


def _outbound(jammer: dict | None = None, type_: str = "fighter", emission: str = "off") -> dict:
    """One aircraft flying straight out from the sensor at 8 km altitude (no horizon or terrain in the way), its
    own radar silent unless ``emission`` is on."""
    raid = {"id": "raid", "type": type_, "count": 1, "altitude_reference": "msl", "emission": emission, "route": [
        {"x": "0 km", "y": "2 km", "altitude": "8 km"},
        {"x": "0 km", "y": "300 km", "altitude": "8 km"}]}
    if jammer:
        raid["jammer"] = jammer
    return raid


def _world(make_scenario, unit_type: str, raid: dict, emission: str = "off"):
    unit = {"id": "p", "type": unit_type, "x": "0 km", "y": "0 km", "mast_height": "10 m",
            "readiness": {"emission": emission}}
    data = scenario_dict([unit], threats=[raid], duration="40 min",
                         terrain={"flat": "0 m", "extent": "700 km"})
    data["defended_assets"] = []
    return build_world(make_scenario(data))


def _boundary(world) -> tuple[float, float]:
    """(farthest slant range detected, nearest slant range not detected) while the target is visible."""
    d = np.linalg.norm(world.position[:, 0] - world.sensor_position[0], axis=-1)
    seen = world.visible[:, 0, 0] & world.active[:, 0]
    pd = world.pd_look[:, 0, 0]
    return d[seen & (pd > 0)].max(), d[seen & (pd == 0)].min()


@pytest.mark.validation
def test_irst_detection_range_is_the_ir_range_equation(make_scenario, validation):
    world = _world(make_scenario, "irst-station", _outbound())
    catalog = world.scenario.catalog
    irst, fighter = catalog.types["irst-station"], catalog.types["fighter"]
    intensity, gamma, threshold = fighter.ir_intensity["mwir"].value, irst.extinction.value, irst.threshold.value
    expected = brentq(lambda r: intensity * np.exp(-gamma * r) / r**2 - threshold, 1.0, 1e7, xtol=1e-6)
    assert expected < irst.instrumented_range.value  # the range equation, not the instrumented range, decides
    farthest, nearest_missed = _boundary(world)
    speed = np.linalg.norm(world.velocity[1, 0])
    assert farthest <= expected <= nearest_missed and nearest_missed - farthest <= speed * world.step * 1.01
    validation("IRST detection range [m] (iadsim.sensors.Irst, engine world)",
               "IR range equation I exp(-gamma R) / R^2 = E_t solved in the test", farthest, expected,
               abs=speed * world.step)


@pytest.mark.validation
def test_esm_detection_range_is_the_one_way_equation(make_scenario, validation):
    """A self-screening jammer of 1 kW over 100 MHz at 9.5 GHz: the ESM hears it out to
    lambda / (4 pi) sqrt(ERP G_r / (S L)); 40 % of a 1 GHz-wide band at the receiver's top edge (18 GHz) is out
    of band, the rest received about the middle of the overlap (17.7 GHz); a jammer tuned to every radar
    (``centre: any``) over 40 GHz puts 17.9/40 of its power in the receiver's band, taken at its top
    frequency."""
    for centre, bandwidth, in_band, f in (("9.5 GHz", "100 MHz", 1.0, 9.5e9), ("17.9 GHz", "1 GHz", 0.6, 17.7e9),
                                          ("any", "40 GHz", 17.9 / 40, 18e9)):
        world = _world(make_scenario, "esm-station", _outbound({"erp": "1 kW", "centre": centre,
                                                                 "bandwidth": bandwidth}))
        esm = world.scenario.catalog.types["esm-station"]
        gain, loss = 10 ** (esm.gain.value / 10), 10 ** (esm.losses.value / 10)
        expected = SPEED_OF_LIGHT / f / (4 * np.pi) * np.sqrt(1e3 * in_band * gain / (esm.sensitivity.value * loss))
        farthest, nearest_missed = _boundary(world)
        speed = np.linalg.norm(world.velocity[1, 0])
        assert farthest <= expected <= nearest_missed and nearest_missed - farthest <= speed * world.step * 1.01
        validation("ESM detection range [m] (iadsim.sensors.Esm, engine world)",
                   f"one-way equation solved in the test ({centre} jammer, {in_band:.0%} in band)", farthest, expected,
                   abs=speed * world.step)


@pytest.mark.validation
def test_esm_hears_a_radar_in_its_sidelobes_near_and_in_its_main_beam_far(make_scenario, validation):
    """The fighter's own radar (10 MW main-beam ERP at 10 GHz, sidelobes 40 dB down, a look catching its main
    beam one time in ten): every look hears its sidelobes out to the one-way range of the sidelobe ERP, solved
    here; beyond, only looks that catch the main beam do, out to the main beam's one-way range (beyond the
    horizon here: the line of sight ends it). With the raid's emission off, nothing is heard."""
    world = _world(make_scenario, "esm-station", _outbound(emission="on"))
    catalog = world.scenario.catalog
    esm, radar = catalog.types["esm-station"], catalog.types["fighter"].emitter
    gain, loss = 10 ** (esm.gain.value / 10), 10 ** (esm.losses.value / 10)
    wavelength = SPEED_OF_LIGHT / radar.frequency.value

    def intercept_range(erp):
        return wavelength / (4 * np.pi) * np.sqrt(erp * gain / (esm.sensitivity.value * loss))

    sidelobe = intercept_range(radar.erp.value * 10 ** (radar.sidelobe_level.value / 10))
    d = np.linalg.norm(world.position[:, 0] - world.sensor_position[0], axis=-1)
    seen = world.visible[:, 0, 0] & world.active[:, 0]
    pd = world.pd_look[:, 0, 0]
    assert intercept_range(radar.erp.value) > d[seen].max()  # the main beam is heard as far as it is seen
    fraction = radar.main_beam_fraction.value
    near, far = seen & (pd == 1.0), seen & np.isclose(pd, fraction)
    assert (near | far)[seen].all() and near.any() and far.any()
    farthest_every_look, nearest_main_beam_only = d[near].max(), d[far].min()
    speed = np.linalg.norm(world.velocity[1, 0])
    assert farthest_every_look <= sidelobe <= nearest_main_beam_only
    assert nearest_main_beam_only - farthest_every_look <= speed * world.step * 1.01
    validation("ESM sidelobe intercept range [m] (iadsim.sensors.Esm, engine world)",
               "one-way equation with the sidelobe ERP, solved in the test", farthest_every_look, sidelobe,
               abs=speed * world.step)
    silent = _world(make_scenario, "esm-station", _outbound(emission="off"))
    assert (silent.pd_look[:, 0, 0] == 0).all()


def test_a_target_that_emits_nothing_is_not_heard_and_passive_sensors_sense_with_emission_off(make_scenario):
    world = _world(make_scenario, "esm-station", _outbound())
    assert world.visible[:, 0, 0].any() and (world.pd_look[:, 0, 0] == 0).all()
    world = _world(make_scenario, "irst-station", _outbound(), emission="off")
    assert world.sensing[0] and (world.pd_look[:, 0, 0] > 0).any()
    engine = Engine(world, np.arange(3), seed=1, events=False)
    engine.run()
    st = engine.state
    assert np.isfinite(st.outcomes.first_detection).all()  # a passive detection is a detection
    followed = np.isfinite(st.tracks.confirmed_at) | np.isfinite(st.tracks.held_since)
    assert followed.all()  # and the IRST followed the target in angle (until it flew out of its range)


def test_a_lone_passive_sensor_feeds_bearings_that_place_nothing(make_scenario):
    """An IRST linked to the command post that cues a TELAR: the kill-chain rules count it among the TELAR's
    picture sources (its bearings reach it), but a bearing alone places no target: the TELAR holds only what its
    own radar sees, and the picture quality expects no more of it."""
    from iadsim.network import build_network, evaluate

    units = [{"id": "cp", "type": "command-post", "x": "0 km", "y": "-3 km"},
             {"id": "irst", "type": "irst-station", "x": "2 km", "y": "0 km"},
             {"id": "telar", "type": "mr-telar", "x": "3 km", "y": "0 km"}]
    links = [{"from": "irst", "to": "cp", "carries": "tracks"}, {"from": "cp", "to": "telar", "carries": "cues"}]
    data = scenario_dict(units, links, threats=[_outbound()], terrain={"flat": "0 m", "extent": "700 km"})
    data["defended_assets"] = []
    scenario = make_scenario(data)
    net = build_network(scenario)
    assert net.senses["irst"] and net.places["irst"] == ELEVATION and net.places["telar"] == RANGING
    status = evaluate(net, "telar", lambda component: True)
    assert status.able and {"telar", "irst"} <= set(status.sensors)
    world = build_world(scenario)
    engine = Engine(world, np.arange(2), seed=1, events=False)
    s_irst = world.sensor_ids.index("irst")
    assert engine.state.readiness.feeds[:, 0, s_irst].all()
    # its angle tracks are no positions: the sensor picture does not score them, and the TELAR's holds only what
    # its radar sees
    from iadsim.analysis.metrics import fire_unit_picture, picture_quality

    for _ in range(60):
        engine.step()
    assert (engine.state.outcomes.first_detection < 60).all() and world.visible[59, s_irst, 0]
    tracks = engine.state.tracks
    assert (np.isfinite(tracks.confirmed_at) | np.isfinite(tracks.held_since))[:, s_irst, 0].all()  # it followed it
    assert (picture_quality(world, engine.state)[:, s_irst, :] == 0).all()
    out = engine.state.outcomes
    flying = out.alive[:, 0] & ~out.leaked[:, 0] & world.active[59, 0]
    sees = world.visible[59, world.sensor_ids.index("telar"), 0] & flying  # (the TELAR may have shot it down)
    np.testing.assert_array_equal(fire_unit_picture(world, engine.state)[:, 0, 1], sees.astype(float))

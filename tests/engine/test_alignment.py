"""North-alignment faults: after set-up a unit's radar reports every azimuth off by a bias b drawn once per
replication (normal, 1-sigma the catalog's ``alignment_sigma`` times the crew's error-rate factor; with the
catalog's ``alignment_blunder`` chance - crew-scaled - the north was not set at all and b is uniform on the
circle), until the crew's check ``correction`` after the set-up removes it. Its tracks are rotated by b about the
radar, so a fire unit that aims on them aims at the true intercept point rotated by b: off by 2 r sin(|b| / 2) at
range r from the radar, and a missile whose aim is farther than the acquisition basket B from the target misses.
The expected miss fraction at range r is therefore P(|b| > 2 asin(B / 2r)), worked out here from the normal (or
uniform) distribution and compared, summed over the engagements, with the engine's misses for aim error."""

from __future__ import annotations

import math
from importlib.resources import files

import numpy as np
import pytest
import yaml
from scipy import stats

from iadsim.engine import Engine, build_world

from ._scenarios import scenario_dict

BASKET = 1000.0  # m


def _catalog(sigma_deg: float, blunder: float) -> str:
    builtin = yaml.safe_load(files("iadsim.scenario").joinpath("catalog/air_defence.yaml").read_text())
    radar = {k: ({**v, "source": "test"} if isinstance(v, dict) and "source" in v else v)
             for k, v in builtin["types"]["sr-radar"].items()}
    value = lambda v: {"value": v, "source": "test", "grade": "assumed"}  # noqa: E731
    radar.update(alignment_sigma=value(f"{sigma_deg} deg"), alignment_blunder=value(blunder))
    return yaml.safe_dump({"sources": {"test": "a test's controlled case"}, "types": {
        "test-radar": radar,
        "sure-missile": {"kind": "missile", "label": "kills what it reaches", "min_range": value("1 km"),
                         "max_range": value("20 km"), "min_altitude": value("5 m"), "max_altitude": value("15 km"),
                         "speed": value("900 m/s"), "max_target_speed": value("1000 m/s"), "pk": value(1.0)},
        "test-system": {"kind": "launcher", "label": "a short-range system", "missile": "sure-missile",
                        "missiles": value(200), "launch_interval": value("1 s"), "reload_time": value("1 h"),
                        "radar": "test-radar"}}}, sort_keys=False)


def _scenario(tmp_path, sigma_deg: float, blunder: float = 0.0, alignment: dict | None = None, crew: str = "trained",
              step: str = "1 s", count: int = 6) -> dict:
    (tmp_path / "test.yaml").write_text(_catalog(sigma_deg, blunder))
    unit = {"id": "pd", "type": "test-system", "x": "0 km", "y": "0 km", "crew": crew,
            "alignment": {"correction": "1 h"} if alignment is None else alignment}
    # drones flying at the unit from six bearings (resolved apart), one after another
    threats = []
    for i in range(count):
        b = math.radians(20 + 60 * i)
        threats.append({"id": f"d{i}", "type": "drone", "start": f"{40 * i} s", "altitude_reference": "msl",
                        "route": [{"x": f"{30 * math.sin(b)} km", "y": f"{30 * math.cos(b)} km", "altitude": "700 m"},
                                  {"x": "0 km", "y": "0 km", "altitude": "700 m"}]})
    return scenario_dict([unit], [], threats, step=step, duration=f"{40 * count + 400} s", catalog=["test.yaml"],
                         defended_assets=[], doctrine={"engagement": "salvo", "salvo_size": 1,
                                                       "acquisition_basket": f"{BASKET} m"})


def _p_miss(r: np.ndarray, sigma: float, blunder: float) -> np.ndarray:
    """P(|b| > 2 asin(B / 2r)) for b normal (0, sigma) with probability 1 - blunder, else uniform on the circle."""
    limit = 2 * np.arcsin(np.minimum(BASKET / (2 * r), 1.0))
    return (1 - blunder) * 2 * stats.norm.sf(limit / sigma) + blunder * (1 - limit / np.pi)


def _first_shots(world, engine):
    """Each target's first engagement in each replication: its aim point's range from the radar and whether the
    missile missed for its aim error."""
    ev = engine.events
    launches = ev[ev.kind == "launch"].sort_values("time", kind="stable").groupby(["replication", "target"]).head(1)
    outcomes = ev[ev.kind.isin(["kill", "miss"])].sort_values("time", kind="stable").groupby(
        ["replication", "target"]).head(1).set_index(["replication", "target"])
    radar = world.sensor_position[0]  # the fire unit carries it
    r = np.hypot(*(launches[["x", "y"]].to_numpy() - radar[:2]).T)  # horizontal range of the aim point
    reason = outcomes.reason.reindex(pd_index(launches)).to_numpy()
    return r, reason == "aim_error"


def pd_index(frame):
    import pandas as pd

    return pd.MultiIndex.from_frame(frame[["replication", "target"]])


@pytest.mark.parametrize(("sigma", "blunder", "crew", "factor", "step"), [
    (3.0, 0.0, "trained", 1.0, "1 s"), (1.5, 0.0, "basic", 2.0, "3 s"), (1.0, 0.3, "trained", 1.0, "1 s")])
def test_an_azimuth_bias_misses_as_the_basket_geometry_predicts(make_scenario, tmp_path, sigma, blunder, crew,
                                                                 factor, step):
    n = 250
    world = build_world(make_scenario(_scenario(tmp_path, sigma, blunder, crew=crew, step=step)))
    engine = Engine(world, np.arange(n), seed=4)
    engine.run()
    r, missed = _first_shots(world, engine)
    assert len(r) > 0.9 * n * 6  # nearly every drone is engaged at least once
    p_blunder = blunder if blunder in (0.0, 1.0) else min(1.0, blunder * factor)
    p = _p_miss(r, math.radians(sigma * factor), p_blunder)
    expected, sd = p.sum(), math.sqrt((p * (1 - p)).sum())
    # 4 standard errors; plus 0.2 % of the shots for the track noise the model leaves out (a 50 m aim error
    # blurs the threshold angle by about 0.15 deg at 20 km, a few tenths of a percent of the shots at sigma 1-3 deg)
    assert abs(missed.sum() - expected) <= 4 * sd + 0.002 * len(r), (missed.sum(), expected, sd)
    assert 0.1 < expected / len(r) < 0.9  # a case where the bias matters


def test_the_check_corrects_the_bias(make_scenario, tmp_path):
    """A 20-degree 1-sigma error (40 for a basic crew) misses nearly every shot until the crew's check, 200 s after
    the set-up at 0 s (scaled by its reaction-time factor: 300 s for a basic crew); once the tracks held through the
    check have converged on the true measurements (their filters take a minute or two after a jump of tens of
    degrees), none misses for aim error."""
    n = 40
    data = _scenario(tmp_path, 20.0, alignment={"correction": "200 s"}, crew="basic", count=10)
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(n), seed=4)
    engine.run()
    ev = engine.events
    shots = ev[ev.kind.isin(["kill", "miss"])]
    before, after = shots[shots.time < 300.0], shots[shots.time > 300.0 + 200.0]
    assert (before.reason == "aim_error").mean() > 0.5
    assert len(after) > 0 and (after.reason != "aim_error").all()


def test_no_missile_is_launched_at_a_solution_beyond_its_range(make_scenario, tmp_path):
    """The check's correction moves every plot by tens of degrees at once: the fire unit's tracks, fed the jump,
    take a velocity it does not have and predict intercepts far off. The missile (20 km maximum range) is launched
    only at a solution within its range of the unit plus the acquisition basket (1 km; a launch event is placed at
    its aim point): farther, it would miss whatever the target did inside its envelope. (The truth's intercept lay
    inside the envelope all along: when only it was checked, 33 of 646 launches aimed beyond 20 km, up to 83 km,
    their missiles flying for up to 92 s.)"""
    data = _scenario(tmp_path, 20.0, alignment={"correction": "200 s"}, crew="basic", count=10)
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(40), seed=4)
    engine.run()
    ev = engine.events
    launches = ev[ev.kind == "launch"]
    reach = np.hypot(launches.x - world.fire_position[0, 0], launches.y - world.fire_position[0, 1])
    assert len(launches) > 400 and reach.max() <= 20e3 + BASKET
    assert launches.time_of_flight.max() <= math.hypot(20e3 + BASKET, 700.0) / 900.0 + 1e-6  # (900 m/s on average)


def test_no_alignment_no_bias(make_scenario, tmp_path):
    data = _scenario(tmp_path, 20.0)
    data["units"][0].pop("alignment")
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(20), seed=4)
    engine.run()
    ev = engine.events
    assert not (ev[ev.kind == "miss"].reason == "aim_error").any()


def test_a_positive_bias_turns_azimuths_clockwise():
    """The convention: a radar whose north is off by +10 degrees reports a target due north of it at azimuth 10
    degrees (east of north), at the same range and height."""
    from iadsim.engine.phases import rotated

    out = rotated(np.array([[100.0, 10_100.0, 700.0]]), np.array([[100.0, 100.0, 5.0]]), np.radians([10.0]))
    assert out[0] == pytest.approx([100.0 + 1e4 * math.sin(math.radians(10)), 100.0 + 1e4 * math.cos(
        math.radians(10)), 700.0])

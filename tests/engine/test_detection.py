"""The engine's detection draws reproduce the physics: detections per look match the exact Pd."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from iadsim.engine import Engine, build_world
from iadsim.physics import scan
from iadsim.physics.detection import pd
from iadsim.sensors import Geometry, signal_to_interference_db

from ._scenarios import km, scenario_dict

RANGE = 75.6  # km: Pd about 0.6 for a 0.5 m^2 cruise missile at 3 km against the medium-range search radar
TARGET = "cruise-missile"


def _arc(radius: float, start_deg: float, stop_deg: float, n: int) -> list[dict]:
    """Waypoints on a circle around the radar: the slant range stays constant to a few metres."""
    angle = np.radians(np.linspace(start_deg, stop_deg, n))
    return [{"x": km(round(radius * np.sin(a), 4)), "y": km(round(radius * np.cos(a), 4)), "altitude": "3 km",
             "speed": "150 km/h"} for a in angle]


def test_detection_rate_matches_exact_pd_swerling1(make_scenario):
    """One search radar, one Swerling-1 target at constant range, many looks: the count of detections is
    binomial with the exact Pd for that SNR (Richards 2014, eq. 6.99, iadsim.physics.detection.pd); 4 sigma."""
    radar_unit = {"id": "sr", "type": "mr-search-radar", "x": "0 km", "y": "0 km", "mast_height": "15 m"}
    target = {"id": "drone", "type": TARGET, "route": _arc(RANGE, -10, 10, 41)}
    data = scenario_dict([radar_unit], threats=[target], duration="10 min",
                         terrain={"flat": "100 m", "extent": "200 km"})
    data["defended_assets"] = []
    data["doctrine"] = {"tracking": {"confirm_hits": 1, "confirm_looks": 1}}  # every plot of it is reported
    scenario = make_scenario(data)
    world = build_world(scenario)
    radar = scenario.catalog.types["mr-search-radar"]
    # hits per scan (Skolnik): beamwidth x PRF / scan rate, from the physics library
    n_pulses = scan.pulses_per_look(radar.beamwidth.value, 2 * np.pi / radar.scan_period.value, radar.prf.value)

    steps = np.flatnonzero(world.active[:, 0])
    assert world.visible[steps, 0, 0].all() and len(steps) == len(world.times)  # seen all the run
    d = world.position[steps, 0] - world.sensor_position[0]
    slant, ground_range = np.linalg.norm(d, axis=-1), np.hypot(d[:, 0], d[:, 1])
    assert np.ptp(slant) < 5.0  # constant range
    # the sensor model's SINR (radar equation, propagation factor, clutter after MTI; no jamming), then Pd
    rcs = scenario.catalog.types[TARGET].rcs.value
    path = Geometry.flat(ground_range, 15.0, world.height_agl[steps, 0])  # flat ground, default surface
    snr = signal_to_interference_db(radar, path, rcs)
    expected = pd(snr, radar.pfa.value, n_pulses, 1)
    assert 0.2 < expected.mean() < 0.8  # where a wrong Pd would show
    np.testing.assert_allclose(world.pd_look[steps, 0, 0], expected, rtol=1e-5)

    replications = 300
    engine = Engine(world, np.arange(replications), seed=2024, events=False)
    period, phase = radar.scan_period.value, engine.state.tracks.phase[:, 0]
    assert 0 <= phase.min() and phase.max() < period and np.ptp(phase) > period / 2  # a scan phase per replication
    detections = np.zeros(replications, np.int64)
    while engine.state.time_index < len(world.times):
        engine.step()
        for ids, numbers in engine.state.tracks.reports:  # the plots of the target (no false ones)
            rr, tt, when = ids[:, 0], ids[:, 2], numbers[:, 0]
            number = (when - phase[rr]) / period
            np.testing.assert_allclose(number, np.round(number), atol=1e-9)  # at one of its own look times
            np.add.at(detections, rr[tt == 0], 1)
    # each replication looks at phase + n * period up to the end of the run, with the Pd of that look's step
    looks = [phase[r] + period * np.arange(int((world.times[-1] - phase[r]) // period) + 1)
             for r in range(replications)]
    p_looks = [expected[(t // world.step).astype(int)] for t in looks]
    mean = sum(p.sum() for p in p_looks)
    sigma = np.sqrt(sum((p * (1 - p)).sum() for p in p_looks))
    assert abs(detections.sum() - mean) < 4 * sigma, (detections.sum(), mean, sigma)
    # looks are independent (scan-to-scan fluctuation): the per-replication spread is binomial too
    variance = np.mean([(p * (1 - p)).sum() for p in p_looks])
    centred = detections - np.array([p.sum() for p in p_looks])
    assert 0.7 < centred.var() / variance < 1.3


def test_geometries_concatenated_are_the_paths_in_order_and_taken_back_apart():
    a = Geometry.flat([1e3, 2e3], 10.0, [100.0, 200.0])
    b = Geometry.flat([5e4], 12.0, [3000.0], height_std=3.0, specular=False)
    both = Geometry.concatenate([a, b])
    assert np.array_equal(both.ground_range, [1e3, 2e3, 5e4]) and np.array_equal(both.specular, [True, True, False])
    assert np.array_equal(both.antenna_height, [10.0, 10.0, 12.0]) and np.array_equal(both.height_std, [1, 1, 3])
    back = both.take(np.array([2]))
    assert np.array_equal(back.slant_range, b.slant_range) and np.array_equal(back.elevation, b.elevation)
    assert both.clutter_gamma is None and both.surface == a.surface


def test_geometries_of_different_surfaces_are_not_joined():
    a = Geometry.flat([1e3], 10.0, [100.0])
    with pytest.raises(ValueError, match="different surfaces"):
        Geometry.concatenate([a, Geometry.flat([2e3], 10.0, [100.0], surface="sea")])
    two = replace(Geometry.flat([5e3, 6e3], 10.0, [100.0, 100.0]), antenna_height=np.asarray(12.0))  # 0-d field
    both = Geometry.concatenate([a, two])
    assert both.ground_range.tolist() == [1e3, 5e3, 6e3] and both.antenna_height.tolist() == [10.0, 12.0, 12.0]


def test_a_target_only_above_the_radars_ceiling_is_not_seen_and_does_not_crash(make_scenario):
    """A drone flying 900 m straight over a search radar is above its cosecant-squared ceiling on every sample it
    is in reach: every path of its Swerling case falls below the Pd's SINR floor, and the exact Pd was asked for
    an empty array (an IndexError ended the run). It is simply not detected there."""
    route = [{"x": km(-0.5), "y": km(0.0), "altitude": "900 m"}, {"x": km(0.5), "y": km(0.0), "altitude": "900 m"}]
    data = scenario_dict([{"id": "sr", "type": "mr-search-radar", "x": km(0), "y": km(0), "mast_height": "15 m"}],
                         threats=[{"id": "over", "type": "drone", "count": 1, "start": "0 s", "route": route,
                                   "altitude_reference": "agl"}], duration="2 min")
    assert len(pd(np.array([]), 1e-6, 25, 1)) == 0
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(2), seed=1)
    engine.run()
    assert not np.isfinite(engine.state.outcomes.first_detection).any()

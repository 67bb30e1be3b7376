"""Two ESM stations fix a jammer (issue 19): each forms its own bearing-only tracks, reports their bearings to a
fire unit, and the fire unit crosses them. Over many replications the fixes scatter as the geometric dilution
of precision of two bearings predicts, computed here from the geometry alone (Stansfield 1947; Torrieri 1984,
sec. III): for bearing errors sigma at ranges r_1, r_2, crossing at psi, the fix's covariance is the inverse of
sum_i n_i n_i^T / (sigma r_i)^2 (n_i the bearing line's normal), whose trace is
(r_1^2 + r_2^2) sigma^2 / sin^2 psi. A fire unit fed by one passive sensor holds no track; fed by two, it holds
one whose height is unknown (ESM bearings have no elevation)."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engine import Engine, build_world

from ._scenarios import scenario_dict

SITES = {"esm-w": (-30e3, 0.0), "esm-e": (30e3, 0.0)}
TARGET = (0.0, 60e3, 8e3)
REPLICATIONS = 400


def _world(make_scenario, stations=("esm-w", "esm-e")):
    """A TELAR at the origin whose radar looks south (away from the jammer), fed by ESM stations; a jammer that
    creeps north from TARGET at 1 m/s (next to no motion between bearings)."""
    units = [{"id": "telar", "type": "mr-telar", "x": "0 km", "y": "0 km",
              "sector": {"center": "180 deg", "width": "60 deg"}}]
    units += [{"id": s, "type": "esm-station", "x": f"{SITES[s][0] / 1e3} km", "y": f"{SITES[s][1] / 1e3} km",
               "mast_height": "10 m"} for s in stations]
    links = [{"from": s, "to": "telar", "carries": "cues"} for s in stations]
    x, y, z = (f"{v / 1e3} km" for v in TARGET)
    raid = {"id": "raid", "type": "fighter", "count": 1, "altitude_reference": "msl",
            "jammer": {"erp": "1 kW", "centre": "9.5 GHz", "bandwidth": "100 MHz"},
            "route": [{"x": x, "y": y, "altitude": z, "speed": "1 m/s"},
                      {"x": x, "y": f"{(TARGET[1] + 100.0) / 1e3} km", "altitude": z}]}
    data = scenario_dict(units, links, threats=[raid], duration="40 s", terrain={"flat": "0 m", "extent": "300 km"})
    data["defended_assets"] = []
    return build_world(make_scenario(data))


def _first_fixes(world, replications):
    """Each replication's fire-unit track when it is first set (its first fix) less the target's position then,
    and the track's covariance then."""
    engine = Engine(world, np.arange(replications), seed=11, events=False)
    pic = engine.state.picture
    first = np.full((replications, 3), np.nan)
    cov = np.full((replications, 3, 3), np.nan)
    while engine.state.time_index < len(world.times) - 1:
        engine.step()
        new = (pic.updates[:, 0, 0] == 1) & np.isnan(first[:, 0])
        first[new] = pic.x[new, 0, 0, :3] - world.position[engine.state.time_index - 1, 0]
        cov[new] = pic.p[new, 0, 0]
        assert not ((pic.updates[:, 0, 0] > 1) & np.isnan(first[:, 0])).any()  # never two fixes in one step
    return first, cov, engine


def _gdop(sigma):
    """The two-bearing fix covariance at TARGET, from the geometry."""
    info = np.zeros((2, 2))
    for sx, sy in SITES.values():
        dx, dy = TARGET[0] - sx, TARGET[1] - sy
        r = np.hypot(dx, dy)
        normal = np.array([dy, -dx]) / r  # perpendicular to the line of sight
        info += np.outer(normal, normal) / (sigma * r) ** 2
    return np.linalg.inv(info)


@pytest.mark.validation
def test_two_esm_stations_fix_a_jammer_with_the_error_the_gdop_predicts(make_scenario, validation):
    world = _world(make_scenario)
    assert not world.ranging[[world.sensor_ids.index(s) for s in SITES]].any()
    sigma = world.scenario.catalog.types["esm-station"].azimuth_accuracy.value
    first, cov, engine = _first_fixes(world, REPLICATIONS)
    assert np.isfinite(first).all()  # every replication fixed the jammer
    error = first[:, :2]
    expected = _gdop(sigma)
    # the trace checks the size (the textbook formula), the Mahalanobis mean the shape (chi-square, 2 dof)
    r1, r2 = (np.hypot(TARGET[0] - sx, TARGET[1] - sy) for sx, sy in SITES.values())
    psi = np.arctan2(30e3, 60e3) * 2
    assert np.trace(expected) == pytest.approx((r1**2 + r2**2) * sigma**2 / np.sin(psi) ** 2, rel=1e-9)
    rms = np.sqrt(np.mean(np.sum(error**2, axis=1)))
    assert rms == pytest.approx(np.sqrt(np.trace(expected)), rel=0.1)  # 400 draws: about 3.5 % standard error
    d2 = np.einsum("ni,ij,nj->n", error, np.linalg.inv(expected), error)
    assert d2.mean() == pytest.approx(2.0, abs=0.35)  # chi-square 2 dof: standard error 2 / sqrt(400) = 0.1
    assert abs(np.mean(error, axis=0)).max() < 4 * rms / np.sqrt(REPLICATIONS)  # no bias
    # the track's east and north variance bounds the fix's error ellipse (its largest eigenvalue); height unknown
    lam = np.linalg.eigvalsh(expected).max()
    assert np.median(cov[:, 0, 0]) >= 0.8 * lam and (cov[:, 0, 0] == cov[:, 1, 0]).all()
    from iadsim.tracking.picture import UNKNOWN_HEIGHT_SIGMA

    assert (cov[:, 2, 0] == UNKNOWN_HEIGHT_SIGMA**2).all()
    assert np.abs(first[:, 2] + TARGET[2] - world.sensor_position[world.sensor_ids.index("esm-w"), 2]).max() < 1e-6
    # each station follows the jammer in bearing (its own tracks), and the TELAR's radar never saw it
    st = engine.state
    for s in SITES:
        assert np.isfinite(st.tracks.confirmed_at[:, world.sensor_ids.index(s), 0]).all()
    assert not world.visible[:, world.sensor_ids.index("telar"), 0].any()
    validation("two-ESM fix RMS error [m] (engine, fire unit's first fix)",
               "GDOP of two bearings, (r1^2 + r2^2) sigma^2 / sin^2 psi, computed in the test", rms,
               np.sqrt(np.trace(expected)), rel=0.1)


def test_one_esm_station_places_nothing(make_scenario):
    """One station's bearings reach the TELAR, but a bearing alone places no target: the TELAR holds no track,
    and its kill chain has its own radar as picture, not the station's bearings alone."""
    world = _world(make_scenario, stations=("esm-w",))
    engine = Engine(world, np.arange(20), seed=3, events=False)
    engine.run()
    st = engine.state
    assert np.isfinite(st.tracks.confirmed_at[:, world.sensor_ids.index("esm-w"), 0]).all()  # it follows it
    assert st.readiness.feeds[:, 0, world.sensor_ids.index("esm-w")].all()  # its bearings reach the TELAR
    assert (st.picture.updates == 0).all() and (st.outcomes.engagements == 0).all()

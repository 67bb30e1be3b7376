"""Two passive stations fix a target (issue 19): each forms its own bearing-only tracks and reports its bearings
to a fire unit, and the fire unit crosses them. Over many replications the fixes scatter as the geometric
dilution of precision of two bearings predicts, computed here from the geometry alone (Stansfield 1947;
Torrieri 1984, sec. III): for bearing errors sigma at ranges r_1, r_2, crossing at psi, the fix's covariance is
the inverse of sum_i n_i n_i^T / (sigma r_i)^2 (n_i the bearing line's normal), whose trace is
(r_1^2 + r_2^2) sigma^2 / sin^2 psi. Two ESM stations (bearings only) leave the height unknown; two IRSTs
(bearing and elevation) measure it, with the error the fire unit's track claims. A fire unit fed by one passive
sensor holds no track."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.analysis.metrics import fire_unit_picture, picture_quality
from iadsim.engine import Engine, build_world
from iadsim.tracking.picture import UNKNOWN_HEIGHT_SIGMA

from ._scenarios import scenario_dict

REPLICATIONS = 400
# case -> (station type, the stations' distance east and west, the target's distance north and height [m], its
# emission): the IRSTs' range needs the target nearer; high above them, a bearing's error across the line of sight
# is cos(elevation) times the bearing's (53 degrees here: its error 1.7 times the catalog's, were it drawn there)
CASES = {"esm-station": ("esm-station", 30e3, 60e3, 8e3,
                         {"jammer": {"erp": "1 kW", "centre": "9.5 GHz", "bandwidth": "100 MHz"}, "emission": "off"}),
         "irst-station": ("irst-station", 15e3, 30e3, 8e3, {"emission": "off"}),
         "irst-station-high": ("irst-station", 10e3, 5e3, 15e3, {"emission": "off"})}


def _geometry(case):
    _, across, north, height, _ = CASES[case]
    sites = {"west": (-across, 0.0), "east": (across, 0.0)}
    return sites, (0.0, north, height)


def _world(make_scenario, case="esm-station", stations=("west", "east")):
    """A TELAR at the origin whose radar looks south (away from the target), fed by passive stations; a target
    that creeps north from its point at 1 m/s (next to no motion between bearings)."""
    sites, target = _geometry(case)
    kind = CASES[case][0]
    units = [{"id": "telar", "type": "mr-telar", "x": "0 km", "y": "0 km",
              "sector": {"center": "180 deg", "width": "60 deg"}}]
    units += [{"id": s, "type": kind, "x": f"{sites[s][0] / 1e3} km", "y": f"{sites[s][1] / 1e3} km",
               "mast_height": "10 m"} for s in stations]
    links = [{"from": s, "to": "telar", "carries": "cues"} for s in stations]
    x, y, z = (f"{v / 1e3} km" for v in target)
    raid = {"id": "raid", "type": "fighter", "count": 1, "altitude_reference": "msl", **CASES[case][4],
            "route": [{"x": x, "y": y, "altitude": z, "speed": "1 m/s"},
                      {"x": x, "y": f"{(target[1] + 100.0) / 1e3} km", "altitude": z}]}
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


def _gdop(sites, target, sigma):
    """The two-bearing fix covariance at the target, from the geometry."""
    info = np.zeros((2, 2))
    for sx, sy in sites.values():
        dx, dy = target[0] - sx, target[1] - sy
        r = np.hypot(dx, dy)
        normal = np.array([dy, -dx]) / r  # perpendicular to the line of sight
        info += np.outer(normal, normal) / (sigma * r) ** 2
    return np.linalg.inv(info)


def _height_variance(world, sites, target, fix_cov, sigma):
    """The variance of the fire unit's height estimate, first principles: it weighs each station's height
    z_c = h_c + g_c tan(el_c) by 1 / var_c, var_c = (g_c sigma / cos^2 el_c)^2 + tan^2(el_c) u_c' C u_c (C the
    fix's covariance, u_c the ground direction from the station); its error is the weighted sum of each
    station's elevation error (independent) and tan(el_c) times the fix's error along u_c (shared), so
    var = sum_c w_c^2 (g_c sigma / cos^2 el_c)^2 + v' C v with v = sum_c w_c tan(el_c) u_c."""
    parts = []
    for c, (sx, sy) in enumerate(sites.values()):
        g = np.hypot(target[0] - sx, target[1] - sy)
        u = np.array([target[0] - sx, target[1] - sy]) / g
        el = np.arctan2(target[2] - world.sensor_position[1 + c, 2], g)
        own = (g * sigma / np.cos(el) ** 2) ** 2
        parts.append((own, np.tan(el) * u, own + np.tan(el) ** 2 * u @ fix_cov @ u))
    w = np.array([1 / var for *_, var in parts])
    w /= w.sum()
    v = sum(wc * lever for wc, (_, lever, _) in zip(w, parts, strict=True))
    return float(sum(wc**2 * own for wc, (own, _, _) in zip(w, parts, strict=True)) + v @ fix_cov @ v)


@pytest.mark.validation
@pytest.mark.parametrize("case", list(CASES))
def test_two_passive_stations_fix_a_target_with_the_error_the_gdop_predicts(make_scenario, validation, case):
    world = _world(make_scenario, case)
    sites, target = _geometry(case)
    kind = CASES[case][0]
    assert not world.ranging[1:].any()
    sigma = world.scenario.catalog.types[kind].azimuth_accuracy.value
    first, cov, engine = _first_fixes(world, REPLICATIONS)
    assert np.isfinite(first).all()  # every replication fixed the target
    error = first[:, :2]
    expected = _gdop(sites, target, sigma)
    # the trace checks the size (the textbook formula), the Mahalanobis mean the shape (chi-square, 2 dof)
    r1, r2 = (np.hypot(target[0] - sx, target[1] - sy) for sx, sy in sites.values())
    psi = 2 * np.arctan2(sites["east"][0], target[1])
    assert np.trace(expected) == pytest.approx((r1**2 + r2**2) * sigma**2 / np.sin(psi) ** 2, rel=1e-9)
    rms = np.sqrt(np.mean(np.sum(error**2, axis=1)))
    assert rms == pytest.approx(np.sqrt(np.trace(expected)), rel=0.1)  # 400 draws: about 3.5 % standard error
    d2 = np.einsum("ni,ij,nj->n", error, np.linalg.inv(expected), error)
    assert d2.mean() == pytest.approx(2.0, abs=0.35)  # chi-square 2 dof: standard error 2 / sqrt(400) = 0.1
    assert abs(np.mean(error, axis=0)).max() < 4 * rms / np.sqrt(REPLICATIONS)  # no bias
    # the track's east and north variance bounds the fix's error ellipse (its largest eigenvalue)
    lam = np.linalg.eigvalsh(expected).max()
    assert np.median(cov[:, 0, 0]) >= 0.8 * lam and (cov[:, 0, 0] == cov[:, 1, 0]).all()
    if kind == "esm-station":  # bearings only: the height is unknown, at the first station's
        assert (cov[:, 2, 0] == UNKNOWN_HEIGHT_SIGMA**2).all()
        assert np.abs(first[:, 2] + target[2] - world.sensor_position[1, 2]).max() < 1e-6
    else:  # elevations measure it: the error the estimate's linearisation predicts, and the track claims more
        predicted = _height_variance(world, sites, target, expected, sigma)
        z2 = first[:, 2] ** 2 / predicted
        assert z2.mean() == pytest.approx(1.0, abs=0.25)  # chi-square 1 dof: standard error 0.07
        assert abs(first[:, 2].mean()) < 4 * np.sqrt(predicted / REPLICATIONS)
        assert (cov[:, 2, 0] >= 0.8 * predicted).all() and (cov[:, 2, 0] < UNKNOWN_HEIGHT_SIGMA**2).all()
    # each station follows the target in angle (its own tracks), and the TELAR's radar never saw it
    st = engine.state
    assert np.isfinite(st.tracks.confirmed_at[:, 1:, 0]).all()
    assert not world.visible[:, 0, 0].any()
    # the picture quality expects the TELAR to hold it where two stations place it (the IRSTs: with its height)
    # and finds it held; the TELAR holds the ESM stations' fix too (N), but bearings alone do not place a target;
    # the sensors' own pictures do not score angle tracks
    counts = fire_unit_picture(world, st)
    placed = float(kind == "irst-station")
    assert (counts[:, 0, 1] == placed).all() and (counts[:, 0, 2] == placed).all() and (counts[:, 0, 3] == 1).all()
    assert (picture_quality(world, st)[:, 1:] == 0).all()
    elevation = np.degrees(np.arctan2(target[2], r1))
    validation(f"two-{kind.split('-')[0].upper()} fix RMS error [m] (engine, fire unit's first fix, the target "
               f"{elevation:.0f} deg above the stations)",
               "GDOP of two bearings, (r1^2 + r2^2) sigma^2 / sin^2 psi, computed in the test", rms,
               np.sqrt(np.trace(expected)), rel=0.1)


def test_one_passive_station_places_nothing(make_scenario):
    """One station's bearings reach the TELAR, but a bearing alone places no target: the TELAR holds no track."""
    world = _world(make_scenario, stations=("west",))
    engine = Engine(world, np.arange(20), seed=3, events=False)
    engine.run()
    st = engine.state
    assert np.isfinite(st.tracks.confirmed_at[:, 1, 0]).all()  # it follows it
    assert st.readiness.feeds[:, 0, 1].all()  # its bearings reach the TELAR
    assert (st.picture.updates == 0).all() and (st.outcomes.engagements == 0).all()
    assert (fire_unit_picture(world, st)[:, 0, 1] == 0).all()  # nor should it: one line of sight places nothing

"""The engine's World and the coverage maps ask the same sensor model, so they agree at the same point: a
target at a cell centre at a band's height is detected with Pd >= 0.5 in the World exactly when coverage
counts the cell, for reasons of sector (across north), terrain masking, range and Pd alike; and a launcher's
sector limits both the World's engagement geometry and coverage's engagement the same way."""

from __future__ import annotations

import numpy as np

from iadsim.analysis.coverage import coverage_maps
from iadsim.engine import build_world
from iadsim.sensors import Geometry, in_sector, sensor_model

from ._flat import drone

HEIGHT = 300.0  # the drones' height above ground and the coverage band [m]
SEARCH = (0.5, 0.5)  # km, a cell centre
LOADER = (0.5, -20.5)


def _cell_centre(origin, bearing_deg: float, distance_km: float) -> tuple[float, float]:
    """The 1 km cell centre [km] nearest the point at a bearing and distance from `origin` (a cell centre)."""
    b = np.deg2rad(bearing_deg)
    return (round(origin[0] - 0.5 + distance_km * np.sin(b)) + 0.5,
            round(origin[1] - 0.5 + distance_km * np.cos(b)) + 0.5)


def _scenario(flat_scenario):
    units = [
        # a search radar looking north across 0 deg (320..20 deg), an unsectored TELAR guiding a launcher-loader
        # that may only fire east (60..120 deg)
        {"id": "search", "type": "mr-search-radar", "x": f"{SEARCH[0]} km", "y": f"{SEARCH[1]} km",
         "sector": {"center": "350 deg", "width": "60 deg"}},
        {"id": "telar", "type": "mr-telar", "x": "1.5 km", "y": "-20.5 km"},
        {"id": "loader", "type": "mr-launcher-loader", "x": f"{LOADER[0]} km", "y": f"{LOADER[1]} km",
         "sector": {"center": "90 deg", "width": "60 deg"}},
    ]
    links = [{"from": "telar", "to": "loader", "carries": "fire-control"}]
    # around the search radar: every 15 deg, every 6 km out to 96 km (beyond the 84 km radio horizon at 300 m)
    threats = [drone(f"s{bearing}-{distance}", *_cell_centre(SEARCH, bearing, distance))
               for bearing in range(0, 360, 15) for distance in range(6, 97, 6)]
    # around the launcher-loader, inside its missile's 3..45 km: some in its sector, some not
    threats += [drone(f"l{bearing}", *_cell_centre(LOADER, bearing, 12)) for bearing in range(0, 360, 30)]
    return flat_scenario(units, threats, half=100e3, links=links)


def test_world_and_coverage_agree_on_detection_and_engagement(flat_scenario):
    scenario = _scenario(flat_scenario)
    world = build_world(scenario)
    maps = coverage_maps(scenario, bands=(HEIGHT,))
    terrain = scenario.terrain
    xy = world.position[0, :, :2]
    rows, cols = terrain.xy_to_rowcol(xy[:, 0], xy[:, 1])
    cx, cy = terrain.rowcol_to_xy(rows, cols)
    assert np.allclose(cx, xy[:, 0]) and np.allclose(cy, xy[:, 1])  # every target sits on a cell centre
    assert np.allclose(world.height_agl[0], HEIGHT) and world.active[0].all()

    cases = set()
    for sensor_id in ("search", "telar"):
        s, c = world.sensor_ids.index(sensor_id), maps.sensor_ids.index(sensor_id)
        pd = world.pd_look[0, s].astype(float)
        assert not np.any(np.abs(pd - 0.5) < 1e-4)  # no target on the threshold, where rounding could decide
        in_world = world.visible[0, s] & (pd >= 0.5)
        in_coverage = maps.detection[c, 0, rows, cols]
        np.testing.assert_array_equal(in_world, in_coverage, err_msg=sensor_id)
        # the same model gives the same Pd at the same point, whichever geometry computed it
        model = sensor_model(scenario, scenario.unit(sensor_id))
        site = scenario.sites[sensor_id]
        dx, dy = xy[:, 0] - site.x, xy[:, 1] - site.y
        ground = np.hypot(dx, dy)
        vis = world.visible[0, s]
        p = model.pd_per_look(Geometry.flat(ground[vis], model.antenna_height, HEIGHT), 0.1, 1)  # flat ground
        np.testing.assert_allclose(pd[vis], p, rtol=1e-6, atol=1e-7)
        cases |= {("visible", bool(v), bool(q >= 0.5)) for v, q in zip(world.visible[0, s], pd, strict=True)}
        if sensor_id == "search":
            sector_ok = in_sector(scenario.unit("search").sector, dx, dy)
            cases |= {("sector", bool(v)) for v in sector_ok}
            assert not world.visible[0, s][~sector_ok].any()
            beyond_horizon = ground > 90e3  # and beyond diffraction's reach: Pd is 0 out there
            assert beyond_horizon.any() and not in_world[beyond_horizon].any()
    # the sample exercises every branch: out of sight, seen with Pd below and above 0.5, either side of the sector
    assert {("visible", False, False), ("visible", True, False), ("visible", True, True),
            ("sector", True), ("sector", False)} <= cases

    # the launcher's sector: the engine's World carries it, and coverage's engagement follows the same rule
    f, e = world.fire_ids.index("loader"), maps.fire_ids.index("loader")
    loader_site = scenario.sites["loader"]
    expected = in_sector(scenario.unit("loader").sector, xy[:, 0] - loader_site.x, xy[:, 1] - loader_site.y)
    assert world.fire_sector[f] == scenario.unit("loader").sector
    assert world.fire_sector[world.fire_ids.index("telar")] is None  # no sector: all round
    near = np.array([t.startswith("l") for t in world.target_ids])
    telar = world.sensor_ids.index("telar")
    seen = world.visible[0, telar] & (world.pd_look[0, telar] >= 0.5)
    check = near & seen  # inside the missile's box and detected by the guiding TELAR: only the sector decides
    assert check.sum() >= 4 and expected[check].any() and not expected[check].all()
    np.testing.assert_array_equal(maps.engagement[e, 0, rows[check], cols[check]], expected[check])

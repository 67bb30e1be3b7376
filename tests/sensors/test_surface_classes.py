"""Reflection over land cover: the ray reflected at a specular point over a class mapped to water reflects off
water, over ground off ground. The same paths are worked with a scenario made of that one surface: a path
over a lake in a land scenario must get exactly the factor it gets in a scenario of fresh water."""

from __future__ import annotations

import numpy as np

from iadsim.sensors import propagation_factor

from ._paths import geometry_to, radar_over

N = 800  # 24 km square, the radar in the middle


def scenario_over(folder, codes: np.ndarray | None, surface: str):
    """Flat ground at 100 m, a VHF radar on a 20 m mast, land cover ``codes`` and the scenario's surface."""
    return radar_over(folder, np.full((N, N), 100.0), codes, radar="ew-radar", mast="20 m",
                      surface=f"type: {surface}, roughness: 0.1 m")


def factors(scenario, x, y, height):
    path, _ = geometry_to(scenario, "sr", x, y, height)
    return propagation_factor(scenario.catalog.types[scenario.unit("sr").type], path)


def test_paths_over_a_lake_reflect_off_water_and_the_others_off_ground(tmp_path):
    # targets 2-10 km east and west at 300 m: the specular points lie 0.13-0.6 km from the radar, on its side
    ranges = np.linspace(2e3, 10e3, 9)
    codes = np.full((N, N), 10, dtype=np.uint8)  # tree cover (ground) ...
    codes[:, N // 2:N // 2 + 40] = 80  # ... and a lake 1.2 km wide east of the radar
    mixed = scenario_over(tmp_path / "mixed", codes, "medium-dry-ground")
    water = scenario_over(tmp_path / "water", None, "fresh-water")
    ground = scenario_over(tmp_path / "ground", None, "medium-dry-ground")
    site = mixed.sites["sr"]
    x = site.x + np.concatenate([ranges, -ranges])
    y = np.full(x.shape, site.y)
    got = factors(mixed, x, y, 300.0)
    east, west = slice(0, 9), slice(9, 18)
    np.testing.assert_array_equal(got[east], factors(water, x, y, 300.0)[east])
    np.testing.assert_array_equal(got[west], factors(ground, x, y, 300.0)[west])
    # and the surfaces differ here by far more than rounding, so the test tells them apart (near grazing both
    # reflect almost fully in horizontal polarisation: about 1 % of F at VHF)
    over_water, over_ground = factors(water, x, y, 300.0), factors(ground, x, y, 300.0)
    assert (np.abs(over_water - over_ground) / over_ground).max() > 5e-3


def test_a_table_class_without_a_surface_leaves_reflection_to_the_scenario(tmp_path):
    codes = np.full((N, N), 10, dtype=np.uint8)  # tree cover names no surface of its own
    assert scenario_over(tmp_path / "trees", codes, "wet-ground").surface_classes is None


def test_a_steered_beam_over_several_surfaces_takes_each_paths_own_surface(tmp_path):
    """A fire-control radar's boresight (one per target) against paths shaped (steps, 1), as a stand-off
    jammer's are: every path gets the factor of its own surface, the arrays broadcast as without land cover."""
    codes = np.full((N, N), 10, dtype=np.uint8)
    codes[:, N // 2:N // 2 + 40] = 80
    mixed = scenario_over(tmp_path / "mixed", codes, "medium-dry-ground")
    water = scenario_over(tmp_path / "water", None, "fresh-water")
    ground = scenario_over(tmp_path / "ground", None, "medium-dry-ground")
    radar = mixed.catalog.types["sr-radar"]
    assert radar.role == "fire-control"
    site = mixed.sites["sr"]
    x = (site.x + np.array([3e3, -3e3, 6e3, -6e3]))[:, None]  # (4, 1): east over the lake, west over trees
    y = np.full(x.shape, site.y)
    boresight = np.array([[0.01, 0.03, 0.05]])  # (1, 3): three targets' elevations
    got = propagation_factor(radar, geometry_to(mixed, "sr", x, y, 300.0)[0], boresight=boresight)
    assert got.shape == (4, 3)
    over_water = propagation_factor(radar, geometry_to(water, "sr", x, y, 300.0)[0], boresight=boresight)
    over_ground = propagation_factor(radar, geometry_to(ground, "sr", x, y, 300.0)[0], boresight=boresight)
    np.testing.assert_array_equal(got[[0, 2]], over_water[[0, 2]])
    np.testing.assert_array_equal(got[[1, 3]], over_ground[[1, 3]])


def test_a_window_of_the_scenario_cuts_the_land_cover_with_the_terrain(tmp_path):
    codes = np.full((N, N), 10, dtype=np.uint8)
    codes[:, N // 2:N // 2 + 40] = 80
    scenario = scenario_over(tmp_path / "mixed", codes, "medium-dry-ground")
    window = (100, 300, 350, 700)
    cut = scenario.on_window(window)
    assert cut.terrain.shape == (200, 350) == cut.clutter_map.shape == cut.surface_classes.shape
    np.testing.assert_array_equal(cut.clutter_map, scenario.clutter_map[100:300, 350:700])
    np.testing.assert_array_equal(cut.surface_classes, scenario.surface_classes[100:300, 350:700])

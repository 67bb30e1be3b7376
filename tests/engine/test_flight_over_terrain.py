"""Flight over terrain: AGL routes flown within the type's climb and descent limits, above its clearance.

The reference profile over a ridge of known shape is worked out here from the geometry: over a triangular
ridge steeper than the aircraft can climb, the lowest flyable path is the wanted height over the ground
except where the straight climb to (and descent from) the crest, at the limiting gradients, lies higher.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import rasterio
from rasterio.transform import Affine
from tests.scenario._helpers import line_containing, run_cli

from iadsim.engine.world import _trajectories
from iadsim.scenario import load_scenario
from iadsim.scenario.load import TerrainWarning

from ._scenarios import EXAMPLES

CELL = 10.0
RIDGE_HEIGHT = 300.0
RIDGE_HALF_WIDTH = 1000.0  # slope 0.3: steeper than a helicopter at 75 m/s climbs (12 m/s: 0.16)
HEIGHT = 50.0  # wanted height above the ground [m]


def ridge(x):
    """Ground [m] of the north-south triangular ridge whose crest is at x = 0."""
    return np.maximum(RIDGE_HEIGHT * (1 - np.abs(x) / RIDGE_HALF_WIDTH), 0.0)


@pytest.fixture
def ridge_scenario(tmp_path):
    # 24 km x 2 km, cell centres on whole multiples of 10 m from the crest, so bilinear heights are the ridge's
    n_cols, n_rows = 2401, 201
    xs = (np.arange(n_cols) - 1200) * CELL
    heights = np.tile(ridge(xs), (n_rows, 1)).astype("float32")
    transform = Affine(CELL, 0, 500_000 - 1200.5 * CELL, 0, -CELL, 5_000_000 + 100.5 * CELL)
    with rasterio.open(tmp_path / "ridge.tif", "w", driver="GTiff", width=n_cols, height=n_rows, count=1,
                       dtype="float32", crs="EPSG:32633", transform=transform) as dst:
        dst.write(heights, 1)
    (tmp_path / "s.yaml").write_text(f"""\
name: ridge
duration: 5 min
step: 1 s
terrain: {{source: ridge.tif}}
units: []
threats:
  - id: helo
    type: attack-helicopter
    route:
      - {{x: -10 km, y: 0 km, altitude: {HEIGHT:g} m, speed: 75 m/s}}
      - {{x: 10 km, y: 0 km, altitude: {HEIGHT:g} m, speed: 75 m/s}}
""")
    return tmp_path / "s.yaml"


def flown(scenario):
    """(times, positions (K, 3)) of the scenario's first target, one per second."""
    times = np.arange(0.0, scenario.spec.duration + 1e-9, 1.0)
    paths = _trajectories(scenario, times)[4]
    return times, paths[0][0]


@pytest.mark.validation
def test_clearance_is_held_over_a_ridge_and_the_climb_starts_ahead_of_it(ridge_scenario, validation):
    with pytest.warns(TerrainWarning):
        scenario = load_scenario(ridge_scenario)
    aircraft = scenario.catalog.types["attack-helicopter"]
    climb, descent = aircraft.climb_rate.value / 75.0, aircraft.descent_rate.value / 75.0  # per metre flown
    times, position = flown(scenario)
    x = position[:, 0] - scenario.origin_xy[0]
    ground = ridge(x)
    crest = RIDGE_HEIGHT + HEIGHT
    expected = np.maximum(ground + HEIGHT, np.where(x < 0, crest + climb * x, crest - descent * x))
    on_route = times <= 20_000 / 75.0
    validation("terrain-following flight over a ridge", "triangular ridge: climb and descent lines worked out in "
               "the test", position[on_route, 2], expected[on_route], abs=0.05)
    # the clearance is held everywhere, and the climb starts ahead of the ridge's foot
    assert (position[:, 2] - ground >= HEIGHT - 0.05).all()
    start = x[np.argmax(position[:, 2] > HEIGHT + 0.5)]
    assert start == pytest.approx(-(crest - HEIGHT) / climb, abs=75.0)  # one 1 s sample at 75 m/s
    assert start < -RIDGE_HALF_WIDTH
    # rates: never faster than the type's limits
    rate = np.diff(position[:, 2]) / np.diff(times)
    assert rate.max() <= aircraft.climb_rate.value + 1e-6 and -rate.min() <= aircraft.descent_rate.value + 1e-6
    assert rate.max() > 0.99 * aircraft.climb_rate.value  # the limit binds: the ridge is steeper


def test_the_warning_says_where_and_by_how_much_the_height_cannot_be_held(ridge_scenario):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scenario = load_scenario(ridge_scenario)
    messages = [str(w.message) for w in caught if issubclass(w.category, TerrainWarning)]
    assert len(messages) == 1
    # the most excess is at the ridge's foot, where the climb line (the type's climb rate at 75 m/s) is highest
    # above the flat ground
    climb = scenario.catalog.types["attack-helicopter"].climb_rate.value / 75.0
    excess = RIDGE_HEIGHT - climb * RIDGE_HALF_WIDTH
    assert messages[0].startswith(f"{ridge_scenario}:11: threats[0].route[1]: cannot hold 50 m above the ground")
    assert f"up to {excess:.0f} m higher, at x -1.0 km, y 0.0 km" in messages[0]


def test_a_wanted_height_below_the_clearance_is_flown_at_the_clearance_with_a_warning(ridge_scenario):
    ridge_scenario.write_text(ridge_scenario.read_text().replace("x: 10 km, y: 0 km, altitude: 50 m",
                                                                 "x: 10 km, y: 0 km, altitude: 2 m"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scenario = load_scenario(ridge_scenario)
    messages = [str(w.message) for w in caught]
    assert any(m.startswith(f"{ridge_scenario}:11: threats[0].route[1].altitude: 2 m above the ground is below the "
                            "type's terrain clearance (10 m): flown at 10 m") for m in messages), messages
    times, position = flown(scenario)
    x = position[:, 0] - scenario.origin_xy[0]
    assert (position[:, 2] - ridge(x) >= 10.0 - 0.05).all()


@pytest.mark.validation
@pytest.mark.parametrize("name", ["airbase-as-designed", "reference-large"])
def test_climb_and_descent_rates_never_exceed_the_limits_on_the_examples(name, validation):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TerrainWarning)
        scenario = load_scenario(EXAMPLES / f"{name}.yaml")
    times = np.arange(0.0, scenario.spec.duration + 1e-9, 1.0)
    flights = scenario.spec.threats + scenario.spec.traffic
    checked = 0
    trajectories = _trajectories(scenario, times)
    for flight, (position, *_) in zip(trajectories[1], trajectories[4], strict=True):
        if flight.altitude_reference != "agl":
            continue
        aircraft = scenario.catalog.types[flight.type]
        rate = np.diff(position[:, 2]) / np.diff(times)
        rate = rate[np.isfinite(rate)]
        over = max(rate.max() - aircraft.climb_rate.value, -rate.min() - aircraft.descent_rate.value, 0.0)
        validation(f"climb and descent rates of {flight.id} within its type's limits [m/s over]",
                   "catalog climb_rate and descent_rate", over, 0.0, abs=1e-6)
        ground = scenario.terrain.elevation_at(position[:, 0], position[:, 1])
        # clearance, within what bilinear ground between half-cell samples can add (a metre)
        assert np.nanmin(position[:, 2] - ground) >= aircraft.terrain_clearance.value - 1.0, flight.id
        checked += 1
    assert checked >= len([f for f in flights if f.altitude_reference == "agl"]) >= 2


GLIDER = """\
sources: {mine: "my notes"}
types:
  glider:
    kind: aircraft
    category: drone
    label: "A glider"
    rcs: {value: 1 m^2, source: mine, grade: assumed}
    swerling: 1
    cruise_speed: {value: 30 m/s, source: mine, grade: assumed}
    max_speed: {value: 40 m/s, source: mine, grade: assumed}
"""


def fly_a_glider(folder, scenario, limits: dict) -> None:
    """The ridge scenario flown by a user's glider type with these terrain-following limits (name -> value)."""
    lines = [f"    {name}: {{value: {value}, source: mine, grade: assumed}}\n" for name, value in limits.items()]
    (folder / "types.yaml").write_text(GLIDER + "".join(lines))
    text = scenario.read_text().replace("type: attack-helicopter", "type: glider")
    scenario.write_text(text.replace("units: []", "catalog: [types.yaml]\nunits: []"))


def test_an_agl_route_of_a_type_without_limits_is_refused(tmp_path, ridge_scenario, capsys):
    fly_a_glider(tmp_path, ridge_scenario, {})
    status, out, err = run_cli(capsys, "validate", str(ridge_scenario))
    assert status == 2 and "Traceback" not in err
    assert err.startswith(f"iadsim: {ridge_scenario}:9: threats[0].type: type 'glider' has no climb_rate"), err


@pytest.mark.parametrize("field, value, words", [
    ("climb_rate", "0 m/s", "must be greater than zero"),
    ("descent_rate", "-1 m/s", "must be greater than zero"),
    ("terrain_clearance", "-5 m", "must not be negative"),
])
def test_limits_that_cannot_be_flown_are_refused(tmp_path, ridge_scenario, capsys, field, value, words):
    fly_a_glider(tmp_path, ridge_scenario, {"climb_rate": "5 m/s", "descent_rate": "5 m/s",
                                            "terrain_clearance": "20 m", field: value})
    status, out, err = run_cli(capsys, "validate", str(ridge_scenario))
    assert status == 2 and "Traceback" not in err
    line = line_containing((tmp_path / "types.yaml").read_text(), f"    {field}:")
    assert err.startswith(f"iadsim: {tmp_path / 'types.yaml'}:{line}: types.glider.{field}: {words}"), err


def test_rates_hold_where_the_speed_changes_at_a_waypoint(ridge_scenario):
    """Slow to the foot of the ridge, then fast over it: the climb gradient follows each leg's speed, and the
    rate stays within the limit across the waypoint where the speed triples (sampled every 0.05 s)."""
    ridge_scenario.write_text(ridge_scenario.read_text().replace(
        "      - {x: -10 km, y: 0 km, altitude: 50 m, speed: 75 m/s}\n",
        "      - {x: -10 km, y: 0 km, altitude: 50 m, speed: 25 m/s}\n"
        "      - {x: -1.0023 km, y: 0 km, altitude: 50 m, speed: 75 m/s}\n"))  # between profile samples
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TerrainWarning)
        scenario = load_scenario(ridge_scenario)
    aircraft = scenario.catalog.types["attack-helicopter"]
    times = np.arange(0.0, 500.0, 0.05)
    position = _trajectories(scenario, times)[4][0][0]
    rate = np.diff(position[:, 2]) / np.diff(times)
    assert rate.max() <= aircraft.climb_rate.value + 1e-6
    assert -rate.min() <= aircraft.descent_rate.value + 1e-6
    assert rate.max() > 0.99 * aircraft.climb_rate.value

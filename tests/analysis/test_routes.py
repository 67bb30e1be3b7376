"""Least-exposed routes (issue 26, item 2): the route goes through the gap of a synthetic coverage field, its
exposure is the integral computed here along the path, the turn limit holds, and ``iadsim route`` writes a
scenario that validates and simulates; bad input is one line, exit 2, nothing written."""

from __future__ import annotations

import math
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
import yaml

from iadsim.analysis.routes import SCAN_PHASES, ExposureField, least_exposed_path
from iadsim.cli import main

CELL = 250.0
AIRBASE = Path(__file__).resolve().parents[2] / "examples" / "airbase-as-designed.yaml"
N = 60


def gap_field() -> ExposureField:
    """60 x 60 cells of 250 m (rows run south from y = 0): a faint background, and a wall of rows 28-32 across the
    grid that costs 1e-3 per metre except in the gap of columns 40-44."""
    density = np.full((N, N), 1e-5)
    density[28:33, :] = 1e-3
    density[28:33, 40:45] = 1e-5
    return ExposureField(density, x0=0.0, y0=0.0, dx=CELL, dy=-CELL)


def sampled_exposure(field_density: np.ndarray, points: np.ndarray, samples: int = 4000) -> float:
    """The integral of the density along a polyline by the midpoint rule, the density looked up in the cell
    under each sample (cells of CELL metres, centre of cell (0, 0) at the origin, rows south)."""
    total = 0.0
    for a, b in zip(points[:-1], points[1:], strict=True):
        t = (np.arange(samples) + 0.5) / samples
        x = a[0] + t * (b[0] - a[0])
        y = a[1] + t * (b[1] - a[1])
        cols = np.floor(x / CELL + 0.5).astype(int)
        rows = np.floor(-y / CELL + 0.5).astype(int)
        total += float(field_density[rows, cols].sum()) * math.hypot(b[0] - a[0], b[1] - a[1]) / samples
    return total


def cells_of(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.rint(-points[:, 1] / CELL).astype(int), np.rint(points[:, 0] / CELL).astype(int)


START = (5 * CELL, -55 * CELL)  # south-west
GOAL = (8 * CELL, -3 * CELL)  # north-west: the straight line crosses the wall far from the gap


def test_route_goes_through_the_gap_and_its_exposure_is_the_integral_along_it():
    field = gap_field()
    path = least_exposed_path(field, START, GOAL)
    rows, cols = cells_of(path.points)
    assert (rows[0], cols[0]) == (55, 5) and (rows[-1], cols[-1]) == (3, 8)
    in_wall = (rows >= 28) & (rows <= 32)
    assert in_wall.any() and ((cols[in_wall] >= 40) & (cols[in_wall] <= 44)).all()
    # every move is one of the 16 (a neighbour or a knight's move)
    steps = np.abs(np.diff(np.column_stack([rows, cols]), axis=0))
    assert ({tuple(s) for s in steps} <= {(0, 1), (1, 0), (1, 1), (1, 2), (2, 1)})
    independent = sampled_exposure(field.density, path.points)
    assert path.exposure == pytest.approx(independent, rel=2e-3)
    # through the gap: background only, about 1e-5 per metre over its length
    length = np.hypot(*np.diff(path.points, axis=0).T).sum()
    assert independent == pytest.approx(1e-5 * length, rel=1e-6)
    direct = sampled_exposure(field.density, np.array([START, GOAL]))
    assert direct > 5 * independent  # the wall costs 1e-3 per metre over 5 cells: 1.25 at least


def test_turn_limit_respected_and_deterministic():
    field = gap_field()
    radius = 2000.0
    path = least_exposed_path(field, START, GOAL, turn_radius=radius)
    again = least_exposed_path(field, START, GOAL, turn_radius=radius)
    assert np.array_equal(path.points, again.points) and path.exposure == again.exposure
    d = np.diff(path.points, axis=0)
    bearing = np.arctan2(d[:, 0], d[:, 1])
    change = np.abs(np.angle(np.exp(1j * np.diff(bearing))))
    # adjacent headings of the 16 moves on a square grid differ by atan(1/2) or 45 deg - atan(1/2)
    largest = math.atan(0.5)
    assert (change <= largest + 1e-9).all()
    turns = np.flatnonzero(change > 1e-9) + 1  # the points where the heading changes
    assert len(turns) >= 2  # the detour to the gap and back needs turns
    need = 2 * radius * math.tan(largest / 2)  # straight flight an arc of this radius needs to round both corners
    between = [np.hypot(*(path.points[b] - path.points[a])) for a, b in zip(turns[:-1], turns[1:], strict=True)]
    assert min(between) >= need - 1e-6
    # and it still finds the gap, at a cost no lower than the unconstrained route's
    rows, cols = cells_of(path.points)
    in_wall = (rows >= 28) & (rows <= 32)
    assert ((cols[in_wall] >= 40) & (cols[in_wall] <= 44)).all()
    assert path.exposure >= least_exposed_path(field, START, GOAL).exposure - 1e-12


# ------------------------------------------------------------------------------------------------------------
# The command, on flat terrain with two short-range radars leaving a gap at x = -1..1 km on y = 0
# ------------------------------------------------------------------------------------------------------------
SCENARIO = """\
name: two-radars
seed: 3
duration: 12 min
step: 2 s
terrain: {flat: 0 m, extent: 30 km}
catalog: [short.yaml]
defended_assets:
  - {id: base, x: 8 km, y: 12 km, radius: 1 km}
units:
  - {id: west, type: short-radar, x: -6 km, y: 0 km, mast_height: 10 m}
  - {id: east, type: short-radar, x: 6 km, y: 0 km, mast_height: 10 m}
threats:
  - id: raid
    type: utility-helicopter
    target: base
    route:
      - {x: -2 km, y: -12 km, altitude: 30 m}
      - {x: 8 km, y: 12 km, altitude: 30 m}
"""


def short_radar_catalog() -> str:
    """The built-in early-warning radar with a 5 km instrumented range."""
    builtin = yaml.safe_load(files("iadsim.scenario").joinpath("catalog/air_defence.yaml").read_text())
    entry = dict(builtin["types"]["ew-radar"], label="short-range test radar")
    entry["instrumented_range"] = {**entry["instrumented_range"], "value": "5 km", "grade": "assumed"}
    return yaml.safe_dump({"sources": builtin["sources"], "types": {"short-radar": entry}}, sort_keys=False)


@pytest.fixture
def two_radars(tmp_path):
    (tmp_path / "short.yaml").write_text(short_radar_catalog())
    path = tmp_path / "two-radars.yaml"
    path.write_text(SCENARIO)
    return path


def run(capsys, *argv):
    capsys.readouterr()
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_writes_a_route_through_the_gap_that_validates_and_simulates(two_radars, tmp_path, capsys):
    from iadsim.analysis import simulate
    from iadsim.scenario import load_scenario

    out = tmp_path / "routed" / "with-route.yaml"
    out.parent.mkdir()
    status, text, err = run(capsys, "route", two_radars, "--from=-2km,-12km", "--to", "base", "--altitude", "30m",
                            "--out", out)
    assert status == 0, err
    assert "P(detected)" in text and "direct route" in text and "wrote" in text
    assert "\n  - {id: west, type: short-radar" in out.read_text()  # the file's list indentation kept
    written = load_scenario(out)  # the catalog path was rewritten for the new folder
    raid = next(t for t in written.spec.threats if t.id == "least-exposed-base")
    assert raid.type == "utility-helicopter" and raid.target == "base" and raid.altitude_reference == "agl"
    ox, oy = written.origin_xy
    route = written.routes["least-exposed-base"]
    xy = route[:, :2] - (ox, oy)
    assert np.allclose(xy[0], (-2e3, -12e3), atol=1) and np.allclose(xy[-1], (8e3, 12e3), atol=1)
    assert np.allclose(route[:, 2], 30.0)
    # where it crosses y = 0 it is in the gap: more than 5 km (the instrumented range) from both radars
    k = int(np.flatnonzero(np.diff(np.sign(xy[:, 1])) != 0)[0])
    t = -xy[k, 1] / (xy[k + 1, 1] - xy[k, 1])
    x_cross = xy[k, 0] + t * (xy[k + 1, 0] - xy[k, 0])
    assert abs(x_cross) < 1e3
    # through the gap it is far less likely to be detected than on the straight line through the east radar
    route_p, direct_p = (float(text.split(key)[1].split()[0]) for key in ("P(detected) ", "direct route "))
    assert route_p < 0.5 < 0.99 < direct_p
    result = simulate(written, replications=2)
    assert len(result.metrics) == 2


@pytest.mark.parametrize(("args", "named"), [
    (["--from=-2km,-12km", "--to", "nowhere"], "--to"),
    (["--from=8km,12.5km", "--to", "base"], "--from"),  # inside the defended asset
    (["--from=-40km,0km", "--to", "base"], "--from"),  # off the terrain
    (["--from", "-2km", "--to", "base"], "--from"),  # one length
    (["--from", "a,b", "--to", "base"], "--from"),
    (["--from=-2km,-12km", "--to", "base", "--type", "sr-radar"], "--type"),
    (["--from=-2km,-12km", "--to", "base", "--type", "no-such"], "--type"),
    (["--from=-2km,-12km", "--to", "base", "--altitude", "5m"], "--altitude"),  # below the clearance (15 m)
    (["--from=-2km,-12km", "--to", "base", "--altitude", "30km"], "--altitude"),
    (["--from=-2km,-12km", "--to", "base", "--minimise", "fuel"], "--minimise"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(two_radars, tmp_path, capsys, args, named):
    out = tmp_path / "out.yaml"
    status, text, err = run(capsys, "route", two_radars, *args, "--out", out)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and "Traceback" not in err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["short.yaml", "two-radars.yaml"]


# ------------------------------------------------------------------------------------------------------------
# The reported probability against the engine: one radar, one fighter flying a straight chord, 400 replications
# ------------------------------------------------------------------------------------------------------------
CHORD_SCENARIO = """\
name: chord
seed: 5
duration: {duration} s
step: 0.25 s
terrain: {{flat: 0 m, extent: 30 km}}
catalog: [weak.yaml]
defended_assets:
  - {{id: end, x: {x1} m, y: {y} m, radius: 300 m}}
units:
  - {{id: radar, type: weak-radar, x: 0 km, y: 0 km, mast_height: 10 m}}
threats:
  - id: raid
    type: fighter
    target: end
    altitude_reference: agl
    route:
      - {{x: {x0} m, y: {y} m, altitude: 1000 m}}
      - {{x: {x1} m, y: {y} m, altitude: 1000 m}}
"""


def weak_radar_catalog(power: str) -> str:
    """The built-in early-warning radar (10 s scan) with a low peak power and a 14 km instrumented range, so that
    its per-look Pd against a fighter varies along the chords."""
    builtin = yaml.safe_load(files("iadsim.scenario").joinpath("catalog/air_defence.yaml").read_text())
    entry = dict(builtin["types"]["ew-radar"], label="weak test radar")
    entry["instrumented_range"] = {**entry["instrumented_range"], "value": "14 km", "grade": "assumed"}
    entry["peak_power"] = {**entry["peak_power"], "value": power, "grade": "assumed"}
    return yaml.safe_dump({"sources": builtin["sources"], "types": {"weak-radar": entry}}, sort_keys=False)


@pytest.mark.parametrize(("power", "x0", "x1", "y"), [
    ("0.03 W", -12e3, 12e3, 2e3),  # 24 km: about ten scans, Pd per look 0 to 0.3
    ("1 W", -4.2e3, -2.2e3, 3e3),  # 2 km, shorter than one scan's 2.5 km: at most one look, Pd about 0.95
])
def test_probability_agrees_with_the_engine(tmp_path, power, x0, x1, y):
    from iadsim.analysis import simulate
    from iadsim.analysis.routes import route_probability, sensor_hazard
    from iadsim.scenario import load_scenario

    (tmp_path / "weak.yaml").write_text(weak_radar_catalog(power))
    path = tmp_path / "chord.yaml"
    speed = 900 / 3.6  # the fighter's cruise speed
    path.write_text(CHORD_SCENARIO.format(duration=int(abs(x1 - x0) / speed) + 20, x0=x0, x1=x1, y=y))
    scenario = load_scenario(path)
    ox, oy = scenario.origin_xy
    hazard = sensor_hazard(scenario, "fighter", 1000.0)
    p, looks = route_probability(hazard, np.array([[x0 + ox, y + oy], [x1 + ox, y + oy]]))
    n = 400
    result = simulate(scenario, replications=n)
    detected = float(np.isfinite(result.metrics["time_to_first_detection"]).mean())
    standard_error = math.sqrt(max(p * (1 - p), 1e-4) / n)
    assert 0.3 < p < 0.9  # a discriminating case: neither never nor always detected
    assert abs(detected - p) <= 4 * standard_error, (detected, p)
    if abs(x1 - x0) < 10 * speed:  # one look at most: P is the expected number of detecting looks, and the
        assert p == pytest.approx(looks)  # hazard's 1 - exp(-looks) would be far off
        assert abs(detected - (-math.expm1(-looks))) > 4 * standard_error


# ------------------------------------------------------------------------------------------------------------
# Sampling, engagement, a start in the goal's cell, the lower bound, the options errors name
# ------------------------------------------------------------------------------------------------------------
def test_a_narrow_lit_strip_between_route_cell_centres_is_not_missed(two_radars):
    from iadsim.analysis.routes import Hazard, SensorLooks, exposure_field, route_probability
    from iadsim.scenario import load_scenario

    scenario = load_scenario(two_radars)
    terrain = scenario.terrain
    dem = terrain.cell_size[1]  # 30 m: a 250 m route cell is a block of 8 x 8 DEM cells
    assert dem == 30.0 and terrain.shape == (1000, 1000)
    k = round(CELL / dem)
    # a strip of two DEM rows across the whole grid, at the top of a block (its centre is 3.5 rows down):
    # every look there detects
    pd = np.zeros(terrain.shape, np.float32)
    strip = 50 * k
    pd[strip:strip + 2] = 1.0
    speed, period = 60.0, 10.0
    hazard = Hazard((SensorLooks("lamp", period, 0, 0, pd),), terrain, speed, 30.0, "detection")
    field = exposure_field(scenario, "utility-helicopter", 30.0, cell_size=CELL, hazard=hazard)
    x, y_strip = terrain.rowcol_to_xy(strip + 0.5, 500)
    south, north = (float(x), float(y_strip) - 3e3), (float(x), float(y_strip) + 3e3)
    # flying straight north across it: 60 m of strip, 1 / (v T) detecting looks per metre there
    assert field.line_exposure(np.array([south, north])) == pytest.approx(2 * dem / (speed * period), rel=1e-6)
    # and the probability of that crossing: the fraction of scan phases that put a look in the strip
    p, looks = route_probability(hazard, np.array([south, north]))
    assert looks == pytest.approx(2 * dem / (speed * period), abs=1 / SCAN_PHASES)
    assert p == pytest.approx(2 * dem / (speed * period), abs=1 / SCAN_PHASES) and p > 0
    # the search cannot thread the strip: every path north crosses its 60 m
    assert least_exposed_path(field, south, north).exposure >= 2 * dem / (speed * period) * (1 - 1e-6)


def test_engagement_never_exceeds_detection_on_the_example():
    from iadsim.analysis.routes import least_exposed_route, route_probability, sensor_hazard
    from iadsim.scenario import load_scenario

    scenario = load_scenario(AIRBASE)
    height = 100.0
    detection = sensor_hazard(scenario, "fighter", height)
    engagement = sensor_hazard(scenario, "fighter", height, "engagement")
    assert engagement.sensors and (engagement.density() <= detection.density() + 1e-12).all()
    ids = [s.unit_id for s in engagement.sensors]
    assert len(ids) == len(set(ids))  # each guiding radar once
    ox, oy = scenario.origin_xy
    found = least_exposed_route(scenario, (ox - 14e3, oy - 13e3), "airbase", "fighter", height, "engagement")
    site = scenario.sites["airbase"]
    for line in (found.waypoints, np.array([[ox - 14e3, oy - 13e3], [site.x, site.y]]),
                 np.array([[ox - 20e3, oy], [ox + 20e3, oy + 2e3]])):
        engaged, detected = route_probability(engagement, line)[0], route_probability(detection, line)[0]
        assert engaged <= detected + 1e-12
    assert found.direct_probability > 0.5  # the straight line crosses the envelopes


def test_a_start_in_the_goals_route_cell_gives_two_waypoints(two_radars):
    from iadsim.analysis.routes import least_exposed_route
    from iadsim.scenario import load_scenario

    scenario = load_scenario(two_radars)
    site = scenario.sites["base"]
    start = (site.x + 20.0, site.y - 10.0)
    found = least_exposed_route(scenario, start, "base", "utility-helicopter", 30.0)
    assert np.allclose(found.waypoints, [start, (site.x, site.y)])
    assert found.length == pytest.approx(math.hypot(20.0, 10.0))


@pytest.mark.parametrize("write", [False, True])
def test_lower_bound_worded_the_same_with_and_without_out(tmp_path, capsys, write):
    """On the sample terrain the route cannot hold 15 m over the ridges: both ways the figures are 'at least'."""
    out = tmp_path / "routed.yaml"
    argv = ["route", AIRBASE, "--from=-14km,-13km", "--to", "airbase", *(["--out", out] if write else [])]
    status, text, err = run(capsys, *argv)
    assert status == 0, err
    assert "P(detected) at least " in text and "expected detecting looks at least " in text
    assert "a lower bound" in text and "terrain following" in text
    assert out.exists() == write


def test_no_lower_bound_on_flat_ground(two_radars, capsys):
    status, text, err = run(capsys, "route", two_radars, "--from=-2km,-12km", "--to", "base")
    assert status == 0, err
    assert "at least" not in text.replace("at least 0.", "") and "lower bound" not in text


EDGE_SCENARIO = SCENARIO.replace("{id: base, x: 8 km, y: 12 km, radius: 1 km}",
                                 "{id: base, x: 8 km, y: 12 km, radius: 1 km}\n  - {id: rim, x: 14.99 km, y: 5 km, "
                                 "radius: 10 m}")


@pytest.mark.parametrize(("args", "named"), [
    (["--from=-2km,-12km", "--to", "base", "--cell", "10m"], "--cell"),  # too many search states
    # 270 m cells are blocks of 9 DEM cells: the terrain's 1000th column is left out of the route grid
    (["--from=-2km,-12km", "--to", "rim", "--cell", "270m"], "--to"),
    (["--from=14.99km,-5km", "--to", "base", "--cell", "270m"], "--from"),
])
def test_library_errors_name_the_option(tmp_path, capsys, args, named):
    (tmp_path / "short.yaml").write_text(short_radar_catalog())
    path = tmp_path / "edge.yaml"
    path.write_text(EDGE_SCENARIO)
    status, text, err = run(capsys, "route", path, *args)
    lines = err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and named in lines[0] and "Traceback" not in err


@pytest.mark.parametrize("kind", ["directory", "itself", "symlink", "no-folder"])
def test_out_is_checked_before_loading(tmp_path, capsys, two_radars, kind):
    missing = tmp_path / "missing.yaml"  # never loaded: the --out error comes first
    target = {"directory": tmp_path / "dir.yaml", "itself": two_radars, "symlink": tmp_path / "link.yaml",
              "no-folder": tmp_path / "nowhere" / "out.yaml"}[kind]
    if kind == "directory":
        target.mkdir()
    if kind == "symlink":
        target.symlink_to(tmp_path / "elsewhere.yaml")
    scenario = two_radars if kind == "itself" else missing
    before = two_radars.read_bytes()
    status, text, err = run(capsys, "route", scenario, "--from=-2km,-12km", "--to", "base", "--out", target)
    lines = err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and "Traceback" not in err
    assert str(target.name) in lines[0] or "--out" in lines[0]
    assert "missing.yaml" not in lines[0]
    assert two_radars.read_bytes() == before and not (tmp_path / "elsewhere.yaml").exists()

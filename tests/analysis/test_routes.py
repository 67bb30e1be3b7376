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
# Sampling, engagement, a start in the goal's cell, the flown figures, the options errors name
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
def test_flown_figures_worded_the_same_with_and_without_out(tmp_path, capsys, write):
    """On the sample terrain the route cannot hold 15 m over the ridges: both ways the probability is the flown
    one, and the held-at-height figure beside it differs."""
    out = tmp_path / "routed.yaml"
    argv = ["route", AIRBASE, "--from=-14km,-13km", "--to", "airbase", *(["--out", out] if write else [])]
    status, text, err = run(capsys, *argv)
    assert status == 0, err
    flown = float(text.split("P(detected) ")[1].removeprefix("about ").split()[0])
    held = float(text.split("everywhere it would be ")[1].split()[0])
    assert "about" in text and "failures and repairs during the flight (lr-acq, lr-fcr)" in text  # their mtbf
    assert "as flown" in text and "terrain following" in text and "P(detected) at least" not in text
    assert flown != held
    assert out.exists() == write


def test_flown_equals_held_on_flat_ground(tmp_path):
    """On flat ground the flight holds its height: the flown figure differs from the held one only by judging each
    look at the exact point instead of its DEM cell's centre."""
    from iadsim.analysis.routes import flown_probability, route_probability, sensor_hazard
    from iadsim.scenario import load_scenario

    (tmp_path / "weak.yaml").write_text(weak_radar_catalog("0.03 W"))
    path = tmp_path / "chord.yaml"
    path.write_text(CHORD_SCENARIO.format(duration=120, x0=-12e3, x1=12e3, y=2e3))
    scenario = load_scenario(path)
    ox, oy = scenario.origin_xy
    hazard = sensor_hazard(scenario, "fighter", 1000.0)
    line = np.array([[-12e3 + ox, 2e3 + oy], [12e3 + ox, 2e3 + oy]])
    ((flown, looks, excess),) = flown_probability(scenario, hazard, [line])
    held, held_looks = route_probability(hazard, line)
    assert excess == 0.0 and 0.3 < held < 0.9
    assert flown == pytest.approx(held, abs=0.01) and looks == pytest.approx(held_looks, rel=0.02)


@pytest.mark.validation
def test_flown_probability_follows_emission_schedules_and_availability(tmp_path, validation):
    """A radar blinking (20 s on, 20 s off) and up at the start 70 % of the time: the flown figure applies both,
    and agrees with 400 engine replications; always on and always up it would be far off."""
    from iadsim.analysis import simulate
    from iadsim.analysis.routes import flown_probability, sensor_hazard
    from iadsim.scenario import load_scenario

    (tmp_path / "weak.yaml").write_text(weak_radar_catalog("0.1 W"))
    text = CHORD_SCENARIO.format(duration=120, x0=-12e3, x1=12e3, y=2e3).replace(
        "mast_height: 10 m}", "mast_height: 10 m, emcon: {policy: blink, on: 20 s, off: 20 s, offset: 5 s}, "
        "readiness: {availability: 0.7}}")
    assert "blink" in text
    path = tmp_path / "chord.yaml"
    path.write_text(text)
    scenario = load_scenario(path)
    ox, oy = scenario.origin_xy
    line = np.array([[-12e3 + ox, 2e3 + oy], [12e3 + ox, 2e3 + oy]])
    ((flown, _, _),) = flown_probability(scenario, sensor_hazard(scenario, "fighter", 1000.0), [line])
    (tmp_path / "plain.yaml").write_text(CHORD_SCENARIO.format(duration=120, x0=-12e3, x1=12e3, y=2e3))
    plain = load_scenario(tmp_path / "plain.yaml")
    ((always, _, _),) = flown_probability(plain, sensor_hazard(plain, "fighter", 1000.0), [line])
    n = 400
    result = simulate(scenario, replications=n)
    detected = float(np.isfinite(result.metrics["time_to_first_detection"]).mean())
    standard_error = math.sqrt(flown * (1 - flown) / n)
    assert 0.2 < flown < 0.8, flown
    validation("least-exposed route: P(detected) as flown with a blinking radar up 70 % of the time",
               f"{n} engine replications (fraction with a detection), within 4 standard errors", flown, detected,
               abs=4 * standard_error)
    assert abs(always - detected) > 8 * standard_error, (always, detected)


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


# ------------------------------------------------------------------------------------------------------------
# Flown heights: a 1,000 m escarpment the helicopter must climb 6 km ahead of, seen by a radar 60 km off whose
# horizon hides it at its wanted 50 m; the flown probability against 400 engine replications
# ------------------------------------------------------------------------------------------------------------
CLIFF_CELL = 100.0
CLIFF_SHIFT = 37e3  # the DEM's centre (the scenario origin) lies 37 km west of the cliff


def cliff_scenario(tmp_path, power: str) -> Path:
    import rasterio
    from rasterio.transform import Affine

    xs = (np.arange(801) - 770) * CLIFF_CELL  # 77 km west of the cliff to 3 km east, 100 m cells
    ground = np.where(xs >= 0, 1000.0, 0.0).astype("float32")
    with rasterio.open(tmp_path / "cliff.tif", "w", driver="GTiff", width=801, height=21, count=1, dtype="float32",
                       crs="EPSG:32633", transform=Affine(CLIFF_CELL, 0, 500_000 - 770.5 * CLIFF_CELL, 0,
                                                          -CLIFF_CELL, 5_000_000 + 10.5 * CLIFF_CELL)) as dst:
        dst.write(np.tile(ground, (21, 1)), 1)
    text = weak_radar_catalog(power).replace("value: 14 km", "value: 90 km")
    assert "90 km" in text
    (tmp_path / "weak.yaml").write_text(text)
    x0, x1 = -25e3 + CLIFF_SHIFT, 1e3 + CLIFF_SHIFT
    (tmp_path / "cliff.yaml").write_text(f"""\
name: cliff
seed: 7
duration: {int((x1 - x0) / 75.0) + 20} s
step: 0.25 s
terrain: {{source: cliff.tif}}
catalog: [weak.yaml]
defended_assets:
  - {{id: top, x: {x1:g} m, y: 0 m, radius: 200 m}}
units:
  - {{id: radar, type: weak-radar, x: {-75e3 + CLIFF_SHIFT:g} m, y: 0 km, mast_height: 10 m}}
threats:
  - id: raid
    type: attack-helicopter
    target: top
    altitude_reference: agl
    route:
      - {{x: {x0:g} m, y: 0 m, altitude: 50 m}}
      - {{x: {x1:g} m, y: 0 m, altitude: 50 m}}
""")
    return tmp_path / "cliff.yaml"


@pytest.mark.validation
def test_flown_probability_agrees_with_the_engine_over_an_escarpment(tmp_path, validation):
    """At 50 m the helicopter stays below the radar's horizon (about 42 km for a 10 m mast) until the cliff top;
    terrain following climbs from about 6 km ahead of the cliff (12 m/s at 75 m/s), and above about 200 m the
    radar, 50 to 75 km off, sees it: several looks the wanted height never gets."""
    import warnings

    from iadsim.analysis import simulate
    from iadsim.analysis.routes import flown_probability, route_probability, sensor_hazard
    from iadsim.scenario import load_scenario

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the loader warns that the route cannot hold 50 m
        scenario = load_scenario(cliff_scenario(tmp_path, "1.5 kW"))
    ox, oy = scenario.origin_xy
    hazard = sensor_hazard(scenario, "attack-helicopter", 50.0)
    line = np.array([[-25e3 + CLIFF_SHIFT + ox, oy], [1e3 + CLIFF_SHIFT + ox, oy]])
    ((flown, looks, excess),) = flown_probability(scenario, hazard, [line])
    held = route_probability(hazard, line)[0]
    assert excess == pytest.approx(1000.0, abs=30)  # at the cliff's foot it flies at the top's height
    n = 400
    result = simulate(scenario, replications=n)
    detected = float(np.isfinite(result.metrics["time_to_first_detection"]).mean())
    standard_error = math.sqrt(flown * (1 - flown) / n)
    assert 0.3 < flown < 0.9, flown  # discriminating
    validation("least-exposed route: P(detected) as flown (terrain following over a 1,000 m escarpment)",
               f"{n} engine replications (fraction with a detection), within 4 standard errors", flown, detected,
               abs=4 * standard_error)
    assert abs(detected - held) > 8 * standard_error, (detected, held)  # the wanted height alone is far off


# ------------------------------------------------------------------------------------------------------------
# Corridors: the best of many starts, and the run folder's corridors.json in the report
# ------------------------------------------------------------------------------------------------------------
def test_many_starts_give_the_best_single_start():
    field = gap_field()
    south = np.array([(c * CELL, -(N - 1) * CELL) for c in range(N)])  # the whole south row
    best = least_exposed_path(field, south, GOAL)
    rows, cols = cells_of(best.points)
    assert rows[0] == N - 1
    in_wall = (rows >= 28) & (rows <= 32)
    assert ((cols[in_wall] >= 40) & (cols[in_wall] <= 44)).all()
    singles = [least_exposed_path(field, tuple(p), GOAL).exposure for p in south[::3]]
    assert best.exposure <= min(singles) + 1e-12
    own = least_exposed_path(field, tuple(best.points[0]), GOAL)
    assert own.exposure == pytest.approx(best.exposure, rel=1e-12)
    # through the gap at the background rate: no start does better than flying the background all the way
    length = np.hypot(*np.diff(best.points, axis=0).T).sum()
    assert best.exposure == pytest.approx(1e-5 * length, rel=1e-6)
    with pytest.raises(Exception, match="no start"):
        least_exposed_path(field, np.array([(-1e6, 0.0), (1e6, 0.0)]), GOAL)


def test_simulate_keeps_corridors_and_the_report_shows_them(two_radars, tmp_path, capsys):
    from iadsim.analysis.artifacts import read_corridors
    from iadsim.analysis.runfolder import RunFolderError

    folder = tmp_path / "run"
    status, _, err = run(capsys, "simulate", two_radars, "--replications", "2", "--out", folder, "--corridors")
    assert status == 0, err
    data = read_corridors(folder)
    (corridor,) = data["corridors"]
    assert corridor["asset"] == "base" and corridor["type"] == "utility-helicopter"
    assert corridor["height_m"] == 15.0  # the type's terrain clearance
    xy = np.array(corridor["waypoints"])
    assert np.allclose(xy[-1], (8e3, 12e3))
    assert max(abs(xy[0, 0]), abs(xy[0, 1])) > 14.5e3  # from the terrain's edge (30 km square around the origin)
    # the two radars see 5 km around (+-6 km, 0); the base's corridor need not come near them
    sides = np.hypot(xy[:, 0, None] - np.array([-6e3, 6e3]), xy[:, 1, None])
    assert sides.min() > 5e3 and corridor["probability"] == 0.0
    status, _, err = run(capsys, "report", folder, "--out", tmp_path / "r.html")
    assert status == 0, err
    page = (tmp_path / "r.html").read_text()
    assert "Least-exposed corridors" in page and "least-exposed corridor to base" in page
    # a tampered file is named, never drawn
    file = folder / "corridors.json"
    text = file.read_text()
    file.write_text(text.replace('"probability": 0.0', '"probability": 2.0'))
    with pytest.raises(RunFolderError, match="corridors.json"):
        read_corridors(folder)
    file.write_text(text)


def test_corridors_need_a_run_folder(two_radars, capsys):
    status, _, err = run(capsys, "simulate", two_radars, "--replications", "2", "--corridors")
    lines = err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and "--corridors" in lines[0]


def test_the_api_gives_corridors(two_radars, tmp_path):
    import iadsim

    scenario = iadsim.load(two_radars)
    (corridor,) = scenario.corridors()
    assert corridor.asset == "base" and corridor.route is not None and corridor.route.probability == 0.0
    assert np.allclose(corridor.route.waypoints[-1] - scenario.model.origin_xy, (8e3, 12e3))
    (engaged,) = scenario.corridors("engagement")  # the radars guide no fire unit: nothing can engage
    assert engaged.route is not None and engaged.route.probability == 0.0
    with pytest.raises(ValueError, match="mode"):
        scenario.corridors("fuel")
    with pytest.raises(ValueError, match="out"):
        scenario.run(2, corridors=True)


def test_corridor_starts_lie_on_the_maps_edge_not_around_inner_holes():
    from iadsim.analysis.routes import _edge

    density = np.full((12, 12), 1e-5)
    density[:4, :4] = np.inf  # nodata in the north-west corner, joined to the border
    density[6:8, 6:8] = np.inf  # a hole inside the map
    field = ExposureField(density, x0=0.0, y0=0.0, dx=CELL, dy=-CELL)
    rows, cols = cells_of(_edge(field))
    starts = set(zip(rows.tolist(), cols.tolist(), strict=True))
    border = {(r, c) for r in range(12) for c in range(12) if np.isfinite(density[r, c])
              and (r in (0, 11) or c in (0, 11))}
    corner = {(r, c) for r in range(6) for c in range(6) if np.isfinite(density[r, c])
              and (r == 4 or c == 4) and max(r, c) <= 4}  # the flyable cells around the corner's nodata
    assert starts == border | corner
    assert not starts & {(5, 5), (5, 6), (8, 8), (6, 5)}  # around the inner hole


def test_corridor_starts_along_the_threat_axis_outside_the_assets(two_radars):
    """The raid on the base comes from the south-south-west: the corridor starts on the map's edge within 45 deg
    of that bearing from the base, never inside a defended asset."""
    from iadsim.analysis.routes import AXIS_HALF_WIDTH, corridors
    from iadsim.scenario import load_scenario

    scenario = load_scenario(two_radars)
    (corridor,) = corridors(scenario)
    site = scenario.sites["base"]
    sx, sy = corridor.route.start
    raid = scenario.routes["raid"][0]
    offset = math.atan2(sx - site.x, sy - site.y) - math.atan2(raid[0] - site.x, raid[1] - site.y)
    assert abs(math.remainder(offset, 2 * math.pi)) <= AXIS_HALF_WIDTH + 1e-9
    ox, oy = scenario.origin_xy
    assert max(abs(sx - ox), abs(sy - oy)) > 14.5e3  # on the edge of the 30 km square


@pytest.mark.parametrize("tamper", ["reason-and-waypoints", "huge", "not-json"])
def test_a_tampered_corridors_file_is_refused_and_the_report_still_draws_the_map(two_radars, tmp_path, capsys,
                                                                                 tamper):
    import json

    from iadsim.analysis.artifacts import read_corridors
    from iadsim.scenario import InputError

    folder = tmp_path / "run"
    status, _, err = run(capsys, "simulate", two_radars, "--replications", "2", "--out", folder, "--corridors")
    assert status == 0, err
    file = folder / "corridors.json"
    data = json.loads(file.read_text())
    entry = data["corridors"][0]
    if tamper == "reason-and-waypoints":
        entry["reason"] = "none"
    elif tamper == "huge":
        entry["waypoints"][0] = [1e308, -1e308]
    text = "{not json" if tamper == "not-json" else json.dumps(data)
    file.write_text(text)
    with pytest.raises(InputError, match="corridors.json"):  # (a RunFolderError, or the JSON reader's)
        read_corridors(folder)
    status, _, err = run(capsys, "report", folder, "--out", tmp_path / "r.html", "--figures", tmp_path / "figures")
    assert status == 0, err
    page = (tmp_path / "r.html").read_text()
    assert "could not be drawn" not in page and "corridors are not drawn" in page


def test_a_resumed_run_asked_for_corridors_gets_them(two_radars, tmp_path):
    from iadsim.analysis import simulate
    from iadsim.analysis.runfolder import RunWriter
    from iadsim.engine.world import build_world
    from iadsim.scenario import load_scenario

    scenario = load_scenario(two_radars)
    folder = tmp_path / "run"
    RunWriter(folder, scenario, 3, 2, 2, build_world(scenario))  # an interrupted start, without corridors
    simulate(scenario, 2, 3, folder, batch_size=2, corridors=True)
    assert (folder / "corridors.json").is_file()

"""Least-exposed routes (issue 26, item 2): the route goes through the gap of a synthetic coverage field, its
exposure is the integral computed here along the path, the turn limit holds, and ``iadsim route`` writes a
scenario that validates and simulates; bad input is one line, exit 2, nothing written."""

from __future__ import annotations

import math
from importlib.resources import files

import numpy as np
import pytest
import yaml

from iadsim.analysis.routes import ExposureField, least_exposed_path
from iadsim.cli import main

CELL = 250.0
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

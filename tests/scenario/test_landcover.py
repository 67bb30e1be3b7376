"""Land cover in a scenario: the raster sampled on the terrain, its classes checked against the class table,
stored in the run folder, and bad input named by file, line and field.

The raster is the committed SYNTHETIC WorldCover-coded file on the SRTM crop's grid
(tests/data/landcover/PROVENANCE.md): its classes follow elevation rules, so the expected class at a place
is known from the terrain.
"""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from rasterio.transform import Affine

from iadsim.analysis import simulate
from iadsim.report.run import load_run
from iadsim.scenario import load_scenario
from iadsim.scenario.load import TerrainWarning

from ._helpers import run_cli

SCENARIO = """\
name: cover
duration: 1 min
terrain: {{source: dem.tif}}
surface: {{type: medium-dry-ground, landcover: {{path: {path}, classes: {classes}}}}}
origin: {{lat: 44.27, lon: -71.3033}}
units:
  - {{id: sr, type: mr-search-radar, x: -6 km, y: -4 km}}
threats:
  - id: raid
    type: cruise-missile
    altitude_reference: msl
    route:
      - {{x: -8 km, y: 6 km, altitude: 2500 m}}
      - {{x: 8 km, y: 6 km, altitude: 2500 m}}
"""


@pytest.fixture
def folder(tmp_path, data_dir):
    shutil.copy(data_dir / "dem" / "n44w072_mt_washington.tif", tmp_path / "dem.tif")
    shutil.copy(data_dir / "landcover" / "synthetic_worldcover_mt_washington.tif", tmp_path / "cover.tif")
    return tmp_path


def write(folder, path="cover.tif", classes="worldcover"):
    (folder / "s.yaml").write_text(SCENARIO.format(path=path, classes=classes))
    return folder / "s.yaml"


def test_the_raster_is_sampled_on_the_terrain_and_its_classes_give_gamma(folder):
    scenario = load_scenario(write(folder))
    terrain, cover = scenario.terrain, scenario.surface_map
    to_grid = Transformer.from_crs("EPSG:4326", terrain.crs, always_xy=True)
    with rasterio.open(folder / "cover.tif") as src:
        codes = src.read(1)
        rows, cols = np.mgrid[5:236:10, 5:356:10]
        lon, lat = rasterio.transform.xy(src.transform, rows.ravel(), cols.ravel())
    x, y = to_grid.transform(lon, lat)
    r, c = terrain.xy_to_rowcol(np.asarray(x), np.asarray(y))
    # a land-cover cell's centre lands in the DEM cell holding it: same class, cell for cell
    assert np.array_equal(cover.codes[r, c], codes[rows.ravel(), cols.ravel()])
    # the summit (bare, WorldCover 60 -> flatland, -20 dB) and a built-up cell (50 -> metropolitan, 0 dB)
    summit = terrain.xy_to_rowcol(*to_grid.transform(-71.3033, 44.27))
    # WorldCover 60 (bare / sparse vegetation) is flatland in worldcover.yaml: -20 dB at 10 GHz (clutter.yaml)
    assert cover.codes[summit] == 60 and cover.gamma_db[summit] == pytest.approx(-20.0)
    assert 10 * np.log10(scenario.clutter_map[summit]) == pytest.approx(-20.0, abs=1e-5)
    built = np.argwhere(cover.codes == 50)
    assert len(built) > 100 and (cover.gamma_db[cover.codes == 50] == 0.0).all()
    # where there is no land cover (the projected grid's empty corners) the default type, woods (-15 dB), applies
    assert np.allclose(10 * np.log10(scenario.clutter_map[cover.codes == -1]), -15.0)


def test_a_class_the_table_does_not_list_is_refused_naming_the_codes(folder, capsys):
    (folder / "mine.yaml").write_text("name: mine\nclasses:\n  10: {name: trees, clutter: woods}\n"
                                      "  20: {name: scrub, clutter: farmland}\n")
    scenario = write(folder, classes="mine.yaml")
    status, out, err = run_cli(capsys, "validate", str(scenario))
    assert status == 2 and "Traceback" not in err
    assert err.startswith(f"iadsim: {scenario}:4: surface.landcover.classes: the land-cover raster 'cover.tif' "
                          "holds class code(s) 40, 50, 60, 80 that the table 'mine' does not list"), err


def test_a_bad_class_table_names_its_own_file_and_line(folder, capsys):
    (folder / "mine.yaml").write_text("name: mine\nclasses:\n  10: {name: trees, clutter: jungle}\n")
    scenario = write(folder, classes="mine.yaml")
    status, out, err = run_cli(capsys, "validate", str(scenario))
    assert status == 2 and "Traceback" not in err
    assert err.startswith(f"iadsim: {folder / 'mine.yaml'}:3: classes.10: unknown clutter type 'jungle'"), err
    scenario = write(folder, classes="no-such-table")
    status, out, err = run_cli(capsys, "validate", str(scenario))
    assert err.startswith(f"iadsim: {scenario}:4: surface.landcover.classes: 'no-such-table' is neither a "
                          "built-in class table (worldcover, nlcd, corine) nor a file"), err


def test_a_raster_outside_the_terrain_is_refused_and_a_partial_one_warned(folder, capsys):
    with rasterio.open(folder / "cover.tif") as src:
        profile, codes = src.profile, src.read(1)
    far = dict(profile, transform=Affine(profile["transform"].a, 0, 10.0, 0, profile["transform"].e, 50.0))
    with rasterio.open(folder / "far.tif", "w", **far) as dst:
        dst.write(codes, 1)
    scenario = write(folder, path="far.tif")
    status, out, err = run_cli(capsys, "validate", str(scenario))
    assert status == 2 and "Traceback" not in err
    assert err.startswith(f"iadsim: {scenario}:4: surface.landcover.path: cannot read land cover 'far.tif': the "
                          "land-cover raster lies outside the terrain"), err
    half = dict(profile, width=180)
    with rasterio.open(folder / "half.tif", "w", **half) as dst:
        dst.write(codes[:, :180], 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_scenario(write(folder, path="half.tif"))
    messages = [str(w.message) for w in caught if issubclass(w.category, TerrainWarning)]
    assert len(messages) == 1 and "the land-cover raster covers 5" in messages[0]
    assert messages[0].startswith(f"{folder / 's.yaml'}:4: surface.landcover.path: ")


def test_the_run_folder_keeps_the_land_cover_and_a_users_table(folder, tmp_path):
    (folder / "mine.yaml").write_text("name: mine\nnodata: [0]\nclasses:\n" + "".join(
        f"  {code}: {{name: c{code}, clutter: {kind}}}\n" for code, kind in
        [(10, "woods"), (20, "farmland"), (40, "farmland"), (50, "metropolitan"), (60, "flatland"),
         (80, "sea-state-3")]))
    scenario = load_scenario(write(folder, classes="mine.yaml"))
    simulate(scenario, 2, out_dir=tmp_path / "run", batch_size=2)
    (folder / "cover.tif").unlink()
    (folder / "mine.yaml").unlink()  # the originals are gone: the folder alone must suffice
    assert (tmp_path / "run" / "terrain" / "landcover.tif").is_file()
    assert (tmp_path / "run" / "scenario" / "landcover-classes.yaml").is_file()
    run = load_run(tmp_path / "run")
    stored = run.scenario.surface_map
    x = np.array([s.x for s in scenario.sites.values()] + [scenario.origin_xy[0]])
    y = np.array([s.y for s in scenario.sites.values()] + [scenario.origin_xy[1]])
    r0, c0 = scenario.terrain.xy_to_rowcol(x, y)
    r1, c1 = run.scenario.terrain.xy_to_rowcol(x, y)
    assert np.array_equal(stored.codes[r1, c1], scenario.surface_map.codes[r0, c0])
    # every cell of the stored crop holds the class the run used there
    crop = run.scenario.terrain
    xs, ys = crop.rowcol_to_xy(*np.mgrid[0:crop.shape[0], 0:crop.shape[1]])
    rows, cols = scenario.terrain.xy_to_rowcol(xs, ys)
    assert np.array_equal(stored.codes, scenario.surface_map.codes[rows, cols])
    assert stored.table.name == "mine"


def test_a_product_larger_than_the_cell_limit_is_read_over_the_terrain_only_and_decimated(folder, monkeypatch):
    """With the cell limit below the raster's size (a continental product against a small terrain), the window
    over the terrain is read, decimated by nearest neighbour: most cells keep their class, none gets a code
    the raster does not hold."""
    from iadsim.terrain import landcover

    exact = load_scenario(write(folder)).surface_map.codes
    monkeypatch.setattr(landcover, "MAX_LANDCOVER_CELLS", 30_000)  # the raster has 87,001 cells
    coarse = load_scenario(write(folder)).surface_map.codes
    assert set(np.unique(coarse)) <= set(np.unique(exact))
    known = exact != -1
    # halving the resolution moves a class only near its boundaries: the synthetic classes are patches tens of
    # cells wide, so most cells keep theirs, and some do not (the raster really was decimated)
    assert 0.8 < (coarse[known] == exact[known]).mean() < 1.0

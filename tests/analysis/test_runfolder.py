"""Run folders (format 3): self-contained (scenario, catalogs, terrain crop) and built atomically."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from iadsim.analysis import simulate
from iadsim.analysis.runfolder import MANIFEST, RunFolderError, laydown_bounds, read_manifest
from iadsim.report.run import load_run
from iadsim.scenario import InputError, load_scenario
from iadsim.terrain import Dem, load_dem
from iadsim.terrain.crop import crop_dem, write_crop

ROOT = Path(__file__).resolve().parents[2]
CATALOG = """\
sources: {mine: my own assumption}
types:
  my-drone:
    kind: aircraft
    label: My drone
    category: drone
    rcs: {value: -20 dBsm, source: mine, grade: assumed}
    swerling: 1
    cruise_speed: {value: 50 m/s, source: mine, grade: assumed}
    max_speed: {value: 60 m/s, source: mine, grade: assumed}
    climb_rate: {value: 5 m/s, source: mine, grade: assumed}
    descent_rate: {value: 5 m/s, source: mine, grade: assumed}
    terrain_clearance: {value: 20 m, source: mine, grade: assumed}
"""
SCENARIO = """\
name: selfcontained
seed: 3
duration: 2 min
step: 2 s
terrain: {source: ../dem/terrain.tif}
catalog: [../cats/mine.yaml]
units:
  - {id: sr, type: mr-search-radar, x: 0 km, y: 0 km, mast_height: 10 m}
  - {id: telar, type: mr-telar, x: 1 km, y: 0 km}
threats:
  - id: raid
    type: my-drone
    route:
      - {x: -3 km, y: 3 km, altitude: 100 m}
      - {x: 1 km, y: 0 km, altitude: 100 m}
"""


@pytest.fixture(scope="module")
def laydown(tmp_path_factory):
    """A scenario whose catalog and terrain live outside its folder (relative paths with '..')."""
    root = tmp_path_factory.mktemp("laydown")
    for sub in ("scen", "dem", "cats"):
        (root / sub).mkdir()
    rng = np.random.default_rng(5)
    # 40 x 40 km of rolling terrain at 100 m cells, on a UTM grid
    elevation = 200 + 30 * rng.standard_normal((400, 400)).cumsum(axis=0).cumsum(axis=1) / 400
    dem = Dem.from_array(elevation, 100.0, origin=(500_000.0, 4_000_000.0), crs="EPSG:32633")
    write_crop(root / "dem" / "terrain.tif", dem, "float64")
    (root / "cats" / "mine.yaml").write_text(CATALOG)
    (root / "scen" / "s.yaml").write_text(SCENARIO)
    return root / "scen" / "s.yaml"


def test_run_folder_is_self_contained(laydown, tmp_path):
    shutil.copytree(laydown.parent.parent, tmp_path / "laydown")
    laydown = tmp_path / "laydown" / "scen" / "s.yaml"
    scenario = load_scenario(laydown)
    result = simulate(scenario, 6, out_dir=tmp_path / "run", batch_size=4)
    moved = tmp_path / "elsewhere"
    shutil.move(tmp_path / "run", moved)
    shutil.rmtree(laydown.parent.parent / "cats")  # the originals are gone: the folder alone must suffice
    (laydown.parent.parent / "dem" / "terrain.tif").unlink()
    run = load_run(moved)
    assert run.terrain_exact
    assert run.scenario.sites == scenario.sites  # the same places: the run's origin, not the crop's centre
    for flight, route in scenario.routes.items():
        np.testing.assert_array_equal(run.scenario.routes[flight], route)
    assert "my-drone" in run.scenario.catalog.types
    # the crop holds the very elevations the run used around every place
    x = np.array([s.x for s in scenario.sites.values()])
    y = np.array([s.y for s in scenario.sites.values()])
    np.testing.assert_array_equal(run.scenario.terrain.elevation_at(x, y), scenario.terrain.elevation_at(x, y))
    assert run.metrics["replication"].tolist() == list(range(6))
    assert run.metrics.drop(columns="replication").equals(result.metrics.drop(columns="replication"))
    manifest = read_manifest(moved)
    assert manifest["finished_batches"] == [0, 1] and manifest["complete"]
    assert (moved / "metrics" / "batch-000001.parquet").is_file()


def test_stored_coverage_is_the_whole_terrains_cut_to_the_crop(laydown, tmp_path, monkeypatch):
    """The stored coverage is `iadsim coverage`'s quick look (sampled to fit RUN_COVERAGE_CELLS), cut to the
    crop; on a terrain too big for that it is computed
    on the crop, and says so."""
    from iadsim.analysis import artifacts, runfolder
    from iadsim.analysis.coverage import coverage_maps
    from iadsim.terrain.crop import crop_window

    monkeypatch.setattr(runfolder.laydown_bounds, "__defaults__", (5_000.0,))
    scenario = load_scenario(laydown)
    simulate(scenario, 2, out_dir=tmp_path / "run")
    run = load_run(tmp_path / "run")
    row0, row1, col0, col1 = crop_window(scenario.terrain, runfolder.laydown_bounds(scenario))
    assert (row1 - row0, col1 - col0) != scenario.terrain.shape and run.terrain_exact  # a real crop
    sample = json.loads((tmp_path / "run" / "coverage.json").read_text())["sample"]
    assert sample == -(-max(row1 - row0, col1 - col0) // artifacts.RUN_COVERAGE_CELLS)
    whole, stored = coverage_maps(scenario, sample=sample), run.coverage
    assert stored.detection.any() and stored.sensor_ids == whole.sensor_ids
    np.testing.assert_array_equal(stored.detection, whole.detection[..., row0:row1, col0:col1])
    np.testing.assert_array_equal(stored.engagement, whole.engagement[..., row0:row1, col0:col1])
    np.testing.assert_allclose(stored.masking, whole.masking[..., row0:row1, col0:col1], rtol=1e-6)
    assert json.loads((tmp_path / "run" / "coverage.json").read_text())["computed_on"] == "terrain"
    monkeypatch.setattr(artifacts, "FULL_COVERAGE_BYTES", 0)
    simulate(scenario, 2, out_dir=tmp_path / "run2")
    assert json.loads((tmp_path / "run2" / "coverage.json").read_text())["computed_on"] == "crop"
    on_crop = load_run(tmp_path / "run2").coverage
    assert on_crop.detection.shape == stored.detection.shape
    # the same ground between every cell and every sensor: the ray sampling differs only at the margins
    assert (on_crop.detection == stored.detection).mean() > 0.99


def test_scenario_copy_changed_after_the_run_is_refused(laydown, tmp_path):
    simulate(load_scenario(laydown), 2, out_dir=tmp_path / "run")
    copy = tmp_path / "run" / "scenario" / "scenario.yaml"
    copy.write_text(copy.read_text().replace("seed: 3", "seed: 4"))
    with pytest.raises(RunFolderError, match="does not match the sha256"):
        _ = load_run(tmp_path / "run").scenario


def test_a_catalog_not_stored_in_the_folder_is_never_read(laydown, tmp_path):
    simulate(load_scenario(laydown), 2, out_dir=tmp_path / "run")
    manifest_file = tmp_path / "run" / MANIFEST
    manifest = json.loads(manifest_file.read_text())
    manifest["catalogs"] = {"../cats/mine.yaml": {"file": "/etc/passwd", "sha256": "x"}}
    manifest_file.write_text(json.dumps(manifest))
    with pytest.raises(RunFolderError, match="outside the run folder"):
        _ = load_run(tmp_path / "run").scenario


def test_rerun_replaces_the_old_run_whole(laydown, tmp_path):
    scenario = load_scenario(laydown)
    simulate(scenario, 4, seed=1, out_dir=tmp_path / "run")
    first = load_run(tmp_path / "run").summary
    simulate(scenario, 5, seed=2, out_dir=tmp_path / "run")
    second = load_run(tmp_path / "run").summary
    assert (first["seed"], first["replications"]) == (1, 4) and (second["seed"], second["replications"]) == (2, 5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no .partial or .old left


def test_a_run_folder_holding_the_users_files_is_not_replaced(laydown, tmp_path):
    # a report written into the run folder, the user's notes: the rerun would have deleted them with the old run
    scenario = load_scenario(laydown)
    simulate(scenario, 2, seed=1, out_dir=tmp_path / "run")
    (tmp_path / "run" / "report.html").write_text("<html>")
    (tmp_path / "run" / "notes.md").write_text("what I saw")
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "run").rglob("*"))
    with pytest.raises(RunFolderError, match=r"holds files a run folder does not \('notes.md' and 1 more\)"):
        simulate(scenario, 2, seed=2, out_dir=tmp_path / "run")
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "run").rglob("*")) == before
    assert load_run(tmp_path / "run").summary["seed"] == 1
    (tmp_path / "run" / "report.html").unlink()
    (tmp_path / "run" / "notes.md").unlink()
    (tmp_path / "run" / ".DS_Store").write_bytes(b"\0")  # a file manager's, and an interrupted write's: not the user's
    (tmp_path / "run" / ".manifest.json.k2j4.tmp").write_text("{")
    simulate(scenario, 2, seed=2, out_dir=tmp_path / "run")  # only its own files: replaced
    assert load_run(tmp_path / "run").summary["seed"] == 2


def test_out_that_is_not_a_run_folder_is_refused_and_untouched(laydown, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("years of work")
    with pytest.raises(InputError, match="not a run folder"):
        simulate(load_scenario(laydown), 2, out_dir=tmp_path / "mine")
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["thesis.tex"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        simulate(load_scenario(laydown), 2, out_dir=tmp_path / "file")


def test_crop_dem_exact_and_downsampled():
    elevation = np.arange(100 * 120, dtype=float).reshape(100, 120)
    dem = Dem.from_array(elevation, 30.0, origin=(1000.0, 2000.0), crs="EPSG:32633")
    left, bottom, right, top = dem.bounds
    crop, factor, dtype = crop_dem(dem, (left + 95, bottom + 35, left + 605, top - 61))
    assert (factor, dtype) == (1, "float64")
    # columns 3..20 (x from 90 to 630 m), rows 2..98 (y from top-60 down to bottom+30), independent index math
    np.testing.assert_array_equal(crop.elevation, elevation[2:99, 3:21])
    assert crop.transform.c == left + 90 and crop.transform.f == top - 60
    small, factor, dtype = crop_dem(dem, dem.bounds, max_bytes=34 * 40 * 4)  # ceil(100/3) x ceil(120/3) cells
    assert factor == 3 and dtype == "float32"
    np.testing.assert_allclose(small.elevation[0, 0], elevation[:3, :3].mean())
    assert small.cell_size == (90.0, 90.0)


def test_downsampled_terrain_is_display_only(laydown, tmp_path, monkeypatch):
    import iadsim.terrain.crop as crop_module

    monkeypatch.setattr(crop_module, "MAX_CROP_BYTES", 200_000)
    monkeypatch.setattr(crop_module.crop_dem, "__defaults__", (200_000,))
    simulate(load_scenario(laydown), 2, out_dir=tmp_path / "run")
    manifest = read_manifest(tmp_path / "run")
    assert manifest["terrain"]["downsample"] > 1
    assert load_dem(tmp_path / "run" / "terrain" / "dem.tif").elevation.nbytes <= 2 * 200_000
    run = load_run(tmp_path / "run")
    assert not run.terrain_exact
    # the coverage the run computed on the full terrain, block-sampled onto the display grid of the crop
    maps = run.coverage
    crop = run.scenario.terrain
    assert maps.detection.shape[-2:] == crop.shape and maps.valid.shape == crop.shape
    assert json.loads((tmp_path / "run" / "coverage.json").read_text())["exact"] is False


def test_laydown_bounds_covers_every_place(laydown):
    scenario = load_scenario(laydown)
    xmin, ymin, xmax, ymax = laydown_bounds(scenario, margin=1000.0)
    for site in scenario.sites.values():
        assert xmin + 1000 <= site.x <= xmax - 1000 and ymin + 1000 <= site.y <= ymax - 1000
    route = scenario.routes["raid"]
    assert xmin + 1000 == pytest.approx(route[:, 0].min())


def _interrupted(scenario, out, replications, batches, batch_size=2):
    """A .partial left by a run stopped after ``batches`` batches (as a kill would leave it)."""
    from iadsim.analysis import runfolder

    simulate(scenario, replications, out_dir=out, batch_size=batch_size)
    partial = out.with_name(out.name + ".partial")
    shutil.copytree(out, partial)
    shutil.rmtree(out)
    manifest = json.loads((partial / MANIFEST).read_text())
    manifest["finished_batches"] = list(range(batches))
    manifest["complete"] = False
    (partial / MANIFEST).write_text(json.dumps(manifest))
    for b in range(batches, 99):
        for kind in ("metrics", "events"):
            runfolder.batch_file(partial, kind, b).unlink(missing_ok=True)
    (partial / "summary.json").unlink()
    return partial


def test_resume_keeps_finished_batches_and_gives_identical_results(laydown, tmp_path):
    scenario = load_scenario(laydown)
    whole = simulate(scenario, 6, out_dir=tmp_path / "whole", batch_size=2)
    _interrupted(scenario, tmp_path / "run", 6, batches=2)
    notes = []
    resumed = simulate(scenario, 6, out_dir=tmp_path / "run", batch_size=2, notes=notes.append)
    assert any("2 finished batches kept" in n for n in notes)
    assert resumed.metrics.equals(whole.metrics)
    assert load_run(tmp_path / "run").metrics.equals(whole.metrics)


def test_resume_with_other_replications_is_refused_and_the_partial_kept(laydown, tmp_path):
    scenario = load_scenario(laydown)
    partial = _interrupted(scenario, tmp_path / "run", 5, batches=2)
    with pytest.raises(RunFolderError, match="number of replications"):
        simulate(scenario, 6, out_dir=tmp_path / "run", batch_size=2)
    assert read_manifest(partial)["finished_batches"] == [0, 1]


def test_an_interrupted_run_is_resumed_only_by_the_code_that_began_it(laydown, tmp_path, monkeypatch):
    """The version stays 0.1.0 between commits: a run begun by other code is refused, not mixed with this code's
    batches (an audit mixed two commits' engagements in one sweep); the code that began it resumes it."""
    from iadsim.analysis import provenance

    scenario = load_scenario(laydown)
    simulate(scenario, 4, out_dir=tmp_path / "run", batch_size=2)
    partial = tmp_path / "run.partial"  # as an interruption leaves it: one batch of two finished
    (tmp_path / "run").rename(partial)
    manifest = json.loads((partial / MANIFEST).read_text())
    assert manifest["code_sha256"] == provenance.code_sha256()
    manifest.update(complete=False, finished_batches=[0])
    (partial / MANIFEST).write_text(json.dumps(manifest))
    monkeypatch.setattr(provenance, "code_sha256", lambda: "0" * 64)
    with pytest.raises(RunFolderError, match="iadsim code"):
        simulate(scenario, 4, out_dir=tmp_path / "run", batch_size=2)
    monkeypatch.undo()
    assert partial.is_dir() and not (tmp_path / "run").exists()  # kept
    simulate(scenario, 4, out_dir=tmp_path / "run", batch_size=2)
    assert load_run(tmp_path / "run").summary["replications"] == 4


def test_a_users_old_folder_is_never_deleted(laydown, tmp_path):
    scenario = load_scenario(laydown)
    simulate(scenario, 2, out_dir=tmp_path / "run")
    (tmp_path / "run.old").mkdir()
    (tmp_path / "run.old" / "notes.txt").write_text("mine")
    simulate(scenario, 3, out_dir=tmp_path / "run")  # (iadsim's own leftover has a hidden name: never this one)
    assert (tmp_path / "run.old" / "notes.txt").read_text() == "mine"
    assert load_run(tmp_path / "run").summary["replications"] == 3
    aside = tmp_path / ".run.iadsim-old"  # that name, not a run folder: in the way, refused, kept
    aside.mkdir()
    (aside / "notes.txt").write_text("mine")
    with pytest.raises(RunFolderError, match="not an iadsim run folder"):
        simulate(scenario, 2, out_dir=tmp_path / "run")
    assert (aside / "notes.txt").read_text() == "mine"
    assert load_run(tmp_path / "run").summary["replications"] == 3


def test_batch_files_outside_the_folder_are_refused(laydown, tmp_path):
    simulate(load_scenario(laydown), 2, out_dir=tmp_path / "run")
    shutil.copytree(tmp_path / "run" / "metrics", tmp_path / "elsewhere")
    shutil.rmtree(tmp_path / "run" / "metrics")
    (tmp_path / "run" / "metrics").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(RunFolderError, match="outside the run folder"):
        load_run(tmp_path / "run")


def test_a_table_that_would_decode_to_too_much_is_refused_before_it_is_decoded(tmp_path, monkeypatch):
    # a few MB of identical rows can decode to many GB: the file's metadata says how much, before any is decoded
    import pandas as pd

    from iadsim.analysis import runfolder

    pd.DataFrame({"x": np.zeros(100_000)}).to_parquet(tmp_path / "t.parquet")
    assert len(runfolder.read_table(tmp_path / "t.parquet")) == 100_000
    monkeypatch.setattr(runfolder, "MAX_DECODED", 100_000)
    with pytest.raises(RunFolderError, match=r"would decode to at least .* GB, more than a run folder's table may"):
        runfolder.read_table(tmp_path / "t.parquet")
    monkeypatch.undo()
    with pytest.raises(RunFolderError, match="holds 100,000 rows where the run has at most 10"):
        runfolder.read_table(tmp_path / "t.parquet", max_rows=10)

"""Every file of `iadsim export` (geojson, kml, czml, geotiff, csv), the report's figures and the terrain's GeoTIFF
writer go through a temporary file renamed onto the target: a FIFO at an output path is refused at once, naming
it (it used to hang the command forever), and a write that fails midway (here: a file-size limit, as `ulimit -f`)
leaves the earlier file whole and names the file in its message (it used to cut the file and say "output").

Each case runs in a child process with a timeout, so that a hang fails the test instead of blocking the run."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo") or sys.platform == "win32",
                                reason="needs FIFOs and file-size limits (POSIX)")

TIMEOUT = 90
"""Seconds a child may take: an export of the tiny run takes 2-3 s; a hang on a FIFO never ends."""

EARLIER = b"an earlier export, which must stay whole\n" * 50

CLI = """\
import resource, sys
from iadsim.cli import main
import iadsim.report.export, iadsim.report.figures, matplotlib.pyplot  # (imported before the limit: only the
#                                                                          command's own writes run under it)
limit = int(sys.argv[1])
if limit:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
sys.exit(main(sys.argv[2:]))
"""

FIGURES = """\
import resource, sys
import matplotlib.pyplot
from iadsim.report.figures import build_figures
limit = int(sys.argv[1])
if limit:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
try:
    build_figures([sys.argv[2]], sys.argv[3])
except OSError as exc:  # as the command line says it (iadsim.cli._run)
    where = exc.filename if exc.filename is not None else "output"
    sys.exit(f"iadsim: {where}: cannot read or write: {exc.strerror or type(exc).__name__}")
"""

GEOTIFF = """\
import resource, sys
import numpy as np
from iadsim.terrain.dem import flat_dem, write_geotiff
dem = flat_dem(100.0, (0, 0, 6000, 6000), 30.0)
values = np.random.default_rng(1).random(dem.shape) * 500  # (noise: deflate cannot shrink it below the limit)
limit = int(sys.argv[1])
if limit:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
try:
    write_geotiff(sys.argv[2], values, dem)
except OSError as exc:
    sys.exit(f"iadsim: {exc.filename}: cannot read or write: {exc.strerror}")
"""


def child(code: str, limit: int, *args) -> subprocess.CompletedProcess:
    """``code`` run by this Python with argv ``limit, *args`` (a file-size limit in bytes, 0 for none)."""
    try:
        return subprocess.run([sys.executable, "-c", code, str(limit), *map(str, args)], capture_output=True,
                              text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {TIMEOUT} s: the write hangs")


@pytest.fixture(scope="module")
def written(run_dir, tmp_path_factory):
    """The files each output kind writes (name relative to its folder -> size), in a first, untroubled run."""
    from iadsim.report.export import export
    from iadsim.report.figures import build_figures

    out = {}
    for fmt in ("geojson", "kml", "czml", "geotiff", "csv"):
        folder = tmp_path_factory.mktemp(fmt)
        out[fmt] = {str(p.relative_to(folder)): p.stat().st_size for p in export(run_dir, fmt, folder)}
    folder = tmp_path_factory.mktemp("figures")
    out["figures"] = {p.name: p.stat().st_size for p in build_figures([run_dir], folder)}
    return out


def export_argv(run_dir, fmt: str, folder: Path) -> list[str]:
    if fmt == "figures":  # (the report itself goes elsewhere)
        return ["report", str(run_dir), "--out", str(folder.parent / "report.html"), "--figures", str(folder)]
    return ["export", str(run_dir), "--format", fmt, "--out", str(folder)]


FIFO_CASES = [("csv", "metrics.csv"), ("csv", "events.csv"), ("geojson", "map.geojson"), ("kml", "replay.kml"),
              ("kml", "symbols"), ("czml", "replay.czml"), ("geotiff", "coverage-30m.tif"),
              ("geotiff", "masking-height.tif"), ("figures", "map.png"), ("figures", "metrics.png")]


@pytest.mark.parametrize(("fmt", "name"), FIFO_CASES)
def test_a_fifo_at_an_output_is_refused_promptly_naming_it(run_dir, written, tmp_path, fmt, name):
    if name == "symbols":  # one of replay.kml's icons
        name = next(n for n in written["kml"] if n.startswith("symbols/"))
    folder = tmp_path / "out"
    fifo = folder / name
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    done = child(CLI, 0, *export_argv(run_dir, fmt, folder))
    assert done.returncode == 2, done.stderr
    assert f"{fifo}: is not a regular file" in done.stderr and "Traceback" not in done.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # left as it was


LIMIT_CASES = [("csv", "events.csv"), ("geojson", "map.geojson"), ("kml", "replay.kml"), ("czml", "replay.czml"),
               ("geotiff", "masking-height.tif"), ("figures", "map.png")]


@pytest.mark.parametrize(("fmt", "name"), LIMIT_CASES)
def test_a_write_failing_midway_leaves_the_earlier_file_whole(run_dir, written, tmp_path, fmt, name):
    sizes = dict(written[fmt])
    target_size = sizes.pop(name)
    # a limit that lets the kind's other files through and stops this one halfway
    limit = (max(sizes.values(), default=0) + target_size) // 2
    assert max(sizes.values(), default=0) < limit < target_size
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / name
    target.write_bytes(EARLIER)
    if fmt == "figures":
        done = child(FIGURES, limit, run_dir, folder)
    else:
        done = child(CLI, limit, *export_argv(run_dir, fmt, folder))
    assert done.returncode != 0
    assert target.read_bytes() == EARLIER, f"{name} was damaged: {done.stderr}"
    assert f"iadsim: {target}: cannot read or write: File too large" in done.stderr, done.stderr
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def test_the_terrain_geotiff_writer_refuses_a_fifo(tmp_path):
    fifo = tmp_path / "mask.tif"
    os.mkfifo(fifo)
    done = child(GEOTIFF, 0, fifo)
    assert f"iadsim: {fifo}: cannot read or write: is not a regular file" in done.stderr, done.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_the_terrain_geotiff_writer_keeps_an_earlier_file_whole(tmp_path):
    target = tmp_path / "mask.tif"
    target.write_bytes(EARLIER)
    done = child(GEOTIFF, 20_000, target)  # (the raster is about 160 kB)
    assert target.read_bytes() == EARLIER, f"damaged: {done.stderr}"
    assert f"iadsim: {target}: cannot read or write: File too large" in done.stderr, done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["mask.tif"]

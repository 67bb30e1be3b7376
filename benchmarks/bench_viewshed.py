"""Masking heights (viewshed, GROUND mode) against GDAL's viewshed on three real DEMs, one thread each and all
cores each.

For each DEM, 20 observers (seeded) at 10 m over a 4/3 earth. The peer is GDAL used as its users would:
``gdal.ViewshedGenerate`` once per observer (GROUND mode, ``GVOT_MIN_TARGET_HEIGHT_FROM_GROUND``, curvature
coefficient 1/k = 0.75) into a MEM raster, read back with ``ReadAsArray``; all 20 arrays are kept, as ours
are (``masking_heights`` returns them in one array). GDAL runs in a Python that has ``osgeo`` (Debian's
``/usr/bin/python3`` with ``python3-gdal``; override with ``IADSIM_GDAL_PYTHON``). Both sides read the same
float32 GeoTIFF (the SRTM tile projected to UTM first, its NaN corners trimmed).

Printed per DEM, in the same run:

* one thread each: ours with ``numba.set_num_threads(1)`` in this process (the 20 observers in one
  ``masking_heights`` call, which then runs them one after another on the calling thread) against GDAL in a
  worker process with ``GDAL_NUM_THREADS=1`` (its viewshed is single-threaded anyway), timed inside that
  process. Start-up is excluded on both sides: our import and numba's compile/cache load (printed once at
  the top), GDAL's process start, ``import osgeo``, ``gdal.Open`` and the copy into a MEM dataset (printed
  per DEM). Included on both sides: the computation and the output arrays (allocation and filling).
* all cores each (N = ``os.cpu_count()``): ours with N numba threads (observers shared over threads) against
  N GDAL processes started together, the observers split among them, timed from starting the first to the
  exit of the last: process start, imports, opening the raster and the MEM copy are included. Ours is
  timed twice: warm in this process (no start-up), and in a fresh process with its start-up (Python, import
  of iadsim, numba's cache load, reading the GeoTIFF), timed the same way as GDAL's.
* agreement with GDAL on visibility at several target heights, and misclassification of both against the
  exact ray cast (R3) on 2000 sampled cells per observer.

Every case runs ``--repeat`` times, interleaved with the others, and the shortest wall time is shown (other
work on this shared machine only slows runs down); CPU times are shown for the one-thread case. Target
(issue 21): single-thread ours at least as fast as single-thread GDAL, at today's accuracy (PASS/FAIL).
Without GDAL, our side runs alone and says so.

Run: ``.venv/bin/python benchmarks/bench_viewshed.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEM_DIR = ROOT.parent / "shared" / "data" / "dem"
N_OBSERVERS = 20
OBSERVER_HEIGHT = 10.0  # m
K = 4.0 / 3.0
TARGET_HEIGHTS = (0.0, 10.0, 30.0, 100.0, 300.0, 1000.0)  # m
N_SAMPLES = 2000  # exact ray casts per observer
TOLERANCE = 1e-6  # m: "visible at h" means masking height <= h + TOLERANCE

# One GDAL viewshed per observer, as a user of GDAL's Python bindings would write it. Shared by both workers.
GDAL_VIEWSHEDS = r"""
def viewsheds(band, observers, observer_height, curvature_coefficient):
    arrays = []
    for x, y in observers:
        out = gdal.ViewshedGenerate(band, "MEM", "", [], x, y, observer_height, 0.0, 255, 0, 0, -1.0,
                                    curvature_coefficient, gdal.GVM_Edge, 0.0,
                                    heightMode=gdal.GVOT_MIN_TARGET_HEIGHT_FROM_GROUND)
        arrays.append(out.GetRasterBand(1).ReadAsArray())
        out = None
    return arrays
"""

# One thread: a long-lived worker that loads a DEM, then times the viewsheds in-process on command.
GDAL_SERVER = r"""
import json, sys, time
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
""" + GDAL_VIEWSHEDS + r"""
print(json.dumps({"ready": True, "version": gdal.__version__}), flush=True)
band = arrays = spec = None
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd["cmd"] == "load":
        spec = cmd
        start = time.perf_counter()
        dataset = gdal.GetDriverByName("MEM").CreateCopy("", gdal.Open(spec["dem"]))  # no file I/O when timed
        band = dataset.GetRasterBand(1)
        reply = {"load": time.perf_counter() - start}
    elif cmd["cmd"] == "run":
        arrays = None
        wall, cpu = time.perf_counter(), time.process_time()
        arrays = viewsheds(band, spec["observers"], spec["observer_height"], spec["curvature_coefficient"])
        reply = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
    elif cmd["cmd"] == "save":
        for i, array in enumerate(arrays):
            np.save(f"{cmd['out']}_{i}.npy", array)
        reply = {}
    else:
        break
    print(json.dumps(reply), flush=True)
"""

# All cores: one of N processes started together; start-up included in the parent's wall time.
GDAL_ONE_SHOT = r"""
import json, sys, time
start = time.perf_counter()
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
""" + GDAL_VIEWSHEDS + r"""
spec = json.loads(sys.argv[1])
dataset = gdal.GetDriverByName("MEM").CreateCopy("", gdal.Open(spec["dem"]))  # kept: the band needs it
band = dataset.GetRasterBand(1)
ready = time.perf_counter()
arrays = viewsheds(band, spec["observers"], spec["observer_height"], spec["curvature_coefficient"])
print(json.dumps({"startup": ready - start, "compute": time.perf_counter() - ready}))
"""

# All cores, ours with its start-up: a fresh process reads the GeoTIFF and computes every observer.
OURS_ONE_SHOT = r"""
import json, sys
spec = json.loads(sys.argv[1])
import numpy as np, rasterio
from iadsim.terrain import masking_heights
with rasterio.open(spec["dem"]) as dataset:
    z = dataset.read(1).astype(np.float64)
out = masking_heights(z, spec["cell_size"], spec["rows"], spec["cols"], spec["observer_height"], k=spec["k"])
"""


def gdal_python() -> str | None:
    """A Python interpreter that can import osgeo, or None."""
    candidates = [os.environ.get("IADSIM_GDAL_PYTHON"), "/usr/bin/python3", shutil.which("python3")]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            probe = subprocess.run([candidate, "-c", "import osgeo.gdal"], capture_output=True)
            if probe.returncode == 0:
                return candidate
    return None


def single_thread_env() -> dict:
    return {**os.environ, "GDAL_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


class GdalServer:
    """The one-thread GDAL worker (GDAL_SERVER), driven line by line over its stdin/stdout."""

    def __init__(self, python: str):
        start = time.perf_counter()
        self.process = subprocess.Popen([python, "-c", GDAL_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=single_thread_env())
        self.version = json.loads(self.process.stdout.readline())["version"]
        self.start_seconds = time.perf_counter() - start  # process start, import numpy and osgeo

    def ask(self, **cmd) -> dict:
        self.process.stdin.write(json.dumps(cmd) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the GDAL worker died")
        return json.loads(line)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
            self.process.stdin.close()
        self.process.wait(timeout=30)


def gdal_processes(python: str, spec: dict, n: int) -> tuple[float, list[dict]]:
    """Wall time of n GDAL processes started together, the observers split among them, to the last exit."""
    shares = [list(part) for part in np.array_split(np.arange(len(spec["observers"])), n) if len(part)]
    start = time.perf_counter()
    procs = [subprocess.Popen([python, "-c", GDAL_ONE_SHOT,
                               json.dumps({**spec, "observers": [spec["observers"][i] for i in share]})],
                              stdout=subprocess.PIPE, text=True, env=single_thread_env()) for share in shares]
    outs = [p.communicate()[0] for p in procs]
    wall = time.perf_counter() - start
    if any(p.returncode for p in procs):
        raise RuntimeError("a GDAL process failed")
    return wall, [json.loads(out.strip().splitlines()[-1]) for out in outs]


def ours_fresh_process(spec: dict) -> float:
    """Wall time of a fresh Python that imports iadsim, reads the GeoTIFF and computes every observer."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", OURS_ONE_SHOT, json.dumps(spec)], check=True)
    return time.perf_counter() - start


def first_call_seconds() -> tuple[float, float]:
    """(import, first masking_height call) in a fresh process, numba cache on disk."""
    code = (
        "import time; t0 = time.perf_counter()\n"
        "import numpy as np; from iadsim.terrain import masking_height\n"
        "t1 = time.perf_counter()\n"
        "masking_height(np.zeros((50, 60)), 30.0, 10, 20, 10.0)\n"
        "print(t1 - t0, time.perf_counter() - t1)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    a, b = out.stdout.split()
    return float(a), float(b)


def trim_nodata(dem):
    """Drop edge rows/columns holding NaN (the corners of a reprojected tile); GDAL 3.6 ignores nodata."""
    from rasterio.transform import Affine

    from iadsim.terrain import Dem

    z = dem.elevation
    top, bottom, left, right = 0, z.shape[0], 0, z.shape[1]
    while np.isnan(z[top:bottom, left:right]).any():
        window = z[top:bottom, left:right]
        edges = {
            "top": np.isnan(window[0]).sum(), "bottom": np.isnan(window[-1]).sum(),
            "left": np.isnan(window[:, 0]).sum(), "right": np.isnan(window[:, -1]).sum(),
        }
        worst = max(edges, key=edges.get)
        top += worst == "top"
        bottom -= worst == "bottom"
        left += worst == "left"
        right -= worst == "right"
    transform = dem.transform @ Affine.translation(left, top)
    return Dem(z[top:bottom, left:right], transform, dem.crs, dem.cell_size)


def visible_fraction_mismatch(a, b, heights):
    return [float(np.mean((a <= h + TOLERANCE) != (b <= h + TOLERANCE))) for h in heights]


def timed(fn) -> tuple[float, float, object]:
    """(wall, CPU of this process, result) of fn()."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each case, interleaved; the best is shown")
    args = parser.parse_args()
    os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".cache" / "numba"))
    os.environ.setdefault("MPLCONFIGDIR", str(ROOT / ".cache" / "matplotlib"))
    import numba

    from iadsim.terrain import load_dem, masking_height, masking_height_at, masking_heights, write_geotiff

    n_cores = os.cpu_count() or 1
    gdal_exe = gdal_python()
    # compile (or load from cache) before timing anything
    masking_height(np.zeros((20, 20)), 30.0, 5, 5, 10.0)
    masking_heights(np.zeros((20, 20)), 30.0, [5], [5], 10.0)
    import_s, first_s = first_call_seconds()
    print(f"iadsim.terrain in a fresh process: import {import_s:.2f} s, first masking_height call "
          f"{first_s:.2f} s (numba cache on disk)")
    print(f"{N_OBSERVERS} observers per DEM, {OBSERVER_HEIGHT:g} m above ground, k = 4/3 (GDAL GROUND mode, "
          f"curvature coefficient {1 / K:g}); {n_cores} cores; best of {args.repeat} interleaved runs")
    print("  1 thread: iadsim numba.set_num_threads(1), in-process | GDAL_NUM_THREADS=1, timed in its process;"
          " start-up excluded on both sides")
    print(f"  all cores: iadsim {n_cores} numba threads | {n_cores} GDAL processes started together, "
          "start-up included (process, imports, open + MEM copy)")
    server = None
    if gdal_exe is None:
        print("GDAL (osgeo) not found: timing iadsim only. Install Debian's gdal-bin python3-gdal, "
              "or set IADSIM_GDAL_PYTHON to a Python with osgeo.")
    else:
        server = GdalServer(gdal_exe)
        print(f"GDAL {server.version} ({gdal_exe}); its worker's start (Python, import numpy + osgeo): "
              f"{server.start_seconds:.2f} s")
    rng = np.random.default_rng(20000101)
    workdir = Path(tempfile.mkdtemp(prefix="bench_viewshed_"))
    verdicts = []
    try:
        for name in ("storml_elev.tif", "bigtujunga.tif", "N44W072.hgt"):
            path = DEM_DIR / name
            if not path.exists():
                print(f"{name}: not found in {DEM_DIR}, skipped")
                continue
            dem = load_dem(path)
            if dem.source_crs is not None:
                dem = trim_nodata(dem)
            # both sides work on the float32 raster written here
            raster = write_geotiff(workdir / f"{path.stem}.tif", dem.elevation, dem)
            z = dem.elevation.astype(np.float32).astype(np.float64)
            dx, dy = dem.cell_size
            valid = np.flatnonzero(~np.isnan(z))
            cells = rng.choice(valid, N_OBSERVERS, replace=False)
            observers = [divmod(int(c), z.shape[1]) for c in cells]
            rows0 = np.array([r for r, _ in observers])
            cols0 = np.array([c for _, c in observers])
            xy = [[float(v) for v in dem.rowcol_to_xy(r0, c0)] for r0, c0 in observers]
            gdal_spec = {"dem": str(raster), "observers": xy, "observer_height": OBSERVER_HEIGHT,
                         "curvature_coefficient": 1.0 / K}
            ours_spec = {"dem": str(raster), "cell_size": [dx, dy], "rows": rows0.tolist(), "cols": cols0.tolist(),
                         "observer_height": OBSERVER_HEIGHT, "k": K}

            ours = functools.partial(masking_heights, z, (dx, dy), rows0, cols0, OBSERVER_HEIGHT, k=K)
            load_s = server.ask(cmd="load", **gdal_spec)["load"] if server else None
            one = {"ours": [], "gdal": []}  # (wall, cpu)
            all_ = {"ours": [], "ours_fresh": [], "gdal": []}
            gdal_phases = []
            ours_masks = None
            for _ in range(args.repeat):
                numba.set_num_threads(1)
                ours_masks = None  # the last run's masks are kept for the accuracy check
                wall, cpu, ours_masks = timed(ours)
                one["ours"].append((wall, cpu))
                numba.set_num_threads(n_cores)
                if server:
                    reply = server.ask(cmd="run")
                    one["gdal"].append((reply["wall"], reply["cpu"]))
                all_["ours"].append(timed(ours)[0])
                if gdal_exe:
                    wall, phases = gdal_processes(gdal_exe, gdal_spec, n_cores)
                    all_["gdal"].append(wall)
                    gdal_phases.append((wall, phases))
                all_["ours_fresh"].append(ours_fresh_process(ours_spec))
            numba.set_num_threads(n_cores)

            gdal_arrays = None
            if server:
                server.ask(cmd="save", out=str(workdir / path.stem))
                gdal_arrays = [np.load(workdir / f"{path.stem}_{i}.npy") for i in range(N_OBSERVERS)]

            agree = np.zeros(len(TARGET_HEIGHTS))
            mis_ours = np.zeros(len(TARGET_HEIGHTS))
            mis_gdal = np.zeros(len(TARGET_HEIGHTS))
            err_ours, err_gdal = [], []
            for i, (r0, c0) in enumerate(observers):
                sample = rng.choice(valid, N_SAMPLES, replace=False)
                rows, cols = np.divmod(sample, z.shape[1])
                exact = masking_height_at(z, (dx, dy), r0, c0, OBSERVER_HEIGHT, rows, cols, k=K)
                fast = ours_masks[i][rows, cols]
                mis_ours += visible_fraction_mismatch(fast, exact, TARGET_HEIGHTS)
                err_ours.append(np.abs(fast - exact))
                if gdal_arrays is not None:
                    g = gdal_arrays[i]
                    ok = ~np.isnan(z)
                    agree += 1.0 - np.array(visible_fraction_mismatch(ours_masks[i][ok], g[ok], TARGET_HEIGHTS))
                    mis_gdal += visible_fraction_mismatch(g[rows, cols], exact, TARGET_HEIGHTS)
                    err_gdal.append(np.abs(g[rows, cols] - exact))
            n = len(observers)
            err_ours = np.concatenate(err_ours)

            n_rows, n_cols = z.shape
            print()
            print(f"{name}: {n_rows} x {n_cols} = {n_rows * n_cols:,} cells, "
                  f"{dx:.1f} x {dy:.1f} m, {dem.crs}; time for {n} observers")
            o_wall, o_cpu = min(one["ours"])
            line = f"  1 thread   iadsim {o_wall:.3f} s (CPU {o_cpu:.3f} s)"
            if one["gdal"]:
                g_wall, g_cpu = min(one["gdal"])
                ok = o_wall <= g_wall
                verdicts.append((name, ok, g_wall / o_wall))
                line += (f" | GDAL {g_wall:.3f} s (CPU {g_cpu:.3f} s) | GDAL / iadsim = {g_wall / o_wall:.2f}x  "
                         f"{'PASS' if ok else 'FAIL'}\n"
                         f"             start-up, excluded: GDAL worker start {server.start_seconds:.2f} s + "
                         f"open and MEM copy {load_s:.2f} s; iadsim import + first call "
                         f"{import_s + first_s:.2f} s (top)")
            print(line)
            a_ours, a_fresh = min(all_["ours"]), min(all_["ours_fresh"])
            line = f"  {n_cores} cores    iadsim {n_cores} threads {a_ours:.3f} s (warm, in-process)"
            if all_["gdal"]:
                a_gdal, phases = min(gdal_phases, key=lambda item: item[0])
                starts = max(p["startup"] for p in phases)
                computes = max(p["compute"] for p in phases)
                line += (f" | GDAL {len(phases)} processes {a_gdal:.3f} s (start-up included; slowest process: "
                         f"start-up {starts:.2f} s, compute {computes:.3f} s) | GDAL / iadsim = "
                         f"{a_gdal / a_ours:.2f}x")
            line += f"\n             iadsim as a fresh process, start-up included: {a_fresh:.3f} s"
            if all_["gdal"]:
                line += f" | GDAL / iadsim = {a_gdal / a_fresh:.2f}x (both with start-up)"
            print(line)
            print("  target height [m]            " + "".join(f"{h:>8g}" for h in TARGET_HEIGHTS))
            if gdal_arrays is not None:
                print("  agreement with GDAL [%]      " + "".join(f"{100 * v / n:8.2f}" for v in agree))
            print("  misclassified vs exact [%]")
            print("    iadsim                     " + "".join(f"{100 * v / n:8.3f}" for v in mis_ours))
            if gdal_arrays is not None:
                print("    GDAL                       " + "".join(f"{100 * v / n:8.3f}" for v in mis_gdal))
            q = np.percentile(err_ours, [50, 99])
            line = f"  |error| vs exact p50 / p99 [m]: iadsim {q[0]:.2f} / {q[1]:.2f}"
            if err_gdal:
                q = np.percentile(np.concatenate(err_gdal), [50, 99])
                line += f", GDAL {q[0]:.2f} / {q[1]:.2f}"
            print(line)
    finally:
        if server:
            server.close()
        shutil.rmtree(workdir, ignore_errors=True)
    if verdicts:
        print()
        print("target (issue 21): single-thread iadsim at least as fast as single-thread GDAL, "
              "at today's accuracy")
        for name, ok, ratio in verdicts:
            print(f"  {name:18s} GDAL / iadsim = {ratio:.2f}x  {'PASS' if ok else 'FAIL'}")
        print(f"  overall: {'PASS' if all(ok for _, ok, _ in verdicts) else 'FAIL'}")


if __name__ == "__main__":
    main()

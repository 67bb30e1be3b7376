"""Masking heights (viewshed, GROUND mode) against GDAL's viewshed on three real DEMs.

For each DEM, 20 observers (seeded) at 10 m over a 4/3 earth: our numba sweep is timed in this
process; GDAL's ``ViewshedGenerate`` (curvature coefficient 1/k = 0.75, GVOT_MIN_TARGET_HEIGHT_FROM_GROUND)
is timed in-process in ONE subprocess of a Python that has ``osgeo`` (Debian's ``/usr/bin/python3``
with ``python3-gdal``; override with ``IADSIM_GDAL_PYTHON``), which writes its arrays to .npy files.
Both read the same float32 GeoTIFF (the SRTM tile projected to UTM first, its NaN corners trimmed).
Printed per DEM: times and ratio (ours: the 20 observers in one ``masking_heights`` call, which
shares observers over threads; also one by one, and on one thread), agreement with GDAL on
visibility at several target heights, and misclassification of both against the exact ray cast
(R3) on 2000 sampled cells per observer.
Without GDAL, our side runs alone and says so.

Run: ``.venv/bin/python benchmarks/bench_viewshed.py``.
"""

from __future__ import annotations

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

GDAL_WORKER = r"""
import json, sys, time
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
spec = json.loads(sys.argv[1])
source = gdal.Open(spec["dem"])
dataset = gdal.GetDriverByName("MEM").CreateCopy("", source)  # no file I/O in the timed part
band = dataset.GetRasterBand(1)
results = []
elapsed = 0.0
for i, (x, y) in enumerate(spec["observers"]):
    start = time.perf_counter()
    out = gdal.ViewshedGenerate(band, "MEM", "", [], x, y, spec["observer_height"], 0.0, 255, 0, 0, -1.0,
                                spec["curvature_coefficient"], gdal.GVM_Edge, 0.0,
                                heightMode=gdal.GVOT_MIN_TARGET_HEIGHT_FROM_GROUND)
    array = out.GetRasterBand(1).ReadAsArray()
    elapsed += time.perf_counter() - start
    np.save(f"{spec['out']}_{i}.npy", array)
print(json.dumps({"seconds": elapsed, "version": gdal.__version__}))
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


def main() -> None:
    os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".cache" / "numba"))
    os.environ.setdefault("MPLCONFIGDIR", str(ROOT / ".cache" / "matplotlib"))
    import numba

    from iadsim.terrain import load_dem, masking_height, masking_height_at, masking_heights, write_geotiff

    gdal_exe = gdal_python()
    # compile (or load from cache) before timing anything
    masking_height(np.zeros((20, 20)), 30.0, 5, 5, 10.0)
    masking_heights(np.zeros((20, 20)), 30.0, [5], [5], 10.0)
    import_s, first_s = first_call_seconds()
    print(f"iadsim.terrain in a fresh process: import {import_s:.2f} s, first masking_height call "
          f"{first_s:.2f} s (numba cache on disk)")
    print(f"threads: iadsim {numba.get_num_threads()} (numba), GDAL 1; observers per DEM {N_OBSERVERS}, "
          f"observer height {OBSERVER_HEIGHT:g} m, k = 4/3 (GDAL curvature coefficient {1 / K:g})")
    if gdal_exe is None:
        print("GDAL (osgeo) not found: timing iadsim only. Install Debian's gdal-bin python3-gdal, "
              "or set IADSIM_GDAL_PYTHON to a Python with osgeo.")
    rng = np.random.default_rng(20000101)
    workdir = Path(tempfile.mkdtemp(prefix="bench_viewshed_"))
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

            # iadsim: all observers in one call (observers shared over threads), then one by one
            rows0 = np.array([r for r, _ in observers])
            cols0 = np.array([c for _, c in observers])
            start = time.perf_counter()
            ours = masking_heights(z, (dx, dy), rows0, cols0, OBSERVER_HEIGHT, k=K)
            ours_s = time.perf_counter() - start
            ours_each = 0.0
            for r0, c0 in observers:
                start = time.perf_counter()
                masking_height(z, (dx, dy), r0, c0, OBSERVER_HEIGHT, k=K)
                ours_each += time.perf_counter() - start
            numba.set_num_threads(1)
            start = time.perf_counter()
            masking_heights(z, (dx, dy), rows0, cols0, OBSERVER_HEIGHT, k=K)
            ours_1 = time.perf_counter() - start
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)

            gdal_arrays, gdal_s, version = None, None, None
            if gdal_exe is not None:
                xy = [[float(v) for v in dem.rowcol_to_xy(r0, c0)] for r0, c0 in observers]
                spec = {"dem": str(raster), "observers": xy, "observer_height": OBSERVER_HEIGHT,
                        "curvature_coefficient": 1.0 / K, "out": str(workdir / path.stem)}
                run = subprocess.run([gdal_exe, "-c", GDAL_WORKER, json.dumps(spec)],
                                     capture_output=True, text=True, check=True)
                report = json.loads(run.stdout.strip().splitlines()[-1])
                gdal_s, version = report["seconds"], report["version"]
                gdal_arrays = [np.load(workdir / f"{path.stem}_{i}.npy") for i in range(N_OBSERVERS)]

            agree = np.zeros(len(TARGET_HEIGHTS))
            mis_ours = np.zeros(len(TARGET_HEIGHTS))
            mis_gdal = np.zeros(len(TARGET_HEIGHTS))
            err_ours, err_gdal = [], []
            for i, (r0, c0) in enumerate(observers):
                sample = rng.choice(valid, N_SAMPLES, replace=False)
                rows, cols = np.divmod(sample, z.shape[1])
                exact = masking_height_at(z, (dx, dy), r0, c0, OBSERVER_HEIGHT, rows, cols, k=K)
                fast = ours[i][rows, cols]
                mis_ours += visible_fraction_mismatch(fast, exact, TARGET_HEIGHTS)
                err_ours.append(np.abs(fast - exact))
                if gdal_arrays is not None:
                    g = gdal_arrays[i]
                    ok = ~np.isnan(z)
                    agree += 1.0 - np.array(visible_fraction_mismatch(ours[i][ok], g[ok], TARGET_HEIGHTS))
                    mis_gdal += visible_fraction_mismatch(g[rows, cols], exact, TARGET_HEIGHTS)
                    err_gdal.append(np.abs(g[rows, cols] - exact))
            n = len(observers)
            err_ours = np.concatenate(err_ours)

            n_rows, n_cols = z.shape
            print()
            print(f"{name}: {n_rows} x {n_cols} = {n_rows * n_cols:,} cells, "
                  f"{dx:.1f} x {dy:.1f} m, {dem.crs}")
            line = (f"  time for {n} observers: iadsim {ours_s:.3f} s (one by one {ours_each:.3f} s; "
                    f"{ours_1:.3f} s on 1 thread)")
            if gdal_s is not None:
                line += f", GDAL {version} {gdal_s:.3f} s; GDAL / iadsim = {gdal_s / ours_s:.1f}x"
                line += f" ({gdal_s / ours_1:.1f}x on 1 thread)"
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
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

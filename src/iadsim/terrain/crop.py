"""Crops of a DEM for run folders: the area of interest, at full resolution when it fits a size cap.

A run folder keeps the terrain it was computed on, so that a report or an export made elsewhere, later,
draws the same map. A crop at full resolution (``factor`` 1) holds the very elevations the run used
(float64 when they fit the cap, else float32: 0.5 mm at 8 km); a larger area is downsampled by an
integer factor (block means) and is then for display only.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
from rasterio.transform import Affine

from iadsim.terrain.dem import Dem

MAX_CROP_BYTES = 20_000_000
"""Largest terrain crop stored in a run folder (20 MB)."""


def crop_window(dem: Dem, bounds: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """(row0, row1, col0, col1) of the cells of a north-up ``dem`` that meet ``bounds`` = (xmin, ymin, xmax,
    ymax) [m], clipped to the grid (empty when they do not meet)."""
    t = dem.transform
    n_rows, n_cols = dem.shape
    xmin, ymin, xmax, ymax = bounds
    col0 = math.floor((xmin - t.c) / t.a)
    col1 = math.ceil((xmax - t.c) / t.a)
    row0 = math.floor((ymax - t.f) / t.e)
    row1 = math.ceil((ymin - t.f) / t.e)
    col0, col1 = max(col0, 0), min(col1, n_cols)
    row0, row1 = max(row0, 0), min(row1, n_rows)
    return row0, max(row1, row0), col0, max(col1, col0)


def window_dem(dem: Dem, window: tuple[int, int, int, int]) -> Dem:
    """The cells of a north-up ``dem`` in ``window`` (row0, row1, col0, col1), at full resolution."""
    row0, row1, col0, col1 = window
    t = dem.transform
    transform = Affine(t.a, 0.0, t.c + col0 * t.a, 0.0, t.e, t.f + row0 * t.e)
    return Dem(dem.elevation[row0:row1, col0:col1], transform, dem.crs, dem.cell_size, dem.source_crs)


def crop_dem(dem: Dem, bounds: tuple[float, float, float, float], max_bytes: int = MAX_CROP_BYTES
             ) -> tuple[Dem, int, str]:
    """The cells of ``dem`` inside ``bounds``, downsampled by the smallest integer factor that fits
    ``max_bytes``. Returns (crop, factor, dtype): factor 1 is the exact grid; dtype is the storage type
    ("float64", or "float32" when only that fits)."""
    if dem.transform.b != 0 or dem.transform.d != 0 or dem.transform.e >= 0:
        raise ValueError("only north-up grids can be cropped")
    window = crop_window(dem, bounds)
    if window[1] <= window[0] or window[3] <= window[2]:
        raise ValueError("the area of interest does not meet the terrain")
    exact = window_dem(dem, window)
    block, transform, t = exact.elevation, exact.transform, dem.transform
    cells = block.size
    if cells * 8 <= max_bytes:
        return exact, 1, "float64"
    if cells * 4 <= max_bytes:
        return exact, 1, "float32"
    factor = math.ceil(math.sqrt(cells * 4 / max_bytes))
    while math.ceil(block.shape[0] / factor) * math.ceil(block.shape[1] / factor) * 4 > max_bytes:
        factor += 1
    rows, cols = block.shape[0] // factor * factor, block.shape[1] // factor * factor
    trimmed = block[:rows, :cols].reshape(rows // factor, factor, cols // factor, factor)
    with np.errstate(invalid="ignore"):
        coarse = np.nanmean(trimmed, axis=(1, 3)) if np.isnan(trimmed).any() else trimmed.mean(axis=(1, 3))
    transform = Affine(t.a * factor, 0.0, transform.c, 0.0, t.e * factor, transform.f)
    cell = (dem.cell_size[0] * factor, dem.cell_size[1] * factor)
    return Dem(coarse, transform, dem.crs, cell, dem.source_crs), factor, "float32"


def write_crop(path: str | Path, dem: Dem, dtype: str = "float64") -> Path:
    """Write a DEM as a one-band GeoTIFF (deflate, nodata NaN) in ``dtype``; read back with ``load_dem``."""
    import rasterio

    path = Path(path)
    profile = {"driver": "GTiff", "height": dem.shape[0], "width": dem.shape[1], "count": 1, "dtype": dtype,
               "crs": dem.crs, "transform": dem.transform, "nodata": float("nan"), "compress": "deflate"}
    with rasterio.Env(GDAL_PAM_ENABLED="NO"), rasterio.open(path, "w", **profile) as out:
        out.write(dem.elevation.astype(dtype), 1)
    return path


def crop_raster(array: np.ndarray, window: tuple[int, int, int, int], factor: int = 1, how: str = "mean"
                ) -> np.ndarray:
    """The cells of a raster (over the last two axes, on a DEM's grid) inside ``window`` (:func:`crop_window`),
    downsampled by ``factor`` as :func:`crop_dem` does: block means (``how="mean"``, NaN ignored), for
    boolean rasters a block counts when at least half its cells do (``how="majority"``), for labels the
    block's middle cell (``how="nearest"``)."""
    row0, row1, col0, col1 = window
    block = array[..., row0:row1, col0:col1]
    if factor == 1:
        return block.copy()
    rows, cols = block.shape[-2] // factor * factor, block.shape[-1] // factor * factor
    trimmed = block[..., :rows, :cols].reshape(*block.shape[:-2], rows // factor, factor, cols // factor, factor)
    if how == "majority":
        return trimmed.mean(axis=(-3, -1)) >= 0.5
    if how == "nearest":  # labels (class codes): the block's middle cell, never an average of codes
        return trimmed[..., :, factor // 2, :, factor // 2].copy()
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN blocks stay NaN
        return np.nanmean(trimmed, axis=(-3, -1))

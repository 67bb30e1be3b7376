"""Land-cover rasters on a DEM's grid: class codes read safely and sampled at every DEM cell.

A land-cover product (ESA WorldCover, NLCD, CORINE, or a user's raster) stores one class code per cell in its
own CRS and resolution. :func:`load_landcover` reads it with the same safety checks as a DEM
(:func:`iadsim.terrain.dem.load_dem`: local GeoTIFF only, no sidecars, no network), only the window over
the terrain (decimated, nearest neighbour, when even that holds more than :data:`MAX_LANDCOVER_CELLS`: a
continental product at 10 m), and takes, for every DEM cell, the code of the land-cover cell its centre falls
in (nearest neighbour: codes are labels, not numbers to interpolate), with every centre transformed exactly
(PROJ).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pyproj import CRS, Transformer

from iadsim.terrain.dem import _RESAMPLE_ROWS, Dem, TerrainError, _apply, _read_raster, write_geotiff

MAX_LANDCOVER_CELLS = 64_000_000
"""Most land-cover cells read (the window over the terrain, decimated beyond this): 256 MB as int32."""

NO_CLASS = -1
"""The code of a DEM cell the land-cover raster does not cover (or covers with nodata)."""


@dataclass(frozen=True)
class LandCover:
    """Class codes on a DEM's grid (int32, :data:`NO_CLASS` where there is none) and the share of the DEM's
    cells with data that the raster covers."""

    codes: np.ndarray
    covered: float


def load_landcover(source: str | Path, dem: Dem) -> LandCover:
    """Sample a land-cover raster at the centre of every cell of ``dem``.

    Raises
    ------
    TerrainError
        Naming the raster: anything :func:`iadsim.terrain.dem.load_dem` refuses a file for, no CRS, codes that
        are not whole numbers, or a raster that covers none of the terrain.
    """
    values, transform, crs, shape = _read_raster(source, area=(dem.crs, dem.bounds), max_cells=MAX_LANDCOVER_CELLS)
    if crs is None:
        raise TerrainError(source, "the land-cover raster has no CRS; cannot place it on the terrain")
    finite = np.isfinite(values)
    given = values[finite]
    if (given < 0).any() or (given > 2**31 - 2).any() or not np.array_equal(given, np.round(given)):
        raise TerrainError(source, "holds values that are not class codes (whole numbers from 0)")
    codes = np.where(finite, values, NO_CLASS).astype(np.int32)
    inverse = ~transform
    to_raster = Transformer.from_crs(CRS.from_user_input(dem.crs), crs, always_xy=True)
    out = np.full(dem.shape, NO_CLASS, dtype=np.int32)
    n_rows, n_cols = dem.shape
    cols = np.arange(n_cols, dtype=float) + 0.5
    for start in range(0, n_rows, _RESAMPLE_ROWS):
        rows = np.arange(start, min(start + _RESAMPLE_ROWS, n_rows), dtype=float) + 0.5
        c, r = np.meshgrid(cols, rows)
        x, y = _apply(dem.transform, c, r)
        rx, ry = to_raster.transform(x, y)
        col, row = _apply(inverse, rx, ry)
        row = np.floor(row).astype(np.int64)
        col = np.floor(col).astype(np.int64)
        inside = (row >= 0) & (row < shape[0]) & (col >= 0) & (col < shape[1])
        block = np.full(row.shape, NO_CLASS, dtype=np.int32)
        block[inside] = codes[row[inside], col[inside]]
        out[start:start + len(rows)] = block
    has_ground = np.isfinite(dem.elevation)
    covered = float(((out != NO_CLASS) & has_ground).sum() / max(has_ground.sum(), 1))
    if not (out != NO_CLASS).any():
        raise TerrainError(source, "the land-cover raster lies outside the terrain (it covers none of its cells)")
    return LandCover(out, covered)


def write_landcover(path: str | Path, codes: np.ndarray, dem: Dem) -> Path:
    """Write class codes on ``dem``'s grid as a GeoTIFF that :func:`load_landcover` reads back on that grid."""
    return write_geotiff(path, np.where(codes == NO_CLASS, np.nan, codes).astype(np.float32), dem)

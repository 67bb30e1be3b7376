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

from pathlib import Path

import numpy as np

from iadsim.terrain.dem import Dem, TerrainError, _apply, _read_raster, centres_in

MAX_LANDCOVER_CELLS = 64_000_000
"""Most land-cover cells read (the window over the terrain, decimated beyond this): read as float64 (512 MB
at the limit), kept as int32."""

NO_CLASS = -1
"""The code of a DEM cell the land-cover raster does not cover (or covers with nodata)."""


def load_landcover(source: str | Path, dem: Dem) -> np.ndarray:
    """Sample a land-cover raster at the centre of every cell of ``dem``: class codes on its grid (int32,
    :data:`NO_CLASS` where the raster has none).

    Raises
    ------
    TerrainError
        Naming the raster: anything :func:`iadsim.terrain.dem.load_dem` refuses a file for, no CRS, codes that
        are not whole numbers from 0, or a raster that covers none of the terrain.
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
    out = np.full(dem.shape, NO_CLASS, dtype=np.int32)
    for block, rx, ry in centres_in(dem.transform, dem.crs, (0, dem.shape[0], 0, dem.shape[1]), crs):
        col, row = (np.floor(v).astype(np.int64) for v in _apply(inverse, rx, ry))
        inside = (row >= 0) & (row < shape[0]) & (col >= 0) & (col < shape[1])
        out[block][inside] = codes[row[inside], col[inside]]
    if not (out != NO_CLASS).any():
        raise TerrainError(source, "the land-cover raster lies outside the terrain (it covers none of its cells)")
    return out


def write_landcover(path: str | Path, codes: np.ndarray, dem: Dem) -> Path:
    """Write class codes on ``dem``'s grid as an int32 GeoTIFF (nodata :data:`NO_CLASS`) that
    :func:`load_landcover` reads back on that grid, every code intact."""
    import rasterio

    path = Path(path)
    profile = {"driver": "GTiff", "height": dem.shape[0], "width": dem.shape[1], "count": 1, "dtype": "int32",
               "crs": dem.crs, "transform": dem.transform, "nodata": NO_CLASS, "compress": "deflate"}
    with rasterio.Env(GDAL_PAM_ENABLED="NO"), rasterio.open(path, "w", **profile) as dst:
        dst.write(np.asarray(codes, dtype=np.int32), 1)
    return path

"""Masking heights of an observer placed by coordinates on a :class:`~iadsim.terrain.dem.Dem`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pyproj import Transformer

from iadsim.terrain.dem import Dem, load_dem, write_geotiff
from iadsim.terrain.geo import lonlat_span
from iadsim.terrain.masking import DEFAULT_K, masking_height


def viewshed(
    dem: Dem,
    x: float,
    y: float,
    observer_height: float,
    k: float = DEFAULT_K,
    max_distance: float | None = None,
) -> np.ndarray:
    """Masking heights on a DEM's grid for an observer at (x, y) in the DEM's CRS.

    Parameters
    ----------
    dem : Dem
        The terrain (metric grid).
    x, y : float
        Observer position in ``dem.crs`` [m]; the observer stands on the cell containing it, as in
        GDAL's viewshed.
    observer_height : float
        Eye height above the ground of that cell [m].
    k : float, default 4/3
        Effective earth-radius factor [-].
    max_distance : float, optional
        Range beyond which cells are NaN [m].

    Returns
    -------
    numpy.ndarray of float64, shape ``dem.shape``
        Masking height [m] (see :func:`iadsim.terrain.masking_height`).

    Raises
    ------
    ValueError
        If (x, y) is outside the DEM or on a nodata cell.
    """
    if not bool(dem.contains(x, y)):
        raise ValueError(f"observer ({x}, {y}) is outside the DEM bounds {dem.bounds}")
    row, col = dem.xy_to_rowcol(x, y)
    return masking_height(
        dem.elevation, dem.cell_size, int(row), int(col), observer_height, k=k, max_distance=max_distance
    )


def viewshed_file(
    dem_path: str | Path,
    x: float,
    y: float,
    observer_height: float,
    out_path: str | Path,
    k: float = DEFAULT_K,
    max_distance: float | None = None,
) -> Path:
    """Write the masking-height GeoTIFF of an observer on a DEM file (what ``iadsim viewshed`` runs).

    Parameters
    ----------
    dem_path : str or path-like
        A DEM rasterio reads (GeoTIFF, DTED, SRTM ``.hgt``), or ``"sample"``.
    x, y : float
        Observer position in the DEM file's own CRS: [m] for a projected DEM, longitude and latitude
        [deg] for a geographic one (which is projected to UTM, see :func:`iadsim.terrain.load_dem`).
    observer_height : float
        Eye height above the ground [m].
    out_path : str or path-like
        Output GeoTIFF: float32 masking heights [m] on the (projected) DEM grid, nodata NaN.
    k : float, default 4/3
        Effective earth-radius factor [-].
    max_distance : float, optional
        Range beyond which cells are NaN [m].

    Returns
    -------
    pathlib.Path
        ``out_path``.
    """
    dem = load_dem(dem_path)
    given = (x, y)
    to_grid = None
    if dem.source_crs is not None:
        to_grid = Transformer.from_crs(dem.source_crs, dem.crs, always_xy=True)
        x, y = to_grid.transform(x, y)
    if not (np.isfinite(x) and np.isfinite(y) and bool(dem.contains(x, y))):
        raise ValueError(_outside_message(dem, given, to_grid))
    heights = viewshed(dem, x, y, observer_height, k=k, max_distance=max_distance)
    return write_geotiff(out_path, heights, dem)


def _outside_message(dem, given: tuple[float, float], to_grid) -> str:
    """The observer as the user gave it, the DEM's span in the same terms, and a lon/lat swap hint."""
    gx, gy = given
    left, bottom, right, top = dem.bounds
    if to_grid is None:
        return (f"observer x {gx:g}, y {gy:g} is outside the DEM (x {left:.0f}..{right:.0f}, y {bottom:.0f}..{top:.0f} "
                "in its CRS)")
    span = lonlat_span(dem)
    where = f" (lon {span[0]:.4f}..{span[2]:.4f}, lat {span[1]:.4f}..{span[3]:.4f})" if span else ""
    message = f"observer lon {gx:g}, lat {gy:g} is outside the DEM{where}; --observer takes lon then lat"
    if abs(gx) <= 90:
        sx, sy = to_grid.transform(gy, gx)
        if np.isfinite(sx) and np.isfinite(sy) and bool(dem.contains(sx, sy)):
            message += f"; did you swap them? --observer {gy:g} {gx:g} lies on the DEM"
    return message

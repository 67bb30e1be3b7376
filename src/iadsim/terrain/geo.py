"""Map helpers shared by the coverage product and the report: the transform to longitude/latitude (WGS 84),
outlines of boolean rasters as GeoJSON polygons, and hillshades of an elevation grid.

The grids are :class:`iadsim.terrain.dem.Dem` grids (row 0 north, cell centres at integer row/column).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

SUN_AZIMUTH = 315.0  # degrees clockwise from north: light from the north-west, as cartographers draw it
SUN_ALTITUDE = 45.0  # degrees above the horizon
VERTICAL_EXAGGERATION = 2.0


def stride_for(shape, max_cells: int | None) -> int:
    """The decimation step that brings the longer side of a raster down to at most ``max_cells`` (1 for None)."""
    if max_cells is None:
        return 1
    return max(1, math.ceil(max(shape) / max_cells))


def to_lonlat(crs) -> Callable[[object, object], tuple[np.ndarray, np.ndarray]]:
    """A function (x, y) [m, the terrain's CRS] -> (lon, lat) [deg, WGS 84] arrays."""
    from pyproj import CRS, Transformer

    transformer = Transformer.from_crs(CRS.from_user_input(crs), CRS.from_epsg(4326), always_xy=True)

    def transform(x, y):
        lon, lat = transformer.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lon), np.asarray(lat)

    return transform


def lonlat_span(dem) -> tuple[float, float, float, float] | None:
    """(lon min, lat min, lon max, lat max) [deg] of a DEM's bounds (sampled on a 9 x 9 grid of its edges and
    interior), or None when its CRS cannot be transformed to WGS 84 there."""
    left, bottom, right, top = dem.bounds
    xs, ys = np.meshgrid(np.linspace(left, right, 9), np.linspace(bottom, top, 9))
    try:
        lon, lat = to_lonlat(dem.crs)(xs.ravel(), ys.ravel())
    except Exception:  # an exotic CRS: callers just leave the span out
        return None
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        return None
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def signed_area(ring: np.ndarray) -> float:
    """Shoelace area of a closed ring ``(n, 2)``: positive when counterclockwise (x east, y north)."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))


def mask_polygons(mask: np.ndarray, dem, max_cells: int | None = None) -> list[list[np.ndarray]]:
    """Outlines of the True cells of a boolean raster on the DEM's grid, in world x/y [m].

    The outline is the 0.5 contour through the cell centres (contourpy), the raster first decimated to at
    most ``max_cells`` per side (None: full resolution). Returns a list of polygons, each a list of closed
    rings (``(n, 2)`` arrays), the outer ring first and then its holes; orient them with
    :func:`lonlat_polygons` or :func:`signed_area`.
    """
    from contourpy import FillType, contour_generator

    k = stride_for(np.shape(mask), max_cells)
    z = np.asarray(mask, dtype=float)[::k, ::k]
    if not z.any():
        return []
    z = np.pad(z, 1)  # a ring of uncovered cells all round, so that every region closes inside the grid
    rows = (np.arange(z.shape[0]) - 1) * k
    cols = (np.arange(z.shape[1]) - 1) * k
    x, _ = dem.rowcol_to_xy(np.zeros_like(cols), cols)
    _, y = dem.rowcol_to_xy(rows, np.zeros_like(rows))
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if y[0] > y[-1]:  # contour on increasing axes
        y, z = y[::-1], z[::-1]
    points, offsets = contour_generator(x=x, y=y, z=z, fill_type=FillType.OuterOffset).filled(0.5, 1.5)
    polygons = []
    for pts, offs in zip(points, offsets, strict=True):
        rings = []
        for j, (start, stop) in enumerate(zip(offs[:-1], offs[1:], strict=True)):
            ring = np.asarray(pts[start:stop], dtype=float)
            if not np.array_equal(ring[0], ring[-1]):
                ring = np.vstack([ring, ring[:1]])
            if len(ring) < 4:  # degenerate: without its outer ring the polygon is dropped
                if j == 0:
                    break
                continue
            rings.append(ring)
        if rings:
            polygons.append(rings)
    return polygons


def lonlat_polygons(mask: np.ndarray, dem, max_cells: int | None = None, digits: int = 6) -> list:
    """The ``coordinates`` of a GeoJSON MultiPolygon outlining the True cells of ``mask`` (see
    :func:`mask_polygons`), in lon/lat [deg, WGS 84] rounded to ``digits``; exterior rings counterclockwise
    and holes clockwise (RFC 7946, section 3.1.6). Empty when no cell is True."""
    polygons = mask_polygons(mask, dem, max_cells)
    if not polygons:
        return []
    lonlat = to_lonlat(dem.crs)
    out = []
    for rings in polygons:
        polygon = []
        for j, ring in enumerate(rings):
            lon, lat = lonlat(ring[:, 0], ring[:, 1])
            ring = np.column_stack([lon, lat])
            if (signed_area(ring) > 0) != (j == 0):
                ring = ring[::-1]
            polygon.append(np.round(ring, digits).tolist())
        out.append(polygon)
    return out


def _filled(elevation, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """The decimated elevation with nodata set to the lowest elevation (0 when all is nodata), and the nodata mask."""
    z = np.asarray(elevation, dtype=float)[::stride, ::stride]
    nodata = ~np.isfinite(z)
    fill = 0.0 if nodata.all() else float(np.nanmin(z))
    return np.where(nodata, fill, z), nodata


def _light():
    from matplotlib.colors import LightSource

    return LightSource(azdeg=SUN_AZIMUTH, altdeg=SUN_ALTITUDE)


def _intensity(z: np.ndarray, cell_size, stride: int) -> np.ndarray:
    dx, dy = cell_size
    return _light().hillshade(z, vert_exag=VERTICAL_EXAGGERATION, dx=dx * stride, dy=dy * stride)


def hillshade(elevation, cell_size, max_cells: int | None = None) -> np.ndarray:
    """Illumination in [0, 1] of an elevation grid [m] with cells ``cell_size`` (dx, dy) [m] (matplotlib
    LightSource, sun in the north-west), decimated to at most ``max_cells`` per side; NaN on nodata."""
    k = stride_for(np.shape(elevation), max_cells)
    z, nodata = _filled(elevation, k)
    return np.where(nodata, np.nan, _intensity(z, cell_size, k))


def hillshade_rgba(elevation, cell_size, max_cells: int | None = 800) -> np.ndarray:
    """The :func:`hillshade` soft-light blended over earth colours, as RGBA uint8 decimated to at most
    ``max_cells`` per side; nodata is transparent."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    k = stride_for(np.shape(elevation), max_cells)
    z, nodata = _filled(elevation, k)
    earth = colormaps["gist_earth"]
    span = float(np.ptp(z))
    if span < 1e-6:  # flat terrain: one even tone
        rgb = np.broadcast_to(np.array(earth(0.45)[:3]), (*z.shape, 3))
    else:
        colours = earth(Normalize(z.min() - 0.25 * span, z.max() + 0.6 * span)(z))[..., :3]
        rgb = _light().blend_soft_light(colours, _intensity(z, cell_size, k)[..., np.newaxis])
    rgba = np.empty((*z.shape, 4), np.uint8)
    rgba[..., :3] = np.clip(np.asarray(rgb) * 255, 0, 255).astype(np.uint8)
    rgba[..., 3] = np.where(nodata, 0, 255)
    return rgba

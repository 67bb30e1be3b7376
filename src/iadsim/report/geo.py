"""Map layers computed from a scenario and its world: hillshade, radar coverage at altitude bands,
coverage outlines as polygons, and the transform to longitude/latitude (WGS 84)."""

from __future__ import annotations

import base64
import io
import math

import numpy as np

ALTITUDE_BANDS = (30.0, 100.0, 300.0)
"""Heights above ground [m] at which coverage is drawn and exported."""


def lowest_masking_height(world) -> np.ndarray:
    """Per cell, the lowest masking height [m] over the radars that emit (NaN: no emitting radar reaches it)."""
    shape = world.scenario.terrain.shape
    lowest = np.full(shape, np.nan)
    for sensor_id, raster in world.masking.items():
        if world.net.emits.get(sensor_id, True):
            lowest = np.fmin(lowest, raster)
    return lowest


def coverage(world, bands=ALTITUDE_BANDS) -> dict[float, np.ndarray]:
    """Per altitude band [m AGL], a boolean raster on the terrain grid: some emitting radar sees that height."""
    lowest = lowest_masking_height(world)
    with np.errstate(invalid="ignore"):
        return {float(b): np.isfinite(lowest) & (lowest <= b) for b in bands}


def stride_for(shape, max_cells: int) -> int:
    """The decimation step that brings the longer side of a raster down to at most ``max_cells``."""
    return max(1, math.ceil(max(shape) / max_cells))


def hillshade_rgba(elevation, cell_size, max_cells: int = 800) -> np.ndarray:
    """A hillshade of an elevation grid [m] with cells ``cell_size`` (dx, dy) [m] (matplotlib LightSource,
    sun in the north-west, earth colours) as RGBA uint8, decimated to at most ``max_cells`` per side;
    nodata is transparent."""
    from matplotlib import colormaps
    from matplotlib.colors import LightSource

    k = stride_for(np.shape(elevation), max_cells)
    z = np.asarray(elevation, dtype=float)[::k, ::k]
    nodata = ~np.isfinite(z)
    if nodata.all():
        z = np.zeros_like(z)
    else:
        z = np.where(nodata, np.nanmin(z), z)
    dx, dy = cell_size
    span = float(np.ptp(z))
    light = LightSource(azdeg=315, altdeg=45)
    if span < 1e-6:  # flat terrain: one even tone
        rgb = np.broadcast_to(np.array(colormaps["gist_earth"](0.45)[:3]), (*z.shape, 3))
    else:
        rgb = light.shade(z, cmap=colormaps["gist_earth"], blend_mode="soft", vert_exag=2.0, dx=dx * k, dy=dy * k,
                          vmin=z.min() - 0.25 * span, vmax=z.max() + 0.6 * span)[..., :3]
    rgba = np.empty((*z.shape, 4), np.uint8)
    rgba[..., :3] = np.clip(np.asarray(rgb) * 255, 0, 255).astype(np.uint8)
    rgba[..., 3] = np.where(nodata, 0, 255)
    return rgba


def image_data_uri(rgba: np.ndarray, fmt: str = "jpeg") -> str:
    """A ``data:`` URI of an RGBA uint8 image (row 0 at the top): JPEG (transparent cells become white; a
    tenth of the size of a PNG for a hillshade) or PNG."""
    from matplotlib.image import imsave

    buffer = io.BytesIO()
    if fmt == "jpeg":
        alpha = rgba[..., 3:4].astype(float) / 255.0
        rgb = (rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
        imsave(buffer, rgb, format="jpeg", pil_kwargs={"quality": 85})
    else:
        imsave(buffer, rgba, format="png")
    return f"data:image/{fmt};base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def to_lonlat(crs):
    """A function (x, y) -> (lon, lat) [deg, WGS 84] from the terrain's CRS."""
    from pyproj import CRS, Transformer

    transformer = Transformer.from_crs(CRS.from_user_input(crs), CRS.from_epsg(4326), always_xy=True)

    def transform(x, y):
        lon, lat = transformer.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lon), np.asarray(lat)

    return transform


def coverage_polygons(mask: np.ndarray, dem, max_cells: int = 800) -> list[list[np.ndarray]]:
    """Outlines of the True cells of a boolean raster on the DEM's grid, in world x/y [m].

    Returns a list of polygons, each a list of closed rings (``(n, 2)`` arrays): the outer ring
    counter-clockwise first, then its holes clockwise (the GeoJSON convention, RFC 7946 section 3.1.6).
    """
    from contourpy import FillType, contour_generator

    k = stride_for(mask.shape, max_cells)
    z = np.asarray(mask[::k, ::k], dtype=float)
    if not z.any():
        return []
    # pad with a ring of zeros so that regions touching the edge are closed along it
    z = np.pad(z, 1)
    rows = (np.arange(z.shape[0]) - 1) * k
    cols = (np.arange(z.shape[1]) - 1) * k
    x, _ = dem.rowcol_to_xy(np.zeros_like(cols), cols)
    _, y = dem.rowcol_to_xy(rows, np.zeros_like(rows))
    if y[0] > y[-1]:  # contour on increasing axes
        y, z = y[::-1], z[::-1]
    gen = contour_generator(x=x, y=y, z=z, fill_type=FillType.OuterOffset)
    points, offsets = gen.filled(0.5, 1.5)
    polygons = []
    for pts, offs in zip(points, offsets, strict=True):
        rings = []
        for i, (start, stop) in enumerate(zip(offs[:-1], offs[1:], strict=True)):
            ring = np.asarray(pts[start:stop], dtype=float)
            if len(ring) < 4:
                continue
            if not np.array_equal(ring[0], ring[-1]):
                ring = np.vstack([ring, ring[:1]])
            outer = i == 0
            if (_signed_area(ring) > 0) != outer:
                ring = ring[::-1]
            rings.append(ring)
        if rings:
            polygons.append(rings)
    return polygons


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def map_extent(scenario, margin: float = 0.08) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) [m] around every site and waypoint, with a margin, clipped to the terrain."""
    xs = [s.x for s in scenario.sites.values()]
    ys = [s.y for s in scenario.sites.values()]
    for route in scenario.routes.values():
        xs.extend(route[:, 0])
        ys.extend(route[:, 1])
    left, bottom, right, top = scenario.terrain.bounds
    if not xs:
        return left, bottom, right, top
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    pad = max(x1 - x0, y1 - y0, 2000.0) * margin
    return max(left, x0 - pad), max(bottom, y0 - pad), min(right, x1 + pad), min(top, y1 + pad)


def crop_slices(dem, extent) -> tuple[slice, slice]:
    """Row and column slices of the DEM cells that cover ``extent`` (left, bottom, right, top) [m]."""
    left, bottom, right, top = extent
    rows, cols = dem.xy_to_rowcol(np.array([left, right]), np.array([top, bottom]))
    n_rows, n_cols = dem.shape
    r0, r1 = sorted(int(np.clip(r, 0, n_rows - 1)) for r in rows)
    c0, c1 = sorted(int(np.clip(c, 0, n_cols - 1)) for c in cols)
    return slice(r0, r1 + 1), slice(c0, c1 + 1)

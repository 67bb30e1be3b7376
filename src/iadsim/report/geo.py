"""Report-only map helpers: the extent around a scenario's sites and routes, the DEM cells inside it, and images as
``data:`` URIs. Hillshades, polygons and the lon/lat transform are shared with the coverage product in
:mod:`iadsim.terrain.geo`; coverage itself is :func:`iadsim.analysis.coverage.coverage_maps`."""

from __future__ import annotations

import base64
import io

import numpy as np


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

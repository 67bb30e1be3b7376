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


KML_NS = "http://www.opengis.net/kml/2.2"


def kml_element(parent, tag: str, text: object = None, **attrib):
    """A KML element ``tag`` under ``parent`` (lxml), with ``text`` if given."""
    from lxml import etree

    element = etree.SubElement(parent, f"{{{KML_NS}}}{tag}", **attrib)
    if text is not None:
        element.text = str(text)
    return element


ZOOM_MARGIN = 0.25
"""The map's zoom: the units and defended assets with this fraction of their span around them (at least
:data:`ZOOM_PAD`), so that the threats' last legs into the network show; routes and terrain beyond stay
drawn as context (zoom out to see them)."""
ZOOM_PAD = 3000.0


def map_extent(scenario, margin: float = ZOOM_MARGIN) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) [m] the map opens on: the units and defended assets (every site) with a margin,
    clipped to the terrain; the whole terrain when there is no site."""
    xs = [s.x for s in scenario.sites.values()]
    ys = [s.y for s in scenario.sites.values()]
    radius = [getattr(a, "radius", 0.0) for a in scenario.spec.defended_assets]
    left, bottom, right, top = scenario.terrain.bounds
    if not xs:
        return left, bottom, right, top
    grow = max(radius, default=0.0)
    x0, x1, y0, y1 = min(xs) - grow, max(xs) + grow, min(ys) - grow, max(ys) + grow
    pad = max(max(x1 - x0, y1 - y0) * margin, ZOOM_PAD)
    return max(left, x0 - pad), max(bottom, y0 - pad), min(right, x1 + pad), min(top, y1 + pad)

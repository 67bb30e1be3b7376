"""Engagement zones as MIL-STD-2525D control measures in KML (``iadsim coverage --kml-zones``).

Each fire unit's zone is the ground area its missile reaches: the ring between the missile's ``min_range`` and
``max_range`` (the launch envelope's box, as :func:`iadsim.analysis.coverage.coverage_maps` applies it) around the
unit's site - a circle with the ``min_range`` circle as a hole (KML ``innerBoundaryIs``) - or, when the unit has a
sector, that ring's part within it, one outline (an annular sector; a pie with its apex at the site when
``min_range`` is 0). It is written as a polygon with the control measure's code and name in ExtendedData: a missile
engagement zone (MEZ, symbol set 25, entity 171600) with the friend identity, the defence's side in every export
(:mod:`iadsim.report.symbols`), and the missile's ranges and altitudes. Distances are on the terrain's projected
plane, as the engine measures them; the vertices are transformed to WGS 84 longitude and latitude. Every ring runs
counter-clockwise, as the KML 2.2 reference asks of a polygon's coordinates.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from iadsim.report.geo import KML_NS, kml_element
from iadsim.report.symbols import MEZ, MEZ_NAME, with_side
from iadsim.scenario.yamlio import write_atomic
from iadsim.terrain.geo import to_lonlat

VERTEX_STEP = math.radians(2.0)
"""The largest angle between two vertices of a zone's arc."""
ZONE_LINE, ZONE_FILL = "ff994e1f", "40994e1f"
"""The zones' outline and fill (KML aabbggrr): the friend blue of the report's sensors, the fill translucent."""


def _arc(x: float, y: float, radius: float, start: float, stop: float) -> tuple[np.ndarray, np.ndarray]:
    """Points [m] of the arc of ``radius`` around (x, y) from bearing ``start`` to ``stop`` [rad, clockwise from
    north], both included, at most :data:`VERTEX_STEP` apart."""
    bearings = np.linspace(start, stop, max(4, math.ceil(abs(stop - start) / VERTEX_STEP)) + 1)
    return x + radius * np.sin(bearings), y + radius * np.cos(bearings)


def zone_rings(x: float, y: float, min_radius: float, max_radius: float,
               sector=None) -> list[tuple[np.ndarray, np.ndarray]]:
    """The closed rings [m] of a zone around (x, y), each counter-clockwise (bearings decreasing along an outer
    arc): without a ``sector`` (centre bearing clockwise from north and full width [rad]) or with a full-circle
    one, the circle of ``max_radius`` and, if ``min_radius`` > 0, the circle of ``min_radius`` (the hole); with a
    sector one outline, the outer arc across it and the inner arc back (or the site, the pie's apex, if
    ``min_radius`` is 0)."""
    if sector is None or sector.width >= 2 * math.pi:
        rings = [_arc(x, y, max_radius, 2 * math.pi, 0.0)]
        if min_radius > 0:
            rings.append(_arc(x, y, min_radius, 2 * math.pi, 0.0))
        return rings
    low, high = sector.center - sector.width / 2, sector.center + sector.width / 2
    ox, oy = _arc(x, y, max_radius, high, low)
    ix, iy = _arc(x, y, min_radius, low, high) if min_radius > 0 else (np.array([x]), np.array([y]))
    return [(np.concatenate([ox, ix, ox[:1]]), np.concatenate([oy, iy, oy[:1]]))]


def write_engagement_zones(scenario, path: str | Path) -> Path:
    """Write every fire unit's engagement zone of ``scenario`` to the KML file ``path`` (atomically)."""
    from lxml import etree

    sub = kml_element
    catalog = scenario.catalog
    lonlat = to_lonlat(scenario.terrain.crs)
    sidc = with_side(MEZ, "defence")
    root = etree.Element(f"{{{KML_NS}}}kml", nsmap={None: KML_NS})
    doc = sub(root, "Document")
    sub(doc, "name", f"{scenario.name}: engagement zones")
    style = sub(doc, "Style", id="mez")
    line = sub(style, "LineStyle")
    sub(line, "color", ZONE_LINE)
    sub(line, "width", "2")
    sub(sub(style, "PolyStyle"), "color", ZONE_FILL)
    for unit in scenario.spec.units:
        launcher = catalog.types[unit.type]
        if launcher.kind != "launcher":
            continue
        missile = catalog.types[launcher.missile]
        site = scenario.sites[unit.id]
        rings = [lonlat(*ring) for ring in zone_rings(site.x, site.y, missile.min_range.value,
                                                      missile.max_range.value, unit.sector)]
        mark = sub(doc, "Placemark")
        sub(mark, "name", f"MEZ {unit.id}")
        sub(mark, "description", f"{MEZ_NAME} of {unit.id} ({unit.type}, {launcher.missile}): between the "
                                 "missile's minimum and maximum range"
                                 + (" in the unit's sector" if unit.sector is not None else ""))
        sub(mark, "styleUrl", "#mez")
        data = sub(mark, "ExtendedData")
        fields = {"sidc": sidc, "control_measure": MEZ_NAME, "unit": unit.id, "type": unit.type,
                  "missile": launcher.missile, "max_range_m": f"{missile.max_range.value:g}",
                  "min_range_m": f"{missile.min_range.value:g}", "min_altitude_m": f"{missile.min_altitude.value:g}",
                  "max_altitude_m": f"{missile.max_altitude.value:g}"}
        if unit.sector is not None:
            fields["sector_center_deg"] = f"{math.degrees(unit.sector.center):g}"
            fields["sector_width_deg"] = f"{math.degrees(unit.sector.width):g}"
        for key, value in fields.items():
            sub(sub(data, "Data", name=key), "value", value)
        polygon = sub(mark, "Polygon")
        sub(polygon, "tessellate", "1")
        sub(polygon, "altitudeMode", "clampToGround")
        for boundary, (lon, lat) in zip(("outerBoundaryIs", "innerBoundaryIs"), rings, strict=False):
            ring = sub(sub(polygon, boundary), "LinearRing")
            sub(ring, "coordinates", " ".join(f"{float(o):.7f},{float(a):.7f}"
                                              for o, a in zip(lon, lat, strict=True)))
    path = Path(path)
    write_atomic(path, etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return path

"""Engagement zones as MIL-STD-2525D control measures in KML (``iadsim coverage --kml-zones``).

Each fire unit's zone is the ground area its missile reaches: a circle of the missile's ``max_range`` (the launch
envelope's box, as :func:`iadsim.analysis.coverage.coverage_maps` applies it) around the unit's site, or the pie of
its sector when it has one (the site its apex). It is written as a polygon with the control measure's code and name
in ExtendedData: a missile engagement zone (MEZ, symbol set 25, entity 171600) with the friend identity, the
defence's side in every export (:mod:`iadsim.report.symbols`). Distances are on the terrain's projected plane, as
the engine measures them; the vertices are transformed to WGS 84 longitude and latitude.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from iadsim.report.symbols import MEZ, MEZ_NAME, with_side
from iadsim.scenario.yamlio import write_atomic
from iadsim.terrain.geo import to_lonlat

KML_NS = "http://www.opengis.net/kml/2.2"
VERTEX_STEP = math.radians(2.0)
"""The largest angle between two vertices of a zone's arc."""
ZONE_LINE, ZONE_FILL = "ff994e1f", "40994e1f"
"""The zones' outline and fill (KML aabbggrr): the friend blue of the report's sensors, the fill translucent."""


def zone_outline(x: float, y: float, radius: float, sector=None) -> tuple[np.ndarray, np.ndarray]:
    """The closed outline [m] of a zone around (x, y): a circle of ``radius``, or with a ``sector`` (centre bearing
    clockwise from north and full width [rad]) the pie from the site along its arc and back."""
    if sector is None or sector.width >= 2 * math.pi:
        bearings = np.linspace(0.0, 2 * math.pi, max(4, math.ceil(2 * math.pi / VERTEX_STEP)) + 1)
        return x + radius * np.sin(bearings), y + radius * np.cos(bearings)
    n = max(2, math.ceil(sector.width / VERTEX_STEP)) + 1
    bearings = np.linspace(sector.center - sector.width / 2, sector.center + sector.width / 2, n)
    xs = np.concatenate([[x], x + radius * np.sin(bearings), [x]])
    ys = np.concatenate([[y], y + radius * np.cos(bearings), [y]])
    return xs, ys


def write_engagement_zones(scenario, path: str | Path) -> Path:
    """Write every fire unit's engagement zone of ``scenario`` to the KML file ``path`` (atomically)."""
    from lxml import etree

    def sub(parent, tag, text=None, **attrib):
        element = etree.SubElement(parent, f"{{{KML_NS}}}{tag}", **attrib)
        if text is not None:
            element.text = str(text)
        return element

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
        lon, lat = lonlat(*zone_outline(site.x, site.y, missile.max_range.value, unit.sector))
        mark = sub(doc, "Placemark")
        sub(mark, "name", f"MEZ {unit.id}")
        sub(mark, "description", f"{MEZ_NAME} of {unit.id} ({unit.type}, {launcher.missile}): the missile's maximum "
                                 "range" + (" in the unit's sector" if unit.sector is not None else ""))
        sub(mark, "styleUrl", "#mez")
        data = sub(mark, "ExtendedData")
        fields = {"sidc": sidc, "control_measure": MEZ_NAME, "unit": unit.id, "type": unit.type,
                  "missile": launcher.missile, "max_range_m": f"{missile.max_range.value:g}",
                  "min_range_m": f"{missile.min_range.value:g}", "max_altitude_m": f"{missile.max_altitude.value:g}"}
        if unit.sector is not None:
            fields["sector_center_deg"] = f"{math.degrees(unit.sector.center):g}"
            fields["sector_width_deg"] = f"{math.degrees(unit.sector.width):g}"
        for key, value in fields.items():
            sub(sub(data, "Data", name=key), "value", value)
        polygon = sub(mark, "Polygon")
        sub(polygon, "tessellate", "1")
        sub(polygon, "altitudeMode", "clampToGround")
        ring = sub(sub(polygon, "outerBoundaryIs"), "LinearRing")
        sub(ring, "coordinates", " ".join(f"{float(o):.7f},{float(a):.7f}" for o, a in zip(lon, lat, strict=True)))
    path = Path(path)
    write_atomic(path, etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
    return path

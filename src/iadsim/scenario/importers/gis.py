"""Laydowns drawn in QGIS (GeoJSON) or Google Earth (KML): points are units, lines are flights, polygons are
defended assets.

Decisions (documented in docs/interop.md, "Laydowns from QGIS and Google Earth"):

- A feature's properties (GeoJSON ``properties``; KML ``ExtendedData`` ``Data``/``SimpleData``, and the
  Placemark's ``name``) are matched case-insensitively. Empty values (QGIS's ``null``, an empty KML value) count
  as absent. A dotted name (``readiness.availability``, ``sector.center``) sets a field of a nested one, since
  attribute tables are flat. KML values are text: integers, numbers and true/false are read as such, except
  the names' values (:data:`KML_TEXT`: ``id``, ``name``, ``battery``, ``group``, ``target``, ``type``), which
  stay text ("007" stays "007").
- Quantities are written with their unit (``20 m``, ``4 min``), as in a scenario file; a bare number is refused
  by the scenario's validation. Coordinates' heights are metres.
- Points: ``type`` (a catalog unit type) is required; ``id``, else ``name`` made a valid id, else
  ``<type>-<n>``; ``battery`` (or ``group``) puts units in a battery (:func:`common.wire`); any other property
  named like a scenario unit field is passed through. A point's height (Z) is ignored, with a warning: a unit
  stands on the ground (``mast_height`` raises its antenna). At most 2,000 points (the scenario's limit).
- Ids: a given ``id`` must be unique (a clash is an error naming both features); ids made from names that
  repeat (two "Untitled Placemark") get ``-2``, ``-3``... in the file's order, with one warning.
- Lines: ``type`` (an aircraft or decoy type); civil types are traffic, others threats (``role: threat|traffic``
  overrides). Heights: GeoJSON Z (metres, RFC 7946's height above the ellipsoid, read as MSL unless
  ``altitude_reference`` says agl; a line whose Z are all 0 is taken as drawn in 2-D), KML ``absolute`` (MSL)
  or ``relativeToGround`` (AGL); ``clampToGround`` (KML's default) has no height, as in Google Earth. Without
  heights, ``altitude`` applies to every waypoint, else :data:`DEFAULT_ALTITUDE` (with a warning). A raid
  without ``target`` attacks the defended asset nearest the end of its route, if there is one.
- Polygons and multipolygons: a defended asset, the minimum enclosing circle of its outer rings computed in an
  azimuthal equidistant projection centred on the circle (iterated once from the polygon's mean vertex), its
  radius rounded up to 0.1 m; the warning gives the area added (circle pi R^2 minus the polygon's geodesic
  area on the WGS 84 ellipsoid, holes excluded); beyond 10 polygons, one summary line and the largest
  additions. The projection is the geodesic one (azimuth and distance from the centre on the ellipsoid,
  through one shared pyproj Geod).
- Refused: KMZ (unzip it), KML with a ``<!DOCTYPE`` or ``<!ENTITY`` (found in the raw bytes, before parsing),
  GeoJSON in a CRS other than WGS 84 longitude/latitude, multipoints and
  multilines, features without a geometry, more than :data:`MAX_FEATURES` features or :data:`MAX_VERTICES`
  vertices, a file over 10 MB (:func:`iadsim.scenario.yamlio.read_bytes`).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from iadsim.scenario.catalog import AircraftType, Catalog, builtin_catalog
from iadsim.scenario.importers.common import (
    IdMaker,
    Imported,
    ImportOptions,
    _clip,
    check_unit_count,
    geod,
    laydown_document,
    nearest_names,
    unknown_type,
    wire,
)
from iadsim.scenario.load import UNIT_KINDS
from iadsim.scenario.models import CivilFlight, Raid, Unit
from iadsim.scenario.yamlio import MAX_BYTES, InputError, read_bytes, wide_encoding

MAX_FEATURES = 20_000
"""Most features (placemarks) read from one file."""
MAX_VERTICES = 1_000_000
"""Most vertices read from one file, over all its features."""
MAX_ROUTE = 1000
"""Most vertices of a line (a flight's route; the scenario's own limit)."""
DEFAULT_ALTITUDE = {"threats": ("300 m", "agl"), "traffic": ("10 km", "msl")}
"""Height of a route drawn without heights or ``altitude``: a raid 300 m above the ground (low level, above the
types' terrain clearance), an airliner at cruise, 10 km above mean sea level (about FL330). Assumptions."""
WGS84_CRS = {"urn:ogc:def:crs:ogc:1.3:crs84", "urn:ogc:def:crs:ogc::crs84", "crs84", "epsg:4326",
             "urn:ogc:def:crs:epsg::4326", "urn:ogc:def:crs:epsg:6.6:4326", "http://www.opengis.net/def/crs/ogc/1.3/crs84",
             "http://www.opengis.net/def/crs/epsg/0/4326"}
"""``crs`` names read as WGS 84 longitude/latitude (RFC 7946 has no ``crs``; older GeoJSON and QGIS write one)."""
UNIT_FIELDS = frozenset(Unit.model_fields) - {"id", "type", "x", "y", "lat", "lon"}
FLIGHT_FIELDS = {"threats": frozenset(Raid.model_fields) - {"id", "type", "route"},
                 "traffic": frozenset(CivilFlight.model_fields) - {"id", "type", "route"}}
POINT_OWN = {"type", "id", "name", "battery", "group"}
LINE_OWN = {"type", "id", "name", "role", "altitude", "speed"}
POLYGON_OWN = {"id", "name", "value"}
KML_TEXT = frozenset({"id", "name", "battery", "group", "target", "type"})
"""KML values kept as text (names, not numbers: "007" stays "007")."""
POLYGON_WARNINGS = 10
"""Polygons warned about one by one; beyond, one summary line and the largest additions."""
_ID_BAD = re.compile(r"[^A-Za-z0-9_.\-]+")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_INT = re.compile(r"^[+-]?[0-9]{1,15}$")
_FLOAT = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?$")


@dataclass
class Feature:
    """One feature as read from either format: its geometry kind (point, line, polygon), its parts (a point:
    one ring of one vertex; a line: one ring; a polygon: rings, outer first; a multipolygon: several polygons),
    its properties (names lower-cased), how its heights read, and where it is in the file."""

    index: int
    kind: str
    parts: list[list[list[tuple[float, float, float | None]]]]
    properties: dict
    heights: str  # "none", "msl", "agl" (or "given": GeoJSON Z, the reference from the properties)
    line: int | None = None
    label: str = ""
    names: list[str] = field(default_factory=list)  # the properties' names as written


def read(source: Path, options: ImportOptions, fmt: str) -> Imported:
    """Read a GeoJSON or KML laydown (``fmt`` "geojson" or "kml") into a scenario document; InputError on bad
    input (naming the file, the feature and, in KML, the line)."""
    raw = read_bytes(source, MAX_BYTES, f"{fmt} file" if fmt == "kml" else "GeoJSON file")
    features = _geojson(source, raw) if fmt == "geojson" else _kml(source, raw)
    if not features:
        raise InputError(source, "contains no features: nothing to import")
    return _laydown(source, fmt, features, options, builtin_catalog())


# --- GeoJSON ---------------------------------------------------------------------------------------------------


def _geojson(source: Path, raw: bytes) -> list[Feature]:
    if (wide := wide_encoding(raw)) is not None:
        raise InputError(source, f"is {wide} text; save it as UTF-8 (RFC 8259: JSON is UTF-8)", 1)
    if b"\x00" in raw:
        raise InputError(source, "is not GeoJSON: it contains a NUL byte (binary data?)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(source, "is not GeoJSON: not UTF-8 text", raw[: exc.start].count(b"\n") + 1) from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(source, f"is not GeoJSON: not valid JSON: {exc.msg}", exc.lineno) from None
    except (RecursionError, ValueError) as exc:  # nesting too deep, an integer of thousands of digits, NaN
        why = "nesting too deep" if isinstance(exc, RecursionError) else _clip(str(exc))
        raise InputError(source, f"is not GeoJSON: {why}") from None
    if not isinstance(data, dict):
        raise InputError(source, "is not GeoJSON: expected a FeatureCollection or a Feature object")
    crs = data.get("crs")
    if crs is not None:
        name = crs.get("properties", {}).get("name") if isinstance(crs, dict) and isinstance(
            crs.get("properties"), dict) else None
        if not isinstance(name, str) or name.strip().lower() not in WGS84_CRS:
            shown = _clip(name if isinstance(name, str) else json.dumps(crs))
            raise InputError(source, f"crs: '{shown}' is not WGS 84 longitude/latitude; export the layer in "
                             "EPSG:4326 (RFC 7946 GeoJSON)")
    kind = data.get("type")
    if kind == "FeatureCollection":
        items = data.get("features")
        if not isinstance(items, list):
            raise InputError(source, "features: expected a list of Feature objects")
    elif kind == "Feature":
        items = [data]
    elif kind in ("Point", "LineString", "Polygon", "MultiPolygon", "MultiPoint", "MultiLineString",
                  "GeometryCollection"):
        raise InputError(source, f"is a bare {kind} geometry: iadsim needs Features, whose properties give each "
                         "one's type")
    else:
        raise InputError(source, f"is not GeoJSON: 'type' is {_clip(json.dumps(kind))}, not FeatureCollection or "
                         "Feature")
    if len(items) > MAX_FEATURES:
        raise InputError(source, f"has {len(items)} features; at most {MAX_FEATURES} are read")
    lines = _feature_lines(text) if kind == "FeatureCollection" else [text[:len(text) - len(text.lstrip())].count(
        "\n") + 1]
    out, vertices = [], 0
    for i, item in enumerate(items):
        where, line = f"features[{i}]", lines[i] if i < len(lines) else None
        try:
            if not isinstance(item, dict) or item.get("type") != "Feature":
                raise InputError(source, f"{where}: expected a Feature object")
            props = item.get("properties")
            if props is None:
                props = {}
            if not isinstance(props, dict):
                raise InputError(source, f"{where}.properties: expected an object")
            geometry = item.get("geometry")
            if not isinstance(geometry, dict):
                raise InputError(source, f"{where}: has no geometry; draw it as a point, line or polygon")
            kind, parts = _geojson_geometry(source, where + ".geometry", geometry)
            vertices += sum(len(r) for p in parts for r in p)
            if vertices > MAX_VERTICES:
                raise InputError(source, f"{where}: more than {MAX_VERTICES} vertices in the file; at most that are "
                                 "read")
            properties, names = _lower(source, where + ".properties", list(props.items()), None)
        except InputError as exc:  # (at the line its feature opens on: JSON's parser keeps no positions)
            if exc.line is not None or line is None:
                raise
            raise InputError(exc.file, exc.message, line, exc.loc) from None
        fallback = item.get("id")  # RFC 7946's feature id: after the id and name properties
        if isinstance(fallback, str | int) and not isinstance(fallback, bool) and not {"id", "name"} & set(properties):
            properties["id"] = fallback
        out.append(Feature(i, kind, parts, properties, "given", line, f"feature {i}", names))
    return out


def _feature_lines(text: str) -> list[int]:
    """The line each element of a FeatureCollection's ``features`` array opens on (its last ``features`` member,
    as :func:`json.loads` keeps the last of a duplicate name); [] when the text is not such an object. The members
    and elements are skipped by the standard library's own decoder (linear, at its speed)."""
    decoder, space = json.JSONDecoder(), re.compile(r"[ \t\n\r]*")
    starts: list[int] = []
    try:
        i = space.match(text, 0).end()
        if text[i:i + 1] != "{":
            return []
        i = space.match(text, i + 1).end()
        while text[i:i + 1] == '"':
            key, i = decoder.raw_decode(text, i)
            i = space.match(text, i).end() + 1  # (the colon)
            i = space.match(text, i).end()
            if key == "features" and text[i:i + 1] == "[":
                starts, i = [], space.match(text, i + 1).end()
                while text[i:i + 1] not in ("]", ""):
                    starts.append(i)
                    _, i = decoder.raw_decode(text, i)
                    i = space.match(text, i).end()
                    i = space.match(text, i + 1).end() if text[i:i + 1] == "," else i
                i += 1
            else:
                _, i = decoder.raw_decode(text, i)
            i = space.match(text, i).end()
            i = space.match(text, i + 1).end() if text[i:i + 1] == "," else i
    except (ValueError, RecursionError):  # (json.loads has read it already: not expected)
        return []
    lines, line, last = [], 1, 0
    for start in starts:
        line, last = line + text.count("\n", last, start), start
        lines.append(line)
    return lines


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _geojson_geometry(source: Path, where: str, geometry: dict):
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Point":
        return "point", [[[_position(source, where + ".coordinates", coords)]]]
    if kind == "LineString":
        return "line", [[_positions(source, where + ".coordinates", coords)]]
    if kind == "Polygon":
        return "polygon", [_rings(source, where + ".coordinates", coords)]
    if kind == "MultiPolygon":
        if not isinstance(coords, list) or not coords:
            raise InputError(source, f"{where}.coordinates: expected a list of polygons")
        return "polygon", [_rings(source, f"{where}.coordinates[{k}]", p) for k, p in enumerate(coords)]
    if kind in ("MultiPoint", "MultiLineString", "GeometryCollection"):
        raise InputError(source, f"{where}: a {kind} is not read: draw one point per unit and one line per flight")
    raise InputError(source, f"{where}: unknown geometry type {_clip(json.dumps(kind))}")


def _rings(source: Path, where: str, coords) -> list:
    if not isinstance(coords, list) or not coords:
        raise InputError(source, f"{where}: expected a list of rings")
    return [_positions(source, f"{where}[{k}]", ring) for k, ring in enumerate(coords)]


def _positions(source: Path, where: str, coords) -> list:
    if not isinstance(coords, list):
        raise InputError(source, f"{where}: expected a list of positions")
    if len(coords) > MAX_VERTICES:
        raise InputError(source, f"{where}: more than {MAX_VERTICES} positions")
    return [_position(source, f"{where}[{k}]", c) for k, c in enumerate(coords)]


def _position(source: Path, where: str, c, line: int | None = None) -> tuple[float, float, float | None]:
    if not isinstance(c, list | tuple) or not 2 <= len(c) <= 4 or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in c):
        raise InputError(source, f"{where}: expected a position [longitude, latitude] or [longitude, latitude, "
                         "height]", line)
    lon, lat = float(c[0]), float(c[1])
    z = float(c[2]) if len(c) > 2 else None
    if not all(math.isfinite(v) for v in (lon, lat, 0.0 if z is None else z)):
        raise InputError(source, f"{where}: coordinates must be finite numbers", line)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(source, f"{where}: longitude {lon:g}, latitude {lat:g} out of range (longitude -180..180, "
                         "latitude -90..90; positions are longitude first)", line)
    if z is not None and abs(z) > 1e5:
        raise InputError(source, f"{where}: height {z:g} m out of range (at most 100 km)", line)
    return lon, lat, z


def _lower(source: Path, where: str, props: list[tuple], line: int | None) -> tuple[dict, list[str]]:
    """Properties (name, value) keyed by lower-case name, empty values dropped, dotted names nested."""
    out: dict = {}
    names = []
    for key, value in props:
        name = str(key).strip().lower()
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        names.append(name)
        head, _, rest = name.partition(".")
        if rest:
            node = out.setdefault(head, {})
            if not isinstance(node, dict):
                raise InputError(source, f"{where}: both '{_clip(head)}' and '{_clip(name)}' are given", line)
            for part in rest.split(".")[:-1]:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise InputError(source, f"{where}: '{_clip(name)}' clashes with another property", line)
            leaf = rest.split(".")[-1]
            if leaf in node:
                raise InputError(source, f"{where}: '{_clip(name)}' is given twice", line)
            node[leaf] = value
        elif name in out:
            raise InputError(source, f"{where}: '{_clip(name)}' is given twice (names are matched ignoring case)", line)
        else:
            out[name] = value
    return out, names


# --- KML -------------------------------------------------------------------------------------------------------


def _kml(source: Path, raw: bytes) -> list[Feature]:
    from lxml import etree

    if raw[:4] == b"PK\x03\x04":
        raise InputError(source, "is a KMZ (zipped KML), which is not read: unzip it and import its doc.kml")
    for mark in (b"<!DOCTYPE", b"<!ENTITY"):
        at = raw.find(mark)
        if at >= 0:
            raise InputError(source, f"is not KML: it has a {mark[2:].decode()} declaration (KML needs none; entities "
                             "are not read)", raw[:at].count(b"\n") + 1)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                             dtd_validation=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        why = re.sub(r",? line \d+, column \d+$", "", str(exc.msg or exc))
        raise InputError(source, f"is not KML: not well-formed XML: {_clip(why, 100)}", line) from None
    if root.getroottree().docinfo.doctype:
        raise InputError(source, "is not KML: it has a DOCTYPE (KML needs none; entities are not read)")
    if _local(root) != "kml":
        raise InputError(source, f"is not KML: its root element is <{_clip(_local(root))}>, not <kml>",
                         root.sourceline)
    out, vertices = [], 0
    for i, mark in enumerate(el for el in root.iter() if _local(el) == "Placemark"):
        if i >= MAX_FEATURES:
            raise InputError(source, f"has more than {MAX_FEATURES} placemarks; at most that are read", mark.sourceline)
        feature = _placemark(source, i, mark)
        vertices += sum(len(r) for p in feature.parts for r in p)
        if vertices > MAX_VERTICES:
            raise InputError(source, f"placemark {i}: more than {MAX_VERTICES} vertices in the file; at most that "
                             "are read", mark.sourceline)
        out.append(feature)
    return out


def _local(el) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _kids(el, name: str) -> list:
    return [c for c in el if _local(c) == name]


def _text(el) -> str:
    return "".join(el.itertext()).strip()


def _placemark(source: Path, i: int, mark) -> Feature:
    where = f"feature {i}"
    props: list[tuple] = [("name", _text(el)) for el in _kids(mark, "name")]
    for ext in _kids(mark, "ExtendedData"):
        items = [(d.get("name"), _kids(d, "value")) for d in _kids(ext, "Data")]
        items = [(n, _text(v[0]) if v else "") for n, v in items]
        items += [(s.get("name"), _text(s)) for sd in _kids(ext, "SchemaData") for s in _kids(sd, "SimpleData")]
        for name, value in items:
            if not name:
                raise InputError(source, f"{where}: an ExtendedData item without a name", ext.sourceline)
            props.append((name, value.strip() if name.strip().lower() in KML_TEXT else _kml_value(value)))
    geometries = [c for c in mark if _local(c) in ("Point", "LineString", "Polygon", "MultiGeometry", "LinearRing",
                                                   "Model", "Track", "MultiTrack")]
    if not geometries:
        raise InputError(source, f"{where}: has no geometry; draw it as a point, path or polygon", mark.sourceline)
    geometry = geometries[0]
    if _local(geometry) == "MultiGeometry":
        inner = [c for c in geometry if isinstance(c.tag, str)]
        kinds = {_local(c) for c in inner}
        if not inner or kinds != {"Polygon"} and len(inner) != 1:
            raise InputError(source, f"{where}: a MultiGeometry is read only when it holds polygons (one defended "
                             "asset) or a single geometry", geometry.sourceline)
        if kinds != {"Polygon"}:
            geometry = inner[0]
    kind = _local(geometry)
    if kind == "Point":
        parts = [[_coordinates(source, where, geometry, 1)]]
        shape = "point"
    elif kind == "LineString":
        parts = [[_coordinates(source, where, geometry, None)]]
        shape = "line"
    elif kind in ("Polygon", "MultiGeometry"):
        polygons = [geometry] if kind == "Polygon" else list(geometry)
        parts = [_kml_polygon(source, where, p) for p in polygons if isinstance(p.tag, str)]
        shape = "polygon"
    else:
        raise InputError(source, f"{where}: a {kind} is not read: draw a point, path or polygon", geometry.sourceline)
    mode_el = [c for c in geometry.iter() if _local(c) == "altitudeMode"]
    mode = _text(mode_el[0]) if mode_el else "clampToGround"
    heights = {"clampToGround": "none", "clampToSeaFloor": "none", "relativeToGround": "agl",
               "relativeToSeaFloor": "agl", "absolute": "msl"}.get(mode)
    if heights is None:
        raise InputError(source, f"{where}: unknown altitudeMode '{_clip(mode)}'", mode_el[0].sourceline)
    properties, names = _lower(source, where, props, mark.sourceline)
    return Feature(i, shape, parts, properties, heights, mark.sourceline, where, names)


def _kml_value(text: str):
    """KML's text values as YAML would read them: integers, numbers and true/false; anything else stays text."""
    value = text.strip()
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return {"true": True, "false": False}.get(value.lower(), value)


def _kml_polygon(source: Path, where: str, polygon) -> list:
    rings = []
    for boundary in [*_kids(polygon, "outerBoundaryIs"), *_kids(polygon, "innerBoundaryIs")]:
        for ring in _kids(boundary, "LinearRing"):
            rings.append(_coordinates(source, where, ring, None))
    if not _kids(polygon, "outerBoundaryIs"):
        raise InputError(source, f"{where}: a Polygon without an outerBoundaryIs", polygon.sourceline)
    return rings


def _coordinates(source: Path, where: str, geometry, count: int | None) -> list:
    els = _kids(geometry, "coordinates")
    if len(els) != 1:
        raise InputError(source, f"{where}: <{_local(geometry)}> needs one <coordinates>", geometry.sourceline)
    el = els[0]
    tuples = _text(el).split()
    if len(tuples) > MAX_VERTICES:
        raise InputError(source, f"{where}: more than {MAX_VERTICES} positions", el.sourceline)
    out = []
    for k, item in enumerate(tuples):
        try:
            values = [float(v) for v in item.split(",")]
        except ValueError:
            raise InputError(source, f"{where}: coordinates[{k}]: '{_clip(item)}' is not longitude,latitude[,height]",
                             el.sourceline) from None
        out.append(_position(source, f"{where}: coordinates[{k}]", values, el.sourceline))
    if count is not None and len(out) != count:
        raise InputError(source, f"{where}: a Point needs exactly one position, not {len(out)}", el.sourceline)
    return out


# --- the laydown -----------------------------------------------------------------------------------------------


@dataclass
class _Ids:
    """Feature ids as they are handed out: each one's feature, for a message naming both on a clash; made-up ids
    from a counter per stem (O(1) each)."""

    source: Path
    owner: dict[str, Feature] = field(default_factory=dict)
    made: IdMaker = field(default_factory=IdMaker)

    def take(self, ident: str, feature: Feature) -> str:
        if ident in self.owner:
            first = self.owner[ident]
            at = f" (line {first.line})" if first.line is not None else ""
            raise InputError(self.source, f"{feature.label}: id '{ident}' is already {first.label}'s{at}; ids must "
                             "be unique", feature.line)
        self.owner[ident] = feature
        self.made.take(ident)
        return ident

    def fresh(self, stem: str, feature: Feature, first: int = 1, bare: bool = False) -> str:
        ident = self.made.fresh(stem, first, bare)
        self.owner[ident] = feature
        return ident


def _laydown(source: Path, fmt: str, features: list[Feature], options: ImportOptions, catalog: Catalog) -> Imported:
    warnings: list[str] = []
    check_unit_count(source, sum(1 for f in features if f.kind == "point"))
    ids = _Ids(source)
    given = {f.index: _given_id(source, f) for f in features}
    for f in features:  # given ids first, so that a made-up one never takes a given one
        if given[f.index] is not None:
            ids.take(given[f.index], f)
    explicit: dict[int, str | None] = {}
    repeated: dict[str, int] = {}
    for f in features:  # then ids made from names, in the file's order: a name met again gets -2, -3...
        name = given[f.index] or _name_id(f)
        if name is not None and given[f.index] is None:
            made = ids.fresh(name, f, first=2, bare=True)
            if made != name:
                repeated[name] = repeated.get(name, 1) + 1
            name = made
        explicit[f.index] = name
    if repeated:
        shown = ", ".join(f"'{_clip(n, 40)}' ({k})" for n, k in sorted(repeated.items())[:10])
        warnings.append(f"{source}: features named alike got ids with -2, -3... (name, features): {shown}"
                        + (f" and {len(repeated) - 10} more" if len(repeated) > 10 else ""))
    ignored: dict[str, int] = {}
    assets, sources, added = [], {}, []
    for f in (f for f in features if f.kind == "polygon"):
        ident = explicit[f.index] or ids.fresh("asset", f)
        asset, area, extra = _asset(source, f, ident)
        assets.append(asset)
        added.append((extra, area, f, ident, asset))
        sources[("defended_assets", len(assets) - 1)] = (f"{f.label} ('{ident}')", f.line)
        _ignore(f, POLYGON_OWN, ignored)
    warnings += _polygon_warnings(source, added)
    units, groups, positions, heights = [], {}, {}, 0
    for f in (f for f in features if f.kind == "point"):
        unit_type = _type(source, f, catalog, UNIT_KINDS, "a point is a unit")
        ident = explicit[f.index] or ids.fresh(unit_type, f)
        lon, lat, z = f.parts[0][0][0]
        heights += z is not None and z != 0 and f.heights != "none"
        unit = {"id": ident, "type": unit_type, "lat": lat, "lon": lon}
        unit.update({k: v for k, v in f.properties.items() if k in UNIT_FIELDS})
        groups[ident] = _battery(source, f)
        positions[ident] = (lat, lon)
        units.append(unit)
        sources[("units", len(units) - 1)] = (f"{f.label} ('{ident}')", f.line)
        _ignore(f, POINT_OWN | UNIT_FIELDS, ignored)
    if heights:
        warnings.append(f"{source}: {heights} points have a height (Z): ignored, a unit stands on the ground "
                        "(mast_height raises its antenna)")
    flights: dict[str, list] = {"threats": [], "traffic": []}
    for f in (f for f in features if f.kind == "line"):
        group, flight = _flight(source, f, catalog, explicit[f.index] or None, ids, assets, warnings)
        flights[group].append(flight)
        sources[(group, len(flights[group]) - 1)] = (f"{f.label} ('{flight['id']}')", f.line)
        _ignore(f, LINE_OWN | FLIGHT_FIELDS[group], ignored)
    if ignored:
        shown = ", ".join(f"{_clip(n, 40)} ({k})" for n, k in sorted(ignored.items())[:20])
        more = f" and {len(ignored) - 20} more" if len(ignored) > 20 else ""
        warnings.append(f"{source}: properties ignored (not iadsim fields; features carrying each): {shown}{more}")
    links, wiring = wire(units, groups, catalog, positions, source=source)
    warnings += [f"{source}: {w}" for w in wiring]
    document = laydown_document(
        options.name or _name(source),
        f"Laydown imported from {_clip(source.name, 120)} ({fmt}): check types, batteries and links.",
        units, links, assets, flights["threats"], flights["traffic"], catalog, options, source)
    return Imported(source, fmt, document, warnings, sources)


def _polygon_warnings(source: Path, added: list) -> list[str]:
    """One warning per polygon written as a circle; beyond :data:`POLYGON_WARNINGS`, one summary line and the
    largest additions."""
    def line(extra, area, f, ident, asset) -> str:
        radius = float(asset["radius"].split()[0])
        return (f"{f.label} ('{ident}'): polygon written as its minimum enclosing circle (radius "
                f"{radius / 1e3:.3f} km): {extra / 1e6:.3f} km² added to its {area / 1e6:.3f} km²")

    if len(added) <= POLYGON_WARNINGS:
        return [f"{source}: {line(*a)}" for a in added]
    largest = sorted(added, key=lambda a: -a[0])[:5]
    return [f"{source}: {len(added)} polygons written as their minimum enclosing circles: "
            f"{sum(a[0] for a in added) / 1e6:.3f} km² added to their {sum(a[1] for a in added) / 1e6:.3f} km²; "
            "the largest additions: " + "; ".join(line(*a) for a in largest)]


def _name(source: Path) -> str:
    name = "".join(c if c.isprintable() else "-" for c in source.stem).strip()
    return name[:200] or "laydown"


def _given_id(source: Path, f: Feature) -> str | None:
    """The feature's ``id`` (must be a valid id), else None."""
    given = f.properties.get("id")
    if given is None:
        return None
    text = str(given).strip() if not isinstance(given, bool) else ""
    if not _ID.match(text):
        raise InputError(source, f"{f.label}: id '{_clip(str(given))}' is not a valid id: use up to 64 "
                         "letters, digits, '_', '.' and '-', starting with a letter or digit", f.line)
    return text


def _name_id(f: Feature) -> str | None:
    """The feature's ``name`` made a valid id (room left for a ``-n`` suffix), else None."""
    name = f.properties.get("name")
    if name is None:
        return None
    made = _ID_BAD.sub("-", str(name).strip()).lstrip("_.-")[:58].rstrip("_.-")
    return made or None


def _type(source: Path, f: Feature, catalog: Catalog, kinds, what: str) -> str:
    given = f.properties.get("type")
    ids = [k for k, v in catalog.types.items() if v.kind in kinds]
    where = f"{f.label}: type"
    if given is None:
        hint = nearest_names(str(f.properties.get("name", "")), ids)
        raise InputError(source, f"{where}: missing; {what}: give its catalog type ({hint}; `iadsim catalog` lists "
                         "them)", f.line)
    name = str(given).strip()
    if name not in ids:
        raise unknown_type(source, f.line, where, name, catalog, kinds)
    return name


def _battery(source: Path, f: Feature) -> str | None:
    battery, group = f.properties.get("battery"), f.properties.get("group")
    if battery is not None and group is not None and str(battery) != str(group):
        raise InputError(source, f"{f.label}: battery '{_clip(str(battery))}' and group '{_clip(str(group))}' "
                         "differ; give one", f.line)
    value = battery if battery is not None else group
    return None if value is None else str(value).strip()


def _ignore(f: Feature, known: set | frozenset, ignored: dict[str, int]) -> None:
    for name in {n.partition(".")[0] for n in f.names} - set(known):
        ignored[name] = ignored.get(name, 0) + 1


def _flight(source: Path, f: Feature, catalog: Catalog, ident: str | None, ids: _Ids, assets: list[dict],
            warnings: list[str]) -> tuple[str, dict]:
    props = f.properties
    role = props.get("role")
    if role is not None and role not in ("threat", "traffic"):
        raise InputError(source, f"{f.label}: role '{_clip(str(role))}' is neither threat nor traffic", f.line)
    kinds = ("aircraft",) if role == "traffic" else ("aircraft", "decoy")
    flight_type = _type(source, f, catalog, kinds, "a line is a flight")
    entry = catalog.types[flight_type]
    civil = isinstance(entry, AircraftType) and entry.civil
    group = {"threat": "threats", "traffic": "traffic"}.get(role, "traffic" if civil else "threats")
    ident = ident or ids.fresh(flight_type, f)
    route = f.parts[0][0]
    if len(route) < 2:
        raise InputError(source, f"{f.label}: a line needs at least 2 vertices, not {len(route)}", f.line)
    if len(route) > MAX_ROUTE:
        raise InputError(source, f"{f.label}: a route has at most {MAX_ROUTE} vertices, not {len(route)}", f.line)
    flight: dict = {"id": ident, "type": flight_type}
    flight.update({k: v for k, v in props.items() if k in FLIGHT_FIELDS[group]})
    zs = [v[2] for v in route]
    if f.heights != "none" and None in zs and any(z is not None for z in zs):
        raise InputError(source, f"{f.label}: some vertices have a height and others none", f.line)
    drawn_flat = all(z is None for z in zs) or (f.heights == "given" and all(z == 0 for z in zs))
    if f.heights == "none" or drawn_flat:
        if "altitude" in props:
            heights = [props["altitude"]] * len(route)
        else:
            altitude, reference = DEFAULT_ALTITUDE[group]
            heights = [altitude] * len(route)
            flight.setdefault("altitude_reference", reference)
            warnings.append(f"{source}: {f.label} ('{ident}'): no heights or altitude: flown at {altitude} "
                            f"{flight['altitude_reference'].upper()} (assumed)")
    else:
        if "altitude" in props:
            raise InputError(source, f"{f.label}: altitude is for a line drawn without heights; this one has them",
                             f.line)
        heights = [f"{v[2]:.10g} m" for v in route]
        if f.heights in ("agl", "msl"):  # KML's altitudeMode
            given = props.get("altitude_reference")
            if given is not None and given != f.heights:
                raise InputError(source, f"{f.label}: altitude_reference {_clip(str(given))} contradicts the "
                                 f"altitudeMode ({f.heights})", f.line)
            flight["altitude_reference"] = f.heights
        else:  # GeoJSON: RFC 7946 heights are above the ellipsoid, read as MSL
            flight.setdefault("altitude_reference", "msl")
    waypoints = []
    for (lon, lat, _), height in zip(route, heights, strict=True):
        waypoint = {"lat": lat, "lon": lon, "altitude": height}
        if "speed" in props:
            waypoint["speed"] = props["speed"]
        waypoints.append(waypoint)
    flight["route"] = waypoints
    if group == "threats" and "target" not in flight and assets:
        end = (route[-1][1], route[-1][0])
        flight["target"] = min(assets, key=lambda a: _geodesic(end, (a["lat"], a["lon"])))["id"]
    return group, flight


def _geodesic(a: tuple[float, float], b: tuple[float, float]) -> float:
    return abs(geod().inv(a[1], a[0], b[1], b[0])[2])


def _asset(source: Path, f: Feature, ident: str) -> tuple[dict, float, float]:
    """A defended asset: the minimum enclosing circle of the polygon(s); with the polygon's area and the area
    the circle adds [m^2]."""
    import shapely

    outers = []
    area = 0.0
    for k, rings in enumerate(f.parts):
        for r, ring in enumerate(rings):
            closed = ring if ring[0][:2] == ring[-1][:2] else [*ring, ring[0]]
            distinct = {v[:2] for v in closed}
            if len(closed) < 4 or len(distinct) < 3:
                what = "outer ring" if r == 0 else f"hole {r}"
                raise InputError(source, f"{f.label}: polygon {k}: its {what} has {len(distinct)} distinct "
                                 "points; a polygon needs at least 3", f.line)
            lons, lats = [v[0] for v in closed], [v[1] for v in closed]
            ring_area = abs(geod().polygon_area_perimeter(lons, lats)[0])
            if r == 0 and ring_area <= 0:
                raise InputError(source, f"{f.label}: polygon {k} encloses no area", f.line)
            area += ring_area if r == 0 else -ring_area
        outers += [(v[0], v[1]) for v in rings[0]]
    lon0 = math.degrees(math.atan2(sum(math.sin(math.radians(p[0])) for p in outers),
                                   sum(math.cos(math.radians(p[0])) for p in outers)))
    lat0 = sum(p[1] for p in outers) / len(outers)
    for _ in range(2):  # centre the projection on the circle: its radius is then a geodesic distance
        (lon0, lat0), radius = _enclosing_circle(outers, lon0, lat0, shapely)
    added = math.pi * radius**2 - area
    radius = math.ceil(radius * 10) / 10
    asset = {"id": ident, "lat": lat0, "lon": lon0, "radius": f"{radius:.1f} m"}
    if "value" in f.properties:
        asset["value"] = f.properties["value"]
    return asset, area, added


def _enclosing_circle(points, lon0: float, lat0: float, shapely):
    """The minimum enclosing circle of ``points`` (lon, lat) in the azimuthal equidistant projection centred on
    (lon0, lat0), made with the shared Geod (a point at its geodesic distance along its azimuth)."""
    n = len(points)
    azimuths, _, distances = geod().inv([lon0] * n, [lat0] * n, [p[0] for p in points], [p[1] for p in points])
    xy = [(d * math.sin(math.radians(a)), d * math.cos(math.radians(a)))
          for a, d in zip(azimuths, distances, strict=True)]
    cloud = shapely.MultiPoint(xy)
    centre = shapely.minimum_bounding_circle(cloud).centroid
    radius = float(shapely.minimum_bounding_radius(cloud))
    lon, lat, _ = geod().fwd(lon0, lat0, math.degrees(math.atan2(centre.x, centre.y)), math.hypot(centre.x, centre.y))
    return (float(lon), float(lat)), radius

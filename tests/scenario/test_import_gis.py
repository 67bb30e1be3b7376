"""`iadsim import geojson|kml`: round trips of a laydown built here (import, compare, validate, simulate), and bad
input refused with one line naming the file, exit 2 and nothing written."""

from __future__ import annotations

import json
import math
import re

import pytest
import yaml
from pyproj import Geod, Transformer

from iadsim.cli import main

GEOD = Geod(ellps="WGS84")

# The network drawn in the test: (id, type, lon, lat, extra properties)
UNITS = [
    ("ew-1", "ew-radar", 10.00, 50.00, {"mast_height": "20 m"}),
    ("cp-1", "command-post", 10.05, 49.95, {}),
    ("mr-sr", "mr-search-radar", 10.10, 49.90, {"battery": "north"}),
    ("mr-telar", "mr-telar", 10.11, 49.90, {"battery": "north", "layer": "medium"}),
    ("mr-ll", "mr-launcher-loader", 10.12, 49.90, {"battery": "north"}),
]
# a raid at msl heights, ending near the airbase; an airliner drawn flat at an altitude
RAID = [(9.70, 50.20, 3000.0), (9.95, 49.95, 1500.0), (10.11, 49.86, 600.0)]
AIRLINER = [(9.60, 49.60), (10.50, 50.25)]
# an obtuse triangle: its minimum enclosing circle has its longest side (A-B) as diameter
AIRBASE = [(10.08, 49.84), (10.16, 49.84), (10.10, 49.855)]


def geojson_text(units=UNITS, extra_features=()) -> str:
    features = [{"type": "Feature", "properties": {"type": t, "id": i, **p},
                 "geometry": {"type": "Point", "coordinates": [lon, lat]}} for i, t, lon, lat, p in units]
    features.append({"type": "Feature", "properties": {"type": "fighter", "id": "raid-1", "count": 2,
                                                       "spacing": "20 s", "fid": 7},
                     "geometry": {"type": "LineString", "coordinates": [list(v) for v in RAID]}})
    features.append({"type": "Feature", "properties": {"type": "medium-airliner", "name": "LH 123",
                                                       "altitude": "9 km"},
                     "geometry": {"type": "LineString", "coordinates": [list(v) for v in AIRLINER]}})
    features.append({"type": "Feature", "properties": {"name": "airbase", "value": 5e8},
                     "geometry": {"type": "Polygon", "coordinates": [[*map(list, AIRBASE), list(AIRBASE[0])]]}})
    features += list(extra_features)
    return json.dumps({"type": "FeatureCollection", "features": features}, indent=1)


def _data(props: dict) -> str:
    items = "".join(f'<Data name="{k}"><value>{v}</value></Data>' for k, v in props.items())
    return f"<ExtendedData>{items}</ExtendedData>"


def kml_text(units=UNITS) -> str:
    marks = [f"<Placemark><name>{i}</name>{_data({'type': t, **p})}<Point><coordinates>{lon},{lat}</coordinates>"
             "</Point></Placemark>" for i, t, lon, lat, p in units]
    raid = " ".join(f"{lon},{lat},{z}" for lon, lat, z in RAID)
    marks.append(f"<Placemark><name>raid-1</name>{_data({'type': 'fighter', 'count': 2, 'spacing': '20 s'})}"
                 f"<LineString><altitudeMode>absolute</altitudeMode><coordinates>{raid}</coordinates></LineString>"
                 "</Placemark>")
    airliner = " ".join(f"{lon},{lat},0" for lon, lat in AIRLINER)
    marks.append(f"<Placemark><name>LH 123</name>{_data({'type': 'medium-airliner', 'altitude': '9 km'})}"
                 f"<LineString><coordinates>{airliner}</coordinates></LineString></Placemark>")
    ring = " ".join(f"{lon},{lat}" for lon, lat in [*AIRBASE, AIRBASE[0]])
    marks.append(f"<Placemark><name>airbase</name><description>the base</description>{_data({'value': 500000000})}"
                 f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}</coordinates></LinearRing>"
                 "</outerBoundaryIs></Polygon></Placemark>")
    body = "\n".join(marks)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"<Folder><name>laydown</name>\n{body}\n</Folder></Document></kml>\n")


def run(capsys, *argv) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def expected_circle():
    """The minimum enclosing circle of the obtuse triangle: centre at the geodesic midpoint of A-B, radius half
    its length."""
    (lon_a, lat_a), (lon_b, lat_b) = AIRBASE[0], AIRBASE[1]
    azimuth, _, length = GEOD.inv(lon_a, lat_a, lon_b, lat_b)
    lon, lat, _ = GEOD.fwd(lon_a, lat_a, azimuth, length / 2)
    return lat, lon, length / 2


def triangle_area() -> float:
    """[m^2] by the shoelace formula in a Lambert azimuthal equal-area projection centred on the triangle."""
    lon0 = sum(p[0] for p in AIRBASE) / 3
    lat0 = sum(p[1] for p in AIRBASE) / 3
    laea = Transformer.from_crs("EPSG:4326", f"+proj=laea +lat_0={lat0} +lon_0={lon0} +datum=WGS84", always_xy=True)
    xy = [laea.transform(lon, lat) for lon, lat in AIRBASE]
    return abs(sum(xy[i][0] * xy[i - 1][1] - xy[i - 1][0] * xy[i][1] for i in range(3))) / 2


@pytest.mark.parametrize("fmt", ["geojson", "kml"])
def test_round_trip_builds_imports_validates_and_simulates(fmt, tmp_path, capsys):
    source = tmp_path / f"laydown.{fmt}"
    source.write_text(geojson_text() if fmt == "geojson" else kml_text(), encoding="utf-8")
    out = tmp_path / "scenarios" / "laydown.yaml"
    status, stdout, stderr = run(capsys, "import", fmt, source, "--out", out)
    assert status == 0, stderr
    assert "5 units" in stdout and "1 raid," in stdout and "1 flight," in stdout and "1 defended asset" in stdout
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert doc["name"] == "laydown"
    units = {u["id"]: u for u in doc["units"]}
    assert set(units) == {u[0] for u in UNITS}
    for ident, unit_type, lon, lat, _ in UNITS:
        unit = units[ident]
        assert unit["type"] == unit_type
        assert unit["lat"] == pytest.approx(lat, abs=1e-6) and unit["lon"] == pytest.approx(lon, abs=1e-6)
        assert "battery" not in units[ident]
    assert units["ew-1"]["mast_height"] == "20 m" and units["mr-telar"]["layer"] == "medium"
    links = {(link["from"], link["to"], link["carries"]) for link in doc["links"]}
    assert links == {("mr-sr", "mr-telar", "cues"), ("mr-telar", "mr-ll", "fire-control"),
                     ("ew-1", "cp-1", "tracks"), ("mr-sr", "cp-1", "tracks"), ("cp-1", "mr-telar", "cues")}
    # the raid: its vertices and heights (MSL: GeoJSON heights, KML absolute), the asset nearest its end as target
    (raid,) = doc["threats"]
    assert (raid["id"], raid["type"], raid["count"], raid["spacing"]) == ("raid-1", "fighter", 2, "20 s")
    assert raid["altitude_reference"] == "msl" and raid["target"] == "airbase"
    for waypoint, (lon, lat, z) in zip(raid["route"], RAID, strict=True):
        assert waypoint["lat"] == pytest.approx(lat, abs=1e-6) and waypoint["lon"] == pytest.approx(lon, abs=1e-6)
        assert waypoint["altitude"] == f"{z:g} m"
    # the airliner: civil, so traffic; drawn without heights (KML: clamped to the ground), at its altitude
    (airliner,) = doc["traffic"]
    assert (airliner["id"], airliner["type"]) == ("LH-123", "medium-airliner")
    assert [w["altitude"] for w in airliner["route"]] == ["9 km", "9 km"]
    assert "altitude_reference" not in airliner  # traffic's default: MSL
    # the airbase: the minimum enclosing circle, against the geometry of an obtuse triangle
    (asset,) = doc["defended_assets"]
    lat, lon, radius = expected_circle()
    assert asset["id"] == "airbase" and asset["value"] == 5e8
    assert asset["lat"] == pytest.approx(lat, abs=1e-6) and asset["lon"] == pytest.approx(lon, abs=1e-6)
    written = float(asset["radius"].removesuffix(" m"))
    assert radius <= written <= radius + 0.11
    warning = re.search(r"feature \d+ \('airbase'\): polygon written as its minimum enclosing circle \(radius "
                        r"([0-9.]+) km\): ([0-9.]+) km² added to its ([0-9.]+) km²", stderr)
    assert warning, stderr
    assert str(source) in next(line for line in stderr.splitlines() if "polygon written" in line)  # (names its file)
    assert float(warning.group(1)) == pytest.approx(radius / 1e3, abs=0.0011)
    area = triangle_area()
    assert float(warning.group(3)) == pytest.approx(area / 1e6, abs=0.0011)
    assert float(warning.group(2)) == pytest.approx((math.pi * radius**2 - area) / 1e6, abs=0.0021)
    if fmt == "geojson":
        assert "properties ignored" in stderr and "fid (1)" in stderr  # QGIS's feature id
    # terrain: flat, covering every position (checked by validation: positions off the terrain are refused)
    assert doc["terrain"]["flat"] == "0 m"
    status, _, stderr = run(capsys, "validate", out)
    assert status == 0, stderr

    import iadsim

    scenario = iadsim.load(out).with_changes({"duration": "6 min"})
    results = iadsim.run(scenario, replications=2, seed=3)
    summary = results.summary.set_index("metric")
    assert summary.loc["kills", "n"] == 2
    assert summary.loc["kills", "mean"] + summary.loc["leakers", "mean"] == 2  # both fighters of the raid flew
    assert summary.loc["time_to_first_detection", "n"] == 2  # the imported network saw them


def test_kml_relative_heights_are_agl_and_dotted_names_nest(tmp_path, capsys):
    mark = ('<Placemark><name>r</name>{data}<LineString><altitudeMode>relativeToGround</altitudeMode>'
            '<coordinates>10,50,200 10.1,50,150</coordinates></LineString></Placemark>'
            '<Placemark><name>s</name>{unit}<Point><coordinates>10.05,50.02</coordinates></Point></Placemark>')
    text = ('<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            + mark.format(data=_data({"type": "drone"}),
                          unit=_data({"type": "ew-radar", "readiness.availability": 0.9, "Sector.center": "90 deg",
                                      "sector.width": "120 deg"}))
            + "</Document></kml>")
    source = tmp_path / "a.kml"
    source.write_text(text)
    out = tmp_path / "a.yaml"
    status, _, stderr = run(capsys, "import", "kml", source, "--out", out)
    assert status == 0, stderr
    doc = yaml.safe_load(out.read_text())
    (raid,) = doc["threats"]
    assert raid["altitude_reference"] == "agl" and [w["altitude"] for w in raid["route"]] == ["200 m", "150 m"]
    (unit,) = doc["units"]
    assert unit["readiness"] == {"availability": 0.9}
    assert unit["sector"] == {"center": "90 deg", "width": "120 deg"}


def test_a_line_without_heights_gets_the_default_altitude_with_a_warning(tmp_path, capsys):
    feature = {"type": "Feature", "properties": {"type": "fighter"},
               "geometry": {"type": "LineString", "coordinates": [[10, 50, 0], [10.2, 50.1, 0]]}}
    source = tmp_path / "r.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    out = tmp_path / "r.yaml"
    status, _, stderr = run(capsys, "import", "geojson", source, "--out", out)
    assert status == 0, stderr
    (raid,) = yaml.safe_load(out.read_text())["threats"]
    assert raid["id"] == "fighter-1" and raid["altitude_reference"] == "agl"
    assert [w["altitude"] for w in raid["route"]] == ["300 m", "300 m"]
    assert "feature 0 ('fighter-1'): no heights or altitude: flown at 300 m AGL (assumed)" in stderr


def _point(props, coords=(10.0, 50.0)):
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": list(coords)}}


def _collection(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, indent=1)


def _opening_line(text: str, k: int) -> int:
    """The line feature ``k`` opens on in ``json.dumps(..., indent=1)``'s layout: the k-th line that is a brace
    indented by two spaces (the features array's elements)."""
    return [n for n, line in enumerate(text.splitlines(), 1) if line == "  {"][k]


BAD_GEOJSON = {
    "missing type": (_collection(_point({"name": "ew radr"})),
                     r"feature 0: type: missing; a point is a unit: give its catalog type \(nearest: ew-radar"),
    "unknown type": (_collection(_point({"type": "mr-telarr"})),
                     r"feature 0: type: unknown type 'mr-telarr'; nearest: mr-telar"),
    "unknown line type": (geojson_text(extra_features=[{"type": "Feature", "properties": {"type": "figther"},
                                                        "geometry": {"type": "LineString",
                                                                     "coordinates": [[10, 50], [10, 51]]}}]),
                          r"feature 8: type: unknown type 'figther'; nearest: fighter"),
    "not JSON": ("\n{not json", r"is not GeoJSON: not valid JSON", 2),
    "not GeoJSON": (json.dumps({"type": "Topology"}), r"is not GeoJSON: 'type' is \"Topology\""),
    "too few points": (_collection({"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[10, 50], [10.1, 50], [10, 50]]]}}),
                       r"feature 0: polygon 0: its outer ring has 2 distinct points; a polygon needs at least 3"),
    "latitude out of range": (_collection(_point({"type": "ew-radar"}, (10.0, 95.0))),
                              r"features\[0\]\.geometry\.coordinates: longitude 10, latitude 95 out of range"),
    "empty collection": (_collection(), r"contains no features: nothing to import"),
    "other crs": (json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {
        "name": "urn:ogc:def:crs:EPSG::3857"}}, "features": [_point({"type": "ew-radar"})]}),
                  r"crs: 'urn:ogc:def:crs:EPSG::3857' is not WGS 84"),
    "id clash": (_collection(_point({"type": "ew-radar", "id": "a"}), _point({"type": "ew-radar", "id": "a"})),
                 r"feature 1: id 'a' is already feature 0's \(line 4\); ids must be unique"),
    "too many units": (_collection(*[_point({"type": "ew-radar"}, (10 + k * 1e-4, 50)) for k in range(2001)]),
                       r"has 2001 units; a scenario holds at most 2000"),
    "too wide for flat terrain": (_collection(_point({"type": "ew-radar"}, (-50, 50)), _point({"type": "ew-radar"},
                                                                                           (50, 50))),
                                  r"the laydown spans \d+ km: too wide for flat terrain .*; give --terrain"),
    "multipoint": (_collection({"type": "Feature", "properties": {"type": "ew-radar"},
                                "geometry": {"type": "MultiPoint", "coordinates": [[10, 50]]}}),
                   r"a MultiPoint is not read"),
    "no geometry": (_collection({"type": "Feature", "properties": {"type": "ew-radar"}, "geometry": None}),
                    r"feature|features\[0\]: has no geometry"),
    "a bare number where a unit is needed": (_collection(_point({"type": "ew-radar", "id": "e", "mast_height": 20})),
                                             r"feature 0 \('e'\): units\[0\]\.mast_height: '20' needs a unit"),
    "NaN": ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"type": "ew-radar"}, '
            '"geometry": {"type": "Point", "coordinates": [NaN, 50]}}]}', r"NaN is not a JSON number"),
}


def _refused(capsys, tmp_path, fmt, source, pattern, line=None):
    out = tmp_path / "laydown.yaml"
    out.write_text("earlier: file\n")
    status, stdout, stderr = run(capsys, "import", fmt, source, "--out", out)
    assert status == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    where = f"{source}:{line}: " if line is not None else f"{source}: "
    assert lines[0].startswith(f"iadsim: {where}"), lines[0]
    assert re.search(pattern, lines[0]), lines[0]
    assert out.read_text() == "earlier: file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([source.name, out.name])
    assert not stdout


AT_FEATURE = {"missing type": 0, "unknown type": 0, "unknown line type": 8, "too few points": 0,
              "latitude out of range": 0, "id clash": 1, "multipoint": 0, "no geometry": 0,
              "a bare number where a unit is needed": 0}
"""The cases whose fault lies in one feature: the error names the line that feature opens on (JSON's parser keeps
no positions; the feature's line is found by iadsim and checked here from the layout)."""


@pytest.mark.parametrize("case", BAD_GEOJSON)
def test_bad_geojson_is_refused_in_one_line_and_nothing_is_written(case, tmp_path, capsys):
    text, pattern, *line = BAD_GEOJSON[case]
    if case in AT_FEATURE:
        line = [_opening_line(text, AT_FEATURE[case])]
        assert line[0] > 2
    source = tmp_path / "bad.geojson"
    source.write_text(text)
    _refused(capsys, tmp_path, "geojson", source, pattern, *line)


def test_a_utf16_geojson_is_named_as_such(tmp_path, capsys):
    """Windows editors save UTF-16 with a byte-order mark: its NUL bytes read as "binary data?" before."""
    source = tmp_path / "wide.geojson"
    source.write_bytes(_collection(_point({"type": "ew-radar"})).encode("utf-16"))
    _refused(capsys, tmp_path, "geojson", source, r"is UTF-16 text; save it as UTF-8", 1)


def test_a_file_too_large_is_refused(tmp_path, capsys):
    source = tmp_path / "big.geojson"
    source.write_bytes(b" " * 10_000_001)
    _refused(capsys, tmp_path, "geojson", source, r"is larger than 10 MB")


def _kml(body: str) -> str:
    return f'<?xml version="1.0"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">\n<Document>\n{body}\n</Document>\n</kml>\n'


BAD_KML = {
    "not XML": ("hello, world", r"is not KML: not well-formed XML", 1),
    "not KML": ('<?xml version="1.0"?>\n<gpx></gpx>', r"is not KML: its root element is <gpx>, not <kml>", 2),
    "unknown type": (_kml('<Placemark>\n<name>x</name>\n<ExtendedData><Data name="type"><value>ew-radr</value></Data>'
                          "</ExtendedData><Point><coordinates>10,50</coordinates></Point></Placemark>"),
                     r"feature 0: type: unknown type 'ew-radr'; nearest: ew-radar", 4),
    "missing type": (_kml("\n\n<Placemark><name>mr search radar</name><Point><coordinates>10,50</coordinates>"
                          "</Point></Placemark>"),
                     r"feature 0: type: missing; a point is a unit: give its catalog type \(nearest: mr-search-radar",
                     6),
    "too few points": (_kml("<Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>10,50 10.1,50 10,50"
                            "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"),
                       r"feature 0: polygon 0: its outer ring has 2 distinct points", 4),
    "out of range": (_kml('<Placemark><ExtendedData><Data name="type"><value>ew-radar</value></Data></ExtendedData>'
                          "<Point>\n<coordinates>200,50</coordinates></Point></Placemark>"),
                     r"feature 0: coordinates\[0\]: longitude 200, latitude 50 out of range", 5),
    "empty": (_kml(""), r"contains no features", None),
    "no geometry": (
        _kml('<Placemark><name>e</name></Placemark>\n<Placemark><name>f</name><ExtendedData><Data name="type"><value>'
             'ew-radar</value></Data><Data name="mast_height"><value>20</value></Data></ExtendedData>'
             "<Point><coordinates>10,50</coordinates></Point></Placemark>"),
        r"feature 0: has no geometry", 4),
    "a validation error names the placemark and its line": (
        _kml('<Placemark><name>e</name><ExtendedData><Data name="type"><value>ew-radar</value></Data>'
             '<Data name="mast_height"><value>20</value></Data></ExtendedData>\n<Point><coordinates>10,50'
             "</coordinates></Point></Placemark>"),
        r"feature 0 \('e'\): units\[0\]\.mast_height: '20' needs a unit", 4),
    "id clash": (_kml('<Placemark><ExtendedData><Data name="id"><value>a</value></Data><Data name="type"><value>'
                      "ew-radar</value></Data></ExtendedData><Point><coordinates>10,50</coordinates></Point>"
                      "</Placemark>\n"
                      '<Placemark><ExtendedData><Data name="id"><value>a</value></Data><Data name="type"><value>drone'
                      "</value></Data></ExtendedData><LineString><coordinates>10,50 11,50</coordinates></LineString>"
                      "</Placemark>"),
                 r"feature 1: id 'a' is already feature 0's \(line 4\); ids must be unique", 5),
    "entities": ('<?xml version="1.0"?>\n<!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa">]>\n<kml><Document><Placemark>'
                 "<name>&a;</name></Placemark></Document></kml>", r"has a DOCTYPE declaration", 2),
    "an entity without a DOCTYPE": ('<?xml version="1.0"?>\n<kml>\n<!ENTITY a "b"><Document/></kml>',
                                    r"has a ENTITY declaration", 3),
    "kmz": ("PK\x03\x04rest", r"is a KMZ \(zipped KML\), which is not read: unzip it", None),
}


@pytest.mark.parametrize("case", BAD_KML)
def test_bad_kml_is_refused_in_one_line_with_its_line_and_nothing_is_written(case, tmp_path, capsys):
    text, pattern, line = BAD_KML[case]
    source = tmp_path / "bad.kml"
    source.write_text(text)
    _refused(capsys, tmp_path, "kml", source, pattern, line)


def test_an_earlier_scenario_is_replaced_only_by_a_valid_one(tmp_path, capsys):
    source = tmp_path / "ok.geojson"
    source.write_text(geojson_text())
    out = tmp_path / "ok.yaml"
    out.write_text("old\n")
    status, _, stderr = run(capsys, "import", "geojson", source, "--out", out)
    assert status == 0, stderr
    assert yaml.safe_load(out.read_text())["name"] == "ok"


def _laea_area(ring) -> float:
    """[m^2] of a ring (lon, lat) by the shoelace formula in a Lambert azimuthal equal-area projection."""
    lon0, lat0 = sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)
    laea = Transformer.from_crs("EPSG:4326", f"+proj=laea +lat_0={lat0} +lon_0={lon0} +datum=WGS84", always_xy=True)
    xy = [laea.transform(lon, lat) for lon, lat in ring]
    return abs(sum(xy[i][0] * xy[i - 1][1] - xy[i - 1][0] * xy[i][1] for i in range(len(xy)))) / 2


@pytest.mark.parametrize("fmt", ["geojson", "kml"])
def test_a_multipolygon_is_one_asset_and_holes_are_not_its_area(fmt, tmp_path, capsys):
    first = [(10.0, 50.0), (10.01, 50.0), (10.01, 50.01)]
    second = [(10.05, 50.0), (10.06, 50.0), (10.06, 50.01)]
    hole = [(10.052, 50.001), (10.058, 50.001), (10.058, 50.004)]
    radar = _point({"type": "ew-radar", "id": "r"})
    if fmt == "geojson":
        polygons = [[[*map(list, first)]], [[*map(list, second)], [*map(list, hole)]]]
        text = _collection(radar, {"type": "Feature", "properties": {"id": "two"},
                                   "geometry": {"type": "MultiPolygon", "coordinates": polygons}})
    else:
        def ring(points):
            return f"<LinearRing><coordinates>{' '.join(f'{a},{b}' for a, b in points)}</coordinates></LinearRing>"

        text = _kml('<Placemark><name>r</name><ExtendedData><SchemaData><SimpleData name="type">ew-radar</SimpleData>'
                    "</SchemaData></ExtendedData><Point><coordinates>10,50</coordinates></Point></Placemark>"
                    f"<Placemark><name>two</name><MultiGeometry><Polygon><outerBoundaryIs>{ring(first)}"
                    f"</outerBoundaryIs></Polygon><Polygon><outerBoundaryIs>{ring(second)}</outerBoundaryIs>"
                    f"<innerBoundaryIs>{ring(hole)}</innerBoundaryIs></Polygon></MultiGeometry></Placemark>")
    source = tmp_path / f"m.{fmt}"
    source.write_text(text)
    status, _, stderr = run(capsys, "import", fmt, source, "--out", tmp_path / "m.yaml")
    assert status == 0, stderr
    (asset,) = yaml.safe_load((tmp_path / "m.yaml").read_text())["defended_assets"]
    assert asset["id"] == "two"
    # the circle through the two far corners (10.0, 50.0) and (10.06, 50.01) encloses every vertex
    _, _, diameter = GEOD.inv(10.0, 50.0, 10.06, 50.01)
    assert float(asset["radius"].removesuffix(" m")) == pytest.approx(diameter / 2, abs=0.5)
    added, area = map(float, re.search(r"([0-9.]+) km² added to its ([0-9.]+) km²", stderr).groups())
    assert area == pytest.approx((_laea_area(first) + _laea_area(second) - _laea_area(hole)) / 1e6, abs=0.0011)
    assert added == pytest.approx(math.pi * (diameter / 2e3) ** 2 - area, abs=0.0021)


def test_names_that_repeat_get_suffixes_with_one_warning(tmp_path, capsys):
    marks = "".join(f'<Placemark><name>Untitled Placemark</name>{_data({"type": "ew-radar"})}<Point><coordinates>'
                    f"{10 + k / 100},50</coordinates></Point></Placemark>" for k in range(3))
    source = tmp_path / "u.kml"
    source.write_text(_kml(marks))
    status, _, stderr = run(capsys, "import", "kml", source, "--out", tmp_path / "u.yaml")
    assert status == 0, stderr
    ids = [u["id"] for u in yaml.safe_load((tmp_path / "u.yaml").read_text())["units"]]
    assert ids == ["Untitled-Placemark", "Untitled-Placemark-2", "Untitled-Placemark-3"]
    assert stderr.count("named alike") == 1 and "'Untitled-Placemark' (3)" in stderr


def test_kml_names_stay_text_and_a_point_height_is_ignored_with_a_warning(tmp_path, capsys):
    props = {"id": "007", "type": "ew-radar", "battery": "0042"}
    source = tmp_path / "t.kml"
    source.write_text(_kml(f"<Placemark>{_data(props)}<Point><altitudeMode>absolute</altitudeMode><coordinates>"
                           "10,50,350</coordinates></Point></Placemark>"))
    status, _, stderr = run(capsys, "import", "kml", source, "--out", tmp_path / "t.yaml")
    assert status == 0, stderr
    (unit,) = yaml.safe_load((tmp_path / "t.yaml").read_text())["units"]
    assert unit["id"] == "007" and "altitude" not in unit
    assert "1 points have a height (Z): ignored" in stderr


def test_many_polygons_make_one_summary_warning(tmp_path, capsys):
    squares = [_collection_polygon(k) for k in range(12)]
    source = tmp_path / "p.geojson"
    source.write_text(_collection(_point({"type": "ew-radar", "id": "r"}), *squares))
    status, _, stderr = run(capsys, "import", "geojson", source, "--out", tmp_path / "p.yaml")
    assert status == 0, stderr
    lines = [line for line in stderr.splitlines() if "minimum enclosing circle" in line]
    assert len(lines) == 1 and "12 polygons written as their minimum enclosing circles" in lines[0]
    # the largest addition first: the biggest triangle is the last one drawn
    assert lines[0].index("('s11')") < lines[0].index("('s10')")


def _collection_polygon(k):
    size = 0.01 * (1 + k / 10)
    ring = [[10 + k * 0.1, 50], [10 + k * 0.1 + size, 50], [10 + k * 0.1, 50 + size], [10 + k * 0.1, 50]]
    return {"type": "Feature", "properties": {"id": f"s{k}"}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_prefixes_apply_to_dcs_only(tmp_path, capsys):
    source = tmp_path / "r.geojson"
    source.write_text(_collection(_point({"type": "ew-radar"})))
    status, _, stderr = run(capsys, "import", "geojson", source, "--out", tmp_path / "r.yaml", "--sam-prefix", "X")
    assert status == 0, stderr
    assert "--sam-prefix apply to dcs only" in stderr


@pytest.mark.parametrize("fmt", ["geojson", "kml"])
def test_a_bad_dem_is_named_in_one_line(fmt, tmp_path, capsys):
    source = tmp_path / f"r.{fmt}"
    source.write_text(geojson_text() if fmt == "geojson" else kml_text())
    dem = tmp_path / "dem.tif"
    dem.write_bytes(b"not a GeoTIFF" * 10)
    out = tmp_path / "r.yaml"
    status, _, stderr = run(capsys, "import", fmt, source, "--out", out, "--terrain", dem)
    assert status == 2
    assert len(stderr.strip().splitlines()) == 1 and f"{dem}" in stderr and "--terrain" in stderr
    assert not out.exists()

"""Military symbols (issue 25, item 3): every catalog type's MIL-STD-2525D SIDC, drawn by side in the HTML report
(one offline file), as KML icons and CZML billboards; `iadsim coverage --kml-zones` writes the engagement zones as
2525D missile engagement zones."""

from __future__ import annotations

import base64
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from lxml import etree

from iadsim.cli import main
from iadsim.report import export
from iadsim.scenario import builtin_catalog

KML = {"k": "http://www.opengis.net/kml/2.2"}
CATALOG_DIR = Path(__file__).resolve().parents[2] / "src" / "iadsim" / "scenario" / "catalog"

# MIL-STD-2525D (2014) section 5.4, the SIDC's digits: 1-2 version (10), 3 context, 4 standard identity,
# 5-6 symbol set, 7 status, 8 headquarters/task force/dummy, 9-10 echelon, 11-16 entity, 17-18 and 19-20 modifiers.
# The entity and modifier codes below are MIL-STD-2525D Appendix A's (also NATO APP-6(D)'s):
# set 15 land equipment: 220300 radar, modifier 1 03 early warning radar; 111107 heavy air defense missile
# launcher; 111106 medium air defense missile launcher TELAR. Set 10 land unit: 130100 air defense (with digit 8 = 2,
# headquarters); 150502 electronic warfare direction finding. Set 01 air: 110104 military fixed wing fighter;
# 110200 rotary wing, modifier 1 07 utility; 110300 unmanned aerial vehicle; 120100 civilian fixed wing;
# 130200 weapon decoy. Set 02 air missile: 110000 missile, modifier 1 02 surface / 07 cruise, modifier 2 01 air /
# 02 surface.
EXPECTED = {  # type: (symbol set, digit 8, entity, modifier 1, modifier 2)
    "ew-radar": ("15", "0", "220300", "03", "00"),
    "mr-search-radar": ("15", "0", "220300", "00", "00"),
    "lr-launcher": ("15", "0", "111107", "00", "00"),
    "mr-telar": ("15", "0", "111106", "00", "00"),
    "command-post": ("10", "2", "130100", "00", "00"),
    "esm-station": ("10", "0", "150502", "00", "00"),
    "fighter": ("01", "0", "110104", "00", "00"),
    "utility-helicopter": ("01", "0", "110200", "07", "00"),
    "drone": ("01", "0", "110300", "00", "00"),
    "medium-airliner": ("01", "0", "120100", "00", "02"),
    "mald-class-decoy": ("01", "0", "130200", "00", "00"),
    "mr-missile": ("02", "0", "110000", "02", "01"),
    "cruise-missile": ("02", "0", "110000", "07", "02"),
    "harm-class-arm": ("02", "0", "110000", "01", "02"),
}
# the symbols' fill colours (MIL-STD-2525D Table D-I, light): friend crystal blue, hostile salmon
FRIEND_FILL, HOSTILE_FILL = "rgb(128,224,255)", "rgb(255,128,128)"


def _svg(uri: str) -> etree._Element:
    assert uri.startswith("data:image/svg+xml;base64,")
    text = base64.b64decode(uri.split(",", 1)[1])
    return etree.fromstring(text, etree.XMLParser(resolve_entities=False, no_network=True))


def test_every_builtin_type_has_a_well_formed_sidc():
    catalog = builtin_catalog()
    assert len(catalog.types) >= 20
    for type_id, entry in catalog.types.items():
        assert re.fullmatch(r"1000(01|02|10|15)\d{14}", entry.sidc or ""), type_id


@pytest.mark.parametrize("type_id", sorted(EXPECTED))
def test_sidcs_decode_to_the_2525d_tables(type_id):
    from milsymbol import Symbol  # the renderer's own reading of the code agrees with the tables

    code = builtin_catalog().types[type_id].sidc
    symbol_set, hq, entity, mod1, mod2 = EXPECTED[type_id]
    assert (code[:2], code[2:4], code[4:6], code[7], code[10:16], code[16:18], code[18:]) == (
        "10", "00", symbol_set, hq, entity, mod1, mod2)
    symbol = Symbol(code[:3] + "3" + code[4:])
    assert symbol.is_valid()
    meta = symbol.get_metadata()
    assert (meta["symbolset"], meta["entity"], meta["modifier1"], meta["modifier2"]) == (symbol_set, entity, mod1,
                                                                                         mod2)


def test_every_builtin_code_is_one_milsymbol_draws_on_every_side():
    from milsymbol import Symbol

    for type_id, entry in builtin_catalog().types.items():
        for identity in "364":  # friend, hostile, neutral
            assert Symbol(entry.sidc[:3] + identity + entry.sidc[4:]).is_valid(), (type_id, identity)


def test_svg_parses_and_differs_by_side():
    from iadsim.report.symbols import data_uri, drawn, with_side

    code = builtin_catalog().types["fighter"].sidc
    friend, hostile, neutral = (data_uri(drawn(with_side(code, side), "aircraft")) for side in ("defence", "raid",
                                                                                                "civil"))
    assert len({friend, hostile, neutral}) == 3
    fills = [{e.get("fill") for e in _svg(uri).iter()} for uri in (friend, hostile)]
    assert FRIEND_FILL in fills[0] and HOSTILE_FILL not in fills[0]
    assert HOSTILE_FILL in fills[1] and FRIEND_FILL not in fills[1]
    assert _svg(friend).tag == "{http://www.w3.org/2000/svg}svg"


def test_the_report_shows_the_symbols_and_stays_one_offline_file(report_path, run_dir):
    html = report_path.read_text(encoding="utf-8")
    assert [p.name for p in report_path.parent.iterdir()] == [report_path.name]  # one file
    images = json.loads(re.search(r"var IADSIM_IMAGES=(\{.*?\});", html).group(1))
    symbols = [_svg(uri) for uri in images.values() if uri.startswith("data:image/svg+xml")]
    # the tiny scenario: 6 units of 6 codes (two radars differ by the early-warning modifier), a hostile raid of
    # helicopters and a neutral airliner
    assert len(symbols) == 8
    fills = [{e.get("fill") for e in s.iter()} for s in symbols]
    assert sum(FRIEND_FILL in f for f in fills) == 6
    assert sum(HOSTILE_FILL in f for f in fills) == 1
    # nothing to load: outside the inlined plotly.js (whose "made with plotly" link loads nothing) no http(s) at all,
    # and the symbols refer to nothing (their only http is the SVG namespace, a name)
    rest = re.sub(r'<script id="plotlyjs">.*?</script>', "", html, flags=re.S)
    assert "http://" not in rest and "https://" not in rest
    assert "@import" not in html and "<link" not in html.lower() and not re.search(r"<script[^>]+src=", html, re.I)
    for symbol in symbols:
        assert not any(k.endswith(("href", "src")) for e in symbol.iter() for k in e.attrib)
        assert not re.search(r"https?://", etree.tostring(symbol).decode().replace('"http://www.w3.org/2000/svg"', ""))


def test_kml_has_the_icons_and_they_exist(run_dir, tmp_path):
    written = export(run_dir, "kml", tmp_path)
    tree = etree.parse(str(tmp_path / "replay.kml"))
    styles = {s.get("id"): s for s in tree.findall(".//k:Style", KML)}
    marks = {p.findtext("k:name", namespaces=KML): p for p in tree.findall(".//k:Placemark", KML)}
    ew = builtin_catalog().types["ew-radar"].sidc
    assert marks["ew-1"].findtext("k:styleUrl", namespaces=KML) == f"#sidc-1003{ew[4:]}"
    heli = builtin_catalog().types["utility-helicopter"].sidc
    assert marks["raid-1"].findtext("k:styleUrl", namespaces=KML) == f"#sidc-1006{heli[4:]}"
    used = {m.findtext("k:styleUrl", namespaces=KML)[1:] for m in marks.values()}
    hrefs = [styles[s].findtext("k:IconStyle/k:Icon/k:href", namespaces=KML) for s in used if s.startswith("sidc-")]
    assert len(hrefs) == 8
    for href in hrefs:
        icon = tmp_path / href
        assert icon.is_file() and icon in written
        assert icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(icon.read_bytes()[16:20], "big"), int.from_bytes(icon.read_bytes()[20:24],
                                                                                         "big")
        assert width == 48 and 20 < height <= 64


def test_czml_billboards_carry_the_symbols(run_dir, tmp_path):
    (path,) = export(run_dir, "czml", tmp_path)
    packets = {p["id"]: p for p in json.loads(path.read_text())}
    site = _svg(packets["site/ew-1"]["billboard"]["image"])
    assert FRIEND_FILL in {e.get("fill") for e in site.iter()}
    raid = _svg(packets["target/raid-1"]["billboard"]["image"])
    assert HOSTILE_FILL in {e.get("fill") for e in raid.iter()}
    assert "billboard" in packets["target/liner"] and "point" not in packets["target/liner"]


ZONES = """\
name: zones
duration: 2 min
step: 2 s
terrain: {flat: 100 m, extent: 60 km}
units:
  - {id: ew, type: ew-radar, x: 0 km, y: 0 km}
  - {id: round, type: mr-telar, x: 5 km, y: 3 km}
  - {id: east, type: lr-launcher, x: -4 km, y: -2 km, sector: {center: 90 deg, width: 120 deg}}
  - {id: fc, type: lr-engagement-radar, x: -4.2 km, y: -2 km}
links:
  - {from: fc, to: east, carries: fire-control}
  - {from: ew, to: round, carries: cues}
threats:
  - id: raid
    type: fighter
    route:
      - {x: -20 km, y: 20 km, altitude: 1 km}
      - {x: 20 km, y: -20 km, altitude: 1 km}
"""


def _km(text: str) -> float:
    value, unit = text.split()
    return float(value) * {"km": 1000.0, "m": 1.0}[unit]


def test_kml_zones_one_per_fire_unit_at_the_missiles_max_range(tmp_path, capsys):
    from pyproj import Transformer

    from iadsim.scenario import load_scenario

    path = tmp_path / "zones.yaml"
    path.write_text(ZONES)
    out = tmp_path / "c"
    assert main(["coverage", str(path), "--out", str(out), "--bands", "100", "--kml-zones"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    tree = etree.parse(str(out / "engagement_zones.kml"),
                       etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    marks = tree.findall(".//k:Placemark", KML)
    assert sorted(m.findtext("k:name", namespaces=KML) for m in marks) == ["MEZ east", "MEZ round"]
    # the catalog's own numbers, read from its YAML here
    types = {}
    for f in CATALOG_DIR.glob("*.yaml"):
        types |= yaml.safe_load(f.read_text())["types"]
    scenario = load_scenario(path)
    to_xy = Transformer.from_crs("EPSG:4326", scenario.terrain.crs, always_xy=True)
    for mark in marks:
        unit = mark.findtext("k:name", namespaces=KML).split()[1]
        launcher = {"round": "mr-telar", "east": "lr-launcher"}[unit]
        radius = _km(types[types[launcher]["missile"]]["max_range"]["value"])
        data = {d.get("name"): d.findtext("k:value", namespaces=KML) for d in mark.findall(".//k:Data", KML)}
        assert data["sidc"] == "10032500001716000000"  # 2525D set 25 control measure 171600 MEZ, friend
        assert data["control_measure"] == "Missile Engagement Zone (MEZ)"
        assert float(data["max_range_m"]) == radius
        coords = mark.findtext(".//k:outerBoundaryIs/k:LinearRing/k:coordinates", namespaces=KML).split()
        lon, lat = np.array([[float(v) for v in c.split(",")] for c in coords]).T
        x, y = to_xy.transform(lon, lat)
        site = scenario.sites[unit]
        dx, dy = x - site.x, y - site.y
        distance = np.hypot(dx, dy)
        assert (x[0], y[0]) == pytest.approx((x[-1], y[-1]), abs=0.01)  # a closed ring
        assert _signed_area(lon, lat) > 0  # counter-clockwise
        inner = _km(types[types[launcher]["missile"]]["min_range"]["value"])
        assert inner > 0 and float(data["min_range_m"]) == inner
        assert float(data["min_altitude_m"]) == _km(types[types[launcher]["missile"]]["min_altitude"]["value"])
        holes = mark.findall(".//k:innerBoundaryIs/k:LinearRing/k:coordinates", KML)
        if unit == "round":
            np.testing.assert_allclose(distance, radius, atol=0.5)
            bearings = np.degrees(np.arctan2(dx, dy)) % 360
            assert np.ptp(bearings) > 350  # all round
            (hole,) = holes  # the minimum range cut out
            hlon, hlat = np.array([[float(v) for v in c.split(",")] for c in hole.text.split()]).T
            hx, hy = to_xy.transform(hlon, hlat)
            np.testing.assert_allclose(np.hypot(hx - site.x, hy - site.y), inner, atol=0.5)
            assert _signed_area(hlon, hlat) > 0
        else:
            assert not holes  # one outline: the annular sector
            outer, near = distance > (radius + inner) / 2, distance < (radius + inner) / 2
            np.testing.assert_allclose(distance[outer], radius, atol=0.5)
            np.testing.assert_allclose(distance[near], inner, atol=0.5)
            assert near.sum() >= 3 and outer.sum() >= 3
            bearings = np.degrees(np.arctan2(dx, dy))
            for ring in (outer, near):
                assert bearings[ring].min() == pytest.approx(30, abs=0.01)
                assert bearings[ring].max() == pytest.approx(150, abs=0.01)
            assert data["sector_center_deg"] == "90" and data["sector_width_deg"] == "120"
    summary = json.loads((out / "coverage.json").read_text())
    assert "engagement_zones.kml" in summary["files"]
    assert all((out / f).is_file() for f in summary["files"])
    assert math.isclose(len(marks), 2)


def test_a_malformed_sidc_in_a_user_catalog_names_file_line_and_field(tmp_path, capsys):
    catalog = tmp_path / "mine.yaml"
    catalog.write_text(
        "sources: {me: mine}\n"
        "types:\n"
        "  my-radar-site:\n"
        "    kind: command-post\n"
        "    label: mine\n"
        "    sidc: '1003150000220300'\n"
        "    processing_delay: {value: 2 s, source: me, grade: assumed}\n"
        "    track_capacity: {value: 10, source: me, grade: assumed}\n")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(ZONES.replace("terrain:", "catalog: [mine.yaml]\nterrain:"))
    capsys.readouterr()
    assert main(["validate", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{catalog.resolve()}:6: types.my-radar-site.sidc: " in err and "20 digits" in err
    catalog.write_text(catalog.read_text().replace("'1003150000220300'", "'10031500002203000000'"))
    assert main(["validate", str(scenario)]) == 2
    assert "must be 00: the report sets them from the side" in capsys.readouterr().err
    catalog.write_text(catalog.read_text().replace("'10031500002203000000'", "10001500002203000000"))
    assert main(["validate", str(scenario)]) == 2
    assert "in quotes" in capsys.readouterr().err


def _user_catalog(tmp_path: Path, sidc_line: str) -> Path:
    """A scenario (ZONES) with a user catalog's command post type ``my-cp``, its ``sidc`` line as given."""
    (tmp_path / "mine.yaml").write_text(
        "sources: {me: mine}\n"
        "types:\n"
        "  my-cp:\n"
        "    kind: command-post\n"
        "    label: mine\n"
        f"{sidc_line}"
        "    processing_delay: {value: 2 s, source: me, grade: assumed}\n"
        "    track_capacity: {value: 10, source: me, grade: assumed}\n")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(ZONES.replace("terrain:", "catalog: [mine.yaml]\nterrain:")
                        .replace("units:\n", "units:\n  - {id: mine, type: my-cp, x: 9 km, y: 9 km}\n"))
    return scenario


@pytest.mark.parametrize("symbol_set", ["53", "54"])
def test_symbol_sets_milsymbol_cannot_draw_are_refused(tmp_path, capsys, symbol_set):
    from milsymbol import Symbol

    assert not Symbol(f"1003{symbol_set}0000000000000000").is_valid()  # why: milsymbol 0.2.0 lacks them
    scenario = _user_catalog(tmp_path, f"    sidc: '1000{symbol_set}00000000000000'\n")
    capsys.readouterr()
    assert main(["validate", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"digits 5-6 ({symbol_set}) are not a symbol set" in err


def test_a_type_without_sidc_gets_its_kinds_generic_symbol_on_the_map(tmp_path):
    from milsymbol import Symbol

    from iadsim.report.layers import map_layers
    from iadsim.report.plots import symbol_images
    from iadsim.scenario import load_scenario

    scenario = load_scenario(_user_catalog(tmp_path, ""))
    layers = map_layers(scenario, max_cells=50)
    site = next(s for s in layers.sites if s.id == "mine")
    # MIL-STD-2525D: land unit (10), headquarters (digit 8 = 2), air defence 130100; friend
    expected = Symbol("10031002001301000000", size=40)
    assert site.sidc == "10031002001301000000"
    (image,) = [i for i in symbol_images(layers, 28)
                if etree.tostring(_svg(i["source"])) == _svg_bytes(expected.as_svg())]
    assert _anchor_of(image, _svg_size(image), site.sidc) == pytest.approx((site.x, site.y), abs=1e-9)

def test_a_code_falls_back_to_its_entity_then_frame_then_generic():
    from milsymbol import Symbol

    from iadsim.report.symbols import drawn

    def svg(code):
        return Symbol(code, size=40).as_svg()

    radar, frame = "10031500002203000000", "10031500000000000000"
    assert svg(radar) != svg(frame)
    # an unknown modifier 1 (99): the radar's icon is kept
    assert drawn("10031500002203009900", "radar").svg == svg(radar)
    # an unknown entity: its set's frame alone
    assert drawn("10031500009999990000", "radar").svg == svg(frame)
    # a set milsymbol lacks (53): the kind's generic code, same identity (friend radar; hostile air)
    assert drawn("10035300001100000000", "radar").svg == svg(radar)
    assert drawn("10065300001100000000", "aircraft").svg == svg("10060100001100000000")


def _svg_size(image: dict) -> tuple[float, float]:
    root = _svg(image["source"])
    return float(root.get("width")), float(root.get("height"))


def _anchor_of(image: dict, size: tuple[float, float], code: str) -> tuple[float, float]:
    """Where a plotly layout image (left/top anchored, stretched; ``size`` its SVG's) puts the location point
    milsymbol reports for ``code``."""
    from milsymbol import Symbol

    assert (image["xanchor"], image["yanchor"], image["sizing"]) == ("left", "top", "stretch")
    width, height = size
    anchor = Symbol(code, size=40).get_anchor()
    ax, ay = anchor["x"], anchor["y"]
    return image["x"] + ax / width * image["sizex"], image["y"] - ay / height * image["sizey"]


def test_map_symbols_sit_on_their_sites_keep_apart_and_keep_their_aspect(run_dir):
    from milsymbol import Symbol

    from iadsim.report.layers import map_layers
    from iadsim.report.plots import px_per_km, symbol_images
    from iadsim.report.run import load_run

    layers = map_layers(load_run(run_dir).scenario, max_cells=50)
    images = symbol_images(layers, 28)
    sites = [s for s in layers.sites if s.sidc]
    starts = [(float(r.x[0]), float(r.y[0])) for r in layers.routes if r.sidc]
    points = [(s.x, s.y) for s in sites] + starts
    assert len(images) == len(points) == 6 + 2  # 6 units, the raid (one route for its 2 helicopters), the airliner
    codes = [s.sidc for s in sites] + [r.sidc for r in layers.routes if r.sidc]
    cap = 28 / px_per_km(layers)
    for (x, y), code, image in zip(points, codes, images, strict=True):
        symbol = Symbol(code, size=40)
        size = symbol.get_size()
        # the image keeps the symbol's aspect
        assert image["sizex"] / image["sizey"] == pytest.approx(size["width"] / size["height"])
        # milsymbol's anchor (the standard's location point) lands on the site
        assert _anchor_of(image, (size["width"], size["height"]), code) == pytest.approx((x, y), abs=1e-9)
        # no larger than 28 px at the opening zoom nor 0.8 of the distance to the nearest other symbol
        nearest = min(math.dist((x, y), p) for p in points if math.dist((x, y), p) > 0)
        largest = max(image["sizex"], image["sizey"])
        assert largest == pytest.approx(min(cap, 0.8 * nearest))
    telar, loader = (next(s for s in sites if s.id == i) for i in ("telar-1", "ll-1"))
    gap = math.dist((telar.x, telar.y), (loader.x, loader.y))
    assert gap < cap  # the tiny scenario's close pair: their symbols are smaller than 28 px
    assert max(images[sites.index(telar)]["sizex"], images[sites.index(telar)]["sizey"]) == pytest.approx(0.8 * gap)


def test_the_command_posts_staff_foot_is_on_its_site(run_dir):
    from milsymbol import Symbol

    from iadsim.report.layers import map_layers
    from iadsim.report.plots import symbol_images
    from iadsim.report.run import load_run

    layers = map_layers(load_run(run_dir).scenario, max_cells=50)
    cp = next(s for s in layers.sites if s.id == "cp-1")
    image = symbol_images(layers, 28)[[s for s in layers.sites if s.sidc].index(cp)]
    # milsymbol's own numbers for the headquarters symbol: the anchor is the foot of the staff, left and below the
    # frame, not the middle of the drawing
    symbol = Symbol("10031002001301000000", size=40)
    anchor, size = symbol.get_anchor(), symbol.get_size()
    assert anchor["x"] / size["width"] < 0.1 and anchor["y"] / size["height"] > 0.9
    left = cp.x - anchor["x"] / size["width"] * image["sizex"]
    top = cp.y + anchor["y"] / size["height"] * image["sizey"]
    assert (image["x"], image["y"]) == pytest.approx((left, top), abs=1e-9)
    assert image["y"] - image["sizey"] < cp.y < image["y"] - 0.9 * image["sizey"]  # the site near the bottom


def test_the_replay_draws_no_flight_symbols(run_dir):
    from milsymbol import Symbol

    from iadsim.report.layers import map_layers
    from iadsim.report.plots import replay_figure
    from iadsim.report.replay import build_replay
    from iadsim.report.run import load_run

    run = load_run(run_dir)
    layers = map_layers(run.scenario, max_cells=50)
    replay = build_replay(run.trajectories, run.events, run.unit_ids, 0)
    figure = replay_figure(layers, replay, {}, "replay")
    symbols = [i for i in figure["layout"]["images"] if i["source"].startswith("data:image/svg+xml")]
    sites = [s for s in layers.sites if s.sidc]
    assert len(symbols) == len(sites) == 6  # the units' only: no flight's
    for image, site in zip(symbols, sites, strict=True):
        assert etree.tostring(_svg(image["source"])) == _svg_bytes(Symbol(site.sidc, size=40).as_svg())
        assert _anchor_of(image, _svg_size(image), site.sidc) == pytest.approx((site.x, site.y), abs=1e-9)


def _svg_bytes(markup: str) -> bytes:
    return etree.tostring(etree.fromstring(markup.encode()))


def test_kml_hotspots_and_czml_offsets_put_the_location_point_on_the_site(run_dir, tmp_path):
    from milsymbol import Symbol

    symbol = Symbol("10031002001301000000", size=40)  # cp-1, the command post (friend)
    anchor, size = symbol.get_anchor(), symbol.get_size()
    export(run_dir, "kml", tmp_path / "kml")
    tree = etree.parse(str(tmp_path / "kml" / "replay.kml"))
    spot = tree.find(".//k:Style[@id='sidc-10031002001301000000']/k:IconStyle/k:hotSpot", KML)
    assert (spot.get("xunits"), spot.get("yunits")) == ("fraction", "fraction")
    assert float(spot.get("x")) == pytest.approx(anchor["x"] / size["width"], abs=1e-4)
    assert float(spot.get("y")) == pytest.approx(1 - anchor["y"] / size["height"], abs=1e-4)  # KML: from the bottom
    (path,) = export(run_dir, "czml", tmp_path / "czml")
    packets = {p["id"]: p for p in json.loads(path.read_text())}
    board = packets["site/cp-1"]["billboard"]
    assert (board["horizontalOrigin"], board["verticalOrigin"]) == ("LEFT", "TOP")
    assert (board["width"], board["height"]) == pytest.approx((size["width"], size["height"]))
    # the image's top left corner moved up and left by the anchor (scaled): the anchor on the position
    assert board["pixelOffset"]["cartesian2"] == pytest.approx([-anchor["x"] * board["scale"],
                                                                -anchor["y"] * board["scale"]])
    assert packets["site/cp-1"]["label"]["pixelOffset"]["cartesian2"] == [0, 26]
    asset = packets["site/airbase"]
    assert asset["point"]["pixelSize"] == 9 and "billboard" not in asset
    assert "pixelOffset" not in asset["label"]  # a point's label stays on it


def test_a_file_named_symbols_where_the_icons_go_is_a_clear_error(run_dir, tmp_path, capsys):
    out = tmp_path / "kml"
    out.mkdir()
    (out / "symbols").write_text("not a folder")
    capsys.readouterr()
    assert main(["export", str(run_dir), "--format", "kml", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "symbols" in err and "is a file" in err
    assert sorted(p.name for p in out.iterdir()) == ["symbols"]  # nothing written


def _signed_area(x, y) -> float:
    """The shoelace sum: positive for a counter-clockwise ring (x east, y north)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def test_kml_zones_at_high_latitude_are_exact_on_the_projected_plane(tmp_path, capsys):
    from pyproj import Transformer

    from iadsim.scenario import load_scenario

    path = tmp_path / "north.yaml"
    path.write_text(ZONES.replace("terrain:", "origin: {lat: 70, lon: 25}\nterrain:")
                    .replace("x: 5 km, y: 3 km", "x: 20 km, y: 15 km"))
    out = tmp_path / "c"
    assert main(["coverage", str(path), "--out", str(out), "--bands", "100", "--kml-zones"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    scenario = load_scenario(path)
    to_xy = Transformer.from_crs("EPSG:4326", scenario.terrain.crs, always_xy=True)
    tree = etree.parse(str(out / "engagement_zones.kml"))
    mark = next(m for m in tree.findall(".//k:Placemark", KML) if m.findtext("k:name", namespaces=KML) == "MEZ round")
    types = {}
    for f in CATALOG_DIR.glob("*.yaml"):
        types |= yaml.safe_load(f.read_text())["types"]
    missile = types[types["mr-telar"]["missile"]]
    site = scenario.sites["round"]
    for boundary, key in (("outerBoundaryIs", "max_range"), ("innerBoundaryIs", "min_range")):
        text = mark.findtext(f"k:Polygon/k:{boundary}/k:LinearRing/k:coordinates", namespaces=KML)
        lon, lat = np.array([[float(v) for v in c.split(",")] for c in text.split()]).T
        assert 69 < lat.min() and lat.max() < 72  # far north
        x, y = to_xy.transform(lon, lat)
        np.testing.assert_allclose(np.hypot(x - site.x, y - site.y), _km(missile[key]["value"]), atol=0.5)
        assert _signed_area(lon, lat) > 0

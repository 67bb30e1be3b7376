"""What every laydown importer shares (iadsim.scenario.importers.common): the wiring by battery and command post,
the flat terrain and origin, the duration, type suggestions, and the validated atomic write."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
import yaml
from pyproj import Transformer

from iadsim.scenario import InputError, builtin_catalog, load_scenario
from iadsim.scenario.importers.common import (
    Imported,
    ImportOptions,
    duration_for,
    nearest_names,
    roles,
    terrain_and_origin,
    unknown_type,
    wire,
    write_scenario,
)

CATALOG = builtin_catalog()


def _units(*rows):
    """(id, type, lat, lon, battery) -> the unit entries, their batteries and positions."""
    units = [{"id": i, "type": t, "lat": lat, "lon": lon} for i, t, lat, lon, _ in rows]
    return units, {i: b for i, _, _, _, b in rows}, {i: (lat, lon) for i, _, lat, lon, _ in rows}


NETWORK = [
    ("ew", "ew-radar", 50.00, 10.00, None),
    ("cp-west", "command-post", 50.00, 9.90, None),
    ("cp-east", "command-post", 49.90, 10.30, None),
    ("a-sr", "mr-search-radar", 49.90, 10.25, "a"),
    ("a-telar", "mr-telar", 49.90, 10.26, "a"),
    ("a-ll", "mr-launcher-loader", 49.90, 10.27, "a"),
    ("b-l", "lr-launcher", 49.80, 10.00, "b"),  # a battery without a radar
    ("lone-ll", "mr-launcher-loader", 49.70, 10.00, None),
    ("pd", "sr-system", 49.95, 10.10, None),  # a launcher with its own radar, on its own
]


def test_roles_follow_the_catalog():
    assert roles("ew-radar", CATALOG) == {"sensor", "early-warning"}
    assert roles("mr-search-radar", CATALOG) == {"sensor"}
    assert roles("lr-engagement-radar", CATALOG) == {"sensor", "guider"}
    assert roles("mr-telar", CATALOG) == {"launcher", "guider"}
    assert roles("mr-launcher-loader", CATALOG) == {"launcher", "needs-guider"}
    assert roles("command-post", CATALOG) == {"command-post"}
    assert roles("esm-station", CATALOG) == {"sensor"}


def test_wire_links_batteries_and_the_nearest_command_post():
    units, groups, positions = _units(*NETWORK)
    links, warnings = wire(units, groups, CATALOG, positions)
    got = {(x["from"], x["to"], x["carries"]): x["latency"] for x in links}
    assert len(got) == len(links)  # no link twice
    expected = {
        ("a-sr", "a-telar", "cues"): "1 s",  # the battery's search radar cues its TELAR
        ("a-telar", "a-ll", "fire-control"): "0.2 s",  # which guides its launcher-loader
        ("ew", "cp-west", "tracks"): "2 s",  # 7 km from cp-west, 25 km from cp-east
        ("a-sr", "cp-east", "tracks"): "2 s",  # 4 km from cp-east
        ("cp-west", "cp-east", "tracks"): "2 s", ("cp-east", "cp-west", "tracks"): "2 s",
        ("cp-west", "a-telar", "cues"): "2 s", ("cp-east", "a-telar", "cues"): "2 s",
        ("cp-west", "pd", "cues"): "2 s", ("cp-east", "pd", "cues"): "2 s",
    }
    assert got == expected
    assert len(warnings) == 2
    assert "battery 'b'" in warnings[0] and "b-l" in warnings[0] and "not hooked up to a radar" in warnings[0]
    assert "lone-ll" in warnings[1] and "not hooked up to a radar" in warnings[1]


def test_wire_without_a_command_post_cues_every_fire_unit_from_every_sensor():
    rows = [r for r in NETWORK if r[1] != "command-post"]
    units, groups, positions = _units(*rows)
    links, _ = wire(units, groups, CATALOG, positions)
    got = {(x["from"], x["to"], x["carries"]) for x in links}
    assert got == {("a-sr", "a-telar", "cues"), ("a-telar", "a-ll", "fire-control"),
                   ("ew", "a-telar", "cues"), ("ew", "pd", "cues"), ("a-sr", "pd", "cues")}


def _aeqd(origin):
    return Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0={origin['lat']} +lon_0={origin['lon']} "
                                "+datum=WGS84 +units=m", always_xy=True)


def test_flat_terrain_covers_every_point_with_its_margin(tmp_path):
    points = [(49.0, 9.0), (49.5, 11.5), (50.7, 10.2), (48.8, 10.9)]
    made = terrain_and_origin(points, ImportOptions(), tmp_path / "s.yaml")
    terrain, origin = made["terrain"], made["origin"]
    assert terrain["flat"] == "0 m"
    side = float(terrain["extent"].removesuffix(" km")) * 1e3
    assert origin["lat"] == pytest.approx(sum(p[0] for p in points) / 4, abs=1e-6)
    assert origin["lon"] == pytest.approx(sum(p[1] for p in points) / 4, abs=1e-3)  # the circular mean
    to_xy = _aeqd(origin)
    reach = max(math.hypot(*to_xy.transform(lon, lat)) for lat, lon in points)
    # the flat square, centred on the origin in this projection, holds every point 20 km inside its edge
    assert reach + 20e3 <= side / 2 < reach + 20e3 + 5e3 + 1
    assert side % 10e3 == 0


def test_flat_terrain_across_the_antimeridian_is_centred_there(tmp_path):
    made = terrain_and_origin([(10.0, 179.9), (10.1, -179.9)], ImportOptions(), tmp_path / "s.yaml")
    assert abs(made["origin"]["lon"]) == pytest.approx(180.0, abs=1e-6)
    assert float(made["terrain"]["extent"].removesuffix(" km")) < 100


def test_a_dem_is_written_relative_to_the_scenario(tmp_path):
    dem = tmp_path / "dem" / "tile.tif"
    made = terrain_and_origin([(50.0, 10.0)], ImportOptions(terrain=dem), tmp_path / "out" / "s.yaml")
    assert made["terrain"] == {"source": "../dem/tile.tif"}
    absolute = terrain_and_origin([(50.0, 10.0)], ImportOptions(terrain=dem))
    assert absolute["terrain"] == {"source": dem.resolve().as_posix()}


def _haversine(a, b, radius=6_371_008.8):
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(h))


def test_duration_covers_the_longest_flight():
    # a raid of 3 fighters, 40 s apart, 2 min after the start; its first leg flown at 150 m/s (the speed of the
    # waypoint it starts from), the second at the fighter's cruise speed (250 m/s)
    raid = {"type": "fighter", "count": 3, "spacing": "40 s", "start": "2 min",
            "route": [{"lat": 50.0, "lon": 9.0, "speed": "150 m/s"}, {"lat": 50.0, "lon": 10.0},
                      {"lat": 50.5, "lon": 10.5, "speed": "900 m/s"}]}
    airliner = {"type": "medium-airliner", "route": [{"lat": 49.0, "lon": 9.0}, {"lat": 49.3, "lon": 9.4}]}
    first, second = (_haversine((50.0, 9.0), (50.0, 10.0)), _haversine((50.0, 10.0), (50.5, 10.5)))
    longest = 120 + 2 * 40 + first / 150 + second / 250
    minutes = (1.1 * longest + 120) / 60
    assert abs(minutes - round(minutes)) > 0.05  # not at a rounding edge: the spherical distances are close enough
    assert duration_for([airliner, raid], CATALOG) == f"{math.ceil(minutes)} min"
    assert duration_for([], CATALOG) == "5 min"


def test_duration_reads_bad_values_as_their_defaults_for_validation_to_report():
    bad = {"type": "fighter", "count": "three", "spacing": 40, "start": "soon",
           "route": [{"lat": 50.0, "lon": 9.0, "speed": "fast"}, {"lat": 50.0, "lon": 12.0}]}
    good = {"type": "fighter", "route": bad["route"][:1] + bad["route"][1:]}
    good["route"] = [{"lat": 50.0, "lon": 9.0}, {"lat": 50.0, "lon": 12.0}]
    assert duration_for([bad], CATALOG) == duration_for([good], CATALOG)


def test_nearest_names_and_unknown_type_suggest_catalog_names():
    assert nearest_names("mr-telr", CATALOG.types).startswith("nearest: mr-telar")
    assert nearest_names("x", []) == ""
    error = unknown_type(Path("f.geojson"), 7, "feature 3: type", "ew-radr", CATALOG, ["radar"])
    assert str(error).startswith("f.geojson:7: feature 3: type: unknown type 'ew-radr'; nearest: ew-radar")
    assert "fighter" not in str(error)  # only the kinds asked for


def _document(**changes):
    document = {"name": "t", "duration": "5 min", "terrain": {"flat": "0 m", "extent": "100 km"},
                "origin": {"lat": 50.0, "lon": 10.0},
                "units": [{"id": "ew", "type": "ew-radar", "lat": 50.0, "lon": 10.0}]}
    document.update(changes)
    return document


def test_write_scenario_writes_a_valid_scenario_with_the_umask_permissions(tmp_path):
    out = tmp_path / "new" / "s.yaml"
    write_scenario(Imported(Path("src.geojson"), "geojson", _document()), out, ImportOptions())
    assert load_scenario(out).spec.units[0].id == "ew"
    assert out.read_text().startswith("# Imported from src.geojson (geojson)")
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in out.parent.iterdir()] == ["s.yaml"]  # no temporary file left


def test_write_scenario_writes_nothing_when_the_laydown_does_not_validate(tmp_path):
    bad = _document(units=[{"id": "ew", "type": "ew-radar", "lat": 50.0, "lon": 10.0, "mast_height": 20}])
    imported = Imported(Path("src.kml"), "kml", bad, sources={("units", 0): ("feature 4 ('ew')", 31)})
    out = tmp_path / "s.yaml"
    out.write_text("earlier\n")
    with pytest.raises(InputError) as caught:
        write_scenario(imported, out, ImportOptions())
    assert str(caught.value) == "src.kml:31: feature 4 ('ew'): units[0].mast_height: '20' needs a unit: write a " \
        "length such as '12 km'"
    assert out.read_text() == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]
    deep = tmp_path / "a" / "b" / "s.yaml"  # folders made for it are removed again
    with pytest.raises(InputError):
        write_scenario(imported, deep, ImportOptions())
    assert not (tmp_path / "a").exists()
    unplaced = Imported(Path("src.kml"), "kml", _document(duration="soon"))
    with pytest.raises(InputError, match=r"^src.kml: the imported laydown is not a valid scenario: duration: "):
        write_scenario(unplaced, out, ImportOptions())
    assert out.read_text() == "earlier\n"


def test_write_scenario_refuses_an_out_that_is_not_a_yaml_file(tmp_path):
    imported = Imported(Path("src.geojson"), "geojson", _document())
    with pytest.raises(InputError, match="is a folder"):
        write_scenario(imported, tmp_path, ImportOptions())
    with pytest.raises(InputError, match="name the scenario file"):
        write_scenario(imported, tmp_path / "s.txt", ImportOptions())
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        write_scenario(imported, fifo, ImportOptions())


def test_write_scenario_writes_a_dem_relative_to_the_scenario(tmp_path):
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    dem = tmp_path / "dem" / "tile.tif"
    dem.parent.mkdir()
    with rasterio.open(dem, "w", driver="GTiff", width=60, height=60, count=1, dtype="float32", crs="EPSG:4326",
                       transform=from_origin(9.7, 50.3, 0.01, 0.01)) as f:
        f.write(np.full((1, 60, 60), 100.0, dtype="float32"))
    document = _document(terrain=terrain_and_origin([(50.0, 10.0)], ImportOptions(terrain=dem))["terrain"])
    out = tmp_path / "scenarios" / "s.yaml"
    write_scenario(Imported(Path("src.geojson"), "geojson", document), out, ImportOptions())
    assert yaml.safe_load(out.read_text())["terrain"] == {"source": "../dem/tile.tif"}
    assert load_scenario(out).spec.units[0].id == "ew"


def test_fire_control_guides_only_compatible_launchers():
    rows = [("er", "lr-engagement-radar", 50.0, 10.0, "x"), ("ln", "lr-launcher", 50.0, 10.01, "x"),
            ("pantsir", "sr-system", 50.0, 10.02, "x"), ("ll", "mr-launcher-loader", 50.0, 10.03, "x")]
    units, groups, positions = _units(*rows)
    links, warnings = wire(units, groups, CATALOG, positions)
    fire = {(x["from"], x["to"]) for x in links if x["carries"] == "fire-control"}
    assert fire == {("er", "ln")}  # neither the S-300 radar nor the Pantsir guides the Buk launcher-loader
    assert len(warnings) == 1 and "battery 'x'" in warnings[0] and "ll" in warnings[0]
    assert "not in the guidance table" not in " ".join(warnings)


def test_an_unlisted_fire_control_pair_is_left_unwired_with_a_warning():
    rows = [("tr", "mr-telar-radar", 50.0, 10.0, "x"), ("ll", "mr-launcher-loader", 50.0, 10.01, "x")]
    units, groups, positions = _units(*rows)
    links, warnings = wire(units, groups, CATALOG, positions)
    assert not [x for x in links if x["carries"] == "fire-control"]
    assert any("mr-telar-radar -> mr-launcher-loader" in w for w in warnings)


def test_too_many_links_are_refused_before_they_are_built():
    # 150 early-warning radars and 150 TELARs with no command post: every radar cues every TELAR (22,500 links)
    rows = [(f"ew{k}", "ew-radar", 50.0, 10.0 + k / 1000, None) for k in range(150)]
    rows += [(f"t{k}", "mr-telar", 49.0, 10.0 + k / 1000, None) for k in range(150)]
    units, groups, positions = _units(*rows)
    with pytest.raises(InputError) as caught:
        wire(units, groups, CATALOG, positions, source=Path("big.geojson"))
    text = str(caught.value)
    assert text.startswith("big.geojson: ") and "22500 links" in text and "at most 20000" in text
    assert "command post" in text
    links, _ = wire(units[:100] + units[150:250], groups, CATALOG, positions)  # 10,000: built
    assert len(links) == 100 * 100


def test_nearest_names_compares_lower_case():
    # compared as written, 'Hawk ln' would come first (its lower-case letters match)
    assert nearest_names("sa-11 buk ln", ["SA-11 BUK LN", "Hawk ln", "Vulcan"]).startswith("nearest: SA-11 BUK LN")

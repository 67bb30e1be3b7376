"""`iadsim import dcs` (issue 25, item 5): DCS missions built with pydcs, imported, validated, simulated."""

from __future__ import annotations

import io
import json
import re
import sys
import zipfile
from pathlib import Path

import dcs
import pytest
import yaml
from dcs import helicopters, planes, vehicles
from dcs.mapping import Point
from pyproj import Geod, Transformer

from iadsim.cli import main
from iadsim.scenario import builtin_catalog
from iadsim.scenario.importers.dcs import mapping_table

# Kutaisi (Kopitnari) airport's reference point in pydcs's Caucasus data (dcs/terrain/caucasus/airports.py)
KUTAISI = (-284887.375, 683858.71875)
# ... and its published position (Wikipedia, "David the Builder Kutaisi International Airport":
# 42°10′36″N 42°28′58″E)
KUTAISI_LATLON = (42 + 10 / 60 + 36 / 3600, 42 + 28 / 60 + 58 / 3600)
# the Caucasus theatre's Transverse Mercator, as DCS defines it (written out here, not taken from pydcs)
CAUCASUS_TM = ("+proj=tmerc +lat_0=0 +lon_0=33 +k_0=0.9996 +x_0=-99516.9999999732 +y_0=-4998114.999999984 "
               "+ellps=WGS84 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs")
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


def run(capsys, *argv):
    capsys.readouterr()
    status = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def latlon(x: float, y: float) -> tuple[float, float]:
    """DCS x (north), y (east) -> (lat, lon), independently of pydcs (pyproj with the theatre's TM)."""
    lon, lat = Transformer.from_crs(CAUCASUS_TM, "EPSG:4326", always_xy=True).transform(y, x)
    return lat, lon


def ground(m, country, group_name, units):
    """A vehicle group of (unit name, pydcs type, dx, dy) around Kutaisi."""
    first = units[0]
    g = m.vehicle_group(country, group_name, first[1], Point(KUTAISI[0] + first[2], KUTAISI[1] + first[3],
                                                             m.terrain))
    g.units[0].name = first[0]
    for name, kind, dx, dy in units[1:]:
        v = m.vehicle(name, kind)
        v.position = Point(KUTAISI[0] + dx, KUTAISI[1] + dy, m.terrain)
        g.add_unit(v)
    return g


def build(path: Path, *, sa11_extra=None, ground_units=True, zone_radius=2500) -> Path:
    """The test mission: red air defence around Kutaisi, blue raids, a red airliner, one trigger zone."""
    m = dcs.Mission(dcs.terrain.Caucasus())
    red, blue = m.country("Russia"), m.country("USA")
    ad = vehicles.AirDefence
    if ground_units:
        ground(m, red, "SAM-SA10 west", [("SA10 SR", ad.S_300PS_64H6E_sr, 0, -20000),
                                         ("SA10 TR", ad.S_300PS_40B6M_tr, 200, -20000),
                                         ("SA10 LN 1", ad.S_300PS_5P85C_ln, 300, -20100),
                                         ("SA10 LN 2", ad.S_300PS_5P85C_ln, 300, -19900)])
        sa11 = [("SA11 SR", ad.SA_11_Buk_SR_9S18M1, 5000, 0), ("TELAR", ad.SA_11_Buk_LN_9A310M1, 5200, 100),
                ("SA11 LN 2", ad.SA_11_Buk_LN_9A310M1, 5200, -100), ("ZU-23 guard", ad.ZU_23_Emplacement, 5100, 0)]
        ground(m, red, "SAM-SA11", sa11 + (sa11_extra or []))
        ground(m, red, "EW-north", [("EW north", ad.X_1L13_EWR, 40000, 0)])
        ground(m, red, "IADS command", [("Brigade CP", ad.SA_11_Buk_CC_9S470M1, -3000, 0)])
        ground(m, red, "Buk battery", [("Buk SR", ad.SA_11_Buk_SR_9S18M1, -20000, 10000),
                                       ("TELAR", ad.SA_11_Buk_LN_9A310M1, -20200, 10000)])
    ground(m, red, "Supply", [("Truck", vehicles.Unarmed.Ural_375, 0, 1000)])
    m.triggers.add_triggerzone(Point(*KUTAISI, m.terrain), radius=zone_radius, name="Kutaisi airbase")

    apache = m.flight_group_inflight(blue, "Apache raid", helicopters.AH_64D_BLK_II,
                                     Point(KUTAISI[0] - 60000, KUTAISI[1] - 30000, m.terrain), altitude=300,
                                     speed=200, group_size=2)
    low = apache.add_waypoint(Point(KUTAISI[0] - 20000, KUTAISI[1] - 10000, m.terrain), 30, speed=220)
    low.alt_type = "RADIO"
    end = apache.add_waypoint(Point(KUTAISI[0] - 500, KUTAISI[1] + 200, m.terrain), 20, speed=180)
    end.alt_type = "RADIO"
    viper = m.flight_group_inflight(blue, "Viper", planes.F_16C_50, Point(KUTAISI[0], KUTAISI[1] - 90000,
                                                                          m.terrain), altitude=6000, speed=800)
    viper.add_waypoint(Point(KUTAISI[0] + 1000, KUTAISI[1] + 1000, m.terrain), 5000, speed=850)
    awacs = m.flight_group_inflight(blue, "Magic", planes.E_3A, Point(KUTAISI[0], KUTAISI[1] - 150000, m.terrain),
                                    altitude=9000, speed=700)
    awacs.add_waypoint(Point(KUTAISI[0] + 50000, KUTAISI[1] - 150000, m.terrain), 9000, speed=700)
    yak = m.flight_group_inflight(red, "Aeroflot 1", planes.Yak_40, Point(KUTAISI[0] + 80000, KUTAISI[1] - 80000,
                                                                          m.terrain), altitude=8000, speed=700)
    yak.add_waypoint(Point(KUTAISI[0] - 80000, KUTAISI[1] + 80000, m.terrain), 8000, speed=700)
    hip = m.flight_group_inflight(red, "Hip", helicopters.Mi_8MT, Point(KUTAISI[0], KUTAISI[1] + 5000, m.terrain),
                                  altitude=200, speed=200)
    hip.add_waypoint(Point(KUTAISI[0], KUTAISI[1] + 15000, m.terrain), 200, speed=200)
    m.save(str(path))
    return path


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dcs")
    miz = build(folder / "caucasus.miz")
    out = folder / "laydown.yaml"
    status = main(["import", "dcs", str(miz), "--out", str(out)])
    assert status == 0
    return miz, out, yaml.safe_load(out.read_text())


def test_units_types_and_positions(imported):
    _, _, doc = imported
    units = {u["id"]: u for u in doc["units"]}
    assert {k: u["type"] for k, u in units.items()} == {
        "SA10-SR": "lr-acquisition-radar", "SA10-TR": "lr-engagement-radar", "SA10-LN-1": "lr-launcher",
        "SA10-LN-2": "lr-launcher", "SA11-SR": "mr-search-radar", "TELAR": "mr-telar", "SA11-LN-2": "mr-telar",
        "EW-north": "ew-radar", "Brigade-CP": "command-post", "Buk-SR": "mr-search-radar", "TELAR-2": "mr-telar"}
    assert all(ID.match(k) for k in units)
    # positions: the theatre's projection, computed here with pyproj from the DCS parameters
    for uid, (dx, dy) in {"SA10-SR": (0, -20000), "EW-north": (40000, 0), "TELAR-2": (-20200, 10000)}.items():
        lat, lon = latlon(KUTAISI[0] + dx, KUTAISI[1] + dy)
        assert units[uid]["lat"] == pytest.approx(lat, abs=1e-6) and units[uid]["lon"] == pytest.approx(lon, abs=1e-6)
    assert doc["terrain"]["flat"] == "0 m"


def test_projection_matches_a_published_airport_position(imported):
    """The defended zone sits on Kutaisi airport's reference point; its lat/lon is within 1 km of the
    airport's published coordinates (DCS's map and the published reference point differ by a few hundred m)."""
    _, _, doc = imported
    (asset,) = doc["defended_assets"]
    assert asset["id"] == "Kutaisi-airbase" and asset["radius"] == "2500 m"
    _, _, d = Geod(ellps="WGS84").inv(asset["lon"], asset["lat"], KUTAISI_LATLON[1], KUTAISI_LATLON[0])
    assert abs(d) < 1000


def test_links_network_the_prefixed_groups_only(imported):
    _, _, doc = imported
    links = {(a["from"], a["to"], a["carries"]) for a in doc["links"]}
    # the networked sensors report to the command post, which cues every networked fire-control radar
    for sensor in ("SA10-SR", "SA11-SR", "EW-north"):
        assert (sensor, "Brigade-CP", "tracks") in links
    for guider in ("SA10-TR", "TELAR", "SA11-LN-2"):
        assert ("Brigade-CP", guider, "cues") in links
    # inside the batteries
    assert {("SA10-TR", "SA10-LN-1", "fire-control"), ("SA10-TR", "SA10-LN-2", "fire-control"),
            ("SA10-SR", "SA10-TR", "cues"), ("SA11-SR", "TELAR", "cues"), ("SA11-SR", "SA11-LN-2", "cues")} <= links
    # the unprefixed Buk battery is autonomous: its own search radar cues its TELAR, nothing else touches it
    touching = {link for link in links if "Buk-SR" in link[:2] or "TELAR-2" in link[:2]}
    assert touching == {("Buk-SR", "TELAR-2", "cues")}


def test_raids_traffic_and_altitude_references(imported):
    _, _, doc = imported
    threats = {t["id"]: t for t in doc["threats"]}
    assert set(threats) == {"Apache-raid", "Viper"}  # the AWACS is not modelled, the red Hip not attacking
    apache = threats["Apache-raid"]
    assert apache["type"] == "attack-helicopter" and apache["count"] == 2 and apache["target"] == "Kutaisi-airbase"
    # BARO then RADIO waypoints: written above ground, the BARO one less the flat terrain's 0 m
    assert apache["altitude_reference"] == "agl"
    assert [w["altitude"] for w in apache["route"]] == ["300 m", "30 m", "20 m"]
    # DCS stores at a waypoint the speed of the leg arriving there (set above in km/h: 200 at the start, 220 on
    # the way to the low point, 180 to the end); iadsim flies a leg at its start waypoint's speed
    speeds = [w.get("speed") for w in apache["route"]]
    assert speeds[2] is None
    assert float(speeds[0].split()[0]) == pytest.approx(220 / 3.6, abs=0.05)
    assert float(speeds[1].split()[0]) == pytest.approx(180 / 3.6, abs=0.05)
    lat, lon = latlon(KUTAISI[0] - 20000, KUTAISI[1] - 10000)
    assert apache["route"][1]["lat"] == pytest.approx(lat, abs=1e-6)
    assert apache["route"][1]["lon"] == pytest.approx(lon, abs=1e-6)
    viper = threats["Viper"]
    assert viper["type"] == "fighter" and viper["altitude_reference"] == "msl" and viper.get("count", 1) == 1
    (yak,) = doc["traffic"]
    assert yak["id"] == "Aeroflot-1" and yak["type"] == "medium-airliner" and yak["altitude_reference"] == "msl"


def test_warnings_and_summary(tmp_path, capsys):
    miz = build(tmp_path / "m.miz")
    status, out, err = run(capsys, "import", "dcs", miz, "--out", tmp_path / "s.yaml")
    assert status == 0, err
    assert "autonomous" in err and "Buk battery" in err
    assert "Ural-375 (1)" in err and "ZU-23 Emplacement (1)" in err
    # each approximation met, once, without numbers
    assert err.count("DCS 'S-300PS 5P85C ln' imported as lr-launcher, the catalog's ") == 1
    assert "check its numbers (iadsim catalog --type lr-launcher) against this older variant" in err
    assert "DCS 'SA-11 Buk LN 9A310M1' imported as mr-telar" in err
    assert "aircraft left out" in err
    assert "11 units" in out and "2 raids" in out and "1 flight," in out


def test_validate_and_simulate(imported, capsys):
    _, out, _ = imported
    status, _, err = run(capsys, "validate", out)
    assert status == 0, err
    status, stdout, err = run(capsys, "simulate", out, "--replications", "2", "--json")
    assert status == 0, err
    assert json.loads(stdout)


def test_a_mission_without_prefixes_has_autonomous_batteries_only(tmp_path, capsys):
    miz = build(tmp_path / "m.miz")
    status, _, err = run(capsys, "import", "dcs", miz, "--out", tmp_path / "s.yaml", "--sam-prefix", "XX",
                         "--ew-prefix", "YY")
    assert status == 0, err
    assert "every air-defence group is an autonomous battery" in err and "--sam-prefix/--ew-prefix" in err
    doc = yaml.safe_load((tmp_path / "s.yaml").read_text())
    links = {(a["from"], a["to"], a["carries"]) for a in doc["links"]}
    # every link stays inside its DCS group
    group = {"SA10-SR": 1, "SA10-TR": 1, "SA10-LN-1": 1, "SA10-LN-2": 1, "SA11-SR": 2, "TELAR": 2, "SA11-LN-2": 2,
             "EW-north": 3, "Brigade-CP": 4, "Buk-SR": 5, "TELAR-2": 5}
    assert links and all(group[a] == group[b] for a, b, _ in links)
    assert ("Buk-SR", "TELAR-2", "cues") in links and ("SA10-TR", "SA10-LN-1", "fire-control") in links


def test_mapping_table_uses_pydcs_types_and_sensible_catalog_classes():
    catalog = builtin_catalog()
    ground_types = set(vehicles.vehicle_map)
    air_types = set(planes.plane_map) | set(helicopters.helicopter_map)
    for dcs_type, target in mapping_table().items():
        assert dcs_type in ground_types | air_types, dcs_type
        if target is None:
            continue
        kind = catalog.types[target].kind
        if dcs_type in ground_types:
            assert kind in ("radar", "launcher", "command-post"), dcs_type
            assert target not in ("mr-telar-radar", "sr-radar"), dcs_type  # radars of launchers, not units
        else:
            assert kind == "aircraft", dcs_type
    # the examples
    table = mapping_table()
    assert table["S-300PS 40B6M tr"] == "lr-engagement-radar" and table["S-300PS 5P85C ln"] == "lr-launcher"
    assert table["SA-11 Buk LN 9A310M1"] == "mr-telar" and table["1L13 EWR"] == "ew-radar"
    assert catalog.types[table["Yak-40"]].civil


# --- bad input ------------------------------------------------------------------------------------------


def bad(capsys, tmp_path, miz, *more):
    out = tmp_path / "keep.yaml"
    out.write_text("name: earlier\n")
    status, stdout, err = run(capsys, "import", "dcs", miz, "--out", out, *more)
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert out.read_text() == "name: earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".yaml") == ["keep.yaml"]
    return err


def test_not_a_zip(tmp_path, capsys):
    miz = tmp_path / "m.miz"
    miz.write_text("mission = { secret = 'do not echo' }")
    err = bad(capsys, tmp_path, miz)
    assert "not a DCS mission (.miz is a zip archive)" in err and "m.miz" in err and "secret" not in err


def test_zip_without_mission(tmp_path, capsys):
    miz = tmp_path / "m.miz"
    with zipfile.ZipFile(miz, "w") as z:
        z.writestr("options", "options = {}")
    err = bad(capsys, tmp_path, miz)
    assert "no 'mission' member" in err


def test_zip_bomb_is_refused_unread(tmp_path, capsys):
    miz = tmp_path / "m.miz"
    with zipfile.ZipFile(miz, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in ("mission", "options", "warehouses", "l10n/DEFAULT/dictionary"):
            z.writestr(name, b"\0" * 60_000_000)
    err = bad(capsys, tmp_path, miz)
    assert "unpacks to more than 200 MB" in err


def test_damaged_mission_text(tmp_path, capsys):
    miz = build(tmp_path / "m.miz")
    _rewrite(miz, lambda text: "mission = { secret = " + "{" * 5000)
    err = bad(capsys, tmp_path, miz)
    assert "not a DCS mission pydcs" in err and "secret" not in err


@pytest.mark.parametrize("text", [
    'mission = {["a"] = "' + "A" * 5_000_000 + '"}',  # 5 KB compressed: pydcs would take some 5 minutes
    "mission = {[1] = 1" + "1" * 3_000_000 + "}",  # a number: built a digit at a time, as strings are
    'mission = {["a"] = "' + '\\"' * 2_000_000,  # never closed: the scan is linear all the same
    '-- a "quote\nmission = {["a"] = "' + "A" * 5_000_000 + '"}',  # a comment's quote does not hide it
])
def test_a_mission_text_pydcs_would_take_too_long_to_read_is_refused_at_once(tmp_path, capsys, text):
    """pydcs's Lua reader builds a string or number a character at a time, in a time growing with its length
    squared: a tiny hostile .miz held it for hours (found by an interoperability audit). Refused before pydcs
    reads it, naming the member and the line, in bounded time."""
    import time

    miz = build(tmp_path / "m.miz")
    _rewrite(miz, lambda _: "\n\n" + text if not text.startswith("--") else "\n" + text)
    start = time.perf_counter()
    err = bad(capsys, tmp_path, miz)
    assert time.perf_counter() - start < 20
    assert "its 'mission' member, line 3: a string or number of" in err and "AAAA" not in err


def test_a_real_mission_s_texts_are_read(tmp_path):
    """The bound leaves long but real texts alone: a 20,000-character briefing (pydcs reads it in milliseconds)."""
    from iadsim.scenario.importers.dcs import _check_tokens

    _check_tokens(tmp_path / "m.miz", "l10n/DEFAULT/dictionary",
                  b'dictionary = {["DictKey_descriptionText_1"] = "' + b"Brief. " * 3000 + b'"}\n' * 50)
    # a comment's apostrophe opens no string (pydcs skips comments): the rest is short texts
    _check_tokens(tmp_path / "m.miz", "mission", b"-- pilot's notes\n--[[ a 'block' ]]\n"
                  + b'mission = {["a"] = "b", [1] = 1.5e+3}\n' * 100_000)


def test_no_ground_units(tmp_path, capsys):
    miz = build(tmp_path / "m.miz", ground_units=False)
    err = bad(capsys, tmp_path, miz)
    assert "no ground units" in err


def test_unknown_type_in_a_sam_group(tmp_path, capsys):
    """A mod's type (neither in the table nor known to pydcs) in a SAM group: the nearest ground entries."""
    miz = build(tmp_path / "m.miz", sa11_extra=[("Mod radar", vehicles.AirDefence.Hawk_tr, 5300, 0)])
    _rewrite(miz, lambda text: text.replace('"Hawk tr"', '"SA-11 Buk SR MOD"', 1))
    err = bad(capsys, tmp_path, miz)
    assert "group 'SAM-SA11'" in err and "unknown DCS type 'SA-11 Buk SR MOD'" in err
    nearest = err.split("nearest: ")[1].strip().split(", ")
    assert nearest[0] == "SA-11 Buk SR 9S18M1"
    assert set(nearest) <= set(vehicles.vehicle_map)  # ground types only


def test_a_known_type_without_a_class_in_a_sam_group_is_skipped(tmp_path, capsys):
    miz = build(tmp_path / "m.miz", sa11_extra=[("Hawk radar", vehicles.AirDefence.Hawk_tr, 5300, 0),
                                                ("Osa", vehicles.AirDefence.Osa_9A33_ln, 5300, 100)])
    status, _, err = run(capsys, "import", "dcs", miz, "--out", tmp_path / "s.yaml")
    assert status == 0, err
    assert "Hawk tr (1)" in err and "Osa 9A33 ln (1)" in err


def test_without_pydcs_one_line_names_the_extra(tmp_path, capsys, monkeypatch):
    miz = build(tmp_path / "m.miz")
    monkeypatch.setitem(sys.modules, "dcs", None)  # import dcs now raises ImportError
    err = bad(capsys, tmp_path, miz)
    assert "iadsim[dcs]" in err


def test_miz_is_written_by_pydcs_as_expected(tmp_path):
    """The fixture is a real .miz: a zip with pydcs's Lua members (so the checks above test real missions)."""
    miz = build(tmp_path / "m.miz")
    with zipfile.ZipFile(io.BytesIO(miz.read_bytes())) as z:
        assert {"mission", "options", "warehouses", "l10n/DEFAULT/dictionary"} <= set(z.namelist())


def test_terrain_dem_and_baro_altitudes_above_it(tmp_path, capsys):
    """--terrain: the scenario uses the DEM, and a BARO waypoint of a mixed route is written above the DEM's
    ground (checked against the DEM read here with rasterio). The laydown is placed on the test DEM (Mount
    Washington) through the Nevada theatre's projection, which pydcs inverts exactly that far east."""
    import rasterio

    dem = Path(__file__).resolve().parents[1] / "data" / "dem" / "n44w072_mt_washington.tif"
    m = dcs.Mission(dcs.terrain.Nevada())
    red, blue = m.country("Russia"), m.country("USA")

    def at(lat, lon):
        return Point.from_latlng(dcs.mapping.LatLng(lat, lon), m.terrain)

    g = m.vehicle_group(red, "SAM-SA11", vehicles.AirDefence.SA_11_Buk_SR_9S18M1, at(44.27, -71.30))
    v = m.vehicle("TELAR", vehicles.AirDefence.SA_11_Buk_LN_9A310M1)
    v.position = at(44.271, -71.301)
    g.add_unit(v)
    hind = m.flight_group_inflight(blue, "Hind", helicopters.Mi_24P, at(44.35, -71.42), altitude=1500, speed=200)
    low = hind.add_waypoint(at(44.30, -71.35), 40, speed=200)
    low.alt_type = "RADIO"
    miz = tmp_path / "nevada.miz"
    m.save(str(miz))
    out = tmp_path / "s.yaml"
    status, _, err = run(capsys, "import", "dcs", miz, "--out", out, "--terrain", dem)
    assert status == 0, err
    doc = yaml.safe_load(out.read_text())
    assert not Path(doc["terrain"]["source"]).is_absolute()  # relative to the scenario's folder
    assert (out.parent / doc["terrain"]["source"]).resolve() == dem.resolve()
    unit = doc["units"][0]
    assert unit["lat"] == pytest.approx(44.27, abs=1e-6) and unit["lon"] == pytest.approx(-71.30, abs=1e-6)
    (raid,) = doc["threats"]
    assert raid["altitude_reference"] == "agl"
    with rasterio.open(dem) as src:
        ground_there = next(src.sample([(-71.42, 44.35)]))[0]
    first = float(raid["route"][0]["altitude"].split()[0])
    assert first == pytest.approx(1500 - ground_there, abs=25)  # the DEM resampled to UTM: a cell's worth
    assert raid["route"][1]["altitude"] == "40 m"
    status, _, err = run(capsys, "validate", out)
    assert status == 0, err


def test_a_value_of_the_wrong_kind(tmp_path, capsys):
    """A waypoint altitude that is a string (pydcs keeps it as it is): one line, not a traceback."""
    miz = build(tmp_path / "m.miz")
    _rewrite(miz, lambda text: text.replace('["alt"]=300,', '["alt"]="secret",', 1))  # (fails if none is there)
    err = bad(capsys, tmp_path, miz)
    assert "a value of an unexpected kind" in err and "secret" not in err


def _rewrite(miz: Path, change) -> None:
    """Rewrite the mission's Lua text in place (pydcs writes only what its types allow)."""
    with zipfile.ZipFile(miz) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    text = members["mission"].decode()
    changed = change(text)
    assert changed != text
    members["mission"] = changed.encode()
    with zipfile.ZipFile(miz, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


def test_every_pydcs_air_defence_and_aircraft_type_is_in_the_table():
    table = mapping_table()
    air_defence = {c.id for c in vars(vehicles.AirDefence).values() if isinstance(c, type)}
    assert len(air_defence) > 100
    assert air_defence <= set(table)
    assert set(planes.plane_map) | set(helicopters.helicopter_map) <= set(table)
    # no Pantsir stand-ins, no class for the low-altitude detector
    for kind in ("Osa 9A33 ln", "2S6 Tunguska", "Tor 9A331", "CHAP_TorM2", "S-300PS 40B6MD sr"):
        assert table[kind] is None, kind
    assert table["CHAP_PantsirS1"] == "sr-system"


def test_a_position_that_is_not_finite_names_its_group_and_unit(tmp_path, capsys):
    miz = build(tmp_path / "m.miz")
    _rewrite(miz, lambda text: re.sub(r'(\["name"\]="EW north",.*?\["x"\]=)[-0-9.e]+', r"\g<1>1e999", text, count=1,
                                      flags=re.S))
    err = bad(capsys, tmp_path, miz)
    assert "group 'EW-north', unit 'EW north': its position is not a finite number" in err


def test_a_mission_member_too_large_is_refused(tmp_path, capsys):
    miz = build(tmp_path / "m.miz")
    _rewrite(miz, lambda text: text + "\n--" + " " * 26_000_000)
    err = bad(capsys, tmp_path, miz)
    assert "its 'mission' member unpacks to more than 25 MB" in err


def test_the_prefixed_coalition_defends_and_an_ew_unit_networks_alone(tmp_path, capsys):
    """Blue names one radar with the EW prefix: blue defends although red has more air defence; that radar is
    networked, the rest of its group is an autonomous battery."""
    m = dcs.Mission(dcs.terrain.Caucasus())
    red, blue = m.country("Russia"), m.country("USA")
    ad = vehicles.AirDefence
    ground(m, red, "Red Buk", [("R SR", ad.SA_11_Buk_SR_9S18M1, 0, 0), ("R TELAR", ad.SA_11_Buk_LN_9A310M1, 100, 0),
                               ("R TELAR 2", ad.SA_11_Buk_LN_9A310M1, 200, 0)])
    ground(m, blue, "Blue site", [("EW radar", ad.X_1L13_EWR, 30000, 0), ("B SR", ad.SA_11_Buk_SR_9S18M1, 30000, 500),
                                  ("B TELAR", ad.SA_11_Buk_LN_9A310M1, 30000, 600)])
    ground(m, blue, "Blue other", [("O SR", ad.SA_11_Buk_SR_9S18M1, 40000, 0),
                                   ("O TELAR", ad.SA_11_Buk_LN_9A310M1, 40000, 100)])
    miz = tmp_path / "b.miz"
    m.save(str(miz))
    out = tmp_path / "b.yaml"
    status, _, err = run(capsys, "import", "dcs", miz, "--out", out)
    assert status == 0, err
    doc = yaml.safe_load(out.read_text())
    assert {u["id"] for u in doc["units"]} == {"EW-radar", "B-SR", "B-TELAR", "O-SR", "O-TELAR"}
    assert "the blue one (5 units), which names its air defence with the Skynet prefixes" in err
    links = {(a["from"], a["to"], a["carries"]) for a in doc["links"]}
    # the EW radar is the network on its own (no fire unit networked): it cues nothing of the autonomous groups
    assert links == {("B-SR", "B-TELAR", "cues"), ("O-SR", "O-TELAR", "cues")}
    assert "autonomous" in err and "Blue site" in err and "Blue other" in err


def test_format_version_name_sources_and_chance_warnings(tmp_path, capsys):
    from iadsim.scenario.versions import CURRENT

    long = "a" * 240
    m = dcs.Mission(dcs.terrain.Caucasus())
    red, blue = m.country("Russia"), m.country("USA")
    site = ground(m, red, "SAM-Buk", [("SR", vehicles.AirDefence.SA_11_Buk_SR_9S18M1, 0, 0),
                                      ("TELAR", vehicles.AirDefence.SA_11_Buk_LN_9A310M1, 100, 0)])
    site.spawn_probability = 0.5
    viper = m.flight_group_inflight(blue, "Viper", planes.F_16C_50, Point(KUTAISI[0], KUTAISI[1] - 90000, m.terrain),
                                    altitude=6000, speed=800)
    viper.add_waypoint(Point(KUTAISI[0] + 1000, KUTAISI[1] + 1000, m.terrain), 5000, speed=850)
    viper.uncontrolled = True
    miz = tmp_path / f"{long}.miz"
    m.save(str(miz))
    out = tmp_path / "s.yaml"
    status, _, err = run(capsys, "import", "dcs", miz, "--out", out)
    assert status == 0, err
    doc = yaml.safe_load(out.read_text())
    assert doc["format_version"] == CURRENT["scenario"] and doc["name"] == "a" * 200
    assert "probability below 100 %" in err and "SAM-Buk" in err
    assert "uncontrolled in DCS" in err and "Viper" in err
    # a validation error names the DCS group it came from: an altitude beyond the scenario's 100 km
    _rewrite(miz, lambda text: text.replace('["alt"]=5000,', '["alt"]=500000,', 1))
    (tmp_path / "again").mkdir()
    err = bad(capsys, tmp_path / "again", miz)
    assert "aircraft group 'Viper'" in err and "threats[0].route[1].altitude" in err


def test_flat_terrain_covers_a_defended_zone_to_its_edge(tmp_path, capsys):
    """A trigger zone reaching 160 km beyond every unit and waypoint: the flat terrain written covers its whole
    circle (its four compass points), as the GIS importer's does."""
    from pyproj import CRS, Geod, Transformer

    from iadsim.scenario import load_scenario

    miz = build(tmp_path / "m.miz", zone_radius=160_000)
    out = tmp_path / "laydown.yaml"
    status, _, err = run(capsys, "import", "dcs", miz, "--out", out)
    assert status == 0, err
    scenario = load_scenario(out)
    (asset,) = scenario.spec.defended_assets
    to_grid = Transformer.from_crs(CRS.from_epsg(4326), CRS.from_user_input(scenario.terrain.crs), always_xy=True)
    for azimuth in (0, 90, 180, 270):
        lon, lat, _ = Geod(ellps="WGS84").fwd(asset.lon, asset.lat, azimuth, 159_000)
        assert scenario.terrain.contains(*to_grid.transform(lon, lat)), azimuth

"""Exports read back with the libraries a user would open them with."""

import json

import numpy as np
import pandas as pd
import pytest

from iadsim.analysis.metrics import REPLICATION_METRICS as METRICS
from iadsim.report.export import FORMATS, export

GEOMETRY_TYPES = {"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"}


def test_unknown_format_is_a_clear_error(run_dir, tmp_path):
    with pytest.raises(ValueError, match="unknown export format 'shp'"):
        export(run_dir, "shp", tmp_path)
    assert set(FORMATS) == {"geojson", "kml", "czml", "geotiff", "csv", "acmi", "dis"}


def test_geojson_features_are_valid_and_in_lonlat(run_dir, tmp_path):
    (path,) = export(run_dir, "geojson", tmp_path)
    data = json.loads(path.read_text())
    assert data["type"] == "FeatureCollection" and data["features"]
    layers = {}
    for feature in data["features"]:
        geometry = feature["geometry"]
        assert feature["type"] == "Feature" and geometry["type"] in GEOMETRY_TYPES
        layers.setdefault(feature["properties"]["layer"], []).append(feature)
    assert {"site", "link", "route", "coverage"} <= set(layers)
    # the sample terrain is in Tennessee, about 84.2 W 36.6 N
    for site in layers["site"]:
        lon, lat, _ = site["geometry"]["coordinates"]
        assert -85 < lon < -83.5 and 36 < lat < 37
    assert {f["properties"]["status"] for f in layers["link"]} == {"up", "down"}
    bands = [f for f in layers["coverage"] if f["geometry"]["coordinates"]]
    assert bands, "no coverage polygons"
    for feature in bands:
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                assert len(ring) >= 4 and ring[0] == ring[-1]
                assert all(-85 < x < -83.5 and 36 < y < 37 for x, y in ring)


def test_kml_has_placemarks_with_timespans(run_dir, tmp_path):
    from lxml import etree

    path, *_icons = export(run_dir, "kml", tmp_path)  # replay.kml, then its symbols (tests/report/test_symbols.py)
    tree = etree.parse(str(path))
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    placemarks = tree.findall(".//k:Placemark", ns)
    assert len(placemarks) > 10
    spans = tree.findall(".//k:Placemark/k:TimeSpan", ns)
    assert spans and all(s.find("k:begin", ns) is not None for s in spans)
    # the order of KML 2.2's schema (ogckml22.xsd, AbstractFeatureType): name, ..., a time primitive, then styleUrl
    order = ["name", "description", "TimeSpan", "TimeStamp", "styleUrl", "Point", "LineString", "Polygon",
             "MultiGeometry"]
    for placemark in placemarks:
        tags = [etree.QName(child).localname for child in placemark]
        known = [order.index(tag) for tag in tags if tag in order]
        assert known == sorted(known), tags
    names = {p.findtext("k:name", namespaces=ns) for p in placemarks}
    assert {"ew-1", "raid-1", "liner"} <= names
    assert "<script>" not in path.read_text()  # lxml escapes the scenario's name


def test_czml_packets(run_dir, tmp_path):
    (path,) = export(run_dir, "czml", tmp_path)
    packets = json.loads(path.read_text())
    assert isinstance(packets, list) and packets[0]["id"] == "document"
    assert packets[0]["version"] and packets[0]["clock"]
    assert all("id" in p for p in packets)
    moving = [p for p in packets if isinstance(p.get("position"), dict) and "epoch" in p["position"]]
    assert {p["id"] for p in moving} >= {"target/raid-1", "target/raid-2", "target/liner"}
    for p in moving:
        samples = p["position"]["cartographicDegrees"]
        assert len(samples) % 4 == 0 and len(samples) >= 8
        assert np.all(np.diff(samples[0::4]) > 0)  # times increase
    # a target shot down leaves the globe at its kill, at the kill point (it stayed on as a live hostile to the end)
    killed = [p for p in moving if "killed at" in p["description"]]
    assert killed
    for p in killed:
        kill = float(p["description"].split("killed at ")[1].split(" s")[0])
        end = p["availability"].split("/")[1]
        last = p["position"]["cartographicDegrees"][-4]
        assert last == pytest.approx(kill, abs=0.5)
        span = np.datetime64(end.rstrip("Z")) - np.datetime64(p["position"]["epoch"].rstrip("Z"))
        assert abs(span - np.timedelta64(int(round(last * 1e6)), "us")) <= np.timedelta64(1, "ms")


def test_geotiff_georeferencing_round_trips(run_dir, tmp_path):
    import rasterio
    from rasterio.crs import CRS

    from iadsim.scenario import load_scenario

    paths = export(run_dir, "geotiff", tmp_path)
    dem = load_scenario(run_dir.parent / "tiny.yaml").terrain
    assert {p.name for p in paths} >= {"coverage-30m.tif", "coverage-100m.tif", "coverage-300m.tif"}
    for p in paths:
        with rasterio.open(p) as ds:
            assert ds.crs == CRS.from_user_input(dem.crs)
            assert ds.transform.almost_equals(dem.transform)
            assert (ds.height, ds.width) == dem.shape
            values = ds.read(1)
        if p.name.startswith("coverage"):
            finite = values[np.isfinite(values)]
            assert set(np.unique(finite)) <= {0.0, 1.0} and finite.any()
    low, high = (rasterio.open(tmp_path / f"coverage-{b}m.tif").read(1) for b in (30, 300))
    assert np.nansum(low) <= np.nansum(high)  # more of the terrain is covered at 300 m than at 30 m
    with rasterio.open(tmp_path / "masking-height.tif") as ds:
        masking = ds.read(1)
    for band in (30, 100, 300):
        with rasterio.open(tmp_path / f"coverage-{band}m.tif") as ds:
            covered = ds.read(1) == 1
        assert (masking[covered] <= band + 1e-3).all()  # detected only where some radar's line of sight reaches


def test_exported_coverage_is_the_coverage_product(run_dir, tmp_path):
    """One meaning of coverage: the GeoTIFF and GeoJSON exports show where `iadsim coverage` finds some sensor
    detecting (line of sight, range, sector and Pd), at its bands, as the run folder's quick look sampled it
    (coverage.json ``sample``)."""
    import rasterio

    from iadsim.analysis.coverage import DEFAULT_BANDS, coverage, coverage_maps
    from iadsim.scenario import load_scenario

    export(run_dir, "geotiff", tmp_path / "export")
    (geojson,) = export(run_dir, "geojson", tmp_path / "export")
    scenario = load_scenario(run_dir.parent / "tiny.yaml")
    summary = coverage(scenario, tmp_path / "coverage")
    sample = json.loads((run_dir / "coverage.json").read_text())["sample"]
    assert sample > 1  # the tiny run's terrain is larger than the quick look's cells
    quick = coverage_maps(scenario, sample=sample).covered()
    for b, band in enumerate(DEFAULT_BANDS):
        with rasterio.open(tmp_path / "export" / f"coverage-{band:g}m.tif") as ds:
            exported = ds.read(1)
        with rasterio.open(tmp_path / "coverage" / f"detection_layers_{band:g}m.tif") as ds:
            layers = ds.read(1)
        np.testing.assert_array_equal(np.isnan(exported), np.isnan(layers))
        finite = np.isfinite(layers)
        np.testing.assert_array_equal(exported[finite] == 1, quick[b][finite])
        assert ((exported[finite] == 1) == (layers[finite] > 0)).mean() > 0.95  # close to the exact product
    features = [f for f in json.loads(geojson.read_text())["features"] if f["properties"]["layer"] == "coverage"]
    assert [f["properties"]["height_agl_m"] for f in features] == list(DEFAULT_BANDS)
    assert all(f["properties"]["threat_types"] == [t["id"] for t in summary["threat_types"]] for f in features)


def test_csv_has_the_metrics_and_events(run_dir, tmp_path):
    metrics_csv, events_csv = export(run_dir, "csv", tmp_path)
    metrics = pd.read_csv(metrics_csv)
    assert {"replication", *METRICS} <= set(metrics.columns) and len(metrics) == 5
    events = pd.read_csv(events_csv)
    assert list(events.columns) == ["replication", "time", "kind", "unit", "unit_id", "target", "target_id", "track",
                                    "missiles", "time_of_flight", "miss_distance", "reason", "x", "y", "z"]

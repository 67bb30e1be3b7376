"""Exports of a run folder for GIS tools, globes and replay tools: GeoJSON, KML, CZML, GeoTIFF, CSV and Tacview ACMI.

Positions are given as longitude/latitude on WGS 84, transformed from the terrain's CRS with pyproj;
heights are metres above mean sea level. Scenario times are seconds from the start, written against
:data:`EPOCH` where a format needs calendar times (KML, CZML).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from html import escape
from pathlib import Path

import numpy as np

from iadsim.analysis.runfolder import RunFolderError
from iadsim.report.acmi import export_acmi
from iadsim.report.dis import export_dis
from iadsim.report.geo import KML_NS, kml_element
from iadsim.report.replay import EPOCH, FLYING, KILLED, build_replay
from iadsim.report.run import Run, load_run
from iadsim.report.symbols import GENERIC, Drawn, data_uri, drawn, png, sidc_of, with_side
from iadsim.scenario.yamlio import write_atomic
from iadsim.terrain.geo import lonlat_polygons, to_lonlat

MAX_POLYGON_CELLS = 800  # coverage outlines are traced on the raster decimated to at most this many cells a side


def export(run_dir: str | Path, fmt: str, out_dir: str | Path, replication: int | None = None,
           exercise: int = 1) -> list[Path]:
    """Export a run folder in format ``fmt`` into ``out_dir``; returns the files written.

    Parameters
    ----------
    run_dir : path-like
        A run folder written by :func:`iadsim.analysis.simulate`.
    fmt : {"geojson", "kml", "czml", "geotiff", "csv", "acmi", "dis"}
        ``geojson``: sites, links, routes and the network's detection coverage outlined per band above
        ground (``map.geojson``). ``kml``: sites, links and a time-stamped replay of one replication for
        Google Earth (``replay.kml``, its military symbols as PNG icons in ``symbols/``). ``czml``: the
        same replay for CesiumJS (``replay.czml``). ``geotiff``:
        the detection coverage per band (1 covered, 0 not, NaN on nodata) and the lowest masking height over
        the emitting radars, on the terrain's grid (``coverage-<band>m.tif``, ``masking-height.tif``).
        ``csv``: ``metrics.csv`` and ``events.csv``. Coverage is
        :func:`iadsim.analysis.coverage.coverage_maps` (line of sight, range, sector and Pd >= 0.5 per
        look against the scenario's threat types) at its default bands, as on the report's map: the run
        folder's quick look (the Pd sampled at block centres, ``coverage.json`` ``sample``; ``iadsim coverage``
        computes every cell). ``acmi``: one replication as a Tacview flight recording
        (:mod:`iadsim.report.acmi`). ``dis``: one replication as DIS version 7 PDUs in a libpcap capture
        (:mod:`iadsim.report.dis`).
    out_dir : path-like
        Created if missing; for a single-file format the file itself (acmi: ``.acmi``, or ``.zip.acmi``
        zipped; dis: ``.pcap``).
    replication : int, optional
        The replication to replay (kml, czml, acmi, dis); default: the one whose leakers are closest to the mean.
    exercise : int
        The DIS exercise identifier (dis), 1-255.
    """
    try:
        writer = EXPORTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORTERS)}") from None
    if not 1 <= int(exercise) <= 255:
        raise RunFolderError("--exercise", f"{exercise} is not a DIS exercise identifier (1-255)")
    options = {"exercise": int(exercise)} if "exercise" in OPTIONS.get(fmt, ()) else {}
    run = load_run(run_dir)
    if replication is not None and replication not in set(run.metrics["replication"].tolist()):
        n = len(run.metrics)
        raise RunFolderError(run_dir, f"--replication {replication}: this run has replications 0 to {n - 1}")
    out = Path(out_dir)
    if fmt in SINGLE_FILE:  # --out names the file
        suffix = SINGLE_FILE[fmt]
        name = out.name.lower()
        if not name.endswith(suffix) or name in (suffix, ".zip" + suffix) or out.is_dir():
            raise RunFolderError(out, f"--out: name the {fmt} file to write, e.g. replay{suffix}")
        if out.parent.exists() and not out.parent.is_dir():
            raise RunFolderError(out.parent, "is a file, not a folder; choose another --out")
        return writer(run, out, replication, **options)
    if out.exists() and not out.is_dir():
        raise RunFolderError(out, "is a file, not a folder; choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    return writer(run, out, replication)


def _iso(seconds: float) -> str:
    """ISO 8601 (UTC) of a run time [s] after :data:`EPOCH`, to the millisecond where it has a fraction."""
    when = EPOCH + dt.timedelta(seconds=round(float(seconds), 3))
    fraction = f".{when.microsecond // 1000:03d}" if when.microsecond else ""
    return when.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def _sites(run: Run):
    """(id, kind, type, x, y, z) of every unit and defended asset; z is ground + mast [m MSL]."""
    scenario = run.scenario
    for unit in scenario.spec.units:
        s = scenario.sites[unit.id]
        yield unit.id, scenario.catalog.types[unit.type].kind, unit.type, s.x, s.y, s.ground + unit.mast_height
    for asset in scenario.spec.defended_assets:
        s = scenario.sites[asset.id]
        yield asset.id, "asset", "defended asset", s.x, s.y, s.ground


def _symbols(run: Run, replay) -> tuple[dict[str, Drawn], list[Drawn]]:
    """The military symbol (:mod:`iadsim.report.symbols`) of every unit (friend) and of every replayed target
    (hostile, civil traffic neutral): unit id -> symbol, and one symbol per target in the replay's order."""
    catalog, spec = run.scenario.catalog, run.scenario.spec
    units = {}
    for u in spec.units:
        entry = catalog.types[u.type]
        units[u.id] = drawn(with_side(sidc_of(entry), "defence"), entry.kind)
    types = {str(t["id"]): str(t.get("type", "")) for t in run.entities.get("targets", [])}
    targets = []
    for i, tid in enumerate(replay.target_ids):
        entry = catalog.types.get(types.get(tid, ""))
        kind = "civil" if replay.civil[i] else entry.kind if entry is not None else "aircraft"
        code = sidc_of(entry) if entry is not None else GENERIC[kind]
        targets.append(drawn(with_side(code, "civil" if replay.civil[i] else "raid"), kind))
    return units, targets


def _round(values, digits: int = 7) -> list[float]:
    return [round(float(v), digits) for v in values]


def _line(lon, lat) -> dict:
    return {"type": "LineString", "coordinates": [_round(p) for p in zip(lon, lat, strict=True)]}


# GeoJSON -------------------------------------------------------------------------------------------------------

def export_geojson(run: Run, out: Path, replication: int | None = None) -> list[Path]:
    scenario = run.scenario
    lonlat = to_lonlat(scenario.terrain.crs)
    features = []
    for sid, kind, type_, x, y, z in _sites(run):
        lon, lat = lonlat(x, y)
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": _round([lon, lat]) +
                                                                        [round(float(z), 1)]},
                         "properties": {"layer": "site", "id": sid, "kind": kind, "type": type_}})
    for link in scenario.spec.links:
        a, b = scenario.sites[link.from_], scenario.sites[link.to]
        lon, lat = lonlat([a.x, b.x], [a.y, b.y])
        features.append({"type": "Feature",
                         "geometry": _line(lon, lat),
                         "properties": {"layer": "link", "from": link.from_, "to": link.to, "carries": link.carries,
                                        "status": link.status, "latency_s": link.latency}})
    for flights, civil in ((scenario.spec.threats, False), (scenario.spec.traffic, True)):
        for flight in flights:
            route = scenario.routes[flight.id]
            lon, lat = lonlat(route[:, 0], route[:, 1])
            features.append({"type": "Feature",
                             "geometry": _line(lon, lat),
                             "properties": {"layer": "route", "id": flight.id, "civil": civil, "type": flight.type,
                                            "count": flight.count, "altitude_reference": flight.altitude_reference}})
    maps = run.coverage
    threats = ", ".join(maps.threat_types)
    for band, mask in zip(maps.bands, maps.covered(), strict=True):
        polygons = lonlat_polygons(mask, scenario.terrain, max_cells=MAX_POLYGON_CELLS)
        features.append({"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": polygons},
                         "properties": {"layer": "coverage", "height_agl_m": band, "threat_types": maps.threat_types,
                                        "description": f"some emitting radar detects a {threats} {band:g} m above "
                                                       "ground (Pd per look >= 0.5)"}})
    collection = {"type": "FeatureCollection", "name": run.name, "features": features}
    path = out / "map.geojson"
    write_atomic(path, json.dumps(collection).encode("utf-8"))  # (as every export: an earlier file stays whole)
    return [path]


# KML -----------------------------------------------------------------------------------------------------------

KML_SYMBOLS = "symbols"
"""The folder beside ``replay.kml`` with its icons: each military symbol as ``<SIDC>.png``."""
KML_COLOURS = {  # aabbggrr
    "radar": "ff994e1f", "esm": "ff994e1f", "irst": "ff994e1f",
    "launcher": "ff8e2d7b", "command-post": "ff007be0", "asset": "ff377f1a",
    "threat": "ff1f12c1", "civil": "ffb67700", "killed": "ff111111", "up": "ff555555", "down": "ff2827d6",
}


def export_kml(run: Run, out: Path, replication: int | None = None) -> list[Path]:
    from lxml import etree

    sub = kml_element
    scenario = run.scenario
    lonlat = to_lonlat(scenario.terrain.crs)
    rep = run.typical_replication() if replication is None else int(replication)
    replay = build_replay(run.trajectories, run.events, run.unit_ids, rep)
    unit_symbols, target_symbols = _symbols(run, replay)
    root = etree.Element(f"{{{KML_NS}}}kml", nsmap={None: KML_NS})
    doc = sub(root, "Document")
    sub(doc, "name", f"{run.name}: replication {rep}")
    sub(doc, "description", scenario.spec.description)
    for key, colour in KML_COLOURS.items():
        style = sub(doc, "Style", id=key)
        icon = sub(style, "IconStyle")
        sub(icon, "color", colour)
        sub(icon, "scale", "1.0" if key in ("threat", "civil", "killed") else "0.8")
        line = sub(style, "LineStyle")
        sub(line, "color", colour)
        sub(line, "width", "3" if key == "down" else "2")
    icons = {}  # the symbols as PNG files beside replay.kml (Google Earth draws no SVG icons)
    for symbol in sorted({*unit_symbols.values(), *target_symbols}, key=lambda s: s.sidc):
        icons[out / KML_SYMBOLS / f"{symbol.sidc}.png"] = symbol
        style = sub(doc, "Style", id=f"sidc-{symbol.sidc}")
        icon = sub(style, "IconStyle")
        sub(icon, "scale", "1.2")
        sub(sub(icon, "Icon"), "href", f"{KML_SYMBOLS}/{symbol.sidc}.png")
        fx, fy = symbol.anchor_fraction  # the standard's location point on the placemark (KML's y from the bottom)
        sub(icon, "hotSpot", x=f"{fx:.4f}", y=f"{1 - fy:.4f}", xunits="fraction", yunits="fraction")

    sites = sub(doc, "Folder")
    sub(sites, "name", "Sites")
    for sid, kind, type_, x, y, z in _sites(run):
        lon, lat = lonlat(x, y)
        mark = sub(sites, "Placemark")
        sub(mark, "name", sid)
        sub(mark, "description", f"{kind}: {type_}")
        sub(mark, "styleUrl", f"#sidc-{unit_symbols[sid].sidc}" if sid in unit_symbols else f"#{kind}")
        point = sub(mark, "Point")
        sub(point, "altitudeMode", "absolute")
        sub(point, "coordinates", f"{float(lon):.7f},{float(lat):.7f},{z:.1f}")

    links = sub(doc, "Folder")
    sub(links, "name", "Links")
    for link in scenario.spec.links:
        a, b = scenario.sites[link.from_], scenario.sites[link.to]
        lon, lat = lonlat([a.x, b.x], [a.y, b.y])
        mark = sub(links, "Placemark")
        sub(mark, "name", f"{link.from_} -> {link.to}")
        sub(mark, "description", f"{link.carries}, {link.status}")
        sub(mark, "styleUrl", "#down" if link.status == "down" else "#up")
        line = sub(mark, "LineString")
        sub(line, "tessellate", "1")
        sub(line, "coordinates", " ".join(f"{float(o):.7f},{float(a_):.7f}" for o, a_ in zip(lon, lat, strict=True)))

    folder = sub(doc, "Folder")
    sub(folder, "name", f"Replay of replication {rep}")
    lon, lat = lonlat(replay.position[..., 0], replay.position[..., 1])
    alt = replay.position[..., 2]
    times = replay.times
    for i, tid in enumerate(replay.target_ids):
        style = "civil" if replay.civil[i] else "threat"
        group = sub(folder, "Folder")
        sub(group, "name", tid)
        flying = np.flatnonzero(replay.status[:, i] == FLYING)
        if len(flying):
            end = times[min(flying[-1] + 1, len(times) - 1)]
            route = sub(group, "Placemark")
            sub(route, "name", f"{tid} route")
            span = sub(route, "TimeSpan")  # (KML 2.2's schema: the time primitive before styleUrl)
            sub(span, "begin", _iso(times[flying[0]]))
            sub(span, "end", _iso(end))
            sub(route, "styleUrl", f"#{style}")
            line = sub(route, "LineString")
            sub(line, "altitudeMode", "absolute")
            sub(line, "coordinates", " ".join(f"{lon[f, i]:.7f},{lat[f, i]:.7f},{alt[f, i]:.1f}" for f in flying))
        for f in flying:
            mark = sub(group, "Placemark")
            sub(mark, "name", tid)
            span = sub(mark, "TimeSpan")
            sub(span, "begin", _iso(times[f]))
            sub(span, "end", _iso(times[min(f + 1, len(times) - 1)]))
            sub(mark, "styleUrl", f"#sidc-{target_symbols[i].sidc}")
            point = sub(mark, "Point")
            sub(point, "altitudeMode", "absolute")
            sub(point, "coordinates", f"{lon[f, i]:.7f},{lat[f, i]:.7f},{alt[f, i]:.1f}")
        if np.isfinite(replay.kill_time[i]):
            f = int(np.flatnonzero(replay.status[:, i] == KILLED)[0]) if (replay.status[:, i] == KILLED).any() \
                else len(times) - 1
            mark = sub(group, "Placemark")
            sub(mark, "name", f"{tid} killed")
            span = sub(mark, "TimeSpan")
            sub(span, "begin", _iso(replay.kill_time[i]))
            sub(mark, "styleUrl", "#killed")
            point = sub(mark, "Point")
            sub(point, "altitudeMode", "absolute")
            sub(point, "coordinates", f"{lon[f, i]:.7f},{lat[f, i]:.7f},{alt[f, i]:.1f}")
    folder = out / KML_SYMBOLS
    if folder.exists() and not folder.is_dir():
        raise RunFolderError(folder, "is a file, where replay.kml's symbol icons go; move it or choose another --out")
    folder.mkdir(exist_ok=True)
    for icon_path, symbol in icons.items():
        write_atomic(icon_path, png(symbol))
    path = out / "replay.kml"
    write_atomic(path, etree.tostring(etree.ElementTree(root), xml_declaration=True, encoding="UTF-8",
                                      pretty_print=True))
    return [path, *icons]


# CZML ----------------------------------------------------------------------------------------------------------

CZML_RGBA = {"radar": [31, 78, 153, 255], "esm": [31, 78, 153, 255], "irst": [31, 78, 153, 255],
             "launcher": [123, 45, 142, 255], "command-post": [224, 123, 0, 255],
             "asset": [26, 127, 55, 255], "threat": [193, 18, 31, 255], "civil": [0, 119, 182, 255],
             "killed": [17, 17, 17, 255], "up": [85, 85, 85, 255], "down": [214, 39, 40, 255]}


_LABEL_OFFSET = {"cartesian2": [0, 26]}
"""A CZML label's offset [px] below its symbol's billboard (a defended asset's point keeps its label on it)."""


def _billboard(symbol: Drawn, scale: float):
    """A CZML billboard of ``symbol`` drawn ``scale`` times its SVG's size, its top left corner shifted so that
    the standard's location point (:attr:`Drawn.anchor`) lies on the packet's position (pixelOffset: x right,
    y down, in screen pixels)."""
    from czml3.properties import Billboard

    return Billboard(image=data_uri(symbol), scale=scale, width=symbol.width, height=symbol.height,
                     horizontalOrigin="LEFT", verticalOrigin="TOP",
                     pixelOffset={"cartesian2": [-symbol.anchor[0] * scale, -symbol.anchor[1] * scale]})


def export_czml(run: Run, out: Path, replication: int | None = None) -> list[Path]:
    from czml3 import Document, Packet
    from czml3.properties import (
        Clock,
        Color,
        Label,
        Point,
        Polyline,
        PolylineMaterial,
        Position,
        PositionList,
        SolidColorMaterial,
    )
    from czml3.properties import (
        Path as CzmlPath,
    )
    from czml3.types import TimeInterval

    scenario = run.scenario
    lonlat = to_lonlat(scenario.terrain.crs)
    rep = run.typical_replication() if replication is None else int(replication)
    replay = build_replay(run.trajectories, run.events, run.unit_ids, rep)
    unit_symbols, target_symbols = _symbols(run, replay)
    t_end = float(run.entities["duration"])
    packets = [Packet(id="document", name=f"{run.name}: replication {rep}", version="1.0",
                      clock=Clock(interval=TimeInterval(start=_iso(0), end=_iso(t_end)), currentTime=_iso(0),
                                  multiplier=10))]
    for sid, kind, type_, x, y, z in _sites(run):
        lon, lat = lonlat(x, y)
        packets.append(Packet(
            id=f"site/{sid}", name=sid, description=escape(f"{kind}: {type_}"),
            position=Position(cartographicDegrees=[float(lon), float(lat), float(z)]),
            **({"billboard": _billboard(unit_symbols[sid], 0.7),
                "label": Label(text=sid, font="11px sans-serif", pixelOffset=_LABEL_OFFSET)} if sid in unit_symbols
               else {"point": Point(pixelSize=9, color=Color(rgba=CZML_RGBA[kind]),
                                    outlineColor=Color(rgba=[255, 255, 255, 255]), outlineWidth=1),
                     "label": Label(text=sid, font="11px sans-serif")})))
    for n, link in enumerate(scenario.spec.links):
        a, b = scenario.sites[link.from_], scenario.sites[link.to]
        lon, lat = lonlat([a.x, b.x], [a.y, b.y])
        ground = [a.ground + 10.0, b.ground + 10.0]
        colour = CZML_RGBA["down" if link.status == "down" else "up"]
        packets.append(Packet(
            id=f"link/{n}/{link.from_}/{link.to}", name=f"{link.from_} -> {link.to}",
            description=escape(f"{link.carries}, {link.status}"),
            polyline=Polyline(positions=PositionList(cartographicDegrees=[
                float(lon[0]), float(lat[0]), float(ground[0]), float(lon[1]), float(lat[1]), float(ground[1])]),
                width=3 if link.status == "down" else 2,
                material=PolylineMaterial(solidColor=SolidColorMaterial(color=Color(rgba=colour))))))
    lon, lat = lonlat(replay.position[..., 0], replay.position[..., 1])
    alt = replay.position[..., 2]
    for i, tid in enumerate(replay.target_ids):
        # flying, then its kill point: it leaves the globe when it is shot down (as in ACMI), not at the run's end
        dead = np.flatnonzero(replay.status[:, i] == KILLED)[:1]
        shown = np.concatenate([np.flatnonzero(replay.status[:, i] == FLYING), dead])
        if not len(shown):
            continue
        samples = []
        for f in shown:  # (the kill point at the kill's own time)
            samples += [float(replay.kill_time[i] if f in dead else replay.times[f]), round(float(lon[f, i]), 7),
                        round(float(lat[f, i]), 7), round(float(alt[f, i]), 1)]
        start = float(replay.times[shown[0]])
        stop = float(replay.kill_time[i] if len(dead) else replay.times[min(shown[-1] + 1, len(replay.times) - 1)])
        if stop <= start:
            stop = start + 1.0
        kind = "civil" if replay.civil[i] else "threat"
        killed = np.isfinite(replay.kill_time[i])
        packets.append(Packet(
            id=f"target/{tid}", name=tid,
            description=escape(f"{kind}; " + (f"killed at {replay.kill_time[i]:.0f} s" if killed else "not killed")),
            availability=TimeInterval(start=_iso(start), end=_iso(stop)),
            position=Position(epoch=_iso(0), cartographicDegrees=samples, interpolationAlgorithm="LINEAR",
                              interpolationDegree=1),
            billboard=_billboard(target_symbols[i], 0.6),
            path=CzmlPath(leadTime=0, trailTime=120, width=2,
                          material=PolylineMaterial(solidColor=SolidColorMaterial(color=Color(rgba=CZML_RGBA[kind])))),
            label=Label(text=tid, font="11px sans-serif", pixelOffset=_LABEL_OFFSET)))
    document = Document(packets=packets)
    path = out / "replay.czml"
    write_atomic(path, document.dumps(indent=None).encode("utf-8"))  # (Document.save's text, written atomically)
    return [path]


# GeoTIFF and CSV -----------------------------------------------------------------------------------------------

def export_geotiff(run: Run, out: Path, replication: int | None = None) -> list[Path]:
    from iadsim.terrain.dem import geotiff_bytes

    dem, maps = run.scenario.terrain, run.coverage
    paths = []
    for band, mask in zip(maps.bands, maps.covered(), strict=True):  # each made in memory, then written atomically
        values = np.where(maps.valid, mask.astype(np.float32), np.nan)
        paths.append(out / f"coverage-{band:g}m.tif")
        write_atomic(paths[-1], geotiff_bytes(values, dem))
    paths.append(out / "masking-height.tif")
    write_atomic(paths[-1], geotiff_bytes(maps.lowest_masking_height(), dem))
    return paths


def export_csv(run: Run, out: Path, replication: int | None = None) -> list[Path]:
    metrics, events = out / "metrics.csv", out / "events.csv"
    write_atomic(metrics, lambda f: run.metrics.to_csv(f, index=False, encoding="utf-8"))
    # (streamed: a run's events, held once in memory already, are not also held whole as text)
    write_atomic(events, lambda f: run.named_events().to_csv(f, index=False, encoding="utf-8"))
    return [metrics, events]


EXPORTERS: dict[str, Callable[[Run, Path, int | None], list[Path]]] = {
    "geojson": export_geojson, "kml": export_kml, "czml": export_czml, "geotiff": export_geotiff, "csv": export_csv,
}
EXPORTERS["acmi"] = export_acmi
EXPORTERS["dis"] = export_dis
OPTIONS = {"dis": ("exercise",)}
"""The options a format takes besides the replication."""
SINGLE_FILE = {"acmi": ".acmi", "dis": ".pcap"}
"""The formats written as one file (``--out`` names it, ending as given here)."""
FORMATS = tuple(EXPORTERS)

"""The `iadsim` command: a thin typer layer over the library.

Bad input of any kind ends with a short message naming the file, line and field, and exit status 2;
no input makes this command print a traceback (set IADSIM_DEBUG=1 to see one for a genuine bug).
"""

from __future__ import annotations

import gc
import re

# Loading the modules below makes many objects and almost no cycles, and the collector walked every one of them again
# and again: about a fifth of the command's start-up. So it is paused meanwhile, and :func:`main` freezes what the
# imports made, so that later collections (the commands' own imports among them) skip it.
_COLLECTING = gc.isenabled()
try:
    gc.disable()
    import json
    import os
    import sys
    from concurrent.futures import BrokenExecutor
    from contextlib import contextmanager
    from pathlib import Path
    from typing import Annotated

    import typer
    from rich.console import Console
    from rich.text import Text

    from iadsim.scenario import InputError
finally:
    if _COLLECTING:
        gc.enable()
    del _COLLECTING

app = typer.Typer(
    name="iadsim",
    help="Integrated air defence system simulator and readiness analyser (analysis and education only).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
class _Console(Console):
    """rich's Console, never reading markup in text (scenario names and paths are user text), and ending
    quietly on a closed pipe (``iadsim catalog | head``): rich would exit 1."""

    def on_broken_pipe(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise BrokenPipeError


out = _Console(highlight=False, soft_wrap=True, markup=False)
err = _Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def _print_table(table) -> None:
    """Tables wrap their cells to the terminal's width (80 columns when it is not a terminal)."""
    for column in table.columns:
        column.overflow = "fold"
    out.print(table, soft_wrap=False)

ScenarioArg = Annotated[Path, typer.Argument(help="scenario YAML file", show_default=False)]


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file; print a one-line summary (exit 0) or every error (exit 2)."""
    from iadsim.scenario import load_scenario

    loaded = load_scenario(scenario)
    out.print(f"ok: {loaded.summary()}")


@app.command()
def migrate(
    file: Annotated[Path, typer.Argument(help="scenario or sweep YAML file", show_default=False)],
    out_path: Annotated[Path | None, typer.Option("--out", help="write here instead of rewriting FILE")] = None,
) -> None:
    """Rewrite a scenario or sweep file at the current format version, keeping its comments."""
    from iadsim.scenario.versions import migrate_file

    kind, before, after = migrate_file(file, out_path)
    target = out_path or file
    if before == after:
        out.print(f"{target}: {kind} file already at format version {after} (format_version written)")
    else:
        out.print(f"{target}: {kind} file migrated from format version {before} to {after}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editors)."""
    from iadsim.scenario.models import ScenarioSpec

    data = ScenarioSpec.model_json_schema(by_alias=True)
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    data["title"] = "iadsim scenario"
    _print_json(data)


@app.command()
def catalog(
    kind: Annotated[str | None, typer.Option(
        help="radar, esm, irst, launcher, missile, command-post, aircraft, decoy or arm")] = None,
    type_id: Annotated[str | None, typer.Option("--type", help="show one system type")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the catalog as JSON")] = False,
) -> None:
    """List the system types in the catalog: every number with its unit, source and grade."""
    from rich.table import Table

    from iadsim.scenario import builtin_catalog
    from iadsim.units import format_quantity

    cat = builtin_catalog()
    kinds = ("radar", "esm", "irst", "launcher", "missile", "command-post", "aircraft", "decoy", "arm")
    if kind is not None and kind not in kinds:
        raise InputError("--kind", f"unknown kind '{kind}'; choose from {', '.join(kinds)}")
    ids = cat.ids(kind)
    if type_id is not None:
        if type_id not in ids:
            if kind is not None and type_id in cat.types:
                raise InputError("--type", f"'{type_id}' is a {cat.types[type_id].kind}, not a {kind}: leave out "
                                           "--kind, or give its kind")
            raise InputError("--type", f"unknown type '{type_id}'; known: {', '.join(ids)}")
        ids = [type_id]
    if as_json:
        _print_json({"sources": cat.sources, "types": {i: cat.types[i].model_dump() for i in ids}})
        return
    cited = set()
    for type_id_ in ids:
        entry = cat.types[type_id_]
        table = Table(title=f"{type_id_} ({entry.kind}): {entry.label}", title_justify="left")
        for column in ("field", "value", "source", "grade"):
            table.add_column(column, overflow="fold")
        for name, value, dimension in cat.values(type_id_):
            shown = f"{value.value:,.0f} USD" if name == "unit_cost" else format_quantity(value.value, dimension)
            table.add_row(name, shown, value.source, value.grade)
            cited.add(value.source)
        for name, value in entry:
            if isinstance(value, (str, int, float)) and name not in ("label", "description", "kind"):
                table.add_row(name, str(value).lower() if isinstance(value, bool) else str(value), "-", "-")
        _print_table(table)
    sources = Table("source", "reference", title="Sources", title_justify="left")
    sources.columns[1].overflow = "fold"
    for key in sorted(cited):
        sources.add_row(key, cat.sources.get(key, ""))
    _print_table(sources)


@app.command()
def audit(
    scenario: ScenarioArg,
    as_json: Annotated[bool, typer.Option("--json", help="print the audit as JSON")] = False,
    without: Annotated[list[str] | None, typer.Option(
        "--without", help="what-if: lose a unit or link (FROM->TO[:carries]): down, as if destroyed or cut, not "
        "deleted from the network (losing the only command post does not free a battery to fire); repeatable")] = None,
) -> None:
    """Audit the kill chain: which fire unit can engage, and exactly why not."""
    from iadsim.network import cached_audit as run_audit
    from iadsim.scenario import load_scenario

    result = run_audit(load_scenario(scenario), tuple(without or ()))  # cached: reruns are instant
    if as_json:
        _print_json(result)
        return
    print_audit(result)


def print_audit(result: dict) -> None:
    from rich.table import Table

    from iadsim.scenario.load import plural

    title = f"Kill-chain audit: {result['scenario']}"
    if result["without"]:
        title += f" without {', '.join(result['without'])}"
    table = Table(title=title, show_lines=True)
    for column in ("fire unit", "able", "mode", "readiness", "reasons"):
        table.add_column(column)
    for fu in result["fire_units"]:
        reasons = "\n".join(
            f"{'!' if r['severity'] == 'blocking' else '~'} {r['code']}: {r['message']}" for r in fu["reasons"]
        )
        able = Text("able", style="green") if fu["able"] else Text("NOT ABLE", style="red")
        ready = f"{fu['readiness']:.1%}"
        if not fu.get("readiness_exact", True):  # sampled: say so, with its standard error
            ready += f" ± {fu.get('readiness_se', 0.0):.1%} (sampled)"
        table.add_row(fu["id"], able, fu["mode"], ready, reasons or "-")
    _print_table(table)
    out.print(f"{result['fire_units_able']} of {plural(result['fire_units_total'], 'fire unit')} able.")
    if result["single_points_of_failure"]:
        spofs = result["single_points_of_failure"]
        out.print("Single points of failure: " + "; ".join(
            f"{s['component']} ({plural(len(s['fire_units']), 'fire unit')})" for s in spofs))


def parse_lengths(text: str, option: str, what: str = "height") -> tuple[float, ...]:
    """Comma-separated heights (or other lengths: ``what``) as people write them (``30m,100 m,1km``; a bare number
    is metres) -> metres."""
    from iadsim.units import clip

    values = signed_lengths(text, option)
    for item, value in zip((p.strip() for p in text.split(",") if p.strip()), values, strict=True):
        if not (0 <= value < 1e6):
            raise InputError(option, f"'{clip(item)}': a {what} must lie between 0 m and 1000 km")
    if not values:
        raise InputError(option, f"give at least one {what}, e.g. 30m,100m,1km")
    return values


def signed_lengths(text: str, option: str) -> tuple[float, ...]:
    """Comma-separated lengths that may be negative (``-20km,5 km``; a bare number is metres) -> metres."""
    from iadsim.units import UnitError, clip, is_bare_number, parse_quantity

    values = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            value = float(item) if is_bare_number(item) else parse_quantity(item, "length")
        except UnitError as exc:
            raise InputError(option, f"'{clip(item)}': {exc}") from None
        if not abs(value) < 1e7:
            raise InputError(option, f"'{clip(item)}': not a finite length within 10,000 km")
        values.append(value)
    return tuple(values)


def _fraction(text: str) -> float:
    """--k accepts 4/3 as people write it."""
    try:
        if "/" in text:
            num, den = text.split("/", 1)
            value = float(num) / float(den)
        else:
            value = float(text)
    except (ValueError, ZeroDivisionError):
        raise InputError("--k", f"'{text[:40]}' is not a number such as 4/3 or 1.333") from None
    if not 0.1 <= value <= 100:
        raise InputError("--k", f"'{text[:40]}': the earth-radius factor must lie between 0.1 and 100")
    return value


@app.command()
def viewshed(
    dem: Annotated[str, typer.Argument(help="DEM file (GeoTIFF, DTED, SRTM .hgt) or 'sample'", show_default=False)],
    observer: Annotated[tuple[float, float], typer.Option(help="X Y in the DEM's coordinates (lon lat if geographic)")],
    observer_height: Annotated[str, typer.Option(help="observer height above ground, e.g. 20m (a bare number "
                                                      "is metres)")],
    out_path: Annotated[Path, typer.Option("--out", help="output GeoTIFF of masking heights [m]")],
    k: Annotated[str, typer.Option(help="effective earth-radius factor, e.g. 4/3")] = "4/3",
    max_distance: Annotated[str | None, typer.Option(help="maximum distance, e.g. 20km (a bare number is "
                                                          "metres)")] = None,
) -> None:
    """Masking-height raster of one observer: the lowest visible target height above each cell [m]."""
    from iadsim.scenario.yamlio import write_atomic
    from iadsim.terrain import viewshed_file

    path = Path(dem)
    height = parse_lengths(observer_height, "--observer-height")[0]
    reach = None if max_distance is None else parse_lengths(max_distance, "--max-distance", "distance")[0]
    if reach is not None and reach < 1:
        raise InputError("--max-distance", "must be at least 1 m")
    factor = _fraction(k)  # (before anything is made: a refused command leaves nothing behind)
    if out_path.is_dir() or (out_path.exists() and not out_path.is_file()):
        raise InputError(out_path, "is a folder or not a regular file (a device, pipe or link); iadsim writes only "
                                   "regular files")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if dem != "sample" and not path.exists() and not path.is_symlink():
        raise InputError(dem, "DEM file not found")
    # written beside it, then moved into place: an interrupted run never damages an earlier file there
    staging = out_path.parent / f".{out_path.name}.{os.getpid()}.tmp"
    try:
        try:
            viewshed_file(dem, observer[0], observer[1], height, staging, k=factor, max_distance=reach)
        except ValueError as exc:  # observer off the grid; TerrainError: names the reason, never the file's content
            raise InputError(dem, getattr(exc, "reason", str(exc))) from None
        except OSError as exc:  # rasterio's errors for unreadable files derive from OSError or RasterioIOError
            if str(staging) in str(exc) or not os.access(out_path.parent, os.W_OK):
                raise InputError(out_path, f"cannot be written: {getattr(exc, 'strerror', None) or exc}") from None
            raise InputError(dem, f"cannot be read: {exc}") from None
        try:
            write_atomic(out_path, staging.read_bytes())
        except OSError as exc:
            raise InputError(out_path, f"cannot be written: {exc.strerror or exc}") from None
    finally:
        staging.unlink(missing_ok=True)
    out.print(f"wrote {out_path}")


@app.command()
def coverage(
    scenario: ScenarioArg,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder for the rasters, GeoJSON, maps and JSON")],
    bands: Annotated[str, typer.Option(help="target heights above ground, comma-separated, e.g. 30m,100m,1km "
                                            "(bare numbers are metres)")] = "30,100,300,1000",
    threat: Annotated[list[str] | None, typer.Option(
        "--threat", help="aircraft type to detect (repeatable; default: the raids' types)")] = None,
    aoi: Annotated[str | None, typer.Option(
        help="area of interest for gaps: 'terrain' (all of it) or XMIN,YMIN,XMAX,YMAX from the origin, e.g. "
             "-20km,-20km,20km,20km (default: the defended assets plus --aoi-margin)")] = None,
    aoi_margin: Annotated[str | None, typer.Option(help="margin around the defended assets, e.g. 30km")] = None,
    kml_zones: Annotated[bool, typer.Option(
        "--kml-zones", help="also write engagement_zones.kml: each fire unit's engagement zone as a MIL-STD-2525D "
                            "missile engagement zone (MEZ)")] = False,
) -> None:
    """Coverage maps: detection and engagement coverage per height band, layered counts and low-level gaps."""
    from iadsim.analysis.coverage import coverage as run_coverage
    from iadsim.analysis.coverage import threat_types_of
    from iadsim.scenario import load_scenario

    heights = parse_lengths(bands, "--bands")
    area = None
    if aoi is not None:
        area = "terrain" if aoi.strip() == "terrain" else signed_lengths(aoi, "--aoi")
        if area != "terrain" and len(area) != 4:
            raise InputError("--aoi", "give 'terrain' or four lengths XMIN,YMIN,XMAX,YMAX")
    margin = None if aoi_margin is None else parse_lengths(aoi_margin, "--aoi-margin", "margin")[0]
    loaded = load_scenario(scenario)
    if threat:
        try:
            threat_types_of(loaded, threat)
        except ValueError as exc:
            raise InputError("--threat", str(exc)) from None
    from contextlib import nullcontext

    try:
        with err.status("computing coverage (line of sight from every radar)") if err.is_terminal else nullcontext():
            summary = run_coverage(loaded, out_dir, bands=heights, threat_types=threat or None, aoi=area,
                                   aoi_margin=margin)
    except ValueError as exc:
        raise InputError("--bands/--threat/--aoi", str(exc)) from None
    net = summary["network"]
    for h in summary["bands_agl_m"]:
        key = str(int(h)) if float(h).is_integer() else f"{h:g}"
        out.print(f"{key:>6} m AGL: detection {net['detection_km2'][key]:9.1f} km2 "
                  f"({net['detection_fraction'][key]:.0%}), engagement {net['engagement_km2'][key]:9.1f} km2")
    if not net["engagement_fire_units_counted"]:
        out.print("no fire unit is able to engage: no engagement coverage (see iadsim audit)")
    area = summary["aoi"]
    margin = f" +{area['margin_m'] / 1e3:g} km" if area.get("margin_m") else ""
    out.print(f"gaps inside the area of interest: {area['chosen_by']}{margin} ({area['area_km2']:.1f} km2)")
    for g in summary["gaps"]["largest"][:3]:
        where = g["location"]
        bands_open = "/".join(f"{h:g}" for h in g["open_bands_agl_m"])
        nearest = g.get("nearest_unit")
        near = f", nearest {nearest['id']} {nearest['distance_km']:.1f} km" if nearest else ""
        out.print(f"  gap {g['area_km2']:.1f} km2 at x {where['x_m'] / 1e3:.1f} km, y {where['y_m'] / 1e3:.1f} km "
                  f"(lat {where['lat']:.4f}, lon {where['lon']:.4f}), open at {bands_open} m{near}")
    if kml_zones:  # written after coverage.json, then listed in its files
        from iadsim.report.zones import write_engagement_zones
        from iadsim.scenario.yamlio import write_atomic

        write_engagement_zones(loaded, Path(out_dir) / "engagement_zones.kml")
        summary["files"].append("engagement_zones.kml")
        write_atomic(Path(out_dir) / "coverage.json", json.dumps(summary, indent=2).encode("utf-8"))
    out.print(f"wrote {len(summary['files'])} files to {out_dir}")


@app.command()
def route(
    scenario: ScenarioArg,
    start: Annotated[str, typer.Option("--from", help="start X,Y from the scenario origin, e.g. -14km,12km (bare "
                                                      "numbers are metres)", show_default=False)],
    asset: Annotated[str, typer.Option("--to", help="the defended asset to reach", show_default=False)],
    type_id: Annotated[str | None, typer.Option("--type", help="aircraft type (default: the type of the first raid "
                                                               "on the asset, else the raids' first)")] = None,
    altitude: Annotated[str | None, typer.Option(help="height above the ground, e.g. 50m (default: the type's "
                                                      "terrain clearance)")] = None,
    minimise: Annotated[str, typer.Option(help="detection or engagement")] = "detection",
    cell: Annotated[str, typer.Option(help="route grid cell, e.g. 250m")] = "250m",
    out_path: Annotated[Path | None, typer.Option("--out", help="write a copy of the scenario with the route as a "
                                                                "raid (least-exposed-ASSET) to this YAML file")] = None,
) -> None:
    """Least-exposed route: the path to a defended asset least likely to be detected (or engaged), and its exposure."""
    import math

    from iadsim.analysis.routes import (
        MODES,
        RouteError,
        check_out,
        default_type,
        least_exposed_route,
        route_raid,
        write_with_raid,
    )
    from iadsim.scenario import load_scenario
    from iadsim.scenario.catalog import AircraftType
    from iadsim.units import clip

    xy = signed_lengths(start, "--from")
    if len(xy) != 2:
        raise InputError("--from", f"'{clip(start)}': give two lengths X,Y from the origin, e.g. -14km,12km")
    if minimise not in MODES:
        raise InputError("--minimise", f"unknown '{clip(minimise)}'; choose from {', '.join(MODES)}")
    cell_size = parse_lengths(cell, "--cell")
    if len(cell_size) != 1 or not 10 <= cell_size[0] <= 10e3:
        raise InputError("--cell", "give one length between 10 m and 10 km, e.g. 250m")
    if out_path is not None:  # before the scenario is loaded and the route searched
        check_out(out_path, scenario)
    loaded = load_scenario(scenario)
    assets = {a.id: a for a in loaded.spec.defended_assets}
    if asset not in assets:
        raise InputError("--to", f"unknown defended asset '{clip(asset)}'; known: {', '.join(assets) or 'none'}")
    if type_id is None:
        try:
            type_id = default_type(loaded, asset)
        except ValueError as exc:
            raise InputError("--type", str(exc)) from None
    entry = loaded.catalog.types.get(type_id)
    if not isinstance(entry, AircraftType) or entry.kind != "aircraft":
        raise InputError("--type", f"'{clip(type_id)}' is not an aircraft type of the catalog; known: "
                         f"{', '.join(loaded.catalog.ids('aircraft'))}")
    if not entry.terrain_following:
        raise InputError("--type", f"'{type_id}' has no climb_rate, descent_rate and terrain_clearance in its "
                         "catalog, which a route above the ground needs")
    clearance = entry.terrain_clearance.value
    heights = (clearance,) if altitude is None else parse_lengths(altitude, "--altitude")
    if len(heights) != 1:
        raise InputError("--altitude", "give one height above the ground, e.g. 50m")
    height = heights[0]
    if not clearance <= height <= 20e3:
        raise InputError("--altitude", f"{height:g} m: must lie between the type's terrain clearance "
                         f"({clearance:g} m) and 20 km")
    ox, oy = loaded.origin_xy
    x, y = ox + xy[0], oy + xy[1]
    at = f"x {xy[0] / 1e3:g} km, y {xy[1] / 1e3:g} km"
    if not bool(loaded.terrain.contains(x, y)) or not math.isfinite(float(loaded.terrain.elevation_at(x, y))):
        raise InputError("--from", f"{at} is off the terrain (or on a cell without terrain data)")
    for a in loaded.spec.defended_assets:
        site = loaded.sites[a.id]
        if math.hypot(x - site.x, y - site.y) <= a.radius:
            raise InputError("--from", f"{at} is inside defended asset '{a.id}' ({a.radius / 1e3:g} km radius); "
                             "start outside it")
    try:
        found = least_exposed_route(loaded, (x, y), asset, type_id, height, minimise, cell_size[0])
    except RouteError as exc:
        option = {"start": "--from", "goal": "--to", "cell": "--cell"}.get(exc.about, "--from")
        raise InputError(option, str(exc)) from None
    what = "P(detected)" if minimise == "detection" else "P(engaged)"
    out.print(f"least-exposed route to {asset} for {type_id} at {height:g} m above the ground: "
              f"{found.length / 1e3:.1f} km, {len(found.waypoints)} waypoints")
    direct = ("direct route crosses cells without terrain data" if found.direct_probability is None else
              f"direct route {found.direct_probability:.4g} ({found.direct_exposure:.4g})")
    looks = "expected detecting looks" if minimise == "detection" else "expected detecting looks in an envelope"
    about = "about " if found.caveats else ""
    out.print(f"  {what} {about}{found.probability:.4g} ({looks} {about}{found.exposure:.4g}) as flown; {direct}")
    for caveat in found.caveats:
        out.print(f"  note: the flown figures leave out what the engine models: {caveat}")
    out.print(f"  terrain following (climb {entry.climb_rate.value:g} m/s, descent {entry.descent_rate.value:g} "
              f"m/s) flies it up to {found.flown_excess:.0f} m above {height:g} m over the ground; held at "
              f"{height:g} m everywhere it would be {found.planned_probability:.4g} ({found.planned_exposure:.4g})")
    out.print(f"  grid {found.cell[0]:.0f} x {found.cell[1]:.0f} m, turn radius {found.turn_radius / 1e3:.2f} km "
              f"(at least {found.path.min_straight / 1e3:.2f} km straight between turns)")
    if found.steep_moves:
        out.print(f"  note: {found.steep_moves} move(s) climb or descend more steeply than the type can (no other "
                  "way to the goal): the aircraft cannot hold the height there")
    minutes = found.length / entry.cruise_speed.value / 60
    if minutes > loaded.spec.duration / 60:
        out.print(f"  note: it takes {minutes:.1f} min; the scenario lasts {loaded.spec.duration / 60:g} min")
    if out_path is not None:
        raid = route_raid(loaded, found, asset, type_id, height)
        write_with_raid(loaded, raid, out_path)
        out.print(f"  wrote {out_path} with raid {raid['id']}")


@app.command()
def site(
    scenario: ScenarioArg,
    units: Annotated[str, typer.Option("--units", help="the units to site, comma-separated ids; the others stay")],
    out_dir: Annotated[Path, typer.Option("--out", help="output folder: sited scenario, siting.json/csv, maps")],
    candidates: Annotated[Path | None, typer.Option(
        "--candidates", help="CSV of candidate positions with a header x,y (from the origin, e.g. 12 km) or lat,lon")
    ] = None,
    auto: Annotated[int | None, typer.Option("--auto", help="generate N candidates (prominent dry ground, gentle "
                                                         "slope) instead of --candidates")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="total seconds for the solver: the MILP, the LP "
                                                                   "bound and the heuristic share them")] = 60.0,
    bands: Annotated[str, typer.Option(help="heights above ground, comma-separated")] = "30,100,300",
    cell: Annotated[str, typer.Option(help="coverage grid cell side")] = "500m",
    max_slope: Annotated[float, typer.Option("--max-slope", help="steepest ground slope at a site [degrees]")] = 10.0,
    min_separation: Annotated[str, typer.Option("--min-separation", help="least distance between units")] = "200m",
    link_range: Annotated[str, typer.Option("--link-range", help="longest link between units")] = "40km",
    launcher_reach: Annotated[str, typer.Option(
        "--launcher-reach", help="longest fire-control link from a radar to a launcher without its own radar")
    ] = "5km",
    threat: Annotated[list[str] | None, typer.Option(
        "--threat", help="aircraft type to detect (repeatable; default: the raids' types)")] = None,
) -> None:
    """Siting: positions for the named units that maximise low-level detection coverage (MILP, else heuristic)."""
    import math

    from iadsim.analysis.site import site as run_site
    from iadsim.analysis.siting import BOUND_NAMES, SitingOptions
    from iadsim.scenario import load_scenario

    def length(text: str, option: str) -> float:
        values = signed_lengths(text, option)
        if len(values) != 1 or values[0] < 0:
            raise InputError(option, "give one length >= 0, e.g. 500m")
        return values[0]

    if not (math.isfinite(max_slope) and 0 <= max_slope <= 90):
        raise InputError("--max-slope", "give an angle between 0 and 90 degrees")
    options = SitingOptions(bands=parse_lengths(bands, "--bands"), cell=length(cell, "--cell"),
                            max_slope=math.radians(max_slope),
                            min_separation=length(min_separation, "--min-separation"),
                            link_range=length(link_range, "--link-range"),
                            launcher_reach=length(launcher_reach, "--launcher-reach"), time_limit=time_limit,
                            threat_types=tuple(threat) if threat else None)
    ids = [u.strip() for u in units.split(",") if u.strip()]
    loaded = load_scenario(scenario)
    summary = run_site(loaded, ids, out_dir, options, candidates=candidates, auto=auto)
    for warning in summary["warnings"]:
        err.print(f"iadsim: warning: {_printable(warning)}", markup=False)
    solver = summary["solver"]
    if solver["method"] == "milp":
        out.print(f"optimal (MILP) in {solver['elapsed_s']:g} s")
    else:
        out.print(f"{solver['method']} (not proved optimal): gap {solver['gap']:.2%} of the whole objective, "
                  f"{solver['gap_sited_share']:.2%} of the sited units' share, to the "
                  f"{BOUND_NAMES[solver['bound_kind']]} bound ({'; '.join(solver['notes'])})")
    cov = summary["coverage"]
    for band in cov["km2_after"]:
        out.print(f"{band:>6} m AGL: {cov['km2_before'][band]:9.1f} -> {cov['km2_after'][band]:9.1f} km2")
    for unit in summary["units"]:
        out.print(f"  {unit['id']}: moved {unit['moved_m'] / 1e3:.2f} km to x {unit['sited']['x_m'] / 1e3:.2f} km, "
                  f"y {unit['sited']['y_m'] / 1e3:.2f} km")
    out.print(f"wrote {len(summary['files'])} files to {out_dir}")


@contextmanager
def progress_bar(label: str, enabled: bool = True, delay: float = 2.0):
    """A progress callback ``update(done, total)`` drawing a rich bar with ETA on stderr once a job has run for
    ``delay`` seconds; silent when not ``enabled`` (``--json``) or when stderr is not a terminal."""
    import time

    if not enabled or not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    start = time.monotonic()
    state: dict = {}

    def update(done: float, total: float) -> None:
        if "bar" not in state:
            if time.monotonic() - start < delay:
                return
            bar = Progress(TextColumn(label), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                           TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=err,
                           transient=True)
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task(label, total=total)
        state["bar"].update(state["task"], completed=done, total=total)

    try:
        yield update
    finally:
        if "bar" in state:
            state["bar"].stop()


@app.command()
def simulate(
    scenario: ScenarioArg,
    replications: Annotated[int, typer.Option(min=1, max=10_000_000, help="Monte Carlo replications")] = 100,
    seed: Annotated[int | None, typer.Option(min=0, max=2**63 - 1, help="seed (default: the scenario's)")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="write a run folder: summary, metrics, events, the scenario, catalogs, terrain")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
    max_memory: Annotated[str | None, typer.Option(help="refuse runs estimated to need more, e.g. 4GB "
                                                        "(default: the machine's memory)")] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=4096, help="worker processes sharing the world "
                                                                      "(default: CPU count)")] = None,
    corridors: Annotated[bool, typer.Option("--corridors", help="with --out: also find each defended asset's "
                                            "least-exposed corridor from the terrain's edge, for the report")] = False,
) -> None:
    """Fly the raids through the network: detection, tracking, assignment, authorisation, engagement."""
    from iadsim.analysis import simulate as run
    from iadsim.analysis.sweep import parse_memory
    from iadsim.scenario import load_scenario

    limit = None if max_memory is None else parse_memory(max_memory, "--max-memory")
    if corridors and out_dir is None:
        raise InputError("--corridors", "the corridors are kept in the run folder: give --out too")
    if workers != 1 and _OWNS_PROCESS:
        _fork_safe_threads()
    loaded = load_scenario(scenario)
    with progress_bar("simulating", enabled=not as_json) as progress, _interruptible():
        result = run(loaded, replications, seed, out_dir, progress=progress, notes=_note, max_memory=limit,
                     workers=workers, corridors=corridors, events=out_dir is not None)  # (the summary reads none)
    if as_json:
        _print_json(result.summary)
    else:
        print_summary([result.summary])
        if out_dir is not None:
            out.print(f"results in {out_dir}")


def _fork_safe_threads() -> None:
    """Let numba choose a threading layer that survives a fork (``forksafe``: TBB, else its workqueue; not GNU
    OpenMP), so worker processes can be forked after the World's parallel kernels ran; a user's
    NUMBA_THREADING_LAYER wins, and nothing changes once a layer has started. The choice holds for the whole
    process, and the workqueue must never run kernels from two threads at once (it aborts the process), so
    only a process that is iadsim's own makes it (:data:`_OWNS_PROCESS`)."""
    import numba

    if "NUMBA_THREADING_LAYER" not in os.environ:
        numba.config.THREADING_LAYER = "forksafe"


def _note(text: str) -> None:
    err.print(f"iadsim: {_printable(text)}", markup=False)


def print_summary(summaries: list[dict]) -> None:
    from rich.table import Table

    from iadsim.analysis.intervals import interval_text
    from iadsim.analysis.metrics import METRICS, is_money

    table = Table(title="Simulation summary (mean [95% CI])")
    table.add_column("metric")
    for s in summaries:
        table.add_column(f"{s['name']} ({s['replications']} reps)")
    table.add_row("fire units able", *[f"{s['fire_units_able']} of {s['fire_units']}" for s in summaries])
    for metric, definition in METRICS.items():  # the metric registry, in its order
        if definition.optional and all((s["metrics"].get(metric) or {}).get("mean") is None for s in summaries):
            continue  # (a per-layer or cost metric no run gives)
        cells = [interval_text(s["metrics"].get(metric) or {}, is_money(metric)) for s in summaries]
        table.add_row(definition.label, *cells)
    _print_table(table)


@app.command()
def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="sweep YAML file", show_default=False)],
    out_dir: Annotated[Path, typer.Option("--out", help="results folder; rerun the same command to resume")],
    executor: Annotated[str, typer.Option(help="local (worker processes) or dask")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address, e.g. tcp://host:8786 (default: a local Dask cluster)")] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=4096, help="worker processes (default: CPU count)")] = None,
    max_memory: Annotated[str | None, typer.Option(help="refuse work units estimated to need more, e.g. 4GB "
                                                        "(default: the machine's memory)")] = None,
) -> None:
    """Run (or resume) a parameter sweep: every point's replications, written as Parquet as they complete."""
    from rich.table import Table

    from iadsim.analysis import load_sweep, rich_progress, run_sweep
    from iadsim.analysis.intervals import interval_text
    from iadsim.analysis.metrics import is_money
    from iadsim.analysis.sweep import level_text

    if executor not in ("local", "dask"):
        raise typer.BadParameter(f"unknown executor '{executor}'; choose local or dask", param_hint="--executor")
    if scheduler is not None and executor != "dask":
        raise typer.BadParameter("a scheduler address needs --executor dask", param_hint="--scheduler")
    loaded = load_sweep(sweep_file, max_memory=max_memory)
    out.print(_printable(f"{loaded.name}: {len(loaded.points)} points ({loaded.spec.design} design), base "
                         f"{loaded.base.name}"), markup=False)
    from contextlib import nullcontext

    with rich_progress(err) if err.is_terminal else nullcontext() as progress, _interruptible():
        result = run_sweep(loaded, out_dir, executor, workers=workers, scheduler=scheduler, progress=progress,
                           max_memory=max_memory)
    table = Table(title=f"Sweep summary: mean [95% CI] ({result.replications_run} replications run, "
                        f"{result.units_skipped} work units already done)")
    factors = [f.name for f in loaded.factors]
    units = [f" [{f.spec.unit}]" if f.spec.unit else "" for f in loaded.factors]
    for column in ("point", *(f + u for f, u in zip(factors, units, strict=True)), "replications", *loaded.metrics):
        table.add_column(Text(_printable(column.replace("_", " "))))  # (as written: "[...]" is not markup)
    for row in result.summary.to_dict(orient="records"):
        cells = [str(row["point"]), *[level_text(row[f]) for f in factors], str(row["replications"])]
        for m in loaded.metrics:
            mean = row[f"{m}_mean"]
            stat = {"mean": None if mean != mean else mean, "ci95": [row[f"{m}_ci_low"], row[f"{m}_ci_high"]]}
            cells.append(interval_text(stat, is_money(m)))
        table.add_row(*(Text(_printable(c)) for c in cells))
    _print_table(table)
    out.print(f"results in {out_dir} (query them with: iadsim query {out_dir} \"SELECT ... FROM results\")")


@app.command()
def query(
    sweep_dir: Annotated[Path, typer.Argument(help="a sweep's --out folder", show_default=False)],
    sql: Annotated[str | None, typer.Argument(help="DuckDB SQL over the view 'results' (one row per replication) and "
                                                   "the table 'points' (the design)", show_default=False)] = None,
    tradeoff: Annotated[str | None, typer.Option(
        "--tradeoff", help="two metrics, e.g. interceptor_cost,leakers (or leakers:lower,kills:higher): each point's "
                           "values with 95 % intervals and whether it is on their Pareto front", show_default=False)
    ] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="print CSV instead of a table")] = False,
    allow_files: Annotated[bool, typer.Option(
        "--allow-files", help="let the SQL read and write other files (off: it sees only this sweep)")] = False,
) -> None:
    """Query a sweep's results with SQL ("SELECT point, avg(leakers) FROM results GROUP BY point"), or set two
    metrics against each other across its points (--tradeoff) and mark their Pareto front."""
    from iadsim.analysis import query as run_query

    if (sql is None) == (tradeoff is None):
        raise InputError("query", "give SQL or --tradeoff X,Y (one of them)")
    from iadsim.analysis.sweep import store

    store.warn_if_unfinished(sweep_dir)
    if tradeoff is not None:
        from iadsim.analysis.tradeoff import parse_tradeoff, tradeoff_table

        frame = tradeoff_table(sweep_dir, parse_tradeoff(tradeoff))
        if not as_csv:  # (a factor left at the base scenario's value: "base", not NaN)
            from iadsim.analysis.sweep import level_text

            for f in store.read_points(sweep_dir).get("factors", []):
                if f["name"] in frame:
                    frame[f["name"]] = frame[f["name"]].map(level_text)
    else:
        frame = run_query(sweep_dir, sql, allow_files=allow_files)
    if as_csv:
        sys.stdout.write(frame.to_csv(index=False))
    else:
        out.print(_printable(frame.to_string(index=False)), markup=False)


@app.command()
def report(
    run_dirs: Annotated[list[Path], typer.Argument(help="run folders from `iadsim simulate --out` to compare")],
    out_path: Annotated[Path, typer.Option("--out", help="HTML file to write")] = Path("report.html"),
    sweep: Annotated[Path | None, typer.Option("--sweep", help="sweep results folder: tornado and trade-off")] = None,
    figures: Annotated[Path | None, typer.Option("--figures", help="also write map.png and metrics.png here")] = None,
) -> None:
    """One self-contained HTML report (opens offline) comparing run folders."""
    from iadsim.report import build_figures, build_report

    if out_path.is_dir():
        raise InputError(out_path, "is a folder; --out names the HTML file to write")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    path = build_report(run_dirs, out_path, sweep)
    out.print(f"report: {path.resolve()}")
    if figures is not None:
        for png in build_figures(run_dirs, figures):
            out.print(f"figure: {png}")


@app.command("export")
def export_run(
    run_dir: Annotated[Path, typer.Argument(help="a run folder written by `iadsim simulate --out`")],
    fmt: Annotated[str, typer.Option("--format", help="geojson | kml | czml | geotiff | csv | acmi | dis")],
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="output folder (default: export); for acmi and dis the file (FILE.acmi, FILE.zip.acmi "
                      "zipped; FILE.pcap; default: the run folder's name with that suffix)", show_default=False)
    ] = None,
    replication: Annotated[int | None, typer.Option(
        min=0, help="replication to replay (kml, czml, acmi, dis); default: a typical one")] = None,
    exercise: Annotated[int | None, typer.Option(min=1, max=255, help="dis: the DIS exercise identifier (default 1)")
                        ] = None,
) -> None:
    """Export a run for GIS tools, globes, replays and simulators: GeoJSON (QGIS), KML (Google Earth), CZML (Cesium),
    GeoTIFF, CSV, ACMI (Tacview) and DIS (IEEE 1278.1 version 7 PDUs in a libpcap capture)."""
    from iadsim.report import FORMATS, export
    from iadsim.report.export import SINGLE_FILE

    if fmt not in FORMATS:
        raise InputError("--format", f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
    if out_dir is None:  # (a file for the formats that write one: RUN.acmi, RUN.pcap)
        out_dir = Path(f"{Path(run_dir).resolve().name}{SINGLE_FILE[fmt]}") if fmt in SINGLE_FILE else Path("export")
    if exercise is not None and fmt != "dis":
        raise InputError("--exercise", f"is for --format dis, not {fmt}")
    for path in export(run_dir, fmt, out_dir, replication, exercise=1 if exercise is None else exercise):
        out.print(f"wrote {path}")


def parse_udp(text: str) -> tuple[str, int]:
    """(host, port) of ``udp://HOST:PORT`` (an IPv6 host in brackets); InputError naming --dis otherwise."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
        parts = None
    if parts is None or parts.scheme != "udp" or not host or port is None or parts.path not in ("", "/") \
            or parts.query or parts.fragment or parts.username:
        raise InputError("--dis", f"'{text[:80]}' is not udp://HOST:PORT (e.g. udp://127.0.0.1:3000)")
    if port == 0:
        raise InputError("--dis", "the port must be 1-65535")
    return host, port


def parse_rate(text: str) -> float | None:
    """``1x``, ``10x``, ``0.5x`` (times real time) or ``max`` (None: as fast as possible)."""
    import math

    if text.strip().lower() == "max":
        return None
    number = text.strip().lower().removesuffix("x")
    try:
        rate = float(number)
    except ValueError:
        rate = math.nan
    if not (math.isfinite(rate) and 0.001 <= rate <= 10_000):
        raise InputError("--rate", f"'{text[:40]}' is not a replay rate such as 1x, 10x, 0.5x or max")
    return rate


@app.command()
def replay(
    run_dir: Annotated[Path, typer.Argument(help="a run folder written by `iadsim simulate --out`")],
    dis: Annotated[str, typer.Option("--dis", help="where to send DIS PDUs: udp://HOST:PORT (a broadcast "
                                                   "address is allowed)")],
    replication: Annotated[int | None, typer.Option(min=0, help="replication to replay; default: a typical one")
                           ] = None,
    rate: Annotated[str, typer.Option(help="times real time (1x, 10x, 0.5x) or max")] = "1x",
    exercise: Annotated[int, typer.Option(min=1, max=255, help="the DIS exercise identifier")] = 1,
) -> None:
    """Replay one replication live as DIS (IEEE 1278.1 version 7) over UDP, one PDU per datagram, at its pace."""
    from iadsim.analysis.runfolder import RunFolderError
    from iadsim.report.dis import dis_pdus, resolve_udp, send_udp
    from iadsim.report.run import load_run

    host, port = parse_udp(dis)
    speed = parse_rate(rate)
    try:
        family, address = resolve_udp(host, port)
    except OSError as exc:
        raise InputError("--dis", f"cannot resolve '{host[:80]}': {exc.strerror or type(exc).__name__}") from None
    run = load_run(run_dir)
    if replication is not None and replication not in set(run.metrics["replication"].tolist()):
        raise RunFolderError(run_dir, f"--replication {replication}: this run has replications 0 to "
                                      f"{len(run.metrics) - 1}")
    rep = run.typical_replication() if replication is None else replication
    pdus = dis_pdus(run, rep, exercise)
    span = pdus[-1].time if pdus else 0.0
    pace = "as fast as possible" if speed is None else f"{speed:g} times real time"
    out.print(f"replaying replication {rep} ({len(pdus):,} PDUs over {span:.0f} s of scenario time) to "
              f"{host}:{port}, {pace}")
    sent = send_udp(pdus, family, address, speed)
    out.print(f"sent {sent:,} PDUs")


@app.command("import")
def import_laydown(
    fmt: Annotated[str, typer.Argument(help="geojson | kml | dcs", show_default=False)],
    source: Annotated[Path, typer.Argument(help="the file to read: .geojson, .kml or a DCS mission .miz",
                                           show_default=False)],
    out_path: Annotated[Path, typer.Option("--out", help="the scenario YAML file to write")],
    terrain: Annotated[Path | None, typer.Option(help="a DEM for the scenario's terrain (default: flat at 0 m)")
                       ] = None,
    sam_prefix: Annotated[str | None, typer.Option(
        help="dcs: group names of SAM sites start with this (Skynet-IADS; default SAM)", show_default=False)] = None,
    ew_prefix: Annotated[str | None, typer.Option(
        help="dcs: names of early-warning radars (units or groups) start with this (Skynet-IADS; default EW)",
        show_default=False)] = None,
) -> None:
    """Write a scenario from a laydown drawn in QGIS or Google Earth (GeoJSON, KML) or a DCS mission (.miz).

    The scenario is validated before it is written; nothing is written when the file is bad."""
    from iadsim.scenario.importers import IMPORTERS, ImportOptions
    from iadsim.scenario.importers import import_laydown as run_import
    from iadsim.scenario.load import plural

    if fmt not in IMPORTERS:
        raise InputError("format", f"unknown import format '{fmt}'; choose one of {', '.join(IMPORTERS)}")
    if terrain is not None and not terrain.exists():
        raise InputError(terrain, "--terrain: file not found")
    given = [name for name, value in (("--sam-prefix", sam_prefix), ("--ew-prefix", ew_prefix)) if value is not None]
    if given and fmt != "dcs":
        err.print(f"iadsim: warning: {' and '.join(given)} apply to dcs only; ignored for {fmt}", markup=False)
    defaults = ImportOptions()
    options = ImportOptions(terrain=terrain, sam_prefix=defaults.sam_prefix if sam_prefix is None else sam_prefix,
                            ew_prefix=defaults.ew_prefix if ew_prefix is None else ew_prefix)
    imported = run_import(fmt, source, out_path, options)
    for warning in imported.warnings:
        err.print(f"iadsim: warning: {_printable(warning)}", markup=False)
    document = imported.document
    out.print(f"wrote {out_path}: " + ", ".join(plural(len(document.get(key, [])), name) for key, name in (
        ("units", "unit"), ("links", "link"), ("threats", "raid"), ("traffic", "flight"),
        ("defended_assets", "defended asset"))))


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("demo-out"),
    replications: Annotated[int, typer.Option(min=1, help="replications per example")] = 200,
    sweep: Annotated[bool, typer.Option(help="also run the one-at-a-time sweep (tornado chart)")] = True,
) -> None:
    """The main job on the two built-in examples: audit, simulate (with each defended asset's least-exposed
    corridor) and report as-reported vs as-designed."""
    from iadsim.analysis import simulate as run
    from iadsim.network import cached_audit as run_audit
    from iadsim.scenario import load_scenario

    out_dir.mkdir(parents=True, exist_ok=True)
    summaries = []
    for path in example_paths():
        loaded = load_scenario(path)
        out.print(Text(loaded.name, style="bold") + Text(loaded.summary().removeprefix(loaded.name)))
        print_audit(run_audit(loaded))
        with progress_bar(f"simulating {loaded.name}") as progress, _interruptible():
            summaries.append(run(loaded, replications, None, out_dir / loaded.name, progress=progress,
                                 notes=_note, corridors=True).summary)
    print_summary(summaries)
    from iadsim.scenario.yamlio import write_atomic

    write_atomic(out_dir / "summary.json", json.dumps({"variants": summaries}, indent=2).encode("utf-8"))
    sweep_dir = None
    if sweep:
        from iadsim.analysis import load_sweep, run_sweep

        sweep_file = example_paths()[0].parent / "sweeps" / "what-matters.yaml"
        out.print(f"sweep: what matters most for the network as designed ({sweep_file.name})")
        sweep_dir = out_dir / "sweep-what-matters"
        from contextlib import nullcontext

        from iadsim.analysis import rich_progress

        with rich_progress(err) if err.is_terminal else nullcontext() as progress, _interruptible():
            run_sweep(load_sweep(sweep_file), sweep_dir, "serial", progress=progress)
    report_path = write_demo_report(out_dir, [out_dir / s["name"] for s in summaries], sweep_dir)
    out.print(f"report: {report_path.resolve()}")


def write_demo_report(out_dir: Path, run_dirs: list[Path], sweep_dir: Path | None = None) -> Path:
    from iadsim.report import build_report

    return build_report(run_dirs, out_dir / "report.html", sweep_dir)


def example_paths() -> list[Path]:
    """The two example scenarios (from the source tree, or installed with the package)."""
    here = Path(__file__).resolve()
    for folder in (here.parents[2] / "examples", here.parent / "examples"):
        paths = [folder / "airbase-as-reported.yaml", folder / "airbase-as-designed.yaml"]
        if all(p.is_file() for p in paths):
            return paths
    raise InputError("examples/", "the example scenarios are not installed")


@contextmanager
def _interruptible():
    """Ctrl-C inside a command: say what was kept (click would turn it into a silent exit 130)."""
    try:
        yield
    except KeyboardInterrupt as exc:
        _say_interrupted(getattr(exc, "partial", None))
        raise typer.Exit(130) from None


def _say_interrupted(partial) -> None:
    kept = f"; finished batches are kept in {partial} (run the same command to resume)" if partial else \
        "; results written so far are kept"
    err.print(f"iadsim: interrupted{kept}", markup=False)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    """``text`` with its control characters written out (``\\x1b``): a message may quote a file's value, and an
    escape sequence printed to a terminal is an instruction to it."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


_SAID: set[str] = set()
"""The warnings this command has printed: each is printed once (`iadsim demo` loads an example for its run and
again as its sweep's base)."""


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    text = str(message)
    if text not in _SAID:
        _SAID.add(text)
        err.print(f"iadsim: warning: {_printable(text)}", markup=False)


# True while main() runs as the process's own command (the console script, ``python -m iadsim.cli``: no argv
# given); an in-process caller (a notebook, a test: argv given) keeps its process-wide settings
_OWNS_PROCESS = False


def main(argv: list[str] | None = None) -> int:
    """Console entry point (the script calls sys.exit on the result): every failure becomes a message and a status.
    Without `argv` (the command line) the process is taken to be iadsim's own (see :func:`_fork_safe_threads`)."""
    import logging
    import warnings

    global _OWNS_PROCESS
    _OWNS_PROCESS = argv is None
    if _OWNS_PROCESS:  # what this module's imports made lives as long as the process: later collections skip it
        gc.freeze()

    warnings.showwarning = _show_warning
    _SAID.clear()
    # GDAL's warnings on a corrupt raster can quote bytes of it: the terrain reader says what matters
    logging.getLogger("rasterio").setLevel(logging.CRITICAL + 1)
    try:
        return _run(argv)
    finally:
        if _OWNS_PROCESS and not _CHECKS_LEAKS & sys.modules.keys():
            # the process ends now: its last collections need not walk what the command built (0.2-0.4 s after a
            # simulation of the reference; live objects' finalisers still run, a garbage cycle left is freed with
            # the process: iadsim keeps none that must be finalised)
            gc.freeze()


_CHECKS_LEAKS = frozenset({"duckdb", "_duckdb"})
"""Modules whose bindings check at exit that the objects they made were freed, and print a page of "leaked"
lines otherwise (DuckDB's nanobind): after a command that imported one, the process's last collections run."""


def _run(argv: list[str] | None) -> int:
    """:func:`main`'s command, every failure a message and a status."""
    try:
        result = app(args=argv, standalone_mode=False, prog_name="iadsim")
    except InputError as exc:
        err.print(f"iadsim: {_printable(str(exc))}", markup=False)
        return 2
    except (typer.Abort, KeyboardInterrupt) as exc:
        _say_interrupted(getattr(exc, "partial", None) or getattr(exc.__context__, "partial", None))
        return 130
    except BrokenPipeError:
        return 0
    except BrokenExecutor as exc:  # a worker process killed (out of memory, say)
        if os.environ.get("IADSIM_DEBUG"):
            raise
        err.print(f"iadsim: {str(exc).rstrip('.')}; batches or units already written to a run or sweep folder are "
                  "kept, and the same command resumes from them", markup=False)
        return 1
    except OSError as exc:  # an output-side problem: read-only or full disk, a path that is a file, ...
        where = exc.filename if exc.filename is not None else "output"
        err.print(f"iadsim: {where}: cannot read or write: {exc.strerror or type(exc).__name__}", markup=False)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except Exception as exc:
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()  # a usage error from typer's command-line parser: it prints its own message
            return exc.exit_code
        if os.environ.get("IADSIM_DEBUG"):
            raise
        err.print(_printable(f"iadsim: internal error: {type(exc).__name__}: {exc} (set IADSIM_DEBUG=1 for details)"),
                  markup=False)
        return 1
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())

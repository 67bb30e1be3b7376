"""The `iadsim` command: a thin typer layer over the library.

Bad input of any kind ends with a short message naming the file, line and field, and exit status 2;
no input makes this command print a traceback (set IADSIM_DEBUG=1 to see one for a genuine bug).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from iadsim.scenario import InputError

app = typer.Typer(
    name="iadsim",
    help="Integrated air defence system simulator and readiness analyser (analysis and education only).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

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
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editors)."""
    from iadsim.scenario.models import ScenarioSpec

    data = ScenarioSpec.model_json_schema(by_alias=True)
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    data["title"] = "iadsim scenario"
    _print_json(data)


@app.command()
def catalog(
    kind: Annotated[str | None, typer.Option(help="radar, launcher, missile, command-post or aircraft")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the catalog as JSON")] = False,
) -> None:
    """List the system types in the catalog with the source and grade of every number."""
    from rich.table import Table

    from iadsim.scenario import builtin_catalog

    cat = builtin_catalog()
    kinds = ("radar", "launcher", "missile", "command-post", "aircraft")
    if kind is not None and kind not in kinds:
        raise typer.BadParameter(f"unknown kind '{kind}'; choose from {', '.join(kinds)}", param_hint="--kind")
    ids = cat.ids(kind)
    if as_json:
        _print_json({"sources": cat.sources, "types": {i: cat.types[i].model_dump() for i in ids}})
        return
    table = Table("id", "kind", "label", "values (published/derived/assumed)")
    for type_id in ids:
        entry = cat.types[type_id]
        grades = [v.grade for _, v in entry if hasattr(v, "grade")]
        counts = "/".join(str(grades.count(g)) for g in ("published", "derived", "assumed"))
        table.add_row(type_id, entry.kind, entry.label, counts)
    out.print(table)


@app.command()
def audit(
    scenario: ScenarioArg,
    as_json: Annotated[bool, typer.Option("--json", help="print the audit as JSON")] = False,
    without: Annotated[list[str] | None, typer.Option(
        "--without", help="what-if: remove a unit or link (FROM->TO[:carries]); repeatable")] = None,
) -> None:
    """Audit the kill chain: which fire unit can engage, and exactly why not."""
    from iadsim.network import audit as run_audit
    from iadsim.scenario import load_scenario

    result = run_audit(load_scenario(scenario), tuple(without or ()))
    if as_json:
        _print_json(result)
        return
    print_audit(result)


def print_audit(result: dict) -> None:
    from rich.table import Table

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
        able = "[green]able[/green]" if fu["able"] else "[red]NOT ABLE[/red]"
        table.add_row(fu["id"], able, fu["mode"], f"{fu['readiness']:.1%}", reasons or "-")
    out.print(table)
    out.print(f"{result['fire_units_able']} of {result['fire_units_total']} fire units able.")
    if result["single_points_of_failure"]:
        out.print("Single points of failure: " + "; ".join(
            f"{s['component']} ({len(s['fire_units'])} fire units)" for s in result["single_points_of_failure"]))


def _fraction(text: str) -> float:
    """--k accepts 4/3 as people write it."""
    try:
        if "/" in text:
            num, den = text.split("/", 1)
            value = float(num) / float(den)
        else:
            value = float(text)
    except (ValueError, ZeroDivisionError):
        raise typer.BadParameter(f"'{text}' is not a number such as 4/3 or 1.333") from None
    if not 0.1 <= value <= 100:
        raise typer.BadParameter("k must lie between 0.1 and 100")
    return value


@app.command()
def viewshed(
    dem: Annotated[str, typer.Argument(help="DEM file (GeoTIFF, DTED, SRTM .hgt) or 'sample'", show_default=False)],
    observer: Annotated[tuple[float, float], typer.Option(help="X Y in the DEM's coordinates (lon lat if geographic)")],
    observer_height: Annotated[float, typer.Option(min=0, max=1e5, help="observer height above ground [m]")],
    out_path: Annotated[Path, typer.Option("--out", help="output GeoTIFF of masking heights [m]")],
    k: Annotated[str, typer.Option(help="effective earth-radius factor, e.g. 4/3")] = "4/3",
    max_distance: Annotated[float | None, typer.Option(min=1, help="maximum distance [m]")] = None,
) -> None:
    """Masking-height raster of one observer: the lowest visible target height above each cell [m]."""
    from iadsim.terrain import viewshed_file

    path = Path(dem)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if dem != "sample" and not path.is_file():
        raise InputError(dem, "DEM file not found" if not path.exists() else "is not a file")
    try:
        written = viewshed_file(dem, observer[0], observer[1], observer_height, out_path, k=_fraction(k),
                                max_distance=max_distance)
    except ValueError as exc:  # observer off the grid, a raster without a CRS, ...
        raise InputError(dem, str(exc)) from None
    except OSError as exc:  # rasterio's errors for unreadable files derive from OSError or RasterioIOError
        raise InputError(dem, f"cannot read or write: {exc}") from None
    out.print(f"wrote {written}")


@app.command()
def coverage(
    scenario: ScenarioArg,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder for the rasters, GeoJSON, maps and JSON")],
    bands: Annotated[str, typer.Option(help="target heights above ground [m], comma-separated")] = "30,100,300,1000",
    threat: Annotated[list[str] | None, typer.Option(
        "--threat", help="aircraft type to detect (repeatable; default: the raids' types)")] = None,
) -> None:
    """Coverage maps: detection and engagement coverage per height band, layered counts and low-level gaps."""
    from iadsim.analysis.coverage import coverage as run_coverage
    from iadsim.scenario import load_scenario

    try:
        heights = tuple(float(b) for b in bands.split(",") if b.strip())
    except ValueError:
        raise typer.BadParameter(f"'{bands}' is not a comma-separated list of heights in metres",
                                 param_hint="--bands") from None
    loaded = load_scenario(scenario)
    try:
        summary = run_coverage(loaded, out_dir, bands=heights, threat_types=threat or None)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--bands/--threat") from None
    net = summary["network"]
    for h in summary["bands_agl_m"]:
        key = str(int(h)) if float(h).is_integer() else f"{h:g}"
        out.print(f"{key:>6} m AGL: detection {net['detection_km2'][key]:9.1f} km2 "
                  f"({net['detection_fraction'][key]:.0%}), engagement {net['engagement_km2'][key]:9.1f} km2")
    if not net["engagement_fire_units_counted"]:
        out.print("no fire unit is able to engage: no engagement coverage (see iadsim audit)")
    gaps = summary["gaps"]["largest"][:3]
    if gaps:
        out.print("largest low-level gaps: " + "; ".join(
            f"{g['area_km2']:.1f} km2 at x {g['centroid']['x_m'] / 1e3:.1f} km, y {g['centroid']['y_m'] / 1e3:.1f} km"
            for g in gaps))
    out.print(f"wrote {len(summary['files'])} files to {out_dir}")


@app.command()
def simulate(
    scenario: ScenarioArg,
    replications: Annotated[int, typer.Option(min=1, max=10_000_000, help="Monte Carlo replications")] = 100,
    seed: Annotated[int | None, typer.Option(min=0, help="seed (default: the scenario's)")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="write summary, Parquet metrics and events")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Fly the raids through the network: detection, tracking, assignment, authorisation, engagement."""
    from iadsim.analysis import simulate as run
    from iadsim.scenario import load_scenario

    loaded = load_scenario(scenario)
    result = run(loaded, replications, seed, out_dir)
    if as_json:
        _print_json(result.summary)
    else:
        print_summary([result.summary])
        if out_dir is not None:
            out.print(f"results in {out_dir}")


def print_summary(summaries: list[dict]) -> None:
    from rich.table import Table

    table = Table(title="Simulation summary (mean [95% CI])")
    table.add_column("metric")
    for s in summaries:
        table.add_column(f"{s['name']} ({s['replications']} reps)")
    table.add_row("fire units able", *[f"{s['fire_units_able']} of {s['fire_units']}" for s in summaries])
    for metric in ("kills", "leakers", "engagements", "missiles_expended", "wrongful_engagements", "vetoes",
                   "time_to_first_detection", "time_to_first_engagement"):
        cells = []
        for s in summaries:
            m = s["metrics"][metric]
            cells.append("-" if m["mean"] is None else f"{m['mean']:.2f} [{m['ci95'][0]:.2f}, {m['ci95'][1]:.2f}]")
        table.add_row(metric.replace("_", " "), *cells)
    out.print(table)


@app.command()
def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="sweep YAML file", show_default=False)],
    out_dir: Annotated[Path, typer.Option("--out", help="results folder; rerun the same command to resume")],
    executor: Annotated[str, typer.Option(help="local (worker processes) or dask")] = "local",
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address, e.g. tcp://host:8786 (default: a local Dask cluster)")] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=4096, help="worker processes (default: CPU count)")] = None,
) -> None:
    """Run (or resume) a parameter sweep: every point's replications, written as Parquet as they complete."""
    from rich.table import Table

    from iadsim.analysis import load_sweep, rich_progress, run_sweep

    if executor not in ("local", "dask"):
        raise typer.BadParameter(f"unknown executor '{executor}'; choose local or dask", param_hint="--executor")
    if scheduler is not None and executor != "dask":
        raise typer.BadParameter("a scheduler address needs --executor dask", param_hint="--scheduler")
    loaded = load_sweep(sweep_file)
    out.print(f"{loaded.name}: {len(loaded.points)} points ({loaded.spec.design} design), base {loaded.base.name}")
    with rich_progress(err) as progress:
        result = run_sweep(loaded, out_dir, executor, workers=workers, scheduler=scheduler, progress=progress)
    table = Table(title=f"Sweep summary: mean [95% CI] ({result.replications_run} replications run, "
                        f"{result.units_skipped} work units already done)")
    factors = [f.name for f in loaded.factors]
    for column in ("point", *factors, "replications", *loaded.metrics):
        table.add_column(column.replace("_", " "))
    for row in result.summary.to_dict(orient="records"):
        cells = [str(row["point"]), *[str(row[f]) for f in factors], str(row["replications"])]
        for m in loaded.metrics:
            mean = row[f"{m}_mean"]
            cells.append("-" if mean is None or mean != mean else
                         f"{mean:.2f} [{row[f'{m}_ci_low']:.2f}, {row[f'{m}_ci_high']:.2f}]")
        table.add_row(*cells)
    out.print(table)
    out.print(f"results in {out_dir} (query them with: iadsim query {out_dir} \"SELECT ... FROM results\")")


@app.command()
def query(
    sweep_dir: Annotated[Path, typer.Argument(help="a sweep's --out folder", show_default=False)],
    sql: Annotated[str, typer.Argument(help="DuckDB SQL over the view 'results' (one row per replication) and the "
                                            "table 'points' (the design)", show_default=False)],
    as_csv: Annotated[bool, typer.Option("--csv", help="print CSV instead of a table")] = False,
) -> None:
    """Query a sweep's results with SQL, e.g. "SELECT point, avg(leakers) FROM results GROUP BY point"."""
    from iadsim.analysis import query as run_query

    frame = run_query(sweep_dir, sql)
    if as_csv:
        sys.stdout.write(frame.to_csv(index=False))
    else:
        out.print(frame.to_string(index=False), markup=False)


@app.command()
def report(
    run_dirs: Annotated[list[Path], typer.Argument(help="run folders from `iadsim simulate --out` to compare")],
    out_path: Annotated[Path, typer.Option("--out", help="HTML file to write")] = Path("report.html"),
    sweep: Annotated[Path | None, typer.Option("--sweep", help="sweep results folder: tornado and trade-off")] = None,
    figures: Annotated[Path | None, typer.Option("--figures", help="also write map.png and metrics.png here")] = None,
) -> None:
    """One self-contained HTML report (opens offline) comparing run folders."""
    from iadsim.report import build_figures, build_report

    for run_dir in run_dirs:
        if not (run_dir / "summary.json").is_file():
            raise InputError(run_dir, "not a run folder (no summary.json); write one with `iadsim simulate --out`")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    path = build_report(run_dirs, out_path, sweep)
    out.print(f"report: {path.resolve()}")
    if figures is not None:
        for png in build_figures(run_dirs, figures):
            out.print(f"figure: {png}")


@app.command("export")
def export_run(
    run_dir: Annotated[Path, typer.Argument(help="a run folder written by `iadsim simulate --out`")],
    fmt: Annotated[str, typer.Option("--format", help="geojson | kml | czml | geotiff | csv")],
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("export"),
    replication: Annotated[int | None, typer.Option(
        min=0, help="replication to replay (kml, czml); default: a typical one")] = None,
) -> None:
    """Export a run for GIS tools and globes: GeoJSON (QGIS), KML (Google Earth), CZML (Cesium), GeoTIFF, CSV."""
    from iadsim.report import FORMATS, export

    if fmt not in FORMATS:
        raise InputError("--format", f"unknown format '{fmt}'; choose one of {', '.join(FORMATS)}")
    if not (run_dir / "summary.json").is_file():
        raise InputError(run_dir, "not a run folder (no summary.json); write one with `iadsim simulate --out`")
    for path in export(run_dir, fmt, out_dir, replication):
        out.print(f"wrote {path}")


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("demo-out"),
    replications: Annotated[int, typer.Option(min=1, help="replications per example")] = 200,
    sweep: Annotated[bool, typer.Option(help="also run the one-at-a-time sweep (tornado chart)")] = True,
) -> None:
    """The main job on the two built-in examples: audit, simulate and report as-reported vs as-designed."""
    from iadsim.analysis import simulate as run
    from iadsim.network import audit as run_audit
    from iadsim.scenario import load_scenario

    out_dir.mkdir(parents=True, exist_ok=True)
    summaries = []
    for path in example_paths():
        loaded = load_scenario(path)
        out.print(f"[bold]{loaded.name}[/bold]: {loaded.summary()}")
        print_audit(run_audit(loaded))
        summaries.append(run(loaded, replications, None, out_dir / loaded.name).summary)
    print_summary(summaries)
    (out_dir / "summary.json").write_text(json.dumps({"variants": summaries}, indent=2))
    sweep_dir = None
    if sweep:
        from iadsim.analysis import load_sweep, run_sweep

        sweep_file = example_paths()[0].parent / "sweeps" / "what-matters.yaml"
        out.print(f"sweep: what matters most for the network as designed ({sweep_file.name})")
        sweep_dir = out_dir / "sweep-what-matters"
        run_sweep(load_sweep(sweep_file), sweep_dir, "serial")
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


def main(argv: list[str] | None = None) -> int:
    """Console entry point (the script calls sys.exit on the result): every failure becomes a message and a status."""
    try:
        result = app(args=argv, standalone_mode=False, prog_name="iadsim")
    except InputError as exc:
        err.print(f"iadsim: {exc}", markup=False)
        return 2
    except (typer.Abort, KeyboardInterrupt):
        err.print("iadsim: interrupted; results written so far are kept", markup=False)
        return 130
    except typer.Exit as exc:
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if hasattr(exc, "show") and isinstance(getattr(exc, "exit_code", None), int):
            exc.show()  # a usage error from typer's command-line parser: it prints its own message
            return exc.exit_code
        if os.environ.get("IADSIM_DEBUG"):
            raise
        err.print(f"iadsim: internal error: {type(exc).__name__}: {exc} (set IADSIM_DEBUG=1 for details)", markup=False)
        return 1
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())

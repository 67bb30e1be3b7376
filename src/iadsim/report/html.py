"""The HTML report: one self-contained file that opens offline.

plotly.js is inlined once; the hillshade is an embedded JPEG; nothing is loaded from the network (no CDN,
web fonts or map tiles). Every text that comes from a scenario or a run folder is HTML-escaped, and the
figures' JSON has ``<``, ``>`` and ``&`` written as ``\\u003c``-style escapes so that no string can
close the ``<script>`` it sits in.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import warnings
from html import escape
from pathlib import Path

import pandas as pd
import plotly.io as pio
from plotly.offline import get_plotlyjs

from iadsim.analysis.intervals import interval_text, number_text
from iadsim.analysis.metrics import METRICS, is_money
from iadsim.analysis.runfolder import RunFolderError
from iadsim.analysis.sweep import store
from iadsim.analysis.sweep.designs import level_text
from iadsim.analysis.tradeoff import tradeoff_table
from iadsim.report.explain import (
    Breakdown,
    audit_cell,
    breakdown_html,
    drivers_html,
    number,
    percent,
    sweep_driver_html,
    timeline_figure,
    timeline_rows,
    timeline_table,
)
from iadsim.report.explain import whole as _int
from iadsim.report.layers import map_layers
from iadsim.report.ledger import layers_html, ledger_html
from iadsim.report.plots import label, map_figure, metrics_figure, replay_figure, series_figure
from iadsim.report.replay import build_replay
from iadsim.report.run import Run, load_run
from iadsim.report.sweep import load_sweep_table, pareto_figure, sweep_pair, tornado_figure, tradeoff_figure
from iadsim.report.teaming import teaming_html
from iadsim.scenario import InputError
from iadsim.scenario.yamlio import write_atomic

log = logging.getLogger(__name__)


class ReportWarning(UserWarning):
    """A part of a run folder the report could not read, and what the page leaves out for it (the page says so too;
    this tells a script that checks only what the command prints)."""


def _left_out(run: Run, what: str, why: str) -> None:
    warnings.warn(f"{run.path}: {what} left out of the report: {why}", ReportWarning, stacklevel=3)

PLOT_CONFIG = {"displaylogo": False, "responsive": True, "scrollZoom": False,
               "modeBarButtonsToRemove": ["sendDataToCloud", "select2d", "lasso2d"]}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:0;color:#1b1b1b;
background:#f4f5f7}
header{background:#1b263b;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:1.6em}
header p{margin:2px 0;color:#d0d6e2}
main{max-width:1280px;margin:0 auto;padding:8px 24px 40px}
section{background:#fff;border-radius:8px;padding:14px 20px;margin:18px 0;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h2{margin:4px 0 10px;font-size:1.3em;border-bottom:2px solid #e3e6ea;padding-bottom:4px}
h3{margin:16px 0 6px;font-size:1.08em}
table{border-collapse:collapse;width:100%;font-size:.9em;margin:6px 0 10px}
th,td{border:1px solid #d9dde3;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef1f5}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.able{color:#1a7f37;font-weight:600}.unable{color:#c1121f;font-weight:600}
.code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;padding:1px 5px;border-radius:3px;
white-space:nowrap}
.sev-blocking{background:#fde2e4;color:#8a0f18}.sev-warning{background:#fff1cc;color:#7a5200}
.sev-info{background:#e3f0ff;color:#12427a}
.note{color:#5b6270;font-size:.9em}.plot{width:100%}
nav a{color:#fff;margin-right:14px}
"""


def build_report(run_dirs: list[Path], out_path: Path, sweep_dir: Path | None = None) -> Path:
    """Write one self-contained HTML report comparing the runs in ``run_dirs``.

    Parameters
    ----------
    run_dirs : list of path-like, or one
        Run folders written by :func:`iadsim.analysis.simulate` (the variants to compare).
    out_path : path-like
        The HTML file to write.
    sweep_dir : path-like, optional
        A sweep results folder (see :mod:`iadsim.report.sweep`); skipped with a note if it is missing.

    Returns
    -------
    pathlib.Path
        ``out_path``.
    """
    if isinstance(run_dirs, str | Path):  # (one folder: not its name's characters)
        run_dirs = [run_dirs]
    runs = [load_run(d) for d in run_dirs]
    if not runs:
        raise ValueError("build_report needs at least one run folder")
    page = _Page()
    breakdowns = [Breakdown(run, i) for i, run in enumerate(runs)]
    sweep = _sweep_table(Path(sweep_dir)) if sweep_dir is not None else None
    drivers = "".join(drivers_html(b) for b in breakdowns)
    if isinstance(sweep, pd.DataFrame):
        drivers += sweep_driver_html(sweep, _sweep_cell)
    page.section("drivers", "What drove the outcome", drivers + (
        "<p class=note>Generated from the kill-chain audit, the tables by raid and fire unit and the sweep; every "
        "number links to the cell it was read from.</p>"))
    page.section("metrics", "Metrics with 95 % confidence intervals", _metrics_html(page, runs))
    page.section("layers", "Layered defence: attrition by layer", layers_html(page, runs))
    page.section("ledger", "Cost ledger: spent, destroyed, lost and protected", ledger_html(runs))
    page.section("who", "Who did what: by raid, aircraft type and fire unit", breakdown_html(breakdowns))
    teaming = teaming_html(page.figure, runs, None if sweep_dir is None else Path(sweep_dir))
    if teaming is not None:  # (only with automation: a run's decisions, or a sweep of trust)
        page.section("teaming", "Human-machine teaming", teaming)
    page.section("over-time", "Over time", _series_html(page, runs))
    page.section("audit", "Kill-chain audit", "".join(_audit_html(run, i) for i, run in enumerate(runs)))
    page.section("timeline", "Engagement timeline", "".join(_timeline_html(page, run) for run in runs))
    maps, replays = [], []
    for i, run in enumerate(runs):
        m, r = _map_and_replay_html(page, run, i)
        maps.append(m)
        replays.append(r)
    page.section("map", "Scenario map", "".join(maps))
    page.section("replay", "Replay", "".join(replays))
    if sweep_dir is not None:
        page.section("sweep", "Sweep", _sweep_html(page, Path(sweep_dir), sweep))
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(Path(out_path), page.render(runs).encode("utf-8"))  # an older report stays whole
    return out_path


class _Page:
    def __init__(self):
        self.sections: list[tuple[str, str, str]] = []
        self.n_figures = 0
        self.images: dict[str, str] = {}  # data URI -> key: an image shared by several figures is written once

    def section(self, anchor: str, title: str, body: str) -> None:
        self.sections.append((anchor, title, body))

    def figure(self, fig, height: int | None = None) -> str:
        """A div and the script that draws ``fig`` (a plotly Figure, or its JSON structure as a dict) into it
        (frames added after the first draw)."""
        self.n_figures += 1
        div = f"fig{self.n_figures}"
        images = fig.get("layout", {}).get("images", []) if isinstance(fig, dict) else fig.layout.images
        for image in images:
            source = image.get("source") if isinstance(image, dict) else image.source
            if source and source.startswith("data:"):
                key = self.images.setdefault(source, f"img{len(self.images) + 1}")
                if isinstance(image, dict):
                    image["source"] = key
                else:
                    image.source = key
        payload = script_json(pio.to_json(fig, validate=False, remove_uids=True))
        style = f' style="height:{int(height)}px"' if height else ""
        return (f'<div id="{div}" class="plot"{style}></div>\n<script>(function(){{var f={payload};'
                f'var el=document.getElementById("{div}");'
                '(f.layout.images||[]).forEach(function(im){if(IADSIM_IMAGES[im.source]){'
                'im.source=IADSIM_IMAGES[im.source];}});'
                f'Plotly.newPlot(el,f.data,f.layout||{{}},{json.dumps(PLOT_CONFIG)}).then(function(){{'
                'if(f.frames&&f.frames.length){return Plotly.addFrames(el,f.frames);}});})();</script>\n')

    def render(self, runs: list[Run]) -> str:
        names = ", ".join(escape(r.name) for r in runs)
        nav = "".join(f'<a href="#{a}">{escape(t)}</a>' for a, t, _ in self.sections)
        body = "".join(f'<section id="{a}"><h2>{escape(t)}</h2>{b}</section>\n' for a, t, b in self.sections)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>iadsim report: {names}</title><style>{CSS}</style>\n"
            f'<script id="plotlyjs">{get_plotlyjs()}</script>\n</head><body>'
            f"<header><h1>iadsim report</h1><p>{names}</p>"
            f"<p>Generated {stamp}. For analysis and education only. Self-contained: opens offline.</p>"
            f"<nav>{nav}</nav></header><main>{_runs_html(runs)}"
            f"<script>var IADSIM_IMAGES={script_json(json.dumps({k: uri for uri, k in self.images.items()}))};"
            f"</script>\n{body}</main></body></html>\n"
        )


def script_json(text: str) -> str:
    """JSON made safe to sit inside ``<script>``: no ``<``, ``>``, ``&`` or line separators left raw."""
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _runs_html(runs: list[Run]) -> str:
    rows = []
    for run in runs:
        s = run.summary
        description = ""
        try:
            description = run.scenario.spec.description
        except Exception as exc:  # the map section says why; here the description is just missing
            log.debug("no scenario for %s: %s", run.path, exc)
        rows.append(
            f"<tr><td><b>{escape(run.name)}</b></td><td>{escape(description)}</td>"
            f"<td class=num>{_int(s.get('replications'))}</td><td class=num>{_int(s.get('threats'))}</td>"
            f"<td class=num>{_int(s.get('civil_aircraft'))}</td>"
            f"<td class=num>{_int(s.get('fire_units_able'))} of {_int(s.get('fire_units'))}</td>"
            f"<td class=num>{_int(s.get('seed'))}</td><td>{escape(str(run.path))}</td></tr>")
    return ("<section id=\"runs\"><h2>Compared variants</h2><table><tr><th>variant</th><th>description</th>"
            "<th>replications</th><th>threats</th><th>civil aircraft</th><th>fire units able</th><th>seed</th>"
            f"<th>run folder</th></tr>{''.join(rows)}</table></section>")


def _metrics_html(page: _Page, runs: list[Run]) -> str:
    summaries = [r.summary for r in runs]
    head = "".join(f"<th>{escape(r.name)}</th>" for r in runs)
    rows = ["<tr><td>fire units able</td>"
            + "".join(f"<td class=num>{_int(s.get('fire_units_able'))} of {_int(s.get('fire_units'))}</td>"
                      for s in summaries) + "</tr>"]
    for metric in METRICS:
        if METRICS[metric].optional:
            continue  # (the layers' and the ledger's: their own sections)
        cells = []
        for s in summaries:
            stat = s.get("metrics", {}).get(metric) or {}
            cells.append("<td class=num>-</td>" if stat.get("mean") is None else
                         f"<td class=num>{interval_text(stat)} <span class=note>n={stat.get('n')}</span></td>")
        rows.append(f"<tr><td>{escape(label(metric))}</td>{''.join(cells)}</tr>")
    rows.append("<tr><td>replications with a threat detected</td>" + "".join(
        f"<td class=num>{percent(s.get('detected_fraction'))}</td>" for s in summaries) + "</tr>")
    table = f"<table><tr><th>metric: mean [95 % CI]</th>{head}</tr>{''.join(rows)}</table>"
    note = ("<p class=note>Means over replications with 95 % confidence intervals that fit each quantity and never "
            "leave its range: Wilson for probabilities, exact Poisson (Garwood) for unbounded counts (the percentile "
            "bootstrap when over-dispersed), the percentile bootstrap for bounded counts, fractions and times "
            "(Student-t below ten replications), Wilson's bound when a bounded count is the same in every "
            "replication, [0, 0] for events about something the scenario lacks, and the whole range for one "
            "replication; times are over the replications where the event happened (n).</p>")
    return page.figure(metrics_figure(summaries)) + table + note


def _audit_html(run: Run, index: int) -> str:
    audit = run.audit
    rows = []
    for k, unit in enumerate(audit.get("fire_units", [])):
        able = bool(unit.get("able"))
        reasons = "<br>".join(
            f'<span class="code sev-{escape(str(r.get("severity", "info")))}">{escape(str(r.get("code", "")))}'
            f"</span> {escape(str(r.get('message', '')))}" for r in unit.get("reasons", [])) or "-"
        spof = ", ".join(escape(str(c)) for c in unit.get("single_points_of_failure", [])) or "-"
        rows.append(
            f"<tr id=\"{audit_cell(index, k)}\"><td><b>{escape(str(unit.get('id', '')))}</b></td>"
            f"<td>{escape(str(unit.get('type', '')))}"
            + (f" <span class=note>({escape(str(unit['layer']))} layer)</span>" if unit.get("layer") else "")
            + "</td>"
            f"<td class=\"{'able' if able else 'unable'}\">{'able' if able else 'NOT ABLE'}</td>"
            f"<td>{escape(str(unit.get('mode', '')))}</td><td class=num>{percent(unit.get('readiness'))}</td>"
            f"<td class=num>{_int(unit.get('missiles'))}</td>"
            f"<td>{escape(', '.join(map(str, unit.get('guided_by', [])))) or '-'}</td><td>{reasons}</td>"
            f"<td>{spof}</td></tr>")
    codes = audit.get("reason_codes", {})
    used = sorted({r.get("code") for u in audit.get("fire_units", []) for r in u.get("reasons", [])} - {None})
    glossary = "".join(f"<li><span class=code>{escape(str(c))}</span> {escape(str(codes.get(c, '')))}</li>"
                       for c in used)
    able = f"{_int(audit.get('fire_units_able'))} of {_int(audit.get('fire_units_total'))}"
    return (f"<h3>{escape(run.name)}: <span id=\"{audit_cell(index)}\">{able}</span> fire units able</h3>"
            "<table><tr><th>fire unit</th><th>type</th><th>able</th><th>mode</th><th>readiness</th>"
            "<th>missiles</th><th>guided by</th><th>reasons</th><th>single points of failure</th></tr>"
            f"{''.join(rows)}</table>" + (f"<ul class=note>{glossary}</ul>" if glossary else ""))


def _map_and_replay_html(page: _Page, run: Run, index: int) -> tuple[str, str]:
    try:
        layers = map_layers(run.scenario, run.coverage, corridors=run.readable_corridors())
        paths = run.trajectories
    except Exception as exc:  # never raw exception text in the page: a category and where to look
        log.debug("no map for %s: %s", run.path, exc)
        if isinstance(exc, RunFolderError) and Path(exc.file).name != "scenario.yaml":
            why = f"{Path(exc.file).name} of the run folder is unreadable or was changed after the run"
        elif isinstance(exc, InputError):
            why = ("its scenario, catalogs or terrain crop are invalid or were changed after the run "
                   f"(`iadsim validate {run.path / 'scenario' / 'scenario.yaml'}` says why)")
        else:
            why = f"an internal error ({type(exc).__name__})"
        message = f"<p class=note>{escape(run.name)}: the map and replay could not be drawn: {escape(why)}.</p>"
        _left_out(run, "the map and replay", why)
        return message, message
    bands = ", ".join(f"{b:g} m" for b in sorted(layers.coverage))
    threats = ", ".join(layers.threat_types)
    map_html = (f"<h3>{escape(run.name)}</h3>" + page.figure(map_figure(layers, escape(run.name))) +
                f"<p class=note>Hillshade of the scenario's terrain; shading: the lowest of {bands} above the ground "
                f"at which at least one sensor detects a {escape(threats)} (darker: lower; the colour bar) - line "
                "of sight, "
                "instrumented range, sector and a per-look probability of detection of at least 0.5"
                + (f" (a quick look: the probability of detection evaluated at the centre of blocks of "
                   f"{run.coverage.sample} x {run.coverage.sample} cells, every cell's line of sight, range and "
                   "sector its own; <code>iadsim coverage</code> computes every cell)" if run.coverage.sample > 1
                   else ", as <code>iadsim coverage</code> computes it") +
                ". The map opens on the network; zoom out for the whole terrain. Links that are down are red dashes; "
                "hover a link's midpoint for its ends.</p>")
    map_html += _corridors_html(run)
    rep = run.typical_replication()
    states, states_note = None, ""
    try:
        states = run.states(rep)
    except InputError as exc:
        log.debug("no states for %s: %s", run.path, exc)
        states_note = (f" Track and unit states are not drawn: {escape(Path(exc.file).name)} of the run folder is "
                       "unreadable or was changed after the run.")
        _left_out(run, "the replay's track and unit states",
                  f"{Path(exc.file).name} of the run folder is unreadable or was changed after the run")
    replay = build_replay(paths, run.events, run.unit_ids, rep, states=states)
    fire_position = {u["id"]: (u["x"], u["y"]) for u in run.entities["units"]}
    notes, chains = {}, {}
    for unit in run.audit.get("fire_units", []):
        chains[str(unit.get("id"))] = {str(u) for u in (*unit.get("guided_by", []),
                                                        *unit.get("single_points_of_failure", []))}
        if not unit.get("able") and unit.get("reasons"):
            first = next((r for r in unit["reasons"] if r.get("severity") == "blocking"), unit["reasons"][0])
            notes[str(unit.get("id"))] = str(first.get("message") or first.get("code", ""))
    title = escape(f"{run.name}: replication {rep}")
    replay_html = (f"<h3>{escape(run.name)}: replication {rep}</h3>"
                   + page.figure(replay_figure(layers, replay, fire_position, title, unit_ids=run.unit_ids,
                                               unit_notes=notes, unit_chains=chains)) +
                   f"<p class=note>Replication {rep} (leakers closest to the mean), {len(replay.times)} frames over "
                   f"{replay.times[-1]:.0f} s; Play, Pause and the slider run it. Threats are coloured by how far the "
                   "network got with them (no track, tentative, tracked by bearings only, placed by the sensors, in "
                   "a fire unit's own picture); units by their status (hover for the reason). Crosses: killed; stars: "
                   f"threats that reached their target; pink: missiles in flight from their launcher.{states_note}"
                   "</p>")
    return map_html, replay_html


def _probability(p: float) -> str:
    """A probability to three significant digits, but never "1" for one that is not (``> 0.999``); a small one
    keeps its digits (``0.0001``)."""
    return "> 0.999" if 0.9995 <= p < 1 else f"{p:.3g}"


def _corridors_html(run: Run) -> str:
    """The run's least-exposed corridors (``iadsim simulate --corridors``) as a table under its map."""
    from iadsim.analysis.artifacts import CORRIDOR_RULE

    try:
        data = run.corridors
    except (RunFolderError, InputError):
        _left_out(run, "the least-exposed corridors", "corridors.json of the run folder is unreadable or was changed "
                  "after the run")
        return ("<p class=note>The least-exposed corridors are not drawn: corridors.json of the run folder is "
                "unreadable or was changed after the run.</p>")
    if not data or not data["corridors"]:
        return ""
    what = "P(detected)" if data["mode"] == "detection" else "P(engaged)"
    rows = []
    for c in data["corridors"]:
        if "reason" in c:
            rows.append(f"<tr><td>{escape(c['asset'])}</td><td>{escape(c['type'] or '-')}</td>"
                        f"<td colspan=6>no corridor: {escape(c['reason'])}</td></tr>")
            continue
        direct = "-" if c.get("direct_probability") is None else _probability(c["direct_probability"])
        notes = "; ".join(c.get("caveats", [])) or "-"
        rows.append(f"<tr><td>{escape(c['asset'])}</td><td>{escape(c['type'])}</td><td>{c['height_m']:g}</td>"
                    f"<td>{c['length_m'] / 1e3:.1f}</td><td>{_probability(c['probability'])}</td>"
                    f"<td>{_probability(c['planned_probability'])}</td><td>{direct}</td><td>{escape(notes)}</td></tr>")
    return (f"<h4>Least-exposed corridors</h4><table><tr><th>defended asset</th><th>aircraft type</th>"
            f"<th>height [m AGL]</th><th>length [km]</th><th>{what} as flown</th><th>held at the height</th>"
            f"<th>straight in</th><th>left out</th></tr>{''.join(rows)}</table><p class=note>Dashed black on the map: "
            f"{escape(CORRIDOR_RULE)}. 'Held at the height': the same route if the aircraft could hold its height "
            "everywhere (what the search minimises); 'straight in': the straight line from the corridor's start; "
            "'left out': what the engine models that the figure does not (it is then approximate). "
            "<code>iadsim route</code> finds the route from a given start and writes it as a raid.</p>")


def _series_html(page: _Page, runs: list[Run]) -> str:
    """The time series the runs recorded (their means over the replications), one chart per series."""
    frames, notes = [], []
    for run in runs:
        try:
            frames.append((run.name, run.series))
        except InputError as exc:
            log.debug("no series for %s: %s", run.path, exc)
            _left_out(run, "the time series", f"{Path(exc.file).name} of the run folder is unreadable or was "
                      "changed after the run")
            notes.append(f"<p class=note>{escape(run.name)}: its time series are not drawn: "
                         f"{escape(Path(exc.file).name)} of the run folder is unreadable or was changed after the "
                         "run.</p>")
    shown = [(name, f) for name, f in frames if len(f)]
    if not shown:
        return "".join(notes) or "<p class=note>The runs recorded no time series.</p>"
    return page.figure(series_figure(shown)) + "".join(notes) + (
        "<p class=note>Means over each run's replications at every step: what the network held, could engage and "
        "had in the air as the raid came in.</p>")


def _sweep_table(sweep_dir: Path):
    """The sweep's table, or the note saying why there is none."""
    if not sweep_dir.is_dir():
        return f"<p class=note>No sweep results at {escape(str(sweep_dir))}; skipped.</p>"
    table = load_sweep_table(sweep_dir)
    if table is None:
        return (f"<p class=note>{escape(str(sweep_dir))} has no readable sweep results (an `iadsim sweep` folder "
                "with results, or results.parquet, results.csv or sweep.json with parameter, value and leakers "
                "columns); skipped.</p>")
    return table.reset_index(drop=True)


def _value_text(value, metric: str) -> str:
    """One value of ``metric`` as the summaries print it (a cost in millions); "-" when there is none."""
    return "-" if value is None or value != value else number_text(float(value), is_money(metric))


def _sweep_cell(row: int, column: str) -> str:
    return f"sweep-{row}-{column}"


def _sweep_html(page: _Page, sweep_dir: Path, table=None) -> str:
    table = _sweep_table(sweep_dir) if table is None else table
    if not isinstance(table, pd.DataFrame):
        return table
    rows = []
    for i, row in table.iterrows():
        cells = "".join(
            f'<td class=num id="{_sweep_cell(i, c)}">{number(pd.to_numeric(row.get(c), errors="coerce"))}</td>'
            for c in ("leakers", "wrongful_engagements"))
        name = "baseline" if row["baseline"] else str(row["parameter"])
        rows.append(f"<tr><td>{escape(name)}</td><td>{escape(str(row['value']))}</td>{cells}</tr>")
    listing = ("<table><tr><th>factor</th><th>level</th><th>mean threats leaking</th>"
               f"<th>mean wrongful engagements</th></tr>{''.join(rows)}</table>")
    if (sweep_dir / store.POINTS).is_file():  # a sweep iadsim ran: its points and their Pareto front
        return page.figure(tornado_figure(table)) + _pareto_html(page, sweep_dir) + listing
    return page.figure(tornado_figure(table)) + page.figure(tradeoff_figure(table)) + listing


def _pareto_html(page: _Page, sweep_dir: Path) -> str:
    """The sweep's trade-off across its points, with the Pareto front, and the front's points as a table; a note
    when the sweep's stored pair cannot be drawn (a metric since removed or refused)."""
    try:
        pair = sweep_pair(sweep_dir)
        table = tradeoff_table(sweep_dir, pair)
    except InputError as exc:
        return f"<p class=note>No trade-off chart: {escape(str(exc))}</p>"
    factors = [f["name"] for f in store.read_points(sweep_dir).get("factors", [])]
    front = table[table["pareto"]].sort_values(pair.x)
    rows = "".join(
        f"<tr><td class=num>{int(row['point'])}</td>"
        f"<td>{escape(', '.join(f'{f} = {level_text(row[f])}' for f in factors))}</td>"
        f"<td class=num>{_value_text(row[pair.x], pair.x)}</td><td class=num>{_value_text(row[pair.y], pair.y)}</td>"
        "</tr>"
        for _, row in front.iterrows())
    query = "Query any pair with <code>iadsim query SWEEP --tradeoff X,Y</code>."
    if not (pair.better_x and pair.better_y):
        return page.figure(pareto_figure(table, pair, factors)) + (
            f"<p class=note>No Pareto front: the sweep file does not say which way is better for its pair. {query}</p>")
    listing = (f"<table><tr><th>point</th><th>levels</th><th>{escape(label(pair.x))}</th>"
               f"<th>{escape(label(pair.y))}</th></tr>{rows}</table>"
               f"<p class=note>The Pareto front: the points no other point beats on both metrics. {query}</p>")
    return page.figure(pareto_figure(table, pair, factors)) + listing


def _timeline_html(page: _Page, run: Run) -> str:
    """The replayed replication's engagements per fire unit, as a chart and a table."""
    rep = run.typical_replication()
    rows = timeline_rows(run, rep)
    fire_units = list(run.entities.get("fire_units", []))
    title = escape(f"{run.name}: replication {rep}")
    return (f"<h3>{escape(run.name)}: replication {rep} (the one replayed)</h3>"
            + page.figure(timeline_figure(rows, fire_units, title)) + timeline_table(rows))



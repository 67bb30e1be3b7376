"""Plotly figures of the report: the scenario map, the replay of one replication and the metrics with
confidence intervals. Every text that comes from a scenario is HTML-escaped here, because plotly renders
a subset of HTML in names, labels and hover text."""

from __future__ import annotations

import math
from html import escape

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from iadsim.analysis.metrics import METRICS, REPORTERS, replication_names
from iadsim.report.labels import place_labels
from iadsim.report.layers import MapLayers
from iadsim.report.replay import FLYING, KILLED, LEAKED, Replay
from iadsim.report.symbols import MAP_PX, data_uri, drawn

SITE_STYLE = {  # kind -> (legend label, marker symbol, colour)
    "radar": ("radars", "triangle-up", "#1f4e99"),
    "esm": ("ESM receivers", "triangle-down", "#1f4e99"),
    "irst": ("IRST sensors", "triangle-right", "#1f4e99"),
    "launcher": ("fire units", "square", "#7b2d8e"),
    "command-post": ("command posts", "diamond", "#e07b00"),
    "asset": ("defended assets", "star", "#1a7f37"),
}
LINK_COLOURS = {"tracks": "#555555", "cues": "#2a8f5a", "fire-control": "#7b2d8e"}
LINK_DOWN = "#d62728"
THREAT = "#c1121f"
CIVIL = "#0077b6"
CORRIDOR = "#111111"
BAND_COLOURS = ("#08306b", "#2171b5", "#6baed6", "#c6dbef")
"""Lowest band first (darkest): the PNG figures' bands."""
COVERAGE_SCALE = [[0.0, "#08306b"], [0.35, "#2171b5"], [0.7, "#6baed6"], [1.0, "#c6dbef"]]
"""The map's sequential scale of the lowest height a threat is detected at (dark: down to the lowest band)."""
MAP_PLOT = (1150.0, 620.0)
"""The map's plot area [px] at the report's width and the figure's height (for placing labels)."""
VARIANT_COLOURS = ("#c1121f", "#1a7f37", "#1f4e99", "#e07b00", "#7b2d8e", "#555555")


def label(metric: str) -> str:
    """A metric's words (:data:`iadsim.analysis.metrics.METRICS`), or its name spelt out when not registered."""
    return METRICS[metric].label if metric in METRICS else metric.replace("_", " ")


def unit_of(metric: str) -> str:
    """A metric's unit for axes (:attr:`iadsim.analysis.metrics.Metric.unit`), "" when not registered."""
    return METRICS[metric].unit if metric in METRICS else ""


def mmss(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _map_layout(layers: MapLayers, title: str, height: int) -> dict:
    left, bottom, right, top = layers.extent
    il, ib, ir, it = layers.image_box
    return {
        "title": {"text": title, "x": 0.01},
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "xaxis": {"title": {"text": "x [km] east of the origin"}, "range": [left, right], "showgrid": False,
                  "zeroline": False, "constrain": "domain"},
        "yaxis": {"title": {"text": "y [km] north of the origin"}, "range": [bottom, top], "showgrid": False,
                  "zeroline": False, "scaleanchor": "x", "scaleratio": 1, "constrain": "domain"},
        "images": [{"source": layers.hillshade_uri, "xref": "x", "yref": "y", "x": il, "y": it,
                    "sizex": ir - il, "sizey": it - ib, "sizing": "stretch", "layer": "below", "opacity": 0.9}],
        "legend": {"bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 11}},
        "plot_bgcolor": "#ffffff",
        "shapes": [
            {"type": "circle", "xref": "x", "yref": "y", "x0": s.x - s.radius, "x1": s.x + s.radius,
             "y0": s.y - s.radius, "y1": s.y + s.radius, "line": {"color": SITE_STYLE["asset"][2], "width": 1.5,
                                                                   "dash": "dot"}, "layer": "above"}
            for s in layers.sites if s.kind == "asset" and s.radius > 0
        ],
    }


def _route_traces(layers: MapLayers, faint: bool = False) -> list[go.Scatter]:
    traces = []
    for civil in (False, True):
        xs, ys, text = [], [], []
        for r in (r for r in layers.routes if r.civil == civil):
            xs += [*r.x.tolist(), None]
            ys += [*r.y.tolist(), None]
            text += [escape(f"{r.id} ({r.type})")] * len(r.x) + [None]
        if not xs:
            continue
        traces.append(go.Scatter(
            x=xs, y=ys, text=text, hoverinfo="text", mode="lines" if faint else "lines+markers",
            name="civil routes" if civil else "threat routes", opacity=0.45 if faint else 0.9,
            line={"color": CIVIL if civil else THREAT, "width": 1.5 if faint else 2.5,
                  "dash": "dot" if civil else "solid"},
            marker={"size": 5}, legendgroup="routes"))
    if layers.corridors:
        xs, ys, text = [], [], []
        for c in layers.corridors:
            what = "P(detected)" if c.mode == "detection" else "P(engaged)"
            xs += [*c.x.tolist(), None]
            ys += [*c.y.tolist(), None]
            text += [escape(f"least-exposed corridor to {c.asset}: {c.type} at {c.height:g} m AGL, {what} "
                            f"{c.probability:.3g} as flown")] * len(c.x) + [None]
        traces.append(go.Scatter(x=xs, y=ys, text=text, hoverinfo="text", mode="lines",
                                 name="least-exposed corridors", opacity=0.45 if faint else 0.95,
                                 line={"color": CORRIDOR, "width": 1.5 if faint else 3, "dash": "dash"}))
    return traces


def px_per_km(layers: MapLayers, height: int = 720) -> float:
    """Screen pixels per km of the map as it opens (equal axes: the tighter of the two fits)."""
    left, bottom, right, top = layers.extent
    width_px, height_px = MAP_PLOT[0], MAP_PLOT[1] + (height - 720)
    return min(width_px / max(right - left, 1e-9), height_px / max(top - bottom, 1e-9))


def _site_traces(layers: MapLayers, labels: bool = True, height: int = 720) -> list[go.Scatter]:
    traces = []
    sites = layers.sites
    where = place_labels([s.x for s in sites], [s.y for s in sites], [len(s.id) for s in sites],
                         px_per_km(layers, height)) if labels and sites else ["top center"] * len(sites)
    position = {id(s): p for s, p in zip(sites, where, strict=True)}
    for kind, (name, symbol, colour) in SITE_STYLE.items():
        marks = [s for s in sites if s.kind == kind]
        if not marks:
            continue
        traces.append(go.Scatter(
            x=[s.x for s in marks], y=[s.y for s in marks], name=name,
            mode="markers+text" if labels else "markers",
            text=[escape(s.id) for s in marks], textposition=[position[id(s)] for s in marks],
            textfont={"size": 10, "color": "#111"},
            hovertext=[escape(f"{s.id}: {s.type}") for s in marks], hoverinfo="text",
            marker={"symbol": symbol, "size": 14 if kind == "asset" else 11, "color": colour,
                    "line": {"color": "white", "width": 1}}))
    return traces


def _link_traces(layers: MapLayers) -> list[go.Scatter]:
    traces = []
    groups = sorted({(lk.carries, lk.status) for lk in layers.links}, key=lambda g: (g[1] == "down", g[0]))
    for carries, status in groups:
        xs, ys, mx, my, hover = [], [], [], [], []
        for lk in (lk for lk in layers.links if (lk.carries, lk.status) == (carries, status)):
            xs += [*lk.x, None]
            ys += [*lk.y, None]
            mx.append(sum(lk.x) / 2)
            my.append(sum(lk.y) / 2)
            hover.append(escape(f"{lk.source} -> {lk.target}: {lk.carries}, {lk.status}"))
        down = status == "down"
        colour = LINK_DOWN if down else LINK_COLOURS.get(carries, "#555555")
        name = f"{carries} links" + (" DOWN" if down else "")
        traces.append(go.Scatter(x=xs, y=ys, mode="lines", name=name, hoverinfo="skip", legendgroup=name,
                                 line={"color": colour, "width": 2.5 if down else 1.8, "dash": "dash" if down else
                                       "solid"}))
        traces.append(go.Scatter(x=mx, y=my, mode="markers", hovertext=hover, hoverinfo="text", showlegend=False,
                                 legendgroup=name, marker={"size": 7, "color": colour, "symbol": "circle-open"}))
    return traces


def _coverage_traces(layers: MapLayers) -> list[go.Heatmap]:
    """One sequential layer: each cell coloured by the lowest band at which some sensor detects the threat
    types there (log scale of the height, a colour bar in metres); cells covered at no band are clear."""
    if not layers.coverage:
        return []
    bands = sorted(layers.coverage)
    lowest = np.full(next(iter(layers.coverage.values())).shape, np.nan)
    for band in reversed(bands):  # the lowest band written last
        lowest[layers.coverage[band]] = band
    logs = np.log10(bands)
    span = (float(logs[0]), float(logs[-1]) if len(bands) > 1 else float(logs[0]) + 1.0)
    z = np.round(np.log10(lowest), 4)
    return [go.Heatmap(
        x=layers.coverage_x, y=layers.coverage_y, z=z, zmin=span[0], zmax=span[1], colorscale=COVERAGE_SCALE,
        opacity=0.45, hoverinfo="skip", name="detection coverage", showlegend=False,
        colorbar={"title": {"text": "detected down to<br>[m above ground]", "side": "top"}, "tickvals": logs.tolist(),
                  "ticktext": [f"{b:g} m" for b in bands], "len": 0.45, "y": 0.02, "yanchor": "bottom", "x": 1.01,
                  "thickness": 14})]


SYMBOL_SPACING = 0.8
"""A map symbol's largest size as a fraction of the distance to its nearest other symbol."""


def symbol_images(layers: MapLayers, pixels: float, height: int = 720, flights: bool = True) -> list[dict]:
    """The units' military symbols at their sites and (``flights``) each flight's at the start of its route, as
    plotly layout images above the traces (hover still reads the markers beneath).

    A symbol's size is in map units, so it scales with the map when zoomed: its larger side is ``pixels`` at the
    zoom the map opens with, but at most :data:`SYMBOL_SPACING` of the distance to its nearest other symbol -
    both scale together, so neighbours keep apart at any zoom (symbols on one same point overlap whole). Each
    image keeps its symbol's aspect (sizing ``stretch`` with the symbol's own width and height) and is placed by
    its top left corner so that the standard's location point (milsymbol's anchor: the frame's centre, a
    headquarters staff's foot) lies on the site."""
    marks = [(s.x, s.y, s.sidc, s.kind) for s in layers.sites if s.sidc]
    if flights:
        marks += [(float(r.x[0]), float(r.y[0]), r.sidc, "civil" if r.civil else "aircraft")
                  for r in layers.routes if r.sidc and len(r.x)]
    if not marks:
        return []
    xy = np.array([(x, y) for x, y, _, _ in marks], float)
    gaps = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    gaps[gaps == 0] = np.inf  # itself; a symbol on the very same site would vanish, not keep apart
    largest = np.minimum(pixels / px_per_km(layers, height), SYMBOL_SPACING * gaps.min(axis=1))
    images = []
    for (x, y, sidc, kind), size in zip(marks, largest, strict=True):
        symbol = drawn(sidc, kind)
        scale = size / max(symbol.width, symbol.height)  # km per symbol pixel
        sizex, sizey = symbol.width * scale, symbol.height * scale
        fx, fy = symbol.anchor_fraction
        images.append({"source": data_uri(symbol), "xref": "x", "yref": "y", "x": x - fx * sizex,
                       "y": y + fy * sizey, "sizex": sizex, "sizey": sizey, "xanchor": "left", "yanchor": "top",
                       "sizing": "stretch", "layer": "above"})
    return images


def map_figure(layers: MapLayers, title: str, height: int = 720) -> go.Figure:
    """Sites by kind, links (down in red dashes), detection coverage per band above ground, threat and civil
    routes; the units' military symbols, and each flight's at its route's start (:func:`symbol_images`)."""
    layout = _map_layout(layers, title, height)
    layout["images"] += symbol_images(layers, MAP_PX, height)
    fig = go.Figure(layout=layout)
    for trace in (_coverage_traces(layers) + _route_traces(layers) + _link_traces(layers)
                  + _site_traces(layers, height=height)):
        fig.add_trace(trace)
    return fig


TRACKING_STYLE = (  # Status value -> (legend words, marker symbol, colour) of a flying threat
    (0, "threats no sensor holds", "triangle-right-open", "#7a7a7a"),
    (1, "threats detected (tentative tracks)", "triangle-right", "#f4a261"),
    (2, "threats tracked, not placed", "triangle-right", "#e76f51"),
    (3, "threats placed by the sensors", "triangle-right", "#c1121f"),
    (4, "threats in a fire unit's picture", "triangle-right", "#5c0010"),
)
UNIT_STYLE = (  # Status value -> (legend words, marker symbol, colour) of a unit
    (5, "units ready", "circle-open", "#1a7f37"),
    (6, "units down", "x-thin-open", "#d62728"),
    (7, "fire units: chain broken", "square-open", "#d62728"),
    (8, "fire units: waiting for authorisation", "diamond-open", "#e07b00"),
    (9, "fire units: guiding missiles", "square-open", "#ff006e"),
    (10, "fire units: reloading", "square-open", "#7a7a7a"),
    (11, "units away (relocating)", "circle-open-dot", "#c8c8c8"),
)
REPLAY_SYMBOL_PX = 18
"""A unit's symbol's largest size in the replay [px] at the zoom it opens with: inside its status ring (20 px)."""
MAX_TARGET_LABELS = 30
"""Targets named beside their markers in the replay up to this many (beyond, hover names them)."""


def replay_figure(layers: MapLayers, replay: Replay, fire_position: dict[str, tuple[float, float]], title: str,
                  height: int = 720, unit_ids: list[str] | None = None, unit_notes: dict[str, str] | None = None,
                  unit_chains: dict[str, set[str]] | None = None) -> dict:
    """An animation of one replication with a time slider. ``fire_position``: unit id -> world (x, y) [m] (every
    unit's). With the replay's recorded states, threats are drawn by how far the network got with them and
    units by their status, hover giving the reason (``unit_notes``: unit id -> why the audit finds it unable;
    ``unit_chains``: unit id -> the units it depends on alone, its guiding radars and single points of failure).
    The units' military symbols sit inside their status rings; the flights have none (a symbol is a layout image,
    which plotly does not animate: it would stay at the route's start while the flight moves).
    Returns
    the figure as plotly's JSON structure (a dict), its frames unvalidated plain traces."""
    from iadsim.events import STATUS_NAMES, STATUS_TEXT

    layout = _map_layout(layers, title, height)
    layout["images"] += symbol_images(layers, REPLAY_SYMBOL_PX, height, flights=False)
    fig = go.Figure(layout=layout)
    static = _route_traces(layers, faint=True) + _site_traces(layers, labels=False)
    for trace in static:
        fig.add_trace(trace)
    ids = np.array([escape(t) for t in replay.target_ids], dtype=object)
    kx, ky = layers.km(replay.position[..., 0], replay.position[..., 1])
    index = {tid: i for i, tid in enumerate(replay.target_ids)}
    named = len(replay.target_ids) <= MAX_TARGET_LABELS
    unit_ids = list(unit_ids or [])
    unit_notes, unit_chains = unit_notes or {}, unit_chains or {}
    ux, uy = (np.array(v, float) for v in layers.km(*np.array([fire_position.get(u, (np.nan, np.nan))
                                                                for u in unit_ids] or np.zeros((0, 2))).T))

    def points(name, sel, marker, f, text=True):
        return dict(type="scatter", x=kx[f, sel].tolist() or [None], y=ky[f, sel].tolist() or [None],
                    hovertext=ids[sel].tolist() or [None], hoverinfo="text",
                    mode="markers+text" if named and text else "markers",
                    text=ids[sel].tolist() or [None], textposition="top right",
                    textfont={"size": 9, "color": "#333"}, name=name, marker=marker)

    def frame_data(f: int) -> list[dict]:  # plain dicts: validating 200 frames of traces would take seconds
        st = replay.status[f]
        arm = replay.arm if replay.arm is not None else np.zeros(len(st), bool)
        decoy = replay.decoy if replay.decoy is not None else np.zeros(len(st), bool)
        flying = (st == FLYING) & ~replay.civil & ~arm & ~decoy
        out = []
        if replay.tracking is None:
            out.append(points("threats flying", flying, {"symbol": "triangle-right", "size": 12, "color": THREAT,
                                                          "line": {"color": "white", "width": 1}}, f))
        else:
            track = np.maximum(replay.tracking[f], 0)
            for code, name, symbol, colour in TRACKING_STYLE:
                out.append(points(name, flying & (track == code), {"symbol": symbol, "size": 12, "color": colour,
                                                                   "line": {"color": colour, "width": 1.5}}, f))
        for name, sel, marker in (
            ("anti-radiation missiles", (st == FLYING) & arm,
             {"symbol": "diamond", "size": 8, "color": THREAT, "line": {"color": "white", "width": 1}}),
            ("decoys", (st == FLYING) & decoy,
             {"symbol": "triangle-right-open", "size": 12, "color": THREAT, "line": {"color": THREAT, "width": 1.5}}),
            ("civil aircraft", (st == FLYING) & replay.civil,
             {"symbol": "circle", "size": 11, "color": CIVIL, "line": {"color": "white", "width": 1}}),
            ("killed", st == KILLED, {"symbol": "x", "size": 13, "color": "#111111"}),
            ("leaked", st == LEAKED, {"symbol": "star-triangle-up", "size": 15, "color": "#ff9f1c",
                                      "line": {"color": "#111", "width": 1}}),
        ):
            out.append(points(name, sel, marker, f, text=name != "killed"))
        if replay.units is not None and unit_ids:
            codes = replay.units[f]
            down = [u for u, c in zip(unit_ids, codes, strict=True) if c == 6]
            for code, name, symbol, colour in UNIT_STYLE:
                sel = np.flatnonzero(codes == code)
                hover = []
                for i in sel:
                    why = STATUS_TEXT[STATUS_NAMES[code]]
                    if code == 7:
                        why += ": " + _chain_reason(unit_ids[i], down, unit_chains.get(unit_ids[i], ()),
                                                    unit_notes.get(unit_ids[i]))
                    hover.append(escape(f"{unit_ids[i]}: {why}"))
                out.append(dict(type="scatter", x=ux[sel].tolist() or [None], y=uy[sel].tolist() or [None],
                                hovertext=hover or [None], hoverinfo="text", mode="markers", name=name,
                                marker={"symbol": symbol, "size": 20, "color": colour,
                                        "line": {"color": colour, "width": 2.5}}))
        t = replay.times[f]
        xs, ys, hover = [], [], []
        for e in replay.engagements:
            if e.launch_time <= t <= e.launch_time + e.time_of_flight and e.fire_unit in fire_position \
                    and e.target in index:
                fx, fy = layers.km(*fire_position[e.fire_unit])
                i = index[e.target]
                frac = (t - e.launch_time) / max(e.time_of_flight, 1e-9)
                # the missile flies straight to its aim point or kill point (the target's, if the run gave none)
                ax, ay = layers.km(e.aim[0], e.aim[1]) if np.isfinite(e.aim[0]) else (kx[f, i], ky[f, i])
                xs += [float(fx), float(fx + frac * (ax - fx)), None]
                ys += [float(fy), float(fy + frac * (ay - fy)), None]
                hover += [escape(f"{e.fire_unit} -> {e.target}"), escape(f"missile at {e.target}"), None]
        out.append(dict(type="scatter", x=xs or [None], y=ys or [None], hovertext=hover or [None], hoverinfo="text",
                        mode="lines+markers", name="missiles in flight",
                        line={"color": "#ff006e", "width": 2}, marker={"size": 6, "color": "#ff006e"}))
        return out

    first = frame_data(0)
    for trace in first:
        fig.add_trace(trace)
    animated = list(range(len(static), len(static) + len(first)))
    names = [str(i) for i in range(len(replay.times))]
    step_args = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}
    fig.update_layout(
        updatemenus=[{
            "type": "buttons", "direction": "left", "x": 0.0, "y": -0.06, "xanchor": "left", "yanchor": "top",
            "pad": {"r": 10, "t": 10}, "showactive": False,
            "buttons": [
                {"label": "Play", "method": "animate",
                 "args": [None, {"frame": {"duration": 80, "redraw": False}, "fromcurrent": True,
                                 "transition": {"duration": 0}}]},
                {"label": "Pause", "method": "animate", "args": [[None], step_args]},
            ],
        }],
        sliders=[{
            "active": 0, "x": 0.12, "y": -0.04, "len": 0.88, "xanchor": "left", "yanchor": "top",
            "pad": {"t": 30}, "currentvalue": {"prefix": "t = ", "suffix": " (min:s)", "font": {"size": 13}},
            "steps": [{"label": mmss(t), "method": "animate", "args": [[names[f]], step_args]}
                      for f, t in enumerate(replay.times)],
        }],
        margin={"b": 120},
    )
    out = fig.to_plotly_json()
    out["frames"] = [{"data": frame_data(f), "traces": animated, "name": names[f]} for f in range(len(replay.times))]
    return out


def _chain_reason(unit: str, down: list[str], chain, note: str | None) -> str:
    """Why a fire unit's chain is broken now, as far as the replay knows: the units down in its chain (its guiding
    radars and single points of failure), else the audit's reason, else the units down anywhere."""
    mine = [u for u in down if u in chain and u != unit]
    if mine:
        return f"down now in its chain: {', '.join(mine)}"
    if note:
        return note
    others = [u for u in down if u != unit]
    return ("a sensor, link or command post it needs is down (down now: " + ", ".join(others) + ")" if others
            else "a sensor, link or command post it needs is down or missing")


def metrics_figure(summaries: list[dict], metrics=None) -> go.Figure:
    """One small bar chart per metric (default: the replication metrics of the registry but the per-layer and cost
    ones, which have their own sections): each variant's mean
    with its 95 % confidence interval."""
    metrics = [m for m in replication_names() if not METRICS[m].optional] if metrics is None else metrics
    shown = [m for m in metrics if any(_stat(s, m)["mean"] is not None for s in summaries)]
    cols = 3
    rows = max(1, math.ceil(len(shown) / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[label(m) for m in shown],
                        vertical_spacing=0.14, horizontal_spacing=0.08)
    for v, summary in enumerate(summaries):
        name = escape(str(summary.get("name", f"run {v + 1}")))
        colour = VARIANT_COLOURS[v % len(VARIANT_COLOURS)]
        for i, metric in enumerate(shown):
            stat = _stat(summary, metric)
            mean = stat["mean"]
            lo, hi = stat["ci95"]
            fig.add_trace(go.Bar(
                x=[name], y=[mean], name=name, legendgroup=name, showlegend=i == 0, marker_color=colour,
                error_y={"type": "data", "symmetric": False,
                         "array": [None if hi is None or mean is None else hi - mean],
                         "arrayminus": [None if lo is None or mean is None else mean - lo], "thickness": 1.5},
                hovertemplate="%{x}<br>mean %{y:.3g}<extra>" + label(metric) + "</extra>"),
                row=i // cols + 1, col=i % cols + 1)
    for i, metric in enumerate(shown):
        fig.update_yaxes(title_text=escape(unit_of(metric)), title_font={"size": 10}, row=i // cols + 1,
                         col=i % cols + 1)
    fig.update_xaxes(showticklabels=False)
    fig.update_layout(height=260 * rows + 80, margin={"l": 50, "r": 20, "t": 60, "b": 30}, barmode="group",
                      legend={"orientation": "h", "y": 1.06, "x": 0}, plot_bgcolor="#fafafa")
    return fig


def _stat(summary: dict, metric: str) -> dict:
    stat = summary.get("metrics", {}).get(metric)
    if not stat:
        return {"mean": None, "ci95": [None, None], "n": 0}
    return stat


def series_figure(runs: list[tuple[str, object]]) -> go.Figure:
    """One small line chart per time series (:data:`iadsim.analysis.metrics.REPORTERS`): each run's mean over its
    replications against time. ``runs``: (name, DataFrame with ``time`` and one column per series)."""
    names = [c for c in dict.fromkeys(c for _, f in runs for c in f.columns if c != "time")]
    cols = 3
    rows = max(1, math.ceil(len(names) / cols))
    titles = [escape(REPORTERS[n].label) if n in REPORTERS else escape(n.replace("_", " ")) for n in names]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, vertical_spacing=0.16, horizontal_spacing=0.08)
    for v, (run, frame) in enumerate(runs):
        colour = VARIANT_COLOURS[v % len(VARIANT_COLOURS)]
        minutes = frame["time"].to_numpy(dtype=float) / 60.0
        for i, name in enumerate(names):
            if name not in frame:
                continue
            fig.add_trace(go.Scatter(x=minutes, y=frame[name].to_numpy(dtype=float), mode="lines",
                                     name=escape(str(run)), legendgroup=escape(str(run)), showlegend=i == 0,
                                     line={"color": colour, "width": 1.6},
                                     hovertemplate="%{x:.1f} min: %{y:.2f}<extra></extra>"),
                          row=i // cols + 1, col=i % cols + 1)
    for i, name in enumerate(names):
        unit = REPORTERS[name].unit if name in REPORTERS else ""
        fig.update_yaxes(title_text=escape(unit), title_font={"size": 10}, row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(title_text="time from the start [min]")
    fig.update_layout(height=250 * rows + 90, margin={"l": 50, "r": 20, "t": 60, "b": 40},
                      legend={"orientation": "h", "y": 1.08, "x": 0}, plot_bgcolor="#fafafa")
    return fig

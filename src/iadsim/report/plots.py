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
from iadsim.report.layers import MapLayers
from iadsim.report.replay import FLYING, KILLED, LEAKED, Replay

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
BAND_COLOURS = ("#08306b", "#2171b5", "#6baed6", "#c6dbef")
VARIANT_COLOURS = ("#c1121f", "#1a7f37", "#1f4e99", "#e07b00", "#7b2d8e", "#555555")


def label(metric: str) -> str:
    """A metric's words (:data:`iadsim.analysis.metrics.METRICS`), or its name spelt out when not registered."""
    return METRICS[metric].label if metric in METRICS else metric.replace("_", " ")


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
    return traces


def _site_traces(layers: MapLayers, labels: bool = True) -> list[go.Scatter]:
    traces = []
    for kind, (name, symbol, colour) in SITE_STYLE.items():
        marks = [s for s in layers.sites if s.kind == kind]
        if not marks:
            continue
        traces.append(go.Scatter(
            x=[s.x for s in marks], y=[s.y for s in marks], name=name,
            mode="markers+text" if labels else "markers",
            text=[escape(s.id) for s in marks], textposition="top center", textfont={"size": 10, "color": "#111"},
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
    traces = []
    bands = sorted(layers.coverage, reverse=True)  # highest band (largest area) underneath
    for i, band in enumerate(bands):
        colour = BAND_COLOURS[len(bands) - 1 - i] if len(bands) <= len(BAND_COLOURS) else BAND_COLOURS[0]
        z = layers.coverage[band].astype(np.uint8)  # 0/1, sent as a compact typed array
        traces.append(go.Heatmap(
            x=layers.coverage_x, y=layers.coverage_y, z=z, zmin=0, zmax=1, showscale=False, hoverinfo="skip",
            colorscale=[[0, "rgba(0,0,0,0)"], [0.5, "rgba(0,0,0,0)"], [0.5001, colour], [1, colour]], opacity=0.3,
            name=f"detected at {band:g} m AGL",
            showlegend=True, legendgroup=f"band{band:g}"))
    return traces


def map_figure(layers: MapLayers, title: str, height: int = 720) -> go.Figure:
    """Sites by kind, links (down in red dashes), detection coverage per band above ground, threat and civil
    routes."""
    fig = go.Figure(layout=_map_layout(layers, title, height))
    for trace in _coverage_traces(layers) + _route_traces(layers) + _link_traces(layers) + _site_traces(layers):
        fig.add_trace(trace)
    return fig


def replay_figure(layers: MapLayers, replay: Replay, fire_position: dict[str, tuple[float, float]], title: str,
                  height: int = 720) -> go.Figure:
    """An animation of one replication with a time slider. ``fire_position``: unit id -> world (x, y) [m]."""
    fig = go.Figure(layout=_map_layout(layers, title, height))
    static = _route_traces(layers, faint=True) + _site_traces(layers, labels=False)
    for trace in static:
        fig.add_trace(trace)
    ids = np.array([escape(t) for t in replay.target_ids], dtype=object)
    kx, ky = layers.km(replay.position[..., 0], replay.position[..., 1])
    index = {tid: i for i, tid in enumerate(replay.target_ids)}

    def frame_data(f: int) -> list[go.Scatter]:
        st = replay.status[f]
        out = []
        for name, sel, marker in (
            ("threats flying", (st == FLYING) & ~replay.civil,
             {"symbol": "triangle-right", "size": 12, "color": THREAT, "line": {"color": "white", "width": 1}}),
            ("civil aircraft", (st == FLYING) & replay.civil,
             {"symbol": "circle", "size": 11, "color": CIVIL, "line": {"color": "white", "width": 1}}),
            ("killed", st == KILLED, {"symbol": "x", "size": 13, "color": "#111111"}),
            ("leaked", st == LEAKED, {"symbol": "star-triangle-up", "size": 15, "color": "#ff9f1c",
                                      "line": {"color": "#111", "width": 1}}),
        ):
            out.append(go.Scatter(x=kx[f, sel].tolist() or [None], y=ky[f, sel].tolist() or [None],
                                  hovertext=ids[sel].tolist() or [None], hoverinfo="text", mode="markers",
                                  name=name, marker=marker))
        t = replay.times[f]
        xs, ys, hover = [], [], []
        for e in replay.engagements:
            if e.launch_time <= t <= e.launch_time + e.time_of_flight and e.fire_unit in fire_position \
                    and e.target in index:
                fx, fy = layers.km(*fire_position[e.fire_unit])
                i = index[e.target]
                frac = (t - e.launch_time) / max(e.time_of_flight, 1e-9)
                # the missile flies straight to its aim point (the target's, if the run gave none)
                ax, ay = layers.km(e.aim[0], e.aim[1]) if np.isfinite(e.aim[0]) else (kx[f, i], ky[f, i])
                xs += [float(fx), float(fx + frac * (ax - fx)), None]
                ys += [float(fy), float(fy + frac * (ay - fy)), None]
                hover += [escape(f"{e.fire_unit} -> {e.target}"), escape(f"missile at {e.target}"), None]
        out.append(go.Scatter(x=xs or [None], y=ys or [None], hovertext=hover or [None], hoverinfo="text",
                              mode="lines+markers", name="missiles in flight",
                              line={"color": "#ff006e", "width": 2}, marker={"size": 6, "color": "#ff006e"}))
        return out

    first = frame_data(0)
    for trace in first:
        fig.add_trace(trace)
    animated = list(range(len(static), len(static) + len(first)))
    names = [str(i) for i in range(len(replay.times))]
    fig.frames = [go.Frame(data=frame_data(f), traces=animated, name=names[f]) for f in range(len(replay.times))]
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
    return fig


def metrics_figure(summaries: list[dict], metrics=None) -> go.Figure:
    """One small bar chart per metric (default: the replication metrics of the registry): each variant's mean
    with its 95 % confidence interval."""
    metrics = replication_names() if metrics is None else metrics
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
    fig.update_xaxes(title_text="minutes")
    fig.update_layout(height=250 * rows + 90, margin={"l": 50, "r": 20, "t": 60, "b": 40},
                      legend={"orientation": "h", "y": 1.08, "x": 0}, plot_bgcolor="#fafafa")
    return fig

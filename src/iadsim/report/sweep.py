"""Sweep results in the report: a tornado chart of each parameter's effect on leakers and a trade-off chart of two
metrics (the sweep file's ``tradeoff``: by default leakers against wrongful engagements).

A sweep folder written by :func:`iadsim.analysis.sweep.run_sweep` (``points.json`` and per-replication
Parquet files under ``results/``) is read with :mod:`iadsim.analysis.sweep.store`: an ``oat`` design through
:func:`iadsim.analysis.sensitivity.tornado` (each factor's low and high level against the base point), any
other design as main effects (each factor level's mean over the means of the points at that level).

Otherwise a sweep folder holds one table of sweep points, read from the first of ``results.parquet``,
``results.csv`` or ``sweep.json`` (``{"baseline": {...}, "points": [{...}, ...]}``). Each point has a
``parameter`` (name), a ``value`` and metric means, named ``<metric>_mean`` (as in a run's summary) or
``<metric>``. A point whose parameter is ``"baseline"`` (or a ``baseline`` column that is true) is the
reference; without one the median over all points is used.
"""

from __future__ import annotations

import io
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from iadsim.analysis.metrics import METRICS, replication_names
from iadsim.analysis.sensitivity import tornado
from iadsim.analysis.sweep import store
from iadsim.analysis.sweep.designs import level_text
from iadsim.analysis.tradeoff import Tradeoff, parse_tradeoff
from iadsim.scenario import InputError
from iadsim.scenario.yamlio import MAX_JSON_BYTES, read_bytes, read_json

OUTCOME = "leakers"
COST = "wrongful_engagements"


def load_sweep_table(sweep_dir: str | Path) -> pd.DataFrame | None:
    """The sweep points as a table with ``parameter``, ``value``, ``baseline`` and metric columns, or None."""
    folder = Path(sweep_dir)
    table = None
    if (folder / store.POINTS).is_file():
        table = _from_run_sweep(folder)
    elif (folder / "results.parquet").exists():
        table = _read_table(folder / "results.parquet", lambda data: pd.read_parquet(io.BytesIO(data)))
    elif (folder / "results.csv").exists():
        table = _read_table(folder / "results.csv", lambda data: pd.read_csv(io.BytesIO(data)))
    elif (folder / "sweep.json").exists():
        data = read_json(folder / "sweep.json", what="sweep table")
        try:
            rows = [dict(p) for p in data.get("points", [])]
            if data.get("baseline"):
                rows.append({"parameter": "baseline", "value": "", **data["baseline"]})
        except (AttributeError, TypeError, ValueError):
            raise InputError(folder / "sweep.json", "expected {points: [{parameter, value, leakers, ...}], "
                             "baseline: {...}}") from None
        table = pd.DataFrame(rows)
    if table is None or table.empty or "parameter" not in table:
        return None
    table = table.copy()
    for metric in (OUTCOME, COST):
        if metric not in table and f"{metric}_mean" in table:
            table[metric] = table[f"{metric}_mean"]
    if OUTCOME not in table:
        return None
    table.attrs.setdefault("tradeoff", (COST, OUTCOME))
    if "value" not in table:
        table["value"] = ""
    flag = table["baseline"].astype(bool) if "baseline" in table else pd.Series(False, index=table.index)
    table["baseline"] = flag | (table["parameter"].astype(str) == "baseline")
    return table


def _read_table(path: Path, parse) -> pd.DataFrame:
    """A user's sweep table, read with a size bound; InputError (never the parser's text) when it cannot be."""
    data = read_bytes(path, MAX_JSON_BYTES, "sweep table")
    try:
        return parse(data)
    except Exception:  # pandas and pyarrow raise many types; their messages may quote the file
        raise InputError(path, "cannot be read as a table of parameter, value and metric columns") from None


def _from_run_sweep(folder: Path) -> pd.DataFrame | None:
    """One row per (factor, level) of a run_sweep folder, and a baseline row; None without results."""
    if not store.completed_units(folder):
        return None
    if not store.is_complete(folder):  # (its tornado and trade-off would be drawn from the points finished so far)
        raise InputError(folder, f"is an unfinished sweep: {store.unfinished_advice(folder)}, then report it")
    meta = store.read_points(folder)
    pair = tuple(m.partition(":")[0] for m in (meta.get("tradeoff") or (COST, OUTCOME)))
    if meta.get("design") == "oat":  # (the tornado reads stored columns: a ratio or derived metric has none)
        table = _from_tornado(folder, tuple(m for m in pair if m in replication_names()))
        table.attrs["tradeoff"] = pair
        return table
    results = store.load_results(folder)
    metrics = [m for m in dict.fromkeys((OUTCOME, COST, *pair)) if m in results]
    if OUTCOME not in metrics:
        return None
    means = results.groupby("point")[metrics].mean()
    values = store.points_frame(folder).drop(columns=["seed"])
    joined = values.merge(means, left_on="point", right_index=True)
    if joined.empty:
        return None
    rows = []
    for factor in (f["name"] for f in meta.get("factors", [])):
        for value, group in joined.groupby(factor, sort=True):
            rows.append({"parameter": factor, "value": value, **group[metrics].mean().to_dict()})
    rows.append({"parameter": "baseline", "value": "mean over all points", **means.mean().to_dict()})
    table = pd.DataFrame(rows)
    table.attrs["tradeoff"] = pair
    return table


def _from_tornado(folder: Path, pair: tuple = ()) -> pd.DataFrame:
    """An ``oat`` sweep through :func:`iadsim.analysis.sensitivity.tornado`: rows in its order (largest swing
    of leakers first), each factor at its low and high level, and the base point; columns leakers, wrongful
    engagements and the trade-off ``pair``."""
    outcome = tornado(folder, OUTCOME)
    others = {m: tornado(folder, m).set_index("factor") for m in dict.fromkeys((COST, *pair)) if m != OUTCOME}
    rows = [{"parameter": "baseline", "value": "base values", OUTCOME: outcome["base_mean"].iloc[0],
             **{m: t["base_mean"].iloc[0] for m, t in others.items()}}]
    for row in outcome.itertuples(index=False):
        for level in ("low", "high"):
            rows.append({"parameter": row.factor, "value": getattr(row, level),
                         OUTCOME: getattr(row, f"{level}_mean"),
                         **{m: t.loc[row.factor, f"{level}_mean"] for m, t in others.items()}})
    return pd.DataFrame(rows)


def tornado_figure(table: pd.DataFrame, metric: str = OUTCOME) -> go.Figure:
    """Horizontal bars from each parameter's lowest to highest effect on ``metric``, widest on top."""
    base_rows = table[table["baseline"]]
    values = pd.to_numeric(table[metric], errors="coerce")
    baseline = float(pd.to_numeric(base_rows[metric], errors="coerce").mean()) if len(base_rows) else \
        float(np.nanmedian(values))
    spans = []
    for parameter, group in table[~table["baseline"]].groupby("parameter", sort=False):
        y = pd.to_numeric(group[metric], errors="coerce")
        if y.notna().any():
            lo_i, hi_i = y.idxmin(), y.idxmax()
            spans.append((str(parameter), float(y.min()), float(y.max()), group.loc[lo_i, "value"],
                          group.loc[hi_i, "value"]))
    spans.sort(key=lambda s: s[2] - s[1], reverse=True)  # widest first; ties keep the table's order
    spans.reverse()  # plotly draws the first category at the bottom: widest on top
    fig = go.Figure()
    names = [escape(s[0]) for s in spans]
    fig.add_trace(go.Bar(y=names, x=[min(s[1], baseline) - baseline for s in spans], base=baseline,
                         orientation="h", name="level giving the lowest", marker_color="#1a7f37",
                         hovertext=[escape(f"{s[0]} = {s[3]}: {s[1]:.3g}") for s in spans], hoverinfo="text"))
    fig.add_trace(go.Bar(y=names, x=[max(s[2], baseline) - baseline for s in spans], base=baseline,
                         orientation="h", name="level giving the highest", marker_color="#c1121f",
                         hovertext=[escape(f"{s[0]} = {s[4]}: {s[2]:.3g}") for s in spans], hoverinfo="text"))
    for trace, level in ((0, 3), (1, 4)):  # each bar's end names its level
        fig.data[trace].text = [escape(f"{s[0]} = {s[level]}") for s in spans]
        fig.data[trace].textposition = "outside"
        fig.data[trace].cliponaxis = False
        fig.data[trace].textfont = {"size": 10}
    fig.add_vline(x=baseline, line_dash="dot", line_color="#333")
    fig.update_layout(barmode="overlay", height=120 + 40 * max(len(spans), 1),
                      title={"text": f"Tornado: range of mean {metric.replace('_', ' ')} over each parameter"},
                      xaxis={"title": {"text": f"mean {metric.replace('_', ' ')} per replication (baseline "
                                               f"{baseline:.3g}, dotted)"}},
                      yaxis={"title": {"text": "factor"}},
                      margin={"l": 160, "r": 20, "t": 50, "b": 50})
    return fig


def tradeoff_figure(table: pd.DataFrame) -> go.Figure:
    """The sweep's trade-off (``table.attrs["tradeoff"]``: cost, outcome; by default mean leakers against mean
    wrongful engagements), one point per sweep point, coloured by parameter."""
    cost, outcome = table.attrs.get("tradeoff", (COST, OUTCOME))
    fig = go.Figure()
    missing = [m for m in (cost, outcome) if m not in table]
    if missing:
        fig.add_annotation(text=escape(f"the sweep has no {' or '.join(missing)} metric"), showarrow=False)
        return fig
    for parameter, group in table.groupby("parameter", sort=False):
        fig.add_trace(go.Scatter(
            x=pd.to_numeric(group[cost], errors="coerce"), y=pd.to_numeric(group[outcome], errors="coerce"),
            mode="markers+lines+text" if parameter != "baseline" else "markers+text",
            name=escape(str(parameter)),
            text=[escape(str(v)) for v in group["value"]], textposition="top center", textfont={"size": 10},
            hovertext=[escape(f"{parameter} = {v}") for v in group["value"]], hoverinfo="text+x+y",
            marker={"size": 14 if parameter == "baseline" else 9,
                    "symbol": "star" if parameter == "baseline" else "circle"}))
    x_label, y_label = (_axis_label(m) for m in (cost, outcome))
    fig.update_layout(title={"text": escape(f"Trade-off: {_name(outcome)} against {_name(cost)}")}, height=480,
                      xaxis={"title": {"text": x_label}}, yaxis={"title": {"text": y_label}},
                      margin={"l": 60, "r": 20, "t": 50, "b": 50})
    return fig


def _name(metric: str) -> str:
    """A metric's words (its registry label; the name itself for one no longer registered)."""
    return METRICS[metric].label if metric in METRICS else metric.replace("_", " ")


def _axis_label(metric: str) -> str:
    unit = f" [{METRICS[metric].unit}]" if metric in METRICS and METRICS[metric].unit else ""
    return escape(f"mean {_name(metric)}{unit}")


def sweep_pair(folder: Path) -> Tradeoff:
    """The trade-off a sweep folder asks for (its sweep file's ``tradeoff``; default wrongful engagements against
    leakers), each metric with the way that is better ("" for a pair stored without one by an older iadsim: no
    front is drawn)."""
    meta = store.read_points(folder)
    return parse_tradeoff(",".join(meta.get("tradeoff") or (COST, OUTCOME)), what=str(folder / store.POINTS),
                          directions=False)


def pareto_figure(table: pd.DataFrame, pair: Tradeoff, factors: list[str]) -> go.Figure:
    """Every sweep point at its two metrics' values (95 % intervals as error bars; one unbounded above reaches past
    the highest bound drawn, and its hover says so), the Pareto front's points ringed and joined in order of the x
    metric (:func:`iadsim.analysis.tradeoff.tradeoff_table`)."""
    x, y = pair.x, pair.y

    def unbounded(row, m: str) -> bool:
        return bool(np.isinf(pd.to_numeric(row[f"{m}_ci_high"], errors="coerce")))

    def hover(row) -> str:
        levels = ", ".join(f"{f} = {level_text(row[f])}" for f in factors if f in row)
        open_ = [_name(m) for m in (x, y) if unbounded(row, m)]
        return escape(f"point {int(row['point'])}: {levels}" + (f" ({', '.join(open_)}: no upper bound)"
                                                                   if open_ else ""))

    def bars(m: str) -> dict:
        value = pd.to_numeric(table[m], errors="coerce")
        high = pd.to_numeric(table[f"{m}_ci_high"], errors="coerce")
        finite = high[np.isfinite(high)]
        reach = (float(finite.max()) if len(finite) else float(value.max())) * 1.15
        high = high.where(~np.isinf(high), max(reach, float(value.max()) * 1.15 if value.notna().any() else 0.0))
        low = pd.to_numeric(table[f"{m}_ci_low"], errors="coerce")
        return {"type": "data", "symmetric": False, "array": (high - value).fillna(0).clip(lower=0),
                "arrayminus": (value - low).fillna(0).clip(lower=0), "thickness": 1, "color": "#9aa3af"}

    fig = go.Figure()
    fig.add_trace(go.Scatter(x=table[x], y=table[y], mode="markers", name="sweep points", error_x=bars(x),
                             error_y=bars(y), marker={"size": 8, "color": "#1f4e99"},
                             hovertext=[hover(row) for _, row in table.iterrows()], hoverinfo="text+x+y"))
    if pair.better_x and pair.better_y:
        front = table[table["pareto"]].sort_values(x)
        fig.add_trace(go.Scatter(x=front[x], y=front[y], mode="lines+markers", name="Pareto front",
                                 line={"color": "#c1121f", "dash": "dot"},
                                 marker={"size": 14, "color": "rgba(0,0,0,0)", "line": {"color": "#c1121f",
                                                                                        "width": 2}},
                                 hovertext=[hover(row) for _, row in front.iterrows()], hoverinfo="text+x+y"))
        title = (f"Trade-off across the sweep's points: {_name(y)} ({pair.better_y} is better) against {_name(x)} "
                 f"({pair.better_x} is better)")
    else:
        title = (f"Trade-off across the sweep's points: {_name(y)} against {_name(x)} (no Pareto front: the sweep "
                 "file does not say which way is better, e.g. engagements:lower)")
    fig.update_layout(title={"text": escape(title, quote=False)}, height=480,
                      xaxis={"title": {"text": _point_label(x)}}, yaxis={"title": {"text": _point_label(y)}},
                      margin={"l": 60, "r": 20, "t": 50, "b": 50})
    return fig


def _point_label(metric: str) -> str:
    kind = "ratio of totals" if metric in METRICS and METRICS[metric].ratio_of else "mean"
    unit = f" [{METRICS[metric].unit}]" if metric in METRICS and METRICS[metric].unit else ""
    return escape(f"{_name(metric)} ({kind}){unit}")

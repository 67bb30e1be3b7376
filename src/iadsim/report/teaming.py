"""The report's human-machine teaming section (issue 27; docs/engine.md, "Human-machine teaming").

Read from run folders only: each run's decisions (``decisions/``, :data:`iadsim.events.DECISION_DTYPES`; a run
without automation has none, and the section is left out), its summary's measures, and the classifier's configured
confusion matrix from the run's stored scenario. Per run:

* **The classifier's calls against its matrix.** Per target profile, the share of calls given each label, beside
  the configured probability. With persistent identification a target keeps its first call for the whole run, so
  each (replication, target)'s first decision is one call; otherwise every decision is.
* **The operators.** The recommendations to engage an operator weighed, the share accepted and the mean
  acceptance probability the model gave them, over those no valid IFF reply vetoed first (the two agree when the
  model holds), the IFF cross-checks and the
  valid replies they got, the launches, and the vetoes per replication.
* **The outcome.** Fratricide, the probability of a fratricidal engagement, friendly aircraft and civil aircraft
  engaged, leakers and the mean time from nomination to launch, with 95 % intervals (the run's summary).
* **Acceptance against workload.** The recommendations to engage an operator weighed without a valid IFF reply
  to a cross-check (a reply vetoes whatever the model says), binned by the operator's workload
  (:func:`workload_bins`: up to :data:`WORKLOAD_BINS` bins of about equal numbers of decisions, each workload
  value's decisions in one bin, none with fewer than :data:`LEAST_PER_BIN` unless there are fewer in all); per
  bin the share accepted with its 95 % Wilson interval beside the model's mean acceptance probability
  (:func:`acceptance_by_workload`). The two agree when the model holds. A run whose operators weighed nothing
  (autonomous) has no such rows; decisions without a finite workload are left out and counted.

Given a sweep folder whose factors include the operators' trust (``authority.automation.operator.trust``), the
trade-off curves: :data:`CURVES` -- the probability of a fratricidal engagement, the mean leakers, wrongful
engagements and time from nomination to launch -- against trust, one curve per authority mode (the
``authority.mode`` factor, when swept), each point's mean with its 95 % interval
(:func:`iadsim.analysis.metrics.metric_stat` over the point's replications, as
:func:`iadsim.analysis.tradeoff.tradeoff_table`). A measure whose columns the sweep's results do not hold, or
with no value at any point, is left out of the figure and the table with a note.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from iadsim.analysis.intervals import interval_text, wilson
from iadsim.analysis.metrics import METRICS, is_money, metric_stat
from iadsim.analysis.sweep import store
from iadsim.analysis.sweep.load import TRUST
from iadsim.report.explain import number, percent
from iadsim.report.plots import label, unit_of
from iadsim.report.run import Run
from iadsim.scenario import InputError
from iadsim.scenario.models import LABELS
from iadsim.scenario.relocation import home_of

__all__ = ["CURVES", "LEAST_PER_BIN", "MODE", "OUTCOMES", "TRUST", "WORKLOAD_BINS", "acceptance_by_workload",
           "calls", "classifier_table", "operator_row", "teaming_html", "trust_curves", "trust_figure",
           "workload_bins", "workload_figure"]

log = logging.getLogger(__name__)

MODE = "authority.mode"
"""The sweep factor giving one curve per level."""
OUTCOMES = ("fratricide", "p_fratricide", "friendly_killed", "wrongful_engagements", "leakers", "vetoes",
            "reaction_time")
"""The measures the section shows per run (the summary's means and intervals)."""
CURVES = ("p_fratricide", "leakers", "wrongful_engagements", "reaction_time")
"""The sweep's trade-off curves: each against trust (a panel each, in this order)."""
WORKLOAD_BINS = 5
"""At most this many workload bins."""
LEAST_PER_BIN = 20
"""A workload bin holds at least this many decisions (unless there are fewer in all: then one bin)."""
COLOURS = ("#1f4e99", "#c1121f", "#1a7f37", "#7a5200", "#6f42c1", "#5b6270")


def teaming_html(figure: Callable, runs: list[Run], sweep_dir: Path | None = None) -> str | None:
    """The section's HTML, or None when no run has decisions and the sweep (if any) varies no trust: the section
    is then left out. ``figure``: the report's function turning a plotly figure into HTML."""
    with_decisions = [run for run in runs if run.decisions is not None]
    curves = trust_curves(sweep_dir) if sweep_dir is not None else None
    if not with_decisions and not isinstance(curves, pd.DataFrame):
        return None
    parts = []
    if with_decisions:
        parts.append(_runs_table(with_decisions))
        for run in with_decisions:
            parts.append(classifier_table(run))
        bins = [(run.name, acceptance_by_workload(run.decisions)) for run in with_decisions]
        bins = [(name, table) for name, table in bins if len(table) or table.attrs.get("left_out")]
        if bins:  # (none when no operator weighed a recommendation: autonomous)
            drawn = [(name, table) for name, table in bins if len(table)]
            parts.append((figure(workload_figure(drawn)) if drawn else "") + _workload_table(bins))
    if isinstance(curves, pd.DataFrame):
        parts.append(figure(trust_figure(curves)) + _curves_table(curves))
    elif isinstance(curves, str):
        parts.append(curves)
    parts.append("<p class=note>The automation's classifier recommends each engagement; the operators accept or "
                 "veto by a logistic model of trust, the classifier's confidence, time pressure, workload and time "
                 "on task (docs/engine.md, \"Human-machine teaming\"). Read from the run folders' decisions.</p>")
    return "".join(parts)


# ---------------------------------------------------------------------------------------------- one run


def calls(decisions: pd.DataFrame, persistent: bool) -> pd.DataFrame:
    """The classifier's calls: each (replication, target)'s first decision with persistent identification (the
    call stands for the run), else every decision."""
    if not persistent:
        return decisions
    order = decisions.sort_values(["replication", "time"], kind="stable")
    return order.drop_duplicates(["replication", "target"], keep="first")


def _automation(run: Run):
    """The run's automation settings from its stored scenario (None when it cannot be read)."""
    try:
        return run.scenario.spec.authority
    except Exception as exc:  # the map section says why the scenario cannot be read; here the matrix is missing
        log.debug("no scenario for %s: %s", run.path, exc)
        return None


def classifier_table(run: Run) -> str:
    """Per classifier (the default, then each fire unit's own, ``automation.classifiers``) and target profile: the
    calls, and per label the share observed beside the configured probability."""
    authority = _automation(run)
    automation = getattr(authority, "automation", None)
    persistent = bool(getattr(getattr(authority, "identification", None), "persistent", False))
    table = calls(run.decisions, persistent)
    own = dict(getattr(automation, "classifiers", None) or {})
    ids = run.unit_ids if own else []  # (the units' ids only to find the fire units with their own)
    homes = [home_of(ids[u])[0] if 0 <= u < len(ids) else "" for u in table["unit"].to_numpy()]
    table = table.assign(_classifier=[h if h in own else "" for h in homes])
    head = "".join(f"<th>{escape(lab)}</th>" for lab in LABELS)
    rows = []
    for (name, profile), group in table.groupby(["_classifier", "profile"], sort=True):
        classifier = own[name] if name else getattr(automation, "classifier", None)
        matrix = classifier.confusion if classifier is not None else {}
        n = len(group)
        counts = group["label"].value_counts()
        configured = matrix.get(profile, {})
        cells = []
        for lab in LABELS:
            share = counts.get(lab, 0) / n if n else float("nan")
            expected = configured.get(lab, 0.0) if profile in matrix else None
            cells.append(f"<td class=num>{percent(share)}" + (f" <span class=note>({percent(expected)})</span>"
                                                           if expected is not None else "") + "</td>")
        rows.append(f"<tr><td>{escape((name or 'every other fire unit') if own else 'every fire unit')}</td>"
                    f"<td>{escape(str(profile))}</td><td class=num>{n}</td>{''.join(cells)}</tr>")
    unit = "targets' first calls (persistent identification)" if persistent else "decisions"
    return (f"<h3>{escape(run.name)}: the classifier's calls against its configured matrix</h3>"
            f"<table><tr><th>classifier</th><th>profile</th><th>calls</th>{head}</tr>{''.join(rows)}</table>"
            f"<p class=note>Share of the {unit} given each label, over all replications, per classifier (a fire "
            "unit's own, or the one every other fire unit has); in brackets the configured confusion matrix.</p>")


def operator_row(decisions: pd.DataFrame) -> dict:
    """The operators' decisions summed up: decisions, recommendations to engage, those an operator weighed, the
    share accepted and the mean acceptance probability (of those no valid IFF reply vetoed first), cross-checks,
    valid IFF replies, launches."""
    engage = decisions["label"].isin(("hostile", "arm"))
    weighed = _weighed(decisions)
    called = weighed[~weighed["iff_reply"].astype(bool)]
    return {
        "decisions": len(decisions),
        "engage": int(engage.sum()),
        "weighed": len(weighed),
        # (a valid IFF reply vetoes before the operator's call: those are left out of the share and the model's mean)
        "accepted": float(called["accepted"].mean()) if len(called) else float("nan"),
        "p_accept": float(called["p_accept"].mean()) if len(called) else float("nan"),
        "cross_checked": int(decisions["cross_checked"].sum()),
        "iff_replies": int(decisions["iff_reply"].sum()),
        "launched": int(decisions["launched"].sum()),
    }


def _weighed(decisions: pd.DataFrame) -> pd.DataFrame:
    """The recommendations to engage (hostile or arm) an operator weighed (an acceptance probability)."""
    return decisions[decisions["label"].isin(("hostile", "arm")) & decisions["p_accept"].notna()]


def _runs_table(runs: list[Run]) -> str:
    head = "".join(f"<th>{escape(run.name)}</th>" for run in runs)
    rows = [operator_row(run.decisions) for run in runs]
    lines = [
        ("decisions (all replications)", lambda r: f"{r['decisions']:,}"),
        ("recommendations to engage", lambda r: f"{r['engage']:,}"),
        ("weighed by an operator", lambda r: f"{r['weighed']:,}"),
        ("accepted", lambda r: percent(r["accepted"])),
        ("mean acceptance probability (the model)", lambda r: percent(r["p_accept"])),
        ("IFF cross-checks", lambda r: f"{r['cross_checked']:,}"),
        ("valid IFF replies to them (vetoes)", lambda r: f"{r['iff_replies']:,}"),
        ("launches decided", lambda r: f"{r['launched']:,}"),
    ]
    body = [f"<tr><td>{escape(name)}</td>" + "".join(f"<td class=num>{cell(r)}</td>" for r in rows) + "</tr>"
            for name, cell in lines]
    for metric in OUTCOMES:
        cells = []
        for run in runs:
            cells.append(f"<td class=num>{interval_text(run.summary.get('metrics', {}).get(metric) or {})}</td>")
        body.append(f"<tr><td>{escape(label(metric))}</td>{''.join(cells)}</tr>")
    return (f"<table><tr><th>decisions and outcome (means per replication [95 % CI])</th>{head}</tr>"
            f"{''.join(body)}</table>")


# ---------------------------------------------------------------------------------------------- workload


def workload_bins(workload, bins: int = WORKLOAD_BINS, least: int = LEAST_PER_BIN) -> np.ndarray:
    """(n,) int: each of ``workload``'s (finite) values' bin, 0, 1, ... in increasing workload.

    Rule: ``k = min(bins, n // least)`` (at least 1) quantile bins; each distinct workload value goes, with all
    its decisions (ties are never split), to the k-quantile in which the middle of its decisions falls in the
    sorted order. Then, while a bin holds fewer than ``least`` decisions, the smallest is merged into its smaller
    neighbour (the one below on a tie). So the bins cover contiguous, disjoint ranges of workload, at most
    ``bins`` of them, each with at least ``least`` decisions when there are that many in all (else one bin)."""
    values = np.asarray(workload, dtype=float)
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.isfinite(values).all():
        raise ValueError("workload_bins takes finite workloads only")
    n = len(values)
    k = max(1, min(int(bins), n // max(1, int(least))))
    distinct, counts = np.unique(values, return_counts=True)
    middle = np.cumsum(counts) - counts / 2.0
    quantile = np.minimum((middle * k / n).astype(np.int64), k - 1)
    starts = [int(i) for i in np.flatnonzero(np.r_[True, np.diff(quantile) != 0])]  # first distinct value per bin
    sizes = [int(c.sum()) for c in np.split(counts, starts[1:])]
    while len(sizes) > 1 and min(sizes) < least:
        i = int(np.argmin(sizes))
        if i == len(sizes) - 1 or (i > 0 and sizes[i - 1] <= sizes[i + 1]):
            i -= 1  # merge bins i and i + 1
        sizes[i] += sizes.pop(i + 1)
        starts.pop(i + 1)
    per_value = np.searchsorted(np.asarray(starts), np.arange(len(distinct)), side="right") - 1
    return per_value[np.searchsorted(distinct, values)].astype(np.int64)


def acceptance_by_workload(decisions: pd.DataFrame, bins: int = WORKLOAD_BINS,
                           least: int = LEAST_PER_BIN) -> pd.DataFrame:
    """Per workload bin (:func:`workload_bins`) of the recommendations to engage an operator weighed, without a
    valid IFF reply to a cross-check (that vetoes whatever the model gives): ``low`` and ``high`` (its range of
    workload), ``workload`` (the mean), ``decisions``, ``accepted`` (how many), ``share`` accepted with its 95 %
    Wilson interval (``share_low``, ``share_high``) and ``p_accept``, the model's mean acceptance probability.
    ``attrs["left_out"]``: the decisions without a finite workload, not binned. No rows when none was weighed."""
    columns = ["low", "high", "workload", "decisions", "accepted", "share", "share_low", "share_high", "p_accept"]
    rows = _weighed(decisions)
    rows = rows[~rows["iff_reply"].astype(bool)]
    workload = rows["workload"].to_numpy(dtype=float)
    finite = np.isfinite(workload)
    rows, workload = rows[finite], workload[finite]
    out = []
    if len(rows):
        group = workload_bins(workload, bins, least)
        accepted = rows["accepted"].to_numpy(dtype=bool)
        p_accept = rows["p_accept"].to_numpy(dtype=float)
        for b in range(int(group.max()) + 1):
            inside = group == b
            n, k = int(inside.sum()), int(accepted[inside].sum())
            low, high = wilson(k, n)
            out.append({"low": workload[inside].min(), "high": workload[inside].max(),
                        "workload": workload[inside].mean(), "decisions": n, "accepted": k, "share": k / n,
                        "share_low": low, "share_high": high, "p_accept": p_accept[inside].mean()})
    table = pd.DataFrame(out, columns=columns)
    table.attrs["left_out"] = int((~finite).sum())
    return table


def workload_figure(tables: list[tuple[str, pd.DataFrame]]) -> go.Figure:
    """Per run (a colour each): the share accepted per workload bin with its 95 % interval (markers, at the bin's
    mean workload) and the model's mean acceptance probability (dashed)."""
    fig = go.Figure()
    for i, (name, table) in enumerate(tables):
        colour = COLOURS[i % len(COLOURS)]
        hover = [escape(f"{name}: workload {lo:g} to {hi:g}, {n} decisions") for lo, hi, n in
                 zip(table["low"], table["high"], table["decisions"], strict=True)]
        fig.add_trace(go.Scatter(
            x=table["workload"], y=table["share"], mode="markers", name=escape(f"{name}: accepted"),
            legendgroup=name, marker={"color": colour, "size": 9},
            error_y={"type": "data", "symmetric": False, "array": (table["share_high"] - table["share"]).clip(lower=0),
                     "arrayminus": (table["share"] - table["share_low"]).clip(lower=0), "thickness": 1},
            hovertext=hover, hoverinfo="text+y"))
        fig.add_trace(go.Scatter(
            x=table["workload"], y=table["p_accept"], mode="lines+markers", name=escape(f"{name}: model"),
            legendgroup=name, line={"color": colour, "dash": "dash"}, marker={"symbol": "diamond-open", "size": 8},
            hovertext=hover, hoverinfo="text+y"))
    fig.update_xaxes(title_text="workload (targets and waiting decisions per operator)")
    fig.update_yaxes(title_text="share accepted", range=[0, 1.05])
    fig.update_layout(title={"text": "The operators' acceptance against their workload: observed and modelled"},
                      height=420, margin={"l": 60, "r": 20, "t": 70, "b": 50})
    return fig


def _workload_table(tables: list[tuple[str, pd.DataFrame]]) -> str:
    rows = []
    for name, table in tables:
        for _, row in table.iterrows():
            span = number(row["low"]) if row["low"] == row["high"] else f"{number(row['low'])} to {number(row['high'])}"
            rows.append(f"<tr><td>{escape(name)}</td><td class=num>{span}</td>"
                        f"<td class=num>{int(row['decisions']):,}</td><td class=num>{int(row['accepted']):,}</td>"
                        f"<td class=num>{percent(row['share'])} "
                        f"[{percent(row['share_low'])}, {percent(row['share_high'])}]"
                        f"</td><td class=num>{percent(row['p_accept'])}</td></tr>")
    left = [f"{escape(name)}: {table.attrs['left_out']:,}" for name, table in tables if table.attrs.get("left_out")]
    note = f" Left out for want of a workload: {', '.join(left)} decisions." if left else ""
    return ("<table><tr><th>run</th><th>workload</th><th>decisions</th><th>accepted</th>"
            "<th>share accepted [95 % CI]</th><th>model's mean acceptance probability</th></tr>"
            f"{''.join(rows)}</table>"
            "<p class=note>The recommendations to engage an operator weighed (without a valid IFF reply to a "
            "cross-check, which vetoes them), over all replications, binned by the operator's workload: at most "
            f"{WORKLOAD_BINS} bins of about equal numbers of decisions, each workload value's decisions in one bin, "
            f"a bin of fewer than {LEAST_PER_BIN} merged into its smaller neighbour. The model holds where its mean "
            "acceptance probability lies within the observed share's Wilson interval (the interval is wide enough "
            f"for probabilities that vary within a bin).{note}</p>")


# ---------------------------------------------------------------------------------------------- a sweep


def _columns(metric: str) -> tuple[str, ...]:
    """The sweep results' columns ``metric`` is computed from."""
    m = METRICS[metric]
    if m.ratio_of is not None:
        return tuple(m.ratio_of)
    if m.of_state is not None:
        return (metric,)
    return tuple(c for c in (m.needs or ()) if c != "threats")


def trust_curves(sweep_dir: Path) -> pd.DataFrame | str | None:
    """Per sweep point: the authority mode (``all points`` when not swept), the trust, ``replications`` and each of
    :data:`CURVES` the results give, its mean with ``<m>_ci_low`` and ``<m>_ci_high`` (95 %); ``attrs["missing"]``
    says why each other one is left out (its columns are not in the results, or no point has a value). None for a
    folder that is not an iadsim sweep or varies no trust, a note (HTML) when its results give no curve."""
    if not (Path(sweep_dir) / store.POINTS).is_file():
        return None
    try:
        factors = [f["name"] for f in store.read_points(sweep_dir).get("factors", [])]
    except InputError:
        return None
    if TRUST not in factors:
        return None
    missing: dict[str, str] = {}
    try:
        files = store.unit_files(sweep_dir)
        if not files:
            raise InputError(Path(sweep_dir) / store.RESULTS, "no results: *.parquet not found")
        stored = set(store.check_units(files).names)
        for m in CURVES:
            absent = [c for c in _columns(m) if c not in stored]
            if absent:
                missing[m] = f"the results have no {', '.join(absent)} column"
        present = [m for m in CURVES if m not in missing]
        if not present:
            raise InputError(Path(sweep_dir) / store.RESULTS, "; ".join(dict.fromkeys(missing.values())))
        results = store.load_results(sweep_dir, columns=["point", *sorted({c for m in present
                                                                            for c in _columns(m)} - {"point"})])
    except InputError as exc:
        return f"<p class=note>No trust curves: {escape(str(exc))}</p>"
    rows = []
    for point, group in results.groupby("point", sort=True):
        row = {"point": int(point), "replications": len(group)}
        for m in present:
            stat = metric_stat(group, m)
            low, high = stat["ci95"]
            row[m] = np.nan if stat["mean"] is None else stat["mean"]
            row[f"{m}_ci_low"] = np.nan if low is None else low
            row[f"{m}_ci_high"] = np.nan if high is None else high
        rows.append(row)
    table = pd.DataFrame(rows)
    for m in list(present):
        if not table[m].notna().any():
            missing[m] = "no point has a value"
            present.remove(m)
            table = table.drop(columns=[m, f"{m}_ci_low", f"{m}_ci_high"])
    if not present:
        return "<p class=note>No trust curves: no point has a value of any of their measures.</p>"
    points = store.points_frame(sweep_dir).drop(columns=["seed"], errors="ignore")
    table = points.merge(table, on="point", how="right")
    table["mode"] = table[MODE].astype(str) if MODE in table else "all points"
    table["trust"] = pd.to_numeric(table[TRUST], errors="coerce")
    order = {mode: i for i, mode in enumerate(table.sort_values("point")["mode"].unique())}  # the sweep's order
    table["_order"] = table["mode"].map(order)
    table = table.sort_values(["_order", "trust", "point"], kind="stable").drop(columns="_order").reset_index(
        drop=True)
    table.attrs["others"] = [f for f in factors if f not in (TRUST, MODE)]
    table.attrs["missing"] = {m: missing[m] for m in CURVES if m in missing}
    return table


def _drawn(curves: pd.DataFrame) -> list[str]:
    """The measures of :data:`CURVES` the curves hold."""
    return [m for m in CURVES if m in curves.columns]


def trust_figure(curves: pd.DataFrame) -> go.Figure:
    """Each measure the curves hold (:data:`CURVES`: the probability of a fratricidal engagement, leakers,
    wrongful engagements, the time from nomination to launch) against trust, a panel each (two a row), a curve
    per authority mode (95 % intervals as error bars)."""
    metrics = _drawn(curves)
    ncols = 1 if len(metrics) == 1 else 2
    nrows = -(-len(metrics) // ncols)
    fig = make_subplots(rows=nrows, cols=ncols, subplot_titles=[escape(label(m)) for m in metrics],
                        horizontal_spacing=0.12, vertical_spacing=0.16 if nrows > 1 else 0.1)
    for i, (mode, group) in enumerate(curves.groupby("mode", sort=False)):
        for j, metric in enumerate(metrics):
            value = group[metric].astype(float)
            high = group[f"{metric}_ci_high"].astype(float).replace(np.inf, np.nan)
            low = group[f"{metric}_ci_low"].astype(float)
            fig.add_trace(go.Scatter(
                x=group["trust"], y=value, mode="lines+markers", name=escape(str(mode)), legendgroup=str(mode),
                showlegend=j == 0, line={"color": COLOURS[i % len(COLOURS)]},
                error_y={"type": "data", "symmetric": False, "array": (high - value).fillna(0).clip(lower=0),
                         "arrayminus": (value - low).fillna(0).clip(lower=0), "thickness": 1},
                hovertext=[escape(f"{mode}, trust {t:g}: point {int(p)}") for t, p in zip(group["trust"],
                                                                                           group["point"],
                                                                                           strict=True)],
                hoverinfo="text+y"), row=j // ncols + 1, col=j % ncols + 1)
    for j, metric in enumerate(metrics):
        fig.update_xaxes(title_text="operators' trust in the automation", row=j // ncols + 1, col=j % ncols + 1)
        fig.update_yaxes(title_text=escape(unit_of(metric)), row=j // ncols + 1, col=j % ncols + 1)
    fig.update_layout(title={"text": "Trust and authority: the outcome against the crews' trust"},
                      height=80 + 360 * nrows, margin={"l": 60, "r": 20, "t": 70, "b": 50})
    return fig


def _interval_of(row, m: str) -> str:
    """``mean [low, high]`` of metric ``m`` in a trust curve's row (NaN: none, or an unbounded bound)."""
    def value(v):
        return None if v is None or v != v else float(v)

    return interval_text({"mean": value(row[m]), "ci95": [value(row[f"{m}_ci_low"]), value(row[f"{m}_ci_high"])]},
                         is_money(m))


def _curves_table(curves: pd.DataFrame) -> str:
    metrics = _drawn(curves)
    rows = "".join(
        f"<tr><td>{escape(str(row['mode']))}</td><td class=num>{number(row['trust'])}</td>"
        f"<td class=num>{int(row['point'])}</td><td class=num>{int(row['replications'])}</td>"
        + "".join(f"<td class=num>{_interval_of(row, m)}</td>" for m in metrics) + "</tr>"
        for _, row in curves.iterrows())
    others = curves.attrs.get("others") or []
    note = f" The sweep also varies {escape(', '.join(others))}: each of its points is drawn." if others else ""
    missing = curves.attrs.get("missing") or {}
    left = "".join(f" Not drawn: {escape(label(m))} ({escape(why)})." for m, why in missing.items())
    return ("<table><tr><th>authority mode</th><th>trust</th><th>point</th><th>replications</th>"
            + "".join(f"<th>{escape(label(m))}</th>" for m in metrics) + f"</tr>{rows}</table>"
            f"<p class=note>Each sweep point's mean with its 95 % interval.{note}{left}</p>")

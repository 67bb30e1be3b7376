"""The report's human-machine teaming section (issue 27; docs/engine.md, "Human-machine teaming").

Read from run folders only: each run's decisions (``decisions/``, :data:`iadsim.events.DECISION_DTYPES`; a run
without automation has none, and the section is left out), its summary's measures, and the classifier's configured
confusion matrix from the run's stored scenario. Per run:

* **The classifier's calls against its matrix.** Per target profile, the share of calls given each label, beside
  the configured probability. With persistent identification a target keeps its first call for the whole run, so
  each (replication, target)'s first decision is one call; otherwise every decision is.
* **The operators.** The recommendations to engage an operator weighed, the share accepted and the mean
  acceptance probability the model gave them (the two agree when the model holds), the IFF cross-checks and the
  valid replies they got, the launches, and the vetoes per replication.
* **The outcome.** Fratricide, the probability of a fratricidal engagement, friendly aircraft and civil aircraft
  engaged, leakers and the mean time from nomination to launch, with 95 % intervals (the run's summary).

Given a sweep folder whose factors include the operators' trust (``authority.automation.operator.trust``), the
trade-off curves: the probability of a fratricidal engagement and the mean leakers against trust, one curve per
authority mode (the ``authority.mode`` factor, when swept), each point with its 95 % interval
(:func:`iadsim.analysis.tradeoff.tradeoff_table`).
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

from iadsim.analysis.sweep import store
from iadsim.analysis.tradeoff import Tradeoff, tradeoff_table
from iadsim.report.plots import label
from iadsim.report.run import Run
from iadsim.scenario import InputError
from iadsim.scenario.models import LABELS

__all__ = ["MODE", "OUTCOMES", "TRUST", "calls", "classifier_table", "operator_row", "teaming_html",
           "trust_curves", "trust_figure"]

log = logging.getLogger(__name__)

TRUST = "authority.automation.operator.trust"
"""The sweep factor the curves are drawn against."""
MODE = "authority.mode"
"""The sweep factor giving one curve per level."""
OUTCOMES = ("fratricide", "p_fratricide", "friendly_killed", "wrongful_engagements", "leakers", "vetoes",
            "reaction_time")
"""The measures the section shows per run (the summary's means and intervals)."""
CURVES = ("p_fratricide", "leakers")
"""The sweep's trade-off curves: each against trust."""


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
    """Per target profile: the calls, and per label the share observed beside the configured probability."""
    authority = _automation(run)
    automation = getattr(authority, "automation", None)
    matrix = automation.classifier.confusion if automation is not None else {}
    persistent = bool(getattr(getattr(authority, "identification", None), "persistent", False))
    table = calls(run.decisions, persistent)
    head = "".join(f"<th>{escape(lab)}</th>" for lab in LABELS)
    rows = []
    for profile, group in table.groupby("profile", sort=True):
        n = len(group)
        counts = group["label"].value_counts()
        configured = matrix.get(profile, {})
        cells = []
        for lab in LABELS:
            share = counts.get(lab, 0) / n if n else float("nan")
            expected = configured.get(lab, 0.0) if profile in matrix else None
            cells.append(f"<td class=num>{_pct(share)}" + (f" <span class=note>({_pct(expected)})</span>"
                                                           if expected is not None else "") + "</td>")
        rows.append(f"<tr><td>{escape(str(profile))}</td><td class=num>{n}</td>{''.join(cells)}</tr>")
    unit = "targets' first calls (persistent identification)" if persistent else "decisions"
    return (f"<h3>{escape(run.name)}: the classifier's calls against its configured matrix</h3>"
            f"<table><tr><th>profile</th><th>calls</th>{head}</tr>{''.join(rows)}</table>"
            f"<p class=note>Share of the {unit} given each label, over all replications; in brackets the "
            "configured confusion matrix.</p>")


def operator_row(decisions: pd.DataFrame) -> dict:
    """The operators' decisions summed up: decisions, recommendations to engage, those an operator weighed, the
    share accepted and the mean acceptance probability, cross-checks, valid IFF replies, launches."""
    engage = decisions["label"].isin(("hostile", "arm"))
    weighed = decisions[engage & decisions["p_accept"].notna()]
    return {
        "decisions": len(decisions),
        "engage": int(engage.sum()),
        "weighed": len(weighed),
        "accepted": float(weighed["accepted"].mean()) if len(weighed) else float("nan"),
        "p_accept": float(weighed["p_accept"].mean()) if len(weighed) else float("nan"),
        "cross_checked": int(decisions["cross_checked"].sum()),
        "iff_replies": int(decisions["iff_reply"].sum()),
        "launched": int(decisions["launched"].sum()),
    }


def _runs_table(runs: list[Run]) -> str:
    head = "".join(f"<th>{escape(run.name)}</th>" for run in runs)
    rows = [operator_row(run.decisions) for run in runs]
    lines = [
        ("decisions (all replications)", lambda r: f"{r['decisions']:,}"),
        ("recommendations to engage", lambda r: f"{r['engage']:,}"),
        ("weighed by an operator", lambda r: f"{r['weighed']:,}"),
        ("accepted", lambda r: _pct(r["accepted"])),
        ("mean acceptance probability (the model)", lambda r: _pct(r["p_accept"])),
        ("IFF cross-checks", lambda r: f"{r['cross_checked']:,}"),
        ("valid IFF replies to them (vetoes)", lambda r: f"{r['iff_replies']:,}"),
        ("launches decided", lambda r: f"{r['launched']:,}"),
    ]
    body = [f"<tr><td>{escape(name)}</td>" + "".join(f"<td class=num>{cell(r)}</td>" for r in rows) + "</tr>"
            for name, cell in lines]
    for metric in OUTCOMES:
        cells = []
        for run in runs:
            stat = run.summary.get("metrics", {}).get(metric) or {}
            mean, (low, high) = stat.get("mean"), stat.get("ci95", [None, None])
            cells.append("<td class=num>-</td>" if mean is None else
                         f"<td class=num>{mean:.3f} [{_num(low)}, {_num(high)}]</td>")
        body.append(f"<tr><td>{escape(label(metric))}</td>{''.join(cells)}</tr>")
    return (f"<table><tr><th>decisions and outcome (means per replication [95 % CI])</th>{head}</tr>"
            f"{''.join(body)}</table>")


# ---------------------------------------------------------------------------------------------- a sweep


def trust_curves(sweep_dir: Path) -> pd.DataFrame | str | None:
    """Per sweep point: the authority mode (``all points`` when not swept), the trust, and :data:`CURVES` with
    their intervals; None for a folder that is not an iadsim sweep or varies no trust, a note (HTML) when its
    results cannot give the curves."""
    if not (Path(sweep_dir) / store.POINTS).is_file():
        return None
    try:
        factors = [f["name"] for f in store.read_points(sweep_dir).get("factors", [])]
    except InputError:
        return None
    if TRUST not in factors:
        return None
    try:
        table = tradeoff_table(sweep_dir, Tradeoff(*CURVES, "lower", "lower"))
    except InputError as exc:
        return f"<p class=note>No trust curves: {escape(str(exc))}</p>"
    table = table.copy()
    table["mode"] = table[MODE].astype(str) if MODE in table else "all points"
    table["trust"] = pd.to_numeric(table[TRUST], errors="coerce")
    others = [f for f in factors if f not in (TRUST, MODE)]
    table.attrs["others"] = others
    order = {mode: i for i, mode in enumerate(table.sort_values("point")["mode"].unique())}  # the sweep's order
    table["_order"] = table["mode"].map(order)
    return table.sort_values(["_order", "trust", "point"], kind="stable").drop(columns="_order").reset_index(
        drop=True)


def trust_figure(curves: pd.DataFrame) -> go.Figure:
    """The probability of a fratricidal engagement and the mean leakers against trust, a curve per authority mode
    (95 % intervals as error bars)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=[escape(label(m)) for m in CURVES], horizontal_spacing=0.1)
    colours = ["#1f4e99", "#c1121f", "#1a7f37", "#7a5200", "#6f42c1", "#5b6270"]
    for i, (mode, group) in enumerate(curves.groupby("mode", sort=False)):
        for col, metric in enumerate(CURVES, start=1):
            value = group[metric].astype(float)
            high = group[f"{metric}_ci_high"].astype(float).replace(np.inf, np.nan)
            low = group[f"{metric}_ci_low"].astype(float)
            fig.add_trace(go.Scatter(
                x=group["trust"], y=value, mode="lines+markers", name=escape(str(mode)), legendgroup=str(mode),
                showlegend=col == 1, line={"color": colours[i % len(colours)]},
                error_y={"type": "data", "symmetric": False, "array": (high - value).fillna(0).clip(lower=0),
                         "arrayminus": (value - low).fillna(0).clip(lower=0), "thickness": 1},
                hovertext=[escape(f"{mode}, trust {t:g}: point {int(p)}") for t, p in zip(group["trust"],
                                                                                           group["point"],
                                                                                           strict=True)],
                hoverinfo="text+y"), row=1, col=col)
    for col in (1, 2):
        fig.update_xaxes(title_text="operators' trust in the automation", row=1, col=col)
    fig.update_yaxes(title_text="probability", row=1, col=1)
    fig.update_yaxes(title_text="threats per replication", row=1, col=2)
    fig.update_layout(title={"text": "Trust and authority: fratricide against leakers"}, height=440,
                      margin={"l": 60, "r": 20, "t": 70, "b": 50})
    return fig


def _curves_table(curves: pd.DataFrame) -> str:
    rows = "".join(
        f"<tr><td>{escape(str(row['mode']))}</td><td class=num>{_num(row['trust'])}</td>"
        f"<td class=num>{int(row['point'])}</td><td class=num>{int(row['replications'])}</td>"
        + "".join(f"<td class=num>{row[m]:.3f} [{_num(row[f'{m}_ci_low'])}, {_num(row[f'{m}_ci_high'])}]</td>"
                  for m in CURVES) + "</tr>"
        for _, row in curves.iterrows())
    others = curves.attrs.get("others") or []
    note = (f" The sweep also varies {escape(', '.join(others))}: each of its points is drawn." if others else "")
    return ("<table><tr><th>authority mode</th><th>trust</th><th>point</th><th>replications</th>"
            + "".join(f"<th>{escape(label(m))}</th>" for m in CURVES) + f"</tr>{rows}</table>"
            f"<p class=note>Each sweep point's mean with its 95 % interval.{note}</p>")


def _num(value) -> str:
    value = float("nan") if value is None else float(value)
    return "-" if not np.isfinite(value) else f"{value:.2f}"


def _pct(value) -> str:
    value = float("nan") if value is None else float(value)
    return "-" if not np.isfinite(value) else f"{100 * value:.1f} %"

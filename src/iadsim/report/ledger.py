"""The layered defence and the cost ledger in the report, read from each run's summary (its metrics with their
intervals) and its stored scenario (which fire unit belongs to which layer, and where each price comes from).

Attrition per layer (:func:`iadsim.analysis.metrics.layer_metrics`): the threats that reached a layer (an intercept
inside the launch envelope of one of its fire units standing there), its launches, its kills, and the threats that
reached it and were not killed by it (through it, or killed by another layer); the attrition is kills over threats
reaching it, a ratio of totals over replications.

The ledger: the missiles fired at their unit costs, the threats, decoys and anti-radiation missiles shot down at
theirs, the expected value of the defended assets lost and protected, and the network's own units destroyed; the
cost-exchange ratio (the defence's dollars per dollar of threats destroyed: above one it pays more than it
destroys) and the value protected per dollar fired, both ratios of totals with percentile-bootstrap intervals,
undefined where the denominator is zero or a price is missing. See CSIS, "Cost and Value in Air and Missile Defense
Intercepts" (2024), on why the first alone misleads.
"""

from __future__ import annotations

from html import escape

import plotly.graph_objects as go

from iadsim.analysis.intervals import interval_text
from iadsim.analysis.metrics import is_money
from iadsim.report.plots import VARIANT_COLOURS, label
from iadsim.scenario.models import LAYERS

__all__ = ["LEDGER", "UNIT_ROLE", "layers_figure", "layers_html", "ledger_html", "prices"]

LEDGER = ("interceptor_cost", "threat_cost_destroyed", "value_lost", "value_protected", "defence_cost_lost",
          "cost_exchange_ratio", "value_protected_ratio")
"""The ledger's metrics, in the order of its table."""
UNIT_ROLE = "network unit destroyed"
_LAYER_COLUMNS = (("reached", "threats reaching it"), ("engagements", "launches"), ("kills", "threats it killed"),
                  ("leakers", "threats reaching it not killed by it"),
                  ("attrition", "attrition (kills per threat reaching it)"))


def _stat(run, metric: str) -> dict:
    return run.summary.get("metrics", {}).get(metric) or {}


def _cell(stat: dict, money: bool = False) -> str:
    """A table cell of ``mean [low, high]`` (:func:`iadsim.analysis.intervals.interval_text`)."""
    return f"<td class=num>{interval_text(stat, money)}</td>"


def _layers_of(run) -> list[str]:
    """The layers a run has fire units in (their metrics have a value), outermost first."""
    return [layer for layer in LAYERS if _stat(run, f"reached_{layer}").get("mean") is not None]


def _layer_units(run) -> dict[str, list[str]]:
    """layer -> the ids of the scenario's fire units in it (relocation sites are the same unit)."""
    out: dict[str, list[str]] = {}
    try:
        units = run.scenario.spec.units
    except Exception:  # the scenario section says why it cannot be read; here the unit list is just missing
        return out
    for unit in units:
        if getattr(unit, "layer", None):
            out.setdefault(unit.layer, []).append(unit.id)
    return out


def layers_figure(runs: list) -> go.Figure:
    """Per run and layer: the mean threats reaching it, killed by it, and reaching it but not killed by it."""
    fig = go.Figure()
    for v, run in enumerate(runs):
        layers = _layers_of(run)
        x = [f"{escape(run.name)}: {layer}" for layer in layers] if len(runs) > 1 else layers
        for j, (key, words) in enumerate((("reached", "reaching"), ("kills", "killed by it"),
                                          ("leakers", "reaching it, not killed by it"))):
            fig.add_trace(go.Bar(x=x, y=[_stat(run, f"{key}_{layer}").get("mean") for layer in layers],
                                 name=escape(f"{run.name}: {words}") if len(runs) > 1 else words,
                                 marker_color=("#1f4e99", "#1a7f37", "#c1121f")[j],
                                 marker_line_color=VARIANT_COLOURS[v % len(VARIANT_COLOURS)],
                                 marker_line_width=2 if len(runs) > 1 else 0))
    fig.update_layout(barmode="group", height=380, title={"text": "Threats by defensive layer, mean per replication"},
                      yaxis={"title": {"text": "threats per replication"}}, xaxis={"title": {"text": "layer"}},
                      margin={"l": 60, "r": 20, "t": 50, "b": 60})
    return fig


def layers_html(page, runs: list) -> str:
    """The layered-defence section: a table per run of each layer's attrition, and the figure; a note when no run
    has layers."""
    if not any(_layers_of(run) for run in runs):
        return ("<p class=note>No fire unit has a defensive layer. Give units <code>layer: long | medium | short | "
                "point</code> to see the attrition per layer.</p>")
    parts = []
    for run in runs:
        layers = _layers_of(run)
        if not layers:
            parts.append(f"<h3>{escape(run.name)}</h3><p class=note>No defensive layers.</p>")
            continue
        units = _layer_units(run)
        head = "".join(f"<th>{escape(words)}</th>" for _, words in _LAYER_COLUMNS)
        rows = []
        for layer in layers:
            cells = "".join(_cell(_stat(run, f"{key}_{layer}")) for key, _ in _LAYER_COLUMNS)
            rows.append(f"<tr><td><b>{escape(layer)}</b></td><td>{escape(', '.join(units.get(layer, [])))}</td>"
                        f"{cells}</tr>")
        pra = _stat(run, "p_raid_annihilation")
        parts.append(f"<h3>{escape(run.name)}</h3><table><tr><th>layer</th><th>fire units</th>{head}</tr>"
                     f"{''.join(rows)}</table><p>{escape(label('p_raid_annihilation'))}: "
                     f"{_cell(pra)[len('<td class=num>'):-len('</td>')]}</p>")
    note = ("<p class=note>Means per replication [95 % CI]; attrition is a ratio of totals. A threat reaches a "
            "layer when, at a step's time sample, "
            "its intercept lies inside the launch envelope and sector of one of the layer's fire units standing there "
            "(working or not: a layer that is down still counts as met), or when one launches at it. Not killed by "
            "it: reached it and not killed by its missiles (a later layer, or an overlapping one, may still kill it). "
            "Attrition is the ratio of the totals over replications, with a percentile-bootstrap interval (the delta "
            "method below ten replications; Wilson's over the replications where every one gives the same "
            "ratio).</p>")
    return page.figure(layers_figure(runs)) + "".join(parts) + note


def prices(run) -> list[tuple[str, str, float | None, str]]:
    """What a run's ledger prices: (item, role, unit cost or value in US dollars or None, where it comes from)."""
    scenario = run.scenario
    spec, catalog = scenario.spec, scenario.catalog
    out: list[tuple[str, str, float | None, str]] = []

    def priced(type_id: str, role: str) -> None:
        if type_id in spec.costs:
            out.append((type_id, role, float(spec.costs[type_id]), "the scenario's costs"))
            return
        cost = getattr(catalog.types.get(type_id), "unit_cost", None)
        out.append((type_id, role, None if cost is None else float(cost.value),
                    "not priced" if cost is None else f"catalog: {cost.source} ({cost.grade})"))

    launchers = {catalog.types[u.type].missile for u in spec.units
                 if getattr(catalog.types.get(u.type), "kind", None) == "launcher"}
    for missile in sorted(launchers):
        priced(missile, "missile fired")
    hostile = dict.fromkeys([raid.type for raid in spec.threats]
                            + [arm.type for raid in spec.threats for arm in raid.arms])
    for type_id in hostile:
        kind = getattr(catalog.types.get(type_id), "kind", "")
        priced(type_id, {"decoy": "decoy shot down", "arm": "anti-radiation missile shot down"}.get(
            kind, "threat shot down"))
    for type_id in dict.fromkeys(u.type for u in spec.units):
        priced(type_id, UNIT_ROLE)
    for asset in spec.defended_assets:
        out.append((asset.id, "defended asset", asset.value, "the scenario" if asset.value is not None
                    else "no value"))
    return out


def ledger_html(runs: list) -> str:
    """The cost-ledger section: the ledger's sums and ratios per run, and what each run prices and from where."""
    head = "".join(f"<th>{escape(run.name)}</th>" for run in runs)
    rows = []
    for metric in LEDGER:
        money = is_money(metric)
        rows.append(f"<tr><td>{escape(label(metric))}</td>"
                    + "".join(_cell(_stat(run, metric), money) for run in runs) + "</tr>")
    table = (f"<table><tr><th>mean [95 % CI] in US dollars; the ratios in USD per USD</th>{head}</tr>"
             f"{''.join(rows)}</table>")
    parts = [table]
    for run in runs:
        try:
            items = prices(run)
        except Exception as exc:  # a stored scenario that cannot be read: the scenario map says why
            parts.append(f"<p class=note>{escape(run.name)}: prices unavailable ({escape(str(exc)[:200])}).</p>")
            continue
        lines = "".join(
            f"<tr><td>{escape(item)}</td><td>{escape(role)}</td><td class=num>"
            f"{'-' if cost is None else f'{cost:,.0f}'}</td><td>{escape(source)}</td></tr>"
            for item, role, cost, source in items)
        missing = [item for item, role, cost, _ in items if cost is None and role != UNIT_ROLE]
        units = [item for item, role, cost, _ in items if cost is None and role == UNIT_ROLE]
        warning = (f"<p class=note>{escape(run.name)}: not priced: {escape(', '.join(missing))}. The sums that need "
                   "them are undefined (-), never counted as free: give <code>unit_cost</code> in a catalog file or "
                   "the scenario's <code>costs:</code>, and each defended asset a <code>value</code>.</p>"
                   if missing else "")
        if units:
            warning += (f"<p class=note>{escape(run.name)}: the network's units destroyed are not priced without a "
                        f"price for {escape(', '.join(units))}.</p>")
        parts.append(f"<h3>{escape(run.name)}: what is priced</h3><table><tr><th>item</th><th>counted as</th>"
                     f"<th>unit cost or value [USD]</th><th>from</th></tr>{lines}</table>{warning}")
    parts.append(
        "<p class=note>Missiles fired, and threats, decoys and anti-radiation missiles shot down, at their unit "
        "costs; the value lost is each defended asset's value times the chance that a threat reaching it destroyed "
        "it (its raid's pk), and the value protected is the loss expected had the defence shot nothing down (the "
        "threats it stopped reaching the asset too) less that. The network's own units destroyed are priced "
        "apart (their types' prices); they are not in the ratios. The "
        "cost-exchange ratio is the defence's dollars fired per dollar of threats shot down (above 1: it spends more "
        "than it destroys); on its own it hides what the missiles protected (CSIS, 'Cost and Value in Air and "
        "Missile Defense Intercepts', 2024), hence the value protected per dollar fired beside it. Both are ratios "
        "of totals over replications with percentile-bootstrap intervals (the delta method below ten "
        "replications; inf: unbounded above), undefined where the denominator is zero. The network's units "
        "destroyed need a price for every unit type; the built-in catalog gives none, so give them in the "
        "scenario's <code>costs:</code> to see them.</p>")
    return "".join(parts)

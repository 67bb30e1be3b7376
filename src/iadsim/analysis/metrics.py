"""The metric registry: every outcome iadsim reports, defined once.

A :class:`Metric` is a name with a function and how its confidence interval is computed. Replication
metrics are functions of the engine's final state (one value per replication: the rows of a run's
``metrics/`` and of a sweep's results); derived metrics are functions of those rows (``p_raid_annihilation``:
1 when no threat leaked). The run summary, ``simulate --json``, the sweep store and the report all
iterate over :data:`METRICS`, so a metric added here (or registered by a user or a test) appears in each.

Time-series reporters (:data:`REPORTERS`) are functions of the state at every step; a run folder keeps
their mean over replications per step (``series/``).

>>> from iadsim.analysis.metrics import METRICS, Metric
>>> METRICS.register("threats_alive", Metric(label="threats alive at the end", kind="bounded",   # doctest: +SKIP
...     bound="threats", of_state=lambda world, state: (state.outcomes.alive & world.threat).sum(axis=1)))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from iadsim.analysis.intervals import interval, ratio_interval
from iadsim.network.emcon import emitting, silenced_at
from iadsim.registry import ELEVATION, Registry
from iadsim.scenario.models import LAYERS
from iadsim.tracking.quality import (
    OSPA_CUTOFF,
    OSPA_ORDER,
    held_objects,
    node_counts,
    picture_counts,
    placed_objects,
)

__all__ = ["METRICS", "METRIC_KINDS", "REPLICATION_METRICS", "REPORTERS", "Metric", "Reporter", "command_post_picture",
           "count_bounds", "derived_metrics", "derived_names", "fire_unit_picture", "held_by_nodes", "is_money",
           "layer_metrics", "mean_ci", "metric_stat", "picture_quality", "placed", "ratio_metrics", "ratio_names",
           "replication_names", "replication_rows", "summarise_groups"]


@dataclass(frozen=True)
class Metric:
    """One outcome.

    Parameters
    ----------
    label : str
        Words for axes and tables ("threats leaking").
    kind : str
        Its interval (:func:`iadsim.analysis.intervals.interval`): "proportion", "fraction", "bounded",
        "count", "time", "amount" or "value"; "ratio" for a ratio of totals (``ratio_of``).
    bound : str or None
        What bounds a bounded count above: "threats", "civil", "arms", "decoys", "units" or "radars" (the run's
        numbers of each, :func:`count_bounds`); for a count or a proportion, what its events are about (a run with
        none of them can have none: its interval is [0, 0], not a Poisson or Wilson bound); for a ratio,
        "proportion" when it counts events among its denominator's (it lies in [0, 1]).
    of_state : callable, optional
        ``(world, state) -> (R,)`` values at the end of a replication batch: a replication metric.
    of_rows : callable, optional
        ``(rows, threats) -> (n,)`` values from the replication metrics' rows: a derived metric.
    ratio_of : (str, str), optional
        Two replication metrics: this one is the ratio of their totals over the replications (a ratio metric,
        kind "ratio": :func:`iadsim.analysis.intervals.ratio_interval`; no value per replication).
    unit : str
        What one of it counts or measures, for axes ("threats per replication", "s").
    better : str or None
        "lower" or "higher" when less or more of it is better for the defence (the Pareto fronts of the trade-off
        plots); None when neither is.
    optional : bool
        Shown in tables only where a run gives it a value (the per-layer and cost metrics: a laydown without layers,
        a catalog without costs, gives none).
    needs : tuple of str, optional
        The replication metrics a derived metric reads (None: any of them), and ``"threats"`` when it needs the
        run's number of threats (a sweep's trade-off cannot give it).
    """

    label: str
    kind: str
    bound: str | None = None
    of_state: Callable | None = None
    of_rows: Callable | None = None
    unit: str = ""
    ratio_of: tuple[str, str] | None = None
    better: str | None = None
    optional: bool = False
    needs: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.of_state, self.of_rows, self.ratio_of)) != 1:
            raise ValueError("a metric is a function of the final state (of_state), of the rows (of_rows), or the "
                             "ratio of two replication metrics' totals (ratio_of)")
        if (self.ratio_of is not None) != (self.kind == "ratio"):
            raise ValueError("a ratio of totals (ratio_of) is of kind 'ratio', and only it")
        if self.better not in (None, "lower", "higher"):
            raise ValueError("better is 'lower', 'higher' or None")


@dataclass(frozen=True)
class Reporter:
    """A time series: ``of_state(world, state) -> (R,)`` at each step; its mean over replications is kept.
    ``unit``: what one of it counts or measures, for axes."""

    label: str
    of_state: Callable
    unit: str = ""


METRICS: Registry[Metric] = Registry("metric", __name__)
"""Name -> :class:`Metric`, in report order (replication metrics, then derived ones)."""
REPORTERS: Registry[Reporter] = Registry("time series", __name__)
"""Name -> :class:`Reporter`."""


def replication_names() -> tuple[str, ...]:
    """The replication metrics (one column each in a run's or a sweep's rows), in order."""
    return tuple(name for name, m in METRICS.items() if m.of_state is not None)


def derived_names() -> tuple[str, ...]:
    """The metrics derived from the rows, in order."""
    return tuple(name for name, m in METRICS.items() if m.of_rows is not None)


def replication_rows(world, engine) -> pd.DataFrame:
    """One row per replication of the engine's final state: ``replication`` and every replication metric."""
    data = {"replication": engine.reps}
    for name in replication_names():
        data[name] = METRICS[name].of_state(world, engine.state)
    return pd.DataFrame(data)


def ratio_names() -> tuple[str, ...]:
    """The ratio metrics (ratios of two replication metrics' totals), in order."""
    return tuple(name for name, m in METRICS.items() if m.ratio_of is not None)


def ratio_metrics(rows: pd.DataFrame, confidence: float = 0.95) -> dict[str, dict]:
    """Each ratio metric of replication rows that hold its two metrics: the ratio of their totals and its interval
    (:func:`iadsim.analysis.intervals.ratio_interval`)."""
    out = {}
    for name in ratio_names():
        top, bottom = METRICS[name].ratio_of
        if top in rows and bottom in rows:
            out[name] = ratio_interval(rows[top], rows[bottom], confidence,
                                       proportion=METRICS[name].bound == "proportion")
    return out


def metric_stat(rows: pd.DataFrame, name: str, threats: int | None = None, confidence: float = 0.95) -> dict:
    """Metric ``name`` over replication rows with its interval (the dict of :func:`mean_ci`): the mean of a
    replication or derived metric's finite values, or a ratio metric's ratio of totals. ``threats``: the scenario's
    number of threats (None: some, their number unknown; it bounds kills and leakers, and a run without threats
    has no raid measures)."""
    metric = METRICS[name]
    if metric.ratio_of is not None:
        return ratio_interval(rows[metric.ratio_of[0]], rows[metric.ratio_of[1]], confidence,
                              proportion=metric.bound == "proportion")
    values = rows[name] if metric.of_state is not None else metric.of_rows(rows, threats)
    upper = threats if metric.bound == "threats" else None
    return mean_ci(np.asarray(values, dtype=float), confidence, metric=name, upper=upper)


def derived_metrics(rows: pd.DataFrame, threats: int | None) -> pd.DataFrame:
    """The derived metrics of replication rows (one column each): ``leakers_fraction`` of the threats,
    ``p_raid_annihilation`` 1 when no threat leaked, ``p_wrongful_engagement`` 1 when any civil aircraft was
    engaged, and any registered since."""
    return pd.DataFrame({name: np.asarray(METRICS[name].of_rows(rows, threats), dtype=float)
                         for name in derived_names()}, index=rows.index)


class _ReplicationMetrics(Sequence):
    """The names of the replication metrics of :data:`iadsim.analysis.metrics.METRICS`, read when used (a metric
    registered later is included): the columns of a run's and a sweep's rows."""

    def __getitem__(self, index):
        return replication_names()[index]

    def __len__(self) -> int:
        return len(replication_names())

    def __repr__(self) -> str:
        return repr(replication_names())


class _MetricKinds(Mapping):
    """metric -> (kind of quantity for its interval, what bounds it above), from the metric registry."""

    def __getitem__(self, name: str) -> tuple[str, str | None]:
        if name not in METRICS:
            raise KeyError(name)
        metric = METRICS[name]
        return metric.kind, metric.bound

    def __iter__(self):
        return iter(METRICS.names())

    def __len__(self) -> int:
        return len(METRICS.names())


REPLICATION_METRICS: Sequence[str] = _ReplicationMetrics()
"""The replication metrics' names (one column each in the rows), from the metric registry."""
METRIC_KINDS: Mapping[str, tuple[str, str | None]] = _MetricKinds()
"""How each metric's interval is computed: proportions by Wilson, bounded counts and fractions by the
percentile bootstrap, unbounded counts by exact Poisson (or bootstrap when over-dispersed), times by the
bootstrap (:func:`iadsim.analysis.intervals.interval`)."""


def count_bounds(world) -> dict[str, int]:
    """The largest value each bounded count can take in a replication of ``world`` (:attr:`Metric.bound`): its
    threats, civil aircraft (friendly ones aside), anti-radiation missiles, decoys, units (a relocating unit once)
    and radars (the sensors that radiate, of units at their first site)."""
    return {"threats": int(world.threat.sum()), "civil": int((world.civil & ~world.friendly).sum()),
            "arms": int(world.arm.sum()), "decoys": int(world.decoy.sum()),
            "units": int((world.site_number == 0).sum()),
            "radars": int(_own_radars(world).sum())}


def _own_radars(world) -> np.ndarray:
    """(S,) bool: the sensors that radiate, of units at their own site (a relocating unit's radar once)."""
    return world.radiates & (world.site_number[world.sensor_unit] == 0)


def is_money(metric: str) -> bool:
    """Whether ``metric`` is an amount of money (its kind "amount": printed in millions,
    :func:`iadsim.analysis.intervals.number_text`); False for a name the registry does not hold."""
    return metric in METRICS and METRICS[metric].kind == "amount"


def mean_ci(values, confidence: float = 0.95, metric: str | None = None, upper: float | None = None) -> dict:
    """Mean and confidence interval of the finite values, of the kind that fits ``metric``.

    Returns ``{"mean", "ci95": [low, high], "half_width", "n", "method"}`` (the key is ``ci95`` whatever the
    ``confidence``; the interval may be asymmetric and never leaves the quantity's range; ``half_width`` is
    the larger side): None where there are no finite values. ``upper`` bounds a bounded count (the number
    of threats for kills and leakers). Without ``metric`` the percentile bootstrap is used.
    """
    kind = METRIC_KINDS.get(metric, ("value", None))[0] if metric is not None else "value"
    return interval(values, kind, upper, confidence)


def summarise_groups(frame: pd.DataFrame, keys: list[str], metrics, confidence: float = 0.95) -> pd.DataFrame:
    """One row per group of ``frame`` by ``keys`` (sorted; missing keys are a group): the keys, the number of
    rows (``replications``) and, per metric, ``<metric>_mean``, ``_ci_low``, ``_ci_high`` and ``_half_width``
    (:func:`mean_ci` of its finite values)."""
    columns = [*keys, "replications"]
    for m in metrics:
        columns += [f"{m}_mean", f"{m}_ci_low", f"{m}_ci_high", f"{m}_half_width"]
    rows = []
    for key, group in frame.groupby(list(keys), sort=True, dropna=False):
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        row["replications"] = len(group)
        for m in metrics:
            stat = mean_ci(group[m], confidence, metric=m)
            row[f"{m}_mean"] = stat["mean"]
            row[f"{m}_ci_low"], row[f"{m}_ci_high"] = stat["ci95"]
            row[f"{m}_half_width"] = stat["half_width"]
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def _threat(world) -> np.ndarray:
    return world.threat


def layer_metrics() -> dict[str, Metric]:
    """The attrition metrics of each defensive layer (:data:`iadsim.scenario.models.LAYERS`), NaN in a run without
    a fire unit of that layer: the threats that reached it, its launches, the threats it killed and those that
    passed through it alive (reached it and were not killed by it; another layer may kill them after)."""
    out = {}
    for i, layer in enumerate(LAYERS):
        out |= {
            f"reached_{layer}": Metric(
                f"threats reaching the {layer} layer", "bounded",
                "threats", of_state=lambda w, s, i=i: _in_layer(w, i, (s.outcomes.reached[..., i]
                                                                     & _threat(w)[None, :]).sum(axis=1)),
                unit="threats per replication", optional=True),
            f"engagements_{layer}": Metric(
                f"launches of the {layer} layer", "count",
                of_state=lambda w, s, i=i: _in_layer(w, i, s.outcomes.launches[:, w.layer == i].sum(axis=1)),
                unit="launches per replication", optional=True),
            f"kills_{layer}": Metric(
                f"threats killed by the {layer} layer", "bounded", "threats",
                of_state=lambda w, s, i=i: _in_layer(w, i, (_killed_by_layer(w, s, i) & _threat(w)[None, :]).sum(
                    axis=1)), unit="threats per replication", better="higher", optional=True),
            f"leakers_{layer}": Metric(
                f"threats reaching the {layer} layer it did not kill", "bounded", "threats",
                of_state=lambda w, s, i=i: _in_layer(w, i, (s.outcomes.reached[..., i] & ~_killed_by_layer(w, s, i)
                                                            & _threat(w)[None, :]).sum(axis=1)),
                unit="threats per replication", better="lower", optional=True),
        }
    return out


def _in_layer(world, layer: int, values: np.ndarray) -> np.ndarray:
    """``values`` (R,), or NaN in a run with no fire unit of ``layer``."""
    return values if (world.layer == layer).any() else np.full(len(values), np.nan)


def _killed_by_layer(world, state, layer: int) -> np.ndarray:
    """(R, T) bool: the target was killed by a fire unit of ``layer``."""
    by = state.outcomes.killed_by
    if not len(world.layer):
        return np.zeros(by.shape, bool)
    return (by >= 0) & (world.layer[np.maximum(by, 0)] == layer)


def _priced(values: np.ndarray, costs: np.ndarray) -> np.ndarray:
    """(R,) ``values`` (R, n) counts times ``costs`` (n,), summed; NaN where a cost is missing (an unpriced item
    makes the total unknown, not smaller)."""
    if np.isnan(costs).any():
        return np.full(len(values), np.nan)
    return values.astype(float) @ costs


def _interceptor_cost(world, state) -> np.ndarray:
    """(R,) [USD] the missiles fired times their unit costs (NaN when a fire unit's missile has none)."""
    return _priced(state.outcomes.fired, world.missile_cost)


def _threat_cost(world, state) -> np.ndarray:
    """(R,) [USD] the threats, decoys and anti-radiation missiles shot down times their unit costs (NaN when one of
    their types has none)."""
    hostile = ~world.civil
    shot = (state.outcomes.killed_by >= 0)[:, hostile]
    return _priced(shot, world.target_cost[hostile])


def _undefended_loss(world, state) -> np.ndarray:
    """(R,) [USD] the expected value of the defended assets lost had the defence shot nothing down: each asset's
    value times the chance that the threats attacking it that reached it or were shot down (those the defence
    stopped, as if they had reached it) destroy it, each with its raid's ``pk``. A threat still flying at the
    end, or stopped by nothing the defence did, counts in neither (NaN without values)."""
    values = world.asset_value
    out = state.outcomes
    if not len(values) or np.isnan(values).any():
        return np.full(len(out.alive), np.nan)
    return _expected_loss(world, out.leaked | (out.killed_by >= 0))


def _expected_loss(world, arrived: np.ndarray) -> np.ndarray:
    """(R,) [USD] each asset's value times the chance that the threats attacking it that ``arrived`` (R, T)
    destroyed it, each with its raid's ``pk`` (independently)."""
    pk = world.strike_pk
    loss = np.zeros(len(arrived))
    for a, value in enumerate(world.asset_value):
        mine = (world.asset_of == a) & world.threat
        if mine.any():
            survive = np.prod(np.where(arrived[:, mine], 1.0 - pk[mine][None, :], 1.0), axis=1)
            loss += value * (1.0 - survive)
    return loss


def _defence_lost(world, state) -> np.ndarray:
    """(R,) [USD] the units of the network destroyed (a relocating unit once) times their types' prices (NaN when a
    unit's type has none)."""
    own = world.site_number == 0
    lost = np.isfinite(state.readiness.destroyed_at[:, own])
    return _priced(lost, world.unit_cost[own])


def _value_lost(world, state) -> np.ndarray:
    """(R,) [USD] the expected value of the defended assets lost: each asset's value times the chance that one of
    the threats that reached it (leaked there) destroyed it, each with its raid's ``pk`` (NaN without values)."""
    values = world.asset_value
    if not len(values) or np.isnan(values).any():
        return np.full(len(state.outcomes.alive), np.nan)
    return _expected_loss(world, state.outcomes.leaked)


def _per_launch(total, launches) -> np.ndarray:
    """``total`` (R,) over the replication's launches, per launch; NaN for a replication without launches."""
    launches = np.asarray(launches, dtype=float)
    return np.divide(np.asarray(total, dtype=float), launches, out=np.full(len(launches), np.nan),
                     where=launches > 0)


def _if_friendly(world, values) -> np.ndarray:
    """``values`` (R,) as floats, or NaN for a run without friendly aircraft (the measure does not apply)."""
    values = np.asarray(values, dtype=float)
    return values if world.friendly.any() else np.full(len(values), np.nan)


def _if_automated(world, values) -> np.ndarray:
    """``values`` (R,) as floats, or NaN for a run without automation (the measure does not apply)."""
    values = np.asarray(values, dtype=float)
    return values if world.scenario.spec.authority.automation is not None else np.full(len(values), np.nan)


def _nan_unless(threats, values):
    """``values``, or NaN for a run without threats (``threats`` None: some, their number unknown)."""
    return values if threats is None or threats else np.full(len(values), np.nan)


def _radar_mean(world, per_sensor: np.ndarray) -> np.ndarray:
    """(R,) the mean over the network's radars (the sensors that radiate; a relocating unit's radar once, summed
    over its sites) of ``per_sensor`` (R, S); NaN without."""
    radars = world.radiates
    if not radars.any():
        return np.full(len(per_sensor), np.nan)
    home = world.home[world.sensor_unit]
    own = np.flatnonzero(radars & (world.site_number[world.sensor_unit] == 0))
    return np.stack([per_sensor[:, radars & (home == world.sensor_unit[s])].sum(axis=1) for s in own],
                    axis=1).mean(axis=1)


_BETTER = {  # which way is better for the defence (the Pareto fronts): the built-in metrics without it in their line
    "kills": "higher", "leakers": "lower", "missiles_expended": "lower", "wrongful_engagements": "lower",
    "civil_killed": "lower", "time_to_first_detection": "lower", "time_to_first_engagement": "lower",
    "false_tracks": "lower", "track_swaps": "lower", "track_breaks": "lower", "plots_dropped": "lower",
    "reports_discarded": "lower", "units_destroyed": "lower", "radars_lost": "lower", "arms_defeated": "higher",
    "missiles_at_decoys": "lower", "p_raid_annihilation": "higher", "p_wrongful_engagement": "lower",
}

for _name, _metric in {
    "kills": Metric("threats killed", "bounded", "threats", of_state=lambda w, s: s.outcomes.kills,
        unit="threats per replication"),
    "leakers": Metric("threats leaking", "bounded", "threats",
                      of_state=lambda w, s: (s.outcomes.leaked & _threat(w)[None, :]).sum(axis=1),
                          unit="threats per replication"),
    "engagements": Metric("engagements", "count", of_state=lambda w, s: s.outcomes.engagements,
        unit="launches per replication"),
    "missiles_expended": Metric("missiles expended", "count", of_state=lambda w, s: s.outcomes.expended,
        unit="missiles per replication"),
    "wrongful_engagements": Metric("wrongful engagements (civil aircraft)", "count", "civil",
                                   of_state=lambda w, s: s.outcomes.wrongful, unit="launches per replication"),
    "civil_killed": Metric("civil aircraft shot down", "bounded", "civil",
                           of_state=lambda w, s: s.outcomes.civil_killed, unit="aircraft per replication"),
    "vetoes": Metric("engagements vetoed", "count", of_state=lambda w, s: s.outcomes.vetoes,
        unit="vetoes per replication"),
    "time_to_first_detection": Metric("time to first detection of a threat [s]", "time",
                                      of_state=lambda w, s: s.outcomes.first_detection, unit="s"),
    "time_to_first_engagement": Metric("time to first engagement [s]", "time",
                                       of_state=lambda w, s: s.outcomes.first_engagement, unit="s"),
    "false_tracks": Metric("false tracks confirmed (all sensors)", "count",
                           of_state=lambda w, s: s.tracks.false_confirmed, unit="tracks per replication"),
    "track_swaps": Metric("confirmed tracks taking another object's plot", "count",
                          of_state=lambda w, s: s.tracks.swaps, unit="plots per replication"),
    "track_breaks": Metric("objects still flying a sensor stopped following", "count",
                           of_state=lambda w, s: s.tracks.breaks, unit="objects per replication"),
    "plots_dropped": Metric("plots that found no free track slot", "count", of_state=lambda w, s: s.tracks.dropped,
        unit="plots per replication"),
    "reports_discarded": Metric("track reports a fire unit discarded (they arrived after a later one)", "count",
                                of_state=lambda w, s: s.picture.stale, unit="reports per replication"),
    "emitter_on_time": Metric("time a radar of the network emitted, mean over its radars [s]", "time",
                              of_state=lambda w, s: _radar_mean(w, s.outcomes.emission_time), unit="s"),
    "units_destroyed": Metric("units of the network destroyed (struck by the threats and missiles attacking them)",
                              "bounded", "units",
                              of_state=lambda w, s: np.isfinite(s.readiness.destroyed_at[:, w.site_number == 0]).sum(
                                  axis=1),
                              unit="units per replication"),
    "radars_lost": Metric("radars destroyed", "bounded", "radars", of_state=lambda w, s: np.isfinite(
        s.readiness.destroyed_at[:, w.sensor_unit[_own_radars(w)]]).sum(axis=1),
        unit="radars per replication"),
    "arms_launched": Metric("anti-radiation missiles launched", "bounded", "arms", of_state=lambda w, s: (
        s.outcomes.released == 1).sum(axis=1), unit="missiles per replication"),
    "arms_defeated": Metric("anti-radiation missiles defeated (shot down, or missing their radar, while it stood)",
                            "bounded", "arms", of_state=lambda w, s: s.outcomes.arms_shot_down
                            - s.outcomes.arms_shot_down_late + s.outcomes.arms_missed,
                            unit="missiles per replication"),
    "missiles_at_decoys": Metric("missiles fired at decoys", "count", "decoys",
                                 of_state=lambda w, s: s.outcomes.at_decoys, unit="missiles per replication"),
    "decoys_shot_down": Metric("decoys shot down", "bounded", "decoys", of_state=lambda w, s: s.outcomes.decoys_killed,
                               unit="decoys per replication"),
    **layer_metrics(),
    "interceptor_cost": Metric("missiles fired [USD]", "amount", of_state=lambda w, s: _interceptor_cost(w, s),
                               unit="US dollars per replication", better="lower", optional=True),
    "threat_cost_destroyed": Metric("threats, decoys and ARMs shot down [USD]", "amount",
                                    of_state=lambda w, s: _threat_cost(w, s), unit="US dollars per replication",
                                    better="higher", optional=True),
    "value_lost": Metric("expected asset value lost [USD]", "amount", of_state=lambda w, s: _value_lost(w, s),
                         unit="US dollars per replication", better="lower", optional=True),
    "value_protected": Metric("asset value protected [USD]", "amount",
                              of_state=lambda w, s: _undefended_loss(w, s) - _value_lost(w, s),
                              unit="US dollars per replication", better="higher", optional=True),
    "defence_cost_lost": Metric("network units destroyed [USD]", "amount",
                                of_state=lambda w, s: _defence_lost(w, s), unit="US dollars per replication",
                                better="lower", optional=True),
    "fratricide": Metric("fratricidal engagements (friendly aircraft)", "count",
                         of_state=lambda w, s: _if_friendly(w, s.outcomes.fratricide),
                         unit="launches per replication", better="lower", optional=True),
    "friendly_killed": Metric("friendly aircraft shot down", "count",
                              of_state=lambda w, s: _if_friendly(w, s.outcomes.friendly_killed),
                              unit="aircraft per replication", better="lower", optional=True),
    "reaction_time": Metric("mean time from nomination to launch [s]", "time",
                            of_state=lambda w, s: _per_launch(s.outcomes.reaction, s.outcomes.engagements),
                            unit="s", better="lower", optional=True),
    "holds": Metric("recommendations to hold fire (automation)", "count",
                    of_state=lambda w, s: _if_automated(w, s.outcomes.holds), unit="holds per replication",
                    optional=True),
    "leakers_fraction": Metric("fraction of threats leaking", "fraction", of_rows=lambda rows, threats: (
        rows["leakers"].to_numpy(dtype=float) / threats if threats else np.full(len(rows), np.nan)),
        unit="fraction of the threats", better="lower", needs=("leakers", "threats")),
    "p_raid_annihilation": Metric("probability of raid annihilation (no leaker)", "proportion",
                                  of_rows=lambda rows, threats: _nan_unless(
                                      threats, (rows["leakers"].to_numpy() == 0).astype(float)), unit="probability",
                                  needs=("leakers",)),
    "p_wrongful_engagement": Metric("probability of a wrongful engagement", "proportion", "civil",
                                    of_rows=lambda rows, threats: (rows["wrongful_engagements"].to_numpy() > 0
                                                                   ).astype(float), unit="probability",
                                    needs=("wrongful_engagements",)),
    "p_fratricide": Metric("probability of a fratricidal engagement", "proportion",
                           of_rows=lambda rows, threats: np.where(np.isnan(rows["fratricide"].to_numpy(dtype=float)),
                                                                  np.nan, rows["fratricide"].to_numpy(dtype=float) > 0),
                           unit="probability", better="lower", optional=True, needs=("fratricide",)),
    "cost_exchange_ratio": Metric(
        "cost-exchange ratio (USD fired per USD shot down)", "ratio",
        ratio_of=("interceptor_cost", "threat_cost_destroyed"), unit="USD per USD", better="lower", optional=True),
    "value_protected_ratio": Metric(
        "asset value protected per USD fired", "ratio",
        ratio_of=("value_protected", "interceptor_cost"), unit="USD per USD", better="higher", optional=True),
    **{f"attrition_{layer}": Metric(f"attrition in the {layer} layer (kills per threat reaching it)",
                                    "ratio", "proportion", ratio_of=(f"kills_{layer}", f"reached_{layer}"),
                                    unit="fraction of the threats reaching it", better="higher", optional=True)
       for layer in LAYERS},
}.items():
    METRICS.register(_name, replace(_metric, better=_BETTER.get(_name, _metric.better)))

def _sample(world, state) -> int:
    """The time sample a reporter reads the state at: the state after ``time_index`` steps is that sample's (the
    step simulates up to it); after the last step, the last sample's (the run's end)."""
    return min(int(state.time_index), len(world.times) - 1)


def _radars_emitting(world, state) -> np.ndarray:
    """(R,) the radars emitting at the reporter's time (:func:`_sample`; the run's end after the last step): working,
    on by their schedule and not silenced by their crew then. The state's own flags hold the start of the step just
    simulated (and nothing before the first)."""
    rd = state.readiness
    when = float(world.times[_sample(world, state)])
    if state.time_index >= len(world.times):  # (the run's end)
        when = max(when, float(world.scenario.spec.duration))
    up = rd.unit_up[:, world.sensor_unit] & world.sensing[None, :] & world.radiates[None, :]
    return (up & emitting(when, *world.emcon)[None, :] & ~silenced_at(rd.silences, when)).sum(axis=1)


for _name, _reporter in {
    "threats_flying": Reporter("threats in the air", lambda w, s: (
        s.outcomes.alive & ~s.outcomes.leaked & w.active[_sample(w, s)][None, :] & _threat(w)[None, :]
    ).sum(axis=1), unit="threats"),
    "threats_tracked": Reporter("threats placed by the sensors' confirmed tracks (a radar's, or two passive "
                                "sensors' with an elevation)", lambda w, s: (
        placed(w, np.isfinite(s.tracks.confirmed_at)) & s.outcomes.alive & ~s.outcomes.leaked
        & _threat(w)[None, :]).sum(axis=1), unit="threats"),
    "fire_units_able": Reporter("fire units with a complete kill chain", lambda w, s: (
        s.readiness.able & s.readiness.unit_up[:, w.fire_unit]).sum(axis=1), unit="fire units"),
    "missiles_in_flight": Reporter("missiles in flight", lambda w, s: s.batteries.guiding.sum(axis=1), unit="missiles"),
    "kills": Reporter("threats killed so far", lambda w, s: s.outcomes.kills, unit="threats"),
    "radars_emitting": Reporter("radars emitting (working, and on by their emission control)", lambda w, s: (
        _radars_emitting(w, s)), unit="radars"),
    "picture_ospa": Reporter(f"OSPA of the sensors' pictures [m] (c {OSPA_CUTOFF / 1e3:g} km, p {OSPA_ORDER:g})",
                             lambda w, s: _ospa_mean(picture_quality(w, s)), unit="m"),
    "picture_held": Reporter("objects held (sensor x object pairs)", lambda w, s: picture_quality(w, s)[..., 2].sum(
        axis=1), unit="pairs"),
    "picture_unheld": Reporter("objects in sight but not held (sensor x object pairs)", lambda w, s: (
        picture_quality(w, s)[..., 1] - picture_quality(w, s)[..., 2]).sum(axis=1), unit="pairs"),
    "picture_ambiguous": Reporter("extra tracks on a held object", lambda w, s: (
        picture_quality(w, s)[..., 4] - picture_quality(w, s)[..., 5]).sum(axis=1), unit="tracks"),
    "picture_spurious": Reporter("tracks of no object", lambda w, s: (
        picture_quality(w, s)[..., 3] - picture_quality(w, s)[..., 4]).sum(axis=1), unit="tracks"),
    "fire_unit_picture_ospa": Reporter(
        f"OSPA of the fire units' own pictures [m] (c {OSPA_CUTOFF / 1e3:g} km, p {OSPA_ORDER:g})",
        lambda w, s: _ospa_mean(fire_unit_picture(w, s)), unit="m"),
    "fire_unit_picture_held": Reporter("objects held (fire unit x object pairs)", lambda w, s: fire_unit_picture(
        w, s)[..., 2].sum(axis=1), unit="pairs"),
    "fire_unit_picture_unheld": Reporter("objects its sensors see but a fire unit does not hold (pairs)", lambda w, s: (
        fire_unit_picture(w, s)[..., 1] - fire_unit_picture(w, s)[..., 2]).sum(axis=1), unit="pairs"),
    "command_post_picture_ospa": Reporter(
        f"OSPA of the command posts' own pictures [m] (c {OSPA_CUTOFF / 1e3:g} km, p {OSPA_ORDER:g})",
        lambda w, s: _ospa_mean(command_post_picture(w, s)), unit="m"),
    "command_post_picture_held": Reporter("objects held (command post x object pairs)", lambda w, s: (
        command_post_picture(w, s)[..., 2].sum(axis=1)), unit="pairs"),
    "command_post_picture_unheld": Reporter("objects its sensors see but a command post does not hold (pairs)",
                                            lambda w, s: (command_post_picture(w, s)[..., 1]
                                                          - command_post_picture(w, s)[..., 2]).sum(axis=1),
                                                              unit="pairs"),
}.items():
    REPORTERS.register(_name, _reporter)


def picture_quality(world, state) -> np.ndarray:
    """(R, S, 6) each sensor's picture at the last step simulated (:func:`iadsim.tracking.quality.picture_counts`):
    OSPA [m] (c = :data:`~iadsim.tracking.quality.OSPA_CUTOFF`, p = 2) between its confirmed tracks and the
    objects it should hold (flying and in its line of sight and coverage, the sensor in service: :func:`in_service`),
    then J (objects it should hold), JT
    (of them held), N (confirmed tracks), NA (tracks of a true object) and the distinct objects followed.
    SIAP completeness is JT / J, ambiguity NA / distinct, spuriousness (N - NA) / N. The series
    ``picture_held``, ``picture_unheld``, ``picture_ambiguous`` and ``picture_spurious`` sum these over
    sensors, so the network's ratios follow from their means. A passive sensor's tracks are of lines of sight, not
    positions: its row is zeros (it holds and should hold nothing here; the fire units' pictures score its
    bearings once crossed)."""
    return _once_per_step(state, "_picture", lambda: _sensor_counts(world, state))


def in_service(world, state) -> np.ndarray:
    """(R, S) the sensors that may hold tracks now: working (up, sensing) and, for a radar, emitting or on a
    part-time schedule (blinking: its tracks coast between bursts). A radar down, silent by policy, silenced by
    its crew or dark until cued is scored as holding nothing and having nothing to hold (a silenced radar's tracks
    coast a few looks: against nothing to hold, they scored the OSPA cut-off)."""
    rd = state.readiness
    working = rd.unit_up[:, world.sensor_unit] & world.sensing[None, :]
    return working & (~world.radiates[None, :] | rd.emitting | world.part_time[None, :])


def _sensor_counts(world, state) -> np.ndarray:
    k = _sample(world, state)  # (the state's time: its tracks hold the looks up to it)
    tab, out = state.tracks.table, state.outcomes
    flying = out.alive & ~out.leaked & world.active[k][None, :]
    should = (world.looks.visible_at(k) & world.ranging[:, None])[None] & flying[:, None, :]
    should &= state.readiness.present[:, world.sensor_unit][..., None]  # (a relocating unit's other sites: nothing)
    serving = in_service(world, state)
    should &= serving[..., None]
    # (a radar out of service holds nothing either: silenced by its crew, its tracks coast a few looks)
    scored = world.ranging[None, :] & serving
    top = tab.top if scored.all() else np.where(scored, tab.top, 0)  # (one not scored: as if it held no track)
    counts = np.zeros(tab.status.shape[:2] + (6,))
    picture_counts(tab.x, tab.status, tab.truth, tab.time, top, float(world.times[k]), world.position[k], should,
                   OSPA_CUTOFF, OSPA_ORDER, counts)
    return counts


def fire_unit_picture(world, state) -> np.ndarray:
    """(R, F, 6) each fire unit's own picture (:class:`iadsim.engine.state.Picture`) at the last step simulated,
    in the columns of :func:`picture_quality`: OSPA [m], J (objects it should hold: flying and seen by a sensor
    that feeds it now and measures range, or by two passive ones that do), JT (of them held), N (tracks held),
    NA (tracks of a true object) and the distinct objects.
    A fire unit holds an object's track until no report has reached it for ``doctrine.tracking.drop_after``
    looks of the slowest sensor feeding it plus that path's latency (then its sensors would have dropped it).
    Its tracks are keyed by object and fed only by true objects' plots, so N = NA = distinct (no ambiguity, no
    false track); a track of an object that has stopped flying coasts until its hold ends, an extra estimate
    in the OSPA meanwhile."""
    return _once_per_step(state, "_fire_unit_picture", lambda: _fire_unit_counts(world, state))


def command_post_picture(world, state) -> np.ndarray:
    """(R, C, 6) each command post's own picture at the last step simulated, as :func:`fire_unit_picture` scores a
    fire unit's: what reaches it (its processing included) over the links up now."""
    return _once_per_step(state, "_command_post_picture", lambda: _node_counts(
        world, state, slice(len(world.fire_ids), None), world.post_latency, state.readiness.post_feeds))


def _fire_unit_counts(world, state) -> np.ndarray:
    return _node_counts(world, state, slice(0, len(world.fire_ids)), world.latency, state.readiness.feeds)


def _node_counts(world, state, nodes: slice, latency: np.ndarray, feeds: np.ndarray) -> np.ndarray:
    """The picture counts of nodes ``nodes`` of the picture (their latencies (n, S), feeds (R, n, S))."""
    k = _sample(world, state)  # (the state's time: its tracks hold the looks up to it)
    pic, out = state.picture, state.outcomes
    now = float(world.times[k])
    flying = out.alive & ~out.leaked & world.active[k][None, :]
    # the sensors that see each object and would place it with another: a radar that sees it, a passive one that
    # detects it (it should be held where a node's feeding sensors place it: :func:`placed`'s rule)
    seen = world.looks.visible_at(k) & (world.ranging[:, None] | (world.looks.pd_at(k) > 0))
    objects, sensors = np.nonzero(seen.T)  # (object by object)
    seers_from = np.searchsorted(objects, np.arange(seen.shape[1] + 1))  # (the report imports this module: not the
    #                                                                       engine's row_pointers)
    counts = np.zeros(feeds.shape[:2] + (6,))
    node_counts(pic.x[:, nodes], pic.updates[:, nodes], pic.track_time[:, nodes], now, _coast(world, latency), feeds,
                seers_from, sensors, world.ranging, world.placing == ELEVATION, flying, world.position[k],
                OSPA_CUTOFF, OSPA_ORDER, counts)  # (views: the kernel reads any layout)
    return counts


def held_by_nodes(world, state, nodes: slice, latency: np.ndarray, now: float) -> np.ndarray:
    """(R, T) whether any of nodes ``nodes`` of the picture (their latencies (n, S)) holds each object at ``now``: a
    track that some report reached within ``doctrine.tracking.drop_after`` looks of the slowest sensor feeding the
    node plus that path's latency (:func:`fire_unit_picture`)."""
    out = np.empty((state.picture.updates.shape[0], state.picture.updates.shape[2]), bool)
    held_objects(state.picture.updates[:, nodes], state.picture.track_time[:, nodes], float(now),
                 _coast(world, latency), out)
    return out


def _coast(world, latency: np.ndarray) -> np.ndarray:
    """(n,) [s] how long nodes of these latencies (n, S) hold a track no report reached: ``drop_after`` looks of
    the slowest sensor feeding the node plus that path's latency."""
    fed = np.isfinite(latency)  # (n, S)
    slowest = np.where(fed, world.look_period[None, :], 0.0).max(axis=1, initial=0.0)
    coast = world.scenario.spec.doctrine.tracking.drop_after * slowest + np.where(fed, latency, 0.0).max(
        axis=1, initial=0.0)
    return coast.astype(float)


def placed(world, held: np.ndarray, tracked: np.ndarray | None = None) -> np.ndarray:
    """Whether sensors place each object (:func:`iadsim.registry.places_target`: one that measures range, or two
    passive ones of which one measures elevation): ``held`` (R, S, T) which sensors hold it -> (R, T); ``tracked``
    (R, T) (optional) gets whether any sensor holds it. (The nodes' pictures apply the same rule to their feeding
    sensors in :func:`iadsim.tracking.quality.node_counts`.)"""
    shape = (held.shape[0], held.shape[2])
    out = np.empty(shape, bool)
    placed_objects(held, world.ranging, world.placing == ELEVATION, np.empty(shape, bool) if tracked is None
                   else tracked, out)
    return out


def _once_per_step(state, key: str, compute):
    """``compute()``, once per step of ``state``: the reporters of one step share one computation (kept on the
    state under ``key`` with the step it belongs to)."""
    cached = getattr(state, key, None)
    if cached is None or cached[0] != state.time_index:
        cached = (state.time_index, compute())
        setattr(state, key, cached)
    return cached[1]


def _ospa_mean(counts: np.ndarray) -> np.ndarray:
    """(R,) mean OSPA over the sensors that hold or should hold something (0 where none does)."""
    busy = (counts[..., 1] + counts[..., 3]) > 0
    return np.where(busy.any(axis=1), (counts[..., 0] * busy).sum(axis=1) / np.maximum(busy.sum(axis=1), 1), 0.0)

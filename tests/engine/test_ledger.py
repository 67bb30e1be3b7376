"""The cost ledger against the event table: the missiles each launch fired times their unit cost, the threats, decoys
and anti-radiation missiles each kill destroyed times theirs, and the expected value of the defended asset lost from
the leaks that reached it (each destroying it with its raid's pk). The prices are read here from the scenario's
``costs`` and the catalog, not from the engine's arrays. The example: examples/sead-raid.yaml (decoys, anti-radiation
missiles, helicopters and a fighter; long, medium and point layers; an airbase worth 500 M USD)."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.analysis.metrics import ratio_metrics, replication_rows
from iadsim.engine import Engine, build_world
from iadsim.scenario import load_scenario
from iadsim.scenario.relocation import home_of

from ._scenarios import EXAMPLES


def _price(scenario, type_id: str) -> float:
    """A type's unit cost: the scenario's ``costs``, else the catalog's; NaN with neither."""
    if type_id in scenario.spec.costs:
        return float(scenario.spec.costs[type_id])
    cost = scenario.catalog.types[type_id].unit_cost
    return np.nan if cost is None else cost.value


@pytest.fixture(scope="module")
def sead():
    scenario = load_scenario(EXAMPLES / "sead-raid.yaml")
    world = build_world(scenario)
    engine = Engine(world, np.arange(24), seed=3)
    engine.run()
    return scenario, world, engine, replication_rows(world, engine)


def test_the_ledger_sums_are_the_event_counts_times_the_prices(sead):
    scenario, world, engine, rows = sead
    ev, n = engine.events, len(rows)
    # missiles fired: each launch's missiles at the price of its launcher's missile
    launches = ev[ev.kind == "launch"]
    missile_of = {u.id: scenario.catalog.types[u.type].missile for u in scenario.spec.units
                  if scenario.catalog.types[u.type].kind == "launcher"}
    unit_ids = world.unit_ids
    spent = np.zeros(n)
    for r, unit, missiles in zip(launches.replication, launches.unit, launches.missiles, strict=True):
        spent[r] += missiles * _price(scenario, missile_of[home_of(unit_ids[unit])[0]])
    assert len(launches) > 3 * n  # (the raid is engaged: the sums are not all zero)
    np.testing.assert_allclose(rows["interceptor_cost"], spent)
    # destroyed: each kill of a raid's aircraft, decoy or anti-radiation missile at its type's price
    kills = ev[ev.kind == "kill"]
    destroyed = np.zeros(n)
    types = [flight.type for flight in world.target_flight]
    hostile = [not scenario.catalog.types[t].civil if hasattr(scenario.catalog.types[t], "civil") else True
               for t in types]
    for r, t in zip(kills.replication, kills.target, strict=True):
        if hostile[t]:
            destroyed[r] += _price(scenario, types[t])
    kinds = {scenario.catalog.types[types[t]].kind for t in kills.target}
    assert {"decoy", "arm", "aircraft"} <= kinds  # every kind of hostile object is priced in this run
    np.testing.assert_allclose(rows["threat_cost_destroyed"], destroyed)
    # value lost: the airbase's value times the chance that a leak that reached it destroyed it
    value = scenario.spec.defended_assets[0].value
    raids = {raid.id: raid for raid in scenario.spec.threats}
    leaks = ev[ev.kind == "leak"]
    survive = np.ones(n)
    for r, t in zip(leaks.replication, leaks.target, strict=True):
        raid = raids.get(world.target_flight[t].id)
        if raid is not None and raid.target == "airbase" and scenario.catalog.types[raid.type].kind == "aircraft":
            survive[r] *= 1.0 - raid.pk
    assert (survive < 1).any() and (survive == 1).any()
    np.testing.assert_allclose(rows["value_lost"], value * (1 - survive))
    # protected: the loss expected had the defence shot nothing down (the aircraft it killed reaching the airbase
    # too) less the loss
    undefended = survive.copy()
    for r, t in zip(kills.replication, kills.target, strict=True):
        raid = raids.get(world.target_flight[t].id)
        if raid is not None and raid.target == "airbase" and scenario.catalog.types[raid.type].kind == "aircraft":
            undefended[r] *= 1.0 - raid.pk
    assert (undefended < survive).any()
    np.testing.assert_allclose(rows["value_protected"], value * (1 - undefended) - value * (1 - survive))
    # the ratios are ratios of the totals over the replications
    ratios = ratio_metrics(rows)
    assert ratios["cost_exchange_ratio"]["mean"] == pytest.approx(spent.sum() / destroyed.sum())
    assert ratios["value_protected_ratio"]["mean"] == pytest.approx(value * (survive - undefended).sum() / spent.sum())
    low, high = ratios["cost_exchange_ratio"]["ci95"]
    assert low < ratios["cost_exchange_ratio"]["mean"] < high


def test_a_price_missing_leaves_the_ledger_undefined_never_smaller(tmp_path):
    """Without the medium missile's price, the missiles fired have no total (NaN, not the long missiles' alone),
    and the ratios built on it are undefined, saying why; the threats destroyed are still priced."""
    text = (EXAMPLES / "sead-raid.yaml").read_text()
    assert "  mr-missile: 500000  # assumed\n" in text
    path = tmp_path / "sead.yaml"
    path.write_text(text.replace("  mr-missile: 500000  # assumed\n", ""))
    scenario = load_scenario(path)
    world = build_world(scenario)
    engine = Engine(world, np.arange(4), seed=3)
    engine.run()
    rows = replication_rows(world, engine)
    assert rows["interceptor_cost"].isna().all()
    assert rows["threat_cost_destroyed"].notna().all()
    ratios = ratio_metrics(rows)
    for name in ("cost_exchange_ratio", "value_protected_ratio"):
        assert ratios[name]["mean"] is None and "undefined" in ratios[name]["method"]


def test_the_network_units_destroyed_are_priced_once_each(tmp_path):
    """With every unit type priced in the scenario, the network's losses are the units destroyed (the destroyed
    events' units, a relocating unit's sites counting once) times their types' prices; the ratios leave them out."""
    text = (EXAMPLES / "sead-raid.yaml").read_text()
    scenario = load_scenario(EXAMPLES / "sead-raid.yaml")
    prices = {t: 1_000_000 * (i + 1) for i, t in enumerate(dict.fromkeys(u.type for u in scenario.spec.units))}
    path = tmp_path / "sead.yaml"
    # (the helicopters of the northern raid attack the early-warning radar instead, the southern ones the TELAR that
    # relocates: units are destroyed, a relocating one at every site at once)
    text = text.replace("    start: 3 min\n    target: airbase\n", "    start: 3 min\n    target: ew-1\n", 1)
    text = text.replace("    spacing: 15 s\n    start: 2 min\n    target: airbase\n",
                        "    spacing: 15 s\n    start: 2 min\n    target: mr1-telar\n", 1)
    text = text.replace("relocation: {after: warning, delay: 10 s,", "relocation: {after: schedule, every: 1 h,", 1)
    assert "target: mr1-telar" in text and "every: 1 h" in text  # (it relocates, but not before it is struck)
    path.write_text(text.replace("costs:\n", "costs:\n" + "".join(f"  {t}: {p}\n" for t, p in prices.items())))
    scenario = load_scenario(path)
    world = build_world(scenario)
    engine = Engine(world, np.arange(16), seed=4)
    engine.run()
    rows = replication_rows(world, engine)
    ev = engine.events
    destroyed = ev[ev.kind == "destroyed"]
    lost = np.zeros(len(rows))
    seen = set()
    for r, unit in zip(destroyed.replication, destroyed.unit, strict=True):
        home = home_of(world.unit_ids[unit])[0]
        if (r, home) not in seen:
            seen.add((r, home))
            lost[r] += prices[scenario.unit(home).type]
    assert (lost > 0).sum() >= 4
    telar = world.unit_index["mr1-telar"]
    both = np.isfinite(engine.state.readiness.destroyed_at[:, [telar, world.unit_index["mr1-telar@1"]]]).all(axis=1)
    assert both.any()  # (destroyed at both its sites: counted once)
    np.testing.assert_allclose(rows["defence_cost_lost"], lost)
    # without a price for every unit type, the losses have none
    assert replication_rows(build_world(load_scenario(EXAMPLES / "sead-raid.yaml")), engine)[
        "defence_cost_lost"].isna().all()


def test_value_protected_counts_only_what_the_defence_stopped(tmp_path):
    """A run that ends before any raid reaches the airbase (2 minutes): nothing leaked and nothing attacking it was
    shot down, so nothing was lost and nothing protected, however much the raid would have destroyed later."""
    text = (EXAMPLES / "sead-raid.yaml").read_text()
    path = tmp_path / "short.yaml"
    path.write_text(text.replace("duration: 15 min", "duration: 2 min", 1))
    scenario = load_scenario(path)
    world = build_world(scenario)
    engine = Engine(world, np.arange(6), seed=3)
    engine.run()
    rows = replication_rows(world, engine)
    assert (rows["value_lost"] == 0).all() and (rows["value_protected"] == 0).all()

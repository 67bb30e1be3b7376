"""chain_probability against an independent brute force over every component's up/down state."""

from __future__ import annotations

import importlib
import itertools
import random

import pytest

from iadsim.network import build_network, chain_probability, is_able

from .conftest import scenario_dict, write_scenario

audit_module = importlib.import_module("iadsim.network.audit")  # the package exports a function `audit`
MAX_UNCERTAIN = 9  # 512 states per fire unit keeps the whole module at a few seconds
SENSOR_TYPES = ("ew-radar", "mr-search-radar", "lr-acquisition-radar", "esm-station", "irst-station")
RADAR_TYPES = ("fc-blind", "fc-blind", "lr-engagement-radar")
LAUNCHER_TYPES = ("lr-launcher", "mr-launcher-loader", "mr-telar", "sr-system")


def brute_force(net, fire_unit: str, without: frozenset[str] = frozenset()) -> float:
    """Sum the probability of every up/down state of every component (not only the relevant ones)."""
    p = {c: 0.0 if c in without else net.availability[c] for c in net.components}
    uncertain = [c for c in net.components if 0.0 < p[c] < 1.0]
    base = {c: p[c] == 1.0 for c in net.components}
    total = 0.0
    for bits in itertools.product((False, True), repeat=len(uncertain)):
        state = dict(base)
        weight = 1.0
        for c, up in zip(uncertain, bits, strict=True):
            state[c] = up
            weight *= p[c] if up else 1.0 - p[c]
        if is_able(net, fire_unit, state.__getitem__):
            total += weight
    return total


def random_network(seed: int) -> tuple[dict, list, bool, list[str]]:
    """A small random air defence network: units, links, doctrine and a --without list."""
    rng = random.Random(seed)
    avail = lambda: rng.choice((1.0, 1.0, 1.0, 0.9, 0.6, 0.3, 0.0))  # noqa: E731
    units: dict[str, dict] = {}
    cps = [f"cp{i}" for i in range(rng.choice((0, 1, 1, 2, 2)))]
    sensors = [f"s{i}" for i in range(rng.randint(1, 3))]
    radars = [f"fcr{i}" for i in range(rng.randint(1, 2))]
    launchers = [f"l{i}" for i in range(rng.randint(1, 3))]
    for cp in cps:
        units[cp] = {"type": "command-post", "availability": avail()}
    for group, types in ((sensors, SENSOR_TYPES), (radars, RADAR_TYPES), (launchers, LAUNCHER_TYPES)):
        for unit in group:
            units[unit] = {"type": rng.choice(types), "availability": avail()}
            if rng.random() < 0.15:
                units[unit]["emission"] = "off"
            elif group is not sensors and units[unit]["type"] not in ("lr-launcher", "mr-launcher-loader") \
                    and rng.random() < 0.2:  # a radar dark until a track cues it: it needs other sensors to
                units[unit]["emcon"] = {"policy": "ambush"}
    own_radar = [u for u in launchers if units[u]["type"] in ("mr-telar", "sr-system")]
    guided = [u for u in launchers if u not in own_radar]
    picture_targets = radars + own_radar
    candidates = []
    for s in sensors:
        candidates += [(s, cp, "tracks") for cp in cps] + [(s, r, "cues") for r in picture_targets]
        candidates += [(s, other, "tracks") for other in sensors if other != s]
    for cp in cps:
        candidates += [(cp, r, "cues") for r in picture_targets + sensors]
        candidates += [(cp, other, "tracks") for other in cps if other != cp]
    candidates += [(r, cp, "tracks") for r in picture_targets for cp in cps]
    candidates += [(g, l, "fire-control") for g in radars + own_radar for l in guided]
    links = []
    for source, target, carries in candidates:
        if rng.random() < (0.6 if carries == "fire-control" else 0.4):
            extra = {"availability": rng.choice((1.0, 1.0, 0.9, 0.5, 0.0))}
            if rng.random() < 0.1:
                extra["status"] = "down"
            links.append((f"{source}->{target}:{carries}", extra))
            if rng.random() < 0.05:  # a parallel link
                links.append((f"{source}->{target}:{carries}", {"availability": 0.7}))
    # keep the brute force small: beyond MAX_UNCERTAIN uncertain components, make the rest certain
    uncertain = [u for u in units.values() if 0 < u["availability"] < 1] + [
        e for _, e in links if 0 < e["availability"] < 1]
    for entry in uncertain[MAX_UNCERTAIN:]:
        entry["availability"] = 1.0
    names = list(units) + [text for text, _ in links]
    without = rng.sample(names, k=1) if rng.random() < 0.3 else []
    return units, links, rng.random() < 0.5, without


SEEDS = range(40)


@pytest.fixture(scope="module")
def networks(tmp_path_factory):
    from iadsim.scenario import load_scenario

    out = {}
    for seed in SEEDS:
        units, links, fallback, without = random_network(seed)
        path = write_scenario(tmp_path_factory.mktemp(f"random{seed}"), scenario_dict(units, links, fallback))
        out[seed] = (load_scenario(path), without)
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_chain_probability_matches_brute_force_enumeration(networks, seed):
    scenario, without_names = networks[seed]
    net = build_network(scenario)
    without = frozenset(audit_module.resolve_without(net, tuple(without_names)))
    for fu in net.fire_units:
        for removed in (frozenset(), without):
            value, exact = chain_probability(net, fu, removed)
            assert exact
            assert value == pytest.approx(brute_force(net, fu, removed), abs=1e-12), (seed, fu, sorted(removed))


def test_random_networks_exercise_partial_readiness_and_both_modes(networks):
    """Guard against a vacuous comparison: the generator must give uncertain chains and both modes."""
    from iadsim.network import audit

    partial, modes, codes = 0, set(), set()
    for scenario, _ in networks.values():
        for fu in audit(scenario)["fire_units"]:
            partial += 0.0 < fu["readiness"] < 1.0
            modes.add(fu["mode"])
            codes |= {r["code"] for r in fu["reasons"]}
    assert partial >= 15
    assert modes == {"networked", "autonomous", "none"}
    assert {"no-command-path", "no-sensor-picture", "emissions-off", "fire-control-link-down"} <= codes


def test_audit_readiness_is_the_exact_chain_probability(networks):
    from iadsim.network import audit

    scenario, _ = networks[0]
    net = build_network(scenario)
    for fu in audit(scenario)["fire_units"]:
        assert fu["readiness"] == pytest.approx(brute_force(net, fu["id"]), abs=1e-6)


def test_sampled_readiness_is_close_to_exact_beyond_the_enumeration_limit(make_scenario, monkeypatch):
    s = make_scenario(
        {"s1": {"type": "ew-radar", "availability": 0.8}, "s2": {"type": "mr-search-radar", "availability": 0.7},
         "cp": {"type": "command-post", "availability": 0.9}, "fcr": {"type": "fc-blind", "availability": 0.6},
         "l1": "lr-launcher"},
        ["s1->cp:tracks", "s2->cp:tracks", "cp->fcr:cues", "fcr->l1:fire-control"],
    )
    net = build_network(s)
    exact, _ = chain_probability(net, "l1")
    monkeypatch.setattr(audit_module, "MAX_EXACT_COMPONENTS", 2)
    sampled, is_exact = chain_probability(net, "l1")
    assert not is_exact
    sigma = (exact * (1 - exact) / audit_module.SAMPLES) ** 0.5
    assert abs(sampled - exact) < 5 * sigma


@pytest.mark.parametrize("seed", SEEDS)
def test_backward_search_finds_every_unit_with_an_up_path(networks, seed):
    """chain._upstream (one backward search) against networkx's has_path on the subgraph of up units and up
    picture links, from every unit, for random up/down states; and without passing through a command post."""
    import networkx as nx

    chain = importlib.import_module("iadsim.network.chain")
    scenario, _ = networks[seed]
    net = build_network(scenario)
    rng = random.Random(seed)
    for _ in range(5):
        state = {c: rng.random() < 0.7 for c in net.components}
        up = state.__getitem__
        sub = nx.DiGraph()
        sub.add_nodes_from(u for u in net.graph.nodes if up(u))
        sub.add_edges_from((a, b) for a, b, lid, d in net.graph.edges(keys=True, data=True)
                           if d["carries"] in chain.PICTURE and up(lid) and up(a) and up(b))
        for target in net.graph.nodes:
            expected = {u for u in sub.nodes if nx.has_path(sub, u, target)} if up(target) else set()
            assert chain._upstream(net, target, up) == expected, (seed, target)
            # not through a command post: every unit between the start and the target is not one
            inner = sub.subgraph(u for u in sub.nodes if u == target or net.kind[u] != "command-post")
            direct = {u for u in inner.nodes if nx.has_path(inner, u, target)} if up(target) else set()
            expected = direct | {u for u in sub.nodes if any(v in direct for v in sub.successors(u))}
            assert chain._upstream(net, target, up, through_cp=False) == expected, (seed, target)

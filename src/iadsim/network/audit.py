"""The kill-chain audit: which fire unit can engage, why not, how likely its chain is complete at the
start, and which single units or links it rests on."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np

from iadsim.network.chain import REASONS, Network, build_network, evaluate, is_able, stated_state
from iadsim.scenario import InputError, Scenario

MAX_EXACT_COMPONENTS = 14  # 2^14 states (~3 s); beyond that readiness is estimated by sampling
SAMPLES = 20_000


def relevant_components(net: Network, fire_unit: str) -> list[str]:
    """Components whose state can change the fire unit's chain: its ancestors in the graph, the links
    between them, and every command post (losing all of them changes the rules for everyone)."""
    ancestors = nx.ancestors(net.graph, fire_unit) | {fire_unit} | set(net.units("command-post"))
    units = [u for u in net.kind if u in ancestors]
    links = [lid for lid, a, b, _ in net.links if a in ancestors and b in ancestors]
    return units + links


def chain_probability(net: Network, fire_unit: str, without: frozenset[str] = frozenset(),
                      rng: np.random.Generator | None = None) -> tuple[float, bool]:
    """Probability that the fire unit's chain is complete at the start, and whether it is exact.

    Each unit is up with its availability and each link with its availability (0 when stated down),
    independently. Exact: enumerate every up/down state of the uncertain relevant components (so
    redundant paths count correctly - this is not a product along one path). The rules are not
    monotone (losing every command post frees batteries to fight autonomously), so no bound pruning.
    """
    probs = {c: (0.0 if c in without else net.availability[c]) for c in relevant_components(net, fire_unit)}
    fixed = {c: p >= 1.0 for c, p in probs.items() if p in (0.0, 1.0)}
    uncertain = [c for c, p in probs.items() if 0.0 < p < 1.0]

    def up_of(state: dict[str, bool]):
        return lambda c: state.get(c, c not in without and net.availability.get(c, 1.0) > 0)

    if len(uncertain) <= MAX_EXACT_COMPONENTS:
        total = 0.0
        for bits in itertools.product((True, False), repeat=len(uncertain)):
            weight = 1.0
            for c, b in zip(uncertain, bits, strict=True):
                weight *= probs[c] if b else 1.0 - probs[c]
            if weight == 0.0:
                continue
            state = dict(fixed)
            state.update(zip(uncertain, bits, strict=True))
            if is_able(net, fire_unit, up_of(state)):
                total += weight
        return total, True
    rng = rng or np.random.default_rng(0)
    draws = rng.random((SAMPLES, len(uncertain))) < np.array([probs[c] for c in uncertain])
    hits = sum(is_able(net, fire_unit, up_of({**fixed, **dict(zip(uncertain, row, strict=True))})) for row in draws)
    return hits / SAMPLES, False


def single_points_of_failure(net: Network, fire_unit: str, without: frozenset[str] = frozenset()) -> list[str]:
    """Components (other than the launcher itself) whose loss alone makes an able fire unit unable."""
    if not is_able(net, fire_unit, stated_state(net, without)):
        return []
    out = []
    for c in relevant_components(net, fire_unit):
        if c == fire_unit or c in without or not net.stated_up.get(c, True):
            continue
        if not is_able(net, fire_unit, stated_state(net, without | {c})):
            out.append(c)
    return out


def resolve_without(net: Network, names: tuple[str, ...]) -> tuple[str, ...]:
    """Map --without names to components: a unit id, a link id, or `FROM->TO` for every such link."""
    out = []
    for name in names:
        if name in net.kind:
            out.append(name)
            continue
        # FROM->TO:carries also names its parallel links (#2, #3...); FROM->TO names every carriage
        matches = [lid for lid, *_ in net.links if lid == name or lid.startswith((name + ":", name + "#"))]
        if not matches:
            raise InputError("--without", f"no unit or link '{name}' (units: {', '.join(net.kind)}; "
                             "links as FROM->TO or FROM->TO:carries)")
        out.extend(matches)
    return tuple(dict.fromkeys(out))


def audit(scenario: Scenario, without: tuple[str, ...] = ()) -> dict:
    """The audit as plain data (what `iadsim audit --json` prints)."""
    net = build_network(scenario)
    without = resolve_without(net, tuple(without))
    removed = frozenset(without)
    up = stated_state(net, removed)
    fire_units, spof_index = [], {}
    for fu in net.fire_units:
        status = evaluate(net, fu, up)
        readiness, exact = chain_probability(net, fu, removed)
        spofs = single_points_of_failure(net, fu, removed)
        for c in spofs:
            spof_index.setdefault(c, []).append(fu)
        unit = scenario.unit(fu)
        fire_units.append({
            "id": fu,
            "type": unit.type,
            "able": status.able,
            "mode": status.mode,
            "reasons": [r.as_dict() for r in status.reasons],
            "guided_by": list(status.guiders) if status.able else [],
            "sensors": list(status.sensors),
            "missiles": net.missiles[fu],
            "readiness": round(readiness, 6),
            "readiness_exact": exact,
            "single_points_of_failure": spofs,
        })
    return {
        "scenario": scenario.name,
        "without": list(without),
        "fire_units_total": len(fire_units),
        "fire_units_able": sum(f["able"] for f in fire_units),
        "fire_units": fire_units,
        "single_points_of_failure": [
            {"component": c, "fire_units": fus} for c, fus in sorted(spof_index.items(), key=lambda kv: -len(kv[1]))
        ],
        "components": net.components,
        "reason_codes": REASONS,
    }

"""The first audit's readiness and single points of failure, kept as the reference the compiled audit is
checked against (tests) and timed against (``benchmarks/bench_audit.py``): one networkx search of the rules
(:func:`iadsim.network.chain.is_able`) per enumerated component state. Not used by the program itself."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np

from iadsim.network.chain import Network, is_able, stated_state

MAX_EXACT_COMPONENTS = 14  # 2^14 states (~3 s); beyond that readiness is estimated by sampling
SAMPLES = 20_000


def relevant_components(net: Network, fire_unit: str) -> list[str]:
    """Components whose state can change the fire unit's chain: its ancestors in the graph and the links
    between them."""
    ancestors = nx.ancestors(net.graph, fire_unit) | {fire_unit}
    units = [u for u in net.kind if u in ancestors]
    links = [lid for lid, a, b, _ in net.links if a in ancestors and b in ancestors]
    return units + links


def chain_probability(net: Network, fire_unit: str, without: frozenset[str] = frozenset(),
                      rng: np.random.Generator | None = None) -> tuple[float, bool]:
    """Probability that the fire unit's chain is complete at the start, and whether it is exact: every
    up/down state of the uncertain relevant components enumerated (or 20,000 sampled beyond 14)."""
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

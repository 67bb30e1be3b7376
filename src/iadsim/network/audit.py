"""The kill-chain audit: which fire unit can engage, why not, how likely its chain is complete at the
start, and which single units or links it rests on.

Readiness and single points of failure come from the compiled rules (:mod:`iadsim.network.compiled`),
evaluated on each fire unit's sub-network (the components that can change its chain) for every state at
once. Readiness is exact, by factoring over the uncertain components with monotone bounds, up to
:data:`MAX_EXACT_COMPONENTS` of them and while the factoring keeps at most
:data:`iadsim.network.compiled.MAX_FRONTIER` partial states; beyond, it is a Monte Carlo estimate over
:data:`SAMPLES` states with its standard error, and the audit says how many uncertain components there were.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from iadsim.files import user_cache_folder
from iadsim.network.chain import REASONS, Network, build_network, evaluate, stated_state
from iadsim.network.compiled import SubNetwork, able, probability_able, relevant_components, sub_network
from iadsim.scenario import InputError, Scenario

MAX_EXACT_COMPONENTS = 64
"""Most uncertain components for an exact readiness (by factoring, :func:`iadsim.network.compiled.probability_able`,
which also gives up beyond :data:`iadsim.network.compiled.MAX_FRONTIER` partial states)."""
SAMPLES = 20_000
"""States drawn for a Monte Carlo readiness beyond that (standard error at most 0.0035)."""

__all__ = ["MAX_EXACT_COMPONENTS", "SAMPLES", "Readiness", "audit", "audit_key", "cached_audit", "chain_probability",
           "readiness",
           "relevant_components", "resolve_without", "single_points_of_failure"]


@dataclass(frozen=True)
class Readiness:
    """Probability that a fire unit's chain is complete at the start."""

    probability: float
    exact: bool
    standard_error: float  # 0 when exact
    uncertain: int  # uncertain components in its sub-network (above MAX_EXACT_COMPONENTS: sampled)


def readiness(net: Network, fire_unit: str, without: frozenset[str] = frozenset(),
              rng: np.random.Generator | None = None, sub: SubNetwork | None = None) -> Readiness:
    """Each unit is up with its availability and each link with its availability (0 when stated down),
    independently. Exact: every up/down state of the uncertain components of the fire unit's sub-network,
    weighted by its probability (so redundant paths count correctly - this is not a product along one
    path), computed by factoring with monotone bounds: the rules are monotone (a component coming up never makes
    a launcher unable; losing every command post does not free a battery to fire,
    :func:`iadsim.network.compiled.probability_able`). Beyond that, sampled."""
    sub = sub or sub_network(net, fire_unit)
    probs = np.array([0.0 if c in without else net.availability[c] for c in sub.components])
    uncertain = np.flatnonzero((probs > 0.0) & (probs < 1.0))
    n = len(uncertain)
    if n <= MAX_EXACT_COMPONENTS:
        exact = probability_able(sub, probs)
        if exact is not None:
            return Readiness(min(max(exact, 0.0), 1.0), True, 0.0, n)
    rng = rng or np.random.default_rng(0)
    states = np.repeat((probs >= 1.0)[None, :], SAMPLES, axis=0)
    states[:, uncertain] = rng.random((SAMPLES, n)) < probs[uncertain]
    hits = able(sub, states)
    estimate = float(hits.mean())
    return Readiness(estimate, False, float(np.sqrt(max(estimate * (1 - estimate), 0.0) / SAMPLES)), n)


def chain_probability(net: Network, fire_unit: str, without: frozenset[str] = frozenset(),
                      rng: np.random.Generator | None = None) -> tuple[float, bool]:
    """(probability that the chain is complete at the start, whether it is exact): :func:`readiness`."""
    r = readiness(net, fire_unit, without, rng)
    return r.probability, r.exact


def single_points_of_failure(net: Network, fire_unit: str, without: frozenset[str] = frozenset(),
                             sub: SubNetwork | None = None) -> list[str]:
    """Components (other than the launcher itself) whose loss alone makes an able fire unit unable: the
    stated state and one state per component removed, in one evaluation."""
    sub = sub or sub_network(net, fire_unit)
    stated = np.array([net.stated_up.get(c, True) and c not in without for c in sub.components])
    candidates = [i for i, c in enumerate(sub.components)
                  if c != fire_unit and c not in without and net.stated_up.get(c, True)]
    states = np.repeat(stated[None, :], len(candidates) + 1, axis=0)
    for row, i in enumerate(candidates, start=1):
        states[row, i] = False
    ok = able(sub, states)
    if not ok[0]:
        return []
    return [sub.components[i] for row, i in enumerate(candidates, start=1) if not ok[row]]


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
        sub = sub_network(net, fu)
        ready = readiness(net, fu, removed, sub=sub)
        spofs = single_points_of_failure(net, fu, removed, sub=sub)
        for c in spofs:
            spof_index.setdefault(c, []).append(fu)
        unit = scenario.unit(fu)
        fire_units.append({
            "id": fu,
            "type": unit.type,
            "layer": getattr(unit, "layer", None),
            "able": status.able,
            "mode": status.mode,
            "reasons": [r.as_dict() for r in status.reasons],
            "guided_by": list(status.guiders) if status.able else [],
            "sensors": list(status.sensors),
            "missiles": net.missiles[fu],
            "readiness": round(ready.probability, 6),
            "readiness_exact": ready.exact,
            "readiness_se": round(ready.standard_error, 6),
            "readiness_uncertain_components": ready.uncertain,
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


def audit_key(scenario: Scenario, without: tuple[str, ...] = ()) -> str:
    """sha256 of everything the audit reads: the iadsim version and the rules' code, the whole scenario (its units,
    links and doctrine, and its threats: what they attack makes a unit 'targeted'), the sites, the catalog types,
    and the ``without`` list."""
    import hashlib
    import json

    from iadsim import __version__

    spec = scenario.spec
    data = {
        "version": __version__, "code": _code_fingerprint(), "limits": [MAX_EXACT_COMPONENTS, SAMPLES],
        "name": spec.name, "without": list(without),
        # the whole scenario, not only the network: a key that left out the threats read back a stale 'targeted'
        "scenario": spec.model_dump(mode="json", by_alias=True),
        "sites": {k: [v.x, v.y, v.ground] for k, v in sorted(scenario.sites.items())},
        "catalog": {k: scenario.catalog.types[k].model_dump(mode="json") for k in sorted(scenario.catalog.types)},
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """sha256 of the network package's source and of the registries the rules read (the sensor models, what a
    target places): a changed rule never reads an audit cached by the old one."""
    import hashlib

    import iadsim.registry

    h = hashlib.sha256()
    for file in [*sorted(Path(__file__).parent.glob("*.py")), Path(iadsim.registry.__file__)]:
        h.update(file.read_bytes())
    return h.hexdigest()


def cache_folder() -> Path:
    """``$XDG_CACHE_HOME/iadsim/audit`` (``~/.cache`` when XDG_CACHE_HOME is not set)."""
    return user_cache_folder("audit")


def cached_audit(scenario: Scenario, without: tuple[str, ...] = (), folder: Path | None = None) -> dict:
    """:func:`audit`, kept under :func:`cache_folder` by :func:`audit_key`: a second call for the same
    network (``simulate``, ``sweep``, ``coverage``, a re-run) reads it back. An unreadable or foreign cache
    file is ignored and rewritten; a cache folder that cannot be written is simply not used."""
    import json

    from iadsim.scenario.yamlio import read_json, write_atomic

    folder = cache_folder() if folder is None else Path(folder)
    key = audit_key(scenario, tuple(without))
    file = folder / f"{key}.json"
    try:
        data = read_json(file, what="audit cache")
        if isinstance(data, dict) and data.get("key") == key and isinstance(data.get("audit"), dict):
            return data["audit"]
    except InputError:
        pass
    result = audit(scenario, without)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(file, json.dumps({"key": key, "audit": result}).encode("utf-8"), mode=0o600)  # (the user's)
    except (OSError, InputError):
        pass
    return result

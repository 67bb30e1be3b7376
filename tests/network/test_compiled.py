"""The compiled rules (iadsim.network.compiled) against the reference rules (chain.is_able) on every kind of
state: random networks, random up/down states of *all* components (relevant or not), and the reference
audit (iadsim.network.reference) on the examples."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from iadsim.network import audit, build_network, is_able
from iadsim.network import reference as ref
from iadsim.network.compiled import able, sub_network
from iadsim.scenario import load_scenario

from .conftest import scenario_dict, write_scenario
from .test_readiness_bruteforce import random_network

ROOT = Path(__file__).resolve().parents[2]
SEEDS = range(60)


@pytest.fixture(scope="module")
def nets(tmp_path_factory):
    out = {}
    for seed in SEEDS:
        units, links, fallback, _ = random_network(1000 + seed)
        path = write_scenario(tmp_path_factory.mktemp(f"c{seed}"), scenario_dict(units, links, fallback))
        out[seed] = build_network(load_scenario(path))
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_compiled_rules_agree_with_the_reference_on_random_states(nets, seed):
    net = nets[seed]
    rng = np.random.default_rng(seed)
    everything = net.components
    states = rng.random((200, len(everything))) < rng.uniform(0.3, 0.9)
    for fu in net.fire_units:
        sub = sub_network(net, fu)
        columns = [everything.index(c) for c in sub.components]
        got = able(sub, states[:, columns])
        for k, row in enumerate(states):
            up = dict(zip(everything, row, strict=True))
            assert got[k] == is_able(net, fu, up.__getitem__), (seed, fu, k)


def test_random_states_reach_both_answers(nets):
    """Guard against a vacuous comparison: the states must make launchers both able and unable."""
    answers = set()
    for seed, net in nets.items():
        rng = np.random.default_rng(seed)
        for fu in net.fire_units:
            sub = sub_network(net, fu)
            answers |= set(able(sub, rng.random((50, len(sub.components))) < 0.7).tolist())
    assert answers == {True, False}


@pytest.mark.parametrize("name", ["airbase-as-designed", "airbase-as-reported", "reference-large"])
def test_audit_equals_the_reference_audit_on_the_examples(name):
    scenario = load_scenario(ROOT / "examples" / f"{name}.yaml")
    net = build_network(scenario)
    for fu in audit(scenario)["fire_units"]:
        probability, exact = ref.chain_probability(net, fu["id"])
        assert exact and fu["readiness_exact"]
        assert fu["readiness"] == pytest.approx(round(probability, 6), abs=1.5e-6)  # two summation orders
        assert fu["single_points_of_failure"] == ref.single_points_of_failure(net, fu["id"])


def test_sampled_readiness_reports_its_standard_error(monkeypatch):
    import importlib

    module = importlib.import_module("iadsim.network.audit")
    scenario = load_scenario(ROOT / "examples" / "reference-large.yaml")
    exact = {fu["id"]: fu["readiness"] for fu in audit(scenario)["fire_units"]}
    monkeypatch.setattr(module, "MAX_EXACT_COMPONENTS", 3)
    for fu in audit(scenario)["fire_units"]:
        if fu["readiness_uncertain_components"] <= 3:
            continue
        assert not fu["readiness_exact"] and fu["readiness_se"] > 0 or exact[fu["id"]] in (0.0, 1.0)
        assert abs(fu["readiness"] - exact[fu["id"]]) <= 5 * max(fu["readiness_se"], 1e-6)


def test_the_audit_is_cached_by_content(tmp_path, monkeypatch):
    import importlib

    module = importlib.import_module("iadsim.network.audit")
    scenario = load_scenario(ROOT / "examples" / "airbase-as-designed.yaml")
    first = module.cached_audit(scenario, folder=tmp_path)
    assert first == audit(scenario)
    files = list(tmp_path.glob("*.json"))
    assert len(files) == 1 and files[0].stem == module.audit_key(scenario)

    def boom(*args, **kwargs):
        raise AssertionError("the cached audit was recomputed")

    monkeypatch.setattr(module, "audit", boom)
    assert module.cached_audit(scenario, folder=tmp_path) == first  # read back, not recomputed
    monkeypatch.undo()
    other = load_scenario(ROOT / "examples" / "airbase-as-reported.yaml")
    assert module.audit_key(other) != module.audit_key(scenario)
    assert module.audit_key(scenario, ("cp-1",)) != module.audit_key(scenario)
    # a raid retargeted at a radar makes it 'targeted': the key reads the threats too (a stale audit said nothing)
    raids = [scenario.spec.threats[0].model_copy(update={"target": "lr-fcr"}), *scenario.spec.threats[1:]]
    retargeted = dataclasses.replace(scenario, spec=scenario.spec.model_copy(update={"threats": raids}))
    assert module.audit_key(retargeted) != module.audit_key(scenario)
    files[0].write_text("{not json")  # a damaged cache file is ignored and rewritten
    assert module.cached_audit(scenario, folder=tmp_path) == first
    assert json.loads(files[0].read_text())["key"] == module.audit_key(scenario)


def test_the_cache_lives_under_xdg_cache_home(tmp_path, monkeypatch):
    import importlib

    module = importlib.import_module("iadsim.network.audit")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert module.cache_folder() == tmp_path / "iadsim" / "audit"


def test_cli_audit_says_when_readiness_is_sampled(monkeypatch, capsys, tmp_path):
    import importlib

    from iadsim.cli import main

    module = importlib.import_module("iadsim.network.audit")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(module, "MAX_EXACT_COMPONENTS", 3)
    assert main(["audit", str(ROOT / "examples" / "reference-large.yaml")]) == 0
    text = capsys.readouterr().out
    assert "(sampled)" in text and "±" in text


@pytest.mark.parametrize("seed", range(30))
def test_factoring_equals_full_enumeration(nets, seed):
    """probability_able (factoring with monotone bounds) against the sum
    over every state of the sub-network, with random probabilities on every component."""
    from iadsim.network.compiled import probability_able

    net = nets[seed]
    rng = np.random.default_rng(seed)
    for fu in net.fire_units:
        sub = sub_network(net, fu)
        n = len(sub.components)
        if n > 14:
            continue
        probs = rng.choice([0.0, 0.3, 0.6, 0.9, 1.0], size=n)
        bits = ((np.arange(2**n)[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
        weight = np.prod(np.where(bits, probs, 1.0 - probs), axis=1)
        expected = float(weight[able(sub, bits)].sum())
        assert probability_able(sub, probs) == pytest.approx(expected, abs=1e-12), (seed, fu)


def test_factoring_gives_up_beyond_its_frontier(monkeypatch):
    import importlib

    from iadsim.network import compiled

    module = importlib.import_module("iadsim.network.audit")
    scenario = load_scenario(ROOT / "examples" / "reference-large.yaml")
    net = build_network(scenario)
    exact = module.readiness(net, "lr-l1")
    monkeypatch.setattr(compiled, "MAX_FRONTIER", 0)  # any split is too many
    sampled = module.readiness(net, "lr-l1")
    assert exact.exact and not sampled.exact and sampled.standard_error > 0
    assert abs(sampled.probability - exact.probability) < 5 * sampled.standard_error

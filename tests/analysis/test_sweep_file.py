"""Sweep files: field paths, designs, seeds, and bad files reported with file, line and field."""

import numpy as np
import pytest

from iadsim.analysis.sweep import load_sweep, parse_path, point_seed, resolve_path, set_at
from iadsim.scenario import InputError


def test_parse_path_items_by_id_and_index():
    assert parse_path("units[lr-fcr].readiness.availability") == [
        ("key", "units"), ("item", "lr-fcr"), ("key", "readiness"), ("key", "availability")]
    assert parse_path("links[0].latency") == [("key", "links"), ("item", "0"), ("key", "latency")]
    for bad in ("", ".units", "units[", "units..x", "units[a]b", "3x"):
        with pytest.raises(ValueError):
            parse_path(bad)


def test_resolve_and_set_create_missing_mappings():
    data = {"units": [{"id": "a"}, {"id": "b", "readiness": {"availability": 0.5}}], "links": [{"to": "a"}]}
    assert resolve_path(data, "units[b].readiness.availability") == ("units", 1, "readiness", "availability")
    loc = resolve_path(data, "units[a].readiness.availability")
    set_at(data, loc, 0.7)
    assert data["units"][0] == {"id": "a", "readiness": {"availability": 0.7}}
    assert resolve_path(data, "links[-1].latency") == ("links", 0, "latency")
    with pytest.raises(ValueError, match="no item with id 'zz'.*ids: a, b"):
        resolve_path(data, "units[zz].readiness")
    with pytest.raises(ValueError, match="out of range"):
        resolve_path(data, "links[3].latency")


def test_point_seeds_follow_seed_sequence_spawn():
    # numpy's documented derivation of independent streams, keyed by the point index
    expected = np.random.SeedSequence(11, spawn_key=(3,)).generate_state(1, np.uint64)[0]
    assert point_seed(11, 3) == int(expected)
    assert len({point_seed(11, p) for p in range(100)}) == 100


def test_grid_points_apply_values_with_units(write_sweep):
    sweep = load_sweep(write_sweep("""\
base: tiny.yaml
design: grid
factors:
  - {path: "units[sr].readiness.availability", values: [0.5, 1.0]}
  - {path: authority.decision_time.median, values: [2, 30], unit: s}
  - {path: authority.mode, values: [autonomous, human-in-the-loop]}
set: {duration: 2 min}
replications: 4
"""))
    assert len(sweep.points) == 8
    p = sweep.points[3]
    assert p.values == {"units[sr].readiness.availability": 0.5, "authority.decision_time.median": 30,
                        "authority.mode": "human-in-the-loop"}
    assert p.data["authority"]["decision_time"]["median"] == "30 s"
    assert p.data["duration"] == "2 min"
    assert sweep.seed == 7  # the base scenario's seed when the sweep gives none
    assert [f.kind for f in sweep.factors] == ["float", "int", "string"]


@pytest.mark.parametrize("design,extra,count", [
    ("random", "samples: 5", 5), ("lhs", "samples: 6", 6), ("sobol", "samples: 4", 4 * 3)])
def test_sampled_designs_are_reproducible_and_in_range(write_sweep, design, extra, count):
    text = f"""\
base: tiny.yaml
design: {design}
factors:
  - {{path: "threats[raid].count", low: 1, high: 6, integer: true}}
{extra}
replications: 2
seed: 3
"""
    a, b = load_sweep(write_sweep(text)), load_sweep(write_sweep(text, "again.yaml"))
    counts = [p.values["threats[raid].count"] for p in a.points]
    assert len(counts) == count and all(1 <= c <= 6 and isinstance(c, int) for c in counts)
    assert counts == [p.values["threats[raid].count"] for p in b.points]


def _error(write_sweep, text: str) -> InputError:
    with pytest.raises(InputError) as info:
        load_sweep(write_sweep(text))
    return info.value


def test_unknown_key_names_its_line(write_sweep):
    err = _error(write_sweep, """\
base: tiny.yaml
design: grid
factors:
  - {path: authority.mode, values: [autonomous], colour: red}
replications: 2
""")
    assert err.file.endswith("sweep.yaml") and err.line == 4 and err.loc == ("factors", 0, "colour")
    assert "unknown field 'colour'" in str(err)


def test_bad_path_names_the_factor_line(write_sweep):
    err = _error(write_sweep, """\
base: tiny.yaml
design: grid
factors:
  - {path: authority.mode, values: [autonomous]}
  - path: "units[no-such-radar].readiness.availability"
    values: [0.5]
replications: 2
""")
    assert err.line == 5 and err.loc == ("factors", 1, "path")
    assert "no item with id 'no-such-radar'" in str(err) and "sr" in str(err)


def test_missing_base_names_the_base_line(write_sweep):
    err = _error(write_sweep, """\
# a comment
base: nowhere.yaml
design: list
factors: [{path: authority.mode, values: [autonomous]}]
replications: 2
""")
    assert err.line == 2 and err.loc == ("base",) and "not found" in str(err)


def test_invalid_point_names_the_value_line(write_sweep):
    err = _error(write_sweep, """\
base: tiny.yaml
design: grid
factors:
  - path: "units[sr].readiness.availability"
    values:
      - 0.5
      - 1.5
replications: 2
""")
    assert err.file.endswith("sweep.yaml") and err.line == 7 and err.loc == ("factors", 0, "values", 1)
    assert "point 1" in str(err) and "probability" in str(err) and "tiny.yaml" in str(err)


def test_misspelt_field_at_the_end_of_a_path_is_caught_by_validation(write_sweep):
    err = _error(write_sweep, """\
base: tiny.yaml
design: grid
factors: [{path: "units[sr].readiness.availabilty", values: [0.5]}]
replications: 2
""")
    assert err.line == 3 and "unknown field 'availabilty'" in str(err)


@pytest.mark.parametrize("text,line,words", [
    ("design: grid\nfactors: [{path: authority.mode, values: [autonomous]}]\n", 1, "exactly one of 'replications'"),
    ("design: lhs\nfactors: [{path: duration, low: 1, high: 2, unit: min}]\nreplications: 2\n", 2, "needs 'samples'"),
    ("design: grid\nfactors: [{path: duration, low: 1, high: 2}]\nreplications: 2\n", 3, "needs 'values'"),
    ("design: grid\nfactors: [{path: authority.mode, values: [autonomous]}]\nreplications: 2\nmetrics: [fun]\n",
     5, "unknown metric 'fun'"),
    ("design: random\nsamples: 3\nfactors: [{path: duration, low: 5, high: 1, unit: min}]\nreplications: 2\n",
     4, "low < high"),
])
def test_inconsistent_sweeps(write_sweep, text, line, words):
    err = _error(write_sweep, "base: tiny.yaml\n" + text)
    assert words in str(err)
    assert err.line == line

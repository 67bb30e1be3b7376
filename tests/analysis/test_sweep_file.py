"""Sweep files: field paths, designs, seeds, and bad files reported with file, line and field."""

from pathlib import Path

import numpy as np
import pytest
import yaml

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


@pytest.mark.parametrize("levels,loc", [("values: [0.5, .nan]", ("factors", 0, "values", 1)),
                                        ("low: 0.1\n    high: .inf", ("factors", 0, "high"))])
def test_a_level_that_is_not_a_finite_number_names_its_field(write_sweep, levels, loc):
    """NaN is how the results say 'the base's value': as a level, its point was labelled 'base'."""
    err = _error(write_sweep, f"""\
base: tiny.yaml
design: {"grid" if "values" in levels else "lhs"}
factors:
  - path: units[sr].readiness.availability
    {levels}
replications: 2
""" + ("samples: 4\n" if "low" in levels else ""))
    assert err.loc == loc and "not a level: give a finite number" in str(err)


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
    ("design: grid\nfactors: [{path: authority.mode, values: [autonomous]}]\nreplications: 2\nmetrics: [leakers]\n"
     "tradeoff: [leakers, kill]\n", 6, "unknown metric 'kill'"),
    ("design: grid\nfactors: [{path: authority.mode, values: [autonomous]}]\nreplications: 2\n"
     "tradeoff: [engagements, leakers]\n", 5, "say which way is better for 'engagements'"),
    ("design: grid\nfactors: [{path: authority.mode, values: [autonomous]}]\nreplications: 2\n"
     "tradeoff: [leakers, 'leakers:higher']\n", 5, "two different metrics"),
    ("design: random\nsamples: 3\nfactors: [{path: duration, low: 5, high: 1, unit: min}]\nreplications: 2\n",
     4, "low < high"),
    # integer: true with fractional levels of a design that does not round them (an internal error, after points.json)
    ("design: grid\nfactors: [{path: 'units[sr].readiness.availability', values: [0.5, 0.9], integer: true}]\n"
     "replications: 2\n", 3, "must be whole numbers"),
    ("design: oat\nfactors: [{path: 'units[sr].readiness.availability', low: 0.2, high: 0.8, integer: true}]\n"
     "replications: 2\n", 3, "must be whole numbers"),
])
def test_inconsistent_sweeps(write_sweep, text, line, words):
    err = _error(write_sweep, "base: tiny.yaml\n" + text)
    assert words in str(err)
    assert err.line == line


# ---------------------------------------------------------------------------------------------- format version

def test_format_version_newer_than_this_program_is_refused_at_its_line(write_sweep):
    err = _error(write_sweep, "base: tiny.yaml\ndesign: grid\nformat_version: 99\n"
                              "factors: [{path: authority.mode, values: [autonomous]}]\nreplications: 2\n")
    assert err.line == 3 and err.loc == ("format_version",)
    assert "format version 99" in str(err) and "upgrade iadsim" in str(err)


@pytest.mark.parametrize("value", ["one", "0", "1.5", "true"])
def test_format_version_must_be_a_whole_number(write_sweep, value):
    err = _error(write_sweep, f"base: tiny.yaml\nformat_version: {value}\ndesign: grid\n"
                              "factors: [{{path: authority.mode, values: [autonomous]}}]\nreplications: 2\n"
                 .replace("{{", "{").replace("}}", "}"))
    assert err.line == 2 and err.loc == ("format_version",)


def test_older_format_is_migrated_before_validation(write_sweep, monkeypatch):
    # a hypothetical version 2 renamed 'reps' to 'replications': a version-1 file still loads
    from iadsim.scenario import versions

    def rename(data):
        data["replications"] = data.pop("reps")

    monkeypatch.setitem(versions.CURRENT, "sweep", 2)
    monkeypatch.setitem(versions.MIGRATIONS, "sweep", {1: rename})
    monkeypatch.setattr("iadsim.analysis.sweep.load.CURRENT", versions.CURRENT)
    sweep = load_sweep(write_sweep("base: tiny.yaml\ndesign: list\nreps: 3\n"
                                   "factors: [{path: authority.mode, values: [autonomous]}]\n"))
    assert sweep.spec.replications == 3
    absent = load_sweep(write_sweep("base: tiny.yaml\ndesign: list\nreplications: 4\nformat_version: 2\n"
                                    "factors: [{path: authority.mode, values: [autonomous]}]\n", "v2.yaml"))
    assert absent.spec.replications == 4  # a current file is not migrated


# ---------------------------------------------------------------------------------------------- column names

@pytest.mark.parametrize("factor,loc", [
    ("{path: authority.mode, name: seed, values: [autonomous]}", ("factors", 0, "name")),
    ("{path: authority.mode, name: point, values: [autonomous]}", ("factors", 0, "name")),
    ("{path: authority.mode, name: Replication, values: [autonomous]}", ("factors", 0, "name")),
    ("{path: authority.mode, name: KILLS, values: [autonomous]}", ("factors", 0, "name")),
    ("{path: authority.mode, name: leakers_ci_high, values: [autonomous]}", ("factors", 0, "name")),
    ("{path: seed, values: [1, 2]}", ("factors", 0, "path")),  # the default name is the path
])
def test_factor_names_cannot_shadow_result_columns(write_sweep, factor, loc):
    err = _error(write_sweep, f"base: tiny.yaml\ndesign: grid\nfactors:\n  - {factor}\nreplications: 2\n")
    assert err.line == 4 and err.loc == loc and "is taken by the results" in str(err)


def test_factor_names_differing_only_in_case_collide(write_sweep):
    err = _error(write_sweep, """\
base: tiny.yaml
design: grid
factors:
  - {path: authority.mode, name: mode, values: [autonomous]}
  - {path: "units[sr].readiness.availability", name: Mode, values: [0.5]}
replications: 2
""")
    assert err.line == 5 and err.loc == ("factors", 1, "name") and "another factor" in str(err)


# ---------------------------------------------------------------------------------------------- budgets

def _bounded(fn):
    """Run fn under tracemalloc: (its InputError, seconds, peak bytes allocated by Python and numpy)."""
    import time
    import tracemalloc

    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(InputError) as info:
            fn()
        return info.value, time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_grid_of_2_to_the_30_points_is_refused_before_it_is_built(write_sweep):
    factors = "\n".join(f"  - {{path: 'units[sr].readiness.availability', name: f{i}, values: [0.5, 0.6]}}"
                        for i in range(30))
    path = write_sweep(f"base: tiny.yaml\ndesign: grid\nfactors:\n{factors}\nreplications: 2\n")
    err, seconds, peak = _bounded(lambda: load_sweep(path))
    assert err.loc == ("factors", 0, "values") and err.line == 4
    assert f"{2**30:,} points" in str(err) and "at most 100,000" in str(err)
    assert seconds < 10 and peak < 200e6


def test_sobol_with_a_million_samples_and_100_factors_is_refused_before_sampling(write_sweep):
    factors = "\n".join(f"  - {{path: 'units[sr].readiness.availability', name: f{i}, low: 0.1, high: 0.9}}"
                        for i in range(100))
    path = write_sweep(f"base: tiny.yaml\ndesign: sobol\nsamples: 1000000\nfactors:\n{factors}\nreplications: 2\n")
    err, seconds, peak = _bounded(lambda: load_sweep(path))
    assert err.loc == ("samples",) and err.line == 3 and f"{10**6 * 102:,} points" in str(err)
    assert seconds < 10 and peak < 200e6


def test_too_many_replications_in_all_names_the_field(write_sweep):
    err = _error(write_sweep, "base: tiny.yaml\ndesign: random\nsamples: 200\nreplications: 10000000\n"
                              "factors: [{path: 'units[sr].readiness.availability', low: 0.1, high: 0.9}]\n")
    assert err.loc == ("replications",) and err.line == 4 and "2,000,000,000 replications" in str(err)


def test_points_that_would_not_fit_in_memory_are_refused_before_they_are_built(write_sweep):
    path = write_sweep("base: tiny.yaml\ndesign: random\nsamples: 90000\nreplications: 2\n"
                       "factors: [{path: 'units[sr].readiness.availability', low: 0.1, high: 0.9}]\n")
    err, seconds, _ = _bounded(lambda: load_sweep(path, max_memory="100MB"))
    assert err.loc == ("samples",) and "90,000 points" in str(err) and "--max-memory (100 MB)" in str(err)
    assert seconds < 10


def test_a_batch_too_big_for_the_memory_names_batch_and_a_size_that_fits(write_sweep):
    from iadsim.analysis.sweep import check_budget

    sweep = load_sweep(write_sweep("base: tiny.yaml\ndesign: list\nreplications: 400000\nbatch: 400000\n"
                                   "factors: [{path: 'units[sr].readiness.availability', values: [0.5]}]\n"),
                       max_memory="50GB")
    with pytest.raises(InputError) as info:
        check_budget(sweep, "500MB")
    err = info.value
    assert err.loc == ("batch",) and err.line == 4 and "use a batch of at most" in str(err)
    fit = int(str(err).split("at most ")[1].replace(",", ""))
    size = sweep.points[0].size
    assert size.batch_bytes(fit) <= 500e6 < size.batch_bytes(fit + 1)
    assert check_budget(sweep, "50GB") == size.batch_bytes(400000)


def test_a_scenario_too_big_for_one_replication_names_the_set_entry_or_factor(write_sweep):
    with pytest.raises(InputError) as info:
        load_sweep(write_sweep("base: tiny.yaml\ndesign: list\nreplications: 2\nset: {duration: 700 h}\n"
                               "factors: [{path: 'units[sr].readiness.availability', values: [0.5]}]\n"),
                   max_memory="2GB")
    err = info.value
    assert err.loc == ("set", "duration") and err.line == 4 and "2,520,001 steps" in str(err)
    with pytest.raises(InputError) as info:
        load_sweep(write_sweep("base: tiny.yaml\ndesign: list\nreplications: 2\n"
                               "factors: [{path: duration, values: [2, 700], unit: h}]\n", "f.yaml"),
                   max_memory="2GB")
    err = info.value
    assert err.loc == ("factors", 0) and err.line == 4 and "point 1 " in str(err)


@pytest.mark.parametrize("text,expected", [("4GB", 4e9), ("512 MiB", 512 * 2**20), ("2e9", 2e9), (3_000_000, 3e6),
                                           ("1.5 gb", 1.5e9)])
def test_parse_memory(text, expected):
    from iadsim.analysis.sweep import parse_memory

    assert parse_memory(text) == int(expected)


@pytest.mark.parametrize("text", ["lots", "4 GBB", "-1GB", "10", "", "nan", "1e400"])
def test_parse_memory_refuses_what_is_not_memory(text):
    from iadsim.analysis.sweep import parse_memory

    with pytest.raises(InputError) as info:
        parse_memory(text)
    assert info.value.file == "--max-memory"


@pytest.mark.parametrize("plan,loc,line", [
    ("replications: 10000000\nbatch: 1\n", ("batch",), 5),
    ("stop: {half_width: 0.1, max: 10000000, batch: 1}\n", ("stop", "batch"), 4)])
def test_too_many_work_units_are_refused_naming_batch(write_sweep, plan, loc, line):
    from iadsim.analysis.sweep import MAX_WORK_UNITS

    path = write_sweep("base: tiny.yaml\ndesign: grid\n"
                       "factors: [{path: 'units[sr].readiness.availability', values: [0.5, 0.9]}]\n" + plan)
    err, seconds, peak = _bounded(lambda: load_sweep(path))
    assert err.loc == loc and err.line == line, str(err)
    assert "20,000,000 work units" in str(err) and f"at most {MAX_WORK_UNITS:,}" in str(err)
    assert "batch" in str(err) and seconds < 10 and peak < 200e6


def test_work_units_at_the_cap_are_accepted(write_sweep, monkeypatch):
    from iadsim.analysis.sweep import budget  # where the limit is looked up

    monkeypatch.setattr(budget, "MAX_WORK_UNITS", 6)
    text = "base: tiny.yaml\ndesign: grid\nfactors: [{path: 'units[sr].readiness.availability', values: [0.5, 0.9]}]\n"
    assert len(load_sweep(write_sweep(text + "replications: 5\nbatch: 2\n")).points) == 2  # 2 x 3 = 6
    with pytest.raises(InputError, match="8 work units"):
        load_sweep(write_sweep(text + "replications: 7\nbatch: 2\n"))  # 2 x 4 = 8


def test_a_base_that_is_a_symlink_loop_is_an_input_error(write_sweep, tmp_path):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    for base in ("a.yaml", str(tmp_path / "a.yaml")):
        err = _error(write_sweep, f"base: {base}\ndesign: grid\nreplications: 2\n"
                                  "factors: [{path: 'units[sr].readiness.availability', values: [0.5]}]\n")
        assert "symbolic link loop" in str(err) and err.loc == ("base",) and err.line == 1


@pytest.mark.parametrize("content", [
    "password: hunter2\ntoken: SECRET\n",
    "- password\n- hunter2\n- SECRET\n",
    "SECRET\n",
    "name: x\nduration: 1 min\nterrain: {flat: 0 m}\nunits: []\npassword: hunter2\nSECRET: 1\n",
    "name: hunter2\nduration: SECRET\nterrain: {flat: 0 m}\n",
])
def test_a_base_that_is_not_a_scenario_is_refused_without_quoting_it(write_sweep, tmp_path, content):
    (tmp_path / "secrets.yaml").write_text(content)
    err = _error(write_sweep, "base: secrets.yaml\ndesign: grid\nreplications: 2\n"
                              "factors: [{path: 'units[sr].readiness.availability', values: [0.5]}]\n")
    assert err.file == str(tmp_path / "secrets.yaml") and "is not an iadsim scenario file" in str(err)
    for word in ("hunter2", "SECRET", "password", "token"):
        assert word not in str(err)


def test_a_sweep_of_the_crews_trust_that_every_crew_overrides_is_refused_at_the_factor(tmp_path):
    """Every fire unit (and command post) of the base giving its own trust, no crew reads the operator model's: the
    sweep's curve would read flat. With one crew left on the default, it loads."""
    example = Path(__file__).parents[2] / "examples" / "automated-battery.yaml"
    data = yaml.safe_load(example.read_text())
    launchers = [u for u in data["units"] if u["type"] == "lr-launcher"]
    assert len(launchers) > 1
    for u in launchers:
        u["trust"] = 0.3
    sweep = ("base: base.yaml\ndesign: grid\nreplications: 2\nfactors:\n"
             "  - {path: authority.automation.operator.trust, values: [0.2, 0.9]}\n")
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    (tmp_path / "sweep.yaml").write_text(sweep)
    with pytest.raises(InputError) as caught:
        load_sweep(tmp_path / "sweep.yaml")
    assert caught.value.line == 5 and "factors[0].path" in str(caught.value) and "read flat" in str(caught.value)
    del launchers[0]["trust"]
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    assert len(load_sweep(tmp_path / "sweep.yaml").points) == 2

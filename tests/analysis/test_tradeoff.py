"""Trade-offs across a sweep's points: any two registered metrics (ratios of totals included), their values per point
recomputed here from the stored replication rows, and the Pareto front against a brute-force check of dominance."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.scenario._helpers import run_cli

from iadsim.analysis import load_sweep, run_sweep
from iadsim.analysis.sweep import store
from iadsim.analysis.tradeoff import pareto_front, parse_tradeoff, tradeoff_table
from iadsim.scenario import InputError

from .conftest import TINY_SCENARIO

PRICED = (TINY_SCENARIO.replace("{id: telar, type: mr-telar,", "{id: telar, type: mr-telar, layer: medium,")
          .replace("{id: ll, type: mr-launcher-loader,", "{id: ll, type: mr-launcher-loader, layer: medium,")
          .replace("  - {id: base, x: 0 km, y: 0 km, radius: 1.5 km}",
                   "  - {id: base, x: 0 km, y: 0 km, radius: 1.5 km, value: 100000000}")
          + "costs:\n  mr-missile: 500000\n")
SWEEP = """\
base: priced.yaml
design: grid
factors:
  - {path: "units[telar].readiness.availability", values: [0.3, 0.7, 1.0]}
  - {path: "threats[raid].count", values: [2, 4]}
replications: 12
batch: 6
seed: 3
metrics: [leakers, kills]
tradeoff: [cost_exchange_ratio, p_raid_annihilation]
"""


def _dominated(points: list[tuple[float, float]], i: int) -> bool:
    """Another point at least as low on both and lower on one (both lower is better)."""
    a = points[i]
    return any(b[0] <= a[0] and b[1] <= a[1] and (b[0] < a[0] or b[1] < a[1]) for j, b in enumerate(points) if j != i)


@settings(max_examples=80, deadline=None)
@given(xy=st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=25),
       flips=st.tuples(st.booleans(), st.booleans()))
def test_the_pareto_front_is_the_undominated_points(xy, flips):
    x, y = (np.array([p[k] for p in xy], float) for k in (0, 1))
    better = tuple("higher" if f else "lower" for f in flips)
    front = pareto_front(x, y, *better)
    signed = [(a * (-1 if flips[0] else 1), b * (-1 if flips[1] else 1)) for a, b in zip(x, y, strict=True)]
    assert front.tolist() == [not _dominated(signed, i) for i in range(len(xy))]
    assert front.any()  # a finite set always has an undominated point


def test_undefined_values_are_never_on_the_front_nor_dominate():
    front = pareto_front([0.0, np.nan, 1.0, np.inf], [5.0, 0.0, 1.0, 0.0], "lower", "lower")
    assert front.tolist() == [True, False, True, False]


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tradeoff")
    (folder / "priced.yaml").write_text(PRICED)
    (folder / "sweep.yaml").write_text(SWEEP)
    run_sweep(load_sweep(folder / "sweep.yaml"), folder / "out", "serial")
    return folder / "out"


def test_a_ratio_and_a_derived_metric_per_point_from_the_stored_rows(sweep_dir):
    pair = parse_tradeoff("cost_exchange_ratio,p_raid_annihilation")
    assert (pair.better_x, pair.better_y) == ("lower", "higher")
    table = tradeoff_table(sweep_dir, pair)
    results = store.load_results(sweep_dir)
    assert len(table) == 6 and table["replications"].eq(12).all()
    for _, row in table.iterrows():
        mine = results[results.point == row.point]
        destroyed = mine["threat_cost_destroyed"].sum()
        expected = mine["interceptor_cost"].sum() / destroyed if destroyed else np.nan
        assert row["cost_exchange_ratio"] == pytest.approx(expected, nan_ok=True)
        assert row["p_raid_annihilation"] == pytest.approx((mine["leakers"] == 0).mean())
        assert row["p_raid_annihilation_ci_low"] <= row["p_raid_annihilation"] <= row["p_raid_annihilation_ci_high"]
    assert table["cost_exchange_ratio"].notna().sum() >= 4  # (most points destroy something)
    points = list(zip(table["cost_exchange_ratio"], -table["p_raid_annihilation"], strict=True))
    finite = [np.isfinite(p).all() for p in points]
    assert table["pareto"].tolist() == [ok and not _dominated([p for p, f in zip(points, finite, strict=True) if f],
                                                              [p for p, f in zip(points, finite, strict=True)
                                                               if f].index(points[i]))
                                        for i, ok in enumerate(finite)]
    # the factors come with each point, as the design gave them
    design = store.points_frame(sweep_dir)
    assert table["threats[raid].count"].tolist() == design.set_index("point").loc[table.point,
                                                                                   "threats[raid].count"].tolist()


def test_query_tradeoff_prints_the_table(sweep_dir, capsys):
    status, out, err = run_cli(capsys, "query", str(sweep_dir), "--tradeoff", "missiles_expended,kills", "--csv")
    assert status == 0, err
    printed = pd.read_csv(io.StringIO(out))
    expected = tradeoff_table(sweep_dir, parse_tradeoff("missiles_expended,kills"))
    assert printed["pareto"].tolist() == expected["pareto"].tolist()
    np.testing.assert_allclose(printed["missiles_expended"], expected["missiles_expended"])
    results = store.load_results(sweep_dir)
    np.testing.assert_allclose(printed["kills"], results.groupby("point")["kills"].mean().loc[printed.point])


@pytest.mark.parametrize(("argv", "words"), [
    (("--tradeoff", "kills"), "expected two metrics"),
    (("--tradeoff", "kills,leakerz"), "unknown metric 'leakerz'"),
    (("--tradeoff", "engagements,leakers"), "say which way is better for 'engagements'"),
    (("--tradeoff", "engagements:up,leakers"), "'up' is not lower or higher"),
    (("--tradeoff", "kills,kills:lower"), "two different metrics"),
    (("--tradeoff", "leakers_fraction,kills"), "needs each point's number of threats"),
    (("SELECT 1", "--tradeoff", "kills,leakers"), "give SQL or --tradeoff"),
    ((), "give SQL or --tradeoff"),
])
def test_query_tradeoff_bad_input(sweep_dir, capsys, argv, words):
    status, out, err = run_cli(capsys, "query", str(sweep_dir), *argv)
    assert status == 2 and words in err and "Traceback" not in err
    assert out == ""


def test_parse_tradeoff_names_what_is_wrong():
    with pytest.raises(InputError, match="--tradeoff: unknown metric"):
        parse_tradeoff("nothing,leakers")


def test_results_without_a_metrics_columns_say_so(sweep_dir, tmp_path):
    """Results written before a metric existed (here without interceptor_cost): the trade-off that needs it says
    which column is missing, and one that does not need it still works."""
    import shutil

    import pyarrow.parquet as pq

    old = tmp_path / "old"
    shutil.copytree(sweep_dir, old)
    for file in store.unit_files(old):
        table = pq.read_table(file)
        pq.write_table(table.drop(["interceptor_cost"]), file)
    with pytest.raises(InputError, match="has no interceptor_cost column, which 'cost_exchange_ratio' needs"):
        tradeoff_table(old, parse_tradeoff("cost_exchange_ratio,leakers"))
    assert len(tradeoff_table(old, parse_tradeoff("p_raid_annihilation,kills"))) == 6

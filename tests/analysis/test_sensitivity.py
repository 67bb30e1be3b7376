"""Sensitivity: Sobol indices against the Ishigami function's analytic values, the one-at-a-time tornado
and the human-oversight trade-off table."""

import numpy as np
import pandas as pd
import pytest

from iadsim.analysis import (
    load_results,
    load_sweep,
    mean_ci,
    oversight_table,
    run_sweep,
    sobol_analyze,
    sobol_sample,
    tornado,
)
from iadsim.analysis.sensitivity import sobol_indices


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


@pytest.mark.parametrize("n", [1024, 4096])
def test_sobol_ishigami_homma_1990(n):
    # Ishigami & Homma (1990), Proc. ISUMA '90, pp. 398-403; analytic indices for a = 7, b = 0.1 as tabulated
    # in Saltelli et al. (2008), Global Sensitivity Analysis: The Primer, Wiley, section 4.
    # S1 = (0.3139, 0.4424, 0.0), ST = (0.5576, 0.4424, 0.2437); tolerance 0.05 (estimator error at this N).
    bounds = [(-np.pi, np.pi)] * 3
    x = sobol_sample(bounds, n, seed=1)
    assert x.shape == (n * 5, 3)
    indices = sobol_analyze(["x1", "x2", "x3"], bounds, ishigami(x), seed=1)
    np.testing.assert_allclose(indices["S1"], [0.3139, 0.4424, 0.0], atol=0.05)
    np.testing.assert_allclose(indices["ST"], [0.5576, 0.4424, 0.2437], atol=0.05)
    assert (indices["S1_conf"] < 0.1).all() and (indices["ST_conf"] < 0.1).all()


def test_sobol_sweep_plumbing(write_sweep, tmp_path):
    """Smoke test of the plumbing from a sobol sweep to its indices, not of the indices: 2 samples of 2
    replications are far too few for them to mean anything (the estimator is checked against Ishigami above).
    What matters here is that the sweep's points are SALib's Saltelli sample in SALib's order, which is what
    sobol_indices feeds back to SALib's analysis."""
    path = write_sweep("""\
base: tiny.yaml
design: sobol
samples: 2
factors:
  - {path: "units[telar].readiness.availability", low: 0.2, high: 1.0}
  - {path: "threats[raid].count", low: 1, high: 6, integer: true}
replications: 2
batch: 2
seed: 2
""")
    sweep = load_sweep(path)
    names = ["units[telar].readiness.availability", "threats[raid].count"]
    sample = sobol_sample([(0.2, 1.0), (1, 6)], 2, seed=2)
    assert len(sweep.points) == len(sample) == 2 * (len(names) + 2)
    for point, row in zip(sweep.points, sample, strict=True):
        assert point.values == {names[0]: pytest.approx(row[0]), names[1]: int(round(row[1]))}
    run_sweep(sweep, tmp_path / "out", "serial")
    frame = sobol_indices(tmp_path / "out", "kills")
    assert list(frame.index) == names
    assert np.isfinite(frame[["S1", "ST"]].to_numpy()).all()


def test_tornado_of_an_oat_sweep(write_sweep, tmp_path):
    path = write_sweep("""\
base: tiny.yaml
design: oat
factors:
  - {path: "threats[raid].count", values: [1, 6]}
  - {path: "units[sr].readiness.availability", low: 0.95, high: 1.0}
replications: 6
batch: 6
common_random_numbers: true
seed: 4
""")
    sweep = load_sweep(path)
    assert [p.oat for p in sweep.points] == [(None, "base"), ("threats[raid].count", "low"),
                                             ("threats[raid].count", "high"),
                                             ("units[sr].readiness.availability", "low"),
                                             ("units[sr].readiness.availability", "high")]
    assert len({p.seed for p in sweep.points}) == 1  # common random numbers
    run_sweep(sweep, tmp_path / "out", "serial")
    table = tornado(tmp_path / "out", "kills")
    with pytest.raises(ValueError, match="a tornado reads a replication metric, not 'nope': kills, leakers"):
        tornado(tmp_path / "out", "nope")  # (it blamed the results files: "not a results file of this sweep")
    assert table["factor"].iloc[0] == "threats[raid].count"  # 1 vs 6 threats moves kills most
    rows = load_results(tmp_path / "out")
    means = rows.groupby("point")["kills"].mean()
    first = table.iloc[0]
    assert first["low_effect"] == pytest.approx(means[1] - means[0])
    assert first["swing"] == pytest.approx(abs(means[2] - means[1]))
    assert rows.loc[rows["point"] == 0, "threats[raid].count"].isna().all()  # base values are null

    # and the folder's JSON files are JSON: a base value is null, not Python's NaN (which jq and JavaScript refuse)
    import json

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    for name in ("summary.json", "points.json"):
        data = json.loads((tmp_path / "out" / name).read_text(), parse_constant=refuse)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["points"][0]["threats[raid].count"] is None and summary["points"][1]["threats[raid].count"] == 1
    assert data["points"][0]["values"]["threats[raid].count"] is None


def test_oversight_table_groups_by_mode_and_decision_time():
    rows = pd.DataFrame({
        "authority.mode": ["autonomous"] * 4 + ["human-in-the-loop"] * 4,
        "authority.decision_time.median": [5, 5, 30, 30] * 2,
        "leakers": [0, 1, 0, 0, 2, 2, 3, 4],
        "wrongful_engagements": [1, 1, 2, 0, 0, 0, 0, 0],
    })
    table = oversight_table(rows)
    assert len(table) == 4 and list(table["replications"]) == [2, 2, 2, 2]
    hitl_30 = table[(table["authority.mode"] == "human-in-the-loop") & (table["authority.decision_time.median"] == 30)]
    assert hitl_30["leakers_mean"].item() == 3.5 and hitl_30["wrongful_engagements_mean"].item() == 0
    # a sweep's table has no bound for leakers (the number of threats): a count's exact Poisson interval,
    # 7 leakers in 2 replications (Garwood 1936: chi2(0.025, 14) / 4 and chi2(0.975, 16) / 4)
    assert hitl_30["leakers_ci_low"].item() == pytest.approx(5.6287 / 4, rel=1e-4)
    assert hitl_30["leakers_ci_high"].item() == pytest.approx(28.8454 / 4, rel=1e-4)
    assert hitl_30["leakers_half_width"].item() == pytest.approx(28.8454 / 4 - 3.5, rel=1e-4)
    with pytest.raises(ValueError, match="no 'x' or 'y' column"):
        oversight_table(rows, mode="x", decision_time="y")


def test_mean_ci_half_width():
    stat = mean_ci([1.0, 2.0, 4.0, np.nan])  # the NaN is not a replication
    assert stat["n"] == 3 and stat["mean"] == pytest.approx(7 / 3)
    assert stat["half_width"] == pytest.approx(4.3027 * np.std([1, 2, 4], ddof=1) / np.sqrt(3), rel=1e-4)
    assert stat["ci95"] == pytest.approx([stat["mean"] - stat["half_width"], stat["mean"] + stat["half_width"]])
    # one value says nothing of the spread (its interval is the whole range, unbounded: no half-width); none: nothing
    assert mean_ci([5.0])["half_width"] is None and mean_ci([])["half_width"] is None

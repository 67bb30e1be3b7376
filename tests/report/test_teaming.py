"""The report's human-machine teaming section: there for a run with automation, with the numbers its decisions and
summary give (computed here from the run folder's files), absent for a run without; with the example sweep of
trust and authority mode, the trade-off curves. And the example sweep runs, its trust factor applied."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "automated-battery.yaml"
SWEEP = ROOT / "examples" / "sweeps" / "automation-trust.yaml"
REPLICATIONS = 30


@pytest.fixture(scope="module")
def battery_run(tmp_path_factory) -> Path:
    from iadsim.analysis import simulate
    from iadsim.scenario import load_scenario

    out = tmp_path_factory.mktemp("battery") / "run"
    simulate(load_scenario(EXAMPLE), REPLICATIONS, out_dir=out, batch_size=10)
    return out


@pytest.fixture(scope="module")
def trust_sweep(tmp_path_factory) -> Path:
    """The example sweep with 6 replications per point."""
    from iadsim.analysis import load_sweep, run_sweep

    folder = tmp_path_factory.mktemp("sweep")
    doc = yaml.safe_load(SWEEP.read_text())
    doc.update(base=str(EXAMPLE), replications=6)
    (folder / "sweep.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    run_sweep(load_sweep(folder / "sweep.yaml"), folder / "out", "serial")
    return folder / "out"


@pytest.fixture(scope="module")
def page(battery_run, run_dir, trust_sweep, tmp_path_factory) -> str:
    from iadsim.report import build_report

    out = tmp_path_factory.mktemp("report") / "report.html"
    return build_report([battery_run, run_dir], out, sweep_dir=trust_sweep).read_text()


def section(page: str) -> str:
    start = page.index('<section id="teaming">')
    return page[start:page.index("</section>", start)]


def cells(html: str, row_label: str) -> list[str]:
    """The cells after the first cell reading ``row_label`` (tags stripped)."""
    row = re.search(r"<tr><td>" + re.escape(row_label) + r"</td>(.*?)</tr>", html, flags=re.S)
    assert row, row_label
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def decisions_of(run: Path) -> pd.DataFrame:
    return pd.concat([pd.read_parquet(f) for f in sorted((run / "decisions").glob("batch-*.parquet"))],
                     ignore_index=True)


def test_the_section_shows_the_decisions_and_the_outcome(page, battery_run):
    import json

    html = section(page)
    table = decisions_of(battery_run)
    weighed = table[table["label"].isin(["hostile", "arm"]) & table["p_accept"].notna()]
    assert len(weighed) > 50
    # the battery's column, then '-' or the like for the run without automation (it is not a column: one run)
    assert cells(html, "decisions (all replications)")[0] == f"{len(table):,}"
    assert cells(html, "weighed by an operator")[0] == f"{len(weighed):,}"
    assert cells(html, "accepted")[0] == f"{100 * weighed['accepted'].mean():.1f} %"
    assert cells(html, "mean acceptance probability (the model)")[0] == f"{100 * weighed['p_accept'].mean():.1f} %"
    assert cells(html, "IFF cross-checks")[0] == f"{int(table['cross_checked'].sum()):,}"
    assert cells(html, "launches decided")[0] == f"{int(table['launched'].sum()):,}"
    summary = json.loads((battery_run / "summary.json").read_text())["metrics"]
    metrics = pd.concat([pd.read_parquet(f) for f in sorted((battery_run / "metrics").glob("*.parquet"))])
    p_fratricide = float((metrics["fratricide"] > 0).mean())
    assert summary["p_fratricide"]["mean"] == pytest.approx(p_fratricide)

    def shown(value):  # two decimals; two significant digits below 0.01 (a small mean is not 0.00)
        return f"{value:.2g}" if 0 < abs(value) < 0.01 else f"{value:.2f}"

    assert cells(html, "probability of a fratricidal engagement")[0].startswith(f"{shown(p_fratricide)} [")
    assert cells(html, "fratricidal engagements (friendly aircraft)")[0].startswith(
        f"{shown(metrics['fratricide'].mean())} [")
    assert cells(html, "threats leaking")[0].startswith(f"{shown(metrics['leakers'].mean())} [")
    # only the run with decisions has a column
    assert len(cells(html, "accepted")) == 1


def test_the_classifier_table_is_each_targets_first_call_against_the_matrix(page, battery_run):
    html = section(page)
    doc = yaml.safe_load(EXAMPLE.read_text())
    matrix = doc["authority"]["automation"]["classifier"]["confusion"]
    table = decisions_of(battery_run).sort_values(["replication", "time"], kind="stable")
    first = table.drop_duplicates(["replication", "target"])  # persistent identification: one call per target
    labels = ["hostile", "arm", "civil", "friendly"]
    for profile, group in first.groupby("profile"):
        row = cells(html, f"every fire unit</td><td>{profile}")  # (one classifier: every fire unit's)
        assert row[0] == str(len(group))
        for lab, cell in zip(labels, row[1:], strict=True):
            share = float((group["label"] == lab).mean())
            assert cell == f"{100 * share:.1f} % ({100 * matrix[profile].get(lab, 0.0):.1f} %)", (profile, lab)
    assert "friendly-descending" in set(first["profile"])


def test_the_section_is_absent_without_automation(run_dir, tmp_path):
    from iadsim.report import build_report

    page = build_report([run_dir], tmp_path / "report.html").read_text()
    assert 'id="teaming"' not in page and "Human-machine teaming" not in page
    assert 'id="metrics"' in page


def test_the_sweep_gives_trust_curves_per_authority_mode(page, trust_sweep):
    from iadsim.analysis.sweep import store

    html = section(page)
    assert "Trust and authority: the outcome against the crews" in html
    results = store.load_results(trust_sweep)
    points = store.points_frame(trust_sweep)
    number = r"<td class=num>([\d.]+) \[[^<]*</td>"  # (two decimals, as every interval: within 0.005)
    for point, group in results.groupby("point"):
        level = points.set_index("point").loc[point]
        mode, trust = level["authority.mode"], float(level["authority.automation.operator.trust"])
        row = re.search(rf"<tr><td>{mode}</td><td class=num>{trust:.2f}</td><td class=num>{point}</td>"
                        rf"<td class=num>(\d+)</td>{number * 4}</tr>", html)
        assert row, (mode, trust)
        assert int(row.group(1)) == len(group) == 6
        assert float(row.group(2)) == pytest.approx((group["fratricide"] > 0).mean(), abs=5e-3)
        assert float(row.group(3)) == pytest.approx(group["leakers"].mean(), abs=5e-3)
        assert float(row.group(4)) == pytest.approx(group["wrongful_engagements"].mean(), abs=5e-3)
        launched = group["reaction_time"].dropna()
        assert float(row.group(5)) == pytest.approx(launched.mean(), abs=5e-3)
    assert "Not drawn" not in html


def test_the_trust_figure_has_a_panel_per_measure_and_a_curve_per_mode(trust_sweep):
    from iadsim.analysis.sweep import store
    from iadsim.report.teaming import trust_curves, trust_figure

    fig = trust_figure(trust_curves(trust_sweep))
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["probability of a fratricidal engagement", "threats leaking",
                      "wrongful engagements (civil aircraft)", "mean time from nomination to launch [s]"]
    results = store.load_results(trust_sweep)
    modes = ["autonomous", "human-on-the-loop", "human-in-the-loop"]
    assert [t.name for t in fig.data] == [m for m in modes for _ in range(4)]
    panels = {("x", "y"): "fratricide", ("x2", "y2"): "leakers", ("x3", "y3"): "wrongful_engagements",
              ("x4", "y4"): "reaction_time"}
    for trace in fig.data:
        column = panels[(trace.xaxis, trace.yaxis)]
        mine = results[results["authority.mode"] == trace.name].groupby("authority.automation.operator.trust")
        if column == "fratricide":
            expected = mine[column].apply(lambda v: (v > 0).mean())
        else:
            expected = mine[column].mean()  # (NaN reaction times of replications without a launch skipped)
        assert list(trace.x) == [0.2, 0.5, 0.9]
        assert np.allclose(trace.y, expected.loc[[0.2, 0.5, 0.9]].to_numpy()), (trace.name, column)
    # 2 x 2: the reaction time's panel is below the fratricide's, right of the wrongful engagements'
    assert fig.layout.yaxis4.domain[1] < fig.layout.yaxis2.domain[0]
    assert fig.layout.xaxis4.domain[0] > fig.layout.xaxis3.domain[1]


def test_the_example_sweep_varies_trust_and_the_mode(trust_sweep):
    """Nine points; with an operator, more trust accepts more recommendations (fewer vetoes); autonomous has no
    operator and launches on the classifier alone (no time from nomination to launch)."""
    from iadsim.analysis.sweep import store

    results = store.load_results(trust_sweep)  # (each row with its point's factor values)
    assert results["point"].nunique() == 9 and len(results) == 54
    means = results.groupby(["authority.mode", "authority.automation.operator.trust"])[
        ["vetoes", "reaction_time"]].mean()
    for mode in ("human-on-the-loop", "human-in-the-loop"):
        assert means.loc[(mode, 0.2), "vetoes"] > means.loc[(mode, 0.9), "vetoes"] + 2
    assert np.allclose(means.loc["autonomous", "reaction_time"], 0.0)
    assert np.allclose(means.loc["human-on-the-loop", "reaction_time"], 20.0)


# ------------------------------------------------------------------ acceptance against workload


def wilson95(k: int, n: int) -> tuple[float, float]:
    """The Wilson score interval (Wilson 1927), written out here: z = 1.959964."""
    z = 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (0.0 if k == 0 else centre - half), (1.0 if k == n else centre + half)


def decisions(workload, accepted, p_accept, label="hostile", iff_reply=False) -> pd.DataFrame:
    n = len(workload)
    return pd.DataFrame({
        "replication": np.zeros(n, np.int64), "time": np.arange(n, dtype=float), "unit": np.zeros(n, np.int32),
        "target": np.arange(n, dtype=np.int32), "profile": "hostile", "label": label, "confidence": 0.9,
        "time_to_intercept": 60.0, "pressure": 0.5, "workload": np.asarray(workload, float), "hours": 0.1,
        "p_accept": np.asarray(p_accept, float), "cross_checked": False, "iff_reply": iff_reply,
        "accepted": np.asarray(accepted, bool), "launched": np.asarray(accepted, bool)})


def test_acceptance_by_workload_counts_each_bin(tmp_path):
    """Workloads 1 (100 decisions), 2 (100) and 3 (5): quintiles of 41 put 1 in the second, 2 in the fourth and 3
    in the fifth; 3's 5 decisions are too few and join 2's. Decisions with a valid IFF reply, without a workload or
    not weighed (a call to hold fire) are not binned."""
    from iadsim.report.teaming import acceptance_by_workload

    rng = np.random.default_rng(5)
    workload = np.r_[np.full(100, 1.0), np.full(100, 2.0), np.full(5, 3.0)]
    p_accept = rng.uniform(0.2, 0.9, len(workload))
    accepted = rng.uniform(size=len(workload)) < p_accept
    frame = pd.concat([
        decisions(workload, accepted, p_accept),
        decisions([1.0] * 7, [False] * 7, [0.9] * 7, iff_reply=True),  # vetoed by IFF: not the model's call
        decisions([np.nan] * 3 + [np.inf], [True] * 4, [0.5] * 4),  # no workload: counted, not binned
        decisions([2.0] * 9, [True] * 9, [np.nan] * 9, label="civil"),  # not weighed
    ], ignore_index=True)
    table = acceptance_by_workload(frame)
    assert table.attrs["left_out"] == 4
    assert table[["low", "high"]].to_numpy().tolist() == [[1.0, 1.0], [2.0, 3.0]]
    for (_, row), inside in zip(table.iterrows(), [workload == 1, workload >= 2], strict=True):
        n, k = int(inside.sum()), int(accepted[inside].sum())
        assert (row["decisions"], row["accepted"]) == (n, k)
        assert row["share"] == pytest.approx(k / n)
        assert (row["share_low"], row["share_high"]) == pytest.approx(wilson95(k, n))
        assert row["p_accept"] == pytest.approx(p_accept[inside].mean())
        assert row["workload"] == pytest.approx(workload[inside].mean())


def test_distinct_workloads_fall_into_equal_quantile_bins():
    from iadsim.report.teaming import workload_bins

    values = np.random.default_rng(2).permutation(np.linspace(0.0, 7.0, 200))
    group = workload_bins(values)
    order = np.sort(values)
    for b in range(5):  # 40 each: the sorted values 40 b .. 40 b + 39
        assert np.array_equal(np.sort(values[group == b]), order[40 * b:40 * b + 40])
    assert set(group) == set(range(5))


@pytest.mark.parametrize("seed", range(6))
def test_workload_bins_are_contiguous_large_enough_and_few(seed):
    """Random workloads with many ties (quarters up to 4, skewed): every bin a contiguous range of workload
    disjoint from the others, ties together, at most 5 bins of at least 20 decisions each."""
    from iadsim.report.teaming import workload_bins

    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 400))
    values = np.round(4 * rng.beta(0.5 + seed, 2.0, n) * 4) / 4
    group = workload_bins(values)
    bins = sorted(set(group.tolist()))
    assert bins == list(range(len(bins))) and 1 <= len(bins) <= 5
    for b in bins:
        assert (group == b).sum() >= 20, (b, np.bincount(group))
    for b in bins[:-1]:
        assert values[group == b].max() < values[group == b + 1].min()
    for v in np.unique(values):
        assert len(set(group[values == v].tolist())) == 1


def test_odd_decisions_give_a_sensible_table_or_none():
    from iadsim.report.teaming import acceptance_by_workload

    one = acceptance_by_workload(decisions([1.5], [True], [0.8]))
    assert one[["low", "high", "decisions", "accepted", "share", "p_accept"]].to_numpy().tolist() == [
        [1.5, 1.5, 1, 1, 1.0, 0.8]]
    assert (one["share_low"].iloc[0], one["share_high"].iloc[0]) == pytest.approx(wilson95(1, 1))
    same = acceptance_by_workload(decisions([2.0] * 150, [True, False] * 75, [0.5] * 150))
    assert len(same) == 1 and same["decisions"].iloc[0] == 150 and same["share"].iloc[0] == 0.5
    few = acceptance_by_workload(decisions([0.0, 1.0, 2.0, 3.0, 4.0], [True] * 5, [0.9] * 5))
    assert len(few) == 1 and (few["low"].iloc[0], few["high"].iloc[0]) == (0.0, 4.0)
    blind = acceptance_by_workload(decisions([np.nan] * 4, [True] * 4, [0.5] * 4))
    assert len(blind) == 0 and blind.attrs["left_out"] == 4
    autonomous = acceptance_by_workload(decisions([np.nan] * 4, [True] * 4, [np.nan] * 4))
    assert len(autonomous) == 0 and autonomous.attrs["left_out"] == 0
    assert len(acceptance_by_workload(decisions([], [], []))) == 0


def fake_run(name: str, frame: pd.DataFrame):
    """What the section reads of a run (its scenario unreadable: the classifier table has no matrix)."""
    from types import SimpleNamespace

    return SimpleNamespace(name=name, path=Path(name), decisions=frame, summary={}, scenario=None)


def test_the_section_draws_acceptance_against_workload_only_with_an_operator():
    from iadsim.report.teaming import teaming_html

    figures = []
    crew = decisions(np.r_[np.full(30, 1.0), np.full(30, 3.0)], [True] * 45 + [False] * 15, [0.75] * 60)
    html = teaming_html(lambda fig: figures.append(fig) or "<div>fig</div>",
                        [fake_run("crew", crew), fake_run("machine", decisions([1.0] * 5, [True] * 5,
                                                                               [np.nan] * 5))])
    assert len(figures) == 1
    fig = figures[0]
    assert [t.name for t in fig.data] == ["crew: accepted", "crew: model"]
    assert list(fig.data[0].x) == [1.0, 3.0] and list(fig.data[0].y) == [1.0, 0.5]
    assert list(fig.data[1].y) == [0.75, 0.75]
    assert "<tr><td>crew</td><td class=num>3.00</td><td class=num>30</td><td class=num>15</td>" in html
    assert "<td>machine</td><td class=num>" not in html.split("share accepted [95 % CI]")[1]
    # autonomous alone: no workload part
    alone = teaming_html(lambda fig: "<div>fig</div>", [fake_run("machine", decisions([1.0] * 5, [True] * 5,
                                                                                      [np.nan] * 5))])
    assert "share accepted" not in alone and "against their workload" not in alone
    # no workload at all: the table says so, no figure
    figures.clear()
    blind = teaming_html(lambda fig: figures.append(fig) or "<div>fig</div>",
                         [fake_run("blind", decisions([np.nan] * 4, [True] * 4, [0.5] * 4))])
    assert figures == [] and "Left out for want of a workload: blind: 4 decisions." in blind


def test_the_page_shows_acceptance_against_workload(page, battery_run):
    """The battery's bins: together every weighed decision without an IFF veto, each bin's numbers those of the
    decisions in its workload range."""
    html = section(page)
    assert "The operators&#x27; acceptance against their workload" in html or \
        "acceptance against their workload" in html
    table = decisions_of(battery_run)
    weighed = table[table["label"].isin(["hostile", "arm"]) & table["p_accept"].notna() & ~table["iff_reply"]]
    rows = re.findall(r"<tr><td>[^<]+</td><td class=num>([\d.]+)(?: to ([\d.]+))?</td><td class=num>(\d+)</td>"
                      r"<td class=num>(\d+)</td><td class=num>([\d.]+) % \[([\d.]+) %, ([\d.]+) %\]</td>"
                      r"<td class=num>([\d.]+) %</td></tr>", html)
    assert 2 <= len(rows) <= 5
    assert sum(int(r[2]) for r in rows) == len(weighed)
    for low, high, n, k, share, ci_low, ci_high, p_accept in rows:
        inside = weighed[weighed["workload"].between(float(low), float(high or low))]
        assert int(n) == len(inside) >= 20 and int(k) == int(inside["accepted"].sum())
        assert float(share) == pytest.approx(100 * inside["accepted"].mean(), abs=0.051)
        assert (float(ci_low), float(ci_high)) == pytest.approx(
            tuple(100 * v for v in wilson95(int(k), int(n))), abs=0.051)
        assert float(p_accept) == pytest.approx(100 * inside["p_accept"].mean(), abs=0.051)


# ------------------------------------------------------------------ a sweep written here


def write_sweep(folder: Path, results: pd.DataFrame, factors: dict[str, list]) -> Path:
    """A sweep folder as run_sweep writes it: points.json (the design) and one results file per point."""
    import json

    from iadsim.analysis.sweep import store

    levels = results.drop_duplicates("point").sort_values("point")
    points = [{"point": int(p), "seed": 1, "values": {f: row[f] for f in factors}} for p, row in
              zip(levels["point"], levels.to_dict("records"), strict=True)]
    for point in points:
        point["values"] = {f: (v.item() if hasattr(v, "item") else v) for f, v in point["values"].items()}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "points.json").write_text(json.dumps({
        "design": "grid", "fingerprint": "test", "seed": 1,
        "factors": [{"name": f, "values": v} for f, v in factors.items()], "points": points}))
    for point, group in results.groupby("point"):
        store.write_unit(folder, int(point), 0, group.reset_index(drop=True))
    return folder


def synthetic_results(with_reaction: bool, friendly: bool = True) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(11)
    modes, trusts = ["human-on-the-loop", "human-in-the-loop"], [0.2, 0.8]
    frames = []
    for point, (mode, trust) in enumerate((m, t) for m in modes for t in trusts):
        n = 40
        frame = pd.DataFrame({
            "point": np.full(n, point, np.int64), "replication": np.arange(n, dtype=np.int64),
            "authority.mode": mode, "authority.automation.operator.trust": trust,
            "leakers": rng.integers(0, 4, n).astype(np.int64),
            "fratricide": (rng.uniform(size=n) < trust / 2).astype(float) if friendly else np.full(n, np.nan),
            "wrongful_engagements": rng.poisson(trust, n).astype(np.int64)})
        if with_reaction:
            frame["reaction_time"] = np.where(rng.uniform(size=n) < 0.2, np.nan, rng.uniform(5, 30, n))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True), {"authority.mode": modes,
                                                    "authority.automation.operator.trust": trusts}


def test_a_sweep_without_reaction_times_leaves_that_panel_out_with_a_note(tmp_path):
    from iadsim.report.teaming import teaming_html, trust_curves, trust_figure

    results, factors = synthetic_results(with_reaction=False)
    folder = write_sweep(tmp_path / "sweep", results, factors)
    curves = trust_curves(folder)
    assert "reaction_time" not in curves.columns
    fig = trust_figure(curves)
    assert [a.text for a in fig.layout.annotations] == ["probability of a fratricidal engagement",
                                                        "threats leaking", "wrongful engagements (civil aircraft)"]
    assert len(fig.data) == 2 * 3
    for trace in fig.data:
        for (trust, group), x, y in zip(results[results["authority.mode"] == trace.name].groupby(
                "authority.automation.operator.trust"), trace.x, trace.y, strict=True):
            assert x == trust
            expected = {"x": (group["fratricide"] > 0).mean(), "x2": group["leakers"].mean(),
                        "x3": group["wrongful_engagements"].mean()}[trace.xaxis]
            assert y == pytest.approx(expected)
    # each point's probability of fratricide with its Wilson interval
    for _, row in curves.iterrows():
        group = results[results["point"] == row["point"]]
        k = int((group["fratricide"] > 0).sum())
        assert (row["p_fratricide_ci_low"], row["p_fratricide_ci_high"]) == pytest.approx(wilson95(k, len(group)))
    html = teaming_html(lambda fig: "<div>fig</div>", [], folder)
    assert "Not drawn: mean time from nomination to launch [s] (the results have no reaction_time column)." in html
    assert html.count("<tr><td>human-") == 4


def test_a_sweep_with_reaction_times_draws_four_panels(tmp_path):
    from iadsim.report.teaming import trust_curves, trust_figure

    results, factors = synthetic_results(with_reaction=True)
    curves = trust_curves(write_sweep(tmp_path / "sweep", results, factors))
    fig = trust_figure(curves)
    assert len(fig.layout.annotations) == 4 and len(fig.data) == 8
    for trace in fig.data:
        if trace.xaxis == "x4":
            means = results[results["authority.mode"] == trace.name].groupby(
                "authority.automation.operator.trust")["reaction_time"].apply(lambda v: v.dropna().mean())
            assert np.allclose(trace.y, means.to_numpy())


def test_a_sweep_without_friendly_aircraft_or_any_measure(tmp_path):
    """No friendly aircraft: fratricide is NaN throughout and its panel is left out; results holding none of the
    measures give a note and no curves."""
    from iadsim.report.teaming import teaming_html, trust_curves

    results, factors = synthetic_results(with_reaction=True, friendly=False)
    curves = trust_curves(write_sweep(tmp_path / "nofriend", results, factors))
    assert "p_fratricide" not in curves.columns and "leakers" in curves.columns
    assert curves.attrs["missing"] == {"p_fratricide": "no point has a value"}
    bare = results.drop(columns=["leakers", "fratricide", "wrongful_engagements", "reaction_time"])
    note = trust_curves(write_sweep(tmp_path / "bare", bare, factors))
    assert isinstance(note, str) and note.startswith("<p class=note>No trust curves:")
    assert teaming_html(lambda fig: "<div>fig</div>", [], tmp_path / "bare") is None


def test_a_fire_units_own_classifier_is_its_own_rows_against_its_own_matrix():
    """Calls of the fire unit with its own classifier are compared with that matrix; the others' with the default
    (and a relocation site's copy of the unit counts as the unit)."""
    from types import SimpleNamespace

    from iadsim.report.teaming import classifier_table
    from iadsim.scenario.models import Automation

    automation = Automation.model_validate({
        "classifier": {"confusion": {"hostile": {"hostile": 0.75, "civil": 0.25}}},
        "classifiers": {"t2": {"confusion": {"hostile": {"hostile": 0.5, "arm": 0.5}}}}})
    frame = pd.DataFrame({"replication": range(8), "time": 1.0, "unit": [1, 1, 1, 1, 2, 3, 2, 3], "target": 0,
                          "profile": "hostile",
                          "label": ["hostile", "hostile", "hostile", "civil", "hostile", "arm", "arm", "arm"]})
    spec = SimpleNamespace(authority=SimpleNamespace(automation=automation,
                                                     identification=SimpleNamespace(persistent=False)))
    run = SimpleNamespace(name="r", path=Path("r"), decisions=frame, unit_ids=["sr", "t1", "t2", "t2@1"],
                          scenario=SimpleNamespace(spec=spec))
    html = classifier_table(run)
    t1 = cells(html, "every other fire unit</td><td>hostile")
    t2 = cells(html, "t2</td><td>hostile")
    assert t1[:3] == ["4", "75.0 % (75.0 %)", "0.0 % (0.0 %)"] and t1[3].startswith("25.0 % (25.0 %)")
    assert t2[:3] == ["4", "25.0 % (50.0 %)", "75.0 % (50.0 %)"]

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
    assert cells(html, "probability of a fratricidal engagement")[0].startswith(f"{p_fratricide:.3f} [")
    assert cells(html, "fratricidal engagements (friendly aircraft)")[0].startswith(
        f"{metrics['fratricide'].mean():.3f} [")
    assert cells(html, "threats leaking")[0].startswith(f"{metrics['leakers'].mean():.3f} [")
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
        row = cells(html, profile)
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
    assert "Trust and authority: fratricide against leakers" in html
    results = store.load_results(trust_sweep)
    points = store.points_frame(trust_sweep)
    for point, group in results.groupby("point"):
        level = points.set_index("point").loc[point]
        mode, trust = level["authority.mode"], float(level["authority.automation.operator.trust"])
        row = re.search(rf"<tr><td>{mode}</td><td class=num>{trust:.2f}</td><td class=num>{point}</td>"
                        r"<td class=num>(\d+)</td><td class=num>([\d.]+) \[.*?</td><td class=num>([\d.]+) \[", html)
        assert row, (mode, trust)
        assert int(row.group(1)) == len(group) == 6
        assert float(row.group(2)) == pytest.approx((group["fratricide"] > 0).mean(), abs=5e-4)
        assert float(row.group(3)) == pytest.approx(group["leakers"].mean(), abs=5e-4)


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

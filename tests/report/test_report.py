"""The HTML report: self-contained, escaped, complete; and the PNG figures."""

import json
import re

import numpy as np
import pytest

from iadsim.report.html import script_json
from iadsim.report.replay import MAX_FRAMES, frame_steps

from .conftest import NASTY_DESCRIPTION, NASTY_NAME


def _without_plotlyjs(text: str) -> str:
    """The page with the inlined plotly.js bundle cut out (its source mentions URLs it never loads here)."""
    start = text.index('<script id="plotlyjs">')
    end = text.index("</script>", start)
    return text[:start] + text[end:]


@pytest.fixture(scope="module")
def page(report_path) -> str:
    return report_path.read_text(encoding="utf-8")


def test_plotlyjs_inlined_once_and_nothing_loaded_from_the_network(page):
    assert page.count('<script id="plotlyjs">') == 1
    assert page.count("Plotly.newPlot") >= 4  # metrics, map and replay (per variant)
    lowered = page.lower()
    assert "<script src=" not in lowered.replace(" ", "")
    assert not re.search(r"<(link|img|iframe|source|audio|video)\b", lowered)
    assert "@import" not in lowered and "url(http" not in lowered
    rest = _without_plotlyjs(page)
    assert "http://" not in rest and "https://" not in rest
    # embedded images and typed arrays are base64, which may spell anything: look outside them
    text = re.sub(r'data:image/[a-z]+;base64,[A-Za-z0-9+/=]+|"bdata":"[A-Za-z0-9+/=]*"', "", rest)
    assert "cdn" not in text.lower()


def test_audit_reason_codes_and_metrics_are_shown(page, run_dir):
    audit = json.loads((run_dir / "audit.json").read_text())
    codes = {r["code"] for u in audit["fire_units"] for r in u["reasons"]}
    assert {"no-fire-control-link", "crew-untrained"} <= codes
    for code in codes:
        assert code in page
    for unit in audit["fire_units"]:
        assert unit["id"] in page
    assert "leakers" in page and "95 % CI" in page


def test_scenario_text_is_escaped_everywhere(page):
    assert "<script>alert(1)</script>" not in page
    assert "<b>bold</b>" not in page
    assert "<img src=x" not in page
    assert "alert(1)" in page  # it is shown, as text
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert NASTY_NAME not in page and NASTY_DESCRIPTION not in page
    # inside the figures' JSON no '<' is left that could close a script
    for payload in re.findall(r"var f=(\{.*?\});var el=", _without_plotlyjs(page), flags=re.S):
        assert "<" not in payload and ">" not in payload
        json.loads(payload)  # still valid JSON


def test_script_json_escapes_closing_tags():
    text = json.dumps({"name": "</script><script>alert(1)</script>", "sep": "\u2028"}, ensure_ascii=False)
    safe = script_json(text)
    assert "</" not in safe and "<" not in safe and "\u2028" not in safe
    assert json.loads(safe) == json.loads(text)


def test_replay_has_frames_and_a_slider(page):
    assert '"frames"' in page and '"sliders"' in page
    frames = [len(f.get("frames", [])) for f in _figures(page)]
    assert max(frames) > 10
    assert max(frames) <= MAX_FRAMES


def test_missing_sweep_is_skipped_with_a_note(page):
    assert "No sweep results" in page


def test_sweep_table_gives_tornado_and_tradeoff(run_dir, tmp_path):
    import pandas as pd

    from iadsim.report import build_report
    from iadsim.report.sweep import load_sweep_table, tornado_figure, tradeoff_figure

    sweep = tmp_path / "sweep"
    sweep.mkdir()
    pd.DataFrame({
        "parameter": ["baseline", "decision_time", "decision_time", "availability", "availability"],
        "value": ["", "5 s", "60 s", "0.5", "1.0"],
        "leakers_mean": [1.0, 0.5, 1.8, 1.6, 0.9],
        "wrongful_engagements_mean": [0.1, 0.3, 0.05, 0.1, 0.1],
    }).to_csv(sweep / "results.csv", index=False)
    table = load_sweep_table(sweep)
    low, high = tornado_figure(table).data
    assert list(low.y) == ["availability", "decision_time"]  # decision_time (span 1.3 > 0.7) last: on top
    assert low.base == 1.0 and list(low.x) == pytest.approx([-0.1, -0.5])
    assert list(high.x) == pytest.approx([0.6, 0.8])
    assert [t.name for t in tradeoff_figure(table).data] == ["baseline", "decision_time", "availability"]
    text = build_report([run_dir], tmp_path / "r.html", sweep_dir=sweep).read_text()
    titles = [f["layout"]["title"]["text"] for f in _figures(text) if "title" in f.get("layout", {})]
    assert any(t.startswith("Tornado") for t in titles) and any(t.startswith("Trade-off") for t in titles)


def test_frame_steps_are_decimated():
    steps = frame_steps(901, MAX_FRAMES)
    assert len(steps) <= MAX_FRAMES and steps[0] == 0 and steps[-1] == 900
    assert np.all(np.diff(steps) > 0)
    assert np.array_equal(frame_steps(50, MAX_FRAMES), np.arange(50))


def test_build_figures_writes_pngs(run_dir, tmp_path):
    from PIL import Image

    from iadsim.report.figures import build_figures

    paths = build_figures([run_dir], tmp_path)
    assert [p.name for p in paths] == ["map.png", "metrics.png"]
    for p in paths:
        image = np.asarray(Image.open(p).convert("RGB"), dtype=float)
        assert image.shape[0] > 300 and image.std() > 10


OAT_SWEEP = """\
base: tiny.yaml
design: oat
set: {"units[telar].readiness.availability": 0.5}
factors:
  - {path: "threats[raid].count", values: [1, 4]}
  - {path: "units[telar].readiness.availability", values: [0.0, 1.0]}
replications: 4
batch: 4
common_random_numbers: true
seed: 4
"""


@pytest.fixture(scope="module")
def oat_sweep(tmp_path_factory):
    """A small one-at-a-time sweep of the analysis tests' tiny scenario, run by iadsim.analysis.run_sweep."""
    from tests.analysis.conftest import TINY_SCENARIO

    from iadsim.analysis import load_sweep, run_sweep

    folder = tmp_path_factory.mktemp("oat")
    (folder / "tiny.yaml").write_text(TINY_SCENARIO)
    (folder / "sweep.yaml").write_text(OAT_SWEEP)
    run_sweep(load_sweep(folder / "sweep.yaml"), folder / "out", "serial")
    return folder / "out"


def _figures(page: str) -> list[dict]:
    return [json.loads(p) for p in re.findall(r"var f=(\{.*?\});var el=", _without_plotlyjs(page), flags=re.S)]


def _values(array) -> list:
    """A plotly JSON array: a list, or a typed array ``{"dtype", "bdata"}``."""
    if isinstance(array, dict):
        import base64

        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def test_run_sweep_folder_gives_the_analysis_tornado(run_dir, oat_sweep, tmp_path):
    """The report reads a run_sweep folder through the analysis: its tornado is sensitivity.tornado's."""
    from iadsim.analysis import tornado
    from iadsim.report import build_report

    leakers = tornado(oat_sweep, "leakers")
    # the fire unit's availability (from never up to always) moves leakers most, though listed second: the
    # order is the analysis's, not the file's, and not a tie
    assert leakers["factor"].tolist() == ["units[telar].readiness.availability", "threats[raid].count"]
    assert leakers["swing"].iloc[0] > leakers["swing"].iloc[1] > 0
    page = build_report([run_dir], tmp_path / "r.html", sweep_dir=oat_sweep).read_text()
    figures = {f["layout"]["title"]["text"].split(":")[0]: f for f in _figures(page) if "title" in f["layout"]}

    low, high = figures["Tornado"]["data"]
    assert low["y"][::-1] == leakers["factor"].tolist()  # widest swing on top, in tornado's order
    base = leakers["base_mean"].iloc[0]
    assert low["base"] == pytest.approx(base) and high["base"] == pytest.approx(base)
    ordered = leakers.iloc[::-1]
    lo = np.minimum(ordered["low_mean"], ordered["high_mean"])
    hi = np.maximum(ordered["low_mean"], ordered["high_mean"])
    np.testing.assert_allclose(_values(low["x"]), np.minimum(lo, base) - base)
    np.testing.assert_allclose(_values(high["x"]), np.maximum(hi, base) - base)
    np.testing.assert_allclose(np.asarray(_values(high["x"])) - _values(low["x"]),
                               np.maximum(hi, base) - np.minimum(lo, base))

    # the trade-off: every sweep point at its mean wrongful engagements and leakers, the Pareto front marked
    from iadsim.analysis.sweep import store

    means = store.load_results(oat_sweep).groupby("point")[["wrongful_engagements", "leakers"]].mean()
    points, front = figures["Trade-off across the sweep's points"]["data"]
    assert _values(points["x"]) == pytest.approx(means["wrongful_engagements"].tolist())
    assert _values(points["y"]) == pytest.approx(means["leakers"].tolist())
    assert sorted(zip(_values(front["x"]), _values(front["y"]), strict=True)) == sorted(
        _undominated(means["wrongful_engagements"], means["leakers"]))


def _undominated(x, y) -> list[tuple[float, float]]:
    """The (x, y) pairs no other pair beats (both lower is better): at least as low on both, lower on one."""
    pairs = list(zip(x, y, strict=True))
    return [p for p in pairs if not any(q[0] <= p[0] and q[1] <= p[1] and q != p for q in pairs)]


def test_the_report_does_not_load_the_engine():
    """The report reads run folders only: importing it (and drawing from a run folder) never imports the engine,
    not even through a package's __init__ (the import-linter contract sees import statements only)."""
    import subprocess
    import sys

    code = ("import sys, iadsim.report.html, iadsim.report.export, iadsim.report.figures, iadsim.cli; "
            "print(sorted(m for m in sys.modules if m.startswith('iadsim.engine')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _elements_by_id(page: str) -> dict[str, str]:
    """Every element with an id -> its text (tags stripped), as a reader of the page sees it."""
    from html.parser import HTMLParser

    class Texts(HTMLParser):
        def __init__(self):
            super().__init__()
            self.open, self.texts = [], {}

        def handle_starttag(self, tag, attrs):
            ident = dict(attrs).get("id")
            self.open.append((tag, ident))
            if ident:
                self.texts[ident] = ""

        def handle_endtag(self, tag):
            while self.open:
                if self.open.pop()[0] == tag:
                    break

        def handle_data(self, data):
            for _, ident in self.open:
                if ident:
                    self.texts[ident] += data

    parser = Texts()
    parser.feed(_without_plotlyjs(page))
    return {k: " ".join(v.split()) for k, v in parser.texts.items()}


def _check_claims(page: str, at_least: int) -> list[tuple[str, str]]:
    """Every linked number of "what drove the outcome" against the text of the cell it links to."""
    start, end = page.index('<section id="drivers">'), page.index("</section>", page.index('<section id="drivers">'))
    drivers = page[start:end]
    claims = re.findall(r'<a class=claim href="#([\w-]+)">([^<]*)</a>', drivers)
    assert len(claims) >= at_least, drivers
    cells = _elements_by_id(page)
    for ident, text in claims:
        assert ident in cells, f"{ident}: no such cell"
        assert re.fullmatch(r"[\d.]+( of [\d.]+)?", text), text
        assert cells[ident] == text, (ident, cells[ident], text)
    for ident in re.findall(r'<a href="#([\w-]+)">', drivers):  # the fire units it names link to their audit rows
        assert ident in cells
    return claims


def test_every_number_in_what_drove_the_outcome_is_the_cell_it_links_to(page):
    claims = _check_claims(page, 3)
    assert any(ident.startswith("r0-audit") for ident, _ in claims)
    assert any("-fire_unit" in ident for ident, _ in claims)


def test_the_sweeps_claim_links_its_levels_in_the_sweep_table(run_dir, oat_sweep, tmp_path):
    from iadsim.report import build_report
    from iadsim.report.sweep import load_sweep_table

    page = build_report([run_dir], tmp_path / "r.html", sweep_dir=oat_sweep).read_text(encoding="utf-8")
    claims = [c for c in _check_claims(page, 4) if c[0].startswith("sweep-")]
    assert len(claims) == 2
    table = load_sweep_table(oat_sweep).reset_index(drop=True)
    rows = [int(ident.split("-")[1]) for ident, _ in claims]
    low, high = (float(table["leakers"].iloc[r]) for r in rows)
    assert low <= high and table["parameter"].iloc[rows[0]] == table["parameter"].iloc[rows[1]]
    # the factor named is the one whose levels move leakers most
    spans = table[~table["baseline"]].groupby("parameter")["leakers"].agg(lambda v: v.max() - v.min())
    assert spans[table["parameter"].iloc[rows[0]]] == spans.max()


def test_the_breakdown_tables_add_up_to_the_runs_metrics(run_dir):
    """By raid, killed and launches add up to the run's kills (threats and civil) and engagements: the events
    and the engine's counters are two records of one run."""
    from iadsim.report.explain import Breakdown
    from iadsim.report.run import load_run

    run = load_run(run_dir)
    b = Breakdown(run, 0)
    raid, unit = b.tables["raid"], b.tables["fire_unit"]
    metrics = run.metrics
    assert raid["killed"].sum() == pytest.approx(metrics["kills"].mean() + metrics["civil_killed"].mean())
    assert raid.loc[~raid["civil"], "leaked"].sum() == pytest.approx(metrics["leakers"].mean())
    for table in (raid, unit):
        assert table["engagements"].sum() == pytest.approx(metrics["engagements"].mean())
        assert table["missiles"].sum() == pytest.approx(metrics["missiles_expended"].mean())
        assert table["vetoed"].sum() == pytest.approx(metrics["vetoes"].mean())
    assert unit["kills"].sum() == pytest.approx(raid["killed"].sum())
    assert raid["aircraft"].sum() == len(run.entities["targets"])


def test_the_timeline_and_breakdown_sections_are_there(page):
    for anchor in ("drivers", "who", "timeline"):
        assert f'<section id="{anchor}">' in page
    assert "by raids" in page and "by fire units" in page and "by aircraft types" in page
    assert "time from the start [min]" in page  # the timeline's and the series' axes


def test_metric_charts_have_units_on_their_axes(page):
    from iadsim.analysis.metrics import METRICS, REPORTERS

    assert all(m.unit for _, m in METRICS.items()) and all(r.unit for _, r in REPORTERS.items())
    for unit in ("threats per replication", "missiles per replication", "pairs", "fire units"):
        assert f'"text":"{unit}"' in page


def test_map_opens_on_the_network_with_one_sequential_coverage_layer(run_dir):
    from iadsim.report.layers import map_layers
    from iadsim.report.plots import map_figure
    from iadsim.report.run import load_run

    run = load_run(run_dir)
    layers = map_layers(run.scenario, run.coverage)
    left, bottom, right, top = layers.extent
    il, ib, ir, it = layers.image_box
    units = [s for s in layers.sites if s.kind != "asset"]
    assert all(left < s.x < right and bottom < s.y < top for s in layers.sites)
    assert il < left or ir > right or ib < bottom or it > top  # the terrain reaches beyond: context
    # the civil route crosses the whole terrain; the map is not stretched to it
    assert (right - left) < (ir - il) and (top - bottom) < (it - ib)
    figure = map_figure(layers, "t").to_plotly_json()
    heatmaps = [t for t in figure["data"] if t["type"] == "heatmap"]
    assert len(heatmaps) == 1
    colorbar = heatmaps[0]["colorbar"]
    assert colorbar["ticktext"] == [f"{b:g} m" for b in sorted(layers.coverage)]
    assert "[m above ground]" in colorbar["title"]["text"]
    assert len(units) >= 3


def test_coverage_is_coloured_by_the_lowest_band_detected():
    """A 2 x 3 grid: covered at 30 m (and above), only at 300 m, nowhere: the layer's value is the log of the lowest
    band, clear (NaN) where no band is covered."""
    from iadsim.report.layers import MapLayers
    from iadsim.report.plots import _coverage_traces

    low = np.array([[True, False, False], [False, False, True]])
    high = np.array([[True, True, False], [False, False, True]])
    layers = MapLayers((0, 0, 3, 2), np.zeros((2, 3, 4), np.uint8), (0, 0, 3, 2), np.arange(3.0), np.arange(2.0),
                       {30.0: low, 300.0: high}, ["t"], [], [], [], (0.0, 0.0))
    (trace,) = _coverage_traces(layers)
    z = np.array(trace.z, dtype=float)
    expected = np.array([[30, 300, np.nan], [np.nan, np.nan, 30]])
    np.testing.assert_allclose(10 ** z, expected, rtol=1e-3)  # the layer keeps 4 decimals of the log
    assert list(trace.colorbar.ticktext) == ["30 m", "300 m"]


GRID_TRADEOFF_SWEEP = """\
base: tiny.yaml
design: grid
factors:
  - {path: "threats[raid].count", values: [1, 4]}
replications: 4
seed: 4
metrics: [leakers, kills, missiles_expended]
tradeoff: [missiles_expended, kills]
"""


def test_the_tradeoff_chart_plots_the_sweeps_chosen_pair(run_dir, tmp_path):
    """A sweep's ``tradeoff`` names the chart's metrics: here kills against missiles expended, each point at its
    means read back from the sweep's results, and the points no other beats on both (the Pareto front)."""
    from tests.analysis.conftest import TINY_SCENARIO

    from iadsim.analysis import load_sweep, run_sweep
    from iadsim.analysis.sweep import store
    from iadsim.report import build_report

    (tmp_path / "tiny.yaml").write_text(TINY_SCENARIO)
    (tmp_path / "sweep.yaml").write_text(GRID_TRADEOFF_SWEEP)
    run_sweep(load_sweep(tmp_path / "sweep.yaml"), tmp_path / "out", "serial")
    means = store.load_results(tmp_path / "out").groupby("point")[["missiles_expended", "kills"]].mean()
    page = build_report([run_dir], tmp_path / "r.html", sweep_dir=tmp_path / "out").read_text()
    figure = next(f for f in _figures(page) if f["layout"].get("title", {}).get("text", "").startswith("Trade-off"))
    assert figure["layout"]["title"]["text"] == ("Trade-off across the sweep's points: threats killed (higher is "
                                                 "better) against missiles expended (lower is better)")
    assert "missiles expended" in figure["layout"]["xaxis"]["title"]["text"]
    points, front = figure["data"]
    assert _values(points["x"]) == pytest.approx(means["missiles_expended"].tolist())
    assert _values(points["y"]) == pytest.approx(means["kills"].tolist())
    # more kills is better: the front of (missiles, -kills), both lower
    best = _undominated(means["missiles_expended"], -means["kills"])
    assert sorted(zip(_values(front["x"]), _values(front["y"]), strict=True)) == sorted((x, -y) for x, y in best)


def test_an_oat_sweep_can_set_a_derived_metric_against_another(run_dir, tmp_path):
    """A one-at-a-time sweep whose trade-off names a metric that is not a stored column (a derived one): the tornado
    reads the stored ones and the trade-off computes the other per point."""
    from tests.analysis.conftest import TINY_SCENARIO

    from iadsim.analysis import load_sweep, run_sweep
    from iadsim.analysis.sweep import store
    from iadsim.report import build_report

    (tmp_path / "tiny.yaml").write_text(TINY_SCENARIO)
    (tmp_path / "sweep.yaml").write_text(OAT_SWEEP + "tradeoff: [missiles_expended, p_raid_annihilation]\n")
    run_sweep(load_sweep(tmp_path / "sweep.yaml"), tmp_path / "out", "serial")
    page = build_report([run_dir], tmp_path / "r.html", sweep_dir=tmp_path / "out").read_text()
    figure = next(f for f in _figures(page) if f["layout"].get("title", {}).get("text", "").startswith("Trade-off"))
    results = store.load_results(tmp_path / "out")
    annihilated = (results["leakers"] == 0).groupby(results["point"]).mean()
    assert _values(figure["data"][0]["y"]) == pytest.approx(annihilated.tolist())
    # the points' levels (hover, front table): a factor left at the base scenario's value reads "base", a count whole
    hover = " ".join(figure["data"][0]["hovertext"] if "hovertext" in figure["data"][0] else figure["data"][0]["text"])
    assert "point 0: threats[raid].count = base, units[telar].readiness.availability = base" in hover, hover
    assert "threats[raid].count = 4," in hover and "nan" not in hover.lower()
    assert "= nan" not in page.lower()


def test_a_stored_pair_without_a_direction_is_drawn_without_a_front(run_dir, oat_sweep, tmp_path):
    """A sweep folder from before metrics said which way is better may pair two counts (engagements, vetoes): the
    report draws the points and says there is no front, rather than refusing the report."""
    import shutil

    from iadsim.report import build_report

    folder = tmp_path / "old"
    shutil.copytree(oat_sweep, folder)
    meta = json.loads((folder / "points.json").read_text())
    meta["tradeoff"] = ["engagements", "vetoes"]
    (folder / "points.json").write_text(json.dumps(meta))
    page = build_report([run_dir], tmp_path / "r.html", sweep_dir=folder).read_text()
    figure = next(f for f in _figures(page) if f["layout"].get("title", {}).get("text", "").startswith("Trade-off"))
    assert "no Pareto front" in figure["layout"]["title"]["text"] and len(figure["data"]) == 1


def test_what_drove_the_outcome_counts_only_threats_as_reaching_their_target():
    """The sentence on threats reaching their target names the raids' own aircraft: not civil aircraft, not a
    friendly flight (its losses are fratricide), not anti-radiation missiles or decoys, whatever they reached."""
    from types import SimpleNamespace

    import pandas as pd

    from iadsim.report.explain import Breakdown, drivers_html

    b = object.__new__(Breakdown)  # (the tables by hand: one row of each kind of aircraft, each reaching its goal)
    b.run, b.index = SimpleNamespace(audit={}, name="run"), 0
    kinds = ["threat", "friendly", "civil", "arm", "decoy"]
    raid = pd.DataFrame({"group": ["strike", "home", "airliner", "strike anti-radiation missiles", "lures"],
                         **{k: [k == kind for kind in kinds] for k in kinds[1:]},
                         "aircraft": [4.0, 1.0, 1.0, 2.0, 2.0], "leaked": [0.25, 0.5, 1.0, 2.0, 1.0]})
    b.tables = {"raid": raid, "fire_unit": pd.DataFrame()}
    text = re.sub(r"<[^>]+>", "", drivers_html(b))
    assert "Threats reaching their target per replication: strike 0.25 of 4." in text, text


def test_what_drove_the_outcome_credits_threat_kills_and_prints_small_means():
    """The fire unit that "killed the most threats" is ranked on its threat kills, not on every salvo that killed (a
    battery that shot down its own fighters is not credited); a small mean is not printed as 0.00."""
    from types import SimpleNamespace

    import pandas as pd

    from iadsim.report.explain import Breakdown, drivers_html

    b = object.__new__(Breakdown)
    b.run, b.index = SimpleNamespace(audit={}, name="run"), 0
    raid = pd.DataFrame({"group": ["strike"], "friendly": [False], "civil": [False], "arm": [False], "decoy": [False],
                         "aircraft": [4.0], "leaked": [0.0033]})
    fire = pd.DataFrame({"group": ["fratricidal", "careful"], "type": ["sam", "sam"], "engagements": [3.0, 1.0],
                         "missiles": [6.0, 2.0], "kills": [3.0, 1.0], "threats_killed": [0.0, 1.0]})
    b.tables = {"raid": raid, "fire_unit": fire}
    b.totals = pd.DataFrame({"kills": [4.0], "vetoed": [0.0], "held": [0.0]})
    text = re.sub(r"<[^>]+>", "", drivers_html(b))
    assert "careful killed the most threats: 1.00 per replication, firing 2.00 missiles." in text, text
    assert "strike 0.0033 of 4." in text, text


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_the_report_and_written_files_take_the_permissions_the_umask_gives(run_dir, tmp_path, umask):
    """A report is made to be shared: it gets the permissions any new file gets under the user's umask (0644
    under the usual 022; 0600 under 077), not the temporary file's 0600 it is written through."""
    import os
    import stat

    from iadsim.files import umask_mode
    from iadsim.report import build_report
    from iadsim.scenario.yamlio import write_atomic

    before = os.umask(umask)
    try:
        assert umask_mode() == 0o666 & ~umask and umask_mode(0o777) == 0o777 & ~umask
        report = build_report([run_dir], tmp_path / "r.html")
        write_atomic(tmp_path / "data.json", b"{}")
        with open(tmp_path / "plain.txt", "w") as f:  # (what the system gives a new file)
            f.write("x")
    finally:
        os.umask(before)
    expected = stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode)
    assert expected == 0o666 & ~umask
    assert stat.S_IMODE(report.stat().st_mode) == expected
    assert stat.S_IMODE((tmp_path / "data.json").stat().st_mode) == expected


def test_the_metrics_table_shows_a_small_mean_with_its_digits():
    """A mean of 0.004 civil aircraft shot down per replication reads 0.004, not 0.00 (which says none was): the
    report's metrics table prints intervals as the CLI's summary does; a missing mean is "-"."""
    from types import SimpleNamespace

    from iadsim.report.html import _metrics_html

    summary = {"fire_units_able": 2, "fire_units": 3, "detected_fraction": 0.5,
               "metrics": {"civil_killed": {"mean": 0.004, "ci95": [0.001, 0.012], "n": 500},
                           "kills": {"mean": 3.5, "ci95": [3.25, None], "n": 500}}}
    html = _metrics_html(SimpleNamespace(figure=lambda fig: ""), [SimpleNamespace(summary=summary, name="x")])
    rows = {row.split("</td>")[0].removeprefix("<td>"): row for row in html.split("<tr>")[1:]}
    assert "<td class=num>0.004 [0.001, 0.01] <span class=note>n=500</span>" in rows["civil aircraft shot down"]
    assert "<td class=num>3.50 [3.25, inf] " in rows["threats killed"]
    assert "<td class=num>-</td>" in rows["wrongful engagements (civil aircraft)"]


def test_a_wait_for_a_firing_solution_is_a_mark_on_the_timeline_not_a_decision():
    """A target that waited at 283.5 s, then was nominated at 285.5 s and decided at 295.5 s: one deciding bar
    (4:46 to 4:56); the wait is its marker alone (it was drawn as a decision from 4:44 to 4:44 too)."""
    import pandas as pd

    from iadsim.report.explain import timeline_figure

    rows = pd.DataFrame([
        {"unit": 1, "target": 0, "nominated": 283.5, "decided": np.nan, "launch": np.nan, "intercept": np.nan,
         "outcome": "waiting", "reason": "immature_track"},
        {"unit": 1, "target": 0, "nominated": 285.5, "decided": 295.5, "launch": 296.0, "intercept": 330.0,
         "outcome": "kill", "reason": "none"},
    ]).assign(unit_id="mr1-telar", target_id="raid-north-1")
    traces = {t.name: t for t in timeline_figure(rows, ["mr1-telar"], "t").data}
    deciding = [h for h in traces["deciding (nominated to decided)"].hovertext if h is not None]
    assert deciding == ["mr1-telar -&gt; raid-north-1: deciding 4:46 to 4:56"] * 2

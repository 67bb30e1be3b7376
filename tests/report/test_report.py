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
    payloads = re.findall(r"var f=(\{.*?\});var el=", _without_plotlyjs(page), flags=re.S)
    frames = [len(json.loads(p).get("frames", [])) for p in payloads]
    assert max(frames) > 10
    assert max(frames) <= MAX_FRAMES


def test_missing_sweep_is_skipped_with_a_note(page):
    assert "No sweep results" in page


def test_sweep_table_gives_tornado_and_tradeoff(run_dir, tmp_path):
    import pandas as pd

    from iadsim.report import build_report

    sweep = tmp_path / "sweep"
    sweep.mkdir()
    pd.DataFrame({
        "parameter": ["baseline", "decision_time", "decision_time", "availability", "availability"],
        "value": ["", "5 s", "60 s", "0.5", "1.0"],
        "leakers_mean": [1.0, 0.5, 1.8, 1.6, 0.9],
        "wrongful_engagements_mean": [0.1, 0.3, 0.05, 0.1, 0.1],
    }).to_csv(sweep / "results.csv", index=False)
    text = build_report([run_dir], tmp_path / "r.html", sweep_dir=sweep).read_text()
    assert "Tornado" in text and "Trade-off" in text


def test_frame_steps_are_decimated():
    steps = frame_steps(901)
    assert len(steps) <= MAX_FRAMES and steps[0] == 0 and steps[-1] == 900
    assert np.all(np.diff(steps) > 0)
    assert np.array_equal(frame_steps(50), np.arange(50))


def test_build_figures_writes_pngs(run_dir, tmp_path):
    from PIL import Image

    from iadsim.report.figures import build_figures

    paths = build_figures([run_dir], tmp_path)
    assert [p.name for p in paths] == ["map.png", "metrics.png"]
    for p in paths:
        image = np.asarray(Image.open(p).convert("RGB"), dtype=float)
        assert image.shape[0] > 300 and image.std() > 10


def test_run_sweep_folder_is_read(tmp_path):
    """The layout of iadsim.analysis.sweep.run_sweep: points.json and results/p*-b*.parquet."""
    import pandas as pd

    from iadsim.report.sweep import load_sweep, tornado_figure

    (tmp_path / "results").mkdir()
    points = [{"point": 0, "seed": 1, "values": {"a": 0.5}, "oat": {"factor": None, "level": "base"}},
              {"point": 1, "seed": 1, "values": {"a": 0.2}, "oat": {"factor": "a", "level": "low"}},
              {"point": 2, "seed": 1, "values": {"a": 0.9}, "oat": {"factor": "a", "level": "high"}}]
    (tmp_path / "points.json").write_text(json.dumps({"design": "oat", "factors": [{"name": "a"}], "points": points}))
    for p, leakers in enumerate((1.0, 2.0, 0.5)):
        pd.DataFrame({"point": [p, p], "replication": [0, 1], "leakers": [leakers, leakers],
                      "wrongful_engagements": [0.0, 1.0]}).to_parquet(tmp_path / "results" / f"p{p:05d}-b0.parquet")
    table = load_sweep(tmp_path)
    assert table[table["baseline"]]["leakers"].tolist() == [1.0]
    assert sorted(table[table["parameter"] == "a"]["leakers"]) == [0.5, 2.0]
    fig = tornado_figure(table)
    assert fig.data[0].base == 1.0

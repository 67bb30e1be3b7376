"""The report's layered-defence and cost-ledger sections: the numbers are the run summaries', and what a run cannot
price is named, never shown as free."""

from __future__ import annotations

import re
from html import unescape

import pytest
from tests.analysis.conftest import TINY_SCENARIO

from iadsim.analysis import simulate
from iadsim.report import build_report
from iadsim.scenario import load_scenario

PRICED = (TINY_SCENARIO.replace("{id: telar, type: mr-telar,", "{id: telar, type: mr-telar, layer: medium,")
          .replace("{id: ll, type: mr-launcher-loader,", "{id: ll, type: mr-launcher-loader, layer: medium,")
          .replace("  - {id: base, x: 0 km, y: 0 km, radius: 1.5 km}",
                   "  - {id: base, x: 0 km, y: 0 km, radius: 1.5 km, value: 100000000}"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ledger")
    (folder / "priced.yaml").write_text(PRICED.replace("name: tiny", "name: priced")
                                        + "costs:\n  mr-missile: 500000\n")
    (folder / "unpriced.yaml").write_text(PRICED.replace("name: tiny", "name: unpriced"))
    out = []
    for name in ("priced", "unpriced"):
        simulate(load_scenario(folder / f"{name}.yaml"), 20, out_dir=folder / name)
        out.append(folder / name)
    page = build_report(out, folder / "report.html").read_text()
    return out, page


def _section(page: str, anchor: str) -> str:
    start = page.index(f'<section id="{anchor}">')
    return page[start:page.index("</section>", start)]


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_the_layers_section_shows_each_layers_attrition(runs):
    (priced, _), page = runs
    from iadsim.report.run import load_run

    summary = load_run(priced).summary["metrics"]
    section = _section(page, "layers")
    row = re.search(r"<tr><td><b>medium</b></td><td>telar, ll</td>(.*?)</tr>", section).group(1)
    cells = re.findall(r"<td class=num>(.*?)</td>", row)
    for cell, key in zip(cells, ("reached_medium", "engagements_medium", "kills_medium", "leakers_medium",
                                 "attrition_medium"), strict=True):
        assert cell.startswith(f"{summary[key]['mean']:.2f} ["), key
    assert summary["reached_medium"]["mean"] > 0 and summary["engagements_medium"]["mean"] > 0
    assert "long" not in re.findall(r"<td><b>(\w+)</b></td>", section)  # no fire unit in it: no row


def test_the_ledger_prices_what_it_can_and_names_what_it_cannot(runs):
    (priced, unpriced), page = runs
    from iadsim.report.run import load_run

    section = _section(page, "ledger")
    text = _text(section)
    spent = load_run(priced).summary["metrics"]["interceptor_cost"]["mean"]
    assert spent > 0 and f"{spent / 1e6:,.3g} M [" in text
    row = re.search(r"<tr><td>missiles fired \[USD\]</td>(.*?)</tr>", section).group(1)
    assert re.findall(r"<td class=num>(.*?)</td>", row)[1] == "-"  # the unpriced run: undefined, not 0
    assert load_run(unpriced).summary["metrics"]["interceptor_cost"]["mean"] is None
    assert "unpriced: not priced: mr-missile" in text
    assert "priced: not priced" not in text.replace("unpriced: not priced", "")
    # where each price comes from
    assert re.search(r"mr-missile\s+missile fired\s+500,000\s+the scenario's costs", text)
    assert re.search(r"attack-helicopter\s+threat shot down\s+12,500,000\s+catalog: kp-mi24-price \(published\)",
                     text)
    assert re.search(r"base\s+defended asset\s+100,000,000\s+the scenario", text)

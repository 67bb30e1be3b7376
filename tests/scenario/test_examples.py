"""The two example scenarios load, summarise themselves, and validate through the CLI; the schema is valid."""

from __future__ import annotations

import json

import pytest

from iadsim.scenario import Scenario, ScenarioSpec, load_scenario

from ._helpers import DESIGNED, REPORTED, errors_only

EXAMPLES = [DESIGNED, REPORTED]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_loads(path):
    scenario = load_scenario(path)
    assert isinstance(scenario, Scenario)
    assert scenario.name == path.stem
    spec = scenario.spec
    # every unit and asset is placed on the terrain, every flight has its full route in SI
    assert set(scenario.sites) == {u.id for u in spec.units} | {a.id for a in spec.defended_assets}
    for flight in [*spec.threats, *spec.traffic]:
        route = scenario.routes[flight.id]
        assert route.shape == (len(flight.route), 3)
        assert scenario.speeds[flight.id].shape == (len(flight.route),)
        assert (scenario.speeds[flight.id] > 0).all()
    assert spec.duration == 900.0 and spec.step == 1.0


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_summary_mentions_counts(path):
    scenario = load_scenario(path)
    spec, catalog = scenario.spec, scenario.catalog
    kinds = [catalog.types[u.type].kind for u in spec.units]
    telars = sum(catalog.types[u.type].kind == "launcher" and catalog.types[u.type].radar is not None
                 for u in spec.units)
    assert telars > 0  # both examples have Buk-class TELARs, whose radars count
    summary = scenario.summary()
    assert summary.startswith(f"{spec.name}: ")
    posts = kinds.count("command-post")
    for words in (
        f"{kinds.count('radar') + telars} radars",
        f"{kinds.count('launcher')} fire units",
        f"{posts} command post{'' if posts == 1 else 's'}",
        f"{len(spec.links)} links",
        f"{sum(r.count for r in spec.threats)} threats in {len(spec.threats)} raids",
        f"{sum(t.count for t in spec.traffic)} civil aircraft",
        f"authority {spec.authority.mode}",
    ):
        assert words in summary


def test_summary_plurals_and_a_radar_only_on_a_telar(tmp_path):
    # one TELAR (a launcher with its own radar), no separate radar, one command post
    (tmp_path / "s.yaml").write_text(
        "name: t\nduration: 1 min\nterrain: {flat: 0 m}\nunits:\n"
        "  - {id: t1, type: mr-telar, x: 0 km, y: 0 km}\n  - {id: cp, type: command-post, x: 1 km, y: 0 km}\n")
    summary = load_scenario(tmp_path / "s.yaml").summary()
    assert "t: 1 radar, 1 fire unit, 1 command post, 0 links, 0 threats in 0 raids, 0 civil aircraft" in summary


def test_examples_differ_as_described():
    designed, reported = load_scenario(DESIGNED), load_scenario(REPORTED)
    assert len(designed.spec.links) > len(reported.spec.links)
    assert not any(link.carries == "fire-control" for link in reported.spec.links)
    assert {u.crew for u in reported.spec.units} == {"untrained"}
    assert "14 links" in designed.summary() and "5 links" in reported.summary()
    assert "6 threats in 2 raids" in designed.summary()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_validate_exit_0(path, cli):
    status, out, err = cli("validate", str(path))
    assert (status, errors_only(err)) == (0, "")
    assert out.startswith(f"ok: {path.stem}: ")
    assert out.count("\n") == 1


def test_schema_is_json_with_top_level_properties(cli):
    status, out, err = cli("schema")
    assert (status, err) == (0, "")
    schema = json.loads(out)
    assert schema["type"] == "object"
    assert schema["title"] == "iadsim scenario"
    assert schema["$schema"].startswith("https://json-schema.org/")
    properties = set(schema["properties"])
    assert properties == set(ScenarioSpec.model_fields) - {"from_"}
    for name in ("name", "duration", "step", "terrain", "units", "links", "authority", "doctrine", "threats",
                 "traffic", "catalog", "defended_assets"):
        assert name in properties
    assert set(schema["required"]) >= {"name", "duration", "terrain", "units"}
    assert schema.get("additionalProperties") is False
    # quantities are documented as strings with an example, links use the file's spelling `from`
    assert "e.g." in schema["properties"]["duration"]["description"]
    link = schema["$defs"]["Link"]
    assert "from" in link["properties"] and "from_" not in link["properties"]

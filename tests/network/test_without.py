"""`iadsim audit --without`: remove units and links by name and re-audit; bad names exit 2 cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.scenario._helpers import errors_only

from iadsim.cli import main
from iadsim.network import audit
from iadsim.network.audit import resolve_without
from iadsim.network.chain import build_network
from iadsim.scenario import InputError

DESIGNED = str(Path(__file__).resolve().parents[2] / "examples" / "airbase-as-designed.yaml")


def audit_json(capsys, *args: str) -> dict:
    assert main(["audit", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def by_id(result: dict) -> dict[str, dict]:
    return {f["id"]: f for f in result["fire_units"]}


def test_without_unit_id_removes_the_radar_and_reaudits(capsys):
    result = audit_json(capsys, DESIGNED, "--without", "lr-fcr")
    assert result["without"] == ["lr-fcr"]
    units = by_id(result)
    for fu in ("lr-l1", "lr-l2"):
        assert units[fu]["able"] is False and units[fu]["readiness"] == 0.0
        assert [r["code"] for r in units[fu]["reasons"]][0] == "radar-unavailable"
    assert all(units[fu]["able"] for fu in ("mr1-telar", "mr1-ll", "mr2-telar", "mr2-ll"))
    assert result["fire_units_able"] == 4
    assert "lr-fcr" not in {s["component"] for s in result["single_points_of_failure"]}


def test_without_from_to_removes_the_link_and_the_battery_falls_back_to_autonomous(capsys):
    result = audit_json(capsys, DESIGNED, "--without", "cp-1->lr-fcr")
    assert result["without"] == ["cp-1->lr-fcr:cues"]
    lr = by_id(result)["lr-l1"]
    assert lr["able"] is True and lr["mode"] == "autonomous"
    assert [r["code"] for r in lr["reasons"]] == ["autonomous"]
    assert lr["sensors"] == ["lr-acq", "lr-fcr"]  # its own search and the acquisition radar cued to it directly
    assert by_id(result)["mr1-telar"]["mode"] == "networked"


def test_without_from_to_carries_removes_only_that_link(capsys):
    result = audit_json(capsys, DESIGNED, "--without", "lr-fcr->lr-l1:fire-control")
    assert result["without"] == ["lr-fcr->lr-l1:fire-control"]
    units = by_id(result)
    assert units["lr-l1"]["able"] is False
    assert [r["code"] for r in units["lr-l1"]["reasons"]] == ["fire-control-link-down"]
    assert units["lr-l2"]["able"] is True


def test_without_is_repeatable_and_removing_every_command_post_leaves_all_autonomous(capsys):
    result = audit_json(capsys, DESIGNED, "--without", "cp-1", "--without", "ew-1")
    assert result["without"] == ["cp-1", "ew-1"]
    assert result["fire_units_able"] == 6
    assert {f["mode"] for f in result["fire_units"]} == {"autonomous"}


def test_without_text_output_names_what_was_removed(capsys):
    assert main(["audit", DESIGNED, "--without", "lr-fcr"]) == 0
    out = capsys.readouterr().out
    assert "without lr-fcr" in out and "4 of 6 fire units able." in out


def test_without_from_to_names_every_link_between_the_two_units(make_scenario):
    s = make_scenario(
        {"s1": "mr-search-radar", "cp": "command-post", "fcr": "fc-blind", "l1": "lr-launcher"},
        ["s1->cp:tracks", "s1->fcr:cues", ("s1->fcr:cues", {"availability": 0.5}), "s1->fcr:tracks",
         "cp->fcr:cues", "fcr->l1:fire-control"],
    )
    net = build_network(s)
    assert resolve_without(net, ("s1->fcr",)) == ("s1->fcr:cues", "s1->fcr:cues#2", "s1->fcr:tracks")
    assert resolve_without(net, ("s1->fcr:cues",)) == ("s1->fcr:cues", "s1->fcr:cues#2")
    assert resolve_without(net, ("s1->fcr:cues#2", "s1")) == ("s1->fcr:cues#2", "s1")
    assert resolve_without(net, ("s1", "s1")) == ("s1",)
    result = audit(s, ("s1->fcr", "cp"))
    fu = result["fire_units"][0]
    assert fu["able"] is False and [r["code"] for r in fu["reasons"]] == ["no-sensor-picture"]
    assert audit(s, ("s1->fcr",))["fire_units"][0]["able"] is True  # still fed through the command post


def test_without_link_gives_the_same_readiness_as_deleting_it_from_the_file(make_scenario):
    units = {"s1": {"type": "ew-radar", "availability": 0.8}, "s2": {"type": "mr-search-radar", "availability": 0.7},
             "cp": {"type": "command-post", "availability": 0.9}, "fcr": "fc-blind", "l1": "lr-launcher"}
    links = ["s1->cp:tracks", "s2->cp:tracks", "s2->fcr:cues", "cp->fcr:cues", "fcr->l1:fire-control"]
    removed = audit(make_scenario(units, links), ("s2->cp",))["fire_units"][0]
    deleted = audit(make_scenario(units, [lk for lk in links if lk != "s2->cp:tracks"]))["fire_units"][0]
    for key in ("able", "mode", "reasons", "sensors", "readiness", "single_points_of_failure"):
        assert removed[key] == deleted[key], key
    assert removed["readiness"] == pytest.approx(0.9 * (1 - 0.2 * 0.3) + 0.1 * 0.7, abs=1e-6)


@pytest.mark.parametrize("name", ["no-such-unit", "lr-fcr->lr-l9", "lr-fcr->lr-l1:tracks", "cp-1->"])
def test_unknown_without_exits_2_with_a_clear_message_and_no_traceback(capsys, name):
    assert main(["audit", DESIGNED, "--json", "--without", name]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    assert errors_only(captured.err).startswith("iadsim: --without: ")
    assert f"no unit or link '{name}'" in captured.err and "lr-fcr" in captured.err  # lists the known units


def test_unknown_without_raises_input_error_from_the_library(make_scenario):
    s = make_scenario({"t1": "mr-telar"}, [])
    with pytest.raises(InputError, match="no unit or link 'ghost'"):
        audit(s, ("ghost",))

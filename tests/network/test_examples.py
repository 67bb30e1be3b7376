"""Acceptance: `iadsim audit --json` on the two built-in examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iadsim.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LAUNCHERS_WITHOUT_RADAR = ("lr-l1", "lr-l2", "mr1-ll", "mr2-ll")
SILENT_TELARS = ("mr1-telar", "mr2-telar")


def run_audit_json(capsys, *args: str) -> tuple[int, dict]:
    status = main(["audit", *args, "--json"])
    out = capsys.readouterr().out
    return status, json.loads(out)


@pytest.fixture(scope="module")
def reported() -> dict:
    from iadsim.network import audit
    from iadsim.scenario import load_scenario

    return audit(load_scenario(EXAMPLES / "airbase-as-reported.yaml"))


def codes(unit: dict) -> list[str]:
    return [r["code"] for r in unit["reasons"]]


def by_id(result: dict) -> dict[str, dict]:
    return {f["id"]: f for f in result["fire_units"]}


def test_as_reported_json_has_every_fire_unit_unable_with_coded_reasons(capsys):
    status, result = run_audit_json(capsys, str(EXAMPLES / "airbase-as-reported.yaml"))
    assert status == 0
    assert result["scenario"] == "airbase-as-reported"
    assert result["fire_units_total"] == 6 and result["fire_units_able"] == 0
    assert {f["id"] for f in result["fire_units"]} == set(LAUNCHERS_WITHOUT_RADAR + SILENT_TELARS)
    for unit in result["fire_units"]:
        assert unit["able"] is False and unit["mode"] == "none"
        assert unit["readiness"] == 0.0 and unit["guided_by"] == []
        assert any(r["severity"] == "blocking" for r in unit["reasons"]), unit["id"]
        for reason in unit["reasons"]:
            assert reason["code"] in result["reason_codes"]
            assert reason["message"].startswith(result["reason_codes"][reason["code"]])


def test_as_reported_launchers_without_radar_get_no_fire_control_link_naming_the_nearest_radar(reported):
    units = by_id(reported)
    for fu in LAUNCHERS_WITHOUT_RADAR:
        assert "no-fire-control-link" in codes(units[fu]), fu
    hint = next(r["message"] for r in units["lr-l1"]["reasons"] if r["code"] == "no-fire-control-link")
    assert "lr-l1" in hint and "nearest engagement radar: lr-fcr" in hint


def test_as_reported_silent_telars_get_emissions_off(reported):
    units = by_id(reported)
    for fu in SILENT_TELARS:
        assert "emissions-off" in codes(units[fu]), fu
    # the launcher-loaders' would-be guide is the silent TELAR next to them
    assert "emissions-off" in codes(units["mr1-ll"]) and "emissions-off" in codes(units["mr2-ll"])


def test_as_reported_long_range_launchers_warn_of_poor_maintenance_naming_lr_fcr(reported):
    units = by_id(reported)
    for fu in ("lr-l1", "lr-l2"):
        poor = [r for r in units[fu]["reasons"] if r["code"] == "poor-maintenance"]
        assert len(poor) == 1 and "lr-fcr (25%)" in poor[0]["message"]
        assert poor[0]["severity"] == "warning"
        # cut off from the command post (its cue link is down) and the doctrine forbids autonomous fire
        assert "no-command-path" in codes(units[fu])


def test_as_reported_flags_untrained_crews(reported):
    for unit in reported["fire_units"]:
        untrained = [r for r in unit["reasons"] if r["code"] == "crew-untrained"]
        assert len(untrained) == 1 and unit["id"] in untrained[0]["message"]


def test_as_designed_json_has_every_fire_unit_able(capsys):
    status, result = run_audit_json(capsys, str(EXAMPLES / "airbase-as-designed.yaml"))
    assert status == 0
    assert result["fire_units_total"] == result["fire_units_able"] == 6
    units = by_id(result)
    for unit in result["fire_units"]:
        assert unit["able"] is True and unit["mode"] == "networked", unit["id"]
        assert all(r["severity"] == "warning" for r in unit["reasons"])
        assert {"id", "able", "reasons"} <= unit.keys()
    assert units["lr-l1"]["guided_by"] == ["lr-fcr"] and units["mr1-ll"]["guided_by"] == ["mr1-telar"]
    # every built-in engagement radar searches on its own and the doctrine allows autonomous fire, so only
    # the launcher and its guiding radar (and the fire-control link, always up) decide readiness
    assert units["lr-l1"]["readiness"] == pytest.approx(0.9 * 0.95, abs=1e-6)
    assert units["mr1-telar"]["readiness"] == pytest.approx(0.9, abs=1e-6)
    assert units["mr2-ll"]["readiness"] == pytest.approx(0.9 * 0.95, abs=1e-6)
    assert all(unit["readiness_exact"] for unit in result["fire_units"])
    spofs = {s["component"]: s["fire_units"] for s in result["single_points_of_failure"]}
    assert spofs["lr-fcr"] == ["lr-l1", "lr-l2"]
    assert "cp-1" not in spofs  # losing the only command post leaves every battery fighting autonomously
    assert result["single_points_of_failure"][0]["component"] == "lr-fcr"  # most fire units first


def test_audit_text_output_reports_the_count_of_able_fire_units(capsys):
    assert main(["audit", str(EXAMPLES / "airbase-as-reported.yaml")]) == 0
    out = capsys.readouterr().out
    assert "0 of 6 fire units able." in out and "no-fire-control-link" in out

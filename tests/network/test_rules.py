"""The degraded-mode rules on small synthetic networks (see iadsim.network.chain's docstring)."""

from __future__ import annotations

import pytest

from iadsim.network import audit, build_network, chain_probability, evaluate, single_points_of_failure
from iadsim.network.chain import stated_state
from iadsim.scenario import load_scenario

from .conftest import scenario_dict, write_scenario


def status_of(scenario, fire_unit: str, without=()):
    net = build_network(scenario)
    return evaluate(net, fire_unit, stated_state(net, frozenset(without)))


def codes(status) -> list[str]:
    return [r.code for r in status.reasons]


def readiness(scenario, fire_unit: str) -> float:
    value, exact = chain_probability(build_network(scenario), fire_unit)
    assert exact
    return value


# --- (1) redundancy: parallel paths combine as 1 - prod(1 - p), not as a product -------------------


def test_two_sensors_on_separate_links_give_parallel_not_series_readiness(make_scenario):
    p1, p2, pc = 0.8, 0.7, 0.95
    s = make_scenario(
        {"s1": {"type": "ew-radar", "availability": p1}, "s2": {"type": "mr-search-radar", "availability": p2},
         "cp": {"type": "command-post", "availability": pc}, "fcr": "fc-blind", "l1": "lr-launcher"},
        ["s1->cp:tracks", "s2->cp:tracks", "cp->fcr:cues", "fcr->l1:fire-control"],
    )
    # fc-blind cannot search on its own and a lost command post leaves it blind: the CP is in series
    assert readiness(s, "l1") == pytest.approx(pc * (1 - (1 - p1) * (1 - p2)), abs=1e-12)
    assert readiness(s, "l1") != pytest.approx(pc * p1 * p2)
    spofs = single_points_of_failure(build_network(s), "l1")
    assert "s1" not in spofs and "s2" not in spofs
    assert {"cp", "fcr", "cp->fcr:cues", "fcr->l1:fire-control"} <= set(spofs)


def test_redundant_sensor_links_combine_with_sensor_availability(make_scenario):
    p1, q1, p2, q2 = 0.8, 0.9, 0.7, 0.5
    s = make_scenario(
        {"s1": {"type": "ew-radar", "availability": p1}, "s2": {"type": "mr-search-radar", "availability": p2},
         "cp": "command-post", "fcr": "fc-blind", "l1": "lr-launcher"},
        [("s1->cp:tracks", {"availability": q1}), ("s2->cp:tracks", {"availability": q2}),
         "cp->fcr:cues", "fcr->l1:fire-control"],
    )
    assert readiness(s, "l1") == pytest.approx(1 - (1 - p1 * q1) * (1 - p2 * q2), abs=1e-12)


def test_two_guiding_radars_give_parallel_readiness(make_scenario):
    s = make_scenario(
        {"cp": "command-post", "fcr1": {"type": "lr-engagement-radar", "availability": 0.8},
         "fcr2": {"type": "lr-engagement-radar", "availability": 0.6}, "l1": "lr-launcher"},
        ["cp->fcr1:cues", "cp->fcr2:cues", "fcr1->l1:fire-control", "fcr2->l1:fire-control"],
    )
    assert readiness(s, "l1") == pytest.approx(1 - 0.2 * 0.4, abs=1e-12)
    assert single_points_of_failure(build_network(s), "l1") == []


def test_parallel_links_between_the_same_units_are_separate_components(make_scenario):
    # two radio links from the sensor to the command post: one down, one up at 60 %
    s = make_scenario(
        {"s1": "ew-radar", "cp": "command-post", "fcr": "fc-blind", "l1": "lr-launcher"},
        [("s1->cp:tracks", {"status": "down"}), ("s1->cp:tracks", {"availability": 0.6}),
         ("s1->cp:tracks", {"availability": 0.5}), "cp->fcr:cues", "fcr->l1:fire-control"],
    )
    net = build_network(s)
    assert [lid for lid, *_ in net.links][:3] == ["s1->cp:tracks", "s1->cp:tracks#2", "s1->cp:tracks#3"]
    assert status_of(s, "l1").able
    assert readiness(s, "l1") == pytest.approx(1 - 0.4 * 0.5, abs=1e-12)


# --- (2) a shared node or link as a single point of failure for several fire units ----------------


def two_batteries(relay: bool = False) -> tuple[dict, list]:
    units = {"s1": "ew-radar", "cp": "command-post", "fcr1": "fc-blind", "fcr2": "fc-blind",
             "l1": "lr-launcher", "l2": "lr-launcher"}
    links = ["s1->cp:tracks", "fcr1->l1:fire-control", "fcr2->l2:fire-control"]
    if relay:  # a relay station: a search radar kept silent, so it passes cues on but is no sensor
        units["relay"] = {"type": "mr-search-radar", "emission": "off"}
        links += ["cp->relay:cues", "relay->fcr1:cues", "relay->fcr2:cues"]
    else:
        links += ["cp->fcr1:cues", "cp->fcr2:cues"]
    return units, links


def spof_table(scenario) -> dict[str, list[str]]:
    return {s["component"]: s["fire_units"] for s in audit(scenario)["single_points_of_failure"]}


def test_shared_command_post_is_a_single_point_of_failure_for_both_batteries(make_scenario):
    s = make_scenario(*two_batteries())
    result = audit(s)
    assert result["fire_units_able"] == 2
    table = spof_table(s)
    assert table["cp"] == ["l1", "l2"] and table["s1"] == ["l1", "l2"]
    assert table["fcr1"] == ["l1"] and table["cp->fcr1:cues"] == ["l1"]
    assert "l1" not in table  # the launcher itself is not listed
    assert result["single_points_of_failure"][0]["fire_units"] == ["l1", "l2"]


def test_shared_relay_and_its_link_are_single_points_of_failure(make_scenario):
    s = make_scenario(*two_batteries(relay=True))
    table = spof_table(s)
    assert table["relay"] == ["l1", "l2"]
    assert table["cp->relay:cues"] == ["l1", "l2"]
    assert table["relay->fcr1:cues"] == ["l1"]
    assert status_of(s, "l1", without={"relay"}).able is False
    assert "no-sensor-picture" in codes(status_of(s, "l2", without={"cp->relay:cues"}))


def test_command_post_is_a_single_point_of_failure_when_another_one_survives(make_scenario):
    # built-in radars search on their own, but with a second command post up and no autonomous fire the
    # batteries fed only by cp-main go dark without it
    s = make_scenario(
        {"ew": "ew-radar", "cp-main": "command-post", "cp-alt": "command-post", "relay": "mr-search-radar",
         "fcr1": "lr-engagement-radar", "fcr2": "lr-engagement-radar", "l1": "lr-launcher", "l2": "lr-launcher"},
        ["ew->cp-alt:tracks", "cp-main->relay:cues", "relay->fcr1:cues", "relay->fcr2:cues",
         "fcr1->l1:fire-control", "fcr2->l2:fire-control"],
        fallback=False,
    )
    table = spof_table(s)
    for shared in ("cp-main", "relay", "cp-main->relay:cues"):
        assert table[shared] == ["l1", "l2"], shared
    assert "cp-alt" not in table and "ew" not in table
    assert "no-command-path" in codes(status_of(s, "l1", without={"cp-main"}))


def test_sole_command_post_is_a_single_point_of_failure_when_the_doctrine_forbids_autonomous_fire(make_scenario):
    # losing the command post cuts the battery off, as losing its cue link does: the doctrine decides, not how
    s = make_scenario(
        {"cp": "command-post", "fcr": "lr-engagement-radar", "l1": "lr-launcher"},
        ["cp->fcr:cues", "fcr->l1:fire-control"], fallback=False,
    )
    assert single_points_of_failure(build_network(s), "l1") == ["cp", "fcr", "cp->fcr:cues", "fcr->l1:fire-control"]
    assert codes(status_of(s, "l1", without={"cp"})) == ["no-command-path"]
    allowed = make_scenario(
        {"cp": "command-post", "fcr": "lr-engagement-radar", "l1": "lr-launcher"},
        ["cp->fcr:cues", "fcr->l1:fire-control"], fallback=True,
    )
    assert single_points_of_failure(build_network(allowed), "l1") == ["fcr", "fcr->l1:fire-control"]
    assert status_of(allowed, "l1", without={"cp"}).mode == "autonomous"


def test_a_battery_cut_off_from_its_command_post_is_not_freed_by_losing_the_post(make_scenario):
    # its cue link is down: cut off, it may not fire; the command post down as well changes nothing (it made the
    # whole network autonomous before, so a broken command post let it fire: readiness above 0 for a unit not able)
    units, links = cut_off_battery()
    s = make_scenario({**units, "cp": {"type": "command-post", "availability": 0.9}}, links, fallback=False)
    assert codes(status_of(s, "l1")) == ["no-command-path"]
    assert codes(status_of(s, "l1", without={"cp"})) == ["no-command-path"]
    assert readiness(s, "l1") == 0.0


# --- (3) autonomous fallback -------------------------------------------------------------------------


def cut_off_battery(launcher: str = "lr-launcher") -> tuple[dict, list]:
    units = {"ew": "ew-radar", "cp": "command-post", "fcr": "lr-engagement-radar", "l1": launcher}
    links = ["ew->cp:tracks", ("cp->fcr:cues", {"status": "down"}), "fcr->l1:fire-control"]
    return units, links


def test_cut_off_battery_fights_autonomously_with_its_own_radar_when_allowed(make_scenario):
    s = make_scenario(*cut_off_battery(), fallback=True)
    status = status_of(s, "l1")
    assert status.able and status.mode == "autonomous"
    assert codes(status) == ["autonomous"] and status.reasons[0].severity == "warning"
    assert status.guiders == ("fcr",) and status.sensors == ("fcr",)  # its own search only, not ew
    fu = audit(s)["fire_units"][0]
    assert fu["mode"] == "autonomous" and fu["reasons"][0]["code"] == "autonomous"


def test_cut_off_battery_is_not_able_when_doctrine_forbids_autonomous_fire(make_scenario):
    s = make_scenario(*cut_off_battery(), fallback=False)
    status = status_of(s, "l1")
    assert not status.able and status.mode == "none"
    assert codes(status) == ["no-command-path"]
    assert "fcr" in status.reasons[0].message
    assert readiness(s, "l1") == 0.0


def test_cut_off_telar_follows_the_doctrine(make_scenario):
    units = {"cp": "command-post", "t1": "mr-telar"}
    links = [("cp->t1:cues", {"status": "down"})]
    assert status_of(make_scenario(units, links, fallback=True), "t1").mode == "autonomous"
    assert codes(status_of(make_scenario(units, links, fallback=False), "t1")) == ["no-command-path"]


def test_networked_battery_is_networked_not_autonomous(make_scenario):
    units, links = cut_off_battery()
    links[1] = "cp->fcr:cues"
    status = status_of(make_scenario(units, links, fallback=False), "l1")
    assert status.able and status.mode == "networked" and codes(status) == []
    assert status.sensors == ("ew", "fcr")  # the command post's picture reaches the radar


@pytest.mark.parametrize("fallback", [True, False])
def test_losing_every_command_post_cuts_the_batteries_off_and_the_doctrine_decides(make_scenario, fallback):
    units = {"cp1": "command-post", "cp2": "command-post", "fcr": "lr-engagement-radar", "l1": "lr-launcher",
             "t1": "mr-telar"}
    links = ["cp1->fcr:cues", "cp2->t1:cues", "fcr->l1:fire-control"]
    s = make_scenario(units, links, fallback=fallback)
    for fu in ("l1", "t1"):
        status = status_of(s, fu, without={"cp1", "cp2"})
        if fallback:
            assert status.able and status.mode == "autonomous" and codes(status) == ["autonomous"], fu
        else:
            assert not status.able and codes(status) == ["no-command-path"], fu
    # one command post left: the battery cut off from it follows the doctrine too
    status = status_of(s, "l1", without={"cp1"})
    assert status.able is fallback
    # the same when the command posts are down in the scenario itself
    units_down = {**units, "cp1": {"type": "command-post", "availability": 0.0},
                  "cp2": {"type": "command-post", "availability": 0.0}}
    assert status_of(make_scenario(units_down, links, fallback=fallback), "l1").able is fallback


def test_network_without_any_command_post_is_autonomous(make_scenario):
    s = make_scenario({"fcr": "lr-engagement-radar", "l1": "lr-launcher"}, ["fcr->l1:fire-control"], fallback=False)
    status = status_of(s, "l1")
    assert status.able and status.mode == "autonomous"


def test_autonomous_radar_uses_sensors_cued_to_it_directly_but_not_the_command_posts_picture(make_scenario):
    units = {"ew": "ew-radar", "acq": "mr-search-radar", "cp": "command-post", "fcr": "fc-blind",
             "l1": "lr-launcher"}
    cut = ("cp->fcr:cues", {"status": "down"})
    s = make_scenario(units, ["ew->cp:tracks", "acq->fcr:cues", cut, "fcr->l1:fire-control"])
    status = status_of(s, "l1")
    assert status.able and status.mode == "autonomous" and status.sensors == ("acq",)
    blind = make_scenario(units, ["ew->cp:tracks", "acq->cp:tracks", cut, "fcr->l1:fire-control"])
    assert codes(status_of(blind, "l1")) == ["no-sensor-picture"]


def test_networked_radar_beats_autonomous_one_for_the_mode(make_scenario):
    s = make_scenario(
        {"cp": "command-post", "fcr1": "lr-engagement-radar", "fcr2": "lr-engagement-radar", "l1": "lr-launcher"},
        [("cp->fcr1:cues", {"status": "down"}), "cp->fcr2:cues", "fcr1->l1:fire-control", "fcr2->l1:fire-control"],
    )
    status = status_of(s, "l1")
    assert status.mode == "networked" and set(status.guiders) == {"fcr1", "fcr2"}


# --- (4) fire control --------------------------------------------------------------------------------


def test_launcher_without_fire_control_link_cannot_engage_and_names_the_nearest_radar(make_scenario):
    s = make_scenario(
        {"cp": "command-post", "near": {"type": "lr-engagement-radar", "x": 1, "y": 0},
         "far": {"type": "lr-engagement-radar", "x": 8, "y": 8}, "l1": {"type": "lr-launcher", "x": 0, "y": 0}},
        ["cp->near:cues", "cp->far:cues"],
    )
    status = status_of(s, "l1")
    assert not status.able and codes(status) == ["no-fire-control-link"]
    assert "nearest engagement radar: near" in status.reasons[0].message
    assert readiness(s, "l1") == 0.0


def test_launcher_with_no_radar_anywhere_reports_only_the_missing_link(make_scenario):
    s = make_scenario({"cp": "command-post", "l1": "lr-launcher"}, [])
    status = status_of(s, "l1")
    assert codes(status) == ["no-fire-control-link"] and "nearest" not in status.reasons[0].message


def test_fire_control_link_down_blocks_the_launcher(make_scenario):
    s = make_scenario({"fcr": "lr-engagement-radar", "l1": "lr-launcher"},
                      [("fcr->l1:fire-control", {"status": "down"})])
    status = status_of(s, "l1")
    assert codes(status) == ["fire-control-link-down"] and "fcr->l1:fire-control" in status.reasons[0].message
    assert readiness(s, "l1") == 0.0


def test_unavailable_guiding_radar_blocks_the_launcher(make_scenario):
    s = make_scenario({"fcr": {"type": "lr-engagement-radar", "availability": 0.0}, "l1": "lr-launcher"},
                      ["fcr->l1:fire-control"])
    status = status_of(s, "l1")
    assert "radar-unavailable" in codes(status) and status.reasons[0].message.endswith(": fcr")
    assert not status.able and readiness(s, "l1") == 0.0


def test_a_down_radar_is_blamed_once_not_also_for_its_picture(make_scenario):
    """A down engagement radar that the command post feeds (and that searches on its own): 'radar-unavailable'
    alone. Its picture used to be judged with the radar down, adding a false 'no-sensor-picture' (the README's
    `audit --without lr-fcr`) and 'poor-maintenance' for a unit the file says is down; a down TELAR likewise."""
    s = make_scenario({"ew": "ew-radar", "cp": "command-post", "l1": "lr-launcher",
                       "fcr": {"type": "lr-engagement-radar", "availability": 0.0},
                       "t1": {"type": "mr-telar", "availability": 0.0}},
                      ["ew->cp:tracks", "cp->fcr:cues", "fcr->l1:fire-control", "cp->t1:cues"])
    assert codes(status_of(s, "l1")) == ["radar-unavailable"]
    assert codes(status_of(s, "t1")) == ["launcher-unavailable"]
    live = make_scenario({"ew": "ew-radar", "cp": "command-post", "l1": "lr-launcher", "fcr": "lr-engagement-radar"},
                         ["ew->cp:tracks", "cp->fcr:cues", "fcr->l1:fire-control"])
    assert codes(status_of(live, "l1", without=("fcr",))) == ["radar-unavailable"]
    # with no picture at all, the missing picture is still named beside the down radar
    blind = make_scenario({"l1": "lr-launcher", "fcr": {"type": "fc-blind", "availability": 0.0}},
                          ["fcr->l1:fire-control"])
    assert codes(status_of(blind, "l1")) == ["radar-unavailable", "no-sensor-picture"]


def test_a_unit_down_at_the_start_but_repairable_says_so(make_scenario):
    """availability 0 with mtbf and mttr: down at the start, repaired during a run (30 s here: the battery fired
    within the first minute). The audit judges the start, and says the unit comes back."""
    def kept(availability, mttr):
        return {"readiness": {"availability": availability, "mtbf": "100 h", "mttr": mttr}}

    s = make_scenario({"t1": {"type": "mr-telar", **kept(0.0, "30 s")}, "l1": "lr-launcher",
                       "fcr": {"type": "lr-engagement-radar", **kept(0.0, "2 h")},
                       "t2": {"type": "mr-telar", **kept(0.9, "1 h")}}, ["fcr->l1:fire-control"])
    assert status_of(s, "t1").reasons[0].message.endswith("t1 (down at the start; repaired in a mean of 30 s)")
    assert status_of(s, "l1").reasons[0].message.endswith("fcr (down at the start; repaired in a mean of 2 h)")
    lost = status_of(s, "t2", without=("t2",))  # (lost, not stated down: no repair promised)
    assert lost.reasons[0].message.endswith(": t2")


def test_every_cause_on_every_fire_control_path_is_named(make_scenario):
    """Two guiding radars: one's link is down, the other radar is down. Both are named (only the second was, and
    with a false 'no-sensor-picture'); a down command post cutting the radar off is named in its detail."""
    s = make_scenario(
        {"ew": "ew-radar", "cp": "command-post", "fcr1": "lr-engagement-radar",
         "fcr2": {"type": "lr-engagement-radar", "availability": 0.0}, "l1": "lr-launcher"},
        ["ew->cp:tracks", "cp->fcr1:cues", "cp->fcr2:cues", ("fcr1->l1:fire-control", {"status": "down"}),
         "fcr2->l1:fire-control"])
    status = status_of(s, "l1")
    assert codes(status) == ["fire-control-link-down", "radar-unavailable"]
    assert status.reasons[0].message.endswith(": fcr1->l1:fire-control") and status.reasons[1].message.endswith(
        ": fcr2")
    relayed = make_scenario(
        {"ew": "ew-radar", "cp": "command-post", "relay": {"type": "mr-search-radar", "emission": "off"},
         "fcr": "fc-blind", "l1": "lr-launcher"},
        ["ew->cp:tracks", "cp->relay:cues", "relay->fcr:cues", "fcr->l1:fire-control"], fallback=False)
    cut = status_of(relayed, "l1", without=("relay",))
    assert codes(cut) == ["no-command-path"] and cut.reasons[0].message.endswith("fcr (down: relay)")


def test_one_working_fire_control_link_of_two_is_enough(make_scenario):
    s = make_scenario(
        {"fcr1": "lr-engagement-radar", "fcr2": "lr-engagement-radar", "l1": "lr-launcher"},
        [("fcr1->l1:fire-control", {"status": "down"}), "fcr2->l1:fire-control"],
    )
    status = status_of(s, "l1")
    assert status.able and status.guiders == ("fcr2",)


def test_launcher_loader_guided_by_a_telar(make_scenario):
    s = make_scenario({"t1": "mr-telar", "ll": "mr-launcher-loader"}, ["t1->ll:fire-control"])
    assert status_of(s, "ll").able and status_of(s, "t1").able


def test_an_unreliable_link_on_the_command_path_warns(make_scenario):
    """The cues link from the command post at 30 %: readiness 30 % and a warning naming it (there was no reason at
    all, where a command post at 30 % is named)."""
    s = make_scenario({"ew": "ew-radar", "cp": "command-post", "fcr": "fc-blind", "l1": "lr-launcher"},
                      ["ew->cp:tracks", ("cp->fcr:cues", {"availability": 0.3}), "fcr->l1:fire-control"],
                      fallback=False)
    status = status_of(s, "l1")
    assert status.able and readiness(s, "l1") == pytest.approx(0.3, abs=1e-12)
    shaky = [r for r in status.reasons if r.code == "link-unreliable"]
    assert len(shaky) == 1 and shaky[0].message.endswith(": cp->fcr:cues")


def test_unreliable_fire_control_link_warns_and_lowers_readiness(make_scenario):
    s = make_scenario({"fcr": "lr-engagement-radar", "l1": {"type": "lr-launcher", "availability": 0.9}},
                      [("fcr->l1:fire-control", {"availability": 0.5})])
    status = status_of(s, "l1")
    assert status.able and "link-unreliable" in codes(status)
    assert readiness(s, "l1") == pytest.approx(0.45, abs=1e-12)


def test_launcher_down_or_empty_is_not_able(make_scenario):
    s = make_scenario({"t1": {"type": "mr-telar", "availability": 0.0}, "t2": {"type": "mr-telar", "missiles": 0}},
                      [])
    assert codes(status_of(s, "t1"))[0] == "launcher-unavailable"
    assert codes(status_of(s, "t2"))[0] == "no-missiles"


# --- (5) emissions ----------------------------------------------------------------------------------


def test_guiding_radar_with_emissions_off_guides_nothing(make_scenario):
    s = make_scenario({"ew": "ew-radar", "cp": "command-post", "l1": "lr-launcher",
                       "fcr": {"type": "lr-engagement-radar", "emission": "off"}},
                      ["ew->cp:tracks", "cp->fcr:cues", "fcr->l1:fire-control"])
    status = status_of(s, "l1")
    assert not status.able and codes(status) == ["emissions-off"] and status.reasons[0].message.endswith(": fcr")
    assert readiness(s, "l1") == 0.0


def test_a_radar_that_never_emits_through_the_shortest_flight_guides_nothing(make_scenario):
    """A blinking guiding radar on for less than the missile's shortest flight (its least range over its flyout
    speed, the catalog's numbers) can guide no missile to an intercept: the engine's crews never fire (a run of the
    as-designed laydown blinking 2 s in 22 launched nothing), so the audit says so instead of 'able at 90 %'.
    On for longer, it is able with the emission-control warning."""
    probe = make_scenario({"t1": "mr-telar", "fcr": "lr-engagement-radar", "l1": "lr-launcher"}, [])
    types = probe.catalog.types
    flight = {u: float(types[types[t].missile].min_range.value) / float(types[types[t].missile].speed.value)
              for u, t in (("t1", "mr-telar"), ("l1", "lr-launcher"))}
    assert all(f > 1.0 for f in flight.values())
    for extra, able in ((-0.5, False), (0.5, True)):
        blink = {f: {"emcon": {"policy": "blink", "on": f"{flight[u] + extra} s", "off": "20 s"}}
                 for f, u in (("t1", "t1"), ("fcr", "l1"))}
        s = make_scenario({"ew": "ew-radar", "cp": "command-post", "t1": {"type": "mr-telar", **blink["t1"]},
                           "fcr": {"type": "lr-engagement-radar", **blink["fcr"]}, "l1": "lr-launcher"},
                          ["ew->cp:tracks", "cp->t1:cues", "cp->fcr:cues", "fcr->l1:fire-control"])
        for unit in ("t1", "l1"):
            status = status_of(s, unit)
            assert status.able is able, (unit, extra, codes(status))
            assert ("emission-too-short" in codes(status)) is not able and "emission-control" in codes(status)
            assert (readiness(s, unit) > 0) is able


def test_a_cued_radar_with_nothing_to_cue_it_guides_nothing(make_scenario):
    """An ambush TELAR (dark until a hostile track cues it) whose command post no sensor feeds: its own search
    waits for the cue, so nothing can ever cue it. The engine never switched it on and its battery launched
    nothing while the audit said 'able, 90 %'; now 'never-cued', readiness 0. With an early-warning radar feeding
    the post it is able, as is an always-on TELAR alone."""
    units = {"cp": "command-post", "t1": {"type": "mr-telar", "emcon": {"policy": "ambush"}},
             "ll": "mr-launcher-loader"}
    links = ["cp->t1:cues", "t1->ll:fire-control"]
    alone = make_scenario(units, links)
    for unit in ("t1", "ll"):
        status = status_of(alone, unit)
        assert codes(status)[0] == "never-cued" and not status.able and readiness(alone, unit) == 0.0
    fed = make_scenario({"ew": "ew-radar", **units}, ["ew->cp:tracks", *links])
    assert all(status_of(fed, u).able and readiness(fed, u) == 1.0 for u in ("t1", "ll"))
    always = make_scenario({**units, "t1": "mr-telar"}, links)
    assert status_of(always, "t1").able


def test_a_relocating_unit_in_the_chain_warns_how_long_it_is_out(make_scenario):
    """A TELAR moving every 2 min, out for its tear-down and set-up (the catalog's, a trained crew's) plus the road
    each time: the audit warns, and on a schedule says the most of the time it can be ready, every / (every +
    tear-down + set-up) (it said 'able, 90 %' and nothing else, while such a battery never launched)."""
    units = {"cp": "command-post", "ew": "ew-radar", "ll": "mr-launcher-loader",
             "t1": {"type": "mr-telar", "relocation": {"after": "schedule", "every": "2 min",
                                                        "sites": [{"x": "3 km", "y": "3 km"}]}}}
    s = make_scenario(units, ["ew->cp:tracks", "cp->t1:cues", "t1->ll:fire-control"])
    entry = s.catalog.types["mr-telar"]
    out = float(entry.teardown.value + entry.setup.value)
    for unit in ("t1", "ll"):
        status = status_of(s, unit)
        moving = [r for r in status.reasons if r.code == "relocation"]
        assert status.able and len(moving) == 1 and moving[0].severity == "warning"
        assert f"t1 (every 2 min; each move out {out / 60:.3g} min plus the road: ready {120 / (120 + out):.0%} of " \
               "the time at most)" in moving[0].message, moving[0].message


def test_telar_with_emissions_off_cannot_engage(make_scenario):
    s = make_scenario({"cp": "command-post", "t1": {"type": "mr-telar", "emission": "off"}}, ["cp->t1:cues"])
    status = status_of(s, "t1")
    assert not status.able and "emissions-off" in codes(status)


def test_silent_sensor_is_not_a_picture_source(make_scenario):
    units = {"s1": {"type": "ew-radar", "emission": "off"}, "cp": "command-post", "fcr": "fc-blind",
             "l1": "lr-launcher"}
    links = ["s1->cp:tracks", "cp->fcr:cues", "fcr->l1:fire-control"]
    status = status_of(make_scenario(units, links), "l1")
    assert not status.able and codes(status) == ["no-sensor-picture"]
    assert readiness(make_scenario(units, links), "l1") == 0.0
    units["s1"] = "ew-radar"
    status = status_of(make_scenario(units, links), "l1")
    assert status.able and status.sensors == ("s1",)


def test_one_passive_sensor_places_nothing_and_two_make_a_picture(make_scenario):
    """A bearing places no target; two passive sensors' bearings cross (the engine fixes them at the node), and
    one of them must measure elevation for the target's height (two ESM stations with bearings only do not). A
    passive sensor senses with its emission off, and its availability enters the readiness as a radar's would."""
    p1, p2 = 0.9, 0.8
    units = {"e1": {"type": "esm-station", "availability": p1, "emission": "off"}, "cp": "command-post",
             "fcr": "fc-blind", "l1": "lr-launcher"}
    links = ["e1->cp:tracks", "cp->fcr:cues", "fcr->l1:fire-control"]
    status = status_of(make_scenario(units, links), "l1")
    assert not status.able and codes(status) == ["no-sensor-picture"]
    assert "only e1, a passive sensor" in status.reasons[0].message
    assert readiness(make_scenario(units, links), "l1") == 0.0
    two_esm = make_scenario({**units, "e2": "esm-station"}, [*links, "e2->cp:tracks"])
    status = status_of(two_esm, "l1")
    assert not status.able and "only e1, e2: bearings cross but give no height" in status.reasons[0].message
    assert readiness(two_esm, "l1") == 0.0
    units["i2"] = {"type": "irst-station", "availability": p2}
    links.append("i2->cp:tracks")
    status = status_of(make_scenario(units, links), "l1")
    assert status.able and status.sensors == ("e1", "i2")
    assert readiness(make_scenario(units, links), "l1") == pytest.approx(p1 * p2, abs=1e-12)  # both, in series
    units["s3"] = {"type": "ew-radar", "availability": 0.5}
    links.append("s3->cp:tracks")
    assert readiness(make_scenario(units, links), "l1") == pytest.approx(1 - (1 - p1 * p2) * 0.5, abs=1e-12)


def test_silent_sensor_is_left_out_of_the_picture_of_a_self_searching_radar(make_scenario):
    s = make_scenario({"s1": {"type": "ew-radar", "emission": "off"}, "s2": "mr-search-radar", "cp": "command-post",
                       "fcr": "lr-engagement-radar", "l1": "lr-launcher"},
                      ["s1->cp:tracks", "s2->cp:tracks", "cp->fcr:cues", "fcr->l1:fire-control"])
    assert status_of(s, "l1").sensors == ("fcr", "s2")


def test_emissions_are_read_from_yaml_on_off_booleans(make_scenario, tmp_path):
    data = scenario_dict({"t1": "mr-telar"}, [])
    data["units"][0]["readiness"] = {"emission": False}  # a bare `off` in YAML 1.1
    s = load_scenario(write_scenario(tmp_path / "bool", data))
    assert "emissions-off" in codes(status_of(s, "t1"))

"""The kill chain as a directed graph, and the degraded-mode rules shared by the audit and the engine.

Components are units (by id) and links (by ``FROM->TO:carries``; a parallel link between the same
units carrying the same thing is ``FROM->TO:carries#2``, ``#3``...). A component is *up* or *down*; the
audit takes the scenario's stated status, the readiness analysis enumerates random states, and the
engine draws one state per replication. :func:`evaluate` applies these rules, in this order:

1. ``launcher-unavailable`` - the launcher is down. ``no-missiles`` - it carries none.
2. Fire control: a launcher with its own radar guides its own missiles; any other launcher needs an up
   ``fire-control`` link from an up fire-control radar (``no-fire-control-link`` when no such link
   exists, ``fire-control-link-down`` when every one is down, ``radar-unavailable`` when every guiding
   radar is down). A radar dark by its emission-control policy (``silent``) detects and guides nothing
   (``emissions-off``); one whose schedule never emits as long as the missile's shortest flight (its least range
   over its flyout speed) guides none to an intercept (``emission-too-short``: the engine's crews do not fire
   missiles their radar would leave unguided). Every cause on every fire-control path is named.
3. Command: a guiding radar is *networked* when an up command post reaches it over up ``tracks``/``cues``
   links through up units. A radar cut off from every command post fights *autonomously* with its own
   radars if the doctrine allows (``autonomous_fallback``), or stays dark (``no-command-path``). A network
   with no command post at all is autonomous whatever the doctrine; one whose command posts are all down is
   cut off from them, and the doctrine decides (losing the command post does not free a battery to fire).
4. Picture: a networked radar sees what reaches its command post and what is cued to it directly, plus
   its own sector search; an autonomous one sees only its own search and sensors cued to it directly
   (not through a command post). The sensors that count are those that sense: a radar while its
   emissions are on, a passive sensor (whose model emits nothing) always. A radar places targets; a
   passive sensor gives lines of sight only, which place a target where two cross, its height from an
   elevation: the picture needs a radar, or two passive sensors of which one measures elevation (an
   IRST; an ESM with ``elevation_accuracy``). Without: ``no-sensor-picture``. A guiding radar dark until a
   hostile track cues it (``on-cue``, ``ambush``) needs such a picture from sensors that are not cued radars
   themselves: its own search waits for the cue (``never-cued``).
5. Warnings that leave the unit able: ``autonomous``, ``poor-maintenance`` (availability below 0.5 in
   the chain or among its sensors), ``crew-untrained``, ``link-unreliable`` (a link in the chain with
   availability below 1), ``emission-control`` (a guiding radar, or a radar of the picture, emits only part of
   the time by its policy: :mod:`iadsim.network.emcon`), ``targeted`` (a raid attacks a unit of the chain or of
   its picture: the engine destroys it when a threat reaches it, with the raid's ``pk``), ``relocation`` (a unit of
   the chain or its picture relocates: out for each move's tear-down, road and set-up). The chain is the
   launcher, its guiding radars, its fire-control links and the command posts that command those radars.
"""

from __future__ import annotations

import functools
import itertools
from collections import deque
from dataclasses import dataclass, field

import networkx as nx

from iadsim.network.emcon import ALWAYS, Schedule, schedules
from iadsim.registry import BEARING, EMCON_POLICIES, SENSOR_MODELS, places, places_target
from iadsim.scenario import Scenario
from iadsim.scenario.catalog import SENSOR_TYPES, LauncherType, RadarType

PICTURE = ("tracks", "cues")
POOR_AVAILABILITY = 0.5

REASONS: dict[str, str] = {
    "launcher-unavailable": "the launcher is not operational",
    "no-missiles": "the launcher has no missiles",
    "no-fire-control-link": "no fire-control link from any engagement radar to this launcher",
    "fire-control-link-down": "every fire-control link to this launcher is down",
    "radar-unavailable": "every radar that could guide this launcher's missiles is not operational",
    "emissions-off": "the guiding radar is dark by its emission-control policy (silent), so it detects and guides "
                     "nothing",
    "emission-too-short": "the guiding radar's emission-control schedule never emits as long as the missile's "
                          "shortest flight, so it guides none to an intercept",
    "never-cued": "the guiding radar is dark until a hostile track cues it, and no sensor of its picture but cued "
                  "radars can place one",
    "no-command-path": "cut off from every command post, and the doctrine forbids autonomous fire",
    "no-sensor-picture": "no operating sensor feeds the engagement radar",
    "autonomous": "cut off from the command posts: fights autonomously with its own radars",
    "poor-maintenance": "a unit in the chain is poorly maintained (availability below 0.5)",
    "crew-untrained": "a crew in the chain is untrained",
    "link-unreliable": "a link in the chain may fail (availability below 1)",
    "emission-control": "a radar in the chain emits only part of the time (its emission-control policy); while "
                        "dark it detects and guides nothing",
    "targeted": "a raid attacks a unit of the chain (reaching it, a threat or an anti-radiation missile may destroy "
                "it)",
    "relocation": "a unit of the chain relocates (shoot and scoot): from each tear-down's start to its set-up's end "
                  "it neither emits nor fires",
}
WARNINGS = frozenset({"autonomous", "poor-maintenance", "crew-untrained", "link-unreliable", "emission-control",
                      "targeted", "relocation"})


def link_id(source: str, target: str, carries: str) -> str:
    return f"{source}->{target}:{carries}"


@dataclass(frozen=True)
class Reason:
    code: str
    message: str

    @property
    def severity(self) -> str:
        return "warning" if self.code in WARNINGS else "blocking"

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "severity": self.severity}


@dataclass(frozen=True)
class ChainStatus:
    """Whether a fire unit can engage, how, and why not."""

    fire_unit: str
    able: bool
    mode: str  # "networked", "autonomous" or "none"
    reasons: tuple[Reason, ...]
    guiders: tuple[str, ...] = ()  # radars (or the launcher itself) that can guide its missiles
    sensors: tuple[str, ...] = ()  # sensors whose tracks reach the guiding radars (radars and passive sensors)
    chain: frozenset[str] = field(default_factory=frozenset)  # components the capability rests on
    commanders: tuple[str, ...] = ()  # the working command posts that command it (in the scenario's order); none:
    #                                    the battery fights autonomously (or cannot fight)


@dataclass
class Network:
    """The scenario's kill chain as a networkx multigraph plus fast lookups for the rules."""

    graph: nx.MultiDiGraph
    kind: dict[str, str]  # unit id -> "radar" | "esm" | "irst" | "launcher" | "command-post"
    emits: dict[str, bool]  # unit id -> has a sensor that radiates (a radar) and its policy lets it (not silent)
    senses: dict[str, bool]  # unit id -> has a sensor that can sense: a radiating one that emits, or a passive
    #                            one (which senses whatever its policy)
    has_radar: dict[str, bool]
    own_search: dict[str, bool]  # a fire-control radar that can search on its own
    fire_control: dict[str, bool]  # has a fire-control radar
    fire_units: list[str]
    missiles: dict[str, int]
    availability: dict[str, float]  # component id -> probability up at the start
    stated_up: dict[str, bool]  # component id -> up in the scenario as written
    crew: dict[str, str]
    autonomous_fallback: bool
    links: list[tuple[str, str, str, str]]  # (id, from, to, carries)
    position: dict[str, tuple[float, float]]
    places: dict[str, int] = field(default_factory=dict)  # unit id -> what its sensor's tracks give a picture
    #                            (iadsim.registry.places: 3 a radar's, 2 a passive sensor's with elevation, 1 bearing
    #                            only; 0 no sensor): a picture needs a radar, or two passive sensors, one with elevation
    schedule: dict[str, Schedule] = field(default_factory=dict)  # unit id -> when its radar emits (its policy's
    #                            schedule; iadsim.network.emcon): ALWAYS for a unit that emits nothing
    attacked_by: dict[str, list[str]] = field(default_factory=dict)  # unit id -> the raids that attack it
    cue: dict[str, float] = field(default_factory=dict)  # unit id -> the fraction of its missile's range at which a
    #                            hostile track cues its radar (on-cue, ambush: dark until then)
    shortest_flight: dict[str, float] = field(default_factory=dict)  # fire unit id -> its missile's shortest time
    #                            of flight [s]: the least range it reaches over its flyout speed
    repair: dict[str, float] = field(default_factory=dict)  # unit id -> its mean time to repair [s] (mtbf and mttr
    #                            given): a unit down at the start comes back during a run
    relocates: dict[str, str] = field(default_factory=dict)  # unit id -> how it relocates, in words

    def down(self, unit: str) -> str:
        """``unit`` as a reason names it when down: one the scenario puts down (availability 0) with its repair when
        it has one (the audit judges the start; a run repairs it)."""
        mttr = self.repair.get(unit)
        if mttr is None or self.stated_up.get(unit, True):
            return unit
        return f"{unit} (down at the start; repaired in a mean of {_duration(mttr)})"

    def guides(self, radar: str, fire_unit: str) -> bool:
        """Whether ``radar`` emits (its policy), at a stretch, as long as ``fire_unit``'s missiles' shortest flight:
        the engine fires only while a guiding radar will emit until the intercept."""
        return self.emits[radar] and self.schedule.get(radar, ALWAYS).on >= self.shortest_flight.get(fire_unit, 0.0)

    def part_time(self, unit: str) -> bool:
        """Whether ``unit``'s radar emits only part of the time (blink, rotation)."""
        return self.emits[unit] and self.schedule.get(unit, ALWAYS).periodic

    def nearest_fire_control(self, unit: str) -> str | None:
        """The closest unit with a fire-control radar (a hint for a launcher wired to none)."""
        x, y = self.position[unit]
        radars = [u for u in self.kind if self.has_radar[u] and u != unit and self.fire_control[u]]
        return min(radars, key=lambda r: (self.position[r][0] - x) ** 2 + (self.position[r][1] - y) ** 2,
                   default=None)

    @functools.cached_property
    def unreliable_picture(self) -> bool:
        """Whether some tracks or cues link may fail (availability below 1): only then is a command path's link
        worth a warning (the rules skip the search for one otherwise: the engine evaluates chains often)."""
        return any(self.availability[lid] < 1.0 for lid, _, _, carries in self.links if carries in PICTURE)

    @property
    def components(self) -> list[str]:
        return list(self.availability)

    @functools.cached_property
    def out_links(self) -> dict[str, list[tuple[str, str, str]]]:
        """Each unit's outgoing links as (to, link id, carries), in the graph's order: the rules' searches walk
        these plain lists (networkx's edge views cost microseconds per edge; the graph never changes)."""
        return {u: [(b, lid, d["carries"]) for _, b, lid, d in self.graph.out_edges(u, keys=True, data=True)]
                for u in self.graph.nodes}

    @functools.cached_property
    def in_links(self) -> dict[str, list[tuple[str, str, str]]]:
        """Each unit's incoming links as (from, link id, carries), in the graph's order."""
        return {u: [(a, lid, d["carries"]) for a, _, lid, d in self.graph.in_edges(u, keys=True, data=True)]
                for u in self.graph.nodes}

    def units(self, kind: str) -> list[str]:
        return [u for u, k in self.kind.items() if k == kind]


def build_network(scenario: Scenario) -> Network:
    """The directed graph of a scenario: nodes are units, edges are links with what they carry."""
    spec, catalog = scenario.spec, scenario.catalog
    graph = nx.MultiDiGraph(name=spec.name)
    kind, emits, has_radar, own_search, missiles, avail, stated, crew = {}, {}, {}, {}, {}, {}, {}, {}
    shortest: dict[str, float] = {}
    repair: dict[str, float] = {}
    relocates: dict[str, str] = {}
    senses, placing = {}, {}
    fire_control = {}
    fire_units = []
    timing = schedules(spec.units)
    attacked: dict[str, list[str]] = {}
    cue: dict[str, float] = {}
    for raid in spec.threats:
        if raid.target in {u.id for u in spec.units} and catalog.types[raid.type].kind != "decoy":  # (it strikes)
            attacked.setdefault(raid.target, []).append(raid.id)
        for launch in raid.arms:  # its anti-radiation missiles
            name = f"{raid.id}'s anti-radiation missiles"
            if name not in attacked.get(launch.at, []):
                attacked.setdefault(launch.at, []).append(name)
    for unit in spec.units:
        entry = catalog.types[unit.type]
        kind[unit.id] = entry.kind
        sensor = entry if isinstance(entry, SENSOR_TYPES) else None  # a radar or a passive sensor
        if isinstance(entry, LauncherType):
            fire_units.append(unit.id)
            missiles[unit.id] = unit.missiles if unit.missiles is not None else int(entry.missiles.value)
            shortest[unit.id] = _shortest_flight(catalog.types[entry.missile])
            sensor = catalog.types[entry.radar] if entry.radar else None
        radar = sensor if isinstance(sensor, RadarType) else None
        has_radar[unit.id] = radar is not None
        radiates = sensor is not None and SENSOR_MODELS[sensor.model].emits
        if not radiates:
            timing[unit.id] = ALWAYS  # emits nothing, whatever its policy
        emits[unit.id] = radiates and timing[unit.id].on > 0
        policy = EMCON_POLICIES[unit.emcon.policy]
        if radiates and getattr(policy, "cue", None) is not None:
            cue[unit.id] = policy.cue(unit.emcon)
        senses[unit.id] = sensor is not None and (emits[unit.id] or not radiates)
        placing[unit.id] = 0 if sensor is None else places(SENSOR_MODELS[sensor.model], sensor)
        fire_control[unit.id] = radar is not None and radar.role == "fire-control"
        own_search[unit.id] = bool(fire_control[unit.id] and radar.autonomous_search)
        avail[unit.id] = unit.readiness.availability
        stated[unit.id] = unit.readiness.availability > 0
        crew[unit.id] = unit.crew
        if unit.readiness.mttr is not None:
            repair[unit.id] = float(unit.readiness.mttr)
        if unit.relocation is not None:
            relocates[unit.id] = _relocation(unit, entry, scenario.proficiency(unit.crew).reaction_time_factor)
        graph.add_node(unit.id, kind=entry.kind, type=unit.type, label=entry.label)
    links = []
    for link in spec.links:
        lid = link_id(link.from_, link.to, link.carries)
        if lid in avail:  # a parallel link (redundant comms): its own component, FROM->TO:carries#2, #3...
            lid = next(f"{lid}#{n}" for n in itertools.count(2) if f"{lid}#{n}" not in avail)
        links.append((lid, link.from_, link.to, link.carries))
        p = link.availability if link.status == "up" else 0.0
        avail[lid] = p
        stated[lid] = link.status == "up" and link.availability > 0
        graph.add_edge(link.from_, link.to, key=lid, carries=link.carries, status=link.status,
                       latency=link.latency, availability=link.availability)
    position = {u: (site.x, site.y) for u, site in scenario.sites.items()}
    return Network(graph, kind, emits, senses, has_radar, own_search, fire_control, fire_units, missiles, avail, stated,
                   crew, spec.doctrine.autonomous_fallback, links, position, placing, timing, attacked, cue, shortest,
                   repair, relocates)


def _relocation(unit, entry, slower: float) -> str:
    """How ``unit`` relocates, in words: what triggers a move and how long each move keeps it out (its type's
    tear-down and set-up, scaled by its crew's reaction-time ``factor``, plus the road); on a schedule, the most of
    the time it can be ready."""
    plan = unit.relocation
    out = float(entry.teardown.value + entry.setup.value) * slower  # (the road comes on top)
    why = {"firing": "after each launch", "warning": "on each anti-radiation missile warning",
           "schedule": f"every {_duration(float(plan.every or 0.0))}"}[plan.after]
    text = f"{unit.id} ({why}; each move out {_duration(out)} plus the road"
    if plan.after == "schedule":
        text += f": ready {float(plan.every) / (float(plan.every) + out):.0%} of the time at most"
    return text + ")"


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:.3g} h" if seconds >= 3600 else f"{seconds / 60:.3g} min" if seconds >= 60 else \
        f"{seconds:.3g} s"


def _shortest_flight(missile) -> float:
    """A missile's shortest time of flight [s]: the least ground range it reaches (its envelope table's, or its
    box's) over its flyout speed (the engine's time of flight is the intercept's distance over that speed)."""
    least = float(missile.min_range.value)
    if missile.envelope is not None:
        least = min(least, *(float(v) for v in missile.envelope.min_range))
    speed = float(missile.speed.value)
    return least / speed if speed > 0 and least > 0 else 0.0


def guider_names(net: Network, fire_id: str) -> list[str]:
    """Radars wired to guide a fire unit's missiles, whatever their state: its own radar first, then
    every radar with a fire-control link to it (which of them works is the kill-chain rules' business)."""
    own = [fire_id] if net.has_radar[fire_id] else []
    return own + [a for _, a, b, carries in net.links if b == fire_id and carries == "fire-control"]


def _upstream(net: Network, target: str, up, through_cp: bool = True) -> set[str]:
    """Units whose picture reaches `target` over up picture links, through up units (without `through_cp`, not
    through a command post), and `target` itself; none if it is down. One backward search from `target`, the same
    as a forward search from every unit: a unit is met when an up path leads from it to `target`."""
    if not up(target):
        return set()
    seen = {target}
    queue = deque([target])
    while queue:
        node = queue.popleft()
        for source, lid, carried in net.in_links[node]:
            if source in seen or carried not in PICTURE or not up(lid) or not up(source):
                continue
            seen.add(source)
            if through_cp or net.kind[source] != "command-post":
                queue.append(source)
    return seen


def _sensing(net: Network, units: set[str], target: str) -> set[str]:
    """The units of `units` other than `target` that sense (emitting radars, passive sensors)."""
    return {u for u in units if u != target and net.senses[u]}


def picture_sources(net: Network, node: str, up) -> set[str]:
    """The up sensors that sense whose reports reach ``node`` (a command post, say) over up picture links through
    up units, command posts included: what its own picture is made of."""
    return _sensing(net, _upstream(net, node, up), node)


def makes_picture(net: Network, sensors) -> bool:
    """Whether ``sensors`` place targets (:func:`iadsim.registry.places_target`): one measures range, or two or
    more passive ones cross bearings and one of them measures elevation."""
    return places_target(net.places[s] for s in sensors)


def _passive_only(net: Network, sensors) -> str:
    """Why passive sensors alone make no picture (the detail of ``no-sensor-picture``), or ''."""
    if not sensors:
        return ""
    names = ", ".join(sorted(sensors))
    if len(sensors) == 1:
        return f" (only {names}, a passive sensor: one line of sight places no target; it takes two)"
    assert all(net.places[s] == BEARING for s in sensors)
    return f" (only {names}: bearings cross but give no height; one of them must measure elevation)"


def evaluate(net: Network, fire_unit: str, up) -> ChainStatus:
    """Apply the degraded-mode rules (module docstring) to one fire unit; `up(component)` -> bool.

    Every reason is reported, not only the first: when a step fails, the analysis goes on with what
    would be there if it were fixed (for a launcher wired to no radar, the nearest fire-control radar).
    """
    blocking: list[Reason] = []

    def block(code: str, detail: str = "") -> None:
        blocking.append(Reason(code, REASONS[code] + (f": {detail}" if detail else "")))

    # what a blamed step leaves out is assumed fixed for the steps after it (a down radar's picture is still
    # judged: it was blamed for "no picture" too, where the network feeds it)
    assumed: set[str] = set()
    if not up(fire_unit):
        block("launcher-unavailable", net.down(fire_unit))
        assumed.add(fire_unit)
    if net.missiles.get(fire_unit, 0) <= 0:
        block("no-missiles")
    # 2. who can guide the missiles
    guiders, chain_links = [], []
    if net.has_radar[fire_unit]:
        guiders = [fire_unit]
        if not net.emits[fire_unit]:
            block("emissions-off", f"{fire_unit}'s own radar")
            assumed.add(fire_unit)
        elif not net.guides(fire_unit, fire_unit):
            block("emission-too-short", f"{fire_unit}'s own radar ({_too_short(net, fire_unit, fire_unit)})")
    else:
        incoming = list(dict.fromkeys((s, lid) for s, lid, carried in net.in_links[fire_unit]
                                      if carried == "fire-control"))
        emitting = [(s, lid) for s, lid in incoming if up(lid) and up(s) and net.guides(s, fire_unit)]
        if not incoming:
            nearest = net.nearest_fire_control(fire_unit)
            hint = f"; nearest engagement radar: {nearest}" if nearest else ""
            block("no-fire-control-link", f"{fire_unit} is not hooked up to any radar{hint}")
            candidates = [nearest] if nearest else []
            for radar in candidates:
                if not up(radar):
                    block("radar-unavailable", net.down(radar))
                elif not net.emits[radar]:
                    block("emissions-off", radar)
            assumed.update(candidates)
        elif not emitting:  # every cause on every wired path (a link down and the other path's radar down: both)
            causes: dict[str, list[str]] = {}
            for radar, lid in incoming:
                for code, failed, what in (
                        ("fire-control-link-down", not up(lid), lid),
                        ("radar-unavailable", not up(radar), net.down(radar)),
                        ("emissions-off", not net.emits[radar], radar),
                        ("emission-too-short", net.emits[radar] and not net.guides(radar, fire_unit),
                         f"{radar} ({_too_short(net, radar, fire_unit)})")):
                    if failed and what not in causes.setdefault(code, []):
                        causes[code].append(what)
            for code in ("fire-control-link-down", "radar-unavailable", "emissions-off", "emission-too-short"):
                if causes.get(code):
                    block(code, ", ".join(causes[code]))
            candidates = list(dict.fromkeys(s for s, _ in incoming))
            assumed.update(candidates)
            assumed.update(lid for _, lid in incoming)
        else:
            candidates = list(dict.fromkeys(s for s, _ in emitting))
            chain_links = [lid for _, lid in emitting]
        guiders = candidates
    # 3-4. command and picture, per guiding radar; a networked radar beats an autonomous one
    fixed = (lambda c: c in assumed or up(c)) if assumed else up
    command_posts = [c for c in net.units("command-post") if up(c)]
    network_autonomous = not net.units("command-post")  # (none in the scenario: all down is cut off)
    mode, sensors, able_guiders, radar_fails, commanders = "none", set(), [], [], set()
    for radar in guiders:
        upstream = _upstream(net, radar, fixed)
        commanded = [c for c in command_posts if c in upstream]
        if commanded:
            picture = set().union(*(picture_sources(net, c, up) for c in commanded)) | _sensing(net, upstream, radar)
            radar_mode = "networked"
        elif network_autonomous or net.autonomous_fallback:
            picture = _sensing(net, _upstream(net, radar, fixed, through_cp=False), radar)
            radar_mode = "autonomous"
        else:
            down = _down_on_command_paths(net, radar, up)
            radar_fails.append(("no-command-path", radar + (f" (down: {', '.join(down)})" if down else "")))
            continue
        if net.own_search[radar] and (net.emits[radar] or radar in assumed) and fixed(radar):
            picture.add(radar)
        if not makes_picture(net, picture):
            radar_fails.append(("no-sensor-picture", radar + _passive_only(net, picture)))
            continue
        if radar in net.cue and not makes_picture(net, {s for s in picture if s not in net.cue}):
            radar_fails.append(("never-cued", f"{radar} (its picture: {', '.join(sorted(picture)) or 'none'})"))
            continue
        able_guiders.append(radar)
        commanders.update(commanded)
        sensors |= picture
        if mode != "networked":
            mode = radar_mode
    if not able_guiders:
        for code, radar in radar_fails:
            block(code, radar)
    chain = frozenset({fire_unit, *guiders, *chain_links, *commanders})
    warnings = []
    if mode == "autonomous" and not blocking:
        warnings.append(Reason("autonomous", REASONS["autonomous"]))
    poor = sorted(c for c in chain | sensors if net.availability.get(c, 1.0) < POOR_AVAILABILITY
                  and up(c))  # (one down - blamed as unavailable - is not also blamed on its maintenance)
    if poor:
        warnings.append(Reason("poor-maintenance", REASONS["poor-maintenance"] + ": " + ", ".join(
            f"{c} ({net.availability[c]:.0%})" for c in poor)))
    untrained = sorted(c for c in chain if net.crew.get(c) == "untrained")
    if untrained:
        warnings.append(Reason("crew-untrained", REASONS["crew-untrained"] + ": " + ", ".join(untrained)))
    commanding = {lid for radar in able_guiders for lid in _command_paths(net, radar, up)[1]} \
        if commanders and net.unreliable_picture else set()
    shaky = sorted(c for c in chain | commanding if "->" in c and net.availability[c] < 1.0)  # (the command path's
    #                                                                            too: it carries the cues and tracks)
    if shaky:
        warnings.append(Reason("link-unreliable", REASONS["link-unreliable"] + ": " + ", ".join(shaky)))
    hit = sorted(c for c in chain | sensors if c in net.attacked_by)
    if hit:
        warnings.append(Reason("targeted", REASONS["targeted"] + ": " + ", ".join(
            f"{c} (by {', '.join(net.attacked_by[c])})" for c in hit)))
    timed = sorted(u for u in set(guiders) | sensors if u in net.kind and (net.part_time(u) or u in net.cue))
    if timed:
        cue_sources = sensors - set(net.cue)  # what can cue a waiting radar: the picture's other sensors
        warnings.append(Reason("emission-control", REASONS["emission-control"] + ": " + ", ".join(
            f"{u} ({_describe(net, u, bool(cue_sources))})" for u in timed)))
    moving = sorted(u for u in chain | sensors if u in net.relocates)
    if moving:
        warnings.append(Reason("relocation", REASONS["relocation"] + ": " + ", ".join(net.relocates[u]
                                                                                       for u in moving)))
    if blocking:
        return ChainStatus(fire_unit, False, "none", tuple(blocking + warnings), tuple(guiders), (), chain)
    return ChainStatus(fire_unit, True, mode, tuple(warnings), tuple(able_guiders), tuple(sorted(sensors)), chain,
                       tuple(c for c in command_posts if c in commanders))


def _too_short(net: Network, radar: str, fire_unit: str) -> str:
    return (f"on {net.schedule[radar].on:g} s at a time, the missile's shortest flight "
            f"{net.shortest_flight[fire_unit]:.3g} s")


def _command_paths(net: Network, radar: str, up) -> tuple[set[str], list[str]]:
    """The units and picture links on the paths from the command posts that reach ``radar`` to it, through what
    ``up`` says is up."""
    reach = _upstream(net, radar, up)  # (what reaches it)
    between = {c for c in reach if net.kind[c] == "command-post"}
    queue = deque(between)
    while queue:  # ... from a command post
        node = queue.popleft()
        for target, lid, carried in net.out_links[node]:
            if carried in PICTURE and target in reach and target not in between and up(lid):
                between.add(target)
                queue.append(target)
    links = sorted(lid for node in between for source, lid, carried in net.in_links[node]
                   if carried in PICTURE and source in between and up(lid))
    return between, links


def _down_on_command_paths(net: Network, radar: str, up) -> list[str]:
    """The down units and picture links whose repair could give ``radar`` a command path: those on the paths from
    its command posts to it when everything is up (the posts themselves, relays, links)."""
    between, links = _command_paths(net, radar, lambda c: True)
    return [net.down(u) for u in sorted(between) if u != radar and not up(u)] + [lid for lid in links if not up(lid)]


def _describe(net: Network, unit: str, cued_by_others: bool = True) -> str:
    """A radar's emission control in words, for the audit (a cued radar with no other sensor in the picture is
    never cued)."""
    if unit in net.cue:
        if not cued_by_others:
            return "never cued by this fire unit: no other sensor feeds its picture"
        return (f"dark until cued: a fire unit it guides holds a hostile track within {net.cue[unit]:.0%} of its "
                "missile's range")
    return net.schedule[unit].describe()


def is_able(net: Network, fire_unit: str, up) -> bool:
    """Only whether the chain is complete (what readiness and the engine need)."""
    return evaluate(net, fire_unit, up).able


def stated_state(net: Network, without: frozenset[str] = frozenset()):
    """`up(component)` for the scenario as written, with the `without` components removed."""
    return lambda c: net.stated_up.get(c, True) and c not in without

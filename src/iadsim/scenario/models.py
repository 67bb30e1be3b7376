"""The scenario file format as frozen pydantic models; every quantity is an SI float once parsed.

``iadsim schema`` prints the JSON Schema generated from these models.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, field_validator, model_validator

from iadsim.registry import ASSIGNERS, AUTHORITY_RULES, DECISION_TIMES, DOCTRINES, EMCON_POLICIES, Registry
from iadsim.scenario.quantities import (
    Altitude,
    Coordinate,
    Distance,
    Duration,
    Frequency,
    Length,
    PositiveAngle,
    PositiveDuration,
    Power,
    SignedAngle,
    Speed,
    Strict,
    _probability,
)
from iadsim.scenario.yamlio import describe


def _choice(registry: Registry):
    """A name from ``registry`` (:mod:`iadsim.registry`): checked when the scenario is read, and listed in
    the JSON Schema as the choices registered when the schema is printed."""
    return Annotated[str, AfterValidator(registry.check),
                     Field(json_schema_extra=lambda schema: schema.update(enum=registry.names()))]


DecisionDistribution = _choice(DECISION_TIMES)
AuthorityMode = _choice(AUTHORITY_RULES)
EngagementDoctrine = _choice(DOCTRINES)
AssignerName = _choice(ASSIGNERS)
EmconPolicy = _choice(EMCON_POLICIES)

DEFAULT_ROUGHNESS = 1.0
"""Standard deviation of the surface height [m] of a land surface with no ``roughness`` given: open land.
The value of the land example in MathWorks' ``radarpropfactor`` documentation (Example 2, "a height standard
deviation of 1 m"), which follows Barton, *Radar Equations for Modern Radar* (2013), Sec. 8.6 and 9.2; an
assumption for open, gently rolling ground, not a measurement of any site (docs/engine.md, "Propagation")."""

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f-\x9f]+$")]
# (no control characters: a name is printed to terminals, and an escape sequence there is an instruction)
Count = Annotated[int, Field(strict=True, ge=1, le=10_000)]
# (a nested Annotated alias as metadata is ignored by pydantic: the range check must be listed here)
StrictProbability = Annotated[float, Field(strict=True), AfterValidator(_probability)]
Trust = Annotated[float, Field(strict=True, ge=0, le=1)]
"""A crew's trust in the automation, 0 (none) to 1 (complete)."""
Proficiency = Literal["untrained", "basic", "trained", "expert"]
LAYERS = ("long", "medium", "short", "point")
"""The defensive layers a fire unit can belong to (``units[].layer``), outermost first: the per-layer metrics of
:mod:`iadsim.analysis.metrics` are named after them (``kills_long``, ...)."""
Layer = Literal["long", "medium", "short", "point"]
_PLAIN_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*", re.ASCII)


def _money(value: object) -> object:
    """A number of US dollars: a YAML number, or text that reads as one (YAML 1.1 reads ``2.5e6`` as text); never
    a boolean."""
    if isinstance(value, bool):
        raise ValueError("expected an amount in US dollars, e.g. 2500000")
    if isinstance(value, str):
        if not _PLAIN_NUMBER.fullmatch(value):
            raise ValueError("expected an amount in US dollars, e.g. 2500000")
        return float(value)
    return value


Money = Annotated[float, BeforeValidator(_money), Field(strict=True, ge=0, le=1e13, allow_inf_nan=False)]
"""An amount in US dollars (a plain number: ``2500000`` or ``2.5e6``)."""
# YAML 1.1 reads a bare `on`/`off` as true/false; accept both spellings.
OnOff = Annotated[
    Literal["on", "off"],
    BeforeValidator(lambda v: {True: "on", False: "off"}.get(v, v) if isinstance(v, bool) else v),
]


class Located(Strict):
    """A place given either as local x/y from the origin (east, north) or as lat/lon in degrees."""

    x: Coordinate | None = None
    y: Coordinate | None = None
    lat: Annotated[float, Field(strict=True, ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(strict=True, ge=-180, le=180)] | None = None

    @model_validator(mode="after")
    def _one_pair(self):
        local = self.x is not None or self.y is not None
        geo = self.lat is not None or self.lon is not None
        if local and geo:
            raise ValueError("give either x/y or lat/lon, not both")
        if local and (self.x is None or self.y is None):
            raise ValueError("x and y must both be given")
        if geo and (self.lat is None or self.lon is None):
            raise ValueError("lat and lon must both be given")
        if not local and not geo:
            raise ValueError("a position is needed: x/y (e.g. 'x: -12 km') or lat/lon")
        return self


class Terrain(Strict):
    """`source: sample` (the built-in real DEM), a GeoTIFF/DTED/.hgt path, a list of such tiles or a folder of
    them (mosaicked onto one grid), or `flat: 200 m`."""

    source: str | list[str] | None = Field(
        None, description="'sample', a DEM file, a folder of DEM tiles, or a list of DEM files; paths relative "
        "to the scenario")
    overlap_tolerance: Length = Field("1 m", description="largest height difference allowed between overlapping "
                                      "tiles after resampling to one grid")
    flat: Altitude | None = Field(None, description="elevation of flat terrain")
    extent: Distance = Field("400 km", description="side of the square of flat terrain")

    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, value):
        if isinstance(value, list):
            if not 1 <= len(value) <= 400:
                raise ValueError(f"give at least 1 and at most 400 tiles, not {len(value)}")
            for item in value:
                if not isinstance(item, str):
                    raise ValueError(f"each tile is a file name; found {describe(item)}")
        elif value is not None and not isinstance(value, str):
            raise ValueError(f"expected 'sample', a DEM file or folder, or a list of DEM files; found "
                             f"{describe(value)}")
        return value

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.source is None) == (self.flat is None):
            raise ValueError("give exactly one of 'source' (sample or a DEM path) and 'flat' (an elevation)")
        if isinstance(self.source, list) and "sample" in self.source:
            raise ValueError("'sample' is a whole terrain; it cannot be one of several tiles")
        return self


class LandCoverSpec(Strict):
    """A land-cover raster and the table mapping its class codes to land clutter types."""

    path: str = Field(description="a GeoTIFF of class codes, relative to the scenario")
    classes: str = Field(description="the class table: worldcover, nlcd, corine (built in) or a YAML file "
                         "relative to the scenario")


class Surface(Strict):
    """The reflecting surface between radars and targets: an ITU-R P.527 class or sea, and its roughness.

    Roughness is the standard deviation of the surface height (land, or any class), or for the sea a sea
    state 0-8 (Barton 2013, Table 9.1). The DEM's own relief around each reflection point adds to it.
    """

    type: Literal["medium-dry-ground", "very-dry-ground", "wet-ground", "fresh-water", "sea"] = Field(
        "medium-dry-ground", description="surface class (ITU-R P.527-3) or sea")
    roughness: Length | None = Field(None, description="standard deviation of the surface height "
                                     f"(default {DEFAULT_ROUGHNESS:g} m on the ground classes)")
    sea_state: Annotated[int, Field(strict=True, ge=0, le=8)] | None = Field(
        None, description="sea state 0-8 (Douglas), for type: sea")
    landcover: LandCoverSpec | None = Field(
        None, description="land cover for clutter: a raster of class codes and its class table (elsewhere the "
        "land clutter is woods, gamma -15 dB at 10 GHz)")

    @model_validator(mode="after")
    def _roughness(self):
        if self.roughness is not None and self.sea_state is not None:
            raise ValueError("give either roughness or sea_state, not both")
        if self.sea_state is not None and self.type != "sea":
            raise ValueError("sea_state is for type: sea; give roughness for a land or fresh-water surface")
        if self.type == "sea" and self.roughness is None and self.sea_state is None:
            raise ValueError("a sea surface needs sea_state (0-8) or roughness")
        if self.type == "fresh-water" and self.roughness is None:
            raise ValueError("a fresh-water surface needs roughness (the land default does not apply to water)")
        return self

    @property
    def height_std(self) -> float:
        """Standard deviation of the surface height [m]."""
        from iadsim.physics.reflection import SEA_STATE_HEIGHT_STD

        if self.sea_state is not None:
            return SEA_STATE_HEIGHT_STD[self.sea_state]
        return DEFAULT_ROUGHNESS if self.roughness is None else self.roughness


class Origin(Strict):
    lat: Annotated[float, Field(strict=True, ge=-90, le=90)]
    lon: Annotated[float, Field(strict=True, ge=-180, le=180)]


class Sector(Strict):
    """Azimuth limits of a sensor or launcher: centre bearing (clockwise from north) and full width."""

    center: SignedAngle
    width: PositiveAngle


class Readiness(Strict):
    availability: StrictProbability = Field(1.0, description="probability the unit works at the start")
    mtbf: PositiveDuration | None = Field(None, description="mean time between failures")
    mttr: PositiveDuration | None = Field(None, description="mean time to repair")

    @model_validator(mode="before")
    @classmethod
    def _format_2_emission(cls, data):
        if isinstance(data, dict) and "emission" in data:
            raise ValueError("emission is format 2's field: format 3 writes emcon: {policy: silent} (or always-on) "
                             "on the unit; `iadsim migrate FILE` rewrites it")
        return data

    @model_validator(mode="after")
    def _pair(self):
        if (self.mtbf is None) != (self.mttr is None):
            raise ValueError("mtbf and mttr go together: give both or neither")
        return self


MIN_EMCON_TIME = 1.0
"""[s] the shortest burst, pause or turn an emission-control policy may give (a crew switches a radar in seconds
at the fastest; shorter ones would only flood the event log)."""


class Shutdown(Strict):
    """A radar's crew switching it off on an anti-radiation missile warning: the warning comes at the launch (``on:
    launch``: the launch is seen or reported) or when the radar's own track of the inbound missile is confirmed
    (``on: track``); the crew heeds it with ``probability`` (a keyed draw per missile) and the radar falls silent
    ``reaction`` later (at once if it is silent then) for ``dark``. The numbers are a trained crew's (public
    doctrine is silent on them: they are the analyst's); the unit's ``crew`` scales them: the reaction by its
    reaction-time factor, the chance of missing a warning (1 - probability) by its error-rate factor (0 and 1 are
    doctrine, never and always, and stay)."""

    on: Literal["launch", "track"] = Field("launch", description="what warns the crew: the missile's launch, or its "
                                           "radar's confirmed track of the inbound missile")
    probability: StrictProbability = Field(description="chance that the crew heeds the warning")
    reaction: Duration = Field(description="from the warning to the radar falling silent")
    dark: PositiveDuration = Field(description="how long it stays silent")


class Emcon(Strict):
    """Emission control: when the unit's radar radiates (iadsim.network.emcon). A dark radar detects and guides
    nothing; a unit that emits nothing (a passive sensor, a command post) takes only always-on or silent."""

    policy: EmconPolicy = Field("always-on", description="always-on, silent (never emits), blink (on, then off, "
                                "repeating), rotation (the units of a group take turns of slot each), on-cue (dark "
                                "until a fire unit it guides holds a hostile track within fraction of its missile's "
                                "range) or ambush (the same at the engagement range: the hand-over)")
    on: PositiveDuration | None = Field(None, description="blink: how long each burst of emission lasts")
    off: PositiveDuration | None = Field(None, description="blink: how long it stays dark between bursts")
    group: Id | None = Field(None, description="rotation: the group whose units take turns, in the order the "
                             "scenario lists them")
    slot: PositiveDuration | None = Field(None, description="rotation: each unit's turn")
    offset: Duration = Field("0 s", description="blink, rotation: a time at which a burst (the group's first "
                             "turn) starts; the cycle runs before it too (offset 50 s, on 20 s, off 40 s: on from 0 "
                             "to 10 s)")
    fraction: Annotated[float, Field(strict=False, gt=0, le=10)] | None = Field(
        None, description="on-cue: the fraction of its missile's maximum range at which a hostile track in the "
        "picture of a fire unit it guides cues it (1: the engagement range; 1.5: half as far again)")
    shutdown: Shutdown | None = Field(None, description="switch the radar off on an anti-radiation missile "
                                      "warning (absent: the crew keeps emitting)")

    @model_validator(mode="after")
    def _parameters(self):
        need = EMCON_POLICIES[self.policy].parameters
        policy = f"{'an' if self.policy[:1] in 'aeiou' else 'a'} {self.policy} policy"
        missing = [n for n in need if getattr(self, n) is None]
        if missing:
            raise ValueError(f"{policy} needs {', '.join(missing)}")
        optional = ("on", "off", "group", "slot", "fraction")
        extra = [n for n in optional if n not in need and getattr(self, n) is not None]
        if extra:
            raise ValueError(f"{', '.join(extra)} not used by {policy}")
        if self.offset != 0 and not {"on", "slot"} & set(need):
            raise ValueError(f"offset not used by {policy}")
        short = [n for n in ("on", "off", "slot") if getattr(self, n) is not None and getattr(self, n) < MIN_EMCON_TIME]
        if short:
            raise ValueError(f"{', '.join(short)} must be at least {MIN_EMCON_TIME:g} s (a radar is switched by "
                             "its crew, not flickered)")
        return self


class RelocationSite(Located):
    """A prepared site a relocating unit moves to."""

    travel: PositiveDuration | None = Field(
        None, description="road time to it from the site before (default: the straight distance at its type's "
        "road_speed, which also gives the way back to the unit's own position)")


class Relocation(Strict):
    """Shoot-and-scoot: the unit moves to its next site after firing, on an anti-radiation missile warning, or on a
    schedule; its sites are its own position, then ``sites`` in turn (then its own again). Each move takes its
    type's ``teardown``, the travel and its ``setup`` (the catalog's, a trained crew's: the unit's crew scales
    tear-down and set-up by its reaction-time factor); from the tear-down's start to the set-up's end the unit
    neither emits nor fires, and its radar's tracks end."""

    after: Literal["firing", "warning", "schedule"] = Field(
        description="firing: a launch by the unit (or guided by its radar); warning: an anti-radiation missile "
        "launched at its radar; schedule: every `every` after each set-up")
    sites: Annotated[list[RelocationSite], Field(min_length=1, max_length=16)]
    delay: Duration = Field("0 s", description="from what triggers the move to the start of the tear-down")
    every: PositiveDuration | None = Field(None, description="schedule: from one set-up (or the start) to the next "
                                           "tear-down")

    @model_validator(mode="after")
    def _schedule(self):
        if self.after == "schedule" and self.every is None:
            raise ValueError("a scheduled relocation needs every")
        if self.after != "schedule" and self.every is not None:
            raise ValueError(f"every is for after: schedule, not after: {self.after}")
        return self


class Alignment(Strict):
    """The unit was set up (sited) at the start of the run, and is set up again at each relocation: after each
    set-up its radar's north alignment carries an error drawn from its catalog type's figures (``alignment_sigma``,
    ``alignment_blunder``, a trained crew's; the unit's crew multiplies the error and the chance of a blunder by
    its error-rate factor) until the crew's check ``correction`` after the set-up (scaled by its reaction-time
    factor) removes it."""

    correction: PositiveDuration | None = Field(
        None, description="when the crew's alignment check (against a surveyed reference or a known target) "
        "corrects the error, after the set-up (absent: not in this run)")


class Unit(Located):
    id: Id
    type: Id = Field(description="catalog type id (iadsim catalog lists them)")
    mast_height: Length = Field("10 m", description="antenna height above ground")
    sector: Sector | None = None
    readiness: Readiness = Readiness()
    emcon: Emcon = Field(default_factory=Emcon, description="emission control: when its radar radiates (default: "
                         "always on)")
    crew: Proficiency = "trained"
    missiles: Annotated[int, Field(strict=True, ge=0, le=1000)] | None = Field(
        None, description="missiles loaded at the start (default: the catalog's full load)"
    )
    relocation: Relocation | None = Field(
        None, description="shoot-and-scoot: the prepared sites it moves to, and what makes it move (absent: it stays)")
    alignment: Alignment | None = Field(
        None, description="set up at the start (and at each relocation) with a north-alignment error drawn from its "
        "radar's catalog figures (absent: aligned)")
    defends: Annotated[list[Id], Field(max_length=32)] = Field(
        default_factory=list, description="point defence: the units of the network (radars, launchers, command "
        "posts) this fire unit defends, besides itself; it engages what its own picture shows flying at one of them "
        "(passing within the doctrine's point_defence_radius), anti-radiation missiles, weapons and aircraft alike")
    point_defence: Literal["only", "first"] | None = Field(
        None, description="with defends: only (the default) engages nothing else; first engages what flies at "
        "the units it defends first, then other targets with the channels and missiles left")
    layer: Layer | None = Field(
        None, description="the defensive layer this fire unit belongs to (long, medium, short or point): the "
        "attrition per layer counts the threats that reach it, its launches and kills, and the threats through it")
    trust: Trust | None = Field(
        None, description="with automation: this deciding crew's (a fire unit's or command post's) trust in the "
        "automation, 0 to 1 (default: authority.automation.operator.trust)")
    interrogator_availability: StrictProbability | None = Field(
        None, description="a fire unit's own IFF interrogator: probability it works (default: "
        "authority.identification.interrogator_availability)")

    @model_validator(mode="after")
    def _defence(self):
        if self.point_defence is not None and not self.defends:
            raise ValueError("point_defence is for a unit that defends others: give defends: [ID, ...]")
        if len(set(self.defends)) != len(self.defends):
            raise ValueError("defends names a unit twice")
        return self

    @property
    def point_defence_mode(self) -> str | None:
        """How it defends the units it ``defends``: only, first, or None (no point defence)."""
        return (self.point_defence or "only") if self.defends else None


class Link(Strict):
    from_: Id = Field(alias="from")
    to: Id
    carries: Literal["tracks", "cues", "fire-control"]
    status: Literal["up", "down"] = "up"
    latency: Duration = "1 s"
    availability: StrictProbability = Field(1.0, description="probability the link works at the start")


class DecisionTime(Strict):
    """Operator decision time: fixed, uniform, triangular or lognormal (median and sigma of ln)."""

    distribution: DecisionDistribution = "lognormal"
    value: Duration | None = None
    low: Duration | None = None
    mode: Duration | None = None
    high: Duration | None = None
    median: PositiveDuration | None = None
    sigma: Annotated[float, Field(strict=True, gt=0, le=5)] | None = None

    @model_validator(mode="after")
    def _parameters(self):
        distribution = DECISION_TIMES[self.distribution]
        need = distribution.parameters
        missing = [n for n in need if getattr(self, n) is None]
        if missing:
            raise ValueError(f"a {self.distribution} decision time needs {', '.join(missing)}")
        names = ("value", "low", "mode", "high", "median", "sigma")
        extra = [n for n in names if n not in need and getattr(self, n) is not None]
        if extra:
            raise ValueError(f"{', '.join(extra)} not used by a {self.distribution} distribution")
        distribution.check(self)
        return self


class Identification(Strict):
    p_civil_as_hostile: StrictProbability = Field(
        0.0, description="probability an operator identifies a civil aircraft as hostile"
    )
    p_hostile_as_civil: StrictProbability = Field(
        0.0, description="probability an operator identifies a hostile aircraft as civil"
    )
    p_transponder_missed: StrictProbability = Field(
        0.0, description="probability a civil transponder reply is missed or garbled"
    )
    p_decoy_recognised: StrictProbability = Field(
        0.0, description="probability a trained operator recognises a decoy for what it is and holds fire (the "
        "crew's error-rate factor scales the chance of missing it; 0: indistinguishable, as designed)")
    persistent: bool = Field(
        False, description="one identification per target for the whole run (the operator keeps the first call); "
        "default: every authorisation is a fresh decision with the crew's error rates")
    interrogator_availability: StrictProbability = Field(
        1.0, description="probability an IFF interrogator works: the network's surveillance interrogation of each "
        "target, and each fire unit's own interrogator (drawn once per replication; a unit's "
        "interrogator_availability overrides it)")
    transponder_availability: StrictProbability = Field(
        1.0, description="probability a target's transponder works (drawn once per replication per aircraft; one "
        "switched off, or a friendly aircraft's codes missing, never replies)")
    cross_check: StrictProbability = Field(
        0.0, description="with automation: probability the operator interrogates IFF again before accepting a "
        "recommendation to engage (a valid reply then vetoes it)")


LABELS = ("hostile", "arm", "civil", "friendly")
"""What the automation's classifier can call a track: hostile and arm (an anti-radiation missile) recommend an
engagement, civil and friendly recommend holding fire."""
Label = Literal["hostile", "arm", "civil", "friendly"]
Grade = Literal["published", "derived", "assumed"]
DEFAULT_PROFILES = {"raid": "hostile", "arm": "arm", "decoy": "hostile", "civil": "civil", "friendly": "friendly"}
"""The classifier row a target is judged by when its flight names no ``profile``."""


def _sums_to_one(row: dict) -> dict:
    total = sum(row.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"the row sums to {total:.6g}, not 1")
    return row


ConfusionRow = Annotated[dict[Label, StrictProbability], AfterValidator(_sums_to_one)]
"""One profile's row of a confusion matrix: the probability of each label (an error names the row's line)."""


class Classifier(Strict):
    """The automated classifier at a fire-control node: a confusion matrix, one row per target profile (what the
    target looks like to the classifier), one probability per label it can give (the row sums to 1)."""

    confusion: Annotated[dict[Id, ConfusionRow], Field(min_length=1, max_length=64)] = Field(
        description="rows: target profiles (hostile, arm, civil, friendly, or a flight's own profile); columns: "
        "the label given (hostile, arm, civil, friendly); each row sums to 1")
    confidence: dict[Label, StrictProbability] = Field(
        default_factory=lambda: {"hostile": 0.9, "arm": 0.9, "civil": 0.9, "friendly": 0.9},
        description="the confidence the classifier shows the operator with each label (0 to 1)")
    source: str = Field("assumption", description="where the matrix comes from")
    grade: Grade = "assumed"

    @field_validator("confidence")
    @classmethod
    def _labels(cls, confidence: dict) -> dict:
        missing = [label for label in LABELS if label not in confidence]
        if missing:
            raise ValueError(f"give a confidence for every label: {', '.join(missing)} missing")
        return confidence


Weight = Annotated[float, Field(strict=True, ge=-100, le=100)]


class OperatorModel(Strict):
    """The probability that an operator accepts the automation's recommendation to engage: a logistic function
    (docs/engine.md, "Human-machine teaming") of trust, the classifier's confidence, time pressure, workload and
    time on task."""

    trust: Trust = Field(
        0.5, description="the crews' trust in the automation, 0 (none) to 1 (complete), as trained (a unit's trust "
        "overrides it for its crew)")
    intercept: Weight = Field(-2.0, description="logit of acceptance with every input at 0")
    trust_weight: Weight = Field(4.0, description="per unit of trust")
    confidence_weight: Weight = Field(1.0, description="per unit of the classifier's confidence")
    pressure_weight: Weight = Field(1.5, description="per unit of time pressure (1 - time to intercept / horizon, "
                                    "0 to 1)")
    workload_weight: Weight = Field(0.1, description="per track or decision per operator")
    vigilance_weight: Weight = Field(0.5, description="per hour on task (the vigilance decrement: more automation "
                                     "bias as the watch wears on)")
    pressure_horizon: PositiveDuration = Field("120 s", description="a time to intercept beyond which there is no "
                                               "time pressure")
    hours_on_task: Duration = Field("0 s", description="how long the operators have been on task when the run "
                                    "begins (the vigilance term counts from it)")
    source: str = Field("assumption", description="where the weights come from")
    grade: Grade = "assumed"


class Automation(Strict):
    """Automation that recommends engagements: its classifier, and the operators who accept or veto its calls."""

    classifier: Classifier = Field(description="the classifier at every fire-control node without its own")
    classifiers: Annotated[dict[Id, Classifier], Field(max_length=2000)] = Field(
        default_factory=dict, description="a fire unit's own classifier, by its unit id (in place of classifier)")
    operator: OperatorModel = OperatorModel()


class Authority(Strict):
    mode: AuthorityMode = "human-in-the-loop"
    decision_time: DecisionTime = DecisionTime(distribution="lognormal", median="15 s", sigma=0.5)
    veto_window: PositiveDuration = Field("10 s", description="on-the-loop: time an operator has to veto")
    reconsider_after: PositiveDuration = Field(
        "30 s", description="a vetoed target may be nominated again this much later, for a fresh decision (with "
        "persistent identification it is never engaged again)")
    identification: Identification = Identification()
    automation: Automation | None = Field(
        None, description="an automated classifier recommending engagements, and the operators' acceptance of its "
        "calls (absent: the operator identifies with the identification error rates)")


class Tracking(Strict):
    """How sensors form tracks and how each fire unit's own tracks are filtered (modelling constants a sweep may
    vary)."""

    confirm_hits: Annotated[int, Field(strict=True, ge=1, le=20)] = Field(
        2, description="M of the M-of-N rule: detections that confirm a sensor's track")
    confirm_looks: Annotated[int, Field(strict=True, ge=1, le=20)] = Field(
        3, description="N of the M-of-N rule: looks, from the first detection, within which M must fall")
    drop_after: Annotated[int, Field(strict=True, ge=1, le=100)] = Field(
        3, description="consecutive missed looks that drop a confirmed track")
    process_noise: Annotated[float, Field(strict=True, gt=0, le=1e4)] = Field(
        4.0, description="[m^2/s^4] acceleration variance of each sensor's constant-velocity filter (DWNA over its "
                         "look period); a node's picture (fire unit, command post) predicts over an interval h to a "
                         "sensor's report with continuous noise (CWNA) of density this times the larger of h and that "
                         "sensor's look period")
    initial_speed_sigma: Speed = Field("300 m/s", description="velocity uncertainty of a new track (a sensor's, "
                                       "started from one plot, and a fire unit's)")

    @model_validator(mode="after")
    def _m_of_n(self):
        if self.confirm_hits > self.confirm_looks:
            raise ValueError(f"confirm_hits ({self.confirm_hits}) cannot exceed confirm_looks ({self.confirm_looks})")
        return self


class Doctrine(Strict):
    engagement: EngagementDoctrine = "shoot-look-shoot"
    salvo_size: Annotated[int, Field(strict=True, ge=1, le=8)] = 2
    autonomous_fallback: bool = Field(
        True, description="a battery cut off from every command post (its links to them down, or they are) fights "
                          "with its own radars; false: it stays dark (a network with no command post at all fights "
                          "autonomously)"
    )
    assignment: AssignerName = "hungarian"
    kill_assessment_time: Duration = Field("5 s", description="look time after an intercept")
    concurrent_decisions: Annotated[int, Field(strict=True, ge=1, le=100)] = Field(
        1, description="engagement decisions a deciding crew handles at a time; the others queue")
    pre_authorisation: bool = Field(
        False, description="the operator decides on a target when it first enters a fire unit's picture, not "
        "when it is nominated: a nomination then waits only for what is left of that decision")
    acquisition_basket: Distance = Field(
        "1 km", description="the missile finds a target that passes this close to its predicted intercept point")
    maturity: Literal["basket", "updates"] = Field(
        "basket", description="when a track gives a firing solution: basket, its position error predicted to the "
        "intercept (times maturity_sigmas) fits the acquisition basket; updates, it has had maturity_updates "
        "measurements")
    maturity_sigmas: Annotated[float, Field(strict=True, ge=0, le=10)] = 3.0
    maturity_updates: Annotated[int, Field(strict=True, ge=1, le=100)] = 3
    point_defence_radius: Distance = Field(
        "1 km", description="a point-defence fire unit takes a target for one flying at a unit it defends when the "
        "target's track, flown straight on, passes this close to the unit (3-D closest approach)")
    default_guidance_channels: Annotated[int, Field(strict=True, ge=1, le=100)] = Field(
        4, description="guidance channels of a guiding radar whose catalog entry gives none")
    tracking: Tracking = Tracking()


class ProficiencyEffect(Strict):
    reaction_time_factor: Annotated[float, Field(strict=True, gt=0, le=100)]
    error_rate_factor: Annotated[float, Field(strict=True, ge=0, le=100)]
    pk_factor: Annotated[float, Field(strict=True, ge=0, le=1)] = 1.0


class Asset(Located):
    id: Id
    radius: Distance = "2 km"
    value: Money | None = Field(
        None, description="what losing it would cost, in US dollars (the cost ledger's value lost and protected; "
        "give it for every asset or for none)")


class Waypoint(Located):
    altitude: Altitude
    speed: Speed | None = None


class Flight(Strict):
    id: Id
    type: Id
    count: Count = 1
    spacing: Duration = "30 s"
    start: Duration = "0 s"
    altitude_reference: Literal["agl", "msl"] = Field(
        "agl", description="waypoint altitudes above the ground (the route follows the terrain between them) or "
        "above mean sea level (refused where the route goes more than 1 m below the terrain)")
    route: Annotated[list[Waypoint], Field(min_length=2, max_length=1000)]


def _band(centre, bandwidth) -> None:
    if centre != "any" and centre - bandwidth / 2 <= 0:
        raise ValueError("the band must lie above 0 Hz: centre - bandwidth / 2 must be positive")


class Jammer(Strict):
    """A self-screening barrage noise jammer carried by every aircraft of a raid: its power spread evenly
    over ``bandwidth`` about ``centre``. ``centre: any`` is the format-1 jammer, tuned to every radar (a
    density ERP / bandwidth in any receiver, at most the whole ERP)."""

    erp: Power = Field(description="effective radiated power towards the radar, e.g. '100 W'")
    centre: Frequency | Literal["any"] = Field(
        description="centre frequency of the noise band, e.g. '3 GHz' ('any': in band for every radar)")
    bandwidth: Frequency = Field("50 MHz", description="noise bandwidth")

    @model_validator(mode="after")
    def _is_a_band(self):
        _band(self.centre, self.bandwidth)
        return self


class JammerBand(Strict):
    """One noise band of a stand-off or escort jammer: ERP towards the radars in its main beam, antenna gain
    included."""

    centre: Frequency = Field(description="centre frequency, e.g. '3 GHz'")
    bandwidth: Frequency = Field(description="width of the noise band, e.g. '100 MHz'")
    erp: Power = Field(description="effective radiated power in this band, main beam")

    @model_validator(mode="after")
    def _is_a_band(self):
        _band(self.centre, self.bandwidth)
        return self


class ArmLaunch(Strict):
    """Anti-radiation missiles that each aircraft of a raid carries for one radar: it launches them where its
    route first comes within ``launch_range`` of the radar (ground range), one every ``interval``, each one only
    if its ESM holds the radar then: the radar in line of sight and emitting at that instant, or within ``hold``
    before it."""

    type: Id = Field(description="catalog type of the missile (kind arm)")
    at: Id = Field(description="the radar it is launched at (a unit whose radar radiates)")
    rounds: Annotated[int, Field(strict=True, ge=1, le=16)] = Field(1, description="missiles per aircraft")
    launch_range: Length = Field(description="ground range to the radar at which the first is launched")
    interval: Duration = Field("1 s", description="between two launches of one aircraft")
    hold: Duration = Field("0 s", description="how long its ESM holds a radar that has stopped emitting")

    @field_validator("launch_range")
    @classmethod
    def _positive_range(cls, value: float) -> float:
        if not value > 0:
            raise ValueError("must be greater than zero")
        return value


class Raid(Flight):
    profile: Id | None = Field(None, description="the classifier row its aircraft are judged by (default: hostile; "
                               "a decoy's too)")
    target: Id | None = Field(None, description="what the raid attacks at the end of its route: a defended asset, "
                              "or a unit of the network (a radar, a launcher, a command post)")
    pk: StrictProbability = Field(1.0, description="probability that a threat reaching the unit or the defended "
                                  "asset it attacks destroys it (an asset's loss enters the cost ledger as its "
                                  "expected value lost)")
    jammer: Jammer | None = None
    emission: OnOff = Field("on", description="its aircraft's own radars (the type's emitter): on, or off (radar "
                            "silence: no ESM hears them)")
    arms: Annotated[list[ArmLaunch], Field(max_length=8)] = Field(
        default_factory=list, description="anti-radiation missiles each aircraft carries, per radar")


class StandoffJammer(Flight):
    """A stand-off or escort noise jammer: an aircraft flying its route (then holding at its last waypoint)
    and radiating its bands towards the radars inside its beam. The beam points at ``aim`` (default: the
    centroid of the defended assets, else of the units); a radar is inside it when its bearing from the
    jammer is within half the beamwidth of the aim's. Not a target: the defence does not engage it."""

    route: Annotated[list[Waypoint], Field(min_length=1, max_length=1000)]
    bands: Annotated[list[JammerBand], Field(min_length=1, max_length=32)]
    beamwidth: PositiveAngle = Field("360 deg", description="jammer antenna beamwidth (360 deg: all round)")
    aim: Located | None = Field(None, description="where the beam points (default: the defended assets)")


class CivilFlight(Flight):
    altitude_reference: Literal["agl", "msl"] = "msl"
    transponder: OnOff = "on"
    side: Literal["civil", "friendly"] = Field(
        "civil", description="civil traffic, or a friendly military aircraft (its loss is fratricide)")
    iff_codes: Literal["loaded", "missing"] = Field(
        "loaded", description="a friendly aircraft's IFF codes: loaded (it replies to interrogation when its "
        "transponder is on) or missing (no valid reply: codes not loaded or mismatched)")
    profile: Id | None = Field(None, description="the classifier row it is judged by (default: its side, civil or "
                               "friendly)")


class ScenarioSpec(Strict):
    """The whole scenario file."""

    format_version: Annotated[int, Field(strict=True, ge=1, description="format of this file (absent means 1); "
                                         "`iadsim migrate` rewrites an older file")] = 1
    name: Name
    description: str = ""
    seed: Annotated[int, Field(strict=True, ge=0, le=2**63 - 1)] = 0
    duration: PositiveDuration
    step: PositiveDuration = "1 s"
    terrain: Terrain
    surface: Surface = Surface()
    origin: Origin | None = None
    catalog: list[str] = Field(default_factory=list, description="extra catalog files")
    defended_assets: list[Asset] = Field(default_factory=list)
    costs: Annotated[dict[Id, Money], Field(max_length=1000)] = Field(
        default_factory=dict, description="unit costs in US dollars by catalog type, over the catalog's unit_cost "
        "(this analysis's prices: a missile fired, a threat, decoy or anti-radiation missile shot down)")
    units: Annotated[list[Unit], Field(max_length=2000)]
    links: Annotated[list[Link], Field(max_length=20000)] = Field(default_factory=list)
    authority: Authority = Authority()
    doctrine: Doctrine = Doctrine()
    proficiency: dict[Proficiency, ProficiencyEffect] = Field(default_factory=dict)
    threats: list[Raid] = Field(default_factory=list)
    traffic: list[CivilFlight] = Field(default_factory=list)
    jammers: Annotated[list[StandoffJammer], Field(max_length=100)] = Field(
        default_factory=list, description="stand-off and escort jammers")

    @field_validator("step")
    @classmethod
    def _step(cls, step: float, info):
        # a field validator (not a model one) so that the error points at `step` and its line
        duration = info.data.get("duration")
        if duration is None:
            return step
        if step > duration:
            raise ValueError("must not be longer than the duration")
        if duration / step > 10_000_000:
            raise ValueError("is too small: duration / step is more than 10 million steps")
        return step


DEFAULT_PROFICIENCY: dict[str, ProficiencyEffect] = {
    # Modelling assumptions (docs/catalog.md): untrained crews react slower, err more, and lower the
    # effective kill probability through poor engagement procedures.
    "untrained": ProficiencyEffect(reaction_time_factor=3.0, error_rate_factor=4.0, pk_factor=0.6),
    "basic": ProficiencyEffect(reaction_time_factor=1.5, error_rate_factor=2.0, pk_factor=0.85),
    "trained": ProficiencyEffect(reaction_time_factor=1.0, error_rate_factor=1.0, pk_factor=1.0),
    "expert": ProficiencyEffect(reaction_time_factor=0.7, error_rate_factor=0.5, pk_factor=1.0),
}

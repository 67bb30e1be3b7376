"""The system catalog: generic types of radars, launchers, missiles, command posts and aircraft.

Catalog files are YAML inside the package (``iadsim/scenario/catalog/*.yaml``) and users add their own
(a scenario's ``catalog:`` list). Every number carries its source and a confidence grade::

    peak_power: {value: 100 kW, source: assumption, grade: assumed}

``source`` names an entry of the file's ``sources:`` mapping. Values are converted to SI on load.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from iadsim.physics.lethality import GUIDANCE, HOMING
from iadsim.registry import SENSOR_MODELS
from iadsim.scenario.quantities import Grade
from iadsim.scenario.yamlio import Document, InputError, InputErrors, from_validation_errors, load_yaml, read_text
from iadsim.units import UnitError, parse_quantity


class Sourced(BaseModel):
    """One catalog number in SI units, with where it comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    value: float
    source: str
    grade: Grade


class SourcedChoice(Sourced):
    """One catalog choice (a word from a fixed list), with where it comes from."""

    value: str  # type: ignore[assignment]


def _lengths(raw: object) -> object:
    if not isinstance(raw, list) or not 2 <= len(raw) <= 100:
        raise ValueError("expected a list of 2 to 100 lengths, e.g. ['0 km', '5 km']")
    try:
        return [parse_quantity(v, "length") for v in raw]
    except UnitError as exc:
        raise ValueError(str(exc)) from None


class EnvelopeTable(BaseModel):
    """A missile's launch envelope as a table over the target's height above the ground: the ground ranges of
    the intercept point it can reach at each tabulated height (linear in between; outside the heights it
    cannot engage)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    height: Annotated[list[float], BeforeValidator(_lengths)]
    min_range: Annotated[list[float], BeforeValidator(_lengths)]
    max_range: Annotated[list[float], BeforeValidator(_lengths)]
    source: str
    grade: Grade

    @model_validator(mode="after")
    def _table(self):
        if not len(self.height) == len(self.min_range) == len(self.max_range):
            raise ValueError("height, min_range and max_range need the same number of entries")
        if any(b <= a for a, b in zip(self.height, self.height[1:], strict=False)):
            raise ValueError("height must increase")
        if any(lo >= hi for lo, hi in zip(self.min_range, self.max_range, strict=True)):
            raise ValueError("each min_range must be below its max_range")
        if min(self.height) < 0 or min(self.min_range) < 0:
            raise ValueError("heights and ranges must not be negative")
        return self


@dataclass(frozen=True)
class Dimension:
    """Marks a catalog field's dimension (a key of iadsim.units.DIMENSIONS, "ratio_db", or None for a number)."""

    name: str | None


def _sourced(dimension: str | None, *, integer: bool = False):
    """A catalog field `{value, source, grade}` whose value has the given dimension (None: a number)."""

    def parse(raw: object) -> object:
        if not isinstance(raw, dict):
            raise ValueError("expected {value: ..., source: ..., grade: published|derived|assumed}")
        raw = dict(raw)
        value = raw.get("value")
        if dimension is None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError("value must be a number" + (
                    " (a number in quotes is text: write it without them)"
                    if isinstance(value, str) and _numeric(value) else ""))
            if integer and int(value) != value:
                raise ValueError("value must be a whole number")
        else:
            try:
                value = parse_quantity(value, dimension)  # type: ignore[arg-type]
            except UnitError as exc:
                raise ValueError(str(exc)) from None
        raw["value"] = float(value)
        return raw

    return Annotated[Sourced, BeforeValidator(parse), Dimension(dimension)]


def _numeric(text: str) -> bool:
    """Whether ``text`` reads as a number (a YAML float written without the exponent's sign)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _sourced_choice(*choices: str):
    """A catalog field `{value, source, grade}` whose value is one of ``choices``."""

    def parse(raw: object) -> object:
        if not isinstance(raw, dict):
            raise ValueError("expected {value: ..., source: ..., grade: published|derived|assumed}")
        if raw.get("value") not in choices:
            raise ValueError(f"value must be one of: {', '.join(choices)}")
        return raw

    return Annotated[SourcedChoice, BeforeValidator(parse), Dimension("choice")]


SLength = _sourced("length")
SSpeed = _sourced("speed")
SAccel = _sourced("acceleration")
STime = _sourced("time")
SFreq = _sourced("frequency")
SPower = _sourced("power")
SAngle = _sourced("angle")
SArea = _sourced("area")
SDb = _sourced("ratio_db")
SIrradiance = _sourced("irradiance")
SIntensity = _sourced("intensity")
SAttenuation = _sourced("attenuation")
SNumber = _sourced(None)
SCount = _sourced(None, integer=True)


SYMBOL_SETS = {"01": "air", "02": "air missile", "05": "space", "06": "space missile", "10": "land unit",
               "11": "land civilian unit/organisation", "15": "land equipment", "20": "land installation",
               "27": "dismounted individual", "30": "sea surface", "35": "sea subsurface", "36": "mine warfare",
               "40": "activities", "50": "signals intelligence (space)", "51": "signals intelligence (air)",
               "52": "signals intelligence (land)", "60": "cyberspace"}
"""The MIL-STD-2525D / APP-6(D) symbol sets of point symbols (SIDC digits 5-6) a catalog type may use: those the
renderer (milsymbol 0.2.0) draws - not 53 and 54, signals intelligence (surface, subsurface), which it lacks."""


def _sidc(code: object) -> object:
    """A catalog type's symbol identification code: 20 digits of MIL-STD-2525D / APP-6(D), version 10, the
    standard identity (digits 3-4) left 00 - the report sets it from the side that uses the type - and a point
    symbol set (:data:`SYMBOL_SETS`)."""
    if isinstance(code, int) and not isinstance(code, bool):
        raise ValueError("write the code in quotes ('1000...'): YAML reads bare digits as a number")
    if not isinstance(code, str) or len(code) != 20 or not code.isascii() or not code.isdigit():
        raise ValueError("must be 20 digits, a MIL-STD-2525D / APP-6(D) symbol identification code, e.g. "
                         "'10001500002203000000' (a radar)")
    if code[:2] != "10":
        raise ValueError("must start with 10 (the MIL-STD-2525D / APP-6(D) version)")
    if code[2:4] != "00":
        raise ValueError("digits 3-4 (context and standard identity) must be 00: the report sets them from the "
                         "side (the defence friend, raids hostile, civil traffic neutral)")
    if code[4:6] not in SYMBOL_SETS:
        raise ValueError(f"digits 5-6 ({code[4:6]}) are not a symbol set of point symbols: one of "
                         f"{', '.join(SYMBOL_SETS)}")
    return code


class _Type(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str
    description: str = ""
    sidc: Annotated[str, BeforeValidator(_sidc)] | None = Field(
        None, description="MIL-STD-2525D / APP-6(D) symbol identification code (20 digits, standard identity 00: "
        "set by side at report time); absent: the report draws its kind's generic symbol")
    unit_cost: SNumber | None = Field(
        None, description="what one costs, in US dollars of the year its source gives (the cost ledger: a missile "
        "fired, a threat, decoy or anti-radiation missile destroyed)")

    _cost_not_negative = field_validator("unit_cost")(lambda cls, value: value if value is None else _not_negative(
        value))


class _Mobile(_Type):
    """A system a unit can move (relocation: shoot-and-scoot): how long its crew takes to tear it down and to set it
    up again, and its average speed on the move between two sites."""

    teardown: STime | None = Field(None, description="from the order to move to the unit on the road (a trained "
                                   "crew's; it neither emits nor fires from the order on)")
    setup: STime | None = Field(None, description="from its arrival at a site to the unit emitting and firing again "
                                "(a trained crew's)")
    road_speed: SSpeed | None = Field(None, description="average speed between two sites (straight-line distance "
                                      "over travel time)")

    _mobile_positive = field_validator("road_speed")(lambda cls, value: _positive(value))
    _mobile_not_negative = field_validator("teardown", "setup")(lambda cls, value: _not_negative(value))


class _SensorType(_Mobile):
    """What every catalog sensor shares: its ``model`` names a registered sensor model."""

    @field_validator("model", check_fields=False)
    @classmethod
    def _known_model(cls, name: str) -> str:
        return SENSOR_MODELS.check(name)


class RadarType(_SensorType):
    """A radar. Search radars rotate (scan_period); fire-control radars revisit tracks (update_period)."""

    kind: Literal["radar"]
    role: Literal["early-warning", "acquisition", "fire-control"]
    frequency: SFreq
    peak_power: SPower
    gain: SDb
    pulse_width: STime
    prf: _sourced("frequency")
    beamwidth: SAngle
    scan_period: STime
    instrumented_range: SLength
    losses: SDb
    system_temperature: _sourced("temperature")
    pfa: SNumber
    range_accuracy: SLength
    azimuth_accuracy: SAngle
    detection_range: SLength = Field(description="published detection range of the reference target")
    reference_rcs: SArea
    mti_improvement: SDb
    pulses_per_look: SCount | None = Field(None, description="pulses per look; default from the scan")
    track_channels: SCount | None = None  # targets engaged at once (docs/engine.md, fire control)
    guidance_channels: SCount | None = None
    autonomous_search: bool = False
    polarisation: _sourced_choice("horizontal", "vertical") | None = Field(
        None, description="transmitted and received polarisation (default horizontal: the stronger ground "
        "reflection)")
    elevation_beamwidth: SAngle | None = Field(
        None, description="half-power elevation beamwidth (absent: no elevation pattern, f = 1)")
    elevation_tilt: SAngle | None = Field(None, description="elevation of the beam's axis (default 0); a "
                                          "fire-control radar steers its beam at the target instead")
    csc2_ceiling: SAngle | None = Field(
        None, description="top of a cosecant-squared elevation coverage above the main beam")
    sidelobe_level: SDb | None = Field(
        None, description="receive gain of the sidelobes relative to the main beam (negative), for "
        "jammers outside the main beam")
    alignment_sigma: SAngle | None = Field(
        None, description="1-sigma north-alignment (azimuth) error of a trained crew's set-up: every azimuth it "
        "reports is off by one draw of it until the crew's check corrects it (units with alignment)")
    alignment_blunder: SNumber | None = Field(
        None, description="a trained crew's chance of setting up with its north not set at all: the azimuth error "
        "is then anywhere on the circle")
    model: str = Field("radar", description="sensor model that says how it sees (iadsim.registry.SENSOR_MODELS)")

    @field_validator("elevation_tilt")
    @classmethod
    def _tilt_needs_a_beam(cls, tilt, info):
        if tilt is not None and info.data.get("elevation_beamwidth") is None:
            raise ValueError("needs elevation_beamwidth")
        if tilt is not None and info.data.get("role") == "fire-control":
            raise ValueError("a fire-control radar steers its beam at the target: no fixed tilt")
        return tilt

    @field_validator("csc2_ceiling")
    @classmethod
    def _ceiling_above_the_beam(cls, ceiling, info):
        if ceiling is None:
            return ceiling
        width = info.data.get("elevation_beamwidth")
        if width is None:
            raise ValueError("needs elevation_beamwidth")
        if info.data.get("role") == "fire-control":
            raise ValueError("a fire-control radar steers a pencil beam: csc2_ceiling is for search radars")
        tilt = info.data.get("elevation_tilt")
        edge = (0.0 if tilt is None else tilt.value) + width.value / 2
        if not 0.0 < edge < ceiling.value:
            raise ValueError("must be above the main beam (elevation_tilt + elevation_beamwidth / 2)")
        return ceiling

    @field_validator("sidelobe_level")
    @classmethod
    def _below_the_main_beam(cls, level):
        if level is not None and level.value >= 0:
            raise ValueError("is relative to the main beam: it must be below 0 dB")
        return level

    _alignment_sigma = field_validator("alignment_sigma")(
        lambda cls, value: value if value is None else _not_negative(value))
    _alignment_blunder = field_validator("alignment_blunder")(
        lambda cls, value: value if value is None else _a_probability(value))


class MissileType(_Type):
    kind: Literal["missile"]
    min_range: SLength
    max_range: SLength
    min_altitude: SLength
    max_altitude: SLength
    speed: SSpeed = Field(description="average flyout speed used for the time of flight")
    max_target_speed: SSpeed
    pk: SNumber | None = Field(None, description="a constant single-shot kill probability inside the envelope, for a "
                               "missile without end-game data (guidance, lethal_area, peak_pk, response_time)")
    guidance: _sourced_choice(*GUIDANCE) | None = Field(
        None, description="inertial: flies to the intercept predicted at launch; command: steered by its guiding "
        "radar to the end; sarh, active: homes on the target with its seeker")
    lethal_area: SArea | None = Field(None, description="Carleton lethal area of the warhead (lethality function "
                                      "D0 exp(-pi D0 r^2 / A_L))")
    peak_pk: SNumber | None = Field(None, description="Carleton D0: kill probability of a burst on the target")
    response_time: STime | None = Field(None, description="end-game response time: a target crossing the line of "
                                        "flight at v moves v times this while the missile corrects")
    seeker_update: STime | None = Field(None, description="interval between a homing missile's seeker updates "
                                        "(sarh, active)")
    envelope: EnvelopeTable | None = Field(None, description="ranges it can reach at each target height above the "
                                           "ground (absent: the box of min/max range and altitude)")
    edge_pk: SNumber | None = Field(None, description="kill probability factor at the envelope's edge, rising "
                                    "linearly to 1 over edge_width")
    edge_width: SNumber | None = Field(None, description="fraction of the range span, inside each range edge, over "
                                       "which Pk falls to edge_pk")

    _missile_positive = field_validator("speed")(lambda cls, value: _positive(value))  # (an intercept needs it)

    @model_validator(mode="after")
    def _kill_model(self):
        endgame = ("guidance", "lethal_area", "peak_pk", "response_time")
        given = [name for name in endgame if getattr(self, name) is not None]
        if given and len(given) < len(endgame):
            missing = ", ".join(n for n in endgame if n not in given)
            raise ValueError(f"end-game data needs {missing} as well")
        if given and self.pk is not None:
            raise ValueError("gives both pk and the end-game data: a constant pk, or the end game, not both")
        if not given and self.pk is None:
            raise ValueError("needs either pk (a constant kill probability) or the end-game data (guidance, "
                             "lethal_area, peak_pk, response_time)")
        homing = self.guidance is not None and self.guidance.value in HOMING
        if homing and self.seeker_update is None:
            raise ValueError(f"a {self.guidance.value} missile needs seeker_update")
        if self.seeker_update is not None and not homing:
            raise ValueError("seeker_update is for a homing (sarh or active) missile")
        if self.lethal_area is not None and not self.lethal_area.value > 0:
            raise ValueError("lethal_area must be positive")
        if self.response_time is not None and self.response_time.value < 0:
            raise ValueError("response_time must not be negative")
        if self.seeker_update is not None and not self.seeker_update.value > 0:
            raise ValueError("seeker_update must be positive")
        if self.peak_pk is not None and not 0 < self.peak_pk.value <= 1:
            raise ValueError("peak_pk must be in (0, 1]")
        if self.pk is not None and not 0 <= self.pk.value <= 1:
            raise ValueError("pk must be in [0, 1]")
        if (self.edge_pk is None) != (self.edge_width is None):
            raise ValueError("edge_pk and edge_width go together")
        if self.edge_pk is not None and not (0 <= self.edge_pk.value <= 1 and 0 < self.edge_width.value <= 0.5):
            raise ValueError("edge_pk must be in [0, 1] and edge_width in (0, 0.5]")
        return self


class LauncherType(_Mobile):
    kind: Literal["launcher"]
    missile: str
    missiles: SCount
    launch_interval: STime
    reload_time: STime
    radar: str | None = Field(None, description="catalog type of the launcher's own fire-control radar")


def _positive(value):
    """A sourced value that must be above zero (a validator's body)."""
    if value is not None and not value.value > 0:
        raise ValueError("must be greater than zero")
    return value


def _not_negative(value):
    """A sourced value that must not be below zero (a validator's body)."""
    if value is not None and value.value < 0:
        raise ValueError("must not be negative")
    return value


def _a_probability(value):
    """A sourced probability from 0 to 1 (a validator's body)."""
    if value is not None and not 0.0 <= value.value <= 1.0:
        raise ValueError("must be a probability from 0 to 1")
    return value


def _a_chance(value):
    """A sourced probability above 0 and at most 1 (a validator's body)."""
    if value is not None and not 0.0 < value.value <= 1.0:
        raise ValueError("must be a probability above 0 and at most 1")
    return value


def _positive_intensities(value):
    """Per-band IR intensities that must be above zero (a validator's body)."""
    for band, item in (value or {}).items():
        if not item.value > 0:
            raise ValueError(f"{band}: must be greater than zero")
    return value


class _PassiveSensor(_SensorType):
    look_period: STime = Field(description="seconds between two looks at a target (a dwell or revisit cycle)")
    instrumented_range: SLength

    _passive_positive = field_validator("look_period", "instrumented_range")(lambda cls, value: _positive(value))
    azimuth_accuracy: SAngle = Field(description="1-sigma bearing error of one detection")
    intercept_probability: SNumber | None = Field(
        None, description="probability that a look catches a target above threshold (default 1)")
    model: str

    _passive_chance = field_validator("intercept_probability")(lambda cls, value: _a_chance(value))


class EsmType(_PassiveSensor):
    """A passive receiver of emissions (ESM, electronic support measures): it hears an emitter whose power at
    its antenna (the one-way equation) reaches its sensitivity in its band, and measures its bearing (and its
    elevation where ``elevation_accuracy`` is given)."""

    kind: Literal["esm"]
    frequency_min: SFreq = Field(description="lowest frequency it receives")
    frequency_max: SFreq = Field(description="highest frequency it receives")
    sensitivity: SPower = Field(description="weakest signal at its antenna port it detects (e.g. '-65 dBm')")
    gain: SDb = Field(description="receive antenna gain towards the emitter")
    losses: SDb
    elevation_accuracy: SAngle | None = None
    model: str = Field("esm", description="sensor model that says how it sees (iadsim.registry.SENSOR_MODELS)")

    _esm_positive = field_validator("frequency_min", "sensitivity")(lambda cls, value: _positive(value))

    @field_validator("frequency_max")
    @classmethod
    def _a_band(cls, top, info):
        bottom = info.data.get("frequency_min")
        if bottom is not None and not top.value > bottom.value:
            raise ValueError("must be above frequency_min")
        return top


class IrstType(_PassiveSensor):
    """An infrared search and track sensor: it detects a target whose irradiance at its aperture (the target's
    IR intensity in its band, through the atmosphere's extinction) reaches its threshold, and measures bearing
    and elevation."""

    kind: Literal["irst"]
    band: _sourced_choice("mwir", "lwir") = Field(description="its spectral band (mwir 3-5 um, lwir 8-12 um): "
                                                   "the targets' ir_intensity is read in this band")
    threshold: SIrradiance = Field(description="irradiance it detects: noise-equivalent irradiance x threshold SNR")
    extinction: SAttenuation = Field(description="atmospheric extinction coefficient in its band (Beer-Lambert)")
    elevation_accuracy: SAngle
    model: str = Field("irst", description="sensor model that says how it sees (iadsim.registry.SENSOR_MODELS)")

    _irst_positive = field_validator("threshold")(lambda cls, value: _positive(value))
    _irst_not_negative = field_validator("extinction")(lambda cls, value: _not_negative(value))


SENSOR_TYPES = (RadarType, EsmType, IrstType)
"""The catalog kinds a sensor model is built from (``model`` names its class)."""


class CommandPostType(_Mobile):
    kind: Literal["command-post"]
    processing_delay: STime
    track_capacity: SCount


class Emitter(BaseModel):
    """An aircraft's own radar as an ESM receiver hears it: its main beam sweeps a receiver now and then (a
    look catches it with ``main_beam_fraction``); between sweeps the receiver hears its sidelobes."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    erp: SPower = Field(description="effective radiated power of its main beam (peak power times antenna gain)")
    frequency: SFreq = Field(description="its carrier frequency")
    sidelobe_level: SDb = Field(description="gain of its sidelobes relative to the main beam (negative)")
    main_beam_fraction: SNumber = Field(description="probability that one look of a receiver catches its main beam "
                                        "(its beam and scan pattern), else the receiver hears only its sidelobes")

    _emitter_positive = field_validator("erp", "frequency")(lambda cls, value: _positive(value))

    @field_validator("sidelobe_level")
    @classmethod
    def _below_the_main_beam(cls, level):
        if level.value >= 0:
            raise ValueError("is relative to the main beam: it must be below 0 dB")
        return level

    _emitter_chance = field_validator("main_beam_fraction")(lambda cls, value: _a_chance(value))


class AircraftType(_Type):
    kind: Literal["aircraft"]
    category: Literal[
        "utility-helicopter", "attack-helicopter", "fighter", "cruise-missile", "drone", "airliner"
    ]
    civil: bool = False
    rcs: SArea
    swerling: Literal[0, 1, 2, 3, 4]
    cruise_speed: SSpeed
    max_speed: SSpeed
    climb_rate: SSpeed | None = Field(None, description="largest rate of climb in terrain-following flight "
                                      "(needed by routes flown above the ground)")
    descent_rate: SSpeed | None = Field(None, description="largest rate of descent in terrain-following flight")
    terrain_clearance: SLength | None = Field(None, description="lowest height above the ground it flies")
    manoeuvre: SAccel | None = Field(None, description="acceleration of the manoeuvres the defence cannot predict "
                                     "(evasive or weaving; absent: none)")
    ir_intensity: dict[Literal["mwir", "lwir"], SIntensity] | None = Field(
        None, description="radiant intensity of its IR signature against the sky, per band (an IRST reads its own "
        "band; absent: no IRST detects it)")
    emitter: Emitter | None = Field(None, description="its own radar, which ESM receivers hear (absent: none; a "
                                    "raid's emission: off keeps it silent)")

    @field_validator("climb_rate", "descent_rate")
    @classmethod
    def _positive_rate(cls, value):
        if value is not None and not value.value > 0:
            raise ValueError("must be greater than zero")
        return value

    _aircraft_intensity = field_validator("ir_intensity")(lambda cls, value: _positive_intensities(value))

    @field_validator("terrain_clearance", "manoeuvre")
    @classmethod
    def _not_negative(cls, value):
        if value is not None and value.value < 0:
            raise ValueError("must not be negative")
        return value

    @property
    def terrain_following(self) -> bool:
        """Whether the type can fly a route above the ground: it has climb and descent limits and a clearance."""
        return None not in (self.climb_rate, self.descent_rate, self.terrain_clearance)


class DecoyType(AircraftType):
    """An air-launched decoy (MALD class): it flies a raid's route with the radar signature, speed and flight
    profile of the strike aircraft it mimics, so the defence detects, classifies and engages it like one (an
    operator recognises it only with the scenario's ``p_decoy_recognised``); it attacks nothing. Not a threat:
    kills, leakers and the raid's measures leave it out, and the interceptors it draws are counted."""

    kind: Literal["decoy"]
    category: Literal["decoy"] = "decoy"
    civil: Literal[False] = False
    mimics: str | None = Field(None, description="the aircraft type whose signature and flight profile it copies "
                               "(documentation: the values are its own)")
    max_range: SLength = Field(description="the longest route it can fly (its fuel)")

    _decoy_positive = field_validator("max_range", "rcs", "cruise_speed")(lambda cls, value: _positive(value))


class ArmType(_Type):
    """An anti-radiation missile: SEAD aircraft launch it at a radar their ESM holds; it homes on the radar's
    emission, and when the radar falls silent it flies on to the last position it heard, its impact error
    growing with the time of silence. The defence sees it (``rcs``, ``swerling``, ``ir_intensity``) and may
    engage it. The impact error is circular normal, 1-sigma ``cep / 1.1774`` while homing, growing by
    ``miss_growth`` for each second of silence before the impact; the radar is killed through the Carleton
    lethality function of ``lethal_area`` and ``peak_pk`` (:mod:`iadsim.physics.lethality`)."""

    kind: Literal["arm"]
    rcs: SArea
    swerling: Literal[0, 1, 2, 3, 4]
    ir_intensity: dict[Literal["mwir", "lwir"], SIntensity] | None = Field(
        None, description="radiant intensity of its IR signature, per band (absent: no IRST detects it)")
    speed: SSpeed = Field(description="average speed from launch to impact")
    max_range: SLength = Field(description="longest launch range")
    cep: SLength = Field(description="circular error probable of the impact while it homes on an emitting radar")
    miss_growth: SSpeed = Field(description="growth of the 1-sigma impact error per second the radar is silent "
                                "before the impact (it flies to the last position it heard)")
    lethal_area: SArea = Field(description="Carleton lethal area of its warhead against a radar")
    peak_pk: SNumber = Field(description="Carleton D0: kill probability of a burst on the radar")

    _arm_positive = field_validator("speed", "max_range", "lethal_area", "rcs")(lambda cls, value: _positive(value))
    _arm_not_negative = field_validator("cep", "miss_growth")(lambda cls, value: _not_negative(value))
    _arm_chance = field_validator("peak_pk")(lambda cls, value: _a_chance(value))
    _arm_intensity = field_validator("ir_intensity")(lambda cls, value: _positive_intensities(value))

    @property
    def emitter(self) -> None:
        """It carries no radar of its own (what ESM receivers would hear)."""
        return None


SystemType = Annotated[
    RadarType | EsmType | IrstType | MissileType | LauncherType | CommandPostType | AircraftType | DecoyType | ArmType,
    Field(discriminator="kind")
]


class CatalogFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    sources: dict[str, str]
    types: dict[str, SystemType]


@dataclass(frozen=True)
class Catalog:
    """All known system types by id, and the sources they cite."""

    types: dict[str, Any]
    sources: dict[str, str]
    origin: dict[str, str]  # type id -> file it came from

    def get(self, type_id: str, kind: str | None = None):
        entry = self.types[type_id]
        if kind is not None and entry.kind != kind:
            raise KeyError(type_id)
        return entry

    def ids(self, kind: str | None = None) -> list[str]:
        return sorted(k for k, v in self.types.items() if kind is None or v.kind == kind)

    def values(self, type_id: str) -> list[tuple[str, Sourced, str | None]]:
        """Every sourced number of a type: (field, value in SI with source and grade, dimension)."""
        entry = self.types[type_id]
        rows = []
        for name, value in entry:
            if isinstance(value, Sourced):
                rows.append((name, value, _dimension_of(type(entry).model_fields[name])))
            elif isinstance(value, dict):  # per-band values, e.g. ir_intensity.mwir
                dimension = _dimension_of(type(entry).model_fields[name])
                rows += [(f"{name}.{key}", item, dimension) for key, item in value.items() if isinstance(item, Sourced)]
            elif isinstance(value, BaseModel):  # a part with its own numbers, e.g. emitter.erp
                rows += [(f"{name}.{key}", item, _dimension_of(type(value).model_fields[key])) for key, item in value
                         if isinstance(item, Sourced)]
        return rows


def _dimension_of(info) -> str | None:
    """The Dimension marker of a field, looking inside Optional[...] too."""
    from typing import get_args, get_origin

    for marker in info.metadata:
        if isinstance(marker, Dimension):
            return marker.name

    def search(annotation):  # inside Optional[...] and dict[..., ...] too
        for arg in get_args(annotation):
            if get_origin(arg) is Annotated:
                for marker in get_args(arg)[1:]:
                    if isinstance(marker, Dimension):
                        return marker.name
            found = search(arg)
            if found is not None:
                return found
        return None

    return search(info.annotation)


_ADAPTER = TypeAdapter(CatalogFile)


def read_catalog_file(path: str | Path, text: str | None = None) -> tuple[CatalogFile, Document]:
    """Validate one catalog file; errors name the file, line and field."""
    if text is not None:
        doc = load_yaml(path, text)
    else:  # a file a scenario names: its content must not come out in a message (PyYAML quotes some of it)
        text = read_text(path, what="catalog file")  # its own errors name the path and a reason only
        try:
            doc = load_yaml(path, text)
        except InputError as exc:  # said without the key, value or field path: they are the file's content
            raise InputError(path, "is not a valid catalog file (YAML that iadsim can read: no duplicate keys, "
                             "tags, aliases or deep nesting)", exc.line) from None
    if not isinstance(doc.data, dict) or "types" not in doc.data or set(doc.data) - {"sources", "types"}:
        # said without quoting the file: a scenario may name any file as a catalog, and its content must
        # not come out in a message (or a report made from a run folder)
        raise InputError(path, "is not an iadsim catalog file (expected the fields 'sources' and 'types')",
                         doc.line_of(()))
    try:
        parsed = _ADAPTER.validate_python(doc.data)
    except ValidationError as exc:
        raise from_validation_errors(doc, exc.errors(include_url=False)) from None
    errors = []
    for type_id, entry in parsed.types.items():
        for name, value in entry:
            parts = value.items() if isinstance(value, dict) else [(None, value)]  # per-band values
            for key, item in parts:
                if isinstance(item, Sourced | EnvelopeTable) and item.source not in parsed.sources:
                    where = ("types", type_id, name) + ((key,) if key is not None else ()) + ("source",)
                    errors.append(doc.error(where, f"unknown source '{item.source}'"))
    if errors:
        raise InputErrors(errors)
    return parsed, doc


@lru_cache(maxsize=1)
def builtin_catalog() -> Catalog:
    """The catalog shipped with iadsim."""
    folder = resources.files("iadsim.scenario") / "catalog"
    files = sorted((f.name, f.read_text("utf-8")) for f in folder.iterdir() if f.name.endswith(".yaml"))
    return _merge([(f"<builtin>/{name}", text) for name, text in files])


def load_catalog(extra_files: list[Path] = ()) -> Catalog:
    """The built-in catalog plus user catalog files (later files may not redefine a type)."""
    base = builtin_catalog()
    if not extra_files:
        return base
    return _merge([], base=base, paths=list(extra_files))


def _merge(named_texts, base: Catalog | None = None, paths: list[Path] = ()) -> Catalog:
    types = dict(base.types) if base else {}
    sources = dict(base.sources) if base else {}
    origin = dict(base.origin) if base else {}
    items = [(name, text) for name, text in named_texts] + [(str(p), None) for p in paths]
    docs: dict[str, Document] = {}
    for name, text in items:
        parsed, doc = read_catalog_file(name, text)
        docs[name] = doc
        for type_id, entry in parsed.types.items():
            if type_id in types:
                raise doc.error(("types", type_id), f"type '{type_id}' is already defined in {origin[type_id]}")
            types[type_id] = entry
            origin[type_id] = name
        for key, text_ in parsed.sources.items():
            sources.setdefault(key, text_)
    _check_references(types, origin, docs)
    return Catalog(types, sources, origin)


def _check_references(types: dict[str, Any], origin: dict[str, str], docs: dict[str, Document] = {}) -> None:  # noqa: B006
    for type_id, entry in types.items():
        if isinstance(entry, DecoyType) and entry.mimics is not None and (
                entry.mimics not in types or types[entry.mimics].kind != "aircraft"):
            loc = ("types", type_id, "mimics")
            doc = docs.get(origin[type_id])
            raise InputError(origin[type_id], f"mimics '{entry.mimics}' is not an aircraft type in the catalog",
                             doc.line_of(loc) if doc is not None else None, loc)
        if isinstance(entry, LauncherType):
            for field_name, wanted in (("missile", "missile"), ("radar", "radar")):
                ref = getattr(entry, field_name)
                if ref is None:
                    continue
                loc = ("types", type_id, field_name)
                doc = docs.get(origin[type_id])  # only files read in this merge have their lines at hand
                line = doc.line_of(loc) if doc is not None else None
                if ref not in types or types[ref].kind != wanted:
                    raise InputError(origin[type_id], f"{field_name} '{ref}' is not a {wanted} type in the catalog",
                                     line, loc)
                if wanted == "radar" and types[ref].role != "fire-control":
                    # the scenario loader takes a launcher with its own radar as able to guide its missiles
                    raise InputError(origin[type_id], f"radar '{ref}' is a {types[ref].role} radar; a launcher's own "
                                     "radar must be a fire-control radar", line, loc)

"""Load a scenario file: YAML -> validated models -> cross-checks -> geography resolved on the terrain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
from pydantic import TypeAdapter, ValidationError

from iadsim.registry import EMCON_POLICIES, SENSOR_MODELS
from iadsim.scenario import versions
from iadsim.scenario.catalog import (
    SENSOR_TYPES,
    AircraftType,
    ArmType,
    Catalog,
    DecoyType,
    LauncherType,
    RadarType,
    load_catalog,
)
from iadsim.scenario.models import DEFAULT_PROFICIENCY, DEFAULT_PROFILES, Located, ProficiencyEffect, ScenarioSpec
from iadsim.scenario.notes import issue_warning
from iadsim.scenario.yamlio import (
    Document,
    InputError,
    InputErrors,
    describe,
    format_loc,
    from_validation_errors,
    load_yaml,
)

UNIT_KINDS = ("radar", "esm", "irst", "launcher", "command-post")
"""The catalog kinds a scenario unit may be."""

_ADAPTER = TypeAdapter(ScenarioSpec)


@dataclass(frozen=True)
class Site:
    """A resolved position: world x/y [m] in the terrain's metric grid and ground elevation [m MSL]."""

    x: float
    y: float
    ground: float


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with its catalog, terrain and every position resolved to world metres."""

    spec: ScenarioSpec
    catalog: Catalog
    terrain: object  # iadsim.terrain.Dem
    path: Path
    sites: dict[str, Site]
    # flight id -> (n_waypoints, 3): world x, y and altitude above ground (AGL flights, which follow the
    # terrain between waypoints) or above mean sea level, as the flight's altitude_reference says
    routes: dict[str, np.ndarray] = field(repr=False)
    speeds: dict[str, np.ndarray] = field(repr=False)  # flight id -> (n_waypoints,) m/s
    origin_xy: tuple[float, float] = (0.0, 0.0)
    # the scenario's text when it is not the file at `path` (a variant made in memory, e.g. by
    # iadsim.Scenario.with_changes): what a run folder stores and hashes (None: the file at `path`)
    text: bytes | None = field(default=None, repr=False)
    # stand-off jammer id -> world (x, y) its beam points at (its `aim`, else the defended assets' centroid,
    # else the units')
    aims: dict[str, tuple[float, float]] = field(default_factory=dict, repr=False)
    # AGL flight id -> (distance along the route [m], altitude MSL [m]) at equal steps: the terrain-following
    # profile its type's climb and descent limits allow (plan_terrain_following)
    profiles: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    # land cover on the terrain's grid (SurfaceMap; None: no surface.landcover)
    surface_map: object | None = field(default=None, repr=False)
    # relocating unit id -> the sites it moves to after its own (its relocation's sites, resolved)
    relocations: dict[str, list[Site]] = field(default_factory=dict, repr=False)

    def source_text(self) -> bytes:
        """The scenario as a file: its own text, else the bytes of the file at ``path``."""
        from iadsim.scenario.yamlio import MAX_BYTES, read_bytes

        return self.text if self.text is not None else read_bytes(self.path, MAX_BYTES, "scenario file")

    @property
    def name(self) -> str:
        return self.spec.name

    @cached_property
    def _units(self) -> dict:
        return {u.id: u for u in self.spec.units}

    @cached_property
    def clutter_map(self) -> np.ndarray:
        """Land clutter gamma (linear) of every terrain cell at 10 GHz: its land-cover class's, or the default
        type's (:data:`iadsim.scenario.landcover.DEFAULT_CLUTTER`) where there is no land cover."""
        from iadsim.scenario.landcover import DEFAULT_CLUTTER, clutter_types

        default = clutter_types().gamma_db[DEFAULT_CLUTTER]
        if self.surface_map is None:  # one value everywhere: a read-only view, no terrain-sized array
            return np.broadcast_to(10.0 ** (default / 10.0), self.terrain.shape)
        return 10.0 ** (np.where(np.isnan(self.surface_map.gamma_db), default, self.surface_map.gamma_db) / 10.0)

    def on_window(self, window: tuple[int, int, int, int]) -> Scenario:
        """The scenario on a window (row0, row1, col0, col1) of its terrain: the terrain and the land cover cut
        to it, cell for cell (the maps derived from them follow)."""
        from iadsim.terrain.crop import window_dem

        row0, row1, col0, col1 = window
        cover = self.surface_map
        if cover is not None:
            cut = (slice(row0, row1), slice(col0, col1))
            cover = replace(cover, codes=cover.codes[cut], gamma_db=cover.gamma_db[cut],
                            surface_index=None if cover.surface_index is None else cover.surface_index[cut])
        return replace(self, terrain=window_dem(self.terrain, window), surface_map=cover)

    @property
    def surface_classes(self) -> np.ndarray | None:
        """Each terrain cell's reflecting surface as an index into
        :data:`iadsim.physics.reflection.SURFACE_CLASSES` (-1: the scenario's ``surface.type``), or None when
        the land cover names no surface (reflection is then the scenario's surface everywhere)."""
        return None if self.surface_map is None else self.surface_map.surface_index

    def unit(self, unit_id: str):
        """The scenario's unit with that id."""
        return self._units[unit_id]

    def unit_type(self, unit_id: str):
        unit = self.unit(unit_id)
        return self.catalog.types[unit.type]

    def proficiency(self, level: str) -> ProficiencyEffect:
        return self.spec.proficiency.get(level, DEFAULT_PROFICIENCY[level])

    def summary(self) -> str:
        """One line: what the scenario holds. Radars count those carried on launchers (TELARs) too."""
        s = self.spec
        radars = passive = launchers = posts = 0
        for u in s.units:
            entry = self.catalog.types[u.type]
            radars += entry.kind == "radar" or (entry.kind == "launcher" and getattr(entry, "radar", None) is not None)
            passive += entry.kind in ("esm", "irst")
            launchers += entry.kind == "launcher"
            posts += entry.kind == "command-post"
        decoys = sum(r.count for r in s.threats if self.catalog.types[r.type].kind == "decoy")
        threats = sum(r.count for r in s.threats) - decoys
        civil = sum(t.count for t in s.traffic)
        return (
            f"{s.name}: {plural(radars, 'radar')}, "
            + (f"{plural(passive, 'passive sensor')}, " if passive else "")
            + f"{plural(launchers, 'fire unit')}, "
            f"{plural(posts, 'command post')}, {plural(len(s.links), 'link')}, "
            f"{plural(threats, 'threat')}" + (f" and {plural(decoys, 'decoy')}" if decoys else "")
            + f" in {plural(len(s.threats), 'raid')}, "
            f"{plural(civil, 'civil aircraft', 'civil aircraft')}, "
            f"{s.duration:g} s at {s.step:g} s steps, authority {s.authority.mode}"
        )


def _relocation_errors(unit, entry, catalog: Catalog, doc: Document, loc: tuple) -> list:
    """A relocation needs its type's tear-down and set-up times and road speed (a site's ``travel`` may replace the
    straight-line time to it); a unit taking turns in a rotation group cannot leave it."""
    missing = [name for name in ("teardown", "setup", "road_speed") if getattr(entry, name, None) is None]
    if missing:
        return [doc.error(loc, f"'{unit.type}' has no {', '.join(missing)} in the catalog: a relocation needs its "
                          "tear-down and set-up times and its road speed (the travel time between sites)")]
    if unit.emcon.policy == "rotation":
        return [doc.error(loc, "a unit of a rotation group takes its turns from one site: it cannot relocate")]
    after = unit.relocation.after
    if after == "firing" and not (isinstance(entry, LauncherType) or _guides(None, entry)):
        return [doc.error(loc + ("after",), f"'{unit.type}' neither fires nor guides missiles: it never moves after "
                          "firing")]
    if after == "warning" and not _radiates(catalog, entry):
        return [doc.error(loc + ("after",), f"'{unit.type}' emits nothing: no anti-radiation missile is launched at "
                          "it to warn it")]
    return []


def plural(count: int, singular: str, many: str | None = None) -> str:
    """'1 radar', '2 radars', '0 radars'."""
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def validate_spec(doc: Document) -> ScenarioSpec:
    """Pydantic validation with every error mapped to its file, line and field path."""
    if not isinstance(doc.data, dict):
        found = describe(doc.data)
        raise InputError(doc.file, f"expected a mapping of scenario fields, found {found}", doc.line_of(()))
    if versions.detect_kind(doc.data) == "sweep":  # (its fields would each be an error here)
        raise InputError(doc.file, "is a sweep file (it has 'base' and 'factors'), not a scenario: run it with "
                                   "'iadsim sweep FILE --out FOLDER', or give its base scenario")
    version = versions.file_version(doc, "scenario")  # a newer file is refused before its fields are read
    if version < versions.CURRENT["scenario"]:
        versions.migrate_data(doc.data, "scenario", version)
        doc.data["format_version"] = versions.CURRENT["scenario"]
    try:
        return _ADAPTER.validate_python(doc.data)
    except ValidationError as exc:
        raise from_validation_errors(doc, exc.errors(include_url=False)) from None


def _profile_errors(spec: ScenarioSpec, catalog: Catalog, doc: Document) -> list[InputError]:
    """Every flight's classifier row exists in every classifier when the scenario has automation; a fire unit's
    own classifier, trust and interrogator only on units that have them; iff_codes only for friendly aircraft; no
    operator error rate the automation replaces."""
    errors = []
    for i, flight in enumerate(spec.traffic):
        if flight.side == "civil" and flight.iff_codes != "loaded":
            errors.append(doc.error(("traffic", i, "iff_codes"), "IFF codes are a friendly aircraft's: give side: "
                                    "friendly, or leave iff_codes out"))
    automation = spec.authority.automation
    kinds = {u.id: getattr(catalog.types.get(u.type), "kind", None) for u in spec.units}
    for i, unit in enumerate(spec.units):
        for name, who, allowed in (("trust", "a deciding crew's (a fire unit's or command post's)",
                                     ("launcher", "command-post")),
                                    ("interrogator_availability", "a fire unit's", ("launcher",))):
            if getattr(unit, name) is None:
                continue
            if automation is None:
                errors.append(doc.error(("units", i, name), f"{name} is {who}, for the automation's "
                                        "recommendations: give authority.automation, or leave it out"))
            elif kinds[unit.id] not in allowed:
                errors.append(doc.error(("units", i, name), f"{name} is {who}; '{unit.id}' is a {kinds[unit.id]}"))
    if automation is None:
        return errors
    identification = spec.authority.identification
    for name in ("p_civil_as_hostile", "p_hostile_as_civil", "p_decoy_recognised"):
        if name in identification.model_fields_set:  # (silently unused, a sweep over it would read flat)
            errors.append(doc.error(("authority", "identification", name), f"{name} is an operator's own error "
                                    "rate, without automation; with authority.automation the classifier and the "
                                    "operator model decide instead: leave it out"))
    for uid in automation.classifiers:
        if kinds.get(uid) != "launcher":
            errors.append(doc.error(("authority", "automation", "classifiers", uid), f"'{uid}' is not a fire unit "
                                    "(a launcher unit of the scenario)"))
    wanted = [(("threats", i), raid.profile, DEFAULT_PROFILES["raid"]) for i, raid in enumerate(spec.threats)]
    wanted += [(("threats", i, "arms"), None, DEFAULT_PROFILES["arm"]) for i, raid in enumerate(spec.threats)
               if raid.arms]
    wanted += [(("traffic", i), f.profile, DEFAULT_PROFILES[f.side]) for i, f in enumerate(spec.traffic)]
    classifiers = [(("authority", "automation", "classifier"), automation.classifier)]
    classifiers += [(("authority", "automation", "classifiers", uid), c) for uid, c in automation.classifiers.items()]
    for where, classifier in classifiers:
        rows = classifier.confusion
        known = ", ".join(rows)
        for loc, given, default in wanted:
            if given is not None and given not in rows:
                errors.append(doc.error((*loc, "profile"), f"no classifier row '{given}' in {format_loc(where)}."
                                        f"confusion; rows: {known}"))
            elif given is None and default not in rows:
                errors.append(doc.error((*where, "confusion"), f"no row '{default}', which {format_loc(loc)} is "
                                        "judged by (give it, or a profile)"))
    return errors


def check_references(spec: ScenarioSpec, catalog: Catalog, doc: Document) -> None:
    """Ids unique, catalog types of the right kind, links between existing units and of a sensible kind."""
    errors: list[InputError] = []
    seen: dict[str, tuple] = {}
    groups = [("units", spec.units), ("defended_assets", spec.defended_assets), ("threats", spec.threats),
              ("traffic", spec.traffic), ("jammers", spec.jammers)]
    for group, items in groups:
        for i, item in enumerate(items):
            if item.id in seen:
                first = _fmt(seen[item.id])
                errors.append(doc.error((group, i, "id"), f"duplicate id '{item.id}' (first used at {first})"))
            else:
                seen[item.id] = (group, i)
    units = {u.id: u for u in spec.units}
    for i, unit in enumerate(spec.units):
        entry = catalog.types.get(unit.type)
        if entry is None or entry.kind not in UNIT_KINDS:
            known = ", ".join(sum((catalog.ids(kind) for kind in UNIT_KINDS), []))
            errors.append(doc.error(("units", i, "type"), f"unknown unit type '{unit.type}'; known: {known}"))
        elif unit.missiles is not None and entry.kind != "launcher":
            errors.append(doc.error(("units", i, "missiles"), "only launchers carry missiles"))
        elif EMCON_POLICIES[unit.emcon.policy].radiates and not _radiates(catalog, entry):
            errors.append(doc.error(("units", i, "emcon", "policy"), f"a {unit.emcon.policy} policy needs a radar; "
                                    f"'{unit.type}' emits nothing (only always-on or silent apply)"))
        elif getattr(EMCON_POLICIES[unit.emcon.policy], "cue", None) and not _guides(catalog, entry):
            errors.append(doc.error(("units", i, "emcon", "policy"), f"an {unit.emcon.policy} radar goes live when a "
                                    f"fire unit it guides is cued; '{unit.type}' guides no missiles (a fire-control "
                                    "radar, or a launcher with its own, can)"))
        elif unit.emcon.shutdown is not None and not _radiates(catalog, entry):
            errors.append(doc.error(("units", i, "emcon", "shutdown"), f"'{unit.type}' emits nothing: there is no "
                                    "radar to switch off on an anti-radiation missile warning"))
        if unit.relocation is not None and entry is not None:
            errors += _relocation_errors(unit, entry, catalog, doc, ("units", i, "relocation"))
        radar = catalog.types.get(entry.radar) if isinstance(entry, LauncherType) and entry.radar else entry
        if unit.alignment is not None and entry is not None and (
                not isinstance(radar, RadarType) or radar.alignment_sigma is None or radar.alignment_blunder is None):
            errors.append(doc.error(("units", i, "alignment"), f"'{unit.type}' has no radar with alignment_sigma and "
                                    "alignment_blunder in the catalog: nothing to misalign"))
        if unit.layer is not None and entry is not None and entry.kind != "launcher":
            errors.append(doc.error(("units", i, "layer"), f"'{unit.type}' fires no missiles: only a fire unit (a "
                                    "launcher) belongs to a defensive layer"))
        if unit.defends and entry is not None and entry.kind != "launcher":
            errors.append(doc.error(("units", i, "defends"), f"'{unit.type}' fires no missiles: only a fire unit (a "
                                    "launcher) defends other units"))
        for j, other in enumerate(unit.defends):
            if other not in units:
                errors.append(doc.error(("units", i, "defends", j), f"no unit with id '{other}'"))
            elif other == unit.id:
                errors.append(doc.error(("units", i, "defends", j), "a point-defence unit defends itself "
                                        "already"))
    errors += _rotation_groups(spec, doc)
    for group, items in (("threats", spec.threats), ("traffic", spec.traffic), ("jammers", spec.jammers)):
        for i, flight in enumerate(items):
            entry = catalog.types.get(flight.type)
            if not isinstance(entry, AircraftType):
                known = ", ".join(catalog.ids("aircraft") + (catalog.ids("decoy") if group == "threats" else []))
                errors.append(doc.error((group, i, "type"), f"unknown aircraft type '{flight.type}'; known: {known}"))
            elif group == "traffic" and not entry.civil and flight.side == "civil":
                errors.append(doc.error((group, i, "type"), f"'{flight.type}' is not a civil aircraft type (a "
                                        "military aircraft of our own side is side: friendly)"))
            elif group == "jammers" and isinstance(entry, DecoyType):
                errors.append(doc.error((group, i, "type"), f"'{flight.type}' is a decoy: a raid flies it (threats), "
                                        "not a stand-off jammer"))
            elif isinstance(entry, DecoyType) and getattr(flight, "arms", None):
                errors.append(doc.error((group, i, "arms"), f"'{flight.type}' is a decoy: it carries no "
                                        "anti-radiation missiles"))
    errors += _profile_errors(spec, catalog, doc)
    if spec.jammers:  # a stand-off jammer is heard in the sidelobes: every radar needs its sidelobe level
        for i, unit in enumerate(spec.units):
            entry = catalog.types.get(unit.type)
            if isinstance(entry, LauncherType) and entry.radar:
                entry = catalog.types.get(entry.radar)
            if isinstance(entry, RadarType) and entry.sidelobe_level is None:
                name = unit.type if entry is catalog.types.get(unit.type) else catalog.types[unit.type].radar
                errors.append(doc.error(("units", i, "type"), f"radar type '{name}' has no sidelobe_level in the "
                                        "catalog: the scenario's stand-off jammers need it"))
    assets = {a.id for a in spec.defended_assets}
    for type_id in spec.costs:
        if type_id not in catalog.types:
            errors.append(doc.error(("costs", type_id), f"unknown catalog type '{type_id}'"))
    valued = [a.value is not None for a in spec.defended_assets]
    if any(valued) and not all(valued):
        i = valued.index(False)
        errors.append(doc.error(("defended_assets", i, "value"), f"'{spec.defended_assets[i].id}' has no value while "
                                "other assets have one: give every defended asset a value (US dollars), or none"))
    for i, raid in enumerate(spec.threats):
        if raid.target is not None and raid.target not in assets and raid.target not in units:
            errors.append(doc.error(("threats", i, "target"), f"no defended asset or unit with id '{raid.target}'"))
        elif raid.pk != 1.0 and raid.target not in units:
            errors.append(doc.error(("threats", i, "pk"), "a raid's pk is its chance to destroy the unit it attacks; "
                                    "this raid attacks no unit"))
        for j, arm in enumerate(raid.arms):
            errors += _arm_errors(arm, catalog, units, doc, ("threats", i, "arms", j))
    for i, link in enumerate(spec.links):
        for end, ref in (("from", link.from_), ("to", link.to)):
            if ref not in units:
                errors.append(doc.error(("links", i, end), f"link {end} '{ref}': no unit with that id"))
        if link.from_ == link.to:
            errors.append(doc.error(("links", i, "to"), "a link cannot join a unit to itself"))
        if errors or link.carries != "fire-control":
            continue
        source = catalog.types.get(units[link.from_].type)
        target = catalog.types.get(units[link.to].type)
        if not _guides(catalog, source):
            errors.append(
                doc.error(("links", i, "from"), f"'{link.from_}' has no fire-control radar to guide missiles")
            )
        if not isinstance(target, LauncherType):
            errors.append(doc.error(("links", i, "to"), f"fire-control link to '{link.to}', which is not a launcher"))
    if errors:
        raise InputErrors(errors)


def _arm_errors(arm, catalog: Catalog, units: dict, doc: Document, loc: tuple) -> list[InputError]:
    """An ARM launch names a catalog ARM, a unit whose radar radiates, and a launch range the missile reaches."""
    entry = catalog.types.get(arm.type)
    if not isinstance(entry, ArmType):
        return [doc.error((*loc, "type"), f"unknown anti-radiation missile type '{arm.type}'; known: "
                          f"{', '.join(catalog.ids('arm')) or 'none'}")]
    errors = []
    if arm.at not in units:
        errors.append(doc.error((*loc, "at"), f"no unit with id '{arm.at}'"))
    elif not _radiates(catalog, catalog.types.get(units[arm.at].type)):
        errors.append(doc.error((*loc, "at"), f"unit '{arm.at}' has no radar that radiates: an anti-radiation "
                                "missile homes on emissions"))
    if arm.launch_range > entry.max_range.value:
        errors.append(doc.error((*loc, "launch_range"), f"{arm.launch_range / 1e3:g} km is beyond the "
                                f"{entry.max_range.value / 1e3:g} km maximum range of '{arm.type}'"))
    return errors


def _guides(catalog: Catalog, entry) -> bool:
    """Whether a unit of catalog type ``entry`` can guide missiles: a fire-control radar, or a launcher with its own."""
    return (isinstance(entry, RadarType) and entry.role == "fire-control") or (
        isinstance(entry, LauncherType) and entry.radar is not None)


def _radiates(catalog: Catalog, entry) -> bool:
    """Whether a unit of catalog type ``entry`` carries a sensor that radiates (a radar, its own or its launcher's)."""
    if isinstance(entry, LauncherType):
        entry = catalog.types.get(entry.radar) if entry.radar else None
    return isinstance(entry, SENSOR_TYPES) and SENSOR_MODELS[entry.model].emits


def _rotation_groups(spec: ScenarioSpec, doc: Document) -> list[InputError]:
    """A rotation group has two members or more, all on the rotation policy with one slot and one offset."""
    groups: dict[str, list[int]] = {}
    for i, unit in enumerate(spec.units):
        if unit.emcon.group is not None:
            groups.setdefault(unit.emcon.group, []).append(i)
    errors = []
    for name, members in groups.items():
        first = spec.units[members[0]].emcon
        if len(members) < 2:
            errors.append(doc.error(("units", members[0], "emcon", "group"), f"rotation group '{name}' has one "
                                    "unit: a rotation needs two or more"))
        for i in members[1:]:
            emcon = spec.units[i].emcon
            for field_name in ("slot", "offset"):
                if getattr(emcon, field_name) != getattr(first, field_name):
                    errors.append(doc.error(("units", i, "emcon", field_name), f"differs from the {field_name} of "
                                            f"'{spec.units[members[0]].id}', the first unit of rotation group "
                                            f"'{name}': a group's units share one"))
    return errors


def _fmt(where: tuple) -> str:
    return f"{where[0]}[{where[1]}]"


def load_scenario(path: str | Path) -> Scenario:
    """Read, validate and resolve a scenario file. Raises InputError (file, line, field) on bad input."""
    path = Path(path)
    return scenario_from_document(load_yaml(path), path)


def scenario_from_document(doc: Document, path: Path, *, catalog_files: Mapping[str, Path] | None = None,
                           terrain=None, origin_xy: tuple[float, float] | None = None,
                           landcover_files: Mapping[str, Path] | None = None) -> Scenario:
    """Validate and resolve an already-read document (a file, or a sweep point built in memory);
    relative catalog and terrain paths resolve against `path`'s folder.

    A run folder passes what it stored instead: ``catalog_files`` (each catalog name as the scenario writes
    it -> the stored copy; a name not in it is an error, so nothing outside is read), ``terrain`` (the
    stored crop), ``origin_xy`` (the run's origin, since a crop's centre is not the original's) and
    ``landcover_files`` (``{"raster": stored crop, "classes": stored table}``, the table only for a user's).
    """
    from iadsim.terrain import dem as dem_module  # terrain is below scenario in the layering

    spec = validate_spec(doc)
    extra = []
    for i, name in enumerate(spec.catalog):
        if catalog_files is not None:
            if name not in catalog_files:
                raise doc.error(("catalog", i), "this catalog file is not stored in the run folder")
            file = Path(catalog_files[name])
        else:
            try:
                file = (path.parent / name).resolve()
            except (RuntimeError, OSError):  # Python 3.11 raises RuntimeError on a symlink loop
                raise doc.error(("catalog", i), f"catalog file '{name}' is a symbolic link loop") from None
        if not file.exists():
            raise doc.error(("catalog", i), f"catalog file '{name}' not found")
        extra.append(file)
    catalog = load_catalog(extra)
    check_references(spec, catalog, doc)
    if terrain is None:
        terrain = _load_terrain(spec, path, doc, dem_module)
    surface_map = _load_landcover(spec, path, doc, terrain, landcover_files or {})
    scenario = _resolve(spec, catalog, terrain, path, doc, origin_xy)
    return replace(scenario, surface_map=surface_map) if surface_map is not None else scenario


@dataclass(frozen=True)
class SurfaceMap:
    """Land cover on the terrain's grid: class codes (int32, -1: none) and the land clutter's gamma [dB] at the
    clutter types' reference frequency (float32, NaN where no class: the default type applies there)."""

    codes: np.ndarray = field(repr=False)
    gamma_db: np.ndarray = field(repr=False)
    table: object  # iadsim.scenario.landcover.ClassTable
    # index into iadsim.physics.reflection.SURFACE_CLASSES of each cell's reflecting surface (int8; -1: the
    # scenario's surface type), None when no cell's class names a surface
    surface_index: np.ndarray | None = field(default=None, repr=False)


def _load_landcover(spec: ScenarioSpec, path: Path, doc: Document, terrain, stored: Mapping[str, Path]):
    """The scenario's land cover on the terrain's grid (None without ``surface.landcover``): the raster sampled
    at every DEM cell, its codes checked against the class table and turned into clutter gamma."""
    from iadsim.scenario import landcover as tables
    from iadsim.terrain import TerrainError
    from iadsim.terrain.landcover import NO_CLASS, load_landcover

    spec_lc = spec.surface.landcover
    if spec_lc is None:
        return None
    loc = ("surface", "landcover")
    table_ref = str(stored["classes"]) if "classes" in stored else spec_lc.classes
    if table_ref not in tables.BUILTIN_TABLES and not (path.parent / table_ref).is_file():
        raise doc.error((*loc, "classes"), f"'{spec_lc.classes}' is neither a built-in class table "
                        f"({', '.join(tables.BUILTIN_TABLES)}) nor a file")
    table = tables.load_class_table(table_ref, path.parent)
    raster = Path(stored["raster"]) if "raster" in stored else path.parent / spec_lc.path
    if not raster.exists() and not raster.is_symlink():
        raise doc.error((*loc, "path"), f"land-cover raster '{spec_lc.path}' not found")
    try:
        codes = load_landcover(raster, terrain)
    except TerrainError as exc:
        raise doc.error((*loc, "path"), f"cannot read land cover '{spec_lc.path}': {exc.reason}") from None
    codes[np.isin(codes, list(table.nodata))] = NO_CLASS
    found, inverse = np.unique(codes, return_inverse=True)
    unknown = [int(c) for c in found if c != NO_CLASS and int(c) not in table.classes]
    if unknown:
        shown = ", ".join(map(str, unknown[:8])) + (f" and {len(unknown) - 8} more" if len(unknown) > 8 else "")
        raise doc.error((*loc, "classes"), f"the land-cover raster '{spec_lc.path}' holds class code(s) {shown} that "
                        f"the table '{table.name}' does not list; add them to a class table of your own (or list "
                        "them under nodata)")
    from iadsim.physics.reflection import SURFACE_CLASSES

    # per code found, its gamma and reflecting surface; then every cell by its code's place among those found
    gamma = tables.clutter_types().gamma_db
    classes = [table.classes.get(int(c)) for c in found]
    gamma_db = np.array([np.nan if c is None else gamma[c[1]] for c in classes], np.float32)[inverse]
    surfaces = [SURFACE_CLASSES.index(table.surfaces[int(c)]) if int(c) in table.surfaces else -1 for c in found]
    surface_index = np.array(surfaces, np.int8)[inverse].reshape(codes.shape) if max(surfaces) >= 0 else None
    ground = np.isfinite(terrain.elevation)
    covered = float(((codes != NO_CLASS) & ground).sum() / max(int(ground.sum()), 1))  # after the table's nodata
    if covered < 0.999:
        issue_warning(str(doc.error((*loc, "path"), f"the land-cover raster covers {100 * covered:.0f} % of "
                                    f"the terrain; elsewhere the land clutter is {tables.DEFAULT_CLUTTER}")),
                      TerrainWarning, stacklevel=3)
    return SurfaceMap(codes, gamma_db.reshape(codes.shape), table, surface_index)


def _load_terrain(spec: ScenarioSpec, path: Path, doc: Document, dem_module):
    t = spec.terrain
    origin = (spec.origin.lat, spec.origin.lon) if spec.origin else None
    if t.flat is not None:
        # a square centred on the origin, in an azimuthal equidistant CRS centred there (0N 0E if none)
        lat, lon = origin if origin is not None else (0.0, 0.0)
        crs = f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m +no_defs"
        half = t.extent / 2
        cell = max(t.extent / 2000, 30.0)
        return dem_module.flat_dem(t.flat, (-half, -half, half, half), cell, crs=crs)
    if t.source == "sample":
        return dem_module.load_dem("sample")
    from iadsim.terrain import mosaic

    given = [t.source] if isinstance(t.source, str) else list(t.source)
    files: list[tuple[Path, tuple]] = []
    for i, name in enumerate(given):
        loc = ("terrain", "source") if isinstance(t.source, str) else ("terrain", "source", i)
        if not (path.parent / name).exists() and not (path.parent / name).is_symlink():
            raise doc.error(loc, f"terrain file '{name}' not found")
        try:
            files += [(file, loc) for file in terrain_files(name, path.parent)]
        except dem_module.TerrainError as exc:
            raise doc.error(loc, f"terrain folder '{name}': {exc.reason}") from None
    where = {str(f): loc for f, loc in files}

    def named(file) -> str:
        try:
            return str(Path(file).relative_to(path.parent))
        except ValueError:
            return str(file)

    try:
        if len(files) == 1:
            result = mosaic.Mosaic(dem_module.load_dem(files[0][0]))
        else:
            result = mosaic.load_mosaic([f for f, _ in files], t.overlap_tolerance, name=named)
    except dem_module.TerrainError as exc:  # names the reason, never the file's content
        raise doc.error(where.get(exc.path, ("terrain", "source")),
                        f"cannot read terrain '{named(exc.path)}': {exc.reason}") from None
    except Exception as exc:  # anything else from GDAL: its message may quote the file, so only its kind
        raise doc.error(("terrain", "source"), f"cannot read terrain ({type(exc).__name__})") from None
    if result.gap is not None:
        issue_warning(str(doc.error(("terrain", "source"), result.gap.describe())), TerrainWarning, stacklevel=2)
    if result.coarsened > 1:
        issue_warning(str(doc.error(("terrain", "source"), f"the tiles' finest cells would make more than "
                                    f"{dem_module.MAX_DEM_CELLS:,} cells: the terrain is resampled to "
                                    f"{result.dem.cell_size[0]:.0f} x {result.dem.cell_size[1]:.0f} m cells")),
                      TerrainWarning, stacklevel=2)
    return result.dem


class TerrainWarning(UserWarning):
    """Something about the terrain a user should know (gaps between tiles, a coarsened grid)."""


class ScenarioWarning(UserWarning):
    """Something in the scenario a user should know that is not an error (a raid whose route ends far from the
    unit it attacks)."""


STRIKE_DISTANCE = 1000.0
"""[m] a raid attacking a unit whose route ends farther than this from it is warned about: it strikes at the end
of its route."""


def launch_time(route: np.ndarray, speeds: np.ndarray, site: tuple[float, float], launch_range: float
                ) -> float | None:
    """Seconds from the start of a route (waypoints (n, 2+) flown leg by leg at ``speeds`` (n,): leg i at speeds[i])
    until it first comes within ``launch_range`` (ground range) of ``site``; None if it never does. Exact: each leg
    is a straight line flown at constant speed, and the first crossing solves a quadratic."""
    elapsed = 0.0
    for i in range(len(route) - 1):
        a, b = np.asarray(route[i, :2], float), np.asarray(route[i + 1, :2], float)
        d, f = b - a, a - np.asarray(site, float)
        length = float(np.hypot(*d))
        if float(np.hypot(*f)) <= launch_range:
            return elapsed
        if length > 0:
            # |f + s d| = R for s in [0, 1]: the first root
            qa, qb, qc = float(d @ d), 2.0 * float(f @ d), float(f @ f) - launch_range**2
            disc = qb * qb - 4 * qa * qc
            if disc >= 0:
                s = (-qb - np.sqrt(disc)) / (2 * qa)
                if 0.0 <= s <= 1.0:
                    return elapsed + s * length / speeds[i]
            elapsed += length / speeds[i]
    return None


def terrain_files(source: str | list[str] | None, folder: Path) -> list[Path]:
    """The DEM files a scenario's ``terrain.source`` reads (a folder: its tiles), relative to the scenario's
    ``folder``; [] for the built-in sample or flat terrain. Raises TerrainError for an unreadable folder."""
    from iadsim.terrain.mosaic import tile_files

    if source is None or source == "sample":
        return []
    out = []
    for name in [source] if isinstance(source, str) else source:
        out += tile_files(folder / name) if (folder / name).is_dir() else [folder / name]
    return out


def surface_files(landcover, folder: Path) -> list[Path]:
    """The files a scenario's ``surface.landcover`` reads (the raster, and a user's class table), relative to the
    scenario's ``folder``; [] without land cover. ``landcover`` is the model or the mapping a sweep holds."""
    from iadsim.scenario.landcover import BUILTIN_TABLES

    if landcover is None:
        return []
    path, classes = ((landcover.get("path"), landcover.get("classes")) if isinstance(landcover, dict)
                     else (landcover.path, landcover.classes))
    return [folder / name for name in (path, None if classes in BUILTIN_TABLES else classes) if isinstance(name, str)]


def terrain_sha256(source, landcover, folder: Path, file_sha256) -> str | None:
    """One sha256 over every file a scenario's terrain and land cover read (:func:`terrain_files`,
    :func:`surface_files`; None: none), each hashed by ``file_sha256(path)`` and named relative to ``folder``
    (:func:`terrain_digest`). Raises TerrainError for an unreadable folder of tiles."""
    files = terrain_files(source, folder) + surface_files(landcover, folder)
    return terrain_digest([(f.relative_to(folder).as_posix() if f.is_relative_to(folder) else f.as_posix(),
                            file_sha256(f)) for f in files])


def terrain_digest(digests: list[tuple[str, str]]) -> str | None:
    """One sha256 for a terrain made of files given as (name, sha256): the file's own for one file (as before
    tiles), else the sha256 of the lines "sha256  name" (None for no file)."""
    import hashlib

    if not digests:
        return None
    if len(digests) == 1:
        return digests[0][1]
    return hashlib.sha256("".join(f"{d}  {n}\n" for n, d in digests).encode()).hexdigest()


BELOW_TERRAIN_TOLERANCE = 1.0
"""An MSL route may dip this much [m] below the DEM (its interpolation) before it is refused."""

_MAX_LEG_SAMPLES = 20_000


def _below_terrain(route: np.ndarray, terrain, doc: Document, loc: tuple, origin: tuple[float, float]
                   ) -> list[InputError]:
    """Errors for an MSL route (world x, y, altitude; one row per waypoint) that goes below the terrain: at a
    waypoint (naming its altitude), or along a leg (naming the leg's end waypoint, where and by how much),
    the leg sampled at the DEM's cell size (at most 20,000 samples a leg)."""
    errors = []
    ground = terrain.elevation_at(route[:, 0], route[:, 1])
    for j in np.flatnonzero(route[:, 2] < ground - BELOW_TERRAIN_TOLERANCE):
        errors.append(doc.error((*loc, "route", int(j), "altitude"), f"{route[j, 2]:.0f} m above mean sea level is "
                                f"below the terrain there ({ground[j]:.0f} m); raise it or give "
                                "altitude_reference: agl"))
    if errors:
        return errors
    step = min(terrain.cell_size)
    for j in range(len(route) - 1):
        a, b = route[j], route[j + 1]
        length = float(np.hypot(*(b[:2] - a[:2])))
        n = int(min(max(np.ceil(length / step), 1), _MAX_LEG_SAMPLES)) + 1
        t = np.linspace(0.0, 1.0, n)
        points = a + t[:, None] * (b - a)
        depth = terrain.elevation_at(points[:, 0], points[:, 1]) - points[:, 2]
        deepest = int(np.nanargmax(depth)) if np.isfinite(depth).any() else None
        if deepest is not None and depth[deepest] > BELOW_TERRAIN_TOLERANCE:
            x, y = points[deepest, :2] - np.asarray(origin)
            errors.append(doc.error((*loc, "route", j + 1), f"the leg from waypoint {j} to this one passes "
                                    f"{depth[deepest]:.0f} m below the terrain at x {x / 1e3:.1f} km, y "
                                    f"{y / 1e3:.1f} km; raise it or give altitude_reference: agl"))
    return errors


MAX_PROFILE_SAMPLES = 200_000
"""Most samples of one flight's terrain-following profile (the spacing grows for longer routes)."""


def plan_terrain_following(route: np.ndarray, speeds: np.ndarray, terrain, aircraft
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The altitude profile an AGL route is flown at: (distance along the route [m], altitude MSL [m], the
    wanted altitude MSL [m]) at the same samples.

    The route (world x, y and height above the ground at each waypoint; heights vary linearly between
    waypoints) is sampled every half DEM cell (at most :data:`MAX_PROFILE_SAMPLES` samples); the wanted
    altitude is the ground plus the wanted height, never below the type's ``terrain_clearance``; the flown
    altitude is the lowest profile above it that the type's ``climb_rate`` and ``descent_rate`` allow at the
    leg's speed (:func:`iadsim.physics.terrain_following.terrain_following_profile`, which climbs ahead of
    ridges). NaN over nodata.
    """
    from iadsim.physics.terrain_following import terrain_following_profile

    legs = np.hypot(*np.diff(route[:, :2], axis=0).T)
    at = np.concatenate([[0.0], np.cumsum(legs)])
    total = float(at[-1])
    spacing = max(min(terrain.cell_size) / 2.0, total / (MAX_PROFILE_SAMPLES - 1), 1e-3)
    n = int(np.ceil(total / spacing)) + 1 if total > 0 else 1
    s = np.linspace(0.0, total, n)
    spacing = total / (n - 1) if n > 1 else 1.0
    x = np.interp(s, at, route[:, 0])
    y = np.interp(s, at, route[:, 1])
    height = np.maximum(np.interp(s, at, route[:, 2]), aircraft.terrain_clearance.value)
    wanted = terrain.elevation_at(x, y) + height
    # the interval from each sample to the next is flown at its legs' speeds: the fastest bounds the gradient,
    # so that no part of it climbs or descends faster than the limits where the speed changes at a waypoint
    last = max(len(legs) - 1, 0)
    start = np.clip(np.searchsorted(at, s, side="right") - 1, 0, last)
    end = np.clip(np.searchsorted(at, np.append(s[1:], s[-1]), side="left") - 1, 0, last)
    speed = np.maximum(speeds[start], speeds[end])
    z = terrain_following_profile(wanted, spacing, aircraft.climb_rate.value / speed,
                                  aircraft.descent_rate.value / speed)
    return s, z, wanted


AGL_EXCESS_WARNING = 30.0
"""A terrain-following flight flown this much [m] above its wanted height somewhere (and more than the wanted
height itself) gets a warning: it cannot hold the height it was given."""


def _agl_notes(aircraft, route: np.ndarray, plan: tuple[np.ndarray, np.ndarray, np.ndarray], doc: Document,
               loc: tuple, origin: tuple[float, float]) -> list[str]:
    """Warnings for an AGL route that cannot be flown as written: a waypoint below the type's clearance (flown at
    the clearance), and the largest excess over the wanted altitude the climb and descent limits force
    (``plan``: :func:`plan_terrain_following`'s)."""
    out = []
    clearance = aircraft.terrain_clearance.value
    for j in np.flatnonzero(route[:, 2] < clearance - 1e-9):
        out.append(str(doc.error((*loc, "route", int(j), "altitude"), f"{route[j, 2]:g} m above the ground is below "
                                 f"the type's terrain clearance ({clearance:g} m): flown at {clearance:g} m")))
    s, z, wanted = plan
    excess = z - wanted
    if not np.isfinite(excess).any():
        return out
    k = int(np.nanargmax(excess))
    at = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(route[:, :2], axis=0).T))])
    height = max(float(np.interp(s[k], at, route[:, 2])), clearance)
    if excess[k] <= max(AGL_EXCESS_WARNING, height):
        return out
    j = int(np.clip(np.searchsorted(at, s[k], side="right") - 1, 0, len(route) - 2))
    x, y = np.interp(s[k], at, route[:, 0]) - origin[0], np.interp(s[k], at, route[:, 1]) - origin[1]
    out.append(str(doc.error((*loc, "route", j + 1), f"cannot hold {height:.0f} m above the ground on the leg from "
                             f"waypoint {j} to this one: its climb and descent limits ({aircraft.climb_rate.value:g} "
                             f"and {aircraft.descent_rate.value:g} m/s) put it up to {excess[k]:.0f} m higher, at x "
                             f"{x / 1e3:.1f} km, y {y / 1e3:.1f} km (a slower leg follows the ground closer)")))
    return out


def _written(data: object, loc: tuple) -> dict:
    """The mapping the user wrote at ``loc`` (to echo coordinates in their own form)."""
    for part in loc:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return {}
    return data if isinstance(data, dict) else {}


def off_terrain_message(item: Located, written: dict, terrain, origin: tuple[float, float], lonlat_to_grid) -> str:
    """Why a place is refused, in the form the user gave it: x/y as written and the terrain's span from the
    origin, or lat/lon and the terrain's lat/lon span, suggesting a swap when the swapped point lies on data."""
    ox, oy = origin
    left, bottom, right, top = terrain.bounds
    if item.lat is None:
        shown = f"x {_text(written.get('x'))}, y {_text(written.get('y'))}"
        return (f"position {shown} is off the terrain or on nodata (the terrain spans x {(left - ox) / 1e3:.1f}.."
                f"{(right - ox) / 1e3:.1f} km, y {(bottom - oy) / 1e3:.1f}..{(top - oy) / 1e3:.1f} km from the origin)")
    shown = f"lat {_text(written.get('lat'))}, lon {_text(written.get('lon'))}"
    x, y = lonlat_to_grid(item.lon, item.lat)
    if np.isfinite(x) and np.isfinite(y):
        message = f"position {shown} is off the terrain or on nodata"
    else:
        message = f"position {shown} cannot be placed in the terrain's map projection (too far away)"
    from iadsim.terrain.geo import lonlat_span

    span = lonlat_span(terrain)
    if span is not None:
        message += (f" (the terrain spans lat {span[1]:.4f}..{span[3]:.4f}, lon {span[0]:.4f}..{span[2]:.4f})")
    if abs(item.lon) <= 90:
        try:
            x, y = lonlat_to_grid(item.lat, item.lon)  # the swapped point: lon <- lat, lat <- lon
            on_data = bool(np.isfinite(x) and np.isfinite(y)
                           and np.isfinite(terrain.elevation_at(np.array([x]), np.array([y]))[0]))
        except Exception:
            on_data = False
        if on_data:
            message += f"; did you swap lat and lon? lat {_text(written.get('lon'))}, lon " \
                       f"{_text(written.get('lat'))} lies on the terrain"
    return message


def _text(value: object) -> str:
    from iadsim.units import clip

    return clip(str(value), 30)


def _resolve(spec: ScenarioSpec, catalog: Catalog, terrain, path: Path, doc: Document,
             origin_xy: tuple[float, float] | None = None) -> Scenario:
    """Place every unit, asset and waypoint on the terrain; anything off the terrain is an error."""
    from pyproj import CRS, Transformer

    to_grid = None

    def lonlat_to_grid(lon: float, lat: float) -> tuple[float, float]:
        nonlocal to_grid
        if to_grid is None:
            to_grid = Transformer.from_crs(CRS.from_epsg(4326), CRS.from_user_input(terrain.crs), always_xy=True)
        return to_grid.transform(lon, lat)

    if origin_xy is not None:
        ox, oy = origin_xy
    elif spec.origin is not None:
        ox, oy = lonlat_to_grid(spec.origin.lon, spec.origin.lat)
        if not (np.isfinite(ox) and np.isfinite(oy)):  # pyproj gives inf far outside the terrain's projection
            raise doc.error(("origin",), "origin cannot be placed in the terrain's map projection (too far away)")
    else:
        left, bottom, right, top = terrain.bounds
        ox, oy = (left + right) / 2, (bottom + top) / 2
    errors: list[InputError] = []

    def place(item: Located, loc: tuple) -> tuple[float, float, float] | None:
        """(x, y, ground elevation) of a place, or None (and an error) when it is off the terrain."""
        if item.lat is not None:
            x, y = lonlat_to_grid(item.lon, item.lat)
        else:
            x, y = ox + item.x, oy + item.y
        placed = bool(np.isfinite(x) and np.isfinite(y))  # pyproj gives inf far outside the terrain's projection
        ground = terrain.elevation_at(np.array([x]), np.array([y]))[0] if placed else np.nan
        if not np.isfinite(ground):
            errors.append(doc.error(loc, off_terrain_message(item, _written(doc.data, loc), terrain, (ox, oy),
                                                             lonlat_to_grid)))
            return None
        return float(x), float(y), float(ground)

    sites: dict[str, Site] = {}
    for group, items in (("units", spec.units), ("defended_assets", spec.defended_assets)):
        for i, item in enumerate(items):
            where = place(item, (group, i))
            if where is not None:
                sites[item.id] = Site(*where)
    relocations: dict[str, list[Site]] = {}
    for i, unit in enumerate(spec.units):
        if unit.relocation is not None:
            placed = [place(site, ("units", i, "relocation", "sites", j))
                      for j, site in enumerate(unit.relocation.sites)]
            relocations[unit.id] = [Site(*where) for where in placed if where is not None]
    routes: dict[str, np.ndarray] = {}
    speeds: dict[str, np.ndarray] = {}
    profiles: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    notes: list[str] = []  # warnings, given only when the scenario has no error
    for group, items in (("threats", spec.threats), ("traffic", spec.traffic), ("jammers", spec.jammers)):
        for i, flight in enumerate(items):
            cruise = catalog.types[flight.type].cruise_speed.value
            pts, vs = [], []
            for j, wp in enumerate(flight.route):
                xy = place(wp, (group, i, "route", j))
                if xy is None:
                    continue
                pts.append((xy[0], xy[1], wp.altitude))
                vs.append(wp.speed if wp.speed is not None else cruise)
            routes[flight.id] = np.asarray(pts, dtype=float)
            speeds[flight.id] = np.asarray(vs, dtype=float)
            if len(pts) != len(flight.route):
                continue
            reach = getattr(catalog.types[flight.type], "max_range", None)  # a decoy's fuel
            length = float(np.linalg.norm(np.diff(routes[flight.id][:, :2], axis=0), axis=1).sum())
            if reach is not None and length > reach.value:
                errors.append(doc.error((group, i, "route"), f"is {length / 1e3:.1f} km long; the decoy "
                                        f"'{flight.type}' flies at most {reach.value / 1e3:g} km (its max_range)"))
                continue
            if flight.altitude_reference == "msl":
                errors.extend(_below_terrain(routes[flight.id], terrain, doc, (group, i), (ox, oy)))
                continue
            aircraft = catalog.types[flight.type]
            if not aircraft.terrain_following:
                errors.append(doc.error((group, i, "type"), f"type '{flight.type}' has no climb_rate, descent_rate "
                                        "and terrain_clearance in its catalog, which a route above the ground "
                                        "(altitude_reference: agl) needs; add them or give altitude_reference: msl"))
                continue
            plan = plan_terrain_following(routes[flight.id], speeds[flight.id], terrain, aircraft)
            profiles[flight.id] = plan[:2]
            notes += _agl_notes(aircraft, routes[flight.id], plan, doc, (group, i), (ox, oy))
    aims: dict[str, tuple[float, float]] = {}
    for i, jammer in enumerate(spec.jammers):
        if jammer.aim is not None:
            where = place(jammer.aim, ("jammers", i, "aim"))
            if where is not None:
                aims[jammer.id] = where[:2]
        else:
            placed = [sites[a.id] for a in spec.defended_assets if a.id in sites] or list(sites.values())
            if placed:
                aims[jammer.id] = (float(np.mean([p.x for p in placed])), float(np.mean([p.y for p in placed])))
    if errors:
        raise InputErrors(errors)
    for note in notes:
        issue_warning(note, TerrainWarning, stacklevel=3)
    guiding = {link.from_ for link in spec.links if link.carries == "fire-control"}
    for i, unit in enumerate(spec.units):
        entry = catalog.types[unit.type]
        if getattr(EMCON_POLICIES[unit.emcon.policy], "cue", None) and not isinstance(entry, LauncherType) \
                and unit.id not in guiding:
            issue_warning(str(doc.error(("units", i, "emcon", "policy"), f"'{unit.id}' guides no launcher (no "
                                        "fire-control link from it): it is never cued and stays dark")),
                          ScenarioWarning, stacklevel=3)
    for i, raid in enumerate(spec.threats):
        end, site = routes.get(raid.id), sites.get(raid.target)
        # [s] the route's flight time, leg by leg at its speeds (the engine's arrival, less the start)
        flown = None if end is None else float(np.sum(np.linalg.norm(np.diff(end[:, :2], axis=0), axis=1)
                                                      / speeds[raid.id][:-1]))
        if flown is not None and raid.target is not None and catalog.types[raid.type].kind != "decoy":  # (it leaks)
            last = raid.start + (raid.count - 1) * raid.spacing + flown
            if last > spec.duration + 1e-6:
                who = "its last aircraft reaches it" if raid.count > 1 else "it ends"
                issue_warning(str(doc.error(("threats", i, "route"), f"the route takes {flown / 60:.1f} min: {who} "
                                            f"{last - spec.duration:.3g} s after the scenario ends (at "
                                            f"{spec.duration / 60:g} min); an aircraft still flying at the end "
                                            "neither leaks nor is shot down (lengthen 'duration')")),
                              ScenarioWarning, stacklevel=3)
        if end is not None and site is not None:
            miss = float(np.hypot(end[-1, 0] - site.x, end[-1, 1] - site.y))
            if miss > STRIKE_DISTANCE and raid.target in {u.id for u in spec.units}:
                issue_warning(str(doc.error(("threats", i, "route"), f"ends {miss / 1e3:.1f} km from unit "
                                            f"'{raid.target}', which it attacks: a threat strikes at the end of its "
                                            "route")), ScenarioWarning, stacklevel=3)
        for j, arm in enumerate(raid.arms):
            radar = sites.get(arm.at)
            if end is None or radar is None:
                continue
            first = launch_time(end, speeds[raid.id], (radar.x, radar.y), arm.launch_range)
            if first is None:
                note = (f"the route never comes within {arm.launch_range / 1e3:g} km of '{arm.at}': its aircraft "
                        "launch no anti-radiation missile at it")
            elif first + (arm.rounds - 1) * arm.interval >= flown:
                fit = int(np.ceil((flown - first) / arm.interval)) if arm.interval > 0 else arm.rounds
                note = (f"the route ends {flown - first:.0f} s after the first launch: each aircraft launches "
                        f"{max(fit, 0)} of its {arm.rounds} rounds at '{arm.at}' (one every {arm.interval:g} s)")
            else:
                continue
            issue_warning(str(doc.error(("threats", i, "arms", j), note)), ScenarioWarning, stacklevel=3)
    return Scenario(spec, catalog, terrain, path, sites, routes, speeds, (float(ox), float(oy)), aims=aims,
                    profiles=profiles, relocations=relocations)

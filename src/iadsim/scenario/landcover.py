"""Land cover: class tables (raster codes -> land clutter types) and the clutter types' reflectivity.

A land-cover raster stores a class code per cell; a class table names each code and maps it to one of the
land clutter types (constant-gamma reflectivity at 10 GHz, cited in ``landcover/clutter.yaml``) and, where
it differs from the scenario's, to the reflecting surface class (ITU-R P.527: water, wet ground, ...).
Tables for ESA WorldCover, NLCD 2019 and CORINE level 3 ship with iadsim (``landcover/*.yaml``); a user
writes their own in the same form and names the file instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from iadsim.scenario.yamlio import InputError, from_validation_errors, load_yaml, read_text
from iadsim.units import parse_quantity

BUILTIN_TABLES = ("worldcover", "nlcd", "corine")
"""Class tables shipped with iadsim, by the name a scenario gives in ``surface.landcover.classes``."""

DEFAULT_CLUTTER = "woods"
"""The land clutter type where no land cover says otherwise: woods, gamma -15 dB at 10 GHz (the value iadsim
used everywhere before land cover, then unscaled with frequency)."""


@dataclass(frozen=True)
class ClutterTypes:
    """Land clutter types: gamma [dB] at ``reference_frequency`` [Hz] for each, and where the values come from."""

    gamma_db: dict[str, float]
    reference_frequency: float
    sources: dict[str, str]


@lru_cache(maxsize=1)
def clutter_types() -> ClutterTypes:
    """The land clutter types shipped with iadsim (``landcover/clutter.yaml``)."""
    text = (resources.files("iadsim.scenario") / "landcover" / "clutter.yaml").read_text("utf-8")
    data = load_yaml("<builtin>/landcover/clutter.yaml", text).data
    gamma = {name: float(parse_quantity(entry["gamma"], "ratio_db")) for name, entry in data["types"].items()}
    return ClutterTypes(gamma, float(parse_quantity(data["reference_frequency"], "frequency")), dict(data["sources"]))


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(max_length=200)
    clutter: str
    surface: Literal["sea", "fresh-water", "wet-ground", "medium-dry-ground", "very-dry-ground"] | None = Field(
        None, description="the reflecting surface class (ITU-R P.527); none: the scenario's surface type")

    def model_post_init(self, _context) -> None:
        if self.clutter not in clutter_types().gamma_db:
            raise ValueError(f"unknown clutter type '{self.clutter[:40]}'; known: "
                             f"{', '.join(sorted(clutter_types().gamma_db))}")


class _TableFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(max_length=200)
    nodata: list[int] = Field(default_factory=list, max_length=1000)
    classes: dict[int, _Entry] = Field(min_length=1, max_length=100_000)


_TABLE = TypeAdapter(_TableFile)


@dataclass(frozen=True)
class ClassTable:
    """A land-cover product's classes: code -> (name, clutter type); ``nodata`` codes mean "no class";
    ``surfaces``: code -> reflecting surface class, for the classes that name one."""

    name: str
    classes: dict[int, tuple[str, str]]
    nodata: frozenset[int]
    file: str  # where it was read ("<builtin>/landcover/NAME.yaml" or the user's file)
    surfaces: dict[int, str] = field(default_factory=dict)


def load_class_table(ref: str, folder: Path) -> ClassTable:
    """The class table a scenario names: a built-in one (:data:`BUILTIN_TABLES`) or a YAML file relative to
    the scenario's ``folder``. Errors name the table file, line and field (never the content of another
    file)."""
    if ref in BUILTIN_TABLES:
        name = f"<builtin>/landcover/{ref}.yaml"
        text = (resources.files("iadsim.scenario") / "landcover" / f"{ref}.yaml").read_text("utf-8")
    else:
        path = Path(ref) if Path(ref).is_absolute() else folder / ref
        name = str(path)
        text = read_text(path, what="land-cover class table")
    try:
        doc = load_yaml(name, text)
    except InputError as exc:
        raise InputError(name, "is not a valid land-cover class table (YAML that iadsim can read)", exc.line) from None
    if not isinstance(doc.data, dict) or "classes" not in doc.data:
        raise InputError(name, "is not a land-cover class table (expected 'name', 'classes' and optionally "
                         "'nodata')", doc.line_of(()))
    try:
        parsed = _TABLE.validate_python(doc.data)
    except ValidationError as exc:
        raise from_validation_errors(doc, exc.errors(include_url=False)) from None
    return ClassTable(parsed.name, {code: (e.name, e.clutter) for code, e in parsed.classes.items()},
                      frozenset(parsed.nodata), name,
                      {code: e.surface for code, e in parsed.classes.items() if e.surface is not None})

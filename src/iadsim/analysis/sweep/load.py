"""Loading a sweep file (:func:`load_sweep`): the file is read, migrated and validated, its base scenario
found and checked, the design's size and the memory of its biggest work unit checked against the limits
(:mod:`.budget`), and every point built and validated (:mod:`.designs`).
"""

from __future__ import annotations

import copy
import errno
import os
import warnings
from pathlib import Path

from pydantic import ValidationError

from iadsim.analysis.sweep.budget import _check_design_size, check_budget, memory_budget
from iadsim.analysis.sweep.designs import _points
from iadsim.analysis.sweep.spec import Sweep, SweepSpec, _check_spec, _factors, sweep_inputs
from iadsim.scenario import InputError
from iadsim.scenario.load import scenario_from_document
from iadsim.scenario.paths import resolve_path
from iadsim.scenario.versions import CURRENT, file_version, migrate_data
from iadsim.scenario.yamlio import Document, from_validation_errors, load_yaml


def load_sweep(path: str | Path, max_memory: int | str | None = None) -> Sweep:
    """Read and validate a sweep file and every point it defines. Raises InputError (file, line, field).

    The number of design points and of replications is checked from the file alone, before any point is
    built; the memory of the biggest work unit once the points are validated (:func:`check_budget`,
    against ``max_memory`` -- bytes, or text such as ``'4GB'`` -- or the machine's memory).
    """
    path = Path(path)
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError(doc.file, "expected a mapping of sweep fields (base, design, factors, ...)", doc.line_of(()))
    version = file_version(doc, "sweep")  # a newer file is refused before its fields are read
    if version < CURRENT["sweep"]:
        migrate_data(doc.data, "sweep", version)
    try:
        spec = SweepSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise from_validation_errors(doc, exc.errors(include_url=False)) from None
    _check_spec(spec, doc)
    base_path = _base_path(spec, doc, path)
    base_doc = load_yaml(base_path)
    _check_base_shape(base_doc)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        base = scenario_from_document(base_doc, base_path)
    for w in caught:  # (said now; the workers' builds of the points do not say them again: run_sweep)
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    factors = _factors(spec, doc, base_doc.data)
    _check_trust_used(factors, base, doc)
    sets = []
    for key, value in spec.set.items():
        try:
            sets.append((resolve_path(base_doc.data, key), value, key))
        except ValueError as exc:
            raise doc.error(("set", key), str(exc)) from None
    seed = base.spec.seed if spec.seed is None else spec.seed
    sweep = Sweep(spec, path, doc, base_path, base_doc, base, factors, [], seed,
                  base_notes=tuple(str(w.message) for w in caught))
    budget = memory_budget(max_memory)
    _check_design_size(sweep, budget, max_memory is not None)  # arithmetic: nothing is materialised yet
    sweep.points = _points(sweep, sets)
    check_budget(sweep, max_memory)
    sweep.inputs = sweep_inputs(sweep)
    return sweep


TRUST = "authority.automation.operator.trust"
"""The crews' trust in the automation, where a deciding crew (a fire unit's or a command post's) gives none."""


def _check_trust_used(factors: list, base, doc: Document) -> None:
    """Refuse a factor over the crews' trust (:data:`TRUST`) when every fire unit and command post of the base gives
    its own: no crew would read it, and its curve would read flat (trust seemingly of no consequence)."""
    kinds = {u.id: getattr(base.catalog.types.get(u.type), "kind", None) for u in base.spec.units}
    crews = [u for u in base.spec.units if kinds[u.id] in ("launcher", "command-post")]
    for f in factors:
        if f.path == TRUST and crews and all(u.trust is not None for u in crews):
            raise doc.error(("factors", f.index, "path"), f"{TRUST} is the trust of crews that give none; every "
                            "fire unit and command post of the base gives its own (units[].trust), so no crew "
                            "would read it and the sweep would read flat: sweep a unit's trust instead")


def _base_path(spec: SweepSpec, doc: Document, path: Path) -> Path:
    """The base scenario's path (relative to the sweep file); InputError at ``base`` when it is missing, not a
    file or a symbolic link loop."""
    given = Path(spec.base)
    try:
        base_path = given if given.is_absolute() else (path.parent / given).resolve()
        os.stat(base_path)
    except RuntimeError:  # Path.resolve on a loop (Python < 3.13)
        raise doc.error(("base",), f"base scenario '{spec.base}' is a symbolic link loop") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise doc.error(("base",), f"base scenario '{spec.base}' is a symbolic link loop") from None
        if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
            raise doc.error(("base",), f"base scenario '{spec.base}' cannot be read: "
                                       f"{exc.strerror or type(exc).__name__}") from None
    if not base_path.is_file():
        raise doc.error(("base",), f"base scenario '{spec.base}' not found (relative to the sweep file)")
    return base_path


def _check_base_shape(base_doc: Document) -> None:
    """Refuse a base file that is not shaped like a scenario -- not a mapping, a required field missing or a
    field a scenario does not have -- before it is validated: the validator's messages would quote its keys
    and values, and a base may be any YAML file. The message counts, and quotes nothing of the file."""
    from iadsim.scenario.models import ScenarioSpec

    data = base_doc.data
    why = None
    if not isinstance(data, dict):
        why = "expected a mapping of scenario fields"
    else:
        version = file_version(base_doc, "scenario")
        if version < CURRENT["scenario"]:
            data = copy.deepcopy(data)
            migrate_data(data, "scenario", version)
        fields = ScenarioSpec.model_fields
        allowed = {f.alias or name for name, f in fields.items()}
        required = [f.alias or name for name, f in fields.items() if f.is_required()]
        missing = [name for name in required if name not in data]
        unknown = sum(1 for key in data if key not in allowed)
        if missing:
            why = f"it lacks the required field{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
        elif unknown:
            why = f"it has {unknown} field{'s' if unknown > 1 else ''} that a scenario does not have"
    if why is not None:
        raise InputError(base_doc.file, f"is not an iadsim scenario file ({why}); give the sweep's base a scenario")


"""Format versions of the files users write (scenarios, sweeps) and the migrations between them.

Every scenario and sweep file may carry ``format_version`` (absent means 1). A file newer than this
program is refused before anything else is validated (its fields may mean something we do not know);
an older file is read through :data:`MIGRATIONS`, and ``iadsim migrate FILE`` rewrites it to the
current version, keeping comments (ruamel.yaml's round trip).

A migration is a function ``(data) -> None`` that edits a ruamel.yaml round-trip tree (plain ``dict``
and ``list`` behaviour) in place from version ``n`` to ``n + 1``; ``MIGRATIONS[kind][n]`` holds it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from iadsim.scenario.yamlio import Document, InputError, read_text, write_atomic

CURRENT = {"scenario": 3, "sweep": 1}
"""The format version this program writes and reads natively, per kind of file."""

Migration = Callable[[dict], None]

FORMAT_1_JAMMER = "format 1 meaning: in band for every radar, density ERP / bandwidth"


def _scenario_1_to_2(data: dict) -> None:
    """Format 2 gives a raid's jammer a ``centre`` frequency; a format-1 jammer had none and was heard by every
    radar: it becomes ``centre: any``, which keeps that meaning, with a comment saying so."""
    threats = data.get("threats") if isinstance(data, dict) else None
    for raid in threats if isinstance(threats, list) else []:
        jammer = raid.get("jammer") if isinstance(raid, dict) else None
        if not isinstance(jammer, dict) or "centre" in jammer:
            continue
        if hasattr(jammer, "insert"):  # a ruamel.yaml round-trip map: keep the layout, add the comment
            if hasattr(jammer, "fa"):
                jammer.fa.set_block_style()  # a comment cannot end a line inside a flow mapping
            jammer.insert(len(jammer), "centre", "any", comment=FORMAT_1_JAMMER)
        else:
            jammer["centre"] = "any"


_YAML_1_1 = {spelling: value for word, value in (("on", True), ("yes", True), ("true", True), ("off", False),
                                                  ("no", False), ("false", False))
             for spelling in (word, word.capitalize(), word.upper())}
"""The words PyYAML (YAML 1.1) read as true and false, as it spells them (format 2 was read so; ruamel.yaml's round
trip reads them as words)."""


def _switch(value) -> bool | None:
    """A format-2 ``emission`` value as on (True) or off (False); None for anything else."""
    if isinstance(value, bool):
        return value
    return _YAML_1_1.get(value) if isinstance(value, str) else None


def _attach(mapping, key: str, comment) -> None:
    """Add a ruamel.yaml comment (the text after a key's value: its end of line, and the comment lines and blank
    lines below it) to ``mapping``'s ``key``."""
    if comment is None or len(comment) < 3 or comment[2] is None:
        return
    slot = mapping.ca.items.setdefault(key, [None, None, None, None])
    if slot[2] is None:
        slot[2] = comment[2]
    else:
        slot[2].value = slot[2].value.rstrip("\n") + "\n" + comment[2].value.lstrip(" ")


def _pop_keeping_comments(mapping: dict, key: str):
    """``mapping.pop(key)``; a ruamel.yaml map's comment after the key goes to the key before it, or is returned
    (value, comment) when there is none (comment None: nothing left to place)."""
    keys = list(mapping)
    ca = getattr(mapping, "ca", None)
    comment = ca.items.pop(key, None) if ca is not None else None
    value = mapping.pop(key)
    i = keys.index(key)
    if comment is not None and i > 0:
        _attach(mapping, keys[i - 1], comment)
        comment = None
    return value, comment


def _scenario_2_to_3(data: dict) -> None:
    """Format 3 replaces a unit's ``readiness.emission`` with ``emcon`` (emission control): ``emission: off``
    becomes ``emcon: {policy: silent}`` where ``readiness`` is (just before it); ``emission: on`` (always on, the
    default) is dropped. A value that is neither, or an ``emission: off`` beside an ``emcon`` already there, is
    left for validation to name. Comments stay where they were."""
    units = data.get("units") if isinstance(data, dict) else None
    for unit in units if isinstance(units, list) else []:
        readiness = unit.get("readiness") if isinstance(unit, dict) else None
        if not isinstance(readiness, dict) or "emission" not in readiness:
            continue
        on = _switch(readiness["emission"])
        if on is None or (not on and "emcon" in unit):
            continue
        _, loose = _pop_keeping_comments(readiness, "emission")
        position = list(unit).index("readiness")  # emcon goes before it: what follows readiness may be comments
        if readiness:                              # about the next unit
            if loose is not None:  # emission was readiness's first key: its comment follows `readiness:`
                _attach(unit, "readiness", loose)
                loose = None
        else:
            _, above = _pop_keeping_comments(unit, "readiness")
            loose = loose if above is None else above
        if not on and hasattr(unit, "insert"):  # a ruamel.yaml round-trip map: where readiness was, flow style
            from ruamel.yaml.comments import CommentedMap

            silent = CommentedMap({"policy": "silent"})
            silent.fa.set_flow_style()
            unit.insert(position, "emcon", silent)
            _attach(unit, "emcon", loose)
        elif not on:
            unit["emcon"] = {"policy": "silent"}
        elif loose is not None and position > 0:
            _attach(unit, list(unit)[position - 1], loose)


MIGRATIONS: dict[str, dict[int, Migration]] = {"scenario": {1: _scenario_1_to_2, 2: _scenario_2_to_3},
                                               "sweep": {}}
"""kind -> {version n: function migrating a file's data from n to n + 1 in place}."""

FIELD = "format_version"


def file_version(doc: Document, kind: str, current: int | None = None) -> int:
    """The ``format_version`` of a read document (1 when absent); InputError when it is not a whole number
    >= 1 or is newer than this program reads (``current``, default :data:`CURRENT`)."""
    current = CURRENT[kind] if current is None else current
    data = doc.data if isinstance(doc.data, dict) else {}
    raw = data.get(FIELD, 1)
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise doc.error((FIELD,), "must be a whole number >= 1 (absent means 1)")
    if raw > current:
        from iadsim import __version__

        raise doc.error((FIELD,), f"this {kind} file is format version {raw}; iadsim {__version__} reads "
                        f"versions up to {current}: upgrade iadsim")
    return raw


def migrate_data(data: dict, kind: str, version: int, target: int | None = None,
                 migrations: Mapping[int, Migration] | None = None) -> int:
    """Apply the migrations ``version -> target`` (default: current) to ``data`` in place; the version reached."""
    target = CURRENT[kind] if target is None else target
    steps = MIGRATIONS[kind] if migrations is None else migrations
    while version < target:
        if version not in steps:
            raise ValueError(f"no migration of {kind} files from format version {version}")
        steps[version](data)
        version += 1
    return version


def detect_kind(data: object) -> str:
    """'sweep' for a mapping with a ``base`` and ``factors``, else 'scenario'."""
    return "sweep" if isinstance(data, dict) and "base" in data and "factors" in data else "scenario"


def migrate_file(path: str | Path, out: str | Path | None = None, current: Mapping[str, int] | None = None,
                 migrations: Mapping[str, Mapping[int, Migration]] | None = None) -> tuple[str, int, int]:
    """Rewrite a scenario or sweep file at the current format version, keeping comments and layout where
    ruamel.yaml can. Writes ``out`` (default: the file itself, replaced atomically). Returns
    ``(kind, version before, version after)``; a file already current is still given an explicit
    ``format_version``."""
    from iadsim.scenario.edit import dump, relocate_paths, round_trip
    from iadsim.scenario.yamlio import load_yaml

    path = Path(path)
    text = read_text(path)
    doc = load_yaml(path, text)  # the safe reader first: limits, tags, duplicate keys, line numbers
    if not isinstance(doc.data, dict):
        raise InputError(path, "expected a mapping of scenario or sweep fields", doc.line_of(()))
    kind = detect_kind(doc.data)
    versions = dict(CURRENT) if current is None else dict(current)
    before = file_version(doc, kind, versions[kind])
    yaml, data = round_trip(text, path)
    steps = (MIGRATIONS if migrations is None else migrations)[kind]
    try:
        after = migrate_data(data, kind, before, versions[kind], steps)
    except ValueError as exc:
        raise InputError(path, str(exc), doc.line_of((FIELD,)), (FIELD,)) from None
    if FIELD in data:
        data[FIELD] = after
    else:
        data.insert(0, FIELD, after)
    target = Path(out) if out is not None else path
    if target.resolve().parent != path.resolve().parent:  # written elsewhere: its relative paths follow it
        relocate_paths(data, path.resolve().parent, target.resolve().parent)
        if kind == "sweep" and isinstance(data.get("base"), str) and not Path(data["base"]).is_absolute():
            data["base"] = Path(os.path.relpath(path.resolve().parent / data["base"],
                                                target.resolve().parent)).as_posix()
    _write_atomic(target, dump(yaml, data))
    return kind, before, after


def _write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` (through a symbolic link: its target) with ``text``, keeping the file's mode."""
    import os
    import stat

    try:
        path = path.resolve()
    except (OSError, RuntimeError):
        raise InputError(path, "is a symbolic link loop") from None
    mode = stat.S_IMODE(os.stat(path).st_mode) if path.is_file() else None
    try:
        write_atomic(path, text.encode("utf-8"), mode)
    except OSError as exc:
        raise InputError(path, f"cannot write: {exc.strerror or exc}") from None

"""Field paths into a scenario document: ``units[lr-fcr].readiness.availability``, ``links[2].status``,
``authority.mode``. List items are addressed by their ``id`` or by index. Sweep factors and
:meth:`iadsim.Scenario.with_changes` use the same grammar.
"""

from __future__ import annotations

import re

from iadsim.scenario.yamlio import format_loc

__all__ = ["parse_path", "resolve_path", "set_at"]

_PATH_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[([^\[\]]+)\]")


def parse_path(text: str) -> list[tuple[str, str]]:
    """`units[lr-fcr].readiness.availability` -> [('key', 'units'), ('item', 'lr-fcr'), ('key', ...), ...]."""
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _PATH_TOKEN.match(text, pos)
        if m is None or (pos == 0 and text.startswith(".")) or (m.group(1) and pos > 0 and text[pos] != "."):
            raise ValueError(f"cannot read field path '{text}' at '{text[pos:]}' (expected e.g. "
                             "units[lr-fcr].readiness.availability)")
        tokens.append(("key", m.group(1)) if m.group(1) else ("item", m.group(2).strip()))
        pos = m.end()
    if not tokens or tokens[0][0] != "key":
        raise ValueError(f"field path '{text}' must start with a field name")
    return tokens


def resolve_path(data: dict, text: str) -> tuple[str | int, ...]:
    """The location (keys and list indices) of a field path in the scenario data; list items by id or index.

    Missing mappings along the way are allowed (they take their defaults and are created when a value is
    set); a missing list item or indexing a non-list is an error.
    """
    node: object = data
    loc: list[str | int] = []
    for kind, token in parse_path(text):
        where = format_loc(tuple(loc)) or "the scenario"
        if kind == "key":
            if node is not None and not isinstance(node, dict):
                raise ValueError(f"'{where}' is not a mapping of fields, so it has no field '{token}'")
            loc.append(token)
            node = node.get(token) if isinstance(node, dict) else None
            continue
        if not isinstance(node, list):
            raise ValueError(f"'{where}' is not a list in the base scenario, so it has no item [{token}]")
        if re.fullmatch(r"-?\d+", token):
            index = int(token)
            if not -len(node) <= index < len(node):
                raise ValueError(f"'{where}' has {len(node)} items; index [{token}] is out of range")
            index %= len(node)
        else:
            ids = [item.get("id") if isinstance(item, dict) else None for item in node]
            if token not in ids:
                known = ", ".join(str(i) for i in ids if i is not None) or "none (address items by index)"
                raise ValueError(f"no item with id '{token}' in '{where}'; ids: {known}")
            index = ids.index(token)
        loc.append(index)
        node = node[index]
    return tuple(loc)


def set_at(data: dict, loc: tuple, value: object) -> None:
    """Set a value in place, creating missing mappings along the way."""
    node = data
    for part, nxt in zip(loc[:-1], loc[1:], strict=True):
        child = node[part] if isinstance(node, list) else node.get(part)
        if child is None:
            child = [] if isinstance(nxt, int) else {}
            node[part] = child
        node = child
    node[loc[-1]] = value

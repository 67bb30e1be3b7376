"""Safe YAML reading that remembers where every value came from.

PyYAML's safe composer builds a node tree; we turn it into plain Python values ourselves so that every
field path maps to its line, duplicate keys are errors, and hostile documents (alias bombs, deep nesting,
binary garbage, NUL bytes) are refused with a clear message instead of a traceback or a hang.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

MAX_BYTES = 20_000_000
MAX_DEPTH = 64
MAX_NODES = 500_000

Loc = tuple[str | int, ...]


class InputError(Exception):
    """Bad input: carries the file, the line (1-based, or None) and the field path."""

    def __init__(self, file: str | Path, message: str, line: int | None = None, loc: Loc = ()):
        self.file = str(file)
        self.line = line
        self.loc = tuple(loc)
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        path = format_loc(self.loc)
        return f"{where}: {path + ': ' if path else ''}{self.message}"


class InputErrors(InputError):
    """Several input errors at once (pydantic reports them all); printed one per line."""

    def __init__(self, errors: list[InputError]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.file, first.message, first.line, first.loc)

    def __str__(self) -> str:
        shown = [InputError.__str__(e) for e in self.errors[:12]]
        if len(self.errors) > 12:
            shown.append(f"... and {len(self.errors) - 12} more errors")
        return "\n".join(shown)


def format_loc(loc: Loc) -> str:
    """`units[2].position.x` from ('units', 2, 'position', 'x')."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass
class Document:
    """A YAML document as plain data plus the line of every field path."""

    file: str
    data: object
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        """The line of the deepest known prefix of `loc` (pydantic locations can be deeper)."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), None)

    def error(self, loc: Loc, message: str) -> InputError:
        return InputError(self.file, message, self.line_of(loc), loc)


def read_text(path: str | Path) -> str:
    """Read a text file, refusing directories, missing files, huge files, binary data and NUL bytes."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a directory, not a file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise InputError(path, f"is larger than {MAX_BYTES // 1_000_000} MB; not a scenario file")
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError(path, "contains a NUL byte; not a text file", line)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(path, "is not UTF-8 text (binary data?)", line) from None


def load_yaml(path: str | Path, text: str | None = None) -> Document:
    """Safe-load one YAML document and record the line of every field path."""
    name = str(path)
    if text is None:
        text = read_text(path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(name, f"not valid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise InputError(name, f"not valid YAML: {exc}") from None
    except RecursionError:
        raise InputError(name, f"nesting is deeper than {MAX_DEPTH} levels") from None
    if node is None:
        raise InputError(name, "is empty; expected a mapping of scenario fields", 1)
    doc = Document(name, None)
    counter = [0]
    doc.data = _convert(node, (), doc, counter, 0)
    return doc


def _convert(node: yaml.Node, loc: Loc, doc: Document, counter: list[int], depth: int) -> object:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise InputError(
            doc.file, f"has more than {MAX_NODES} values once aliases are expanded (alias bomb?)",
            node.start_mark.line + 1, loc,
        )
    if depth > MAX_DEPTH:
        raise InputError(doc.file, f"nesting is deeper than {MAX_DEPTH} levels", node.start_mark.line + 1, loc)
    doc.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, object] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError(doc.file, "mapping keys must be plain names", key_node.start_mark.line + 1, loc)
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise InputError(doc.file, "YAML merge keys (<<) are not supported", key_node.start_mark.line + 1, loc)
            key = str(key_node.value)
            if key in out:
                raise InputError(doc.file, f"duplicate key '{key}'", key_node.start_mark.line + 1, loc + (key,))
            out[key] = _convert(value_node, loc + (key,), doc, counter, depth + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, loc + (i,), doc, counter, depth + 1) for i, item in enumerate(node.value)]
    return _scalar(node, loc, doc)


def _scalar(node: yaml.ScalarNode, loc: Loc, doc: Document) -> object:
    constructor = yaml.SafeLoader(" ")
    try:
        value = constructor.construct_object(node)
    except yaml.YAMLError as exc:
        raise InputError(doc.file, f"bad value: {exc}", node.start_mark.line + 1, loc) from None
    finally:
        constructor.dispose()
    if isinstance(value, bytes):
        raise InputError(doc.file, "binary values are not allowed", node.start_mark.line + 1, loc)
    if not isinstance(value, (str, int, float, bool, type(None))):
        # dates and timestamps: keep the text the user wrote
        value = str(node.value)
    return value

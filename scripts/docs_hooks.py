"""MkDocs hooks (mkdocs.yml ``hooks:``): the reference pages generated at build time, so that they cannot
drift from the code: the scenario format from the JSON Schema of the scenario models, the catalog's every
value with its source and grade, and the validation page from ``docs/_generated/validation.json`` (which
``make docs`` writes by running the tests marked ``validation``)."""

from __future__ import annotations

import json
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[1]
VALIDATION = ROOT / "docs" / "_generated" / "validation.json"


def on_files(files, config):
    for uri, text in (("reference/scenario-format.md", scenario_format()),
                      ("reference/catalog-values.md", catalog_values()),
                      ("reference/validation.md", validation_page())):
        files.append(File.generated(config, uri, content=text))
    return files


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def scenario_format() -> str:
    from iadsim.scenario.models import ScenarioSpec

    schema = ScenarioSpec.model_json_schema(by_alias=True)
    definitions = schema.get("$defs", {})
    out = ["# Scenario format", "",
           "Generated from the JSON Schema of the scenario models (`iadsim schema` prints the schema itself). ",
           "Quantities are strings with units (`12 km`, `120 kn`, `-10 dBsm`); unknown fields are errors.", ""]

    def section(title: str, node: dict) -> None:
        out.extend([f"## {title}", ""])
        if node.get("description"):
            out.extend([_cell(node["description"]), ""])
        required = set(node.get("required", []))
        out.extend(["| field | type | default | description |", "| --- | --- | --- | --- |"])
        for name, field in node.get("properties", {}).items():
            described = field.get("description", "") or next(
                (f.get("description", "") for f in field.get("anyOf", []) if f.get("description")), "")
            examples = field.get("examples") or next((f.get("examples") for f in field.get("anyOf", [])
                                                      if f.get("examples")), None)
            if examples and "e.g." not in described:
                described += f" (e.g. `{examples[0]}`)"
            out.append(f"| `{name}`{' (required)' if name in required else ''} | {_cell(_type(field))} | "
                       f"{_cell(_default(field))} | {_cell(described)} |")
        out.append("")

    section("Scenario (the top level)", schema)
    for name in sorted(definitions):
        if definitions[name].get("properties"):
            section(name, definitions[name])
    return "\n".join(out)


def _type(field: dict) -> str:
    if "$ref" in field:
        return field["$ref"].rsplit("/", 1)[-1]
    if "enum" in field:
        return "one of " + ", ".join(f"`{v}`" for v in field["enum"])
    if "anyOf" in field:
        return " or ".join(_type(f) for f in field["anyOf"])
    if field.get("type") == "array":
        return f"list of {_type(field.get('items', {}))}"
    if field.get("type") == "object" and isinstance(field.get("additionalProperties"), dict):
        keys = field.get("propertyNames", {}).get("enum")
        key = "one of " + ", ".join(f"`{k}`" for k in keys) if keys else "name"
        return f"mapping of {key} to {_type(field['additionalProperties'])}"
    return str(field.get("type", "any"))


def _default(field: dict) -> str:
    if "default" not in field:
        return ""
    value = field["default"]
    return f"`{json.dumps(value)}`" if not isinstance(value, dict) else "(see the type)"


def catalog_values() -> str:
    from iadsim.scenario import builtin_catalog
    from iadsim.units import format_quantity

    catalog = builtin_catalog()
    out = ["# Catalog values", "",
           "Every number of the built-in catalog with its unit, source and grade (`iadsim catalog` prints the "
           "same). Grades: **published** (stated in the cited public source), **derived** (computed from "
           "published values), **assumed** (a modelling assumption typical of the class).", ""]
    for type_id in catalog.ids():
        entry = catalog.types[type_id]
        out.extend([f"## `{type_id}` ({entry.kind})", "", _cell(entry.label), ""]
                   + ([f"Military symbol (MIL-STD-2525D SIDC): `{entry.sidc}`", ""] if entry.sidc else [])
                   + ["| field | value | source | grade |", "| --- | --- | --- | --- |"])
        for name, value, dimension in catalog.values(type_id):
            out.append(f"| `{name}` | {_cell(format_quantity(value.value, dimension))} | {_cell(value.source)} | "
                       f"{value.grade} |")
        out.append("")
    out.extend(["## Sources", "", "| key | source |", "| --- | --- |"])
    out.extend(f"| `{key}` | {_cell(text)} |" for key, text in sorted(catalog.sources.items()))
    return "\n".join(out) + "\n"


def validation_page() -> str:
    data = json.loads(VALIDATION.read_text())
    entries = data["entries"]
    failed = [e for e in entries if not e["passed"]]
    out = ["# Validation", "",
           "Each model checked against a published number by the tests marked `validation` "
           "(`make docs` runs them and writes `docs/_generated/validation.json`, from which this page is built). "
           f"{len(entries)} checks, {len(entries) - len(failed)} within tolerance.", "",
           "| model | reference | values | published | iadsim | largest deviation | tolerance | used | |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for e in entries:
        published = "" if e["expected"] is None else f"{e['expected']:.10g}"
        result = "" if e["result"] is None else f"{e['result']:.10g}"
        out.append(f"| {_cell(e['model'])} | {_cell(e['reference'])} | {e['values']} | {published} | {result} | "
                   f"{e['max_deviation']:.2g} | {_cell(e['tolerance'])} | {e['tolerance_used']:.0%} | "
                   f"{'ok' if e['passed'] else 'FAILED'} |")
    out.extend(["", "The largest deviation is absolute, in the model's unit; the share of the tolerance it uses "
                "is in the next column. Engine outcomes are checked against independent models written in the "
                "tests rather than against published numbers, and are not listed here: detection counts against "
                "the radar equation over the look times (`tests/engine/test_detection.py`), confirmation and drop "
                "rules against their arithmetic (`tests/engine/test_phases.py`), salvos against guidance channels "
                "and magazines (`tests/engine/test_invariants.py`), a launcher's sector against intercepts "
                "computed in the test (`tests/engine/test_launcher_sector.py`)."])
    return "\n".join(out) + "\n"

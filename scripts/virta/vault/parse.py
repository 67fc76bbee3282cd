"""Stage 1 of the vault generator: read the concept model's YAML files and check their shape.

`parse()` returns the documents as read (concepts.yml and one per source system) once every key
is one the generator knows, every required key is there and every value has the right kind; else
it raises VaultModelError listing every problem, each with a stable code and the file and key it
is about. What the entries mean (a hub a stage names must exist, ...) is stage 2, virta.vault.validate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from virta.vault.problems import Problems

# The shape of each kind of entry: key -> (kind of value, required). Kinds: str, bool, int, list,
# map, any (a scalar or list), and "{entry}" for a mapping of names to entries of that kind.
SCHEMAS: dict[str, dict[str, tuple[str, bool]]] = {
    "concepts": {"version": ("int", False), "hubs": ("{hub}", True), "links": ("{link}", False)},
    "hub": {"label_fi": ("str", False), "description": ("str", False), "business_key": ("str", True),
            "shared_key": ("bool", False)},
    "link": {"label_fi": ("str", False), "description": ("str", False), "hubs": ("names", True),
             "driving_key": ("str", False)},
    "source": {"version": ("int", False), "system": ("str", True), "label": ("str", False), "description": ("str", False),
               "record_source": ("str", True), "freshness": ("map", False), "bounds_reporting": ("any", False),
               "tables": ("{table}", True)},
    "table": {"description": ("str", False), "record_key": ("names", True), "columns": ("map", True),
              "fields": ("{field}", True), "checks": ("{check}", False), "stages": ("{stage}", True)},
    "field": {"from": ("str", True), "type": ("str", True), "required": ("bool", False), "format": ("str", False),
              "map": ("map", False), "not_future": ("bool", False), "derive": ("names", False),
              "vocabulary": ("str", False), "pseudonym_domain": ("str", False)},
    "check": {"when": ("str", True), "reason": ("str", True)},
    "stage": {"description": ("str", False), "where": ("str", False), "hubs": ("names_by_name", False),
              "links": ("{link_hubs}", False), "satellites": ("{satellite}", False),
              "status_satellites": ("{status_satellite}", False),
              "multi_active_satellites": ("{multi_active_satellite}", False)},
    "satellite": {"hub": ("str", True), "description": ("str", False), "payload": ("names", True)},
    "status_satellite": {"hub": ("str", True), "description": ("str", False), "deleted_at": ("str", True)},
    "multi_active_satellite": {"hub": ("str", True), "description": ("str", False), "child_key": ("names", True),
                               "payload": ("names", True), "current": ("str", True)},
    "link_hubs_entry": {"hubs": ("names_by_name", True)},  # a stage's link: hub -> the field keying it
}
KINDS = {"str": (str,), "bool": (bool,), "int": (int,), "list": (list,), "map": (dict,),
         "any": (str, bool, int, float, list)}
# Names of hubs, links, tables, fields, stages and satellites: they become SQL identifiers and file names
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Document:
    path: Path
    data: dict


@dataclass(frozen=True)
class ParsedModel:
    concepts: Document
    sources: tuple[Document, ...]


def _read(path: Path, problems: Problems) -> dict | None:
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problems.add("V100", path, where, f"not valid YAML: {exc.problem}")
        return None
    if not isinstance(data, dict):
        problems.add("V103", path, "top level", "must be a mapping of keys")
        return None
    return data


def _check_shape(data: dict, schema: str, path: Path, where: str, problems: Problems) -> None:
    spec = SCHEMAS[schema]
    for key in data:
        if key not in spec:
            problems.add("V102", path, where, f"unknown key {key!r} (known: {', '.join(spec)})")
    for key, (kind, required) in spec.items():
        if key not in data or data[key] is None:
            if required:
                problems.add("V101", path, where, f"missing required key {key!r}")
            continue
        value, at = data[key], f"{where}, {key}" if where != "top level" else key
        if kind == "names":
            if not isinstance(value, list) or not all(isinstance(v, str) and NAME.match(v) for v in value):
                problems.add("V103", path, at, "must be a list of names (lower-case letters, digits, _)")
            elif len(set(value)) < len(value):
                problems.add("V105", path, at, "lists the same name twice")
        elif kind == "names_by_name":
            if not isinstance(value, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) and NAME.match(k) and NAME.match(v)
                    for k, v in value.items()):
                problems.add("V103", path, at, "must map names to names (lower-case letters, digits, _)")
        elif kind.startswith("{"):
            if not isinstance(value, dict):
                problems.add("V103", path, at, "must be a mapping of names to entries")
                continue
            for name, entry in value.items():
                label = f"{at}: {name}"
                if not isinstance(name, str) or not NAME.match(name):
                    problems.add("V106", path, label, "a name is lower-case letters, digits and _, starting with a letter")
                    continue
                if kind == "{link_hubs}":
                    _check_shape({"hubs": entry}, "link_hubs_entry", path, f"{where}, link {name}", problems)
                    continue
                if not isinstance(entry, dict):
                    problems.add("V103", path, label, "must be a mapping of keys")
                    continue
                prefix = "" if where == "top level" else f"{where}, "
                _check_shape(entry, kind[1:-1], path, f"{prefix}{kind[1:-1].replace('_', ' ')} {name}", problems)
        elif not isinstance(value, KINDS[kind]):
            problems.add("V103", path, at, f"must be a {kind}, not {type(value).__name__}")


def parse(concept_dir: Path) -> ParsedModel:
    """The concept model's documents, shape-checked; VaultModelError lists every problem."""
    problems = Problems()
    concepts_path = concept_dir / "concepts.yml"
    if not concepts_path.exists():
        problems.add("V104", concepts_path, "file", "the concept model has no concepts.yml")
        problems.raise_if_any()
    concepts = _read(concepts_path, problems)
    if concepts is not None:
        _check_shape(concepts, "concepts", concepts_path, "top level", problems)
    sources = []
    for path in sorted((concept_dir / "sources").glob("*.yml")):
        data = _read(path, problems)
        if data is not None:
            _check_shape(data, "source", path, "top level", problems)
            sources.append(Document(path, data))
    problems.raise_if_any()
    return ParsedModel(Document(concepts_path, concepts), tuple(sources))

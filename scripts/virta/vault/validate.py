"""Stage 2 of the vault generator: what the parsed concept model means, checked and built.

`validate()` turns the shape-checked documents (virta.vault.parse) into a ConceptModel: hubs and
links; per source system its tables, typed fields, row checks and stages; per stage the hubs,
links and satellites it loads. Every problem is collected with a stable code (V2xx) and the file
and entry it is about, and raised together: a bad mapping never surfaces as a KeyError later.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from virta.paths import PROJECT_ROOT
from virta.vault.model import (DECIMAL_FORMATS, FIELD_TYPES, HETU_DERIVATIONS, SQL_TYPES, ConceptModel, Field,
                               Hub, Link, MultiActiveSatellite, RowCheck, Satellite, SourceSystem, SourceTable,
                               Stage, StatusSatellite)
from virta.vault.parse import ParsedModel
from virta.vault.problems import Problems


# what a multi-active satellite's current view holds (MultiActiveSatellite.current)
CURRENT_SET_KINDS = ("latest_set", "latest_per_child_key")

def _hubs_and_links(parsed: ParsedModel, problems: Problems) -> tuple[dict[str, Hub], dict[str, Link]]:
    doc = parsed.concepts
    hubs = {name: Hub(name, spec.get("label_fi", ""), (spec.get("description") or "").strip(),
                      spec["business_key"], bool(spec.get("shared_key", False)))
            for name, spec in (doc.data.get("hubs") or {}).items()}
    links = {}
    for name, spec in (doc.data.get("links") or {}).items():
        unknown = [h for h in spec["hubs"] if h not in hubs]
        for hub in unknown:
            problems.add("V201", doc.path, f"link {name}", f"unknown hub {hub!r}")
        driving = spec.get("driving_key")
        if driving is not None and driving not in spec["hubs"]:
            problems.add("V202", doc.path, f"link {name}", f"driving_key {driving!r} is not one of its hubs")
        if not unknown:
            links[name] = Link(name, spec.get("label_fi", ""), (spec.get("description") or "").strip(),
                               tuple(spec["hubs"]), driving)
    return hubs, links


def _vocabulary(name: str, seeds: Path) -> set[str] | None:
    """The values of `<seed>.<column>` (a reference seed), or None when there is no such seed column."""
    seed, _, column = name.partition(".")
    found = sorted(seeds.rglob(f"{seed}.csv"))
    if not found or not column:
        return None
    with found[0].open(newline="") as fh:
        reader = csv.DictReader(fh)
        if column not in (reader.fieldnames or []):
            return None
        return {row[column] for row in reader}


def _field(path: Path, where: str, fname: str, spec: dict, columns: dict, seeds: Path,
           problems: Problems) -> Field:
    """The field; its problems are recorded, and it is returned anyway so that the entries naming it
    are checked too, without a second, misleading 'unknown field' problem."""
    ftype = spec["type"]
    if ftype not in FIELD_TYPES:
        problems.add("V210", path, where, f"type must be one of {sorted(FIELD_TYPES)}")
    if spec["from"] not in columns:
        problems.add("V211", path, where, f"column {spec['from']!r} is not declared under columns")
    if ftype in ("date", "timestamp") and not spec.get("format"):
        problems.add("V212", path, where, "dates and timestamps need a format")
    if ftype == "code" and not spec.get("map"):
        problems.add("V213", path, where, "codes need a map from source values to codes")
    if ftype == "decimal" and spec.get("format", "point") not in DECIMAL_FORMATS:
        problems.add("V214", path, where, f"decimal format must be one of {sorted(DECIMAL_FORMATS)}")
    if spec.get("not_future") and ftype not in ("date", "timestamp"):
        problems.add("V215", path, where, "not_future applies to dates and timestamps only")
    derive = tuple(spec.get("derive") or ())
    if derive and ftype != "hetu":
        problems.add("V216", path, where, "derive applies to identity codes (type hetu) only")
    if set(derive) - set(HETU_DERIVATIONS):
        problems.add("V217", path, where, f"derive must name parts of {list(HETU_DERIVATIONS)}")
    domain = spec.get("pseudonym_domain")
    if domain is not None and (ftype != "hetu" or not re.fullmatch(r"[a-z][a-z0-9_]*", str(domain))):
        problems.add("V221", path, where, "pseudonym_domain applies to identity codes (type hetu) and is a "
                                          "lower-case name")
    code_map = {str(k): str(v) for k, v in (spec.get("map") or {}).items()} or None
    vocabulary = spec.get("vocabulary")
    if vocabulary:
        if ftype != "code":
            problems.add("V218", path, where, "vocabulary applies to codes (type code) only")
        values = _vocabulary(vocabulary, seeds)
        if values is None:
            problems.add("V219", path, where, f"vocabulary {vocabulary!r} is not a column of a reference seed "
                                              "(<seed>.<column>)")
        else:
            for target in sorted(set((code_map or {}).values()) - values):
                problems.add("V220", path, where, f"maps to {target!r}, which {vocabulary} does not list")
    return Field(fname, spec["from"], ftype, bool(spec.get("required", ftype == "hetu")), spec.get("format"),
                 code_map, bool(spec.get("not_future", False)), derive, vocabulary, domain)


def _satellites(path, where, sspec, fields, sat_names, problems):
    """The satellites, status satellites and multi-active satellites a stage loads."""
    staged = sspec.get("hubs") or {}
    out: dict[str, list] = {"satellites": [], "status_satellites": [], "multi_active_satellites": []}
    kinds = {"satellites": "satellite", "status_satellites": "status satellite",
             "multi_active_satellites": "multi-active satellite"}
    for kind, label in kinds.items():
        for name, spec in (sspec.get(kind) or {}).items():
            at = f"{where}, {label} {name}"
            if name in sat_names:
                problems.add("V240", path, at, "a satellite of this name is defined twice")
            sat_names.add(name)
            if not name.startswith(f"sat_{spec['hub']}_"):
                problems.add("V243", path, at, f"a satellite is named after its hub: sat_{spec['hub']}_<what or system>")
            if spec["hub"] not in staged:
                problems.add("V241", path, at, f"its hub {spec['hub']!r} must be staged here (under hubs)")
            used = {"satellites": spec.get("payload", []), "status_satellites": [spec.get("deleted_at")],
                    "multi_active_satellites": [*spec.get("child_key", []), *spec.get("payload", [])]}[kind]
            if kind == "multi_active_satellites" and spec.get("current") not in CURRENT_SET_KINDS:
                problems.add("V244", path, at, f"current must be one of {', '.join(CURRENT_SET_KINDS)}: what a "
                                               "delivery does to the set (replaces it, or adds to it per child key)")
            unknown = [c for c in used if c not in fields]
            for col in unknown:
                problems.add("V242", path, at, f"unknown field {col!r}")
            if unknown or spec["hub"] not in staged:
                continue
            description = spec.get("description", "")
            if kind == "satellites":
                out[kind].append(Satellite(name, spec["hub"], description, tuple(spec["payload"])))
            elif kind == "status_satellites":
                out[kind].append(StatusSatellite(name, spec["hub"], description, spec["deleted_at"]))
            else:
                out[kind].append(MultiActiveSatellite(name, spec["hub"], description, tuple(spec["child_key"]),
                                                      tuple(spec["payload"]), spec.get("current", "latest_set")))
    return out


def _stage(path, tname, sname, sspec, table, fields, hubs, links, sat_names, problems) -> Stage | None:
    where = f"table {tname}, stage {sname}"
    before = len(problems.found)
    for hub, fname in (sspec.get("hubs") or {}).items():
        if hub not in hubs:
            problems.add("V230", path, where, f"unknown hub {hub!r}")
        elif fname not in fields:
            problems.add("V231", path, where, f"hub {hub} keyed by unknown field {fname!r}")
        elif fname != hubs[hub].business_key and hubs[hub].business_key in fields:
            problems.add("V232", path, where, f"hub {hub} keyed by {fname!r}, but field {hubs[hub].business_key!r} "
                                              "(the hub's business-key name) means something else here")
    for lname, lspec in (sspec.get("links") or {}).items():
        if lname not in links:
            problems.add("V233", path, where, f"unknown link {lname!r}")
            continue
        if not isinstance(lspec, dict) or set(lspec) != set(links[lname].hubs):
            problems.add("V234", path, where, f"link {lname} needs exactly the hubs {links[lname].hubs}")
            continue
        for hub, fname in lspec.items():
            if (sspec.get("hubs") or {}).get(hub) != fname:
                problems.add("V235", path, where, f"link {lname}: hub {hub} must also be staged from {fname}")
    sats = _satellites(path, where, sspec, fields, sat_names, problems)
    if len(problems.found) > before:
        return None
    return Stage(sname, table, (sspec.get("description") or "").strip(), sspec.get("where"),
                 dict(sspec.get("hubs") or {}), {k: dict(v) for k, v in (sspec.get("links") or {}).items()},
                 tuple(sats["satellites"]), tuple(sats["status_satellites"]), tuple(sats["multi_active_satellites"]))


def _system(doc, hubs, links, seeds, stage_names, sat_names, problems) -> SourceSystem:
    path, data = doc.path, doc.data
    freshness = data.get("freshness") or {}
    warn, error = freshness.get("warn_after_days"), freshness.get("error_after_days")
    if (warn is not None and (not isinstance(warn, int) or warn < 1)) or \
            (error is not None and (not isinstance(error, int) or (warn and error < warn))):
        problems.add("V203", path, "freshness", "warn_after_days and error_after_days are whole days, error >= warn")
    bounds = data.get("bounds_reporting", True)
    if not isinstance(bounds, bool):
        problems.add("V204", path, "bounds_reporting", "must be true or false")
    system = SourceSystem(data["system"], data.get("label", ""), (data.get("description") or "").strip(),
                          data["record_source"], path, warn, error, bounds_reporting=bounds is not False)
    for tname, tspec in data["tables"].items():
        columns = {c: str(d) for c, d in tspec["columns"].items()}
        fields = {fname: _field(path, f"table {tname}, field {fname}", fname, fspec, columns, seeds, problems)
                  for fname, fspec in tspec["fields"].items()}
        for key in tspec["record_key"]:
            if key not in columns:
                problems.add("V221", path, f"table {tname}", f"record_key column {key!r} is not declared")
        checks = tuple(RowCheck(c, str(s["when"]), str(s["reason"])) for c, s in (tspec.get("checks") or {}).items())
        table = SourceTable(tname, system, (tspec.get("description") or "").strip(), tuple(tspec["record_key"]),
                            columns, fields, checks=checks)
        for sname, sspec in tspec["stages"].items():
            if sname in stage_names:
                problems.add("V236", path, f"table {tname}, stage {sname}", "stage names must be unique across all "
                                                                            "sources")
            stage_names.add(sname)
            stage = _stage(path, tname, sname, sspec, table, fields, hubs, links, sat_names, problems)
            if stage is not None:
                table.stages.append(stage)
        system.tables[tname] = table
    return system


def _current_state_types(model: ConceptModel, problems: Problems) -> None:
    """The same payload column from several systems' satellites on a hub must have one SQL type (a
    date beside a timestamp becomes a timestamp): bv_current_<hub> unions them."""
    for hub in model.hubs:
        types: dict[str, dict[str, str]] = {}
        for stage, sat in model.satellites:
            if sat.hub != hub:
                continue
            for name in sat.payload:
                types.setdefault(name, {})[stage.table.system.name] = SQL_TYPES[stage.table.fields[name].type]
        for name, by_system in types.items():
            if len(set(by_system.values()) - ({"date"} if "timestamp" in by_system.values() else set())) > 1:
                shown = ", ".join(f"{s}: {t}" for s, t in sorted(by_system.items()))
                problems.add("V250", model.systems[min(by_system)].path, f"hub {hub}, field {name}",
                             f"field {name} of the satellites on hub {hub} has different types ({shown}); give it "
                             "one type in every mapping, or another name where it means something else")


def validate(parsed: ParsedModel, seeds: Path | None = None) -> ConceptModel:
    """The ConceptModel the documents describe; VaultModelError lists every problem found."""
    seeds = seeds or PROJECT_ROOT / "seeds"
    problems = Problems()
    hubs, links = _hubs_and_links(parsed, problems)
    systems: dict[str, SourceSystem] = {}
    stage_names: set[str] = set()
    sat_names: set[str] = set()
    for doc in parsed.sources:
        system = _system(doc, hubs, links, seeds, stage_names, sat_names, problems)
        if system.name in systems:
            problems.add("V205", doc.path, "system", f"system {system.name!r} is also declared in "
                                                     f"{systems[system.name].path.name}")
        systems[system.name] = system
    problems.raise_if_any()
    model = ConceptModel(hubs, links, systems)
    _current_state_types(model, problems)
    problems.raise_if_any()
    return model

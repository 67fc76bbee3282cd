"""Stage 3 of the vault generator: from the validated ConceptModel, which files to write, from
which template, with what. Names of generated models are decided here and nowhere else.

Per raw table: a *checked* table (types, code maps, pseudonymisation, validation, de-duplication,
bounded to unloaded batches), built once per run. Per stage: an automate_dv.stage view over its
accepted rows of batches still unloaded. Per hub,
link and satellite: an automate_dv model, fed by every stage that maps to it. Per concept described
by satellites: its current state (business vault). Plus the quarantine, the unknown codes, the
batch log, the balance test and the YAML documenting them. A planned file is either a template
with its context (SQL) or a document (YAML), rendered by virta.vault.render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from virta.vault.model import SQL_TYPES, ConceptModel, SourceTable, Stage

CURRENT_DIR = Path("models/business_vault/current")
# Folders whose files carrying the generated mark the generator owns (orphans there are removed)
GENERATED_DIRS = ("models/staging", "models/raw_vault", "models/business_vault/current",
                  "models/business_vault/reference", "models/audit", "tests/audit")


@dataclass(frozen=True)
class Planned:
    path: Path
    template: str | None = None  # a template of virta/vault/templates, rendered with `context`
    context: dict = field(default_factory=dict)
    document: dict | None = None  # or a YAML document


# -- naming -------------------------------------------------------------------------------------------
def entity(system: str, name: str) -> str:
    return name[len(system) + 1:] if name.startswith(system + "_") else name


def checked_model(table: SourceTable) -> str:
    return f"stg_{table.system.name}__{entity(table.system.name, table.name)}_checked"


def stage_model(stage: Stage) -> str:
    return f"stg_{stage.table.system.name}__{entity(stage.table.system.name, stage.name)}"


def hub_model(hub: str) -> str:
    return f"hub_{hub}"


def link_model(link: str) -> str:
    return f"link_{link}"


def effectivity_sat_name(link: str) -> str:
    return f"sat_{link}_effectivity"


def identity_code_sat_name(hub: str) -> str:
    return f"sat_{hub}_identity_code"


def current_model(hub: str) -> str:
    return f"bv_current_{hub}"


def deleted_model(hub: str) -> str:
    return f"bv_deleted_{hub}"


def set_concept(mas, system: str) -> str:
    """The concept a multi-active satellite holds sets of: its name without 'sat_' and the system
    (sat_visit_diagnosis_apotti -> visit_diagnosis); every system's satellite of it is one view."""
    return mas.name.removeprefix("sat_").removesuffix(f"_{system}")


def current_set_model(concept: str) -> str:
    return f"bv_current_{concept}"


def current_sets(model: ConceptModel) -> dict[str, list[tuple[Stage, object]]]:
    """Multi-active satellites by the concept they hold sets of."""
    out: dict[str, list] = {}
    for stage, mas in model.multi_active_satellites:
        out.setdefault(set_concept(mas, stage.table.system.name), []).append((stage, mas))
    return out


def current_set_columns(sats: list[tuple[Stage, object]]) -> list[tuple[str, str]]:
    """Child key and payload columns of a concept's multi-active satellites, first-seen order, typed."""
    types: dict[str, set[str]] = {}
    for stage, mas in sats:
        for name in (*mas.child_key, *mas.payload):
            types.setdefault(name, set()).add(SQL_TYPES[stage.table.fields[name].type])
    return [(name, "timestamp" if kinds == {"date", "timestamp"} else kinds.pop()) for name, kinds in types.items()]


def current_set_parts(sats: list[tuple[Stage, object]]) -> list[dict]:
    """One select per satellite, its columns cast to the shared types (NULL where a system lacks one)."""
    columns = current_set_columns(sats)
    parts = []
    for stage, mas in sats:
        own = {*mas.child_key, *mas.payload}
        cols = [(f"s.{c}::{t} as {c}" if SQL_TYPES[stage.table.fields[c].type] != t else f"s.{c}")
                if c in own else f"null::{t} as {c}" for c, t in columns]
        parts.append({"system": stage.table.system.name, "satellite": mas.name, "columns": cols})
    return parts


# -- what each model reads ----------------------------------------------------------------------------
def unloaded(table: SourceTable) -> str:
    """The filter to batches of `table` not in the batch log yet. A checked table holds the batches
    that were unloaded when it was built; whoever reads it filters again, so a checked table a run
    did not rebuild (its source had nothing new) cannot feed a batch that is loaded already."""
    return f"{{{{ virta.unloaded_batches('{table.name}') }}}}"


def rejection_checks(table: SourceTable) -> list[dict]:
    """The reasons a raw row is quarantined, in order (the first that holds is given)."""
    checks = [{"kind": "missing_key", "column": table.raw_column(key), "key": key} for key in table.record_key]
    for f in table.fields.values():
        if f.type == "hetu":
            checks.append({"kind": "missing_identity_code", "column": f.source_column})
            checks.append({"kind": "invalid_identity_code", "column": f.source_column})
            continue
        if f.required and f.source_column not in table.record_key:
            checks.append({"kind": "missing_required", "column": f.source_column})
        if f.type in ("integer", "decimal", "date", "timestamp"):
            checks.append({"kind": "unparseable", "column": f.source_column, "field": f.name, "type": f.type})
        if f.not_future:
            checks.append({"kind": "future", "column": f.source_column, "field": f.name, "type": f.type})
    for check in table.checks:
        checks.append({"kind": "row_check", "when": _qualify(check.when, table), "reason": check.reason})
    return checks


def _qualify(expression: str, table: SourceTable) -> str:
    """Field names in a check's SQL refer to the typed row `t`."""
    names = sorted(table.fields, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, names)) + r")(?!\w)")
    return pattern.sub(lambda m: f"t.{m.group(1)}", expression)


def stage_metadata(stage: Stage, model: ConceptModel) -> str:
    """automate-dv's stage metadata: derived columns (record source, load time, business keys under
    the hub's key name) and hashed columns (hash keys and hashdiffs), as YAML."""
    system = stage.table.system
    derived = {"record_source": f"!{system.record_source}.{stage.table.name}", "load_datetime": "_loaded_at"}
    # Every source delivers a hub's key under the hub's business-key name (automate-dv's hub needs
    # one column name); a field named otherwise (producer_unit_oid for organisation_unit) is aliased.
    for hub, fname in stage.hubs.items():
        key = model.hubs[hub].business_key
        if not model.hubs[hub].shared_key:  # business key collision code: the source system
            derived[key] = f"CASE WHEN {fname} IS NULL THEN NULL ELSE '{system.record_source}|' || {fname} END"
        elif fname != key:
            derived[key] = fname
    hashed: dict[str, object] = {f"{hub}_hk": model.hubs[hub].business_key for hub in stage.hubs}
    for link in stage.links:
        hashed[f"{link}_hk"] = [model.hubs[h].business_key for h in model.links[link].hubs]
    for sat in stage.satellites:
        hashed[f"{sat.name}_hashdiff"] = {"is_hashdiff": True, "columns": list(sat.payload)}
    for mas in stage.multi_active_satellites:
        hashed[f"{mas.name}_hashdiff"] = {"is_hashdiff": True, "columns": list(mas.child_key) + list(mas.payload)}
    return yaml.safe_dump({"source_model": checked_model(stage.table), "derived_columns": derived,
                           "hashed_columns": hashed}, sort_keys=False, width=200).rstrip()


def identity_code_sources(hub: str, model: ConceptModel) -> list[tuple[Stage, str]]:
    """Stages that load `hub` from an identity-code field, with that field's name."""
    return [(s, s.hubs[hub]) for s in model.hub_sources(hub) if s.table.fields[s.hubs[hub]].type == "hetu"]


def hub_satellites(hub: str, model: ConceptModel) -> list[tuple[Stage, object]]:
    return [(st, sat) for st, sat in model.satellites if sat.hub == hub]


def current_columns(hub: str, model: ConceptModel) -> list[tuple[str, str]]:
    """The payload columns of every satellite on the hub, in first-seen order, with their SQL type
    (validate has checked they agree; a date beside a timestamp becomes a timestamp)."""
    types: dict[str, set[str]] = {}
    for stage, sat in hub_satellites(hub, model):
        for name in sat.payload:
            types.setdefault(name, set()).add(SQL_TYPES[stage.table.fields[name].type])
    return [(name, "timestamp" if kinds == {"date", "timestamp"} else kinds.pop()) for name, kinds in types.items()]


def current_parts(hub: str, model: ConceptModel) -> list[dict]:
    """One select per satellite on the hub, its columns cast to the shared types; a column a system
    does not deliver is NULL in its rows: a third system describing the concept is one more mapping."""
    columns = current_columns(hub, model)
    parts = []
    for stage, sat in hub_satellites(hub, model):
        cols = []
        for c, t in columns:
            if c not in sat.payload:
                cols.append(f"null::{t} as {c}")
            else:
                own = SQL_TYPES[stage.table.fields[c].type]
                cols.append(f"s.{c}::{t} as {c}" if own != t else f"s.{c}")
        parts.append({"system": stage.table.system.name, "satellite": sat.name, "columns": cols})
    return parts


def vault_models(model: ConceptModel) -> list[str]:
    names = [hub_model(h) for h in model.hubs if model.hub_sources(h)]
    names += [link_model(ln) for ln in model.links if model.link_sources(ln)]
    names += [sat.name for _, sat in model.satellites]
    names += [sts.name for _, sts in model.status_satellites]
    names += [mas.name for _, mas in model.multi_active_satellites]
    names += [effectivity_sat_name(ln) for ln, link in model.links.items()
              if link.driving_key and model.link_sources(ln)]
    names += [identity_code_sat_name(h) for h in model.hubs if identity_code_sources(h, model)]
    return names


def models_fed_by(model: ConceptModel) -> dict[str, set[str]]:
    """Raw table -> the generated staging and raw-vault models its rows flow into: its checked
    table, its stages and every hub, link and satellite one of those stages feeds. A batch that
    brings a table no rows needs none of them rebuilt (virta.daily selects on this)."""
    out: dict[str, set[str]] = {}
    for table in source_tables(model):
        stages = {stage_model(s) for s in table.stages}
        fed = {checked_model(table), *stages}
        fed |= {hub_model(h) for h in model.hubs if stages & {stage_model(s) for s in model.hub_sources(h)}}
        for link, ln in model.links.items():
            if stages & {stage_model(s) for s in model.link_sources(link)}:
                fed.add(link_model(link))
                if ln.driving_key:
                    fed.add(effectivity_sat_name(link))
        for pairs in (model.satellites, model.status_satellites, model.multi_active_satellites):
            fed |= {sat.name for stage, sat in pairs if stage_model(stage) in stages}
        fed |= {identity_code_sat_name(h) for h in model.hubs
                if stages & {stage_model(s) for s, _ in identity_code_sources(h, model)}}
        out[table.name] = fed
    return out


def source_tables(model: ConceptModel) -> list[SourceTable]:
    return [t for s in model.systems.values() for t in s.tables.values()]


# -- the plan -----------------------------------------------------------------------------------------
def plan(model: ConceptModel) -> list[Planned]:
    """Every file the vault generator writes, in a stable order."""
    from virta.vault import documents

    out: list[Planned] = []
    for system in model.systems.values():
        folder = Path("models/staging") / system.name
        out.append(Planned(folder / f"_{system.name}__sources.yml", document=documents.sources_yaml(system)))
        out.append(Planned(folder / f"_{system.name}__models.yml", document=documents.staging_yaml(system)))
        for table in system.tables.values():
            derived = [(f, part) for f in table.fields.values() if f.type == "hetu" for part in f.derive]
            out.append(Planned(folder / f"{checked_model(table)}.sql", "checked.sql", {
                "system": system, "table": table, "derived": derived, "checks": rejection_checks(table),
                "key_columns": [f"d.{table.raw_column(k)}" for k in table.record_key],
                "out_columns": list(table.fields) + [f"{f.name}_{part}" for f, part in derived],
                "code_fields": [f.name for f in table.fields.values() if f.type == "code"]}))
            for stage in table.stages:
                where = " and ".join(["_rejection_reason is null", unloaded(table)]
                                     + ([f"({stage.where})"] if stage.where else []))
                out.append(Planned(folder / f"{stage_model(stage)}.sql", "stage.sql", {
                    "system": system, "description": stage.description or table.description,
                    "metadata": stage_metadata(stage, model), "where": where}))
    vault = Path("models/raw_vault")
    for hub, h in model.hubs.items():
        if model.hub_sources(hub):
            out.append(Planned(vault / "hubs" / f"{hub_model(hub)}.sql", "hub.sql", {
                "hub": hub, "label_fi": h.label_fi, "business_key": h.business_key,
                "sources": [stage_model(s) for s in model.hub_sources(hub)]}))
    for link, ln in model.links.items():
        if model.link_sources(link):
            out.append(Planned(vault / "links" / f"{link_model(link)}.sql", "link.sql", {
                "link": link, "label_fi": ln.label_fi, "hubs": ln.hubs, "fks": [f"{h}_hk" for h in ln.hubs],
                "sources": [stage_model(s) for s in model.link_sources(link)]}))
    sats = vault / "satellites"
    for stage, sat in model.satellites:
        out.append(Planned(sats / f"{sat.name}.sql", "sat.sql", {"sat": sat, "stage_model": stage_model(stage)}))
    for stage, sts in model.status_satellites:
        out.append(Planned(sats / f"{sts.name}.sql", "status_sat.sql", {"sts": sts, "stage_model": stage_model(stage)}))
    for stage, mas in model.multi_active_satellites:
        out.append(Planned(sats / f"{mas.name}.sql", "ma_sat.sql", {"mas": mas, "stage_model": stage_model(stage)}))
    for link, ln in model.links.items():
        if ln.driving_key and model.link_sources(link):
            drv = f"{ln.driving_key}_hk"
            out.append(Planned(sats / f"{effectivity_sat_name(link)}.sql", "effectivity_sat.sql", {
                "link": link, "driving_key": ln.driving_key, "drv": drv,
                "columns": [drv, f"{link}_hk", *(f"{h}_hk" for h in ln.hubs if h != ln.driving_key)],
                "stages": [stage_model(s) for s in model.link_sources(link)]}))
    for hub in model.hubs:
        sources = identity_code_sources(hub, model)
        if sources:
            out.append(Planned(sats / f"{identity_code_sat_name(hub)}.sql", "identity_code_sat.sql", {
                "hub": hub, "sources": [(stage_model(s), f) for s, f in sources]}))
    out.append(Planned(vault / "_raw_vault.yml", document=documents.vault_yaml(model)))
    for hub, h in model.hubs.items():
        sats_on_hub = hub_satellites(hub, model)
        if sats_on_hub:
            out.append(Planned(CURRENT_DIR / f"{current_model(hub)}.sql", "current.sql", {
                "hub": hub, "label_fi": h.label_fi, "parts": current_parts(hub, model),
                "systems": sorted({st.table.system.name for st, _ in sats_on_hub})}))
        deletions = [{"system": st.table.system.name, "satellite": sts.name}
                     for st, sts in model.status_satellites if sts.hub == hub]
        if deletions:
            out.append(Planned(CURRENT_DIR / f"{deleted_model(hub)}.sql", "deleted.sql",
                               {"hub": hub, "parts": deletions}))
    for concept, sats in current_sets(model).items():
        out.append(Planned(CURRENT_DIR / f"{current_set_model(concept)}.sql", "current_set.sql", {
            "concept": concept, "hub": sats[0][1].hub, "parts": current_set_parts(sats),
            "kind": sats[0][1].current, "child_key": list(sats[0][1].child_key),
            "row_key": [f"{sats[0][1].hub}_hk", *sats[0][1].child_key],
            "systems": sorted({st.table.system.name for st, _ in sats})}))
    out.append(Planned(CURRENT_DIR / "_current__models.yml", document=documents.current_yaml(model)))
    out.append(Planned(Path("models/business_vault/reference/bv_source_systems.sql"), "source_systems.sql",
                       {"systems": [s for _, s in sorted(model.systems.items())]}))
    tables = source_tables(model)
    checked = [(checked_model(t), unloaded(t)) for t in tables]
    audit = Path("models/audit")
    out.append(Planned(audit / "audit_quarantine.sql", "quarantine.sql", {"checked_models": checked}))
    out.append(Planned(audit / "audit_batch_log.sql", "batch_log.sql", {
        "checked_models": checked,
        "depends_on": vault_models(model) + ["audit_quarantine", "audit_unknown_codes"]}))
    out.append(Planned(audit / "audit_unknown_codes.sql", "unknown_codes.sql", {
        "code_fields": [(checked_model(t), unloaded(t), f) for t in tables for f in t.fields.values()
                        if f.type == "code"]}))
    out.append(Planned(audit / "_audit.yml", document=documents.audit_yaml(model)))
    out.append(Planned(Path("tests/audit/assert_raw_rows_balance.sql"), "balance_test.sql", {"tables": tables}))
    _refuse_collisions(out, model)
    return out


def _refuse_collisions(planned: list[Planned], model: ConceptModel) -> None:
    """Two entries of the concept model that would make the same model (a stage named like another
    table's checked table, a satellite named like a generated one) would overwrite each other."""
    from virta.vault.problems import Problems

    problems, seen = Problems(), {}
    for item in planned:
        name = item.path.stem if item.path.suffix == ".sql" else str(item.path)
        if name in seen:
            problems.add("V301", next(iter(model.systems.values())).path.parent, name,
                         f"two entries of the concept model both make {name} ({seen[name]} and {item.path}); "
                         "rename one")
        seen[name] = item.path
    problems.raise_if_any()

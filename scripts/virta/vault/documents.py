"""The YAML the vault generator writes beside its models (sources, staging, raw vault, current
state, audit): descriptions, meta and the tests that hold the generated models to their meaning.
Documents, not templates: each is built as data and written by virta.vault.render."""

from __future__ import annotations

from virta.vault.model import ConceptModel
from virta.vault.plan import (checked_model, current_columns, current_model, current_set_columns, current_set_model,
                              current_sets, deleted_model, effectivity_sat_name, hub_model, hub_satellites,
                              identity_code_sat_name, identity_code_sources, link_model, stage_model)


def sources_yaml(system) -> dict:
    return {"version": 2, "sources": [{
        "name": system.name,
        "description": f"{system.label}. {system.description}",
        "schema": "{{ env_var('VIRTA_RAW_SCHEMA', 'raw') }}",
        "loader": "virta generate / virta load (COPY into schema raw)",
        "tables": [{
            "name": t.name,
            "description": t.description,
            "columns": [{"name": c, "description": d} for c, d in t.raw_column_docs()]
            + [{"name": "_batch_id", "description": "Load batch (delivery) the row arrived in."},
               {"name": "_loaded_at", "description": "When the batch was loaded; the vault's load datetime."},
               {"name": "_row_no", "description": "Row number within the delivery file."}],
        } for t in system.tables.values()],
    }]}


def _field_doc(f) -> dict:
    """A checked table's column; a code with a vocabulary is tested against its reference seed (codes
    the map does not know are 'unknown', counted in audit_unknown_codes instead)."""
    doc = {"name": f.name, "description": f"From {f.source_column} ({f.type})."}
    if f.vocabulary:
        seed, column = f.vocabulary.split(".")
        doc["description"] += f" One of {f.vocabulary}."
        doc["data_tests"] = [{"relationships": {"arguments": {"to": f"ref('{seed}')", "field": column},
                                                "config": {"where": f"{f.name} <> 'unknown'"}}}]
    return doc


def staging_yaml(system) -> dict:
    models = []
    for t in system.tables.values():
        models.append({
            "name": checked_model(t),
            "description": f"{t.description} Typed, pseudonymised and checked rows of raw.{t.name} "
                           "from the batches not yet loaded, built once per run (readers filter to unloaded "
                           "batches again); `_rejection_reason` says why a row is not loaded.",
            "columns": [_field_doc(f) for f in t.fields.values()]
            + [{"name": "_rejection_reason", "description": "Null for accepted rows, else why the row is quarantined."},
               {"name": "_raw_row", "description": "The row as delivered (JSON), kept only for a rejected row or one "
                "with an unknown code: what the audit shows."}],
        })
        for s in t.stages:
            models.append({
                "name": stage_model(s),
                "description": f"automate-dv stage: {s.description or t.description} Accepted rows of the "
                               "batches not yet loaded, with hash keys and hashdiffs.",
                "columns": [{"name": f"{h}_hk", "description": f"Hash key of hub {h}."} for h in s.hubs],
            })
    return {"version": 2, "models": models}


def vault_yaml(model: ConceptModel) -> dict:
    models = []
    for hub, h in model.hubs.items():
        if not model.hub_sources(hub):
            continue
        models.append({
            "name": hub_model(hub),
            "description": f"Hub: {hub} ({h.label_fi}). {h.description}",
            "meta": {"concept": hub, "label_fi": h.label_fi,
                     "sources": [stage_model(s) for s in model.hub_sources(hub)]},
            "columns": [
                {"name": f"{hub}_hk", "description": "Hash key (MD5 of the business key).",
                 "data_tests": ["unique", "not_null"]},
                {"name": h.business_key, "description": "Business key" + (
                    "." if h.shared_key else ", prefixed with the source system as collision code."),
                 "data_tests": ["not_null"]},
                {"name": "load_datetime", "description": "When the key was first loaded."},
                {"name": "record_source", "description": "The source system and table it came from first."},
            ],
        })
    for link, ln in model.links.items():
        if not model.link_sources(link):
            continue
        models.append({
            "name": link_model(link),
            "description": f"Link: {link} ({ln.label_fi}). {ln.description}",
            "meta": {"concept": link, "label_fi": ln.label_fi},
            "columns": [{"name": f"{link}_hk", "description": "Hash key of the relationship.",
                         "data_tests": ["unique", "not_null"]}]
            + [{"name": f"{h}_hk", "description": f"Hash key of hub {h}.",
                "data_tests": ["not_null", {"relationships": {"arguments": {
                    "to": f"ref('{hub_model(h)}')", "field": f"{h}_hk"}}}]} for h in ln.hubs],
        })
    for stage, sat in model.satellites:
        models.append({
            "name": sat.name,
            "description": f"Satellite on {hub_model(sat.hub)} from {stage.table.system.label}: {sat.description}",
            "meta": {"source_stage": stage_model(stage)},
            "data_tests": [{"dbt_utils.unique_combination_of_columns": {"arguments": {
                "combination_of_columns": [f"{sat.hub}_hk", "load_datetime"]}}}],
            "columns": [{"name": f"{sat.hub}_hk", "description": f"Hash key of hub {sat.hub}.",
                         "data_tests": ["not_null", {"relationships": {"arguments": {
                             "to": f"ref('{hub_model(sat.hub)}')", "field": f"{sat.hub}_hk"}}}]},
                        {"name": "hashdiff", "description": "Hash of the payload; a new row only when it changes."}]
            + [{"name": p, "description": stage.table.fields[p].type + f" from {stage.table.fields[p].source_column}."}
               for p in sat.payload],
        })
    for link, ln in model.links.items():
        if not (ln.driving_key and model.link_sources(link)):
            continue
        drv = f"{ln.driving_key}_hk"
        models.append({
            "name": effectivity_sat_name(link),
            "description": f"Effectivity satellite of {link_model(link)} (driving key {ln.driving_key}): a row each "
                           f"time the {ln.driving_key}'s link changes; the latest row with effective_from <= t "
                           "is the link in effect at t.",
            "meta": {"satellite_type": "effectivity", "driving_key": ln.driving_key},
            "data_tests": [{"dbt_utils.unique_combination_of_columns": {"arguments": {
                "combination_of_columns": [drv, "effective_from"]}}}],
            "columns": [{"name": drv, "description": f"Driving key: hash key of hub {ln.driving_key}.",
                         "data_tests": ["not_null"]},
                        {"name": f"{link}_hk", "description": "The link in effect from effective_from.",
                         "data_tests": ["not_null", {"relationships": {"arguments": {
                             "to": f"ref('{link_model(link)}')", "field": f"{link}_hk"}}}]},
                        {"name": "effective_from", "description": "Load from which this link is in effect."}],
        })
    for hub in model.hubs:
        sources = identity_code_sources(hub, model)
        if not sources:
            continue
        models.append({
            "name": identity_code_sat_name(hub),
            "description": f"Satellite on {hub_model(hub)}: birth date and sex as the identity code states them, "
                           "one row per key (insert-only), from every source naming the person by the code.",
            "meta": {"sources": [stage_model(s) for s, _ in sources], "satellite_type": "derived from the key"},
            "columns": [{"name": f"{hub}_hk", "description": f"Hash key of hub {hub}.",
                         "data_tests": ["unique", "not_null", {"relationships": {"arguments": {
                             "to": f"ref('{hub_model(hub)}')", "field": f"{hub}_hk"}}}]},
                        {"name": "birth_date", "description": "Birth date from the identity code (DDMMYY and century sign).",
                         "data_tests": ["not_null"]},
                        {"name": "sex", "description": "male or female, from the parity of the individual number.",
                         "data_tests": ["not_null"]}],
        })
    for stage, mas in model.multi_active_satellites:
        models.append({
            "name": mas.name,
            "description": f"Multi-active satellite on {hub_model(mas.hub)} from {stage.table.system.label}: "
                           f"{mas.description}",
            "meta": {"source_stage": stage_model(stage), "satellite_type": "multi-active",
                     "child_key": list(mas.child_key)},
            "data_tests": [{"dbt_utils.unique_combination_of_columns": {"arguments": {
                "combination_of_columns": [f"{mas.hub}_hk", *mas.child_key, "load_datetime"]}}}],
            "columns": [{"name": f"{mas.hub}_hk", "description": f"Hash key of hub {mas.hub}.",
                         "data_tests": ["not_null", {"relationships": {"arguments": {
                             "to": f"ref('{hub_model(mas.hub)}')", "field": f"{mas.hub}_hk"}}}]}]
            + [{"name": c, "description": f"Child key: {stage.table.fields[c].source_column}."} for c in mas.child_key]
            + [{"name": p, "description": f"{stage.table.fields[p].type} from {stage.table.fields[p].source_column}."}
               for p in mas.payload],
        })
    for stage, sts in model.status_satellites:
        models.append({
            "name": sts.name,
            "description": f"Status satellite on {hub_model(sts.hub)} from {stage.table.system.label}: "
                           f"{sts.description}",
            "meta": {"source_stage": stage_model(stage), "satellite_type": "record tracking (deletions)"},
            "columns": [{"name": f"{sts.hub}_hk", "description": f"Hash key of hub {sts.hub}.",
                         "data_tests": ["not_null", {"relationships": {"arguments": {
                             "to": f"ref('{hub_model(sts.hub)}')", "field": f"{sts.hub}_hk"}}}]},
                        {"name": "record_status", "description": "deleted"},
                        {"name": "deleted_at", "description": "When the source deleted the record."}],
        })
    return {"version": 2, "models": models}


def audit_yaml(model: ConceptModel) -> dict:
    # Per system, its deliveries in the register, with the freshness its mapping declares: `dbt source
    # freshness -s source:batch_register` (run by `virta daily`) judges the latest load of each.
    deliveries = [{
        "name": f"{system.name}_deliveries",
        "identifier": "_batches",
        "description": f"Deliveries of {system.label} in the batch register.",
        "loaded_at_field": "loaded_at",
        "config": {"freshness": {"warn_after": {"count": system.warn_after_days * 24, "period": "hour"},
                                 "error_after": {"count": system.error_after_days * 24, "period": "hour"},
                                 "filter": f"source_system = '{system.name}'"}},
    } for system in model.systems.values() if system.warn_after_days]
    return {"version": 2, "sources": [{
        "name": "batch_register",
        "description": "The loader's register of deliveries (raw._batches): written by the loader role only.",
        "schema": "{{ env_var('VIRTA_RAW_SCHEMA', 'raw') }}",
        "tables": [*deliveries, {"name": "_batches", "description": "One row per delivery: when, by whom (database role and "
                    "operating-system account), row counts and a keyed checksum per delivered table.",
                    "columns": [{"name": "loaded_by", "description": "Database role that loaded the batch."},
                                {"name": "loaded_from", "description": "Operating-system account@host of the load."},
                                {"name": "content_hmac", "description": "Table -> HMAC-SHA256 (pseudonymisation "
                                 "key) of the delivered content (canonical CSV, before pseudonymisation)."}]}],
    }], "models": [
        {"name": "audit_quarantine",
         "description": "Every delivered row that was not loaded, with source, batch, reason and the original "
                        "row (identity codes only as keyed pseudonyms). Count rejected rows here.",
         "columns": [{"name": "reason", "description": "Why the row was not loaded.", "data_tests": ["not_null"]},
                     {"name": "original_row", "description": "The delivered row as JSON."}]},
        {"name": "audit_unknown_codes",
         "description": "Accepted rows whose code value the source mapping does not know (loaded as 'unknown'), "
                        "with the value delivered: the work list for extending the code maps.",
         "columns": [{"name": "field", "description": "The typed field that got 'unknown'.", "data_tests": ["not_null"]},
                     {"name": "source_value", "description": "The value the source delivered.",
                      "data_tests": ["not_null"]}]},
        {"name": "audit_batch_log",
         "description": "Loaded batches per raw table with delivered, accepted and quarantined row counts. "
                        "Staging reads only batches missing from here. Says who loaded each batch, the "
                        "delivered content's keyed checksum and the dbt invocation that took it into the vault.",
         "data_tests": [{"dbt_utils.unique_combination_of_columns": {"arguments": {
             "combination_of_columns": ["source_table", "batch_id"]}}}],
         "columns": [{"name": "batch_loaded_by", "description": "Database role that loaded the batch (raw._batches).",
                      "data_tests": ["not_null"]},
                     {"name": "delivered_hmac", "description": "Keyed checksum (HMAC-SHA256) of this table's "
                      "delivered content.",
                      "data_tests": ["not_null"]},
                     {"name": "dbt_invocation_id", "description": "The dbt invocation that loaded the batch into "
                      "the vault (audit.dbt_invocations).", "data_tests": ["not_null"]}]},
    ]}



def current_yaml(model: ConceptModel) -> dict:
    models = []
    for hub, h in model.hubs.items():
        sats = hub_satellites(hub, model)
        if sats:
            systems = sorted({st.table.system.name for st, _ in sats})
            # one row per key; a key every system shares (a person, a unit) once per describing system
            key_tests = ["not_null"] + (["unique"] if len(sats) == 1 or not h.shared_key else [])
            model_tests = [] if "unique" in key_tests else [{"dbt_utils.unique_combination_of_columns": {
                "arguments": {"combination_of_columns": [f"{hub}_hk", "source_system"]}}}]
            models.append({
                "name": current_model(hub),
                "description": f"Current state of {hub} ({h.label_fi}): each key's latest loaded row from every "
                               f"satellite on hub_{hub} ({', '.join(s.name for _, s in sats)}). {h.description}",
                "meta": {"concept": hub, "grain": f"one row per {hub} key and describing system",
                         "owner": "virta analytics team", "systems": systems},
                **({"data_tests": model_tests} if model_tests else {}),
                "columns": [{"name": f"{hub}_hk", "description": "Hash key of the hub.", "data_tests": key_tests}]
                + [{"name": c, "description": f"{c} ({t}) as the latest load delivered it."}
                   for c, t in current_columns(hub, model)]
                + [{"name": "source_system", "description": "The system the row comes from."},
                   {"name": "load_datetime", "description": "When the row was loaded."},
                   {"name": "record_source", "description": "The satellite row's record source."}],
            })
        if any(sts.hub == hub for _, sts in model.status_satellites):
            models.append({
                "name": deleted_model(hub),
                "description": f"{hub.capitalize()} keys a source system has reported deleted, from every "
                               f"record-tracking status satellite on hub_{hub}.",
                "meta": {"concept": hub, "grain": f"one row per deleted {hub} key", "owner": "virta analytics team"},
                "columns": [{"name": f"{hub}_hk", "description": "Hash key of the hub (one row per key)."},
                            {"name": "deleted_at", "description": "The earliest deletion time reported."},
                            {"name": "source_systems", "description": "The systems that reported it."}],
            })
    for concept, sats in current_sets(model).items():
        hub = sats[0][1].hub
        child_key = list(sats[0][1].child_key)
        models.append({
            "name": current_set_model(concept),
            "description": f"Current set of {concept} on {hub}: each key's rows of its latest load from every "
                           f"multi-active satellite of it ({', '.join(m.name for _, m in sats)}). "
                           f"{sats[0][1].description}",
            "meta": {"concept": concept, "grain": f"one row per {hub} key, {', '.join(child_key)} and describing "
                                                  "system", "owner": "virta analytics team",
                     "systems": sorted({st.table.system.name for st, _ in sats})},
            "data_tests": [{"dbt_utils.unique_combination_of_columns": {
                "arguments": {"combination_of_columns": [f"{hub}_hk", *child_key, "source_system"]}}}],
            "columns": [{"name": f"{hub}_hk", "description": "Hash key of the hub.", "data_tests": ["not_null"]}]
            + [{"name": c, "description": f"{c} ({t}) as the latest load delivered it."}
               for c, t in current_set_columns(sats)]
            + [{"name": "source_system", "description": "The system the row comes from."},
               {"name": "load_datetime", "description": "When the set was loaded."},
               {"name": "record_source", "description": "The satellite row's record source."}],
        })
    return {"version": 2, "models": models}

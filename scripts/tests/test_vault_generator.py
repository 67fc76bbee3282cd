import re
import shutil

import pytest

from virta import generated
from virta.paths import PROJECT_ROOT
from virta.vault import plan as gen
from virta.vault.model import load
from virta.vault.problems import VaultModelError
from virta.vault.render import GENERATED_MARK, render


def rendered(model=None) -> dict:
    """The vault's generated files (path -> text) for a model (default: the committed one)."""
    return {item.path: render(item) for item in gen.plan(model or load())}


def sql_of(name: str, model=None) -> str:
    return next(text for path, text in rendered(model).items() if path.name == f"{name}.sql")


@pytest.fixture
def project_copy(tmp_path):
    """The parts of the project the generator reads and writes, copied to a scratch folder."""
    for part in ("concept_model", "models", "tests", "docs", "seeds"):
        shutil.copytree(PROJECT_ROOT / part, tmp_path / part)
    return tmp_path


def test_committed_generated_files_are_current():
    assert generated.check() == []


RENDER_DIGEST = r"""
import hashlib
from virta import generated
h = hashlib.sha256()
files = {**generated.products()["vault"].files(), **generated.products()["docs"].files()}
for path, text in sorted(files.items()):
    h.update(str(path).encode() + b"\0" + text.encode() + b"\0")
print(h.hexdigest())
"""


def test_generation_is_deterministic_across_processes():
    """Two interpreters with different hash seeds (set and dict iteration orders differ) render the
    same files, byte for byte."""
    from digests import digest_in_subprocess

    assert digest_in_subprocess(RENDER_DIGEST, 1) == digest_in_subprocess(RENDER_DIGEST, 2)


def test_hand_edit_is_detected(project_copy):
    path = project_copy / "models/raw_vault/hubs/hub_person.sql"
    path.write_text(path.read_text() + "-- a hand edit\n")
    assert generated.check(("vault",), project_copy) == [
        "hand-edited: models/raw_vault/hubs/hub_person.sql (run `virta vault generate` to restore it)"]
    generated.write("vault", project_copy)
    assert generated.check(("vault",), project_copy) == []


def test_stale_and_orphaned_files_are_detected(project_copy, monkeypatch):
    model = load()
    del model.links["visit_unit"]
    for stage in model.stages:  # a smaller model, as if the concept model had changed
        stage.links.pop("visit_unit", None)
    problems = generated.check(("vault",), project_copy, files={"vault": rendered(model)})
    assert ("orphaned: models/raw_vault/links/link_visit_unit.sql (no longer generated: run `virta vault generate`)"
            in problems)
    assert any(p.startswith("stale: models/staging/") for p in problems)


def test_missing_file_is_detected(project_copy):
    (project_copy / "models/raw_vault/satellites/sat_person_vtj.sql").unlink()
    assert generated.check(("vault",), project_copy) == [
        "missing: models/raw_vault/satellites/sat_person_vtj.sql (run `virta vault generate`)"]


def test_a_stale_docs_page_names_its_own_command(project_copy):
    (project_copy / "docs/raw_tables.md").write_text("old\n")
    assert generated.check(("vault", "docs", "seeds"), project_copy) == [
        "stale: docs/raw_tables.md (its sources changed: run `virta docs generate`)"]


def test_person_hub_is_fed_by_every_system_that_knows_the_person():
    model = load()
    systems = {stage.table.system.name for stage in model.hub_sources("person")}
    assert systems == {"vtj", "apotti", "lifecare", "pegasos", "procons"}  # health and social care
    sql = sql_of("hub_person", model)
    for stage in model.hub_sources("person"):
        assert gen.stage_model(stage) in sql


def test_mapping_errors_name_the_file_and_entry(tmp_path):
    shutil.copytree(PROJECT_ROOT / "concept_model", tmp_path / "concept_model")
    path = tmp_path / "concept_model/sources/org.yml"
    path.write_text(path.read_text().replace("hubs: {organisation_unit: unit_oid}", "hubs: {unit: unit_oid}"))
    with pytest.raises(VaultModelError, match=r"org.yml: table org_units, stage org_units: unknown hub 'unit' \[V230\]"):
        load(tmp_path / "concept_model")


@pytest.mark.parametrize("edit, expected", [
    # a missing key is named, not a KeyError (the shape stage)
    (("business_key: person_pseudonym", "businesskey: person_pseudonym"),
     ["concepts.yml: hub person: unknown key 'businesskey'", "[V102]",
      "concepts.yml: hub person: missing required key 'business_key' [V101]"]),
    (("hubs: [visit, organisation_unit]", "hubs: visit"),
     ["concepts.yml: link visit_unit, hubs: must be a list of names (lower-case letters, digits, _) [V103]"]),
    (("hubs:\n", "hubs: [\n"), ["concepts.yml: line", "not valid YAML", "[V100]"]),
])
def test_a_bad_concept_model_is_reported_with_codes_file_and_key(tmp_path, edit, expected):
    shutil.copytree(PROJECT_ROOT / "concept_model", tmp_path / "concept_model")
    path = tmp_path / "concept_model/concepts.yml"
    text = path.read_text()
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1], 1))
    with pytest.raises(VaultModelError) as raised:
        load(tmp_path / "concept_model")
    for part in expected:
        assert part in str(raised.value)


def test_every_problem_of_a_mapping_is_reported_at_once(tmp_path):
    """Two faults in two files: both named, each with its code, in one error."""
    shutil.copytree(PROJECT_ROOT / "concept_model", tmp_path / "concept_model")
    apotti = tmp_path / "concept_model/sources/apotti.yml"
    text = apotti.read_text()
    assert "visit_at: {from: appt_dttm, type: timestamp, format: YYYY-MM-DD HH24:MI:SS, required: true}" in text
    apotti.write_text(text.replace("visit_at: {from: appt_dttm, type: timestamp, format: YYYY-MM-DD HH24:MI:SS, "
                                   "required: true}", "visit_at: {from: appt_dttm, type: timestamp, required: true}"))
    lifecare = tmp_path / "concept_model/sources/lifecare.yml"
    text = lifecare.read_text()
    assert "map: {LAAK: doctor," in text
    lifecare.write_text(text.replace("map: {LAAK: doctor,", "map: {LAAK: physician,"))
    with pytest.raises(VaultModelError) as raised:
        load(tmp_path / "concept_model")
    codes = sorted(p.code for p in raised.value.problems)
    assert codes == ["V212", "V220"], raised.value
    assert "apotti.yml: table apotti_visits, field visit_at: dates and timestamps need a format [V212]" in str(raised.value)
    assert ("lifecare.yml: table lifecare_hoitotapahtumat, field professional_group: maps to 'physician', which "
            "ref_professional_groups.professional_group does not list [V220]") in str(raised.value)


def test_a_pseudonym_domain_belongs_to_an_identity_code(tmp_path):
    """pseudonym_domain on a field that is not an identity code, or a domain that is no plain name,
    is refused with V221; on the HR system's identity code it is the loader's staff domain."""
    from virta.load import raw_tables

    assert raw_tables()["sarastia_palvelussuhteet"].identity_domains == {"hetu": "staff"}
    assert raw_tables()["procons_asiat"].identity_domains == {"hetu": None}
    shutil.copytree(PROJECT_ROOT / "concept_model", tmp_path / "concept_model")
    path = tmp_path / "concept_model/sources/sarastia.yml"
    text = path.read_text()
    assert "employment_id: {from: palvelussuhde_id, type: text, required: true}" in text
    path.write_text(text.replace("employment_id: {from: palvelussuhde_id, type: text, required: true}",
                                 "employment_id: {from: palvelussuhde_id, type: text, required: true, "
                                 "pseudonym_domain: staff}")
                    .replace("type: hetu, pseudonym_domain: staff}", "type: hetu, pseudonym_domain: Staff Domain}"))
    with pytest.raises(VaultModelError) as raised:
        load(tmp_path / "concept_model")
    assert sorted(p.code for p in raised.value.problems) == ["V221", "V221"], raised.value


def test_no_checked_model_reads_a_clear_identity_code():
    """The loader lands codes as <code>_pseudonym / _valid / derived parts; SQL never sees a code
    column, and raw has none."""
    model = load()
    seen = 0
    for system in model.systems.values():
        for table in system.tables.values():
            sql = sql_of(gen.checked_model(table))
            for f in table.fields.values():
                if f.type == "hetu":
                    seen += 1
                    col = f.source_column
                    assert col not in table.raw_columns
                    assert f"{col}_pseudonym" in table.raw_columns and f"{col}_valid" in table.raw_columns
                    assert re.search(rf"\.{col}(?!_(pseudonym|valid|birth_date|sex))\b", sql) is None, table.name
                    assert f"case when d.{col}_valid = 'true' then d.{col}_pseudonym end as {f.name}" in sql
                    assert "virta.pseudonymise" not in sql and "current_setting" not in sql
    assert seen >= 10


def test_every_satellite_kind_is_generated():
    files = {p.name: c for p, c in rendered().items()}
    assert "automate_dv.sat(" in files["sat_visit_apotti.sql"]
    assert "automate_dv.ma_sat(" in files["sat_visit_diagnosis_apotti.sql"]
    assert "src_cdk=['diagnosis_rank']" in files["sat_visit_diagnosis_apotti.sql"]
    assert "'deleted'::text as record_status" in files["sat_visit_deletion_apotti.sql"]
    eff = files["sat_visit_unit_effectivity.sql"]
    assert "partition by o.visit_hk" in eff and "stg_lifecare__kaynnit" in eff and "stg_apotti__visits" in eff


def test_current_state_views_union_every_system_describing_a_concept(tmp_path):
    """bv_current_<concept> reads every satellite on the hub; a date beside a timestamp becomes a
    timestamp; the same field with other types in two mappings is refused by name."""
    model = load()
    sql = sql_of("bv_current_referral", model)
    assert "current_rows('sat_referral_apotti'" in sql and "current_rows('sat_referral_lifecare'" in sql
    assert "s.received_at::timestamp as received_at" in sql  # Lifecare gives days, Apotti times
    assert gen.current_columns("referral", model)[1] == ("received_at", "timestamp")
    shutil.copytree(PROJECT_ROOT / "concept_model", tmp_path / "concept_model")
    path = tmp_path / "concept_model/sources/lifecare.yml"
    text = path.read_text()
    assert "enimmaisaika_pv, type: integer" in text
    path.write_text(text.replace("enimmaisaika_pv, type: integer", "enimmaisaika_pv, type: text"))
    with pytest.raises(VaultModelError, match="field recorded_max_wait_days of the satellites on hub need_assessment "
                                              "has different types \\(apotti: integer, lifecare: text, pegasos: integer\\).*V250"):
        load(tmp_path / "concept_model")


def test_the_time_anchor_knows_which_systems_bound_reporting():
    sql = sql_of("bv_source_systems")
    assert "('apotti', 'APOTTI', true" in sql and "('vtj', 'VTJ', false" in sql and "('org', 'SOTEORG', false" in sql


def test_a_third_patient_system_is_one_more_mapping(tmp_path):
    """Issue 17: a third patient record system (here Lifecare's mapping again, as 'pegasos') joins the
    vault and every current-state view the business rules read, by its mapping alone; and no
    hand-written business-vault, mart or macro SQL names a source system, so nothing else changes."""
    shutil.copytree(PROJECT_ROOT / "concept_model", tmp_path / "concept_model")
    text = (tmp_path / "concept_model/sources/lifecare.yml").read_text()
    third = text.replace("lifecare", "pegasos").replace("LIFECARE", "PEGASOS").replace("Lifecare", "Pegasos")
    (tmp_path / "concept_model/sources/pegasos.yml").write_text(third)
    model = load(tmp_path / "concept_model")
    files = rendered(model)
    names = {path.name: text for path, text in files.items()}
    for concept in ("visit", "contact", "need_assessment", "referral"):
        view = names[f"bv_current_{concept}.sql"]
        assert "'pegasos' as source_system" in view and "'lifecare' as source_system" in view, concept
    assert "stg_pegasos__hoitotapahtumat_checked" in names["audit_quarantine.sql"]
    assert "stg_pegasos__kaynnit" in names["hub_visit.sql"]
    named = []
    for folder in ("models/business_vault", "models/marts", "models/restricted", "macros"):
        for path in (PROJECT_ROOT / folder).rglob("*.sql"):
            body = path.read_text()
            if GENERATED_MARK in body.split("\n", 1)[0]:
                continue
            code = re.sub(r"--[^\n]*|\{#.*?#\}", "", body, flags=re.DOTALL)
            if re.search(r"apotti|lifecare", code, flags=re.IGNORECASE):
                named.append(str(path.relative_to(PROJECT_ROOT)))
    assert named == []


@pytest.mark.parametrize("file, old, new, expected", [
    ("concepts.yml", "hubs: [visit, organisation_unit]", "hubs: [[visit], organisation_unit]",
     "link visit_unit, hubs: must be a list of names (lower-case letters, digits, _) [V103]"),
    ("concepts.yml", "hubs: [visit, organisation_unit]", "hubs: [visit, visit]",
     "link visit_unit, hubs: lists the same name twice [V105]"),
    ("sources/procons.yml", "record_key: [asia_id]", "record_key: [[asia_id]]",
     "table procons_asiat, record_key: must be a list of names"),
    ("sources/apotti.yml", "hubs: {visit: visit_id", "hubs: {visit: [visit_id]",
     "table apotti_visits, stage apotti_visits, hubs: must map names to names"),
    ("sources/org.yml", "sat_organisation_unit_org:", "123:",
     "satellites: 123: a name is lower-case letters, digits and _, starting with a letter [V106]"),
])
def test_malformed_entries_are_coded_problems_not_exceptions(tmp_path, file, old, new, expected):
    shutil.copytree(PROJECT_ROOT / "concept_model", tmp_path / "concept_model")
    path = tmp_path / "concept_model" / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(VaultModelError, match=re.escape(expected)):
        load(tmp_path / "concept_model")


def test_two_entries_making_the_same_model_are_refused(tmp_path):
    """A stage named like another table's checked table would overwrite it (plan stage, V301)."""
    shutil.copytree(PROJECT_ROOT / "concept_model", tmp_path / "concept_model")
    path = tmp_path / "concept_model/sources/apotti.yml"
    text = path.read_text()
    stage = text.index("apotti_triage:", text.index("apotti_triage:") + 1)
    path.write_text(text[:stage] + "apotti_triage_checked:" + text[stage + len("apotti_triage:"):])
    with pytest.raises(VaultModelError, match=r"both make stg_apotti__triage_checked .*\[V301\]"):
        gen.plan(load(tmp_path / "concept_model"))


def test_every_staging_and_vault_model_knows_the_raw_tables_that_feed_it():
    """The daily job leaves out the vault models no new batch feeds (virta.daily.unfed_models): each
    generated staging and raw-vault model must be fed by some raw table, and only by those whose
    rows reach it, or a day's rows would be left unloaded."""
    fed = gen.models_fed_by(load())
    written = {p.path.stem for p in gen.plan(load()) if p.template
               and p.path.parts[1] in ("staging", "raw_vault")}
    assert set().union(*fed.values()) == written
    assert fed["vtj_residents"] == {"stg_vtj__residents_checked", "stg_vtj__residents",
                                    "hub_person", "sat_person_vtj", "sat_person_identity_code"}
    assert "hub_person" in fed["apotti_visits"] and "sat_person_vtj" not in fed["apotti_visits"]
    # a link's effectivity satellite goes with the link
    assert {"link_visit_unit", "sat_visit_unit_effectivity"} <= fed["apotti_visits"]
    assert "sat_visit_unit_effectivity" not in fed["apotti_referrals"]


def test_a_day_leaves_out_only_tables_and_vault_models_no_new_row_reaches():
    from virta.daily import models_to_leave_out

    model = load()
    fed = gen.models_fed_by(model)
    everything = set().union(*fed.values())
    out = set(models_to_leave_out(model, {"apotti_visits"}, everything))
    # shared models one changed table feeds are built; the rest of the unchanged tables' are not
    assert not out & fed["apotti_visits"]
    assert {"stg_vtj__residents_checked", "sat_person_vtj", "sat_organisation_unit_org"} <= out
    assert "hub_person" not in out and "sat_person_identity_code" not in out
    # stage views are always recreated: one made by a --full-refresh run would read every batch
    assert not out & {gen.stage_model(s) for s in model.stages}
    # a model not built yet is built whatever came in
    assert "sat_person_vtj" not in models_to_leave_out(model, set(), everything - {"sat_person_vtj"})

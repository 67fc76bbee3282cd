"""End to end: the vault loads delivery batches incrementally, and the result equals a full rebuild."""

import datetime as dt

import pytest

from conftest import query_function, run_virta, throwaway_env
from virta.delivery import write_delivery
from virta.hetu import check_char
from virta.load import raw_tables

pytestmark = pytest.mark.e2e

GEN = ["generate", "--scale", "0.001", "--batches", "4"]
VAULT_COUNTS = """
    select 'hub_person', count(*) from raw_vault.hub_person
    union all select 'hub_visit', count(*) from raw_vault.hub_visit
    union all select 'link_visit_assessment', count(*) from raw_vault.link_visit_assessment
    union all select 'sat_visit_apotti', count(*) from raw_vault.sat_visit_apotti
    union all select 'sat_visit_lifecare', count(*) from raw_vault.sat_visit_lifecare
    union all select 'sat_need_assessment_apotti', count(*) from raw_vault.sat_need_assessment_apotti
    union all select 'sat_visit_diagnosis_apotti', count(*) from raw_vault.sat_visit_diagnosis_apotti
    union all select 'sat_visit_deletion_apotti', count(*) from raw_vault.sat_visit_deletion_apotti
    union all select 'sat_visit_unit_effectivity', count(*) from raw_vault.sat_visit_unit_effectivity
    union all select 'audit_quarantine', count(*) from audit.audit_quarantine
    order by 1"""


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    e = throwaway_env(tmp_path_factory, "virta-incremental")
    yield e
    run_virta(["db", "stop"], e, check=False)


# Columns stamped with the wall-clock time or the identity of a run: not content. The dbt invocation
# log records runs themselves, and an incremental history has more of them than a rebuild; an
# incremental business-vault table stamps each row with when it was computed.
RUN_TIMESTAMPS = {"quarantined_at", "recorded_at", "processed_at", "dbt_invocation_id", "_refreshed_at"}

# the incremental business-vault tables, by their key: how many rows the latest build recomputed
INCREMENTAL_BV = ["bv_person", "bv_primary_care_assessment", "bv_primary_care_visit", "bv_specialised_care_referral",
                  "bv_social_care_case", "bv_social_care_decision", "bv_clock_events", "bv_deadline_due"]


def recomputed(env):
    """Per incremental business-vault table: (rows computed by its latest refresh, all rows)."""
    return {t: tuple(query(env, f"""
        select count(*) filter (where _refreshed_at = (select max(_refreshed_at) from business_vault.{t})), count(*)
        from business_vault.{t}""")[0]) for t in INCREMENTAL_BV}
RUN_LOGS = {"dbt_invocations"}


# what the stages of Apotti visits would read: checked rows of batches not in the batch log
UNLOADED_VISITS = ("select count(*) from staging.stg_apotti__visits_checked "
                   "where _batch_id > virta_util.last_loaded_batch('apotti_visits')")


def content_checksums(env):
    """Every table of the vault, business vault, marts, restricted outputs and audit: its row count and an MD5 over its
    rows (sorted, run timestamps left out), so an incremental load is compared row by row."""
    tables = query(env, """
        select table_schema, table_name, string_agg(quote_ident(column_name), ', ' order by ordinal_position)
        from information_schema.columns
        where table_schema in ('raw_vault', 'business_vault', 'marts', 'restricted', 'audit')
          and not column_name = any(%s) and not table_name = any(%s)
          and (table_schema, table_name) in (select table_schema, table_name from information_schema.tables
                                             where table_type = 'BASE TABLE')
        group by 1, 2 order by 1, 2""", (sorted(RUN_TIMESTAMPS), sorted(RUN_LOGS)))
    out = {}
    for schema, table, columns in tables:
        out[f"{schema}.{table}"] = tuple(query(env, f"""
            select count(*), md5(coalesce(string_agg(r::text, '|' order by r::text), ''))
            from (select {columns} from {schema}.{table}) as r""")[0])
    return out


def query(env, text, params=None):
    run, close = query_function(env)
    try:
        return run(text, params)
    finally:
        close()


def test_batches_load_incrementally_and_match_a_full_rebuild(env, tmp_path):
    run_virta([*GEN, "--through", "3"], env)
    run_virta(["dbt", "build"], env)
    # everything delivered is loaded: the stages have nothing left to feed the vault
    assert query(env, UNLOADED_VISITS) == [(0,)]

    run_virta([*GEN, "--batch", "4"], env)
    # the fourth delivery date: one batch per system; Apotti's is the newest Apotti batch
    apotti4 = query(env, "select max(batch_id) from raw._batches where source_system = 'apotti'")[0][0]
    assert query(env, "select count(distinct delivered_on) from raw._batches") == [(4,)]
    batch4 = query(env, "select count(*) from raw.apotti_visits where _batch_id = %s", (apotti4,))[0][0]
    assert batch4 > 0
    run_virta(["dbt", "build"], env)
    # Staging checked the new delivery only, not the history, once, into a table; the stages read
    # nothing of it once the batch is logged as loaded.
    assert query(env, "select count(*), min(_batch_id) from staging.stg_apotti__visits_checked") == [
        (batch4, apotti4)]
    assert query(env, UNLOADED_VISITS) == [(0,)]
    logged = query(env, "select source_table, count(*) from audit.audit_batch_log "
                        "where source_table = 'apotti_visits' group by 1")
    assert logged == [("apotti_visits", 4)]
    # Corrections arrive as new satellite rows: visits first delivered booked, later with their outcome.
    changed = query(env, """
        select count(*) from (
            select visit_hk from raw_vault.sat_visit_apotti group by visit_hk
            having bool_or(visit_status = 'booked') and bool_or(visit_status = 'completed')
        ) as x""")[0][0]
    assert changed > 0

    # A visit moved to another unit after booking: two links, the later one in effect, one visit row.
    moved = query(env, """
        select e.visit_hk, e.organisation_unit_hk from raw_vault.sat_visit_unit_effectivity e
        where e.visit_hk in (select visit_hk from raw_vault.sat_visit_unit_effectivity
                             group by visit_hk having count(*) > 1)
          and e.effective_from = (select max(effective_from) from raw_vault.sat_visit_unit_effectivity x
                                  where x.visit_hk = e.visit_hk)""")
    assert moved
    for visit_hk, unit_hk in moved:
        assert query(env, "select organisation_unit_hk from business_vault.bv_primary_care_visit where visit_hk = %s",
                     (visit_hk,)) == [(unit_hk,)]

    # The business vault recomputed only what the fourth delivery touched: some rows of every
    # case-level table, not all (the full rebuild below checks they are the right ones).
    fourth = recomputed(env)
    assert all(0 < new < total for new, total in fourth.values()), fourth

    incremental = query(env, VAULT_COUNTS)
    incremental_content = content_checksums(env)
    assert len(incremental_content) > 60
    logged = "select source_table, batch_id, dbt_invocation_id from audit.audit_batch_log order by 1, 2"
    taken_by = query(env, logged)
    # Nothing new delivered: nothing changes. A checked table the build leaves out (as the daily job
    # does when its source brought nothing) still holds batch 4: no reader takes it again.
    run_virta(["dbt", "build", "--exclude", "stg_apotti__visits_checked"], env)
    assert query(env, "select count(*) from staging.stg_apotti__visits_checked") == [(batch4,)]
    assert query(env, VAULT_COUNTS) == incremental
    assert content_checksums(env) == incremental_content
    assert query(env, logged) == taken_by
    assert recomputed(env) == fourth  # no news: no row recomputed

    refused = run_virta([*GEN, "--batch", "4"], env, check=False)
    assert refused.returncode == 2 and "was loaded already" in refused.stderr

    # A referral still waiting for processing is cancelled in a later delivery, with a corrected
    # identity code: still one referral (the latest patient), and its clocks stop running and are
    # dropped from the incremental tables, not left behind.
    referral_id, specialty, received, unit, delivered = query(env, """
        select r.referral_id, r.specialty, r.received_dttm, r.dept_id,
               (select max(delivered_on) from raw._batches where source_system = 'apotti')
        from raw.apotti_referrals as r
        where r.referral_status = 'RECEIVED' and r.pat_ssn_valid = 'true'
          and not exists (select from raw.apotti_referrals as later
                          where later.referral_id = r.referral_id and later._batch_id > r._batch_id)
        order by r.referral_id limit 1""")[0]
    clocks_of = ("select count(*) from business_vault.{} "
                 "where event_hk = decode(md5(upper(trim('APOTTI|' || %s))), 'hex')")
    assert query(env, clocks_of.format("bv_clock_events"), (referral_id,))[0][0] > 0
    # a system delivers every table each time: the others empty (header only)
    unchanged = {name: {column: [] for column in spec.columns}
                 for name, spec in raw_tables().items() if name.startswith("apotti_")}
    cancelled = write_delivery(tmp_path / "cancelled", "apotti", delivered + dt.timedelta(days=1), {
        **unchanged,
        "apotti_referrals": {
            "referral_id": [referral_id], "pat_ssn": ["010180-902" + check_char("010180", "902")],
            "specialty": [specialty], "received_dttm": [received], "triage_dttm": [None],
            "assessment_dttm": [None], "queue_dttm": [None], "treatment_dttm": [None],
            "cancel_dttm": [received], "referral_status": ["CANCELLED"], "dept_id": [unit]}})
    run_virta(["load", str(cancelled)], env)
    run_virta(["dbt", "build"], env)
    assert query(env, clocks_of.format("bv_specialised_care_referral").replace("event_hk", "referral_hk"),
                 (referral_id,)) == [(1,)]
    assert query(env, clocks_of.format("bv_clock_events"), (referral_id,)) == [(0,)]
    assert query(env, clocks_of.format("bv_deadline_due"), (referral_id,)) == [(0,)]
    incremental = query(env, VAULT_COUNTS)
    incremental_content = content_checksums(env)

    run_virta(["dbt", "build", "--full-refresh"], env)  # the whole history in one load
    full = dict(query(env, VAULT_COUNTS))
    inc = dict(incremental)
    assert {k: v for k, v in full.items() if k != "audit_quarantine"} == \
        {k: v for k, v in inc.items() if k != "audit_quarantine"}
    assert full["audit_quarantine"] == inc["audit_quarantine"]
    # Not only as many rows: the same rows, in every table down to the marts.
    full_content = content_checksums(env)
    differ = sorted(t for t in incremental_content if full_content.get(t) != incremental_content[t])
    assert differ == [] and full_content.keys() == incremental_content.keys()

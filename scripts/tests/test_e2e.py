"""End to end: a throwaway embedded PostgreSQL, the bundled synthetic sample, `dbt build`, and
assertions on real rows in the vault, the audit tables and a mart."""

from pathlib import Path

import pytest

import raw_recompute as rr
from conftest import UNIT_TESTS_OFF, run_virta
from raw_recompute import TOTAL, pct

pytestmark = pytest.mark.e2e


def _raw_tables():
    from virta.load import raw_columns

    return sorted(raw_columns())


RAW_TABLES = _raw_tables()
# Where each defect kind of the generator must show up: a quarantine reason (pattern) or unknown codes.
DEFECT_EVIDENCE = {
    "invalid_identity_code": "invalid identity code in %",
    "missing_key": "missing record key %",
    "unparseable_timestamp": "unparseable % in %",
    "unparseable_amount": "unparseable decimal in %",
    "out_of_order": "event out of order%",
    "future_date": "future % in %",
    "duplicate_delivery": "duplicate delivery of the record in the same batch",
}


def test_main_job_reports_connection_and_docs(warehouse):
    env, result = warehouse
    assert f"port {env['VIRTA_EMBEDDED_PORT']}" in result.stdout
    assert "schema of the marts: marts" in result.stdout
    assert (Path(env["DBT_TARGET_PATH"]) / "index.html").exists()
    assert (Path(env["DBT_TARGET_PATH"]) / "catalog.json").exists()


def test_docs_overview_shows_the_indicator_catalogue_in_a_headless_browser(warehouse):
    """The dbt docs site `virta run` built, opened in headless Chromium: its overview page lists every
    indicator by name (the docs app renders it from manifest.json, so this is the real page)."""
    from virta import docs_check

    assert docs_check.chromium() is not None, \
        "no Chromium on this machine: install Debian's chromium (apt-get install chromium), as .ci/run does"
    env, _ = warehouse
    assert docs_check.missing_from_overview(Path(env["DBT_TARGET_PATH"])) == []


def test_person_hub_is_shared_by_every_source_system(sql):
    # A person seen by the population register and by a patient record system is one hub row.
    rows = sql("""
        select l.record_source, count(distinct h.person_hk)
        from raw_vault.hub_person h
        join raw_vault.sat_person_vtj s on s.person_hk = h.person_hk
        join raw_vault.link_contact_person l on l.person_hk = h.person_hk
        group by 1 order by 1""")
    systems = {source.split(".")[0]: n for source, n in rows}
    assert systems.keys() == {"APOTTI", "LIFECARE", "PEGASOS"}
    assert all(n > 10 for n in systems.values())
    assert sql("select count(*) from raw_vault.hub_person")[0][0] > 1000


def test_every_raw_row_is_loaded_or_quarantined(sql):
    for table in RAW_TABLES:
        raw = dict(sql(f"select _batch_id, count(*) from raw.{table} group by 1"))
        log = {b: (acc, q) for b, acc, q in sql(
            "select batch_id, rows_accepted, rows_quarantined from audit.audit_batch_log where source_table = %s",
            (table,))}
        quarantined = dict(sql("select batch_id, count(*) from audit.audit_quarantine where source_table = %s "
                               "group by 1", (table,)))
        assert raw.keys() == log.keys(), table
        for batch, n in raw.items():
            accepted, rejected = log[batch]
            assert n == accepted + rejected, table
            assert rejected == quarantined.get(batch, 0), table
    reasons = {r for (r,) in sql("select distinct reason from audit.audit_quarantine")}
    assert {"invalid identity code in pat_ssn", "missing record key visit_id",
            "duplicate delivery of the record in the same batch", "unparseable timestamp in hta_aika"} <= reasons


def test_every_injected_defect_row_is_accounted_for(sql):
    """Regenerate the sample the main job loaded (same seed and scale) and find every row the generator
    damaged, by its row number, in the warehouse's audit tables: quarantined with the reason of its
    defect, or (an unknown code) loaded as 'unknown' and listed in audit_unknown_codes, or (a ledger
    line on an unknown cost centre) listed in audit_orphan_records."""
    import fnmatch

    from virta.generate import generate
    from virta.generate.core import DEFAULT_SAMPLE

    extract = generate(DEFAULT_SAMPLE)
    # the sample is one delivery date: a batch per system, so each table's rows are in one batch
    quarantine = {(t, n): r for t, n, r in sql("select source_table, row_no, reason from audit.audit_quarantine")}
    unknown = {(t, n) for t, n in sql("select source_table, row_no from audit.audit_unknown_codes")}
    orphan_ledger = {k for (k,) in sql("""
        select k._row_no from raw.raindance_kirjaukset k
        join audit.audit_orphan_records o on o.child_concept = 'ledger_entry'
         and o.child_hk = decode(md5(upper(trim('RAINDANCE|' || k.vientitunnus))), 'hex')""")}
    kinds, missed = set(), []
    for table, rows in extract.defect_rows.items():
        for index, kind in rows:
            kinds.add(kind)
            row_no = index + 1
            if kind == "unknown_code":
                found = (table, row_no) in unknown or (table == "raindance_kirjaukset" and row_no in orphan_ledger)
            else:
                reason = quarantine.get((table, row_no), "")
                found = fnmatch.fnmatch(reason, DEFECT_EVIDENCE[kind].replace("%", "*"))
            if not found:
                missed.append((table, row_no, kind, quarantine.get((table, row_no))))
    assert missed == []
    # and the other way round: no row the generator left clean is quarantined (a clean row that is
    # would be a generator or staging check in error, counted as a defect nobody injected)
    damaged = {(table, index + 1) for table, rows in extract.defect_rows.items() for index, _ in rows}
    clean_quarantined = sorted((t, n, r) for (t, n), r in quarantine.items() if (t, n) not in damaged)
    assert clean_quarantined[:10] == [] and len(clean_quarantined) == 0
    assert kinds == set(DEFECT_EVIDENCE) | {"unknown_code"}
    assert sum(len(rows) for rows in extract.defect_rows.values()) >= 100


def test_mart_has_plausible_rows_for_every_county(sql):
    rows = dict(sql("""
        select area_code, sum(visits_n) from disclosure.dsc_primary_care_waits_monthly
        where service_line = 'all' and professional_group = 'all' and age_group = 'all' group by 1"""))
    from virta.generate.core import DEFAULT_SAMPLE

    assert sorted(rows) == sorted([*DEFAULT_SAMPLE.counties, TOTAL])  # the default sample's counties and their total
    assert rows[TOTAL] == sum(rows[c] for c in DEFAULT_SAMPLE.counties)  # the total is the counties' visits, once each
    assert all(n > 1000 for n in rows.values())
    doctor = sql("""
        select sum(visits_n * within_14d_pct) / sum(visits_n)
        from marts.mart_primary_care_waits_monthly
        where professional_group = 'doctor' and area_level = 'county' and not is_suppressed""")[0][0]
    assert 45 <= doctor <= 90


def test_second_run_reuses_everything_and_changes_nothing(warehouse, sql):
    """A second run loads nothing again; a satellite under the name an older version gave it (var
    renamed_relations) is renamed in place before the build and keeps its rows."""
    env, _ = warehouse
    counts = "select (select count(*) from raw_vault.hub_person), (select count(*) from raw_vault.sat_visit_apotti), " \
             "(select count(*) from audit.audit_quarantine), (select count(*) from audit.audit_batch_log), " \
             "(select count(*) from raw_vault.sat_need_assessment_apotti)"
    before = sql(counts)
    assert before[0][4] > 0
    sql("alter table raw_vault.sat_need_assessment_apotti rename to sat_assessment_apotti")  # as an old build left it
    # the first run ran every unit test; they test the code, which is the same
    result = run_virta(["run", "--skip-docs"], {**env, UNIT_TESTS_OFF[0]: UNIT_TESTS_OFF[1]})
    assert "already running" in result.stderr
    assert "synthetic sample already loaded" in result.stderr
    assert "Installing dbt packages" not in result.stderr
    assert "renamed raw_vault.sat_assessment_apotti to sat_need_assessment_apotti" in result.stdout + result.stderr
    assert sql(counts) == before
    assert sql("select to_regclass('raw_vault.sat_assessment_apotti')") == [(None,)]


def test_source_deletions_are_tracked_and_left_out_of_counts(sql):
    tombstones = sql("select count(distinct record_id) from raw.apotti_deleted_records "
                     "where record_type = 'VISIT' and record_id is not null")[0][0]
    assert tombstones > 0
    assert sql("select count(distinct visit_hk) from raw_vault.sat_visit_deletion_apotti")[0][0] == tombstones
    # a deleted visit whose own rows were all quarantined has no attributes to be a visit with; its
    # tombstone is kept in the vault and its rows counted in the quarantine
    never_accepted = sql("""
        select count(distinct d.record_id) from raw.apotti_deleted_records d
        where d.record_type = 'VISIT' and d.record_id is not null and not exists (
            select 1 from raw.apotti_visits v
            where v.visit_id = d.record_id and not exists (
                select 1 from audit.audit_quarantine q
                where q.source_table = 'apotti_visits' and q.batch_id = v._batch_id and q.row_no = v._row_no))""")[0][0]
    assert sql("select count(*) from business_vault.bv_primary_care_visit where is_deleted")[0][0] \
        == tombstones - never_accepted
    # the mart counts exactly the visits the raw recompute counts, which leaves the tombstoned ones out
    import raw_recompute as rr

    counted = sum(1 for v in rr.primary_care_visits(sql) if v["assessment"] and v["assessment"]["urgency"] == "NONURGENT")
    published = sql("""select sum(visits_n) from disclosure.dsc_primary_care_waits_monthly where area_code = 'all'
                       and service_line = 'all' and professional_group = 'all' and age_group = 'all'""")[0][0]
    assert published == counted
    deleted_completed = sql("""select count(*) from business_vault.bv_primary_care_visit
                               where is_deleted and visit_status = 'completed' and urgency = 'non_urgent'""")[0][0]
    assert deleted_completed > 0  # there were deleted visits the waits would otherwise have counted


def test_specialised_care_month_end_figures_recomputed_from_raw_tables(sql):
    """People waiting at a month end in the Apotti county, recomputed in plain Python from
    raw.apotti_referrals with the documented load rules (last delivery wins; a row with a missing key,
    invalid identity code, unparseable, future or out-of-order date is not loaded), then compared with
    the mart's counts and share over 180 days."""
    import datetime as dt

    def ts(text):
        try:
            return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S") if text else None
        except ValueError:
            return "bad"

    units = {u for (u,) in sql("select unit_oid from raw.org_units where county_code = '90'")}
    latest = {}
    for row in sql("""select referral_id, pat_ssn_valid, received_dttm, triage_dttm, assessment_dttm, queue_dttm,
                             treatment_dttm, cancel_dttm, referral_status, dept_id, _loaded_at
                      from raw.apotti_referrals where referral_id is not null order by _batch_id, _row_no"""):
        latest[row[0]] = row[1:]
    checked = 0
    for month_end in (dt.date(2024, 6, 30), dt.date(2024, 12, 31)):
        waiting, over_180 = 0, 0
        for ssn, *times, status, unit, loaded_at in latest.values():
            received, processed, assessed, queued, treated, cancelled = parsed = [ts(t) for t in times]
            if ssn != "true" or received is None or "bad" in parsed or unit not in units:
                continue
            if any(p and p.replace(tzinfo=dt.timezone.utc) >= loaded_at for p in parsed):
                continue
            if any(p and p.date() < received.date() for p in parsed[1:]):
                continue
            day = {name: (p.date() if p else None) for name, p in zip(
                ("received", "processed", "assessed", "queued", "treated", "cancelled"), parsed)}

            def by(name):
                return day[name] is not None and day[name] <= month_end

            closed = by("treated") or by("cancelled") or (status == "REJECTED" and by("processed")) \
                or (by("assessed") and day["queued"] is None)
            if day["received"] > month_end or closed:
                continue
            if by("queued"):
                wait = (month_end - day["queued"]).days
            elif not by("assessed"):
                wait = (month_end - day["received"]).days
            else:
                continue
            waiting += 1
            over_180 += wait > 180
        ((n, over, share),) = sql("""select waiting_n, over_180_n, over_180_pct
                                   from disclosure.dsc_specialised_care_waiting_month_end where area_code = '90' and waiting_for = 'all' and month_end = %s""", (month_end,))
        assert (n, over) == (waiting, over_180), month_end
        if share is not None:
            assert float(share) == pct(over_180, waiting)
        checked += waiting
    assert checked > 50


def _procons_latest(sql, table, key, columns, date_columns):
    """Latest delivery of each record of a ProConsona table, as loaded (valid identity code or none,
    D.M.YYYY dates that parse and do not lie after the delivery)."""
    import datetime as dt

    rows = {}
    for row in sql(f"select {key}, hetu_pseudonym, hetu_valid, hetu_birth_date, hetu_sex, _loaded_at, "
                   f"{', '.join(columns)} from raw.{table} where {key} is not null order by _batch_id, _row_no"):
        rows[row[0]] = (rr.Landed(*row[1:5]), *row[5:])
    loaded = {}
    for record, (ssn, loaded_at, *values) in rows.items():
        dates = []
        for column, text in zip(columns, values):
            try:
                dates.append(dt.datetime.strptime(text, "%d.%m.%Y").date() if text and column in date_columns
                             else text)
            except ValueError:
                dates.append("bad")
        if "bad" in dates or (ssn.pseudonym and ssn.valid != "true"):
            continue
        if any(isinstance(d, dt.date) and dt.datetime.combine(d, dt.time(), dt.timezone.utc) >= loaded_at
               for d in dates):
            continue
        loaded[record] = (ssn, *dates)
    return loaded


def test_social_care_headline_figures_recomputed_from_raw_tables(sql):
    """Two headline figures of the Apotti county's social care recomputed in plain Python from the
    raw ProConsona tables, counting arkipäivät in Python (over the holiday list the seed is written from,
    which a dbt test checks against the computus) rather than with bv_calendar: assessments of
    people aged 75+ started by the 7th arkipäivä after initiation (SHL § 36), per month; and the
    vanhuspalvelulaki § 26 half-year mean days from initiation to the start of 24-hour housing."""
    import datetime as dt
    from collections import defaultdict

    from virta.reference import holiday_dates as finnish_holidays

    units = {u for (u,) in sql("select unit_oid from raw.org_units where county_code = '90'")}
    born = {h: dt.datetime.strptime(b, "%Y%m%d").date()
            for h, b in sql("select hetu_pseudonym, syntymaaika from raw.vtj_residents where hetu_valid = 'true'")}
    every_case = _procons_latest(
        sql, "procons_asiat", "asia_id", ["vireilletulopvm", "asiaryhma", "yksikko"], {"vireilletulopvm"})
    cases = {c: v for c, v in every_case.items() if v[3] in units}
    starts = {}
    for _, (_, case_id, started, completed) in _procons_latest(
            sql, "procons_arvioinnit", "arviointi_id", ["asia_id", "aloituspvm", "valmistumispvm"],
            {"aloituspvm", "valmistumispvm"}).items():
        if completed and completed < started:
            continue  # quarantined: out of order
        starts[case_id] = min(started, starts.get(case_id, started))
    holidays = finnish_holidays(dt.date(2020, 1, 1), dt.date(2027, 12, 31))

    def seventh_working_day(day):
        n = 0
        while n < 7:
            day += dt.timedelta(days=1)
            n += day.weekday() < 5 and day not in holidays
        return day

    on_time, started = defaultdict(int), defaultdict(int)
    for case_id, (ssn, initiated, group, _) in cases.items():
        if group != "IKA":
            continue
        b = born.get(ssn.pseudonym) or rr.person(ssn)[0]  # a client the register lacks: the code gives the age
        if initiated.year - b.year - ((initiated.month, initiated.day) < (b.month, b.day)) < 75:
            continue
        month = initiated.replace(day=1)
        if case_id in starts:
            started[month] += 1
            on_time[month] += starts[case_id] <= seventh_working_day(initiated)
    mart = sql("""select month, started_n, started_on_time_n from disclosure.dsc_social_assessment_timeliness_monthly
                  where area_code = '90' and legal_group = 'aged_75_plus'""")
    assert len(mart) >= 12
    for month, n, met in mart:
        assert (n, met) == (started[month], on_time[month]), month
    assert 0 < sum(m for _, _, m in mart) < sum(n for _, n, _ in mart)  # some late, most on time

    # vanhuspalvelulaki § 26: 24-hour housing started in each complete half year, mean days from initiation
    # a decision whose case row was rejected counts where its producing unit is, with no initiation
    spans, orphans = defaultdict(list), defaultdict(int)
    for _, (_, case_id, service, decided, outcome, service_start, producer) in _procons_latest(
            sql, "procons_paatokset", "paatos_id",
            ["asia_id", "palvelu", "paatospvm", "ratkaisu", "palvelun_alkamispvm", "tuottaja"],
            {"paatospvm", "palvelun_alkamispvm"}).items():
        if service != "YMPARIVUOROKAUTINEN" or outcome != "MYONTEINEN" or not service_start:
            continue
        half = dt.date(service_start.year, 1 if service_start.month <= 6 else 7, 1)
        if case_id in cases:
            spans[half].append((service_start - cases[case_id][1]).days)
        elif case_id not in every_case and producer in units:
            orphans[half] += 1
    mart = sql("""select period_start, started_n, days_initiation_to_start_mean
                  from disclosure.dsc_social_service_waits_half_year
                  where area_code = '90' and service = 'housing_24h'""")
    assert len(mart) >= 2
    for half, n, mean in mart:
        assert n == len(spans[half]) + orphans[half], half
        if mean is not None:
            assert float(mean) == pct(sum(spans[half]), 100 * len(spans[half])), half


def test_costs_reconcile_with_the_ledger_and_allocation_moves_no_money(sql):
    """Every loaded ledger euro is in the cost fact (unmapped lines as 'unmapped', not dropped), the
    allocation of shared costs sums to zero per county and month, and the AURA mart's country total
    at each level equals the fact."""
    from decimal import Decimal

    import raw_recompute as rr

    by_service, _ = rr.costs_by_service(sql)  # the ledger recomputed from raw, line by line
    ledger = sql("select sum(amount_eur) from business_vault.bv_ledger_entry")[0][0]
    assert ledger == sum(by_service.values())  # to the cent
    assert sql("select sum(net_eur) from disclosure.dsc_costs_monthly")[0][0] == ledger
    unmapped = sql("select sum(net_eur) from disclosure.dsc_costs_monthly where service_code = 'unmapped'")[0][0]
    assert unmapped == sum(v for (_, _, service), v in by_service.items() if service == "unmapped") > 0
    assert sql("""select count(*) from (select county_code, month from business_vault.bv_cost_allocation_monthly
                  group by 1, 2 having sum(allocated_eur) <> 0) as unbalanced""")[0][0] == 0
    for level in ("total", "activity", "package", "service_group", "service"):
        total = sql("""select sum(net_eur) from disclosure.dsc_costs_by_aura_monthly
                       where area_code = 'all' and production_mode = 'all' and aura_level = %s""", (level,))[0][0]
        rows = sql("""select count(*) from disclosure.dsc_costs_by_aura_monthly
                      where area_code = 'all' and production_mode = 'all' and aura_level = %s""", (level,))[0][0]
        assert abs(total - ledger) <= Decimal("0.005") * rows, level  # each row is rounded to the cent


def _hash(expression):
    """automate-dv's hash key of one business-key expression on PostgreSQL (MD5 of the trimmed, upper-cased text)."""
    return f"decode(md5(nullif(upper(trim(cast({expression} as varchar))), '')), 'hex')"


def test_every_accepted_row_reaches_its_hubs_links_and_satellites(sql):
    """The row balance (raw = accepted + quarantined) holds by construction; this checks the other half:
    every raw row not in the quarantine reaches every hub, link and satellite its stage feeds (person keys
    are keyed pseudonyms and are checked by the pseudonymisation tests instead)."""
    from virta.vault.model import load

    model = load()
    checked = 0
    for stage in model.stages:
        table = stage.table
        fields = []
        for f in table.fields.values():
            col = f'd."{f.source_column}"'
            if f.type == "hetu":  # the loader landed the keyed pseudonym and its validity
                fields.append(f'case when d."{f.source_column}_valid" = \'true\' '
                              f'then d."{f.source_column}_pseudonym" end as {f.name}')
                continue
            fields.append(f"lower(nullif(trim({col}), '')) as {f.name}" if f.type == "code"
                          else f"nullif(trim({col}), '') as {f.name}")
        accepted = f"""
            select * from (
                select {', '.join(fields)} from raw.{table.name} as d
                where not exists (select 1 from audit.audit_quarantine as q where q.source_table = '{table.name}'
                                  and q.batch_id = d._batch_id and q.row_no = d._row_no)
            ) as t where {stage.where or 'true'}"""

        def key(hub):  # qualified: the hub has a column of the same name
            f = f"a.{stage.hubs[hub]}"
            return f if model.hubs[hub].shared_key else f"'{table.system.record_source}|' || {f}"

        hubs = [h for h in stage.hubs if table.fields[stage.hubs[h]].type != "hetu"]
        for hub in hubs:
            missing = sql(f"""select count(*) from ({accepted}) as a where {stage.hubs[hub]} is not null
                and not exists (select 1 from raw_vault.hub_{hub} as h where h.{hub}_hk = {_hash(key(hub))})""")
            assert missing == [(0,)], (stage.name, hub)
            checked += 1
        for link, ends in stage.links.items():
            if any(table.fields[f].type == "hetu" for f in ends.values()):
                continue
            cond = " and ".join(f"l.{h}_hk = {_hash(key(h))}" for h in ends)
            missing = sql(f"""select count(*) from ({accepted}) as a
                where {' and '.join(f'{f} is not null' for f in ends.values())}
                and not exists (select 1 from raw_vault.link_{link} as l where {cond})""")
            assert missing == [(0,)], (stage.name, link)
            checked += 1
        for sat in (*stage.satellites, *stage.multi_active_satellites, *stage.status_satellites):
            if sat.hub not in hubs:
                continue
            missing = sql(f"""select count(*) from ({accepted}) as a where {stage.hubs[sat.hub]} is not null
                and not exists (select 1 from raw_vault.{sat.name} as s where s.{sat.hub}_hk = {_hash(key(sat.hub))})""")
            assert missing == [(0,)], (stage.name, sat.name)
            checked += 1
    assert checked >= 50

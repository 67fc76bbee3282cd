"""End to end: the marts against independent recomputes from the raw tables (plain Python), for the
places where a record can fall between the cracks: a person the population register does not give,
a parent record known only by its key, events dated after the delivery (issue 13)."""

import datetime as dt
from collections import Counter, defaultdict

import numpy as np
import pytest

import raw_recompute as rr
from virta.generate.core import finnish_holidays

pytestmark = pytest.mark.e2e

APOTTI_GROUPS = {"MD": "doctor", "RN": "nurse", "PT": "other", "DDS": "dentist", "RDH": "oral_hygienist"}
LIFECARE_GROUPS = {"LAAK": "doctor", "HOIT": "nurse", "MUU": "other", "HAMM": "dentist", "SHG": "oral_hygienist"}
SERVICE_AREAS = {"GP": "general_practice", "ORAL": "oral_care"}


def _units(sql):
    units = rr.latest_accepted(sql, "org_units", lambda r: None if rr.blank(r["unit_oid"]) else r["unit_oid"].strip(),
                               lambda r: not rr.blank(r["county_code"]))
    return {k: (r["county_code"].strip(), SERVICE_AREAS.get((r["service_area"] or "").strip().upper()))
            for k, r in units.items()}


def _key(column):
    return lambda r: None if rr.blank(r[column]) else r[column].strip()


def _valid_hetu(column):
    return lambda r: rr.person(r[column]) is not None


def register_codes(sql):
    """Identity codes the population register delivered in an accepted row."""
    return set(rr.latest_accepted(sql, "vtj_residents", lambda r: r["hetu"].strip().upper() if r["hetu"] else None,
                                  lambda r: rr.person(r["hetu"]) is not None and rr.compact(r["syntymaaika"]) is not None
                                  and not rr.blank(r["kotikunta"])))


def primary_care_visits(sql):
    """Completed, not deleted visits of both patient systems with a known unit: one dict each with the
    county, month, professional group, the service line, whether the visit names a need assessment,
    and (when the assessment itself was accepted) its urgency, the wait and the age at assessment, and
    whether the person is in the register and the assessment's contact is known."""
    units = _units(sql)
    register = register_codes(sql)
    out = []
    # Apotti: contacts, triage and appointments in separate tables.
    contacts = rr.latest_accepted(sql, "apotti_contacts", _key("contact_id"), lambda r: (
        rr.person(r["pat_ssn"]) is not None and rr.iso_ts(r["contact_dttm"]) is not None
        and rr.not_future(rr.iso_ts(r["contact_dttm"]), r)))
    triage = rr.latest_accepted(sql, "apotti_triage", _key("triage_id"), lambda r: (
        rr.person(r["pat_ssn"]) is not None and rr.iso_ts(r["triage_dttm"]) is not None
        and rr.not_future(rr.iso_ts(r["triage_dttm"]), r)))
    deleted = rr.latest_accepted(sql, "apotti_deleted_records", _key("record_id"), lambda r: (
        (r["record_type"] or "").strip().upper() == "VISIT" and rr.iso_ts(r["deleted_dttm"]) is not None))
    visits = rr.latest_accepted(sql, "apotti_visits", _key("visit_id"), lambda r: (
        rr.person(r["pat_ssn"]) is not None and rr.iso_ts(r["appt_dttm"]) is not None))
    for visit_id, v in visits.items():
        unit = units.get((v["dept_id"] or "").strip())
        if (v["appt_status"] or "").strip().upper() != "COMPLETED" or visit_id in deleted or unit is None:
            continue
        t = triage.get((v["triage_id"] or "").strip())
        contact = contacts.get((t["contact_id"] or "").strip()) if t else None
        line = ({"PRIMARY": "general_practice", "DENTAL": "oral_care"}.get(contact["service_line"].strip().upper())
                if contact and contact["service_line"] else unit[1])
        visit_at = rr.iso_ts(v["appt_dttm"])
        row = {"county": unit[0], "month": visit_at.date().replace(day=1), "line": line,
               "group": APOTTI_GROUPS.get((v["prov_type"] or "").strip().upper()),
               "names_assessment": not rr.blank(v["triage_id"]), "assessment": None}
        if t:
            assessed = rr.iso_ts(t["triage_dttm"]).date()
            row["assessment"] = {"urgency": (t["acuity"] or "").strip().upper(),
                                 "wait": (visit_at.date() - assessed).days,
                                 "age": rr.age(rr.person(t["pat_ssn"])[0], assessed),
                                 "in_register": t["pat_ssn"].strip().upper() in register,
                                 "contact_known": contact is not None}
        out.append(row)
    # Lifecare: the assessment and its visit in one care event.
    contacts = rr.latest_accepted(sql, "lifecare_yhteydenotot", _key("yhteys_id"), lambda r: (
        rr.person(r["hetu"]) is not None and rr.fi_ts(r["yhteys_aika"]) is not None
        and rr.not_future(rr.fi_ts(r["yhteys_aika"]), r)))

    def event_ok(r):
        parse_ok = all(rr.blank(r[c]) or rr.fi_ts(r[c]) is not None for c in ("hta_aika", "kaynti_aika"))
        return rr.person(r["hetu"]) is not None and parse_ok and rr.not_future(rr.fi_ts(r["hta_aika"]), r)

    for e in rr.latest_accepted(sql, "lifecare_hoitotapahtumat", _key("tapahtuma_id"), event_ok).values():
        unit = units.get((e["yksikko"] or "").strip())
        if rr.blank(e["kaynti_aika"]) or (e["tila"] or "").strip().upper() != "T" or unit is None:
            continue
        contact = contacts.get((e["yhteys_id"] or "").strip())
        visit_at = rr.fi_ts(e["kaynti_aika"])
        line = ({"VO": "general_practice", "SH": "oral_care"}.get(contact["palvelu"].strip().upper())
                if contact and contact["palvelu"] else unit[1])
        row = {"county": unit[0], "month": visit_at.date().replace(day=1), "line": line,
               "group": LIFECARE_GROUPS.get((e["ammattiryhma"] or "").strip().upper()),
               "names_assessment": not rr.blank(e["hta_aika"]), "assessment": None}
        if not rr.blank(e["hta_aika"]):
            assessed = rr.fi_ts(e["hta_aika"]).date()
            row["assessment"] = {"urgency": {"1": "URGENT", "3": "NONURGENT"}.get((e["kiireellisyys"] or "").strip()),
                                 "wait": (visit_at.date() - assessed).days,
                                 "age": rr.age(rr.person(e["hetu"])[0], assessed),
                                 "in_register": e["hetu"].strip().upper() in register,
                                 "contact_known": contact is not None}
        out.append(row)
    return out


def _with_country(counter):
    """Add the whole-country ('FI') cell of every county cell: the country is the sum of its counties."""
    total = Counter()
    for (county, *rest), n in counter.items():
        total[("FI", *rest)] += n
    return counter + total


def test_every_counted_visit_is_in_the_waits_mart_with_its_age_group(sql):
    """Issue 13 #1: a visit whose person the population register lacks, or whose assessment names no
    contact, still has an age (from the identity code on the record) and stays in the waits."""
    visits, within14, hard = Counter(), Counter(), Counter()
    for v in primary_care_visits(sql):
        a = v["assessment"]
        if a is None or a["urgency"] != "NONURGENT":
            continue
        hard["not in the register"] += not a["in_register"]
        hard["contact unknown"] += not a["contact_known"]
        key = (v["county"], v["month"], v["line"] or "unknown", v["group"] or "unknown",
               "under_23" if a["age"] < 23 else "23_and_over")
        visits[key] += 1
        within14[key] += a["wait"] <= 14
    assert hard["not in the register"] > 0 and hard["contact unknown"] > 0, hard  # the cases that were lost
    visits = _with_country(visits)
    mart = {(area, month, line, group, age): (n, pct) for area, month, line, group, age, n, pct in sql("""
        select area_code, month, service_line, professional_group, age_group, visits_n, within_14d_pct
        from marts.mart_primary_care_waits_monthly
        where service_line is distinct from 'all' and professional_group is distinct from 'all'
          and age_group <> 'all'""")}
    assert {k: n for k, (n, _) in mart.items()} == dict(visits)
    for key, n in visits.items():
        if key[0] != "FI" and n >= 5:
            assert float(mart[key][1]) == pytest.approx(rr_pct(within14[key], n)), key
    # Total rows: every breakdown also has 'all', so nothing is lost between the groups.
    totals = dict(sql("""
        select area_code || '|' || month, visits_n from marts.mart_primary_care_waits_monthly
        where service_line = 'all' and professional_group = 'all' and age_group = 'all'"""))
    expected = Counter()
    for (area, month, *_), n in visits.items():
        expected[f"{area}|{month}"] += n
    assert totals == dict(expected)


def rr_pct(part, whole):
    from decimal import ROUND_HALF_UP, Decimal

    return float((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def test_coverage_counts_a_visit_whose_assessment_was_quarantined_as_assessed(sql):
    """Issue 13 #6: a visit naming a need assessment whose own row was rejected still followed an
    assessment; it is not a directly booked visit."""
    visits, assessed = Counter(), Counter()
    for v in primary_care_visits(sql):
        if v["line"] is None or (v["assessment"] and v["assessment"]["urgency"] == "URGENT"):
            continue
        key = (v["county"], v["month"], v["line"], v["group"])
        visits[key] += 1
        assessed[key] += v["names_assessment"]
    months = {m for (m,) in sql("select month from business_vault.bv_reporting_month")}
    visits = _with_country(Counter({k: n for k, n in visits.items() if k[1] in months}))
    assessed = _with_country(Counter({k: n for k, n in assessed.items() if k[1] in months}))
    mart = {(a, m, s, g): (n, k) for a, m, s, g, n, k in sql("""
        select area_code, month, service_line, professional_group, visits_n, assessed_n
        from marts.mart_primary_care_assessment_coverage_monthly""")}
    assert {k: n for k, (n, _) in mart.items()} == dict(visits)
    assert {k: a for k, (_, a) in mart.items() if a} == {k: a for k, a in assessed.items() if a}


def social_cases(sql):
    """Accepted social-care cases: county of the responsible office, group, initiation, and the first
    start and completion of the case's assessment (investigation)."""
    units = _units(sql)
    cases = rr.latest_accepted(sql, "procons_asiat", _key("asia_id"), lambda r: (
        rr.person(r["hetu"]) is not None and rr.dmy(r["vireilletulopvm"]) is not None
        and rr.not_future(rr.dmy(r["vireilletulopvm"]), r)))
    assessments = rr.latest_accepted(sql, "procons_arvioinnit", _key("arviointi_id"), lambda r: (
        not rr.blank(r["asia_id"]) and rr.person(r["hetu"]) is not None and rr.dmy(r["aloituspvm"]) is not None
        and rr.not_future(rr.dmy(r["aloituspvm"]), r)
        and (rr.blank(r["valmistumispvm"]) or (rr.dmy(r["valmistumispvm"]) is not None
                                               and rr.not_future(rr.dmy(r["valmistumispvm"]), r)
                                               and rr.dmy(r["valmistumispvm"]) >= rr.dmy(r["aloituspvm"])))))
    started, completed = {}, {}
    for a in assessments.values():
        case = a["asia_id"].strip()
        s, c = rr.dmy(a["aloituspvm"]), rr.dmy(a["valmistumispvm"])
        started[case] = min(filter(None, [started.get(case), s]))
        if c:
            completed[case] = min(filter(None, [completed.get(case), c]))
    out = {}
    for case_id, c in cases.items():
        unit = units.get((c["yksikko"] or "").strip())
        out[case_id] = {"county": unit[0] if unit else None, "group": (c["asiaryhma"] or "").strip().upper(),
                        "initiated": rr.dmy(c["vireilletulopvm"]), "born": rr.person(c["hetu"])[0],
                        "started": started.get(case_id), "completed": completed.get(case_id)}
    return out


def test_child_welfare_periods_count_every_case_with_its_deadline(sql):
    """Issue 13 #2: a child-welfare client the population register lacks keeps the LSL § 26 deadline
    (age from the identity code), so the case is on time or late, never neither."""
    holidays = np.array(sorted(finnish_holidays(dt.date(2022, 1, 1), dt.date(2026, 12, 31))), dtype="datetime64[D]")
    as_of = sql("select max(delivered_on) - 1 from raw._batches")[0][0]
    periods = sql("""select period_start, period_end from marts.mart_child_welfare_investigations_period
                     where area_code = 'FI' order by 1""")
    assert periods
    expected = defaultdict(Counter)
    for c in social_cases(sql).values():
        if c["group"] != "LAS" or c["county"] is None:
            continue
        due = np.busday_offset(np.datetime64(c["initiated"]), 7, roll="forward", holidays=holidays).astype(dt.date)
        if c["started"] is not None:
            when, on_time = c["started"], c["started"] <= due
        elif due < as_of:
            when, on_time = due + dt.timedelta(days=1), False  # still unprocessed past its deadline
        else:
            continue
        for start, end in periods:
            if start <= when <= end:
                for area in (c["county"], "FI"):
                    expected[(area, start)]["processed"] += 1
                    expected[(area, start)]["on_time"] += on_time
    mart = {(a, s): Counter(processed=p, on_time=t) for a, s, p, t in sql("""
        select area_code, period_start, processed_n, started_on_time_n
        from marts.mart_child_welfare_investigations_period""")}
    assert {k: v for k, v in mart.items() if v["processed"]} == dict(expected)


def test_a_decision_whose_case_row_was_rejected_is_still_counted(sql):
    """Issue 13 #6: a valid decision is counted in the decisions mart even when its case row was
    quarantined (placed by its producer unit and client), and reported as such in the audit."""
    months = {m for (m,) in sql("select month from business_vault.bv_reporting_month")}
    decisions = rr.latest_accepted(sql, "procons_paatokset", _key("paatos_id"), lambda r: (
        not rr.blank(r["asia_id"]) and rr.person(r["hetu"]) is not None and rr.dmy(r["paatospvm"]) is not None
        and rr.not_future(rr.dmy(r["paatospvm"]), r)
        and all(rr.blank(r[c]) or (rr.dmy(r[c]) is not None and rr.not_future(rr.dmy(r[c]), r))
                for c in ("palvelun_alkamispvm", "palvelun_paattymispvm"))
        and not (rr.dmy(r["palvelun_paattymispvm"]) and (rr.dmy(r["palvelun_alkamispvm"]) is None
                                                         or rr.dmy(r["palvelun_paattymispvm"])
                                                         < rr.dmy(r["palvelun_alkamispvm"])))))
    services = {"KOTIHOITO": "home_care", "OMAISHOIDON_TUKI": "informal_care_support",
                "YMPARIVUOROKAUTINEN": "housing_24h", "LS_AVOHUOLTO": "child_welfare_open_care"}
    expected = Counter()
    for d in decisions.values():
        month = rr.dmy(d["paatospvm"]).replace(day=1)
        if month in months:
            expected[(month, services.get((d["palvelu"] or "").strip().upper(), "unknown"))] += 1
    mart = Counter()
    for month, service, n in sql("""select month, service, decisions_n from marts.mart_social_service_decisions_monthly
                                    where area_code = 'FI'"""):
        mart[(month, service)] += n
    assert mart == expected
    cases = social_cases(sql)
    orphans = sum(1 for d in decisions.values() if d["asia_id"].strip() not in cases)
    assert orphans > 0, "the sample should hold decisions whose case row was rejected"
    reported = sql("""select count(*) from audit.audit_orphan_records
                      where child_concept = 'decision' and parent_concept = 'social_care_case'""")[0][0]
    assert reported == orphans


def test_as_of_date_is_the_delivery_and_later_events_are_quarantined(sql):
    """Issue 13 #3: an event dated after the delivery is quarantined, and the as-of date of every
    deadline is the day before the latest delivery, not the latest event in the data."""
    delivered = sql("select max(delivered_on) from raw._batches")[0][0]
    assert sql("select distinct as_of_date from business_vault.bv_deadline_status") == [
        (delivered - dt.timedelta(days=1),)]
    for table, column, parse in (("apotti_triage", "triage_dttm", rr.iso_ts),
                                 ("apotti_contacts", "contact_dttm", rr.iso_ts),
                                 ("lifecare_hoitotapahtumat", "hta_aika", rr.fi_ts),
                                 ("lifecare_yhteydenotot", "yhteys_aika", rr.fi_ts)):
        key, code = {"apotti_triage": ("triage_id", "pat_ssn"), "apotti_contacts": ("contact_id", "pat_ssn"),
                     "lifecare_hoitotapahtumat": ("tapahtuma_id", "hetu"),
                     "lifecare_yhteydenotot": ("yhteys_id", "hetu")}[table]
        # the first failing check names the reason: key and identity code are checked before dates
        future = sum(1 for r in rr.rows(sql, table)
                     if not rr.blank(r[key]) and rr.person(r[code]) is not None
                     and parse(r[column]) is not None and not rr.not_future(parse(r[column]), r))
        reason = "future timestamp in " + column
        quarantined = sql("select count(*) from audit.audit_quarantine where source_table = %s and reason = %s",
                          (table, reason))[0][0]
        assert quarantined == future, (table, future, quarantined)
    assert sql("select count(*) from audit.audit_quarantine where reason like 'future timestamp in %%'")[0][0] > 0


def test_every_social_care_case_is_in_its_legal_group(sql):
    """Issue 13 #2: the group the law's deadlines cover comes from the age at initiation, which the
    identity code gives when the population register lacks the client (an 87-year-old is aged 75+,
    not 'not covered'); every case is counted in exactly one group."""
    months = {m for (m,) in sql("select month from business_vault.bv_reporting_month")}
    register = register_codes(sql)
    raw_cases = rr.latest_accepted(sql, "procons_asiat", _key("asia_id"), lambda r: rr.person(r["hetu"]) is not None)
    assert any(c["hetu"].strip().upper() not in register for c in raw_cases.values()), \
        "the sample should hold a client the population register lacks"
    special = {k: (c["erityisperuste"] or "").strip().upper() for k, c in raw_cases.items()}
    expected = Counter()
    for case_id, c in social_cases(sql).items():
        month = c["initiated"].replace(day=1)
        if c["county"] is None or month not in months:
            continue
        group = {"IKA": "older_people", "LAS": "child_welfare"}.get(c["group"], "unknown")
        if group == "child_welfare":
            legal = "child_special_support"
        elif rr.age(c["born"], c["initiated"]) >= 75:
            legal = "aged_75_plus"
        elif special[case_id] == "YLIN_HOITOTUKI":
            legal = "highest_care_allowance"
        else:
            legal = "not_covered"
        for area in (c["county"], "FI"):
            expected[(area, month, group, legal)] += 1
    mart = {(a, m, g, lg): n for a, m, g, lg, n in sql("""
        select area_code, month, case_group, legal_group, cases_n from marts.mart_social_assessment_timeliness_monthly""")}
    assert mart == dict(expected)


def test_costs_of_a_remapped_cost_centre_stay_with_the_service_valid_when_booked(sql):
    """Issue 13 #5, one delivery: both mapping versions of a remapped cost centre arrive (the record key
    includes the valid-from date), so the months before the remap are not 'unmapped'."""
    rr.assert_costs_by_service_match(sql)


def test_residents_at_month_ends_match_the_register(sql):
    published = {(a, m): n for a, m, n in sql("""
        select distinct area_code, month_end, residents_n from marts.mart_specialised_care_waiting_month_end""")}
    expected = rr.residents_at_month_ends(sql, sorted({m for _, m in published}))
    # a month end where nobody in a county waited has no row in the mart
    assert published == {k: n for k, n in expected.items() if k in published}

"""End to end: customer segments across service lines (issue 23). The Apotti county's service users
of the full year by life-course segment and service intensity, and the euros spent on them,
recomputed in plain Python from the raw tables of every system that county's activity comes from
(primary-care visits of the patient systems, Apotti's specialised-care referrals, ProConsona's
decisions, the Raindance ledger) and the seeds' CSVs: the activity map, the intensity tiers, the
segments' age bands and the allocation keys; and the SHL § 45 clocks by segment from the decisions."""

import csv
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

import raw_recompute as rr
from virta.paths import PROJECT_ROOT

pytestmark = pytest.mark.e2e

COUNTY = "90"  # the Apotti county: its specialised care is in raw.apotti_referrals only
SOCIAL_SERVICES = rr.SOCIAL_SERVICES


def seed(name):
    with (PROJECT_ROOT / "seeds" / "reference" / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def month_of(day):
    return day.replace(day=1)


def month_end(month):
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def iso(text):
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S") if text else None
    except ValueError:
        return "bad"


def specialised_treatments(sql, units):
    """(person, birth date, treatment day) of the county's referrals treated, as loaded from
    raw.apotti_referrals: last delivery wins; a row with an invalid identity code, a missing arrival,
    a date that does not parse, lies after the delivery or before the arrival is not loaded."""
    latest = {}
    for row in sql("""select referral_id, pat_ssn_pseudonym, pat_ssn_valid, pat_ssn_birth_date, received_dttm,
                             triage_dttm, assessment_dttm, queue_dttm, treatment_dttm, cancel_dttm, dept_id,
                             _loaded_at
                      from raw.apotti_referrals where referral_id is not null order by _batch_id, _row_no"""):
        latest[row[0]] = row[1:]
    out = []
    for pseudonym, valid, born, *times, unit, loaded_at in latest.values():
        parsed = [iso(t) for t in times]
        received, treated = parsed[0], parsed[4]
        if valid != "true" or received is None or "bad" in parsed or units.get(unit, (None,))[0] != COUNTY:
            continue
        if any(p and p.replace(tzinfo=dt.timezone.utc) >= loaded_at for p in parsed):
            continue
        if any(p and p.date() < received.date() for p in parsed[1:]):
            continue
        if treated:
            out.append((pseudonym, dt.date.fromisoformat(born), treated.date()))
    return out


def granted_decisions(sql, units):
    """The county's granted social-care decisions as loaded from raw.procons_paatokset (last delivery
    wins; an invalid identity code, a missing case or decision date, a date that does not parse or
    lies after the delivery, or a service that ended before it started is not loaded): the person
    (the case's when the case was loaded), their birth date, the service (None when unknown), the
    service's start and end, and the case's initiation (None when the case was not loaded). The
    county is the case's office's, else the producing unit's."""
    def ok(r):
        dates = [r["paatospvm"], r["palvelun_alkamispvm"], r["palvelun_paattymispvm"]]
        parsed = [rr.dmy(d) for d in dates]
        if rr.blank(r["asia_id"]) or rr.person(r["hetu"]) is None or parsed[0] is None:
            return False
        if any(not rr.blank(d) and p is None for d, p in zip(dates, parsed)):
            return False
        if any(p is not None and not rr.not_future(p, r) for p in parsed):
            return False
        started, ended = parsed[1], parsed[2]
        return not (ended is not None and (started is None or ended < started))

    cases = rr.latest_accepted(sql, "procons_asiat", rr.key("asia_id"), lambda r: (
        rr.person(r["hetu"]) is not None and rr.dmy(r["vireilletulopvm"]) is not None
        and rr.not_future(rr.dmy(r["vireilletulopvm"]), r)))
    out = []
    for d in rr.latest_accepted(sql, "procons_paatokset", rr.key("paatos_id"), ok).values():
        if (d["ratkaisu"] or "").strip().upper() != "MYONTEINEN":
            continue
        case = cases.get(d["asia_id"].strip())
        unit = units.get((case["yksikko"] or "").strip()) if case else None
        county = unit[0] if unit else units.get((d["tuottaja"] or "").strip(), (None,))[0]
        if county != COUNTY:
            continue
        who = case["hetu"] if case else d["hetu"]
        out.append({"person": rr.code_key(who), "born": rr.person(who)[0],
                    "service": SOCIAL_SERVICES.get((d["palvelu"] or "").strip().upper()),
                    "started": rr.dmy(d["palvelun_alkamispvm"]), "ended": rr.dmy(d["palvelun_paattymispvm"]),
                    "initiated": rr.dmy(case["vireilletulopvm"]) if case else None,
                    "urgent": bool(case) and (case["kiireellisyys"] or "").strip().upper() == "K"})
    return out


def social_service_months(sql, units, as_of):
    """(person, birth date, service, month, care days) of the granted social services of the county
    in every month from their start to the day before they end or the as-of date."""
    out = []
    for d in granted_decisions(sql, units):
        if d["service"] is None or d["started"] is None:
            continue
        last = min(as_of, d["ended"] - dt.timedelta(days=1)) if d["ended"] else as_of
        month = month_of(d["started"])
        while month <= last:
            days = (min(month_end(month), last) - max(d["started"], month)).days + 1
            out.append((d["person"], d["born"], d["service"], month, days))
            month = month_end(month) + dt.timedelta(days=1)
    return out


def service_costs(sql, months):
    """Net euros per (month, service) of the county after the allocation of shared costs, from the
    ledger recomputed line by line and the allocation keys' CSV (shares rounded to the cent)."""
    direct, _ = rr.costs_by_service(sql)
    costs = defaultdict(Decimal)
    for (county, month, service), amount in direct.items():
        if county == COUNTY and month in months and service != "unmapped":
            costs[(month, service)] += amount
    keys = seed("ref_cost_allocation_keys")
    for month in months:
        for source in {k["source_service_code"] for k in keys}:
            valid = [k for k in keys if k["source_service_code"] == source
                     and dt.date.fromisoformat(k["valid_from"]) <= month
                     and (not k["valid_to"] or month <= dt.date.fromisoformat(k["valid_to"]))]
            net = costs.get((month, source))
            if not valid or net is None:
                continue
            total = sum(Decimal(k["weight"]) for k in valid)
            given = Decimal(0)
            for k in valid:
                share = (net * Decimal(k["weight"]) / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                costs[(month, k["target_service_code"])] += share
                given += share
            costs[(month, source)] -= given
    return costs


def test_segment_users_and_costs_recomputed_from_raw(sql):
    """Per life-course segment (and all) and service intensity (and all), the county's users of the
    full year and their net cost equal the recompute: activity mapped to services by the activity
    map's CSV, each person's tier the heaviest of the year, their segment the age band of the
    segments' CSV at the end of their last month with a service, and each service-month's net cost
    shared by activity (visits, treatments, care days)."""
    (year,) = {y for (y,) in sql(f"""select distinct year from disclosure.dsc_segment_services_yearly
                                    where area_code = '{COUNTY}' and is_full_year""")}
    (as_of,) = sql("select as_of_date from business_vault.bv_data_as_of")[0]
    units = rr.units(sql)
    service_of = {(r["activity_source"], r["activity_attribute"]): r["service_code"]
                  for r in seed("ref_aura_activity_map")}
    rank_of = {r["service_code"]: int(r["tier_rank"]) for r in seed("ref_service_intensity")}
    tier_of = {int(r["tier_rank"]): r["intensity_tier"] for r in seed("ref_service_intensity")}
    bands = [(r["segment_code"], int(r["age_min"] or 0), int(r["age_max"] or 999))
             for r in seed("ref_customer_segments") if r["segment_kind"] == "life_course" and
             (r["age_min"] or r["age_max"])]

    activity = defaultdict(int)  # (person, month, service) -> visits, treatments or care days
    born = {}
    for v in rr.primary_care_visits(sql):
        service = service_of.get(("primary_care_visit", f"{v['line']}:{v['group']}"))
        if v["county"] == COUNTY and v["month"].year == year and service:
            activity[(v["person"], v["month"], service)] += 1
            born[v["person"]] = v["born"]
    for who, birth, treated in specialised_treatments(sql, units):
        if treated.year == year:
            activity[(who, month_of(treated), service_of[("specialised_referral", "treated")])] += 1
            born[who] = birth
    for who, birth, service, month, days in social_service_months(sql, units, as_of):
        # a service with no AURA class in the map (personal assistance, say) books no activity
        if month.year == year and ("social_decision", service) in service_of:
            activity[(who, month, service_of[("social_decision", service)])] += days
            born[who] = birth

    months = {m for _, m, _ in activity}
    costs = service_costs(sql, months)
    quantity = defaultdict(int)
    for (who, month, service), q in activity.items():
        quantity[(month, service)] += q
    net, heaviest, last_month = defaultdict(Fraction), {}, {}
    for (who, month, service), q in activity.items():
        net[who] += Fraction(costs.get((month, service), 0)) * q / quantity[(month, service)]
        heaviest[who] = min(heaviest.get(who, 9), rank_of[service])
        last_month[who] = max(last_month.get(who, month), month)

    expected_n, expected_eur = defaultdict(int), defaultdict(Fraction)
    for who in heaviest:
        age = rr.age(born[who], month_end(last_month[who]))
        (segment,) = [code for code, low, high in bands if low <= age < high]
        for cell in [(s, t) for s in (segment, "all") for t in (tier_of[heaviest[who]], "all")]:
            expected_n[cell] += 1
            expected_eur[cell] += net[who]

    published = {(s, t): (n, eur) for s, t, n, eur in sql(f"""
        select segment_code, intensity_tier, clients_n, net_eur from disclosure.dsc_segment_services_yearly
        where area_code = '{COUNTY}' and year = {year} and segment_kind in ('everyone', 'life_course')""")}
    assert {cell: n for cell, (n, _) in published.items()} == dict(expected_n)
    for cell, (_, eur) in published.items():
        exact = expected_eur[cell]
        assert abs(eur - Decimal(exact.numerator) / Decimal(exact.denominator)) <= Decimal("0.02"), cell
    assert expected_n[("all", "all")] > 1000 and len(published) >= 12
    # euros per client by home municipality: the county's row over every municipality is the same
    # people and euros, and its municipalities (and 'unknown') add up to it
    rows = {m: (n, eur) for m, n, eur in sql(f"""
        select municipality_code, clients_n, net_eur from disclosure.dsc_cost_per_client_by_municipality_yearly
        where area_code = '{COUNTY}' and year = {year}""")}
    everyone = expected_eur[("all", "all")]
    assert rows["all"][0] == expected_n[("all", "all")]
    assert abs(rows["all"][1] - Decimal(everyone.numerator) / Decimal(everyone.denominator)) <= Decimal("0.02")
    assert sum(n for m, (n, _) in rows.items() if m != "all") == rows["all"][0]
    # the costs the users carry are most of the county's: only service-months with no activity are left
    attributed = published[("all", "all")][1]
    assert Decimal("0.5") * sum(costs.values()) < attributed <= sum(costs.values())


def test_life_course_segments_partition_every_client_month(sql):
    """Each client-month is in exactly one life-course segment and in `all`; the service-need
    segments, which overlap, are each a subset of the clients."""
    assert sql("""select count(*) from (
                      select person_hk, county_code, month
                      from business_vault.bv_person_segment_monthly
                      group by person_hk, county_code, month
                      having count(*) filter (where segment_kind = 'life_course') <> 1
                          or count(*) filter (where segment_code = 'all') <> 1) as broken""")[0][0] == 0
    (clients,) = sql("select count(*) from business_vault.bv_client_monthly")[0]
    (in_all,) = sql("select count(*) from business_vault.bv_person_segment_monthly where segment_code = 'all'")[0]
    assert clients == in_all > 0
    # the seed's rules reach across service lines: diagnoses and referrals, and social-care cases
    matched = {r for (ids,) in sql("""select distinct matched_rule_ids from business_vault.bv_person_segment_monthly
                                      where segment_kind = 'service_need'""") for r in ids.split(",")}
    assert {"mhs_diagnosis_mental", "mhs_referral_psychiatry", "child_special_support_case", "disabled_social_case",
            "mhs_social_case"} <= matched


def add_months(day, n):
    """laki 150/1930 § 3: the same-numbered day n months on, or that month's last day."""
    first = dt.date(day.year + (day.month - 1 + n) // 12, (day.month - 1 + n) % 12 + 1, 1)
    return first + dt.timedelta(days=min(day.day, month_end(first).day) - 1)


def test_segment_deadlines_recomputed_from_raw(sql):
    """SHL § 45 (a granted service started within 3 months of the case's initiation) by life-course
    segment: every granted decision of the county whose case was loaded and is not urgent, by the year of initiation,
    judged met, late, overdue or open on the as-of date, and placed by the person's age at the end
    of the initiation month in the segments' age bands."""
    (year,) = {y for (y,) in sql(f"""select distinct year from disclosure.dsc_segment_deadlines_yearly
                                    where area_code = '{COUNTY}' and is_full_year""")}
    (as_of,) = sql("select as_of_date from business_vault.bv_data_as_of")[0]
    bands = [(r["segment_code"], int(r["age_min"] or 0), int(r["age_max"] or 999))
             for r in seed("ref_customer_segments") if r["segment_kind"] == "life_course" and
             (r["age_min"] or r["age_max"])]
    expected = defaultdict(lambda: defaultdict(int))
    for d in granted_decisions(sql, rr.units(sql)):
        initiated = d["initiated"]
        # SHL § 45's 3 months cover non-urgent cases; an urgent one is due without delay, no rule
        if initiated is None or initiated.year != year or d["urgent"]:
            continue
        due = add_months(initiated, 3)
        if d["started"] is not None:
            status = "met" if d["started"] <= due else "late"
        else:
            status = "open" if as_of <= due else "overdue"
        age = rr.age(d["born"], month_end(month_of(initiated)))
        (segment,) = [code for code, low, high in bands if low <= age < high]
        for cell in (segment, "all"):
            expected[cell]["clocks"] += 1
            expected[cell][status] += 1
    published = {s: {"clocks": n, "met": met, "late": late, "overdue": over, "open": op}
                 for s, n, met, late, over, op in sql(f"""
        select segment_code, clocks_n, met_n, late_n, overdue_n, open_n from disclosure.dsc_segment_deadlines_yearly
        where area_code = '{COUNTY}' and year = {year} and clock_type = 'social_service_start_from_initiation'
          and segment_kind in ('everyone', 'life_course')""")}
    assert published == {s: {k: counts[k] for k in ("clocks", "met", "late", "overdue", "open")}
                         for s, counts in expected.items()}
    assert expected["all"]["clocks"] > 20 and expected["all"]["late"] > 0

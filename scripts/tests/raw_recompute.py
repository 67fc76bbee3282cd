"""Independent recomputes from the raw tables, in plain Python: the yardstick the marts are held to.

Nothing here reads the vault, the business vault or a mart, and nothing reuses the warehouse's SQL.
Rows are accepted as the source mappings declare (record key present, identity code valid,
timestamps parseable, events not after their delivery); within one delivery the last row of a record
wins, and across deliveries the latest accepted state of a record.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from typing import NamedTuple
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from virta import hetu
from virta.paths import PROJECT_ROOT

# The marts' row over every county of the warehouse (var total_area_code).
TOTAL = "all"


def iso_ts(text):
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S") if text and text.strip() else None
    except ValueError:
        return None


def fi_ts(text):
    try:
        return dt.datetime.strptime(text.strip(), "%d.%m.%Y %H:%M") if text and text.strip() else None
    except ValueError:
        return None


def compact_ts(text):  # YYYYMMDDHHMM
    try:
        return dt.datetime.strptime(text.strip(), "%Y%m%d%H%M") if text and text.strip() else None
    except ValueError:
        return None


def dmy(text):  # D.M.YYYY or DD.MM.YYYY
    try:
        return dt.datetime.strptime(text.strip(), "%d.%m.%Y").date() if text and text.strip() else None
    except ValueError:
        return None


def compact(text):  # YYYYMMDD
    try:
        return dt.datetime.strptime(text.strip(), "%Y%m%d").date() if text and text.strip() else None
    except ValueError:
        return None


def blank(text) -> bool:
    return text is None or not str(text).strip()


class Landed(NamedTuple):
    """An identity code as the loader landed it in raw (the code itself never reaches the database)."""

    pseudonym: str | None
    valid: str | None
    birth_date: str | None
    sex: str | None


def person(code):
    """(birth date, sex 1 = male / 2 = female) of a valid identity code, else None. Raw holds the
    loader's pseudonym, validity and derived parts (tests of virta.pseudonym pin those to the code)."""
    if isinstance(code, Landed):
        if code.valid != "true":
            return None
        return dt.date.fromisoformat(code.birth_date), 1 if code.sex == "male" else 2
    return hetu.parse(code.strip().upper()) if code else None


def code_key(code):
    """What identifies the person of a code: its pseudonym (a clear code only in generator tests)."""
    if isinstance(code, Landed):
        return code.pseudonym
    return code.strip().upper() if code else None


def rows(sql, table):
    """Every raw row of a table as a dict, in delivery order, with _batch_id and _delivered_on."""
    cols = [c for (c,) in sql("select column_name from information_schema.columns where table_schema = 'raw' "
                              "and table_name = %s order by ordinal_position", (table,))]
    out = []
    for values in sql(f"select r.*, b.delivered_on from raw.{table} r join raw._batches b on b.batch_id = r._batch_id "
                      f"order by r._batch_id, r._row_no"):
        row = dict(zip(cols + ["_delivered_on"], values))
        for column in [c[:-len("_valid")] for c in cols if c.endswith("_valid") and c[:-6] + "_pseudonym" in cols]:
            row[column] = Landed(row[f"{column}_pseudonym"], row[f"{column}_valid"],
                                 row.get(f"{column}_birth_date"), row.get(f"{column}_sex"))
        out.append(row)
    return out


def latest_accepted(sql, table, key, accept, each_batch=False):
    """Record key -> its latest accepted row. `key` is a function of a row (None: no key, rejected);
    `accept(row)` the table's checks. Within a delivery only the last row of a record counts (earlier
    ones are duplicates); with each_batch, key -> {batch: row} instead (every accepted state)."""
    last_in_batch = {}
    for row in rows(sql, table):
        k = key(row)
        if k is not None:
            last_in_batch[(row["_batch_id"], k)] = row
    latest, states = {}, defaultdict(dict)
    for (batch, k), row in sorted(last_in_batch.items(), key=lambda item: item[0][0]):
        if accept(row):
            latest[k] = row
            states[k][batch] = row
    return states if each_batch else latest


def not_future(value, row) -> bool:
    """An event is not dated at or after the moment its delivery was loaded (times in UTC)."""
    if value is None:
        return True
    loaded = row["_loaded_at"].astimezone(dt.timezone.utc).replace(tzinfo=None)
    when = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    return when < loaded


def pct(part, whole) -> float:
    """A percentage rounded as PostgreSQL rounds numerics (half away from zero, not to even)."""
    return float((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def municipality_counties():
    """The municipality -> county key as the reference seed ships it (municipality, county, valid)."""
    with (PROJECT_ROOT / "seeds/reference/ref_municipality_county.csv").open(encoding="utf-8") as fh:
        return [(r["municipality_code"], r["county_code"], dt.date.fromisoformat(r["valid_from"]),
                 dt.date.fromisoformat(r["valid_to"]) if r["valid_to"] else None) for r in csv.DictReader(fh)]


def county_of(municipality, day, mapping):
    for code, county, start, end in mapping:
        if code == municipality and start <= day and (end is None or day <= end):
            return county
    return None


def residents_at_month_ends(sql, month_ends, band=None):
    """Residents per county and all counties together (TOTAL) at each month end: alive and born by then,
    in the county of the home municipality valid then (the version with the latest move date on or
    before the day; before a person's earliest known version, that version). With `band` (age ->
    label), keyed (area, month end, label) instead."""
    def accept(r):
        return (person(r["hetu"]) is not None and compact(r["syntymaaika"]) is not None
                and not blank(r["kotikunta"])
                and (blank(r["kotikunta_alkupvm"]) or compact(r["kotikunta_alkupvm"]) is not None))
    states = latest_accepted(sql, "vtj_residents", lambda r: code_key(r["hetu"]),
                             accept, each_batch=True)
    mapping = municipality_counties()
    people = []
    for batches in states.values():
        latest = batches[max(batches)]
        versions = sorted({(compact(s["kotikunta_alkupvm"]) or dt.date.min, s["kotikunta"].strip())
                           for s in batches.values()})
        death = latest["kuolinpaiva"].strip() if latest["kuolinpaiva"] else None
        people.append((compact(latest["syntymaaika"]), dt.date.fromisoformat(death) if death else None, versions))
    counts = Counter()
    for month_end in month_ends:
        for born, died, versions in people:
            if born > month_end or (died is not None and died <= month_end):
                continue
            valid = [muni for since, muni in versions if since <= month_end] or [versions[0][1]]
            county = county_of(valid[-1], month_end, mapping)
            if county is not None:
                extra = () if band is None else (band(age(born, month_end)),)
                counts[(county, month_end, *extra)] += 1
                counts[(TOTAL, month_end, *extra)] += 1
    return dict(counts)


def _amount(text):
    text = (text or "").strip()
    return Decimal(text.replace(",", ".")) if re.fullmatch(r"-?[0-9]{1,15}(,[0-9]{1,6})?", text) else None


def costs_by_service(sql, accounts=None):
    """Net euros per (county, month, AURA service) from the ledger, each line under the cost-centre
    mapping version valid on its posting date ('unmapped', in the ledger's county, when none was);
    only the lines of `accounts` when given (salaries: the staff cost accounts)."""
    versions = defaultdict(list)
    for (code, _), r in latest_accepted(
            sql, "raindance_kustannuspaikat",
            lambda r: None if blank(r["kustannuspaikka"]) or blank(r["voimassa_alkaen"])
            else (r["kustannuspaikka"].strip(), r["voimassa_alkaen"].strip()),
            lambda r: not blank(r["aura_palvelu"]) and not blank(r["hva"])
            and compact(r["voimassa_alkaen"]) is not None).items():
        versions[code].append((compact(r["voimassa_alkaen"]), r["aura_palvelu"].strip(), r["hva"].strip()))

    def entry_ok(r):
        posted = compact(r["kirjauspvm"])
        return (posted is not None and not_future(posted, r) and not blank(r["kustannuspaikka"])
                and not blank(r["tili"]) and _amount(r["summa"]) is not None)

    sums = defaultdict(Decimal)
    for entry_id, r in latest_accepted(sql, "raindance_kirjaukset", lambda r: None if blank(r["vientitunnus"])
                                       else r["vientitunnus"].strip(), entry_ok).items():
        if accounts is not None and r["tili"].strip() not in accounts:
            continue
        posted = compact(r["kirjauspvm"])
        valid = [v for v in sorted(versions.get(r["kustannuspaikka"].strip(), [])) if v[0] <= posted]
        service, county = (valid[-1][1], valid[-1][2]) if valid else ("unmapped", entry_id.split("-")[0])
        sums[(county, posted.replace(day=1), service)] += _amount(r["summa"])
    return sums, versions


def assert_costs_by_service_match(sql):
    """The costs mart's direct net cost per county, month and AURA service equals the ledger recompute
    to the cent, a remapped cost centre is in the sample, and only the injected unknown cost centre is
    unmapped."""
    sums, versions = costs_by_service(sql)
    assert any(len(v) > 1 for v in versions.values()), "the sample should remap a cost centre"
    published = {(a, m, c): n for a, m, c, n in sql("""
        select area_code, month, class_code, direct_net_eur from disclosure.dsc_costs_by_aura_monthly
        where aura_level = 'service' and production_mode = 'all' and area_level = 'county'
          and direct_net_eur is not null""")}
    months = {m for _, m, _ in published}
    expected = {k: v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for k, v in sums.items() if k[1] in months}
    assert published == expected
    unmapped = sum(v for (_, _, service), v in expected.items() if service == "unmapped")
    assert 0 < unmapped < Decimal("0.05") * sum(expected.values())  # the injected unknown cost centre only


# -- primary care and social care, both source layouts ------------------------------------------
APOTTI_GROUPS = {"MD": "doctor", "RN": "nurse", "PT": "other", "DDS": "dentist", "RDH": "oral_hygienist"}
LIFECARE_GROUPS = {"LAAK": "doctor", "HOIT": "nurse", "MUU": "other", "HAMM": "dentist", "SHG": "oral_hygienist"}
PEGASOS_GROUPS = {"101": "doctor", "201": "nurse", "901": "other", "301": "dentist", "302": "oral_hygienist"}
SERVICE_AREAS = {"GP": "general_practice", "ORAL": "oral_care"}


def units(sql):
    units = latest_accepted(sql, "org_units", lambda r: None if blank(r["unit_oid"]) else r["unit_oid"].strip(),
                               lambda r: not blank(r["county_code"]))
    return {k: (r["county_code"].strip(), SERVICE_AREAS.get((r["service_area"] or "").strip().upper()))
            for k, r in units.items()}


def key(column):
    return lambda r: None if blank(r[column]) else r[column].strip()


def register_codes(sql):
    """Identity codes the population register delivered in an accepted row."""
    return set(latest_accepted(sql, "vtj_residents", lambda r: code_key(r["hetu"]),
                                  lambda r: person(r["hetu"]) is not None and compact(r["syntymaaika"]) is not None
                                  and not blank(r["kotikunta"])))


def primary_care_visits(sql):
    """Completed, not deleted visits of both patient systems with a known unit: one dict each with the
    county, month, professional group, the service line, the person (key and birth date), whether
    the visit names a need assessment, and (when the assessment itself was accepted) its urgency, the
    wait and the age at assessment, and whether the person is in the register and the assessment's
    contact is known."""
    unit_of = units(sql)
    register = register_codes(sql)
    out = []
    # Apotti: contacts, triage and appointments in separate tables.
    contacts = latest_accepted(sql, "apotti_contacts", key("contact_id"), lambda r: (
        person(r["pat_ssn"]) is not None and iso_ts(r["contact_dttm"]) is not None
        and not_future(iso_ts(r["contact_dttm"]), r)))
    triage = latest_accepted(sql, "apotti_triage", key("triage_id"), lambda r: (
        person(r["pat_ssn"]) is not None and iso_ts(r["triage_dttm"]) is not None
        and not_future(iso_ts(r["triage_dttm"]), r)))
    deleted = latest_accepted(sql, "apotti_deleted_records", key("record_id"), lambda r: (
        (r["record_type"] or "").strip().upper() == "VISIT" and iso_ts(r["deleted_dttm"]) is not None))
    visits = latest_accepted(sql, "apotti_visits", key("visit_id"), lambda r: (
        person(r["pat_ssn"]) is not None and iso_ts(r["appt_dttm"]) is not None))
    for visit_id, v in visits.items():
        unit = unit_of.get((v["dept_id"] or "").strip())
        if (v["appt_status"] or "").strip().upper() != "COMPLETED" or visit_id in deleted or unit is None:
            continue
        t = triage.get((v["triage_id"] or "").strip())
        contact = contacts.get((t["contact_id"] or "").strip()) if t else None
        line = ({"PRIMARY": "general_practice", "DENTAL": "oral_care"}.get(contact["service_line"].strip().upper())
                if contact and contact["service_line"] else unit[1])
        visit_at = iso_ts(v["appt_dttm"])
        row = {"county": unit[0], "month": visit_at.date().replace(day=1), "line": line,
               "group": APOTTI_GROUPS.get((v["prov_type"] or "").strip().upper()),
               "person": code_key(v["pat_ssn"]), "born": person(v["pat_ssn"])[0],
               "names_assessment": not blank(v["triage_id"]), "assessment": None}
        if t:
            assessed = iso_ts(t["triage_dttm"]).date()
            row["assessment"] = {"urgency": (t["acuity"] or "").strip().upper(),
                                 "wait": (visit_at.date() - assessed).days,
                                 "age": age(person(t["pat_ssn"])[0], assessed),
                                 "in_register": code_key(t["pat_ssn"]) in register,
                                 "contact_known": contact is not None}
        out.append(row)
    # Lifecare: the assessment and its visit in one care event.
    contacts = latest_accepted(sql, "lifecare_yhteydenotot", key("yhteys_id"), lambda r: (
        person(r["hetu"]) is not None and fi_ts(r["yhteys_aika"]) is not None
        and not_future(fi_ts(r["yhteys_aika"]), r)))

    def event_ok(r):
        parse_ok = all(blank(r[c]) or fi_ts(r[c]) is not None for c in ("hta_aika", "kaynti_aika"))
        return person(r["hetu"]) is not None and parse_ok and not_future(fi_ts(r["hta_aika"]), r)

    for e in latest_accepted(sql, "lifecare_hoitotapahtumat", key("tapahtuma_id"), event_ok).values():
        unit = unit_of.get((e["yksikko"] or "").strip())
        if blank(e["kaynti_aika"]) or (e["tila"] or "").strip().upper() != "T" or unit is None:
            continue
        contact = contacts.get((e["yhteys_id"] or "").strip())
        visit_at = fi_ts(e["kaynti_aika"])
        line = ({"VO": "general_practice", "SH": "oral_care"}.get(contact["palvelu"].strip().upper())
                if contact and contact["palvelu"] else unit[1])
        row = {"county": unit[0], "month": visit_at.date().replace(day=1), "line": line,
               "group": LIFECARE_GROUPS.get((e["ammattiryhma"] or "").strip().upper()),
               "person": code_key(e["hetu"]), "born": person(e["hetu"])[0],
               "names_assessment": not blank(e["hta_aika"]), "assessment": None}
        if not blank(e["hta_aika"]):
            assessed = fi_ts(e["hta_aika"]).date()
            row["assessment"] = {"urgency": {"1": "URGENT", "3": "NONURGENT"}.get((e["kiireellisyys"] or "").strip()),
                                 "wait": (visit_at.date() - assessed).days,
                                 "age": age(person(e["hetu"])[0], assessed),
                                 "in_register": code_key(e["hetu"]) in register,
                                 "contact_known": contact is not None}
        out.append(row)
    # Pegasos: the contact and its assessment in one row, the visit in another.
    def contact_ok(r):
        contacted, assessed = compact_ts(r["kontaktiaika"]), compact_ts(r["arvioaika"])
        return (person(r["henkilotunnus"]) is not None and contacted is not None and assessed is not None
                and not_future(contacted, r) and not_future(assessed, r) and assessed >= contacted)

    contacts = latest_accepted(sql, "pegasos_kontaktit", key("kontaktitunnus"), contact_ok)
    visits = latest_accepted(sql, "pegasos_kaynnit", key("kayntitunnus"), lambda r: (
        person(r["henkilotunnus"]) is not None and compact_ts(r["kayntiaika"]) is not None))
    for v in visits.values():
        unit = unit_of.get((v["toimipiste"] or "").strip())
        if (v["tila"] or "").strip().upper() != "TOT" or unit is None:
            continue
        contact = contacts.get((v["kontaktitunnus"] or "").strip())
        visit_at = compact_ts(v["kayntiaika"])
        line = ({"T11": "general_practice", "T30": "oral_care"}.get(contact["palvelualue"].strip().upper())
                if contact and contact["palvelualue"] else unit[1])
        row = {"county": unit[0], "month": visit_at.date().replace(day=1), "line": line,
               "group": PEGASOS_GROUPS.get((v["ammattiluokka"] or "").strip()),
               "person": code_key(v["henkilotunnus"]), "born": person(v["henkilotunnus"])[0],
               "names_assessment": not blank(v["kontaktitunnus"]), "assessment": None}
        if contact:
            assessed = compact_ts(contact["arvioaika"]).date()
            row["assessment"] = {"urgency": {"K": "URGENT", "E": "NONURGENT"}.get(
                                     (contact["kiireellisyys"] or "").strip().upper()),
                                 "wait": (visit_at.date() - assessed).days,
                                 "age": age(person(contact["henkilotunnus"])[0], assessed),
                                 "in_register": code_key(contact["henkilotunnus"]) in register,
                                 "contact_known": True}
        out.append(row)
    return out


# ProConsona's codes, written here apart from the concept model that maps them for the warehouse
SOCIAL_CASE_GROUPS = {"IKA": "older_people", "LAS": "child_welfare", "VAM": "disability",
                      "MTP": "mental_health_substance", "AIK": "adult_social_work"}
SOCIAL_SERVICES = {"KOTIHOITO": "home_care", "OMAISHOIDON_TUKI": "informal_care_support",
                   "YMPARIVUOROKAUTINEN": "housing_24h", "LS_AVOHUOLTO": "child_welfare_open_care",
                   "KULJETUSPALVELU": "transport_service", "HENKILOKOHTAINEN_APU": "personal_assistance",
                   "VAMMAISTEN_ASUMINEN": "disability_housing", "MT_ASUMISPALVELU": "mental_health_housing",
                   "PAIHDEKUNTOUTUS": "substance_rehabilitation", "SOSIAALINEN_KUNTOUTUS": "social_rehabilitation"}


def social_decisions(sql):
    """Accepted decisions (last delivery wins): a case id, a valid identity code and a decision date
    that parses and is not in the future; the service dates parse, are not in the future, and the
    service does not end before it starts (or end without a start)."""
    return latest_accepted(sql, "procons_paatokset", key("paatos_id"), lambda r: (
        not blank(r["asia_id"]) and person(r["hetu"]) is not None and dmy(r["paatospvm"]) is not None
        and not_future(dmy(r["paatospvm"]), r)
        and all(blank(r[c]) or (dmy(r[c]) is not None and not_future(dmy(r[c]), r))
                for c in ("palvelun_alkamispvm", "palvelun_paattymispvm"))
        and not (dmy(r["palvelun_paattymispvm"]) and (dmy(r["palvelun_alkamispvm"]) is None
                                                      or dmy(r["palvelun_paattymispvm"])
                                                      < dmy(r["palvelun_alkamispvm"])))))


def social_cases(sql):
    """Accepted social-care cases: county of the responsible office, group, initiation, and the first
    start and completion of the case's assessment (investigation)."""
    unit_of = units(sql)
    cases = latest_accepted(sql, "procons_asiat", key("asia_id"), lambda r: (
        person(r["hetu"]) is not None and dmy(r["vireilletulopvm"]) is not None
        and not_future(dmy(r["vireilletulopvm"]), r)))
    assessments = latest_accepted(sql, "procons_arvioinnit", key("arviointi_id"), lambda r: (
        not blank(r["asia_id"]) and person(r["hetu"]) is not None and dmy(r["aloituspvm"]) is not None
        and not_future(dmy(r["aloituspvm"]), r)
        and (blank(r["valmistumispvm"]) or (dmy(r["valmistumispvm"]) is not None
                                               and not_future(dmy(r["valmistumispvm"]), r)
                                               and dmy(r["valmistumispvm"]) >= dmy(r["aloituspvm"])))))
    started, completed = {}, {}
    for a in assessments.values():
        case = a["asia_id"].strip()
        s, c = dmy(a["aloituspvm"]), dmy(a["valmistumispvm"])
        started[case] = min(filter(None, [started.get(case), s]))
        if c:
            completed[case] = min(filter(None, [completed.get(case), c]))
    out = {}
    for case_id, c in cases.items():
        unit = unit_of.get((c["yksikko"] or "").strip())
        out[case_id] = {"county": unit[0] if unit else None, "group": (c["asiaryhma"] or "").strip().upper(),
                        "urgent": (c["kiireellisyys"] or "").strip().upper() == "K",
                        "initiated": dmy(c["vireilletulopvm"]), "born": person(c["hetu"])[0],
                        "started": started.get(case_id), "completed": completed.get(case_id)}
    return out


# -- staff: the shift-planning and HR systems ------------------------------------------------------
TITLES = {"SH": "registered_nurse", "LH": "practical_nurse", "HA": "care_assistant", "FT": "physiotherapist",
          "SO": "social_graduate", "ESH": "unit_manager", "LHU": "institutional_cleaner", "OPI": "employed_student",
          "LAAK": "doctor", "SOSTT": "social_worker", "HAMM": "dentist", "TOIM": "office_staff"}
ABSENCES = {"SAIRAUS": "sick_leave", "LOMA": "annual_leave", "KOULUTUS": "training", "PERHEVAPAA": "family_leave",
            "MUU": "other"}
FULL_TIME_WEEK_HOURS = Decimal("38.25")  # dbt_project.yml var staff_full_time_week_hours
CENSUS_CARRY_DAYS = 6  # var staff_census_carry_days


def _seed(name):
    with (PROJECT_ROOT / "seeds" / "reference" / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _valid_on(rows, day):
    return [r for r in rows if dt.date.fromisoformat(r["valid_from"]) <= day
            and (not r["valid_to"] or day <= dt.date.fromisoformat(r["valid_to"]))]


def _hours(text):
    """A decimal-comma number of hours; '' -> None; unparseable -> False (the row is rejected)."""
    if blank(text):
        return None
    return _amount(text) if _amount(text) is not None else False


def staff_units(sql):
    """Unit OID -> (county, cost centre) of the shift-planning system's accepted unit rows."""
    return {k: (r["hva"].strip(), r["kustannuspaikka"].strip()) for k, r in latest_accepted(
        sql, "titania_yksikot", key("yksikko_oid"), lambda r: not blank(r["kustannuspaikka"]) and not blank(r["hva"])).items()}


def staff_employees(sql):
    """Employee number -> (title, staff group) from the shift-planning system's employee rows."""
    def ok(r):
        fte = (r["tyoaikaprosentti"] or "").strip()
        return fte.isdigit() and 0 < int(fte) <= 100

    return {k: (TITLES.get((r["nimike"] or "").strip().upper(), "unknown"),
                "agency" if (r["henkilostoryhma"] or "").strip().upper() == "VUOKRA" else "own")
            for k, r in latest_accepted(sql, "titania_tyontekijat", key("henkilonumero"), ok).items()}


def staff_shifts(sql):
    """Accepted shifts: (unit OID, day, employee number, direct hours, indirect hours, absence code or None)."""
    def ok(r):
        start, end = fi_ts(r["alkaa"]), fi_ts(r["paattyy"])
        direct, indirect = _hours(r["valiton_tunnit"]), _hours(r["valillinen_tunnit"])
        if start is None or end is None or direct is False or indirect is False:
            return False
        if blank(r["henkilonumero"]) or blank(r["yksikko"]) or end <= start:
            return False
        total = (direct or 0) + (indirect or 0)
        longest = Decimal((end - start).total_seconds()) / 3600 + Decimal("0.01")
        return (direct or 0) >= 0 and (indirect or 0) >= 0 and total <= longest

    out = []
    for r in latest_accepted(sql, "titania_vuorot", key("vuoro_id"), ok).values():
        absence = None if blank(r["poissaolo"]) else ABSENCES.get(r["poissaolo"].strip().upper(), "unknown")
        out.append((r["yksikko"].strip(), fi_ts(r["alkaa"]).date(), r["henkilonumero"].strip(),
                    _hours(r["valiton_tunnit"]), _hours(r["valillinen_tunnit"]), absence))
    return out


def staffing_ratio_weekly(sql):
    """(unit OID, week's Monday) -> {county, clients_n, client_days_n, census_days_n, counted_hours,
    ratio_one_hours, minimum_client_days, realised_ratio, complete, meets}: vanhuspalvelulaki § 20 as
    docs and the seeds state it, recomputed from the raw shift-planning and HR tables (the unit's own
    counting, the titles' factors, the title a shift's day had); ratios as exact fractions (counted
    hours x 7 / (client-days x full-time hours)); meets: the three-week period ending with the week."""
    units = {oid: county for oid, (county, _) in staff_units(sql).items()}

    def census_ok(r):
        day, n = dmy(r["pvm"]), (r["asiakkaita"] or "").strip()
        return (day is not None and not_future(day, r) and not blank(r["yksikko"])
                and re.fullmatch(r"-?[0-9]+", n) is not None and int(n) >= 0)

    counted = {}
    for r in sorted(latest_accepted(sql, "titania_asiakasmaarat", key("laskenta_id"), census_ok).values(),
                    key=lambda r: r["_batch_id"]):
        counted[(r["yksikko"].strip(), dmy(r["pvm"]))] = int(r["asiakkaita"].strip())
    # a day without a count takes the latest earlier one, at most CENSUS_CARRY_DAYS back
    census, by_unit = {}, defaultdict(list)
    for (unit, day), n in counted.items():
        by_unit[unit].append((day, n))
    for unit, known in by_unit.items():
        known.sort()
        for (day, n), nxt in zip(known, known[1:] + [(known[-1][0] + dt.timedelta(days=1), None)]):
            for k in range(min((nxt[0] - day).days, CENSUS_CARRY_DAYS + 1)):
                census[(unit, day + dt.timedelta(days=k))] = n
    minimum, titles = _seed("ref_staffing_minimum"), _seed("ref_staffing_titles")
    day_hours = FULL_TIME_WEEK_HOURS / 7
    weeks = defaultdict(lambda: {"client_days_n": 0, "census_days_n": 0, "required": Decimal(0), "counted": Decimal(0),
                                 "last_day": None, "clients_n": None, "has_minimum": True, "planned": 0, "unknown": 0})
    for (unit, day), n in census.items():
        w = weeks[(unit, day - dt.timedelta(days=day.weekday()))]
        w["client_days_n"] += n
        w["census_days_n"] += 1
        level = _valid_on(minimum, day)
        if level:
            w["required"] += n * Decimal(level[0]["minimum_ratio"])  # client-days at the minimum
        else:
            w["has_minimum"] = False
        if w["last_day"] is None or day > w["last_day"]:
            w["last_day"], w["clients_n"] = day, n
    employees = staff_employees(sql)
    by_number = defaultdict(list)
    for e in staff_employments(sql):
        by_number[e["number"]].append(e)
    for unit, day, number, direct, indirect, absence in staff_shifts(sql):
        w = weeks[(unit, day - dt.timedelta(days=day.weekday()))]
        worked = absence is None and (direct is not None or indirect is not None)
        if absence is None and not worked:
            w["planned"] += 1
        title = title_on(by_number, employees, number, day)
        rule = _valid_on([t for t in titles if t["title_code"] == title], day)
        if worked and not rule:
            w["unknown"] += 1
        if worked and rule and rule[0]["counts_in_ratio"] == "true" and (unit, day) in census:
            w["counted"] += (direct or 0) * Decimal(rule[0]["counting_factor"])
    out = {}
    for (unit, week), w in weeks.items():
        if not w["census_days_n"]:
            continue
        out[(unit, week)] = {
            "county": units.get(unit), "clients_n": w["clients_n"], "client_days_n": w["client_days_n"],
            "census_days_n": w["census_days_n"], "counted_hours": w["counted"],
            "ratio_one_hours": w["client_days_n"] * day_hours,
            "minimum_client_days": w["required"] if w["has_minimum"] else None,
            "realised_ratio": Fraction(w["counted"]) * 7 / (w["client_days_n"] * Fraction(FULL_TIME_WEEK_HOURS)),
            "complete": w["census_days_n"] == 7 and not w["planned"] and not w["unknown"] and w["has_minimum"]}
    # the legal judgement: the three-week monitoring period ending with the week, all three complete
    for (unit, week), e in out.items():
        period = [out.get((unit, week - dt.timedelta(days=7 * k))) for k in range(3)]
        e["meets"] = (sum(p["counted_hours"] for p in period) * 7
                      >= sum(p["minimum_client_days"] for p in period) * FULL_TIME_WEEK_HOURS
                      if all(p is not None and p["complete"] for p in period) else None)
    return out


def staff_employments(sql):
    """Accepted HR employments: employee number, person (staff pseudonym), cost centre, title, FTE %,
    permanent or not, first and last day (None while it runs)."""
    def ok(r):
        started, ended = iso_date(r["alkupvm"]), iso_date(r["loppupvm"])
        fte = (r["tyoaikaprosentti"] or "").strip()
        return (r["hetu"].valid == "true" and not blank(r["henkilonumero"]) and not blank(r["kustannuspaikka"])
                and started is not None and not_future(started, r) and (blank(r["loppupvm"]) or ended is not None)
                and fte.isdigit() and 0 < int(fte) <= 100 and (ended is None or ended >= started))

    return [{"number": r["henkilonumero"].strip(), "who": code_key(r["hetu"]), "cc": r["kustannuspaikka"].strip(),
             "title": TITLES.get((r["nimike"] or "").strip().upper(), "unknown"),
             "fte": Decimal(r["tyoaikaprosentti"].strip()),
             "permanent": (r["laji"] or "").strip().upper() == "VAKINAINEN",
             "start": iso_date(r["alkupvm"]), "end": iso_date(r["loppupvm"])}
            for r in latest_accepted(sql, "sarastia_palvelussuhteet", key("palvelussuhde_id"), ok).values()]


def title_on(by_number, employees, number, day):
    """The title a shift's day had: the HR employment in force (the latest started), else the
    shift-planning system's own; None when neither knows it."""
    running = [e for e in by_number.get(number, []) if e["start"] <= day and (e["end"] is None or day <= e["end"])
               and e["title"] != "unknown"]
    if running:
        return max(running, key=lambda e: e["start"])["title"]
    title = employees.get(number, (None, None))[0]
    return None if title in (None, "unknown") else title


def service_on(versions, cost_centre, day):
    """(AURA service, county) of a cost centre's mapping version valid on `day`; ('unmapped', None)."""
    valid = [v for v in sorted(versions.get(cost_centre, [])) if v[0] <= day]
    return (valid[-1][1], valid[-1][2]) if valid else ("unmapped", None)


def working_days(first: dt.date, last: dt.date, holidays: set) -> int:
    """Arkipäivät (Monday to Friday, not a public holiday) from first to last, both included."""
    n, day = 0, first
    while day <= last:
        n += day.weekday() < 5 and day not in holidays
        day += dt.timedelta(days=1)
    return n


def staff_resources_yearly(sql, months):
    """(county, year, service) -> the yearly staff figures, from the raw HR, shift-planning and ledger
    tables: employees_n (people at the year's last month end), fte_sum, leavers_n, permanent_sum,
    sick and theoretical working days (x FTE), worked and agency hours, salaries. `months`: the
    reporting months (first day, last day); the rules are those docs and the mart's formula state (a
    person with another employment in the county running on, or starting within 31 days, is no
    leaver; sick leave weighted by FTE over working days, a day once however many spells cover it)."""
    _, versions = costs_by_service(sql)
    holidays = {dt.date.fromisoformat(r["holiday_date"]) for r in _seed("ref_fi_holidays")}

    employments = []
    for e in staff_employments(sql):
        counties = [v[2] for v in versions.get(e["cc"], [])]
        if counties:  # a cost centre the ledger does not know places the employment in no county
            employments.append({**e, "county": max(counties)})
    by_person = defaultdict(list)
    for e in employments:
        by_person[(e["who"], e["county"])].append(e)
    for e in employments:  # a move: another of the person's employments in the county runs on after it
        e["move"] = e["end"] is not None and any(
            o is not e and o["start"] <= e["end"] + dt.timedelta(days=31) and (o["end"] is None or o["end"] > e["end"])
            for o in by_person[(e["who"], e["county"])])

    def absence_ok(r):
        first, last = dmy(r["alkupvm"]), dmy(r["loppupvm"])
        return not blank(r["henkilonumero"]) and first is not None and last is not None and last >= first

    sick = defaultdict(set)  # employee number -> the working days on sick leave (overlapping spells once)
    for r in latest_accepted(sql, "titania_poissaolot", key("poissaolo_id"), absence_ok).values():
        if (r["syy"] or "").strip().upper() == "SAIRAUS":
            day = dmy(r["alkupvm"])
            while day <= dmy(r["loppupvm"]):
                if day.weekday() < 5 and day not in holidays:
                    sick[r["henkilonumero"].strip()].add(day)
                day += dt.timedelta(days=1)

    monthly = defaultdict(lambda: defaultdict(Decimal))
    people = defaultdict(set)  # (county, month, service) -> people at the month end
    permanent = defaultdict(set)
    leavers = defaultdict(set)
    for e in employments:
        for first, last in months:
            if e["start"] > last or (e["end"] is not None and e["end"] < first):
                continue
            a, b = max(e["start"], first), min(e["end"] or last, last)
            service, _ = service_on(versions, e["cc"], b)
            cell = monthly[(e["county"], first, service)]
            running = e["end"] is None or e["end"] >= last
            if running:
                cell["fte"] += e["fte"] / 100
                people[(e["county"], first, service)].add(e["who"])
                if e["permanent"]:
                    permanent[(e["county"], first, service)].add(e["who"])
            if e["end"] is not None and first <= e["end"] <= last and e["permanent"] and not e["move"]:
                leavers[(e["county"], first, service)].add(e["who"])
            cell["theoretical"] += working_days(a, b, holidays) * e["fte"] / 100
            cell["sick"] += sum(a <= d <= b for d in sick.get(e["number"], ())) * e["fte"] / 100

    units = staff_units(sql)
    employees = staff_employees(sql)
    month_of = {first: first for first, _ in months}
    for unit, day, number, direct, indirect, absence in staff_shifts(sql):
        worked = absence is None and (direct is not None or indirect is not None)
        if not worked or unit not in units or day.replace(day=1) not in month_of:
            continue
        county, cc = units[unit]
        service, _ = service_on(versions, cc, day)
        cell = monthly[(county, day.replace(day=1), service)]
        hours = (direct or 0) + (indirect or 0)
        cell["worked"] += hours
        if employees.get(number, (None, None))[1] == "agency":
            cell["agency"] += hours
    salaries, _ = costs_by_service(sql, accounts={"4000"})
    for (county, month, service), eur in salaries.items():
        if month in month_of:
            monthly[(county, month, service)]["salaries"] += eur

    year_months = defaultdict(list)
    for first, _ in months:
        year_months[first.year].append(first)
    out = {}
    keys = {(c, f.year, s) for c, f, s in monthly}
    for county, year, service in keys:
        ms = year_months[year]
        cells = [monthly.get((county, m, service), {}) for m in ms]
        total = defaultdict(Decimal)
        for c in cells:
            for k, v in c.items():
                total[k] += v
        n_months = len(ms)
        perm = sum(len(permanent[(county, m, service)]) for m in ms)
        out[(county, year, service)] = {
            "employees_n": len(people[(county, max(ms), service)]),
            "fte_sum": total["fte"], "months_n": n_months,
            "leavers_n": sum(len(leavers[(county, m, service)]) for m in ms),
            "permanent_sum": perm, "theoretical": total["theoretical"], "sick": total["sick"],
            "worked": total["worked"], "agency": total["agency"], "salaries": total["salaries"]}
    return out


def iso_date(text):
    try:
        return dt.date.fromisoformat(text.strip()) if text and text.strip() else None
    except ValueError:
        return None

"""Primary care in the synthetic extracts: contacts, need assessments and visits (with the
maximum wait the clinician records, per the deadline rule in force) in the county's patient
system, Apotti or Lifecare."""

from __future__ import annotations

import numpy as np

from virta.generate.core import MONTH_WEIGHTS, Generator, Table
from virta.generate.formats import fmt_ts
from virta.generate.profiles import CountyProfile
from virta.generate.rules import rule, treatment_max_days

# Primary-care contacts per resident and year, by the same age bands.
CONTACT_RATE_BY_BAND = np.array([2.6, 1.4, 1.5, 1.6, 1.7, 1.9, 2.3, 3.0, 3.8, 4.2])
DOW_WEIGHTS = np.array([1.35, 1.1, 1.05, 1.0, 0.9, 0.12, 0.05])  # Mon..Sun contact volumes
# ICD-10 codes recorded at visits (a plausible mix, not a prevalence model).
GP_DIAGNOSES = np.array(["J06.9", "I10", "E11.9", "M54.5", "F32.9", "J45.9", "N39.0", "R51", "Z00.0", "L30.9"],
                        dtype=object)
GP_DIAGNOSIS_WEIGHTS = np.array([0.2, 0.14, 0.1, 0.12, 0.08, 0.07, 0.07, 0.06, 0.1, 0.06])
ORAL_DIAGNOSES = np.array(["K02.9", "K05.1", "K04.7", "K08.8"], dtype=object)


def primary_care(g: Generator, county: CountyProfile, units: Table) -> dict[str, np.ndarray]:
    people = g.people[county.code]
    years = (g.p.end - g.p.start).days / 365.25
    rate = CONTACT_RATE_BY_BAND[people["band"]] * years
    n_contacts = g.rng.poisson(rate)
    person_idx = np.repeat(np.arange(len(rate)), n_contacts)
    n = len(person_idx)
    dow = (g.all_days.view("int64") - 4) % 7
    month = g.all_days.astype("datetime64[M]").astype(int) % 12
    w = DOW_WEIGHTS[dow] * MONTH_WEIGHTS[month]
    w[~np.isin(g.all_days, g.horizon[g.horizon_working]) & (dow < 5)] *= 0.1  # holidays
    contact_day = g.all_days[g.rng.choice(len(g.all_days), size=n, p=w / w.sum())]
    # People who die stop contacting care.
    alive = np.isnat(people["death"][person_idx]) | (contact_day < people["death"][person_idx])
    person_idx, contact_day = person_idx[alive], contact_day[alive]
    n = len(person_idx)
    oral = g.rng.random(n) < 0.18
    contact_at = g.times(contact_day, 7, 16)
    # Need assessment: same day mostly (more so after the 2023-09-01 same-day rule); else 1-4 days
    # later, never on a Sunday.
    same_day_from = np.datetime64(rule("phc_assessment_same_day_2023")["valid_from"])
    same_day_share = np.where(contact_day >= same_day_from, 0.93, 0.82)
    delay = np.where(g.rng.random(n) < same_day_share, 0, g.rng.integers(1, 5, n))
    assess_day = contact_day + delay.astype("timedelta64[D]")
    assess_day = np.where((assess_day.view("int64") - 4) % 7 == 6, assess_day + 1, assess_day)
    after_contact = g.rng.integers(5, 90, n).astype("timedelta64[m]")
    assess_at = np.maximum(contact_at + after_contact, g.times(assess_day, 8, 17))
    # The extract holds only what happened before it was taken: a contact of its last days was
    # assessed by then, the same day (a Sunday's by the on-call service). Only the assessment
    # time moves (the visit stays where it was booked): the random draws and the rest of the
    # sample stay as they were.
    assess_at = np.where(assess_at >= np.datetime64(g.p.as_of), contact_at + after_contact, assess_at)
    urgent = g.rng.random(n) < 0.14
    age_at = people["age_years"][person_idx] + (contact_day - np.datetime64(g.p.start)).astype(int) / 365.25
    # Maximum time the clinician records, per the rule in force (terveydenhuoltolaki § 51, § 51 a, § 53).
    gp_max = treatment_max_days("general_practice", assess_day, age_at)
    oral_max = treatment_max_days("oral_care", assess_day, age_at)
    max_days = np.where(urgent, 1, np.where(oral, oral_max, gp_max))
    # Visits: most assessments lead to one; professional groups by service line.
    has_visit = g.rng.random(n) < np.where(urgent, 0.97, 0.82)
    prof = np.where(
        oral,
        np.where(g.rng.random(n) < 0.62, "dentist", "oral_hygienist"),
        g.rng.choice(np.array(["doctor", "nurse", "other"]), size=n, p=[0.46, 0.44, 0.10]),
    ).astype(object)
    t_years = (assess_day - np.datetime64(g.p.start)).astype(int) / 365.25
    growth = 1 + county.queue_growth_per_year * t_years
    summer = np.isin(assess_day.astype("datetime64[M]").astype(int) % 12, [5, 6])
    fast_share = np.where(oral, county.oral_fast_share, county.gp_fast_share) - 0.08 * summer
    fast_share = np.where(prof == "doctor", fast_share, fast_share + 0.22)  # nurses are quicker
    slow_mean = np.where(oral, county.oral_slow_mean_days, county.gp_slow_mean_days) * growth
    fast = g.rng.random(n) < fast_share
    wait = np.where(
        urgent, g.rng.integers(0, 2, n),
        np.where(fast, g.rng.integers(0, 8, n), 7 + g.rng.exponential(slow_mean).astype(int)),
    )
    visit_day = g.next_working_day(assess_day + wait.astype("timedelta64[D]"))
    visit_at = g.times(visit_day, 8, 16)
    visit_at = np.where(visit_at <= assess_at, assess_at + np.timedelta64(30, "m"), visit_at)
    status = g.rng.choice(np.array(["completed", "cancelled", "no_show"], dtype=object), size=n,
                             p=[0.93, 0.04, 0.03])
    # Only what happened by the extract date is in the extract; later visits are still booked.
    booked_only = visit_day >= np.datetime64(g.p.as_of)
    gp_units = units["unit_oid"][units["service_area"] == "GP"]
    oral_units = units["unit_oid"][units["service_area"] == "ORAL"]
    unit = np.where(oral, oral_units[g.rng.integers(0, len(oral_units), n)],
                    gp_units[g.rng.integers(0, len(gp_units), n)])
    # Visits booked directly (follow-ups, recalls): no contact and no need assessment recorded;
    # the booking time stands in for the assessment time.
    direct = has_visit & ~urgent & (g.rng.random(n) > county.assessment_coverage)
    return {
        "hetu": people["hetu"][person_idx], "contact_at": contact_at, "assess_at": assess_at,
        "oral": oral, "urgent": urgent, "max_days": max_days, "has_visit": has_visit, "prof": prof,
        "direct": direct,
        "visit_at": visit_at, "status": np.where(booked_only, "booked", status).astype(object),
        "unit": unit,
    }

def _rebooked_units(g: Generator, final_units: np.ndarray, oral: np.ndarray, units: Table, share: float = 0.05) -> np.ndarray:
    """Units a visit was first booked at: mostly its final unit, but a share were moved later."""
    gp = units["unit_oid"][units["service_area"] == "GP"]
    dental = units["unit_oid"][units["service_area"] == "ORAL"]
    other = np.where(oral, dental[g.rng.integers(0, len(dental), len(oral))],
                     gp[g.rng.integers(0, len(gp), len(oral))])
    moved = (g.rng.random(len(oral)) < share) & (other != final_units)
    return np.where(moved, other, final_units).astype(object)

def _deliver_visits(g: Generator, name: str, visits: Table, ev: dict[str, np.ndarray], v: np.ndarray,
                    units: Table, status: tuple[str, str], unit: str) -> None:
    """Visits `v` of the events as table `name`: booked at the assessment (the status column set to
    the system's booked code, some at another unit), delivered again with the outcome once past."""
    done = ev["status"][v] != "booked"
    booked = {c: vals[done].copy() for c, vals in visits.items()}
    booked[status[0]][:] = status[1]
    booked[unit] = _rebooked_units(g, booked[unit], ev["oral"][v][done], units)
    g.extract.add(name, visits, np.where(done, ev["visit_at"][v], ev["assess_at"][v]),
                  prior=(booked, ev["assess_at"][v][done]))


def apotti_tables(g: Generator, county: CountyProfile, ev: dict[str, np.ndarray], units: Table) -> None:
    """Apotti-like layout: English column names, ISO timestamps, three tables."""
    n = len(ev["hetu"])
    contact_id = g.ids(f"C{county.code}", n)
    triage_id = g.ids(f"T{county.code}", n)
    c = ~ev["direct"]  # directly booked visits have neither a contact nor a triage row
    g.extract.add("apotti_contacts", {
        "contact_id": contact_id[c], "pat_ssn": ev["hetu"][c],
        "contact_dttm": fmt_ts(ev["contact_at"][c], "iso"),
        "service_line": np.where(ev["oral"][c], "DENTAL", "PRIMARY").astype(object),
        "dept_id": ev["unit"][c],
    }, ev["contact_at"][c])
    g.extract.add("apotti_triage", {
        "triage_id": triage_id[c], "contact_id": contact_id[c], "pat_ssn": ev["hetu"][c],
        "triage_dttm": fmt_ts(ev["assess_at"][c], "iso"),
        "acuity": np.where(ev["urgent"][c], "URGENT", "NONURGENT").astype(object),
        "max_wait_days": ev["max_days"][c].astype(str).astype(object),
    }, ev["assess_at"][c])
    v = np.flatnonzero(ev["has_visit"])
    prov = {"doctor": "MD", "nurse": "RN", "other": "PT", "dentist": "DDS", "oral_hygienist": "RDH"}
    visits = {
        "visit_id": g.ids(f"V{county.code}", len(v)),
        "triage_id": np.where(ev["direct"][v], None, triage_id[v]).astype(object),
        "pat_ssn": ev["hetu"][v], "appt_dttm": fmt_ts(ev["visit_at"][v], "iso"),
        "prov_type": np.array([prov[p] for p in ev["prof"][v]], dtype=object),
        "appt_status": np.array([s.upper() for s in ev["status"][v]], dtype=object),
        "dept_id": ev["unit"][v],
    }
    _deliver_visits(g, "apotti_visits", visits, ev, v, units, status=("appt_status", "BOOKED"), unit="dept_id")
    done = ev["status"][v] != "booked"
    # Diagnoses of completed visits: a set of 1-3 per visit, delivered with the outcome.
    completed = np.flatnonzero(ev["status"][v] == "completed")
    n_dx = g.rng.choice([1, 2, 3], size=len(completed), p=[0.6, 0.3, 0.1])
    dx_visit = np.repeat(completed, n_dx)
    dx_rank = np.concatenate([np.arange(1, k + 1) for k in n_dx]) if len(n_dx) else np.array([], int)
    oral_dx = ev["oral"][v][dx_visit]
    codes = np.where(oral_dx, ORAL_DIAGNOSES[g.rng.integers(0, len(ORAL_DIAGNOSES), len(dx_visit))],
                     GP_DIAGNOSES[g.rng.choice(len(GP_DIAGNOSES), size=len(dx_visit),
                                                  p=GP_DIAGNOSIS_WEIGHTS)])
    g.extract.add("apotti_visit_diagnoses", {
        "visit_id": visits["visit_id"][dx_visit].copy(),
        "dx_rank": dx_rank.astype(str).astype(object),
        "icd10_code": codes.astype(object),
    }, ev["visit_at"][v][dx_visit])
    # Some past visits are deleted afterwards (entered in error); the extract carries tombstones.
    deleted_at = ev["visit_at"][v] + (g.rng.integers(1, 31, len(v)) * 1440).astype("timedelta64[m]")
    gone = np.flatnonzero(done & (g.rng.random(len(v)) < g.p.deletion_rate)
                          & (deleted_at < np.datetime64(g.p.as_of)))
    g.extract.add("apotti_deleted_records", {
        "record_type": np.full(len(gone), "VISIT", dtype=object),
        "record_id": visits["visit_id"][gone].copy(),
        "deleted_dttm": fmt_ts(deleted_at[gone], "iso"),
    }, deleted_at[gone])

def lifecare_tables(g: Generator, county: CountyProfile, ev: dict[str, np.ndarray], units: Table) -> None:
    """Lifecare-like layout: Finnish names, 'DD.MM.YYYY HH24:MI' times, assessment and visit in one row."""
    n = len(ev["hetu"])
    yhteys_id = np.array([f"{county.code}-{i}" for i in range(1, n + 1)], dtype=object)
    c = ~ev["direct"]  # directly booked visits: no contact, an event row with no assessment
    g.extract.add("lifecare_yhteydenotot", {
        "yhteys_id": yhteys_id[c], "hetu": ev["hetu"][c],
        "yhteys_aika": fmt_ts(ev["contact_at"][c], "fi"),
        "palvelu": np.where(ev["oral"][c], "SH", "VO").astype(object),  # suun hoito / vastaanotto
        "yksikko": ev["unit"][c],
    }, ev["contact_at"][c])

    def no_assessment(values: np.ndarray) -> np.ndarray:
        return np.where(ev["direct"], None, values).astype(object)

    ammatti = {"doctor": "LAAK", "nurse": "HOIT", "other": "MUU", "dentist": "HAMM", "oral_hygienist": "SHG"}
    tila = {"completed": "T", "cancelled": "P", "no_show": "E", "booked": "V"}
    visit_at = np.where(ev["has_visit"], ev["visit_at"], np.datetime64("NaT"))
    events = {
        "tapahtuma_id": np.array([f"HT{county.code}{i:07d}" for i in range(1, n + 1)], dtype=object),
        "yhteys_id": no_assessment(yhteys_id), "hetu": ev["hetu"].copy(),
        "hta_aika": no_assessment(fmt_ts(ev["assess_at"], "fi")),
        "kiireellisyys": no_assessment(np.where(ev["urgent"], "1", "3")),
        "enimmaisaika_pv": no_assessment(ev["max_days"].astype(str)),
        "kaynti_aika": fmt_ts(visit_at.astype("datetime64[m]"), "fi"),
        "ammattiryhma": np.where(ev["has_visit"], [ammatti[p] for p in ev["prof"]], None).astype(object),
        "tila": np.where(ev["has_visit"], [tila[s] for s in ev["status"]], None).astype(object),
        "yksikko": ev["unit"].copy(),
    }
    # The row is first delivered at the assessment with the visit booked (tila V), and again
    # with the visit's outcome once it is past.
    done = ev["has_visit"] & (ev["status"] != "booked")
    booked = {c: vals[done].copy() for c, vals in events.items()}
    booked["tila"][:] = "V"
    booked["yksikko"] = _rebooked_units(g, booked["yksikko"], ev["oral"][done], units)
    g.extract.add("lifecare_hoitotapahtumat", events, np.where(done, ev["visit_at"], ev["assess_at"]),
                     prior=(booked, ev["assess_at"][done]))


def pegasos_tables(g: Generator, county: CountyProfile, ev: dict[str, np.ndarray], units: Table) -> None:
    """Pegasos-like layout: the contact and its need assessment in one row, the visit in another;
    timestamps as YYYYMMDDHHMM, numeric professional codes and three-letter visit states."""
    n = len(ev["hetu"])
    kontakti = np.array([f"PK{county.code}{i:07d}" for i in range(1, n + 1)], dtype=object)
    c = ~ev["direct"]  # directly booked visits have no contact row
    g.extract.add("pegasos_kontaktit", {
        "kontaktitunnus": kontakti[c], "henkilotunnus": ev["hetu"][c],
        "kontaktiaika": fmt_ts(ev["contact_at"][c], "compact"),
        "palvelualue": np.where(ev["oral"][c], "T30", "T11").astype(object),  # suun th / avosairaanhoito
        "arvioaika": fmt_ts(ev["assess_at"][c], "compact"),
        "kiireellisyys": np.where(ev["urgent"][c], "K", "E").astype(object),
        "enimmaisaika": ev["max_days"][c].astype(str).astype(object),
        "toimipiste": ev["unit"][c],
    }, ev["assess_at"][c])
    v = np.flatnonzero(ev["has_visit"])
    ammatti = {"doctor": "101", "nurse": "201", "other": "901", "dentist": "301", "oral_hygienist": "302"}
    tila = {"completed": "TOT", "cancelled": "PER", "no_show": "EIS", "booked": "VAR"}
    visits = {
        "kayntitunnus": np.array([f"PV{county.code}{i:07d}" for i in range(1, len(v) + 1)], dtype=object),
        "kontaktitunnus": np.where(ev["direct"][v], None, kontakti[v]).astype(object),
        "henkilotunnus": ev["hetu"][v], "kayntiaika": fmt_ts(ev["visit_at"][v], "compact"),
        "ammattiluokka": np.array([ammatti[p] for p in ev["prof"][v]], dtype=object),
        "tila": np.array([tila[s] for s in ev["status"][v]], dtype=object),
        "toimipiste": ev["unit"][v],
    }
    _deliver_visits(g, "pegasos_kaynnit", visits, ev, v, units, status=("tila", "VAR"), unit="toimipiste")

# -- defects ----------------------------------------------------------------------------------

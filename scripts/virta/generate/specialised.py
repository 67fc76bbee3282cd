"""Specialised care (erikoissairaanhoito): referrals and their path to treatment.

A referral arrives, its processing starts (THL bands <=3 / 4-21 / >21 days), it is rejected or
accepted, the specialist assesses the patient, and a share are queued for treatment. Some are
cancelled while waiting. Referrals start a warm-up year before the period so that the month-end
waiting lists of the first months are already full; those closed before the period are not
delivered, those still open are delivered with the first batch.

Waits are exponential: among people waiting at a month end the elapsed wait is then exponential with
the same mean, so the share over 180 days is about exp(-180 / mean) for treatment queues (THL:
13-17 % nationally, 2.7-27.8 % by county, of everyone waiting).
"""

from __future__ import annotations

import numpy as np

from virta.generate.core import MONTH_WEIGHTS, WARM_UP_DAYS, Generator, Table
from virta.generate.formats import fmt_date, fmt_ts
from virta.generate.profiles import CountyProfile

# THL specialty codes (erikoisala) and their share of referrals.
SPECIALTIES = np.array(["10", "20", "30", "40", "50", "55", "70", "74", "75"], dtype=object)
SPECIALTY_WEIGHTS = np.array([0.19, 0.28, 0.08, 0.0, 0.15, 0.09, 0.08, 0.0, 0.13])
# Referrals per resident and year by 10-year age band (about 0.14 on average).
REFERRAL_RATE_BY_BAND = np.array([0.08, 0.06, 0.07, 0.08, 0.10, 0.13, 0.18, 0.23, 0.25, 0.22])
APOTTI_SPECIALTY = {"10": "INTMED", "20": "SURG", "30": "GYN", "40": "PED", "50": "OPHT", "55": "ENT",
                    "70": "PSY", "74": "YPSY", "75": "NEURO"}
NAT = np.datetime64("NaT", "D")


def referrals(g: Generator, county: CountyProfile, units: Table) -> dict[str, np.ndarray]:
    """Referral events of one county, as of the extract date (later events are not known yet)."""
    p, rng = g.p, g.rng
    people = g.people[county.code]
    start, as_of = np.datetime64(p.start), np.datetime64(p.as_of)
    days = np.arange(start - WARM_UP_DAYS, np.datetime64(p.end) + 1)
    years = len(days) / 365.25
    per_person = rng.poisson(REFERRAL_RATE_BY_BAND[people["band"]] * years)
    person = np.repeat(np.arange(len(per_person)), per_person)
    month = days.astype("datetime64[M]").astype(int) % 12
    w = np.where(g.is_working(days), MONTH_WEIGHTS[month], 0.0)  # referrals arrive on working days
    received = days[rng.choice(len(days), size=len(person), p=w / w.sum())]
    alive = np.isnat(people["death"][person]) | (received < people["death"][person])
    person, received = person[alive], received[alive]
    n = len(person)
    age = people["age_years"][person] + (received - start).astype(int) / 365.25
    specialty = SPECIALTIES[rng.choice(len(SPECIALTIES), size=n, p=SPECIALTY_WEIGHTS / SPECIALTY_WEIGHTS.sum())]
    child = age < 16
    specialty = np.where(child & np.isin(specialty, ["10", "30", "75"]), "40", specialty)
    specialty = np.where((age < 23) & (specialty == "70"), "74", specialty).astype(object)
    t_years = np.clip((received - start).astype(int) / 365.25, -1.0, None)
    growth = 1 + county.queue_growth_per_year * t_years  # queues grow: something for the forecast to find

    band = rng.choice(3, size=n, p=[0.62, 0.355, 0.025])
    proc_delay = np.select([band == 0, band == 1], [rng.integers(0, 4, n), rng.integers(4, 22, n)],
                           22 + rng.exponential(10, n).astype(int))
    processed = g.next_working_day(received + proc_delay.astype("timedelta64[D]"))
    rejected = rng.random(n) < 0.12
    assess_mean = np.where(specialty == "74", 25.0, county.esh_assessment_mean_days) * growth
    assessed = g.next_working_day(processed + 1 + rng.exponential(assess_mean).astype(int).astype("timedelta64[D]"))
    assessed = np.where(rejected, NAT, assessed)
    queued = np.where(rng.random(n) < 0.58, assessed, NAT)
    treat_mean = np.where(specialty == "74", 45.0, county.esh_treatment_mean_days) * growth
    treated = g.next_working_day(queued + rng.exponential(treat_mean).astype(int).astype("timedelta64[D]"))
    treated = np.where(np.isnat(queued), NAT, treated)
    # Cancelled while waiting (patient declined, treated elsewhere): on a day before the next event.
    last = np.select([~np.isnat(treated), ~np.isnat(assessed)], [treated, assessed], processed)
    span = np.maximum((last - received).astype(int), 1)
    cancelled = np.where((rng.random(n) < 0.07) & ~rejected,
                         received + (rng.random(n) * span).astype(int).astype("timedelta64[D]"), NAT)
    for events in (assessed, queued, treated):
        events[~np.isnat(cancelled) & ~(events < cancelled)] = NAT
    # Only what happened before the extract date is known.
    for events in (processed, assessed, queued, treated, cancelled):
        events[events >= as_of] = NAT
    rejected &= ~np.isnat(processed)
    status = np.select(
        [~np.isnat(cancelled), rejected, ~np.isnat(treated), ~np.isnat(queued), ~np.isnat(assessed),
         ~np.isnat(processed)],
        ["cancelled", "rejected", "treated", "queued", "discharged", "accepted"], "received").astype(object)
    final_day = np.maximum.reduce([np.where(np.isnat(e), received, e)
                                   for e in (processed, assessed, treated, cancelled)])
    closed = np.isin(status, ["cancelled", "rejected", "treated", "discharged"])
    keep = ~(closed & (final_day < start))
    spec_units = units["unit_oid"][units["service_area"] == "SPEC"]
    ev = {
        "hetu": people["hetu"][person], "received": received, "processed": processed, "assessed": assessed,
        "queued": queued, "treated": treated, "cancelled": cancelled, "status": status,
        "specialty": specialty, "unit": spec_units[rng.integers(0, len(spec_units), n)],
        "final_day": final_day,
    }
    return {k: v[keep] for k, v in ev.items()}


def _deliver(g: Generator, name: str, ev: dict[str, np.ndarray], table: Table, first_values: dict) -> None:
    """Final states are delivered on their last event (open cases of the warm-up on the first day);
    referrals whose state changed later were delivered first as received."""
    start = np.datetime64(g.p.start)
    g.extract.add_with_first_state(name, table, np.maximum(ev["final_day"], start),
                                   np.maximum(ev["received"], start), first_values)


def apotti_referrals(g: Generator, county: CountyProfile, ev: dict[str, np.ndarray]) -> None:
    """Apotti-like: English names, ISO timestamps, Apotti's own specialty abbreviations."""
    n = len(ev["hetu"])

    def ts(days: np.ndarray) -> np.ndarray:
        return fmt_ts(g.times(days, 8, 15) if len(days) else days.astype("datetime64[m]"), "iso")

    table = {
        "referral_id": g.ids(f"R{county.code}", n), "pat_ssn": ev["hetu"].copy(),
        "specialty": np.array([APOTTI_SPECIALTY[s] for s in ev["specialty"]], dtype=object),
        "received_dttm": ts(ev["received"]), "triage_dttm": ts(ev["processed"]),
        "assessment_dttm": ts(ev["assessed"]), "queue_dttm": ts(ev["queued"]),
        "treatment_dttm": ts(ev["treated"]), "cancel_dttm": ts(ev["cancelled"]),
        "referral_status": np.char.upper(ev["status"].astype(str)).astype(object), "dept_id": ev["unit"].copy(),
    }
    later = ("triage_dttm", "assessment_dttm", "queue_dttm", "treatment_dttm", "cancel_dttm")
    _deliver(g, "apotti_referrals", ev, table, {**dict.fromkeys(later), "referral_status": "RECEIVED"})


def lifecare_referrals(g: Generator, county: CountyProfile, ev: dict[str, np.ndarray]) -> None:
    """Lifecare-like: Finnish names, dates only (DD.MM.YYYY), THL specialty codes, one-letter states."""
    n = len(ev["hetu"])
    tila = {"received": "S", "accepted": "K", "rejected": "H", "discharged": "A", "queued": "J",
            "treated": "T", "cancelled": "P"}

    table = {
        "lahete_id": np.array([f"L{county.code}-{i}" for i in range(1, n + 1)], dtype=object),
        "hetu": ev["hetu"].copy(), "erikoisala": ev["specialty"].copy(),
        "saapumispvm": fmt_date(ev["received"], "fi"), "kasittelypvm": fmt_date(ev["processed"], "fi"),
        "arviopvm": fmt_date(ev["assessed"], "fi"), "jonoutuspvm": fmt_date(ev["queued"], "fi"),
        "hoitopvm": fmt_date(ev["treated"], "fi"),
        "peruutuspvm": fmt_date(ev["cancelled"], "fi"),
        "tila": np.array([tila[s] for s in ev["status"]], dtype=object), "yksikko": ev["unit"].copy(),
    }
    later = ("kasittelypvm", "arviopvm", "jonoutuspvm", "hoitopvm", "peruutuspvm")
    _deliver(g, "lifecare_lahetteet", ev, table, {**dict.fromkeys(later), "tila": "S"})


def pegasos_referrals(g: Generator, county: CountyProfile, ev: dict[str, np.ndarray]) -> None:
    """Pegasos-like: dates as YYYYMMDD, THL specialty codes, two-digit states."""
    n = len(ev["hetu"])
    tila = {"received": "10", "accepted": "20", "rejected": "25", "discharged": "30", "queued": "40",
            "treated": "50", "cancelled": "90"}
    table = {
        "lahetetunnus": np.array([f"PL{county.code}{i:07d}" for i in range(1, n + 1)], dtype=object),
        "henkilotunnus": ev["hetu"].copy(), "erikoisala": ev["specialty"].copy(),
        "saapunut": fmt_date(ev["received"], "compact"), "kasittely_alkoi": fmt_date(ev["processed"], "compact"),
        "arvioitu": fmt_date(ev["assessed"], "compact"), "jonoon": fmt_date(ev["queued"], "compact"),
        "hoito_alkoi": fmt_date(ev["treated"], "compact"), "peruttu": fmt_date(ev["cancelled"], "compact"),
        "tila": np.array([tila[s] for s in ev["status"]], dtype=object), "toimipiste": ev["unit"].copy(),
    }
    later = ("kasittely_alkoi", "arvioitu", "jonoon", "hoito_alkoi", "peruttu")
    _deliver(g, "pegasos_lahetteet", ev, table, {**dict.fromkeys(later), "tila": "10"})


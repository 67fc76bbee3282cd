"""Health-centre hospital care (terveyskeskussairaala, tk-sairaala): the wards' waiting list and stays.

A doctor finds that a patient needs hospital care (hoidon tarpeen arviointi). An urgent patient,
most of them from the on-call service, is admitted the same day or the next; a non-urgent one is put
in the ward's queue and admitted later, or the place is cancelled while waiting (care at home or in
housing services after all, or the patient died). Non-urgent hospital care in primary care must
start within six months of the need assessment (the source slides; ref_legal_deadline_rules).
Patients are mostly old; stays last days to weeks.

Queue entries start a warm-up year before the period, so that the month-end queues of the first
months are full; those closed before the period are not delivered. Only the Lifecare-like layout
delivers the wards' table (lifecare_osastojaksot). Everything is drawn from a random stream of its
own, so the rest of the sample stays as calibrated.
"""

from __future__ import annotations

import numpy as np

from virta.generate.core import WARM_UP_DAYS, Generator, Table
from virta.generate.formats import fmt_date
from virta.generate.profiles import CountyProfile

# Hospital care periods per resident and year by 10-year age band (illustrative: about 0.01 a
# resident, most of them 65 and over).
RATE_BY_BAND = np.array([0.0005, 0.0005, 0.001, 0.001, 0.002, 0.004, 0.01, 0.03, 0.08, 0.16])
URGENT_SHARE = 0.7
CANCELLED_SHARE = 0.08  # of the non-urgent queue entries, cancelled while waiting
NAT = np.datetime64("NaT", "D")


def wards(g: Generator, county: CountyProfile, units: Table) -> dict[str, np.ndarray]:
    """The county's hospital care periods, as of the extract date (later events are not known yet)."""
    p = g.p
    rng = np.random.Generator(np.random.PCG64([p.seed, int(county.code), 31]))
    people = g.people[county.code]
    start, as_of = np.datetime64(p.start), np.datetime64(p.as_of)
    days = np.arange(start - WARM_UP_DAYS, np.datetime64(p.end) + 1)
    years = len(days) / 365.25
    person = np.repeat(np.arange(len(people["hetu"])), rng.poisson(RATE_BY_BAND[people["band"]] * years))
    assessed = days[rng.integers(0, len(days), len(person))]
    alive = np.isnat(people["death"][person]) | (assessed < people["death"][person])
    person, assessed = person[alive], assessed[alive]
    n = len(person)
    # the county's queue: mean wait of a non-urgent patient (days); over six months about exp(-183/mean)
    mean_wait = rng.uniform(25.0, 60.0)
    urgent = rng.random(n) < URGENT_SHARE
    wait = np.where(urgent, rng.integers(0, 2, n), rng.exponential(mean_wait, n).astype(int))
    admitted = assessed + wait.astype("timedelta64[D]")
    span = np.maximum(wait, 1)
    cancelled = np.where(~urgent & (rng.random(n) < CANCELLED_SHARE),
                         assessed + (rng.random(n) * span).astype(int).astype("timedelta64[D]"), NAT)
    death = people["death"][person]
    died_waiting = ~np.isnat(death) & (death <= admitted) & np.isnat(cancelled)
    cancelled = np.where(died_waiting, death, cancelled)
    admitted = np.where(np.isnat(cancelled), admitted, NAT)
    age = people["age_years"][person] + (assessed - start).astype(int) / 365.25
    stay = 1 + rng.exponential(np.where(age >= 75, 16.0, 9.0)).astype(int)
    discharged = admitted + stay.astype("timedelta64[D]")
    # Only what happened before the extract date is known.
    for events in (admitted, discharged, cancelled):
        events[events >= as_of] = NAT
    discharged[np.isnat(admitted)] = NAT
    status = np.select([~np.isnat(cancelled), ~np.isnat(discharged), ~np.isnat(admitted)],
                       ["cancelled", "discharged", "on_ward"], "queued").astype(object)
    final_day = np.maximum.reduce([np.where(np.isnat(e), assessed, e) for e in (admitted, discharged, cancelled)])
    keep = ~(np.isin(status, ["cancelled", "discharged"]) & (final_day < start))
    # the wards belong to the health centres of the county's first municipality (the synthetic register has
    # no ward units of its own: a new unit row would move every later table's defects)
    ward_units = units["unit_oid"][(units["service_area"] == "GP")
                                   & (units["municipality_code"] == county.municipalities[0][0])]
    ev = {
        "hetu": people["hetu"][person], "urgent": urgent, "assessed": assessed, "admitted": admitted,
        "discharged": discharged, "cancelled": cancelled, "status": status,
        "unit": ward_units[rng.integers(0, len(ward_units), n)], "final_day": final_day,
    }
    return {k: v[keep] for k, v in ev.items()}


def lifecare_wards(g: Generator, county: CountyProfile, ev: dict[str, np.ndarray]) -> None:
    """Lifecare-like: Finnish names, dates only (DD.MM.YYYY), one-letter states. A period whose last
    event came later is delivered first as queued on its assessment day (an urgent one too, and an
    admission is not delivered before the period's last event), then in its final state."""
    n = len(ev["hetu"])
    tila = {"queued": "J", "on_ward": "O", "discharged": "K", "cancelled": "P"}
    table = {
        "jakso_id": np.array([f"OJ{county.code}-{i}" for i in range(1, n + 1)], dtype=object),
        "hetu": ev["hetu"].copy(),
        "kiireellisyys": np.where(ev["urgent"], "1", "3").astype(object),
        "arviopvm": fmt_date(ev["assessed"], "fi"), "tulopvm": fmt_date(ev["admitted"], "fi"),
        "lahtopvm": fmt_date(ev["discharged"], "fi"), "peruutuspvm": fmt_date(ev["cancelled"], "fi"),
        "tila": np.array([tila[s] for s in ev["status"]], dtype=object), "osasto": ev["unit"].copy(),
    }
    start = np.datetime64(g.p.start)
    first = np.maximum(ev["assessed"], start)
    g.extract.add_with_first_state("lifecare_osastojaksot", table, np.maximum(ev["final_day"], start), first,
                                   {"tulopvm": None, "lahtopvm": None, "peruutuspvm": None, "tila": "J"})

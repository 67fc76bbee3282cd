"""The health centres' phone service (välitön yhteys, TTHL § 51): an ACE-like contact-centre and
call-back system shared by the counties.

A call reaches a unit's queue (a health centre's general-practice line, or the oral-care line of
a dental clinic). It is answered in the queue, or the caller asks for a call-back
(takaisinsoitto), or hangs up. The law asks for contact on arkipäivät in office hours (virka-aika)
immediately until 2023-08-31 and the same day since (HE 74/2022: "immediate" was unclear with
call-back systems). A call-back made after the service closes for the day falls on the next
arkipäivä; a few call-backs never reach the caller. The AVI found about half of Pohjanmaa's calls
reached at once and a quarter of its call-backs late in 2024-25 (domain more_facts § 6); each county
gets its own answer share and call-back delay around such figures.

Everything is drawn from a random stream of its own, so the rest of the sample stays as calibrated.
The export carries no caller number: a call names no person.
"""

from __future__ import annotations

import numpy as np

from virta.generate.core import MONTH_WEIGHTS, Generator, Table
from virta.generate.profiles import CountyProfile

# Calls per resident and year to the general-practice and the oral-care lines (illustrative).
CALL_RATE = {"VO": 1.0, "SHH": 0.25}
QUEUE_AREA = {"VO": "GP", "SHH": "ORAL"}
# The phone lines are open 7:30-17:00; the office hours the law speaks of are 8-16 (var
# phone_service_office_hours), so a few calls fall outside them and are counted, not judged.
OPEN_MINUTES = (7 * 60 + 30, 17 * 60)
CLOSE_MINUTE = 16 * 60  # call-backs after this move to the next arkipäivä's morning
ABANDON_SHARE = 0.12  # of the calls not answered in the queue, the callers who hang up
NOT_REACHED_SHARE = 0.07  # of the call-backs made, those that never reach the caller


def _ts(minutes: np.ndarray, seconds: np.ndarray, days: np.ndarray) -> np.ndarray:
    return (days.astype("datetime64[s]") + minutes.astype("timedelta64[m]").astype("timedelta64[s]")
            + seconds.astype("timedelta64[s]"))


def fmt_ts_seconds(values: np.ndarray) -> np.ndarray:
    """datetime64[s] -> 'DD.MM.YYYY HH:MM:SS'; NaT -> None."""
    out = np.empty(len(values), dtype=object)
    iso = np.datetime_as_string(values, unit="s")
    for i in np.flatnonzero(~np.isnat(values)):
        s = iso[i]  # YYYY-MM-DDTHH:MM:SS
        out[i] = f"{s[8:10]}.{s[5:7]}.{s[:4]} {s[11:19]}"
    return out


def ace_tables(g: Generator, county: CountyProfile, units: Table) -> None:
    """The county's calls over the period, from a stream of their own."""
    p = g.p
    rng = np.random.Generator(np.random.PCG64([p.seed, int(county.code), 29]))
    residents = len(g.people[county.code]["hetu"])
    as_of = np.datetime64(p.as_of).astype("datetime64[s]")
    days = g.all_days[g.is_working(g.all_days)]
    month = days.astype("datetime64[M]").astype(int) % 12
    # the county's phone service: share answered in the queue, mean call-back delay (hours), median
    # answer wait in the queue (seconds)
    answered_share = rng.uniform(0.35, 0.7)
    callback_mean_hours = rng.uniform(1.0, 5.0)
    answer_median_s = rng.uniform(60, 300)
    parts = []
    for queue_type, rate in CALL_RATE.items():
        queues = units["unit_oid"][units["service_area"] == QUEUE_AREA[queue_type]]
        per_day = rng.poisson(rate * residents / 252 * MONTH_WEIGHTS[month])
        day = np.repeat(days, per_day)
        n = len(day)
        # mornings are busiest: the arrival minute skews towards the line's opening
        minute = (OPEN_MINUTES[0] + (OPEN_MINUTES[1] - OPEN_MINUTES[0]) * rng.beta(1.3, 2.2, n)).astype(int)
        called = _ts(minute, rng.integers(0, 60, n), day)
        outcome = np.where(rng.random(n) < answered_share, "ANS",
                           np.where(rng.random(n) < ABANDON_SHARE, "ABD", "CB")).astype(object)
        wait = rng.lognormal(np.log(answer_median_s), 0.6, n).astype(int)
        answered = np.where(outcome == "ANS", called + wait.astype("timedelta64[s]"), np.datetime64("NaT", "s"))
        # a call-back after closing time falls on the next arkipäivä, counted from its opening
        delay = (rng.exponential(callback_mean_hours, n) * 3600).astype(int)
        cb_minute = minute + delay // 60
        late = cb_minute >= CLOSE_MINUTE
        next_day = g.kth_working_day_after(day, np.ones(n, dtype=int))
        # (a same-day call-back is the arrival plus the delay, to the second: never before the call)
        cb = np.where(late, _ts(8 * 60 + (cb_minute - CLOSE_MINUTE) % 240, rng.integers(0, 60, n), next_day),
                      called + delay.astype("timedelta64[s]"))
        is_cb = (outcome == "CB") & (cb <= as_of)  # call-backs still to be made are pending
        cb = np.where(is_cb, cb, np.datetime64("NaT", "s"))
        cb_result = np.where(is_cb, np.where(rng.random(n) < NOT_REACHED_SHARE, "NR", "OK"), None).astype(object)
        parts.append({"queue_oid": queues[rng.integers(0, len(queues), n)], "queue_type": np.full(n, queue_type, dtype=object),
                      "called": called, "result": outcome, "answered": answered, "cb": cb, "cb_result": cb_result})
    ev = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    order = np.argsort(ev["called"], kind="stable")
    ev = {k: v[order] for k, v in ev.items()}
    n = len(ev["called"])
    table = {
        "call_id": np.array([f"{county.code}-C{i:08d}" for i in range(1, n + 1)], dtype=object),
        "queue_oid": ev["queue_oid"], "queue_type": ev["queue_type"], "arrived": fmt_ts_seconds(ev["called"]),
        "result": ev["result"], "answered": fmt_ts_seconds(ev["answered"]), "cb_time": fmt_ts_seconds(ev["cb"]),
        "cb_result": ev["cb_result"],
    }
    # delivered on the day of the call; a call-back made on a later day delivers the call again
    called_on = ev["called"].astype("datetime64[D]")
    cb_on = ev["cb"].astype("datetime64[D]")
    final_on = np.where(np.isnat(cb_on), called_on, np.maximum(cb_on, called_on))
    g.extract.add_with_first_state("ace_calls", table, final_on, called_on, {"cb_time": None, "cb_result": None})

"""Social care (sosiaalihuolto): a ProConsona-like client system shared by the counties.

Older people's services: a case is initiated (vireilletulo), the service-need assessment starts
(SHL § 36: by the 7th arkipäivä for age >= 75 and the highest care allowance) and is completed, a
decision on home care, informal-care support or 24-hour service housing follows, and the service
starts (vanhuspalvelulaki § 18: within 3 months of the decision; SHL § 45: of the initiation).
Child welfare (lastensuojelu): a notification starts an investigation (LSL § 26: started within 7
arkipäivää, completed within 3 months; THL 2016-17: 98 % and 94 %), some lead to open-care support.

Adults' services (issue 23) come from a random stream of their own, so the older people's and child
welfare sample above stays as calibrated: disability services (vammaispalvelut: an application, the
need assessed by the 7th arkipäivä and a decision within 3 months, 380/1987 until 2024, 675/2023
from 2025), mental-health and substance-use services and adult social work. A few cases of every
group but child welfare are urgent (SHL § 45: the service without delay), and the source marks them.

Granted services run until they end (a mean duration per service) or the client dies; clients whose
service was running when the extract period starts are in the first delivery, so the service stock
(people in 24-hour housing, home-care clients) is there from the first month. Dates are written the
way the system prints them: D.M.YYYY without leading zeros.
"""

from __future__ import annotations

import numpy as np

from virta.generate.core import HISTORY_DAYS, Generator, Table
from virta.generate.formats import fmt_date
from virta.generate.profiles import CountyProfile
from virta.generate.rules import rule

# Initiations per resident and year by 10-year age band: child welfare under 18, older people 60+.
OLDER_RATE_BY_BAND = np.array([0, 0, 0, 0, 0, 0, 0.02, 0.07, 0.20, 0.32])
CHILD_RATE = 0.05
OLDER_SERVICES = np.array(["KOTIHOITO", "OMAISHOIDON_TUKI", "YMPARIVUOROKAUTINEN"], dtype=object)
NAT = np.datetime64("NaT", "D")
# Mean days a granted service lasts (exponential): home care, informal-care support, 24-hour housing,
# child-welfare open care. Cases are initiated from HISTORY_DAYS before the period.
SERVICE_MEAN_DAYS = {"KOTIHOITO": 540, "OMAISHOIDON_TUKI": 900, "YMPARIVUOROKAUTINEN": 800, "LS_AVOHUOLTO": 240,
                     "HENKILOKOHTAINEN_APU": 1500, "KULJETUSPALVELU": 1200, "VAMMAISTEN_ASUMINEN": 2500,
                     "MT_ASUMISPALVELU": 700, "PAIHDEKUNTOUTUS": 90, "SOSIAALINEN_KUNTOUTUS": 240}
# Adults' case groups (illustrative sizes): new cases per resident and year, the ages they come from,
# the services decided and their shares, the share that gets a decision, and the share that is urgent.
ADULT_GROUPS = {
    "VAM": {"rate": 0.006, "ages": (0, 120), "services": {"KULJETUSPALVELU": 0.55, "HENKILOKOHTAINEN_APU": 0.25,
                                                          "VAMMAISTEN_ASUMINEN": 0.2},
            "decided": 0.9, "urgent": 0.02},
    "MTP": {"rate": 0.005, "ages": (18, 65), "services": {"MT_ASUMISPALVELU": 0.4, "PAIHDEKUNTOUTUS": 0.6},
            "decided": 0.6, "urgent": 0.1},
    "AIK": {"rate": 0.012, "ages": (18, 65), "services": {"SOSIAALINEN_KUNTOUTUS": 1.0},
            "decided": 0.3, "urgent": 0.05},
}
URGENT_OLDER_SHARE = 0.03  # older people's cases marked urgent (a discharge from hospital, say)


def cases(g: Generator, county: CountyProfile, units: Table) -> dict[str, np.ndarray]:
    p, rng = g.p, g.rng
    people = g.people[county.code]
    start, as_of = np.datetime64(p.start), np.datetime64(p.as_of)
    days = np.arange(start - HISTORY_DAYS, np.datetime64(p.end) + 1)
    years = len(days) / 365.25
    age_now = people["age_years"]
    rate = np.where(age_now < 17, CHILD_RATE, OLDER_RATE_BY_BAND[people["band"]])
    per_person = rng.poisson(rate * years)
    person = np.repeat(np.arange(len(per_person)), per_person)
    # Applications arrive on working days; information can reach a social worker any day.
    w = np.where(g.is_working(days), 1.0, 0.08)
    initiated = days[rng.choice(len(days), size=len(person), p=w / w.sum())]
    alive = np.isnat(people["death"][person]) | (initiated < people["death"][person])
    person, initiated = person[alive], initiated[alive]
    n = len(person)
    age = age_now[person] + (initiated - start).astype(int) / 365.25
    child = age < 18
    t_years = np.clip((initiated - start).astype(int) / 365.25, -0.5, None)
    growth = 1 + county.queue_growth_per_year * t_years

    # Assessment / investigation started: the k-th working day after initiation.
    on_time_share = np.where(child, 0.98, county.sc_assessment_on_time_share)
    deadline = int(rule("shl36_assessment_start_75")["deadline_amount"])  # the 7th arkipäivä
    k = np.where(rng.random(n) < on_time_share, rng.integers(1, deadline + 1, n), rng.integers(deadline + 1, 26, n))
    started = g.kth_working_day_after(initiated, k)
    completed = np.where(
        child,
        initiated + np.where(rng.random(n) < 0.94, rng.integers(20, 88, n), rng.integers(93, 150, n)),
        started + rng.integers(0, 21, n)).astype("datetime64[D]")
    completed = np.maximum(completed, started)
    # Decisions: most older people's assessments and a third of child-welfare investigations.
    service = np.where(child, "LS_AVOHUOLTO", OLDER_SERVICES[rng.choice(3, size=n, p=[0.55, 0.2, 0.25])])
    service = np.where(~child & (age >= 85) & (rng.random(n) < 0.25), "YMPARIVUOROKAUTINEN", service).astype(object)
    housing = service == "YMPARIVUOROKAUTINEN"
    # A 24-hour housing need is assessed and decided quickly (typically by a placement group, SAS):
    # initiation to decision about two weeks, so that decision to place (national mean 56 days,
    # H1/2025) and initiation to start (Varsinais-Suomi 70 days) both hold. The same random draws are
    # scaled rather than drawn anew, so the rest of the sample does not move.
    completed = np.where(housing & ~child, started + (completed - started) // 3, completed).astype("datetime64[D]")
    has_decision = rng.random(n) < np.where(child, 0.35, 0.8)
    to_decision = np.select([service == "KOTIHOITO", service == "LS_AVOHUOLTO"],
                            [rng.exponential(4, n), rng.integers(0, 5, n)], rng.exponential(12, n))
    to_decision = np.where(housing, to_decision / 4, to_decision)
    decided = g.next_working_day(completed + to_decision.astype(int).astype("timedelta64[D]"))
    decided = np.where(has_decision, decided, NAT)
    positive = rng.random(n) < np.where(service == "OMAISHOIDON_TUKI", 0.85, 0.92)
    to_start = np.select(
        [service == "KOTIHOITO", service == "OMAISHOIDON_TUKI", service == "LS_AVOHUOLTO"],
        # informal-care support: Varsinais-Suomi 51 days from initiation to the support (2025-H2)
        [rng.integers(0, 10, n), 3 + rng.exponential(18, n), rng.integers(0, 20, n)],
        rng.exponential(county.sc_housing_mean_days * growth, n))
    service_start = np.where(positive, decided + to_start.astype(int).astype("timedelta64[D]"), NAT)
    service_start = np.where(np.isnat(decided), NAT, service_start)
    duration = rng.exponential(np.array([SERVICE_MEAN_DAYS[s] for s in service]))
    service_end = _service_end(service_start, duration, people["death"][person])
    keep, positive = _settle(start, as_of, initiated, started, completed, decided, service_start, service_end,
                             has_decision, positive)
    office = {True: units["unit_oid"][np.char.startswith(units["unit_name"].astype(str), "Lapsiperheiden")][0],
              False: units["unit_oid"][np.char.startswith(units["unit_name"].astype(str), "Ikäihmisten")][0]}
    homes = units["unit_oid"][np.char.startswith(units["unit_name"].astype(str), "Hoivakoti")]
    producer = np.where(service == "YMPARIVUOROKAUTINEN",
                        np.where(rng.random(n) < 0.5, homes[rng.integers(0, len(homes), n)], office[False]),
                        np.where(child, office[True], office[False]))
    # the highest care allowance matters (SHL § 36) below the age the older people's rule covers
    older_age = int(rule("shl36_assessment_start_75")["age_min"])
    special = np.where(~child & (age < older_age) & (rng.random(n) < 0.05), "YLIN_HOITOTUKI", None)
    channel = rng.choice(np.array(["HAKEMUS", "ILMOITUS", "YHTEYDENOTTO"], dtype=object), size=n, p=[0.5, 0.2, 0.3])
    channel = np.where(child, "ILMOITUS", channel)
    ev = {
        "hetu": people["hetu"][person], "initiated": initiated, "started": started, "completed": completed,
        "decided": decided, "service_start": service_start, "service_end": service_end, "positive": positive,
        "service": service, "group": np.where(child, "LAS", "IKA").astype(object),
        "urgent": np.where(child, None, "E").astype(object),
        "child": child, "special": special.astype(object), "channel": channel.astype(object),
        "office": np.where(child, office[True], office[False]).astype(object), "producer": producer.astype(object),
        "has_decision": has_decision & ~np.isnat(decided),
    }
    return {k: v[keep] for k, v in ev.items()}


def _service_end(service_start: np.ndarray, duration: np.ndarray, death: np.ndarray) -> np.ndarray:
    """A granted service ends after its duration, or when the client dies; never on its first day."""
    service_end = (service_start + np.maximum(1, duration).astype(int).astype("timedelta64[D]")).astype("datetime64[D]")
    death = death.astype("datetime64[D]")
    service_end = np.where(~np.isnat(death) & (death < service_end), death, service_end)
    return np.where(np.isnat(service_start), NAT, np.maximum(service_end, service_start + 1))


def _settle(start, as_of, initiated, started, completed, decided, service_start, service_end, has_decision, positive):
    """Blank the events after the extract date (in place) and tell which cases the extract carries:
    cases closed before the period are history the first delivery does not carry; a service still
    running at the start of the period is not closed. Returns (keep, positive)."""
    for events in (started, completed, decided, service_start, service_end):
        events[events >= as_of] = NAT
    completed[np.isnat(started)] = NAT
    positive = positive & ~np.isnat(decided)
    last = np.maximum.reduce([np.where(np.isnat(e), initiated, e) for e in (started, completed, decided,
                                                                            service_start, service_end)])
    open_at_start = np.isnat(completed) | (has_decision & (np.isnat(decided) | (positive & np.isnat(service_start))))
    open_at_start |= positive & ~np.isnat(service_start) & np.isnat(service_end)
    return (last >= start) | open_at_start, positive


def urgent_older_cases(g: Generator, county: CountyProfile, ev: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Mark a few older people's decided cases urgent (SHL § 45), from a stream of their own: assessed
    on the first working day, decided then, the service started within two days."""
    rng = np.random.Generator(np.random.PCG64([g.p.seed, int(county.code), 45]))
    n, as_of = len(ev["hetu"]), np.datetime64(g.p.as_of)
    urgent = ~ev["child"] & ev["has_decision"] & (rng.random(n) < URGENT_OLDER_SHARE)
    _make_urgent(g, rng, ev, urgent, as_of)
    return ev


def _make_urgent(g: Generator, rng: np.random.Generator, ev: dict[str, np.ndarray], urgent: np.ndarray,
                 as_of: np.datetime64) -> None:
    """An urgent case (SHL § 45: without delay), in place: assessment started and completed and the
    decision made on the first working day from the initiation, a granted service started within two
    days; a service end stays after its start."""
    day = g.next_working_day(ev["initiated"][urgent])
    ev["started"][urgent] = day
    ev["completed"][urgent] = day
    ev["decided"][urgent] = day
    ev["has_decision"][urgent] = True
    start = day + rng.integers(0, 3, int(urgent.sum())).astype("timedelta64[D]")
    ev["service_start"][urgent] = np.where(ev["positive"][urgent], start, NAT)
    end = ev["service_end"][urgent]
    ev["service_end"][urgent] = np.where(np.isnat(end) | ~ev["positive"][urgent], end, np.maximum(end, start + 1))
    for name in ("started", "completed", "decided", "service_start", "service_end"):
        ev[name][ev[name] >= as_of] = NAT
    ev["has_decision"] &= ~np.isnat(ev["decided"])
    ev["positive"] &= ~np.isnat(ev["decided"])
    ev["urgent"][urgent] = "K"


def adult_cases(g: Generator, county: CountyProfile, units: Table) -> dict[str, np.ndarray]:
    """Disability services, mental-health and substance-use services and adult social work, from a
    random stream of their own (ADULT_GROUPS), in the shape `cases` returns."""
    p = g.p
    rng = np.random.Generator(np.random.PCG64([p.seed, int(county.code), 23]))
    people = g.people[county.code]
    start, as_of = np.datetime64(p.start), np.datetime64(p.as_of)
    days = np.arange(start - HISTORY_DAYS, np.datetime64(p.end) + 1)
    years = len(days) / 365.25
    w = np.where(g.is_working(days), 1.0, 0.08)
    office = units["unit_oid"][np.char.startswith(units["unit_name"].astype(str), "Aikuisten")][0]
    # the 7th arkipäivä and 3 months of the disability rules (the same under 380/1987 and 675/2023)
    vam_days = int(rule("vammais_assessment_7wd_2025")["deadline_amount"])
    vam_months = int(rule("vammais_decision_3m_2025")["deadline_amount"])
    parts = []
    for group, spec in ADULT_GROUPS.items():
        per_person = rng.poisson(spec["rate"] * years, len(people["hetu"]))
        person = np.repeat(np.arange(len(per_person)), per_person)
        initiated = days[rng.choice(len(days), size=len(person), p=w / w.sum())]
        age = people["age_years"][person] + (initiated - start).astype(int) / 365.25
        lo, hi = spec["ages"]
        ok = (age >= lo) & (age < hi) & (np.isnat(people["death"][person]) | (initiated < people["death"][person]))
        person, initiated = person[ok], initiated[ok]
        n = len(person)
        if group == "VAM":  # the need assessed by the 7th arkipäivä, the decision within 3 months
            k = np.where(rng.random(n) < 0.85, rng.integers(1, vam_days + 1, n), rng.integers(vam_days + 1, 30, n))
            started = g.kth_working_day_after(initiated, k)
            completed = started + rng.integers(5, 40, n).astype("timedelta64[D]")
            limit = 30 * vam_months
            to_decision = np.where(rng.random(n) < 0.88, rng.integers(15, limit - 5, n), rng.integers(limit + 5, 160, n))
            decided = g.next_working_day(np.maximum(completed, initiated + to_decision.astype("timedelta64[D]")))
        else:
            started = g.kth_working_day_after(initiated, rng.integers(1, 16, n))
            completed = started + rng.integers(0, 31, n).astype("timedelta64[D]")
            decided = g.next_working_day(completed + rng.integers(0, 11, n).astype("timedelta64[D]"))
        names = np.array(list(spec["services"]), dtype=object)
        service = names[rng.choice(len(names), size=n, p=list(spec["services"].values()))]
        has_decision = rng.random(n) < spec["decided"]
        decided = np.where(has_decision, decided, NAT)
        positive = rng.random(n) < 0.85
        to_start = np.select(
            [service == "KULJETUSPALVELU", service == "HENKILOKOHTAINEN_APU", service == "PAIHDEKUNTOUTUS",
             service == "SOSIAALINEN_KUNTOUTUS"],
            [rng.integers(0, 10, n), rng.integers(5, 60, n), rng.integers(0, 21, n), rng.integers(0, 30, n)],
            rng.exponential(np.where(service == "VAMMAISTEN_ASUMINEN", 90, 45)))
        service_start = np.where(positive & has_decision, decided + to_start.astype(int).astype("timedelta64[D]"), NAT)
        duration = rng.exponential(np.array([SERVICE_MEAN_DAYS[s] for s in service]))
        ev = {"hetu": people["hetu"][person], "initiated": initiated, "started": started, "completed": completed,
              "decided": decided, "service_start": service_start,
              "service_end": _service_end(service_start, duration, people["death"][person]),
              "positive": positive, "service": service, "group": np.full(n, group, dtype=object),
              "urgent": np.full(n, "E", dtype=object), "child": np.zeros(n, dtype=bool),
              "special": np.full(n, None, dtype=object),
              "channel": np.where(group == "VAM", "HAKEMUS",
                                  rng.choice(np.array(["HAKEMUS", "YHTEYDENOTTO"], dtype=object), size=n)).astype(object),
              "office": np.full(n, office, dtype=object), "producer": np.full(n, office, dtype=object),
              "has_decision": has_decision}
        _make_urgent(g, rng, ev, rng.random(n) < spec["urgent"], as_of)
        keep, ev["positive"] = _settle(start, as_of, initiated, ev["started"], ev["completed"], ev["decided"],
                                       ev["service_start"], ev["service_end"], ev["has_decision"], ev["positive"])
        ev["has_decision"] &= ~np.isnat(ev["decided"])
        parts.append({k: v[keep] for k, v in ev.items()})
    return {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}


def procons_tables(g: Generator, county: CountyProfile, ev: dict[str, np.ndarray]) -> None:
    start = np.datetime64(g.p.start)
    n = len(ev["hetu"])
    case_id = np.array([f"{county.code}/{i:06d}" for i in range(1, n + 1)], dtype=object)
    g.extract.add("procons_asiat", {
        "asia_id": case_id, "hetu": ev["hetu"].copy(), "vireilletulopvm": fmt_date(ev["initiated"], "dmy"),
        "asiaryhma": ev["group"].copy(), "vireilletulotapa": ev["channel"].copy(),
        "kiireellisyys": ev["urgent"].copy(),
        "erityisperuste": ev["special"].copy(), "yksikko": ev["office"].copy(),
    }, np.maximum(ev["initiated"], start))
    # Assessments: delivered when started, again when completed.
    a = np.flatnonzero(~np.isnat(ev["started"]))
    assessments = {
        "arviointi_id": np.array([f"A{county.code}-{i}" for i in range(1, len(a) + 1)], dtype=object),
        "asia_id": case_id[a], "hetu": ev["hetu"][a], "aloituspvm": fmt_date(ev["started"][a], "dmy"),
        "valmistumispvm": fmt_date(ev["completed"][a], "dmy"),
    }
    g.extract.add_with_first_state(
        "procons_arvioinnit", assessments,
        np.maximum(np.where(np.isnat(ev["completed"][a]), ev["started"][a], ev["completed"][a]), start),
        np.maximum(ev["started"][a], start), {"valmistumispvm": None})
    # Decisions: delivered when made, again when the service starts.
    d = np.flatnonzero(ev["has_decision"])
    decisions = {
        "paatos_id": np.array([f"P{county.code}-{i}" for i in range(1, len(d) + 1)], dtype=object),
        "asia_id": case_id[d], "hetu": ev["hetu"][d], "palvelu": ev["service"][d],
        "paatospvm": fmt_date(ev["decided"][d], "dmy"),
        "ratkaisu": np.where(ev["positive"][d], "MYONTEINEN", "KIELTEINEN").astype(object),
        "palvelun_alkamispvm": fmt_date(ev["service_start"][d], "dmy"),
        "palvelun_paattymispvm": fmt_date(ev["service_end"][d], "dmy"), "tuottaja": ev["producer"][d],
    }
    # Delivered when decided, again when the service starts, and again when it ends.
    decided_on, started_on, ended_on = (np.maximum(ev[e][d], start) for e in ("decided", "service_start", "service_end"))
    final_on = np.where(~np.isnat(ended_on), ended_on, np.where(~np.isnat(started_on), started_on, decided_on))
    g.extract.add_with_first_state("procons_paatokset", decisions, final_on, decided_on,
                                   {"palvelun_alkamispvm": None, "palvelun_paattymispvm": None})
    running = ~np.isnat(ended_on) & (started_on < ended_on)
    state = {c: v[running].copy() for c, v in decisions.items()}
    state["palvelun_paattymispvm"][:] = None
    g.extract.add_state("procons_paatokset", state, started_on[running])

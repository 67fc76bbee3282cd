"""Workforce: a Titania-like shift-planning system and a Sarastia-like HR system.

What is calibrated (shared/domain/more_facts.md § 1; THL's staffing-ratio rounds):
- 24-hour care for older people: about 0.93 clients per 100 residents (THL 10/2023: 51 900 clients
  in 1 786 units, 5.6 million residents), about a third of them in the county's own units (the
  rest bought from private providers: the Hoivakoti units of the social-care system), some 21 places
  each, and a five-place group home in every county;
- each unit staffs to the legal minimum in force (ref_staffing_minimum) plus a margin of its own,
  so that about one unit in twenty falls below it over a three-week period (THL: 93-95 % met it in
  2023-2024); when the minimum fell to 0.60 in 2025 the counties cut posts (THL 4/2025: staff -9 %);
- sick leave about 15.5 calendar days per employee-year (Keva, 2023), annual leave four weeks in the
  summer; employments end at about 10 % a year (resignations and retirements) and are refilled;
- agency staff (vuokratyövoima) cover part of the shifts of absent staff and of vacant posts, one
  shift a day and at most five a week each (the county's pool grows when all are busy);
- some who resign, and half of those whose post is abolished, move to a fixed-term employment
  elsewhere in the county (not turnover).
Staff of the other services are sized from the ledger: an own cost centre's salaries (account 4000)
over a cost per full-time equivalent (STAFF_COST_PER_FTE), with a title mix per service.

The synthetic shift list covers the 24-hour units only (the staffing ratio needs nothing else);
every employee's absences and employments are delivered. Staff identity codes are drawn like
residents' (hetu.synthetic_codes) and pseudonymised at load in the staff domain.

A random stream of its own per county: adding the workforce changed no other table's rows.
"""

from __future__ import annotations

import csv

import numpy as np

from virta.generate.core import Generator
from virta.generate.formats import fmt_date, fmt_ts
from virta.generate.profiles import SEEDS, CountyProfile
from virta.hetu import synthetic_codes

HOUSING_SERVICE = "ILL-S-0701"  # ympärivuorokautinen palveluasuminen (AURA-style, ref_aura_service_classes)
CLIENTS_PER_RESIDENT = 51_900 / 5_600_000
# of 24-hour care clients, in the county's own units (the rest are bought). The ledger's share of the
# service (finance.SERVICE_SHARES) is not sized from these units: its salaries per FTE come out
# lower than the other services' (about 34 000 EUR against 59 000 in the default sample).
OWN_SHARE = 0.35
MEAN_PLACES = 21
FULL_TIME_WEEK_HOURS = 38.25
STAFF_COST_PER_FTE = 62_000.0  # EUR a year with side costs: sizes the other services' staff from salaries
SALARY_SHARE = 0.62  # account 4000 of an own cost centre's gross costs (finance.OWN_ACCOUNTS)
LEAVE_HAZARD_PER_YEAR = 0.10
SICK_SPELLS_PER_YEAR = 3.6
SICK_LENGTHS = np.array([1, 2, 3, 5, 7, 14, 30, 60])
SICK_LENGTH_P = np.array([0.30, 0.20, 0.15, 0.12, 0.10, 0.07, 0.04, 0.02])
# Shifts: morning, evening, night (start hour, hours); a week of 38.25 h is about 4.6 of them.
SHIFTS = ((7, 8.0), (13, 8.0), (21, 10.0))
SHIFT_WEIGHTS = np.array([0.45, 0.35, 0.20])
MEAN_SHIFT_HOURS = float(np.dot([h for _, h in SHIFTS], SHIFT_WEIGHTS))
TITLE_CODES = {"registered_nurse": "SH", "practical_nurse": "LH", "care_assistant": "HA", "physiotherapist": "FT",
               "social_graduate": "SO", "unit_manager": "ESH", "institutional_cleaner": "LHU",
               "employed_student": "OPI", "doctor": "LAAK", "social_worker": "SOSTT", "dentist": "HAMM",
               "office_staff": "TOIM"}
# The care staff of a 24-hour unit (after its manager and cleaners).
UNIT_CARE_MIX = {"practical_nurse": 0.66, "registered_nurse": 0.17, "care_assistant": 0.10,
                 "physiotherapist": 0.03, "social_graduate": 0.02, "employed_student": 0.02}
SERVICE_MIX = {
    "ILL-S-0101": {"doctor": 0.45, "registered_nurse": 0.35, "office_staff": 0.20},
    "ILL-S-0102": {"registered_nurse": 0.8, "office_staff": 0.2},
    "ILL-S-0201": {"dentist": 0.4, "practical_nurse": 0.5, "office_staff": 0.1},
    "ILL-S-0202": {"registered_nurse": 0.9, "office_staff": 0.1},
    "ILL-S-0301": {"registered_nurse": 0.45, "practical_nurse": 0.35, "doctor": 0.1, "institutional_cleaner": 0.1},
    "ILL-S-0401": {"doctor": 0.35, "registered_nurse": 0.45, "office_staff": 0.2},
    "ILL-S-0402": {"registered_nurse": 0.5, "practical_nurse": 0.3, "doctor": 0.1, "institutional_cleaner": 0.1},
    "ILL-S-0501": {"registered_nurse": 0.5, "doctor": 0.2, "social_worker": 0.2, "office_staff": 0.1},
    "ILL-S-0601": {"practical_nurse": 0.8, "registered_nurse": 0.15, "unit_manager": 0.05},
    "ILL-S-0602": {"social_worker": 0.5, "office_staff": 0.5},
    "ILL-S-0701": {"practical_nurse": 0.7, "registered_nurse": 0.2, "institutional_cleaner": 0.1},
    "ILL-S-0801": {"practical_nurse": 0.6, "social_graduate": 0.3, "institutional_cleaner": 0.1},
    "ILL-S-0901": {"social_worker": 0.7, "social_graduate": 0.2, "office_staff": 0.1},
    "ILL-S-1001": {"social_worker": 0.7, "social_graduate": 0.2, "office_staff": 0.1},
    "ILL-S-1101": {"social_graduate": 0.6, "office_staff": 0.4},
    "ILL-S-1201": {"office_staff": 1.0},
}
FTE_CHOICES, FTE_P = np.array([100, 80, 60]), np.array([0.78, 0.15, 0.07])
# Each unit staffs to the minimum plus a margin of its own (THL 4/2024: 7 % of units below 0.65, 59 %
# at 0.65-0.69, 34 % at 0.70 or more); the weeks vary around it with absences and the roster.
MARGIN_MEAN, MARGIN_SD = 0.05, 0.025
# The share of an absent employee's shifts a substitute or agency worker covers: summer leave is
# planned for (kesäsijaiset), sick leave mostly is not.
COVER = {"LOMA": 0.85, "SAIRAUS": 0.35}
# The share of ended permanent employments, by end reason, after which the person moves to a
# fixed-term employment elsewhere in the county (an internal move, not turnover).
MOVE_SHARE = {"IRTISANOUTUMINEN": 0.2, "MUU": 0.5}


def minimum_ladder() -> tuple[np.ndarray, np.ndarray]:
    """(valid_from days, minimum) of ref_staffing_minimum, the ladder the units staff to."""
    with (SEEDS / "ref_staffing_minimum.csv").open(newline="", encoding="utf-8") as fh:
        rows = sorted((r["valid_from"], float(r["minimum_ratio"])) for r in csv.DictReader(fh))
    return np.array([r[0] for r in rows], dtype="datetime64[D]"), np.array([r[1] for r in rows])


def _minimum_on(days: np.ndarray) -> np.ndarray:
    starts, levels = minimum_ladder()
    return levels[np.maximum(np.searchsorted(starts, days, side="right") - 1, 0)]


class _Staff:
    """The county's employees, employments and absences as they are built."""

    def __init__(self, county: CountyProfile, rng: np.random.Generator, first: np.datetime64, last: np.datetime64,
                 cost_centres: np.ndarray):
        self.county, self.rng, self.first, self.last = county, rng, first, last
        self.cost_centres = cost_centres  # the county's own cost centres: where a moving employee goes
        self.employees: dict[str, list] = {"number": [], "title": [], "group": [], "fte": [], "unit": [], "since": []}
        self.employments: dict[str, list] = {c: [] for c in ("id", "number", "title", "fte", "type", "cc", "start",
                                                              "end", "reason")}
        self.absences: dict[str, list] = {"id": [], "number": [], "first": [], "last": [], "reason": []}
        self.spells: dict[str, list] = {}  # employee number -> its (first, last, reason) spells
        self.agency: list[str] = []  # the county's agency workers, a pool that grows when all are busy
        self.agency_days: dict = {}  # (number, day) -> booked; (number, ISO week) -> shifts that week

    def agency_worker(self, day: np.datetime64) -> str:
        """An agency worker free that day and with fewer than five shifts that week (one shift a day,
        as anyone), taking turns from the day's place in the pool; a new one joins when none is free."""
        week = (day.astype("datetime64[D]").astype(int) + 3) // 7
        n = len(self.agency)
        for k in range(n):
            number = self.agency[(int(day.astype(int)) + k) % n]
            if (number, day) not in self.agency_days and self.agency_days.get((number, week), 0) < 5:
                break
        else:
            number = self.employee("practical_nurse", 100, None, self.first - 365, agency=True)
            self.agency.append(number)
        self.agency_days[(number, day)] = True
        self.agency_days[(number, week)] = self.agency_days.get((number, week), 0) + 1
        return number

    def employee(self, title: str, fte: int, unit: str | None, since: np.datetime64, agency: bool = False) -> str:
        n = len(self.employees["number"]) + 1
        number = f"V{self.county.code}{n:05d}" if agency else f"{self.county.code}{n:06d}"
        for c, v in zip(self.employees, (number, title, "VUOKRA" if agency else "OMA", fte, unit, since)):
            self.employees[c].append(v)
        return number

    def post(self, title: str, cc: str, unit: str | None, abolished: np.datetime64 | None = None,
             fte: int | None = None) -> list:
        """A post filled by a chain of employments from before the period to its end (or abolition):
        each ends at the leave hazard, the next starts after a vacancy. Returns the chain as
        (employee number, start, end or None, fte) tuples."""
        rng = self.rng
        if fte is None:
            fte = int(rng.choice(FTE_CHOICES, p=FTE_P)) if title != "unit_manager" else 100
        start = self.first - rng.integers(30, 3650)
        chain = []
        while start <= self.last:
            number = self.employee(title, fte, unit, start)
            years = rng.exponential(1 / LEAVE_HAZARD_PER_YEAR)
            end = start + np.timedelta64(int(years * 365), "D")
            reason = "IRTISANOUTUMINEN" if rng.random() < 0.75 else "ELAKE"
            if abolished is not None and end >= abolished > start:
                end, reason = abolished - 1, "MUU"
            ended = end <= self.last
            self._employment(number, title, fte, "VAKINAINEN", cc, start, end if ended else None,
                             reason if ended else None)
            self._absences(number, start, end if ended else self.last)
            chain.append((number, start, end if ended else None, fte))
            # some who resign, and half of those whose post is abolished, move to a fixed-term
            # employment elsewhere in the county: not leavers of the county's service
            if ended and rng.random() < MOVE_SHARE.get(reason, 0):
                self.move(number, title, end)
            if not ended or (abolished is not None and end == abolished - 1):
                break
            start = end + rng.integers(14, 75)
        return chain

    def move(self, number: str, title: str, ended: np.datetime64) -> None:
        """A fixed-term employment (määräaikainen) of the same person at another cost centre, from 1-20
        days after the earlier one ended, for 2-10 months."""
        rng = self.rng
        start = ended + rng.integers(1, 21)
        if start > self.last:
            return
        end = start + rng.integers(60, 300)
        cc = str(self.cost_centres[rng.integers(len(self.cost_centres))])
        done = end <= self.last
        self._employment(number, title, 100, "MAARAAIKAINEN", cc, start, end if done else None,
                         "MAARAAIKA" if done else None)
        self._absences(number, start, end if done else self.last)

    def _employment(self, number, title, fte, kind, cc, start, end, reason):
        row = (f"{self.county.code}-PS{len(self.employments['id']) + 1:07d}", number, title, fte, kind, cc, start,
               end, reason)
        for c, v in zip(self.employments, row):
            self.employments[c].append(v)

    def _absences(self, number: str, start: np.datetime64, end: np.datetime64) -> None:
        """Sick-leave spells over the employment (within the period's reach) and four weeks of summer leave a year."""
        rng = self.rng
        lo, hi = max(start, self.first - 60), min(end, self.last)
        span = int((hi - lo).astype(int)) + 1
        if span <= 0:
            return
        spells = []
        for _ in range(rng.poisson(SICK_SPELLS_PER_YEAR * span / 365)):
            first = lo + rng.integers(0, span)
            spells.append((first, first + int(rng.choice(SICK_LENGTHS, p=SICK_LENGTH_P)) - 1, "SAIRAUS"))
        for year in range(int(str(lo)[:4]), int(str(hi)[:4]) + 1):
            first = np.datetime64(f"{year}-06-01") + rng.integers(0, 70)
            spells.append((first, first + 27, "LOMA"))
        spells.sort()
        taken_until = lo - 1
        for first, last, reason in spells:  # no overlaps: a spell starts after the previous one ended
            first = max(first, taken_until + 1)
            last = min(last, hi)
            if first > last:
                continue
            self.absences["id"].append(f"{self.county.code}-PO{len(self.absences['id']) + 1:07d}")
            for c, v in zip(("number", "first", "last", "reason"), (number, first, last, reason)):
                self.absences[c].append(v)
            self.spells.setdefault(number, []).append((first, last, reason))
            taken_until = last


def workforce_tables(g: Generator, county: CountyProfile, n_residents: int, cc: dict[str, np.ndarray]) -> None:
    """The county's Titania-like and Sarastia-like tables (see the module docstring)."""
    p = g.p
    rng = np.random.Generator(np.random.PCG64([p.seed, 24, int(county.code)]))
    first, last = np.datetime64(p.start), np.datetime64(p.end)
    own = cc["mode"] == "own"
    staff = _Staff(county, rng, first, last, cc["code"][own] if own.any() else cc["code"])
    days = np.arange(first, last + 1)

    # -- 24-hour units: places, daily clients, posts ------------------------------------------------
    n_units = max(2, round(n_residents * CLIENTS_PER_RESIDENT * OWN_SHARE / MEAN_PLACES)) + 1
    housing_cc = cc["code"][(cc["service"] == HOUSING_SERVICE) & own]
    if not len(housing_cc):
        housing_cc = cc["code"][cc["service"] == HOUSING_SERVICE]
    units: dict[str, list] = {c: [] for c in ("yksikko_oid", "nimi", "yksikkotyyppi", "paikat", "kustannuspaikka",
                                              "hva")}
    census: dict[str, list] = {"laskenta_id": [], "yksikko": [], "pvm": []}
    census_n: list[np.ndarray] = []
    shifts: dict[str, list] = {c: [] for c in ("number", "unit", "start", "hour", "hours", "direct", "indirect",
                                               "absence")}
    # the minimum before and after its 2025 change (ref_staffing_minimum): posts above the new one go
    cut_on = np.datetime64("2025-01-01")
    before, after = (float(x) for x in _minimum_on(np.array([cut_on - 1, cut_on])))
    for u in range(n_units):
        muni = county.municipalities[u % len(county.municipalities)][0]
        oid = f"1.2.246.10.{county.code}.24.{u + 1:04d}"
        # the last unit is a small group home (ryhmäkoti) of five places: its weeks with fewer than
        # five clients are the small cells disclosure control withholds
        places = 5 if u == n_units - 1 else int(rng.integers(10, 33))
        cost_centre = str(housing_cc[u % len(housing_cc)])
        for c, v in zip(units, (oid, f"Ympärivuorokautinen palveluyksikkö {muni}-{u + 1}", "YMPARIVUOROKAUTINEN",
                                str(places), cost_centre, county.code)):
            units[c].append(v)
        # clients: the places less a few vacancies that come and go
        free = np.clip(np.cumsum(rng.choice([-1, 0, 0, 0, 0, 1], len(days))), 0, max(1, places // 8))
        clients = places - np.abs(free)
        census["laskenta_id"] += [f"{oid}-{d}" for d in days.astype(str)]
        census["yksikko"] += [oid] * len(days)
        census["pvm"].append(days)
        census_n.append(clients)
        margin = rng.normal(MARGIN_MEAN, MARGIN_SD)
        # care posts until their working time reaches the level: clients (about 96 % of places) x
        # (minimum + margin), over the direct-work share (0.95) and the absences substitutes leave
        # uncovered (4 %); the manager's counted half-time included. Posts beyond the 2025 level are
        # abolished when it starts.
        needed = lambda level: (level + margin) * places * 0.96 / 0.95 / 0.96
        posts = [("unit_manager", 100, None)] + [("institutional_cleaner", 100, None)] * max(1, places // 15)
        counted = 0.5
        while counted < needed(before):
            title = str(rng.choice(list(UNIT_CARE_MIX), p=list(UNIT_CARE_MIX.values())))
            fte = int(rng.choice(FTE_CHOICES, p=FTE_P))
            posts.append((title, fte, cut_on if counted >= needed(after) else None))
            counted += fte / 100
        for title, fte, abolished in posts:
            for number, start, end, fte in staff.post(title, cost_centre, oid, abolished, fte):
                _shifts(staff, shifts, number, title, fte, oid, start, end)

    units_t = {c: np.array(v, dtype=object) for c, v in units.items()}
    g.extract.add("titania_yksikot", units_t, np.full(n_units, first))
    census_days = np.concatenate(census["pvm"])
    census_t = {"laskenta_id": np.array(census["laskenta_id"], dtype=object),
                "yksikko": np.array(census["yksikko"], dtype=object),
                "pvm": fmt_date(census_days, "fi"),
                "asiakkaita": np.concatenate(census_n).astype(str).astype(object)}
    g.extract.add("titania_asiakasmaarat", census_t, _next_monday(census_days))

    # -- the other services' staff, sized from their own cost centres' salaries ---------------------
    monthly = n_residents * county.net_cost_per_resident / 12
    from virta.generate.finance import INCOME_SHARE, SERVICE_SHARES

    per_service = {s: max(1, int((cc["service"] == s).sum())) for s in SERVICE_SHARES}
    for i in np.flatnonzero(own):
        service = str(cc["service"][i])
        if service == HOUSING_SERVICE:
            continue
        salaries = monthly * 12 * SERVICE_SHARES[service] / per_service[service] / (1 - INCOME_SHARE) * SALARY_SHARE
        n_posts = max(1, round(salaries / STAFF_COST_PER_FTE / 0.92))
        mix = SERVICE_MIX[service]
        for title in rng.choice(list(mix), size=n_posts, p=list(mix.values())):
            staff.post(str(title), str(cc["code"][i]), None)

    _deliver(g, staff, shifts, first, last)


def _shifts(staff: _Staff, shifts: dict, number: str, title: str, fte: int, unit: str, start, end) -> None:
    """One employment's shifts in its unit over the period: worked on fte x 38.25 / 7 / 8.4 of the
    days, spread evenly (a planned roster); a day in one of the employee's absences is a shift with
    the absence code, covered by an agency worker as COVER says; after the employment, until the
    post is refilled, an agency worker covers half of the shifts."""
    rng = staff.rng
    lo = max(start, staff.first)
    hi = staff.last if end is None else min(end, staff.last)
    if lo > hi:
        return
    days = np.arange(lo, hi + 1)
    # the roster: shifts spread evenly over the days at the post's working time, from a phase of its own
    share = fte / 100 * FULL_TIME_WEEK_HOURS / 7 / MEAN_SHIFT_HOURS
    k = np.arange(len(days)) + rng.integers(0, 1000)
    works = np.floor((k + 1) * share) > np.floor(k * share)
    absent = np.zeros(len(days), dtype=object)
    for first, last, reason in staff.spells.get(number, []):
        absent[(days >= first) & (days <= last)] = reason
    kind = rng.choice(len(SHIFTS), size=len(days), p=SHIFT_WEIGHTS)
    for d, k, away in zip(days[works], kind[works], absent[works]):
        hour, hours = SHIFTS[k]
        if away:
            _shift(shifts, rng, number, unit, d, hour, hours, title, away)
            if rng.random() < COVER.get(away, 0.35):
                _shift(shifts, rng, staff.agency_worker(d), unit, d, hour, hours, "practical_nurse")
        else:
            _shift(shifts, rng, number, unit, d, hour, hours, title)
    if end is not None and end < staff.last:  # the vacancy until the next employment: agency cover
        gap = np.arange(end + 1, min(end + 45, staff.last) + 1)
        gap = gap[gap >= staff.first]
        cover = gap[rng.random(len(gap)) < 0.5 * FULL_TIME_WEEK_HOURS / 7 / MEAN_SHIFT_HOURS]
        for d in cover:
            _shift(shifts, rng, staff.agency_worker(d), unit, d, 7, 8.0, "practical_nurse")


def _shift(shifts: dict, rng, number, unit, day, hour, hours, title, absence=None) -> None:
    """A shift as the roster records it: an absence has no hours; a cleaner's hours are indirect
    work; a manager's are recorded as one block of direct work (the rules count a share of it); care
    staff spend 2-8 % of a shift on indirect work (THL 11/2022: practical nurses 4 %)."""
    if absence:
        direct = indirect = None
    elif title == "institutional_cleaner":
        direct, indirect = 0.0, hours
    elif title == "unit_manager":
        direct, indirect = hours, 0.0
    else:
        indirect = round(hours * float(rng.uniform(0.02, 0.08)), 2)
        direct = round(hours - indirect, 2)
    for c, v in zip(shifts, (number, unit, day, hour, hours, direct, indirect, absence)):
        shifts[c].append(v)


def _next_monday(days: np.ndarray) -> np.ndarray:
    """The Monday after each day's week (a weekly delivery); 1970-01-01 was a Thursday."""
    d = days.astype("datetime64[D]")
    return d + (7 - (d.astype(int) + 3) % 7)


def _text(values) -> np.ndarray:
    return np.array([None if v is None else str(v) for v in values], dtype=object)


def _hours(values) -> np.ndarray:
    return np.array([None if v is None else f"{v:.2f}".replace(".", ",") for v in values], dtype=object)


def _deliver(g: Generator, staff: _Staff, shifts: dict, first: np.datetime64, last: np.datetime64) -> None:
    code = staff.county.code
    e = staff.employees
    since = np.array(e["since"], dtype="datetime64[D]")
    g.extract.add("titania_tyontekijat", {
        "henkilonumero": _text(e["number"]), "nimike": _text([TITLE_CODES[t] for t in e["title"]]),
        "henkilostoryhma": _text(e["group"]), "tyoaikaprosentti": _text(e["fte"]), "kotiyksikko": _text(e["unit"]),
    }, np.maximum(since, first))

    day = np.array(shifts["start"], dtype="datetime64[D]")
    n = len(day)
    start_at = day.astype("datetime64[m]") + (np.array(shifts["hour"], dtype=int) * 60).astype("timedelta64[m]")
    end_at = start_at + (np.array(shifts["hours"], dtype=float) * 60).astype(int).astype("timedelta64[m]")
    table = {
        "vuoro_id": np.array([f"{code}-TV{i + 1:08d}" for i in range(n)], dtype=object),
        "henkilonumero": _text(shifts["number"]), "yksikko": _text(shifts["unit"]),
        "alkaa": fmt_ts(start_at, "fi"), "paattyy": fmt_ts(end_at, "fi"),
        "valiton_tunnit": _hours(shifts["direct"]), "valillinen_tunnit": _hours(shifts["indirect"]),
        "poissaolo": _text(shifts["absence"]),
    }
    # planned three weeks ahead (the published roster), realised and delivered the week after
    g.extract.add_with_first_state("titania_vuorot", table, _next_monday(day), day - 21,
                                   {"valiton_tunnit": None, "valillinen_tunnit": None, "poissaolo": None})

    a = staff.absences
    a_first = np.array(a["first"], dtype="datetime64[D]")
    a_last = np.array(a["last"], dtype="datetime64[D]")
    g.extract.add("titania_poissaolot", {
        "poissaolo_id": _text(a["id"]), "henkilonumero": _text(a["number"]),
        "alkupvm": fmt_date(a_first, "fi"), "loppupvm": fmt_date(a_last, "fi"), "syy": _text(a["reason"]),
    }, np.maximum(_next_monday(a_last), first))

    m = staff.employments
    start = np.array(m["start"], dtype="datetime64[D]")
    end = np.array([np.datetime64("NaT") if v is None else v for v in m["end"]], dtype="datetime64[D]")
    table = {
        "palvelussuhde_id": _text(m["id"]), "henkilonumero": _text(m["number"]), "hetu": None,
        "nimike": _text([TITLE_CODES[t] for t in m["title"]]), "tyoaikaprosentti": _text(m["fte"]),
        "laji": _text(m["type"]), "kustannuspaikka": _text(m["cc"]),
        "alkupvm": np.array([None if np.isnat(d) else str(d) for d in start], dtype=object),
        "loppupvm": np.array([None if np.isnat(d) else str(d) for d in end], dtype=object),
        "paattymissyy": _text(m["reason"]),
    }
    table["hetu"] = np.full(len(start), None, dtype=object)  # assign_staff_codes, once for every county
    # delivered after payroll: when it starts and again when it ends (the 5th of the next month)
    started = np.maximum(_month_after(start), first)
    ended = np.where(np.isnat(end), started, np.maximum(_month_after(end), first))
    g.extract.add_with_first_state("sarastia_palvelussuhteet", table, ended, started,
                                   {"loppupvm": None, "paattymissyy": None})


def _month_after(days: np.ndarray) -> np.ndarray:
    return (days.astype("datetime64[M]") + 1).astype("datetime64[D]") + 4


def assign_staff_codes(g: Generator) -> None:
    """A synthetic identity code per employee number (aged 20-64 at the start), drawn for every
    county's staff at once (codes are unique nationally), into every state of the HR table."""
    name = "sarastia_palvelussuhteet"
    if name not in g.extract.tables:
        return
    states = [g.extract.tables[name]] + ([g.extract.prior[name][0]] if name in g.extract.prior else [])
    unique = np.unique(np.concatenate([t["henkilonumero"].astype(str) for t in states]))
    rng = np.random.Generator(np.random.PCG64([g.p.seed, 25]))
    born = np.datetime64(g.p.start) - rng.integers(20 * 365, 65 * 365, len(unique)).astype("timedelta64[D]")
    sex = np.where(rng.random(len(unique)) < 0.85, 2, 1)  # most social and health care staff are women
    codes = synthetic_codes(born, sex)
    for t in states:
        t["hetu"] = codes[np.searchsorted(unique, t["henkilonumero"].astype(str))].astype(object)

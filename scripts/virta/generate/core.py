"""Deterministic synthetic extracts of county source systems (vectorised with numpy).

Every table is a dict of equally long numpy object/str arrays keyed by the raw column names
declared in concept_model/sources/*.yml; the loader adds the batch id and load timestamp.
Same seed and parameters -> same rows, byte for byte.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import holidays
import numpy as np

from virta.generate.defects import DEFECTS
from virta.generate.profiles import DEFAULT_COUNTIES, PROFILES, CountyProfile
from virta.hetu import synthetic_codes

Table = dict[str, np.ndarray]

# Share of residents by 10-year age band 0-9 ... 90-99 (Finland, rounded).
AGE_BAND_WEIGHTS = np.array([0.095, 0.11, 0.12, 0.13, 0.125, 0.12, 0.125, 0.115, 0.05, 0.01])
# Primary-care contacts per resident and year, by the same age bands.
CONTACT_RATE_BY_BAND = np.array([2.6, 1.4, 1.5, 1.6, 1.7, 1.9, 2.3, 3.0, 3.8, 4.2])
DOW_WEIGHTS = np.array([1.35, 1.1, 1.05, 1.0, 0.9, 0.12, 0.05])  # Mon..Sun contact volumes
# ICD-10 codes recorded at visits (a plausible mix, not a prevalence model).
GP_DIAGNOSES = np.array(["J06.9", "I10", "E11.9", "M54.5", "F32.9", "J45.9", "N39.0", "R51", "Z00.0", "L30.9"],
                        dtype=object)
GP_DIAGNOSIS_WEIGHTS = np.array([0.2, 0.14, 0.1, 0.12, 0.08, 0.07, 0.07, 0.06, 0.1, 0.06])
ORAL_DIAGNOSES = np.array(["K02.9", "K05.1", "K04.7", "K08.8"], dtype=object)
WARM_UP_DAYS = 400
HISTORY_DAYS = 3 * 365  # the earliest events generated: services that started up to 3 years before the period
MONTH_WEIGHTS = np.array([1.05, 1.05, 1.05, 1.0, 1.0, 0.9, 0.65, 0.85, 1.05, 1.05, 1.05, 0.9])


@dataclass(frozen=True)
class GenerationParams:
    seed: int = 20260101
    scale: float = 0.002
    start: dt.date = dt.date(2023, 7, 1)  # two years: the 2023-09-01 and 2025-01-01 rule changes inside
    end: dt.date = dt.date(2025, 6, 30)
    counties: tuple[str, ...] = DEFAULT_COUNTIES
    defect_rate: float = 0.004
    deletion_rate: float = 0.004  # share of past visits deleted in the source afterwards (entered in error)
    extract_date: dt.date | None = None  # 'today' of the extract; default end + 1 day

    @property
    def as_of(self) -> dt.date:
        return self.extract_date or self.end + dt.timedelta(days=1)


def _concat(a: Table | None, b: Table) -> Table:
    return b if a is None else {c: np.concatenate([a[c], b[c]]) for c in b}


@dataclass
class Extract:
    """The latest state of every record (`tables`), the day each was delivered (`deliver_on`), and
    earlier states of records that changed (`prior`: e.g. a visit first delivered as booked)."""

    tables: dict[str, Table] = field(default_factory=dict)
    deliver_on: dict[str, np.ndarray] = field(default_factory=dict)
    prior: dict[str, tuple[Table, np.ndarray]] = field(default_factory=dict)
    defects: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> defect kind -> rows
    # table -> (row index in the table, defect kind), every injected row: in a one-delivery extract
    # the row is delivered as row number index + 1
    defect_rows: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    def add(self, name: str, table: Table, deliver_on: np.ndarray,
            prior: tuple[Table, np.ndarray] | None = None) -> None:
        self.tables[name] = _concat(self.tables.get(name), table)
        self.deliver_on[name] = np.concatenate([self.deliver_on.get(name, np.array([], "datetime64[D]")),
                                                deliver_on.astype("datetime64[D]")])
        if prior is not None:
            old = self.prior.get(name)
            self.prior[name] = (_concat(old[0] if old else None, prior[0]),
                                np.concatenate([old[1] if old else np.array([], "datetime64[D]"),
                                                prior[1].astype("datetime64[D]")]))

    def add_with_first_state(self, name: str, table: Table, final_on: np.ndarray, first_on: np.ndarray,
                             first_values: dict[str, object]) -> None:
        """Add records whose final state is delivered on `final_on`; those that reached it after
        `first_on` were delivered first with `first_values` (e.g. a decision without its service
        start yet), as a daily extract would show them."""
        changed = first_on < final_on
        first = {c: v[changed].copy() for c, v in table.items()}
        for column, value in first_values.items():
            first[column][:] = value
        self.add(name, table, final_on, prior=(first, first_on[changed]))

    def add_state(self, name: str, table: Table, on: np.ndarray) -> None:
        """An intermediate state of records added with `add` (delivered on `on` when that falls in an
        earlier delivery than the next state's)."""
        old = self.prior.get(name)
        self.prior[name] = (_concat(old[0] if old else None, table),
                            np.concatenate([old[1] if old else np.array([], "datetime64[D]"),
                                            on.astype("datetime64[D]")]))

    def row_count(self, name: str) -> int:
        table = self.tables[name]
        return len(next(iter(table.values())))

    def batches(self, n: int, start: dt.date, end: dt.date) -> list[tuple[dt.date, dict[str, Table]]]:
        """The period as n consecutive deliveries, each delivered the day after its window closes.

        A row goes to the delivery whose window holds its delivery day. An earlier state of a record
        goes to its own window when that comes before the final state's; with one batch only final
        states are delivered, as a one-off extract would be.
        """
        if n < 1:
            raise ValueError("the number of batches must be at least 1")
        days = (end - start).days + 1
        edges = np.array([np.datetime64(start) + np.timedelta64(round(days * k / n), "D") for k in range(n + 1)])
        inner = edges[1:-1]

        def window(when: np.ndarray) -> np.ndarray:  # 0..n-1; days outside the period go to the ends
            return np.searchsorted(inner, when, side="right")

        per_batch: list[dict[str, Table]] = [{} for _ in range(n)]
        for name, table in self.tables.items():
            win = window(self.deliver_on[name])
            parts = [(table, win)]
            if name in self.prior and n > 1:
                ptable, pwhen = self.prior[name]
                pwin = window(pwhen)
                keep = pwin < window(self._final_days(name, ptable))
                keep &= ~_superseded_in_window(next(iter(ptable.values())), pwhen, pwin)
                parts.insert(0, ({c: v[keep] for c, v in ptable.items()}, pwin[keep]))
            for k in range(n):
                per_batch[k][name] = None
            for part, w in parts:
                order = np.argsort(w, kind="stable")
                bounds = np.searchsorted(w[order], np.arange(n + 1))
                for k in range(n):
                    idx = order[bounds[k]:bounds[k + 1]]
                    chunk = {c: v[idx] for c, v in part.items()}
                    per_batch[k][name] = _concat(per_batch[k][name], chunk)
        return [((edges[k + 1] - 1).astype(dt.date) + dt.timedelta(days=1), per_batch[k]) for k in range(n)]

    def _final_days(self, name: str, ptable: Table) -> np.ndarray:
        """Delivery days of the final states of the records in ptable (matched on the first column)."""
        key = next(iter(ptable))
        final = dict(zip(self.tables[name][key], self.deliver_on[name]))
        never = np.datetime64("9999-12-31")  # a final state whose key a defect removed: deliver last
        return np.array([final.get(k, never) for k in ptable[key]], dtype="datetime64[D]")


def _superseded_in_window(keys: np.ndarray, when: np.ndarray, win: np.ndarray) -> np.ndarray:
    """Earlier states of a record followed by a later earlier-state in the same delivery window: a
    delivery carries a record once, in its latest state."""
    out = np.zeros(len(keys), dtype=bool)
    if len(keys) < 2:
        return out
    text = keys.astype(str)  # a key a defect removed is 'None': never the same record
    order = np.lexsort((when, text))
    same = (text[order][:-1] == text[order][1:]) & (text[order][:-1] != "None") & (win[order][:-1] == win[order][1:])
    out[order[:-1][same]] = True
    return out


def _shift_text_date(text: str, days: int, fmt: str) -> str:
    """A date/timestamp in a source format moved by `days` (for the out-of-order defect)."""
    if fmt == "iso":
        d = dt.date.fromisoformat(text[:10]) + dt.timedelta(days=days)
        return f"{d.isoformat()}{text[10:]}"
    day, month, year = (int(x) for x in text.split()[0].split("."))
    d = dt.date(year, month, day) + dt.timedelta(days=days)
    return f"{d:%d.%m.%Y}" if fmt == "fi" else f"{d.day}.{d.month}.{d.year}"


def _days(start: dt.date, end: dt.date) -> np.ndarray:
    return np.arange(np.datetime64(start), np.datetime64(end) + 1)


def finnish_holidays(start: dt.date, end: dt.date) -> set[dt.date]:
    fi = holidays.Finland(years=range(start.year, end.year + 2))
    days = set(fi)
    for year in range(start.year, end.year + 2):  # not public holidays, but no working days either
        days.add(dt.date(year, 12, 24))
        days.update(d for d in (dt.date(year, 6, 19) + dt.timedelta(n) for n in range(7)) if d.weekday() == 4)
    return days


def _fmt_ts(values: np.ndarray, fmt: str) -> np.ndarray:
    """datetime64[m] -> text in a source system's own format; NaT -> None."""
    out = np.empty(len(values), dtype=object)
    nat = np.isnat(values)
    iso = np.datetime_as_string(values, unit="m")
    for i in np.flatnonzero(~nat):
        s = iso[i]  # YYYY-MM-DDTHH:MM
        if fmt == "iso":
            out[i] = f"{s[:10]} {s[11:16]}:00"
        elif fmt == "fi":
            out[i] = f"{s[8:10]}.{s[5:7]}.{s[:4]} {s[11:16]}"
        else:
            raise ValueError(fmt)
    return out


def _fmt_date(days: np.ndarray, fmt: str) -> np.ndarray:
    """datetime64[D] -> a source system's date text: 'fi' DD.MM.YYYY, 'dmy' D.M.YYYY (no leading
    zeros), 'compact' YYYYMMDD; NaT -> None."""
    out = np.empty(len(days), dtype=object)
    iso = np.datetime_as_string(days.astype("datetime64[D]"), unit="D")
    for i in np.flatnonzero(~np.isnat(days)):
        y, m, d = iso[i][:4], iso[i][5:7], iso[i][8:10]
        out[i] = {"fi": f"{d}.{m}.{y}", "dmy": f"{int(d)}.{int(m)}.{y}", "compact": f"{y}{m}{d}"}[fmt]
    return out


class Generator:
    def __init__(self, params: GenerationParams):
        self.p = params
        self.rng = np.random.Generator(np.random.PCG64(params.seed))
        self.all_days = _days(params.start, params.end)
        # The horizon reaches back over the history the sources carry into the period (cases still
        # open, services still running) and forward beyond the extract date (bookings, deadlines).
        first = params.start - dt.timedelta(days=HISTORY_DAYS)
        last = params.end + dt.timedelta(days=400)
        hol = finnish_holidays(first, last)
        horizon = _days(first, last)
        dow = (horizon.astype("datetime64[D]").view("int64") - 4) % 7  # 1970-01-01 was a Thursday
        self.horizon = horizon
        self.horizon_working = (dow < 5) & ~np.isin(horizon, np.array(sorted(hol), dtype="datetime64[D]"))
        self.extract = Extract()

    # -- helpers ----------------------------------------------------------------------------------
    def _next_working_day(self, days: np.ndarray) -> np.ndarray:
        """The same day if it is a working day, else the next one (vectorised over a horizon)."""
        working_days = self.horizon[self.horizon_working]
        idx = np.searchsorted(working_days, days)
        idx = np.minimum(idx, len(working_days) - 1)
        return working_days[idx]

    def _kth_working_day_after(self, days: np.ndarray, k: np.ndarray) -> np.ndarray:
        """The k-th working day (arkipäivä) after each day; the start day is not counted (k >= 1)."""
        working_days = self.horizon[self.horizon_working]
        idx = np.searchsorted(working_days, days, side="right") + k - 1
        return working_days[np.minimum(idx, len(working_days) - 1)]

    def _is_working(self, days: np.ndarray) -> np.ndarray:
        return np.isin(days, self.horizon[self.horizon_working])

    def _ids(self, prefix: str, n: int, offset: int = 0) -> np.ndarray:
        return np.array([f"{prefix}{i:08d}" for i in range(offset + 1, offset + n + 1)], dtype=object)

    def _times(self, days: np.ndarray, lo_hour: int, hi_hour: int) -> np.ndarray:
        minutes = self.rng.integers(lo_hour * 60, hi_hour * 60, len(days))
        return days.astype("datetime64[m]") + minutes.astype("timedelta64[m]")

    # -- population register --------------------------------------------------------------------
    def residents(self, county: CountyProfile) -> Table:
        n = max(50, round(county.population * self.p.scale))
        weights = AGE_BAND_WEIGHTS.copy()
        if county.age_shift:
            weights = weights * np.exp(np.arange(10) * county.age_shift / 60)
        band = self.rng.choice(10, size=n, p=weights / weights.sum())
        age_days = ((band * 10 + self.rng.random(n) * 10) * 365.25).astype(int)
        birth = np.datetime64(self.p.start) - age_days.astype("timedelta64[D]")
        sex = self.rng.integers(1, 3, n)
        codes = np.empty(n, dtype=object)  # assigned nationally in assign_identity_codes()
        muni_codes = np.array([m for m, _ in county.municipalities], dtype=object)
        muni_w = np.array([w for _, w in county.municipalities])
        muni = muni_codes[self.rng.choice(len(muni_codes), size=n, p=muni_w / muni_w.sum())]
        lang = self.rng.choice(np.array(["fi", "sv", "ru", "et", "ar", "en"], dtype=object), size=n,
                               p=[0.84, 0.05 if county.code == "90" else 0.01, 0.03, 0.02, 0.02,
                                  0.04 if county.code == "90" else 0.08])
        # Deaths within the period, rising steeply with age.
        age_years = age_days / 365.25
        annual_death = np.clip(0.0004 * np.exp(0.085 * (age_years - 20)), 0, 0.25)
        years = (self.p.end - self.p.start).days / 365.25
        dies = self.rng.random(n) < 1 - (1 - annual_death) ** years
        death_day = self.all_days[self.rng.integers(0, len(self.all_days), n)]
        death = np.where(dies, np.datetime_as_string(death_day).astype(object), None)
        self._people = getattr(self, "_people", {})
        self._people[county.code] = {
            "hetu": codes, "birth": birth, "age_years": age_years, "band": band,
            "death": np.where(dies, death_day, np.datetime64("NaT")), "municipality": muni,
        }
        birth_str = np.char.replace(np.datetime_as_string(birth), "-", "").astype(object)
        return {
            "hetu": codes,
            "syntymaaika": birth_str,
            "sukupuoli": sex.astype(str).astype(object),
            "kotikunta": muni,
            "aidinkieli": lang,
            "kuolinpaiva": death,
        }

    def moves(self, county: CountyProfile, table: Table) -> None:
        """Residents as the register delivers them over time. Each row carries the date the person's
        home municipality became what it is (kotikunnan alkupäivä). Some residents move to another
        municipality during the period: the register delivers the new home municipality on the day
        of the move, the first delivery had the old one. A death is delivered on the day it happens;
        until then the person is delivered alive."""
        n = len(table["hetu"])
        start = np.datetime64(self.p.start)
        people = self._people[county.code]
        all_munis = np.array(sorted({m for c in self.p.counties for m, _ in PROFILES[c].municipalities}), dtype=object)
        own = np.array([m for m, _ in county.municipalities], dtype=object)
        new = np.where(self.rng.random(n) < 0.8, own[self.rng.integers(0, len(own), n)],
                       all_munis[self.rng.integers(0, len(all_munis), n)])
        day = self.all_days[self.rng.integers(1, len(self.all_days), n)]
        alive = np.isnat(people["death"]) | (day < people["death"])
        movers = (self.rng.random(n) < 0.04) & (new != table["kotikunta"]) & alive
        # Since when the first delivered municipality has been home: up to 15 years before the
        # period, not before birth. Its own random stream, so the rest of the sample is unchanged.
        since_rng = np.random.default_rng([self.p.seed, 29])
        lived = np.minimum((since_rng.random(n) * 15 * 365.25).astype(int),
                           (start - people["birth"]).astype(int))
        first_since = start - lived.astype("timedelta64[D]")
        table["kotikunta_alkupvm"] = _fmt_date(first_since, "compact")
        dies = ~np.isnat(people["death"])
        death_text = table["kuolinpaiva"].copy()

        def state(rows: np.ndarray, moved: bool, dead: bool) -> Table:
            part = {c: v[rows].copy() for c, v in table.items()}
            if moved:
                part["kotikunta"] = new[rows].astype(object)
                part["kotikunta_alkupvm"] = _fmt_date(day[rows], "compact")
            part["kuolinpaiva"] = death_text[rows] if dead else np.full(int(rows.sum()), None, dtype=object)
            return part

        # The final state: moved (if the person moved) and dead (if the person died).
        final = state(np.ones(n, dtype=bool), False, True)
        final["kotikunta"] = np.where(movers, new, table["kotikunta"]).astype(object)
        final["kotikunta_alkupvm"] = np.where(movers, _fmt_date(day, "compact"), table["kotikunta_alkupvm"])
        final_on = np.where(dies, people["death"], np.where(movers, day, start))
        # Earlier states: as first delivered, then (for a mover who later dies) moved and alive.
        earlier = movers | dies
        first = state(earlier, False, False)
        self.extract.add("vtj_residents", final, final_on, prior=(first, np.full(int(earlier.sum()), start)))
        moved_then_died = movers & dies
        if moved_then_died.any():
            self.extract.add_state("vtj_residents", state(moved_then_died, True, False), day[moved_then_died])

    # -- organisation register ------------------------------------------------------------------
    def units(self, county: CountyProfile) -> Table:
        rows = []
        for i, (muni, share) in enumerate(county.municipalities):
            n_centres = max(1, round(share * max(2, county.population / 60_000)))
            for j in range(n_centres):
                mode = "own" if j % 7 != 6 else "purchased"
                rows.append((f"1.2.246.10.{county.code}{i:02d}{j:02d}.1", f"Terveysasema {muni}-{j + 1}",
                             "GP", mode, muni))
            rows.append((f"1.2.246.10.{county.code}{i:02d}99.2", f"Hammashoitola {muni}", "ORAL",
                         "own" if i % 3 else "voucher", muni))
            if i == 0:  # the central town hosts the hospital and the social-care offices
                rows.append((f"1.2.246.10.{county.code}{i:02d}98.3", f"Keskussairaala {muni}", "SPEC", "own", muni))
                rows.append((f"1.2.246.10.{county.code}{i:02d}97.4", f"Ikäihmisten palvelut {muni}", "SOC",
                             "own", muni))
                rows.append((f"1.2.246.10.{county.code}{i:02d}96.4", f"Lapsiperheiden palvelut {muni}", "SOC",
                             "own", muni))
            rows.append((f"1.2.246.10.{county.code}{i:02d}95.4", f"Hoivakoti {muni}", "SOC",
                         "purchased" if i % 2 == 0 else "voucher", muni))
        arr = np.array(rows, dtype=object)
        return {
            "unit_oid": arr[:, 0], "unit_name": arr[:, 1], "service_area": arr[:, 2],
            "production_mode": arr[:, 3], "municipality_code": arr[:, 4],
            "county_code": np.full(len(arr), county.code, dtype=object),
        }

    # -- primary care events ----------------------------------------------------------------------
    def primary_care(self, county: CountyProfile, units: Table) -> dict[str, np.ndarray]:
        people = self._people[county.code]
        years = (self.p.end - self.p.start).days / 365.25
        rate = CONTACT_RATE_BY_BAND[people["band"]] * years
        n_contacts = self.rng.poisson(rate)
        person_idx = np.repeat(np.arange(len(rate)), n_contacts)
        n = len(person_idx)
        dow = (self.all_days.view("int64") - 4) % 7
        month = self.all_days.astype("datetime64[M]").astype(int) % 12
        w = DOW_WEIGHTS[dow] * MONTH_WEIGHTS[month]
        w[~np.isin(self.all_days, self.horizon[self.horizon_working]) & (dow < 5)] *= 0.1  # holidays
        contact_day = self.all_days[self.rng.choice(len(self.all_days), size=n, p=w / w.sum())]
        # People who die stop contacting care.
        alive = np.isnat(people["death"][person_idx]) | (contact_day < people["death"][person_idx])
        person_idx, contact_day = person_idx[alive], contact_day[alive]
        n = len(person_idx)
        oral = self.rng.random(n) < 0.18
        contact_at = self._times(contact_day, 7, 16)
        # Need assessment: same day mostly (more so after the 2023-09-01 same-day rule); else 1-4 days
        # later, never on a Sunday.
        same_day_share = np.where(contact_day >= np.datetime64("2023-09-01"), 0.93, 0.82)
        delay = np.where(self.rng.random(n) < same_day_share, 0, self.rng.integers(1, 5, n))
        assess_day = contact_day + delay.astype("timedelta64[D]")
        assess_day = np.where((assess_day.view("int64") - 4) % 7 == 6, assess_day + 1, assess_day)
        assess_at = np.maximum(contact_at + self.rng.integers(5, 90, n).astype("timedelta64[m]"),
                               self._times(assess_day, 8, 17))
        urgent = self.rng.random(n) < 0.14
        age_at = people["age_years"][person_idx] + (contact_day - np.datetime64(self.p.start)).astype(int) / 365.25
        # Maximum time the clinician records, per the rule in force (terveydenhuoltolaki § 51, § 51 a, § 53).
        period = np.select(
            [assess_day < np.datetime64("2023-09-01"), assess_day < np.datetime64("2025-01-01")], [0, 1], 2)
        under23 = age_at < 23
        gp_max = np.select([period == 0, period == 1, under23], [90, 14, 14], 90)
        oral_max = np.select([period == 0, period == 1, under23], [180, 120, 120], 180)
        max_days = np.where(urgent, 1, np.where(oral, oral_max, gp_max))
        # Visits: most assessments lead to one; professional groups by service line.
        has_visit = self.rng.random(n) < np.where(urgent, 0.97, 0.82)
        prof = np.where(
            oral,
            np.where(self.rng.random(n) < 0.62, "dentist", "oral_hygienist"),
            self.rng.choice(np.array(["doctor", "nurse", "other"]), size=n, p=[0.46, 0.44, 0.10]),
        ).astype(object)
        t_years = (assess_day - np.datetime64(self.p.start)).astype(int) / 365.25
        growth = 1 + county.queue_growth_per_year * t_years
        summer = np.isin(assess_day.astype("datetime64[M]").astype(int) % 12, [5, 6])
        fast_share = np.where(oral, county.oral_fast_share, county.gp_fast_share) - 0.08 * summer
        fast_share = np.where(prof == "doctor", fast_share, fast_share + 0.22)  # nurses are quicker
        slow_mean = np.where(oral, county.oral_slow_mean_days, county.gp_slow_mean_days) * growth
        fast = self.rng.random(n) < fast_share
        wait = np.where(
            urgent, self.rng.integers(0, 2, n),
            np.where(fast, self.rng.integers(0, 8, n), 7 + self.rng.exponential(slow_mean).astype(int)),
        )
        visit_day = self._next_working_day(assess_day + wait.astype("timedelta64[D]"))
        visit_at = self._times(visit_day, 8, 16)
        visit_at = np.where(visit_at <= assess_at, assess_at + np.timedelta64(30, "m"), visit_at)
        status = self.rng.choice(np.array(["completed", "cancelled", "no_show"], dtype=object), size=n,
                                 p=[0.93, 0.04, 0.03])
        # Only what happened by the extract date is in the extract; later visits are still booked.
        booked_only = visit_day >= np.datetime64(self.p.as_of)
        gp_units = units["unit_oid"][units["service_area"] == "GP"]
        oral_units = units["unit_oid"][units["service_area"] == "ORAL"]
        unit = np.where(oral, oral_units[self.rng.integers(0, len(oral_units), n)],
                        gp_units[self.rng.integers(0, len(gp_units), n)])
        # Visits booked directly (follow-ups, recalls): no contact and no need assessment recorded;
        # the booking time stands in for the assessment time.
        direct = has_visit & ~urgent & (self.rng.random(n) > county.assessment_coverage)
        return {
            "hetu": people["hetu"][person_idx], "contact_at": contact_at, "assess_at": assess_at,
            "oral": oral, "urgent": urgent, "max_days": max_days, "has_visit": has_visit, "prof": prof,
            "direct": direct,
            "visit_at": visit_at, "status": np.where(booked_only, "booked", status).astype(object),
            "unit": unit,
        }

    def _rebooked_units(self, final_units: np.ndarray, oral: np.ndarray, units: Table, share: float = 0.05) -> np.ndarray:
        """Units a visit was first booked at: mostly its final unit, but a share were moved later."""
        gp = units["unit_oid"][units["service_area"] == "GP"]
        dental = units["unit_oid"][units["service_area"] == "ORAL"]
        other = np.where(oral, dental[self.rng.integers(0, len(dental), len(oral))],
                         gp[self.rng.integers(0, len(gp), len(oral))])
        moved = (self.rng.random(len(oral)) < share) & (other != final_units)
        return np.where(moved, other, final_units).astype(object)

    def apotti_tables(self, county: CountyProfile, ev: dict[str, np.ndarray], units: Table) -> None:
        """Apotti-like layout: English column names, ISO timestamps, three tables."""
        n = len(ev["hetu"])
        contact_id = self._ids(f"C{county.code}", n)
        triage_id = self._ids(f"T{county.code}", n)
        c = ~ev["direct"]  # directly booked visits have neither a contact nor a triage row
        self.extract.add("apotti_contacts", {
            "contact_id": contact_id[c], "pat_ssn": ev["hetu"][c],
            "contact_dttm": _fmt_ts(ev["contact_at"][c], "iso"),
            "service_line": np.where(ev["oral"][c], "DENTAL", "PRIMARY").astype(object),
            "dept_id": ev["unit"][c],
        }, ev["contact_at"][c])
        self.extract.add("apotti_triage", {
            "triage_id": triage_id[c], "contact_id": contact_id[c], "pat_ssn": ev["hetu"][c],
            "triage_dttm": _fmt_ts(ev["assess_at"][c], "iso"),
            "acuity": np.where(ev["urgent"][c], "URGENT", "NONURGENT").astype(object),
            "max_wait_days": ev["max_days"][c].astype(str).astype(object),
        }, ev["assess_at"][c])
        v = np.flatnonzero(ev["has_visit"])
        prov = {"doctor": "MD", "nurse": "RN", "other": "PT", "dentist": "DDS", "oral_hygienist": "RDH"}
        visits = {
            "visit_id": self._ids(f"V{county.code}", len(v)),
            "triage_id": np.where(ev["direct"][v], None, triage_id[v]).astype(object),
            "pat_ssn": ev["hetu"][v], "appt_dttm": _fmt_ts(ev["visit_at"][v], "iso"),
            "prov_type": np.array([prov[p] for p in ev["prof"][v]], dtype=object),
            "appt_status": np.array([s.upper() for s in ev["status"][v]], dtype=object),
            "dept_id": ev["unit"][v],
        }
        # Booked at the assessment, delivered again with its outcome once the appointment is past.
        done = ev["status"][v] != "booked"
        booked = {c: vals[done].copy() for c, vals in visits.items()}
        booked["appt_status"][:] = "BOOKED"
        booked["dept_id"] = self._rebooked_units(booked["dept_id"], ev["oral"][v][done], units)
        self.extract.add("apotti_visits", visits, np.where(done, ev["visit_at"][v], ev["assess_at"][v]),
                         prior=(booked, ev["assess_at"][v][done]))
        # Diagnoses of completed visits: a set of 1-3 per visit, delivered with the outcome.
        completed = np.flatnonzero(ev["status"][v] == "completed")
        n_dx = self.rng.choice([1, 2, 3], size=len(completed), p=[0.6, 0.3, 0.1])
        dx_visit = np.repeat(completed, n_dx)
        dx_rank = np.concatenate([np.arange(1, k + 1) for k in n_dx]) if len(n_dx) else np.array([], int)
        oral_dx = ev["oral"][v][dx_visit]
        codes = np.where(oral_dx, ORAL_DIAGNOSES[self.rng.integers(0, len(ORAL_DIAGNOSES), len(dx_visit))],
                         GP_DIAGNOSES[self.rng.choice(len(GP_DIAGNOSES), size=len(dx_visit),
                                                      p=GP_DIAGNOSIS_WEIGHTS)])
        self.extract.add("apotti_visit_diagnoses", {
            "visit_id": visits["visit_id"][dx_visit].copy(),
            "dx_rank": dx_rank.astype(str).astype(object),
            "icd10_code": codes.astype(object),
        }, ev["visit_at"][v][dx_visit])
        # Some past visits are deleted afterwards (entered in error); the extract carries tombstones.
        deleted_at = ev["visit_at"][v] + (self.rng.integers(1, 31, len(v)) * 1440).astype("timedelta64[m]")
        gone = np.flatnonzero(done & (self.rng.random(len(v)) < self.p.deletion_rate)
                              & (deleted_at < np.datetime64(self.p.as_of)))
        self.extract.add("apotti_deleted_records", {
            "record_type": np.full(len(gone), "VISIT", dtype=object),
            "record_id": visits["visit_id"][gone].copy(),
            "deleted_dttm": _fmt_ts(deleted_at[gone], "iso"),
        }, deleted_at[gone])

    def lifecare_tables(self, county: CountyProfile, ev: dict[str, np.ndarray], units: Table) -> None:
        """Lifecare-like layout: Finnish names, 'DD.MM.YYYY HH24:MI' times, assessment and visit in one row."""
        n = len(ev["hetu"])
        yhteys_id = np.array([f"{county.code}-{i}" for i in range(1, n + 1)], dtype=object)
        c = ~ev["direct"]  # directly booked visits: no contact, an event row with no assessment
        self.extract.add("lifecare_yhteydenotot", {
            "yhteys_id": yhteys_id[c], "hetu": ev["hetu"][c],
            "yhteys_aika": _fmt_ts(ev["contact_at"][c], "fi"),
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
            "hta_aika": no_assessment(_fmt_ts(ev["assess_at"], "fi")),
            "kiireellisyys": no_assessment(np.where(ev["urgent"], "1", "3")),
            "enimmaisaika_pv": no_assessment(ev["max_days"].astype(str)),
            "kaynti_aika": _fmt_ts(visit_at.astype("datetime64[m]"), "fi"),
            "ammattiryhma": np.where(ev["has_visit"], [ammatti[p] for p in ev["prof"]], None).astype(object),
            "tila": np.where(ev["has_visit"], [tila[s] for s in ev["status"]], None).astype(object),
            "yksikko": ev["unit"].copy(),
        }
        # The row is first delivered at the assessment with the visit booked (tila V), and again
        # with the visit's outcome once it is past.
        done = ev["has_visit"] & (ev["status"] != "booked")
        booked = {c: vals[done].copy() for c, vals in events.items()}
        booked["tila"][:] = "V"
        booked["yksikko"] = self._rebooked_units(booked["yksikko"], ev["oral"][done], units)
        self.extract.add("lifecare_hoitotapahtumat", events, np.where(done, ev["visit_at"], ev["assess_at"]),
                         prior=(booked, ev["assess_at"][done]))

    # -- defects ----------------------------------------------------------------------------------
    def inject_defects(self) -> None:
        """Defects on purpose, each kind counted so the warehouse can be held to account for them.

        Kinds (docs/raw_tables.md lists them per table): invalid_identity_code (wrong check character),
        missing_key, unparseable_timestamp / unparseable_amount, unknown_code (a code the mapping does
        not know), out_of_order (a later event dated before an earlier one), future_date (an event
        dated after the delivery), duplicate_delivery (the same row twice in one delivery). Corrected
        re-deliveries and deleted records are not defects but part of the data (prior states,
        apotti_deleted_records).
        """
        rate = self.p.defect_rate
        if rate <= 0:
            return
        future = np.datetime64(self.p.as_of) + 200
        future_iso = f"{future} 10:00:00"
        future_fi = future.astype(object)
        for name in sorted(self.extract.tables):
            table = self.extract.tables[name]
            n = self.extract.row_count(name)
            spec = DEFECTS.get(name, {})
            counts: dict[str, int] = {}

            used = np.zeros(n, dtype=bool)  # one defect per row, so each is seen with its own reason
            rows: list[tuple[int, str]] = []

            def pick(col: str | None = None) -> np.ndarray:
                hit = (self.rng.random(n) < rate) & ~used
                if col is not None:
                    hit &= np.not_equal(table[col], None)
                used[hit] = True
                return np.flatnonzero(hit)

            if "hetu" in spec:  # a wrong check character
                col = table[spec["hetu"]]
                hit = pick(spec["hetu"])
                wrong = "0123456789ABCDEFHJKLMNPRSTUVWXY"
                for i in hit:
                    col[i] = col[i][:10] + wrong[(wrong.index(col[i][10]) + 1) % 31]
                counts["invalid_identity_code"] = len(hit)
                rows += [(int(i), "invalid_identity_code") for i in hit]
            if "key" in spec:  # a missing record key
                hit = pick()
                table[spec["key"]][hit] = None
                counts["missing_key"] = len(hit)
                rows += [(int(i), "missing_key") for i in hit]
            if "amount" in spec:
                hit = pick(spec["amount"])
                table[spec["amount"]][hit] = "1.234,5,6"
                counts["unparseable_amount"] = len(hit)
                rows += [(int(i), "unparseable_amount") for i in hit]
            if "unknown_code" in spec:
                col, bad = spec["unknown_code"]
                hit = pick(col)
                table[col][hit] = bad
                counts["unknown_code"] = len(hit)
                rows += [(int(i), "unknown_code") for i in hit]
            if "out_of_order" in spec:  # the later event moved before the earlier one
                early, late, fmt = spec["out_of_order"]
                hit = pick(late)
                for i in hit:
                    table[late][i] = _shift_text_date(table[early][i], -3, fmt) if table[early][i] else table[late][i]
                counts["out_of_order"] = len(hit)
                rows += [(int(i), "out_of_order") for i in hit if table[early][i]]
            if "future" in spec:
                col, fmt = spec["future"]
                hit = pick(col)
                table[col][hit] = {"iso": future_iso, "fi": f"{future_fi:%d.%m.%Y}",
                                   "fi_ts": f"{future_fi:%d.%m.%Y} 10:00",
                                   "dmy": f"{future_fi.day}.{future_fi.month}.{future_fi.year}"}[fmt]
                counts["future_date"] = len(hit)
                rows += [(int(i), "future_date") for i in hit]
            if "timestamp" in spec:  # an unparseable timestamp or date (after the
                # defects above, which shift parseable dates)
                col, bad = spec["timestamp"]
                hit = pick(col)
                table[col][hit] = bad
                counts["unparseable_timestamp"] = len(hit)
                rows += [(int(i), "unparseable_timestamp") for i in hit]
            dup = pick()  # the same row delivered twice
            if len(dup):
                for col in table:
                    table[col] = np.concatenate([table[col], table[col][dup]])
                when = self.extract.deliver_on[name]
                self.extract.deliver_on[name] = np.concatenate([when, when[dup]])
            counts["duplicate_delivery"] = len(dup)
            rows += [(int(i), "duplicate_delivery") for i in dup]  # the earlier copy is the duplicate
            self.extract.defects[name] = counts
            self.extract.defect_rows[name] = sorted(rows)

    def assign_identity_codes(self, tables: list[Table]) -> None:
        """Identity codes are unique nationally, so they are drawn for all counties' residents at once."""
        births = np.concatenate([np.array(t["syntymaaika"], dtype="U8") for t in tables])
        births = np.array([f"{b[:4]}-{b[4:6]}-{b[6:]}" for b in births], dtype="datetime64[D]")
        sex = np.concatenate([t["sukupuoli"].astype(int) for t in tables])
        codes = synthetic_codes(births, sex)
        offset = 0
        for county_code, table in zip(self.p.counties, tables):
            n = len(table["hetu"])
            table["hetu"][:] = codes[offset:offset + n]
            self._people[county_code]["hetu"] = table["hetu"]
            offset += n

    def run(self) -> Extract:
        for code in self.p.counties:
            if code not in PROFILES:
                raise ValueError(f"no synthetic profile for county {code!r}; known: {sorted(PROFILES)}")
        residents = [self.residents(PROFILES[code]) for code in self.p.counties]
        self.assign_identity_codes(residents)
        for code, table in zip(self.p.counties, residents):
            county = PROFILES[code]
            self.moves(county, table)
            units = self.units(county)
            self.extract.add("org_units", units, np.full(len(units["unit_oid"]), np.datetime64(self.p.start)))
            events = self.primary_care(county, units)
            if county.patient_system == "apotti":
                self.apotti_tables(county, events, units)
            else:
                self.lifecare_tables(county, events, units)
            refs = specialised.referrals(self, county, units)
            if county.patient_system == "apotti":
                specialised.apotti_referrals(self, county, refs)
            else:
                specialised.lifecare_referrals(self, county, refs)
            social.procons_tables(self, county, social.cases(self, county, units))
            finance.raindance_tables(self, county, len(table["hetu"]))
        self.inject_defects()
        return self.extract


def generate(params: GenerationParams) -> Extract:
    return Generator(params).run()


from virta.generate import finance, social, specialised  # noqa: E402  (they build on this module)

"""What every topic module of the synthetic generator builds on: the parameters, the extract being
built (Extract: the latest state of each record and the days they are delivered) and the
Generator (random state, the working days of the horizon, ids and times). The topic modules
(registers, primary_care, specialised, social, finance, defects) import this one; it imports none
of them, and virta.generate.generate runs them in order.

Every table is a dict of equally long numpy object/str arrays keyed by the raw column names
declared in concept_model/sources/*.yml; the loader adds the batch id and load timestamp.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from virta.generate.calendar import days, working_days
from virta.generate.profiles import DEFAULT_COUNTIES

Table = dict[str, np.ndarray]

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
    # Each county's residents: population x scale, at least this many (a small county scaled down
    # to a few hundred people would have every social-services figure withheld as a small cell).
    # Rates per resident do not depend on it.
    min_residents: int = 50

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

    def batches(self, n: int, start: dt.date, end: dt.date,
                cuts: list[dt.date] | None = None) -> list[tuple[dt.date, dict[str, Table]]]:
        """The period as n consecutive deliveries, each delivered the day after its window closes.

        A row goes to the delivery whose window holds its delivery day. An earlier state of a record
        goes to its own window when that comes before the final state's; with one batch only final
        states are delivered, as a one-off extract would be. Windows are of equal length, or close on
        the given `cuts` (n - 1 dates inside the period: two years of history, then one day, say).
        """
        if n < 1:
            raise ValueError("the number of batches must be at least 1")
        if n == 1 and cuts is None:
            # one extract of final states, in the order generated: the tables themselves, not a copy
            # (a copy doubled the generator's memory at --scale 1.0)
            return [(end + dt.timedelta(days=1), dict(self.tables))]
        days = (end - start).days + 1
        if cuts is not None:
            if len(cuts) != n - 1 or sorted(set(cuts)) != list(cuts) or not all(start <= c < end for c in cuts):
                raise ValueError(f"{n} batches need {n - 1} increasing cut dates from {start} to before {end}")
            edges = np.array([np.datetime64(start)] + [np.datetime64(c + dt.timedelta(days=1)) for c in cuts]
                             + [np.datetime64(end + dt.timedelta(days=1))])
        else:
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


class Generator:
    """The shared state of one generation run; the topic modules take it as their first argument."""

    def __init__(self, params: GenerationParams):
        self.p = params
        self.rng = np.random.Generator(np.random.PCG64(params.seed))
        self.all_days = days(params.start, params.end)
        # The horizon reaches back over the history the sources carry into the period (cases still
        # open, services still running) and forward beyond the extract date (bookings, deadlines).
        first = params.start - dt.timedelta(days=HISTORY_DAYS)
        last = params.end + dt.timedelta(days=400)
        self.horizon, self.horizon_working = working_days(first, last)
        self.extract = Extract()
        self.people: dict[str, dict[str, np.ndarray]] = {}  # county -> the residents' attributes

    # -- helpers ----------------------------------------------------------------------------------
    def next_working_day(self, days: np.ndarray) -> np.ndarray:
        """The same day if it is a working day, else the next one (vectorised over a horizon)."""
        working_days = self.horizon[self.horizon_working]
        idx = np.searchsorted(working_days, days)
        idx = np.minimum(idx, len(working_days) - 1)
        return working_days[idx]

    def kth_working_day_after(self, days: np.ndarray, k: np.ndarray) -> np.ndarray:
        """The k-th working day (arkipäivä) after each day; the start day is not counted (k >= 1)."""
        working_days = self.horizon[self.horizon_working]
        idx = np.searchsorted(working_days, days, side="right") + k - 1
        return working_days[np.minimum(idx, len(working_days) - 1)]

    def is_working(self, days: np.ndarray) -> np.ndarray:
        return np.isin(days, self.horizon[self.horizon_working])

    def ids(self, prefix: str, n: int, offset: int = 0) -> np.ndarray:
        return np.array([f"{prefix}{i:08d}" for i in range(offset + 1, offset + n + 1)], dtype=object)

    def times(self, days: np.ndarray, lo_hour: int, hi_hour: int) -> np.ndarray:
        minutes = self.rng.integers(lo_hour * 60, hi_hour * 60, len(days))
        return days.astype("datetime64[m]") + minutes.astype("timedelta64[m]")


# The bundled sample `virta run` loads and `virta generate` writes by default: six contrasting areas
# (Helsinki and Vantaa-Kerava on the Apotti-like layout; Etelä-Karjala, Pohjois-Pohjanmaa and Kainuu
# on the Lifecare-like one; Etelä-Savo on the Pegasos-like one), from the shortest waits for a doctor to
# the longest and from the youngest population to the oldest, at least 8 000 residents each (1 % of
# each at least, so social-care cells are large enough to show): ranks run 1..6, the README's examples
# and the county report show real numbers, and `virta run` stays around two minutes. `--counties all`
# loads all 22 areas.
DEFAULT_SAMPLE = GenerationParams(scale=0.01, counties=("04", "11", "12", "19", "20", "90"), min_residents=8000)

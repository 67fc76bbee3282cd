"""The generated reference data: holidays from the `holidays` package and the calendar fixture
the dbt unit tests count working days on."""

import csv
import datetime as dt
import io

from virta import reference


def fixture_rows():
    return list(csv.DictReader(io.StringIO(reference.calendar_fixture_csv())))


def nth_working_day_after(start: dt.date, n: int) -> dt.date:
    rows = {r["calendar_date"]: r for r in fixture_rows()}
    seq = int(rows[start.isoformat()]["working_day_seq"])
    return next(dt.date.fromisoformat(d) for d, r in rows.items()
                if r["is_arkipaiva"] == "true" and int(r["working_day_seq"]) == seq + n)


def test_every_year_has_the_days_that_are_not_arkipaiva():
    by_year = {}
    for d, name_fi, _ in reference.finnish_holidays():
        by_year.setdefault(d.year, set()).add((d.month, d.day, name_fi))
    first, last = reference.calendar_years()  # the calendar's years (vars calendar_start, calendar_end)
    assert set(by_year) == set(range(first, last + 1))
    for year, days in by_year.items():
        names = {n for _, _, n in days}
        assert {"Jouluaatto", "Juhannusaatto", "Itsenäisyyspäivä", "Vappu", "Pitkäperjantai"} <= names, year
        midsummer_eve = next(dt.date(year, m, d) for m, d, n in days if n == "Juhannusaatto")
        assert midsummer_eve.weekday() == 4 and 19 <= midsummer_eve.day <= 25


def test_arkipaiva_counts_per_year_match_the_brief():
    counts = {}
    for r in fixture_rows():
        counts[r["calendar_date"][:4]] = counts.get(r["calendar_date"][:4], 0) + (r["is_arkipaiva"] == "true")
    assert counts == {"2023": 251, "2024": 252, "2025": 251, "2026": 252}


def test_worked_cases_of_the_brief_on_the_fixture():
    cases = [("2024-01-02", 7, "2024-01-11"), ("2024-12-19", 3, "2024-12-27"), ("2024-12-19", 7, "2025-01-03"),
             ("2025-04-16", 3, "2025-04-23"), ("2025-04-16", 7, "2025-04-29"), ("2025-06-18", 3, "2025-06-24"),
             ("2025-06-18", 7, "2025-06-30"), ("2023-12-01", 7, "2023-12-13"), ("2025-10-28", 7, "2025-11-06")]
    for start, n, expected in cases:
        assert nth_working_day_after(dt.date.fromisoformat(start), n) == dt.date.fromisoformat(expected)

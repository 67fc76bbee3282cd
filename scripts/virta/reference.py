"""Reference data generated from outside sources: the Finnish holiday list (from the `holidays`
package) as a seed, a small calendar fixture for dbt unit tests, and the unit tests' mirror of the
deadline rules. `virta seeds generate` writes them (virta.generated); the dbt test
assert_holidays_match_computus checks the seed against an independent SQL implementation of the
rules in laki 150/1930 and the church calendar. The holiday list is the one source of holidays:
the synthetic generator and the end-to-end tests read it too. Its years are the calendar's
(vars calendar_start and calendar_end in dbt_project.yml)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from functools import cache
from pathlib import Path

import holidays
import yaml

from virta.paths import PROJECT_ROOT

FIXTURE_FIRST, FIXTURE_LAST = dt.date(2023, 1, 1), dt.date(2026, 12, 31)
RULES_SEED = Path("seeds/reference/ref_legal_deadline_rules.csv")


@cache
def calendar_years() -> tuple[int, int]:
    """The first and last year of bv_calendar (vars calendar_start, calendar_end)."""
    found = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]
    return dt.date.fromisoformat(found["calendar_start"]).year, dt.date.fromisoformat(found["calendar_end"]).year


def finnish_holidays(first_year: int | None = None, last_year: int | None = None) -> list[tuple[dt.date, str, str]]:
    """(date, Finnish name, English name) of every day that is not an arkipäivä for being a holiday:
    church holidays (incl. Sundays' Easter Day and Pentecost), May Day, Independence Day, Midsummer
    Eve and Christmas Eve; by default over the calendar's years."""
    first, last = calendar_years()
    years = range(first if first_year is None else first_year, (last if last_year is None else last_year) + 1)
    fi = holidays.Finland(years=years, language="fi")
    en = holidays.Finland(years=years, language="en_US")
    return [(d, fi[d], en[d]) for d in sorted(fi)]


def holidays_csv() -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["holiday_date", "name_fi", "name_en"])
    for d, name_fi, name_en in finnish_holidays():
        writer.writerow([d.isoformat(), name_fi, name_en])
    return buf.getvalue()


def calendar_fixture_csv() -> str:
    """bv_calendar's day-counting columns for 2023-2026, for dbt unit tests of deadline rules."""
    hol = {d for d, _, _ in finnish_holidays(FIXTURE_FIRST.year, FIXTURE_LAST.year)}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["calendar_date", "is_arkipaiva", "working_day_seq"])
    seq, day = 0, FIXTURE_FIRST
    while day <= FIXTURE_LAST:
        working = day.weekday() < 5 and day not in hol
        seq += working
        writer.writerow([day.isoformat(), "true" if working else "false", seq])
        day += dt.timedelta(days=1)
    return buf.getvalue()


def holiday_dates(first: dt.date, last: dt.date) -> set[dt.date]:
    """The holidays of the years from `first` to a year after `last` (deadlines run past the data)."""
    return {d for d, _, _ in finnish_holidays(first.year, last.year + 1)}


def files() -> dict[Path, str]:
    """The generated seeds and fixtures, path relative to the project root -> content."""
    # dbt reads a row-less seed input with empty cells as '' (not NULL); a CSV fixture maps them to
    # NULL, so unit tests get the real rules through this mirror of the seed.
    return {
        Path("seeds/reference/ref_fi_holidays.csv"): holidays_csv(),
        Path("tests/fixtures/calendar_2023_2026.csv"): calendar_fixture_csv(),
        Path("tests/fixtures/ref_legal_deadline_rules.csv"): (PROJECT_ROOT / RULES_SEED).read_text(),
    }

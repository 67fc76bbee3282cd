"""Reference data generated from outside sources: the Finnish holiday list (from the `holidays`
package) as a seed, and a small calendar fixture for dbt unit tests. `virta vault generate`
writes both; the dbt test assert_holidays_match_computus checks the seed against an independent
SQL implementation of the rules in laki 150/1930 and the church calendar."""

from __future__ import annotations

import csv
import datetime as dt
import io

import holidays

FIRST_YEAR, LAST_YEAR = 2015, 2035
FIXTURE_FIRST, FIXTURE_LAST = dt.date(2023, 1, 1), dt.date(2026, 12, 31)


def finnish_holidays(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> list[tuple[dt.date, str, str]]:
    """(date, Finnish name, English name) of every day that is not an arkipäivä for being a holiday:
    church holidays (incl. Sundays' Easter Day and Pentecost), May Day, Independence Day, Midsummer
    Eve and Christmas Eve."""
    years = range(first_year, last_year + 1)
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

"""Staff data (issue 24): the nurse staffing ratio of 24-hour care and the staff resources, each
published figure held to an independent recompute from the raw tables (raw_recompute), the small
unit's weeks withheld, and the staff's identity codes never joinable to clients'."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

import raw_recompute as rr

pytestmark = pytest.mark.e2e


def q(value, places):
    """A value rounded half away from zero as PostgreSQL rounds numeric (an exact Fraction too)."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        scaled = value * 10 ** places
        whole = int(scaled)  # towards zero
        if abs(scaled - whole) >= Fraction(1, 2):
            whole += 1 if scaled > 0 else -1
        return Decimal(whole).scaleb(-places)
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def published_differs(sql, name, keys, columns):
    """Rows where mart_<name> shows a value other than its cells dsc_<name> hold (withheld ones aside)."""
    where = " or ".join(f"(m.{c} is not null and m.{c} <> c.{c})" for c in columns)
    return sql(f"""select count(*) from marts.mart_{name} m join disclosure.dsc_{name} c using ({", ".join(keys)})
                   where {where}""")[0][0]


@pytest.fixture(scope="module")
def ratio_weeks(warehouse):
    from conftest import query_function

    query, close = query_function(warehouse[0])
    try:
        yield rr.staffing_ratio_weekly(query)
    finally:
        close()


def test_every_unit_week_s_ratio_matches_the_raw_recompute(sql, ratio_weeks):
    """Each unit and week of the cells (before disclosure control): clients, counted hours, the week's
    ratio, and whether the unit met the minimum over the three weeks ending with it, recomputed from
    the raw shift-planning and HR tables and the seeds."""
    cells = {(u, w): row for a, u, w, *row in sql("""
        select area_code, unit_oid, week_start, area_code, clients_n, counted_hours, realised_ratio,
               units_judged_n, units_meeting_minimum_n
        from disclosure.dsc_staffing_ratio_weekly where unit_oid <> 'all'""")}
    assert len(cells) > 500
    first, last = sql("select first_day, as_of_date from business_vault.bv_data_as_of")[0]
    expected = {k: v for k, v in ratio_weeks.items() if k[1] + dt.timedelta(days=6) >= first and k[1] <= last}
    assert set(cells) == set(expected)
    below = weekly_below = 0
    for k, (area, clients, hours, ratio, judged, meeting) in cells.items():
        e = expected[k]
        assert (area, clients, hours) == (e["county"], e["clients_n"], q(e["counted_hours"], 2)), k
        assert ratio == q(e["realised_ratio"], 2), k
        assert (judged, meeting) == (int(e["meets"] is not None), int(bool(e["meets"]))), k
        below += e["meets"] is False
        weekly_below += e["complete"] and e["counted_hours"] * 7 < e["minimum_client_days"] * rr.FULL_TIME_WEEK_HOURS
    # some three-week periods fall below the minimum, most do not; single weeks fall below more often
    assert 0 < below < len(cells) / 4 and weekly_below > below


def test_county_rows_add_their_units_up_and_the_mart_publishes_the_cells(sql, ratio_weeks):
    """A county's week is its units' sums (the ratio of sums, not a mean of ratios); the published
    mart shows every cell value the disclosure control did not withhold."""
    sums = defaultdict(lambda: [0, Decimal(0), 0, 0, 0, 0])
    for (unit, week), e in ratio_weeks.items():
        s = sums[(e["county"], week)]
        s[0] += e["clients_n"]
        s[1] += e["counted_hours"]
        s[2] += e["client_days_n"]
        s[3] += 1
        s[4] += e["meets"] is not None
        s[5] += bool(e["meets"])
    rows = sql("""select area_code, week_start, clients_n, realised_ratio, units_n, units_judged_n,
                         units_meeting_minimum_n
                  from disclosure.dsc_staffing_ratio_weekly where unit_oid = 'all' and area_code <> 'all'""")
    assert rows
    for area, week, clients, ratio, units, judged, meeting in rows:
        s = sums[(area, week)]
        assert (clients, units, judged, meeting) == (s[0], s[3], s[4], s[5]), (area, week)
        assert ratio == q(Fraction(s[1]) * 7 / (Fraction(s[2]) * Fraction(rr.FULL_TIME_WEEK_HOURS)), 2), (area, week)
    assert published_differs(sql, "staffing_ratio_weekly", ("area_code", "unit_oid", "week_start"),
                             ("clients_n", "realised_ratio", "counted_hours", "units_meeting_minimum_n")) == 0


def test_a_small_unit_s_weeks_under_the_threshold_are_withheld(sql):
    """The five-place group homes have weeks with fewer than five clients: the mart withholds their
    clients and everything resting on them (ratio, hours), and the county's other units do not give
    them away (the county row or another unit is withheld too)."""
    threshold = 5
    small = sql(f"""
        select c.area_code, c.unit_oid, c.week_start, m.clients_n, m.realised_ratio, m.counted_hours, m.is_suppressed
        from disclosure.dsc_staffing_ratio_weekly c
        join marts.mart_staffing_ratio_weekly m using (area_code, unit_oid, week_start)
        where c.unit_oid <> 'all' and c.clients_n between 1 and {threshold - 1}""")
    assert small, "the sample should have a small unit's week under the threshold"
    for area, unit, week, clients, ratio, hours, suppressed in small:
        assert (clients, ratio, hours, suppressed) == (None, None, None, True), (area, unit, week)
        others = sql("""select count(*) filter (where clients_n is null) from marts.mart_staffing_ratio_weekly
                        where area_code = %s and week_start = %s and unit_oid <> %s""", (area, week, unit))[0][0]
        assert others >= 1, (area, unit, week)  # a complement: the county row or another unit


def test_staff_resources_match_the_raw_recompute(sql):
    """People, FTE, FTE per 1 000 residents, turnover (annual rate), sickness absence, agency hours and
    their share, salaries and salaries per FTE per county and for all counties together, year and
    service (and all services), recomputed from the raw HR, shift-planning, population and ledger
    tables; the mart publishes the cells' values where it does not withhold them."""
    months = sql("select month, month_end from business_vault.bv_reporting_month order by month")
    expected = rr.staff_resources_yearly(sql, months)
    residents = rr.residents_at_month_ends(sql, [end for _, end in months])
    totals = defaultdict(lambda: defaultdict(Decimal))
    for (county, year, service), e in expected.items():
        for area, svc in ((county, "all"), (rr.TOTAL, service), (rr.TOTAL, "all")):
            for k, v in e.items():
                if k != "months_n":
                    totals[(area, year, svc)][k] += v
            totals[(area, year, svc)]["months_n"] = e["months_n"]
    expected.update({k: dict(v) for k, v in totals.items()})
    rows = sql("""select area_code, year, service_code, employees_n, fte_mean, fte_per_1000, leavers_n, turnover_pct,
                         sick_absence_pct, agency_hours, agency_hours_pct, salaries_eur, salaries_per_fte_eur, months_n
                  from disclosure.dsc_staff_resources_yearly""")
    assert len(rows) > 50 and any(r[0] == rr.TOTAL for r in rows)
    checked_sick = 0
    for row in rows:
        area, year, service, employees, fte, per_1000, leavers, turnover, sick, agency, agency_pct, salaries, per_fte, n = row
        e = expected.get((area, year, service))
        where = (area, year, service)
        assert e is not None and n == e["months_n"], where
        ends = [end for m, end in months if m.year == year]
        mean_residents = Fraction(sum(residents.get((area, end), 0) for end in ends), len(ends))
        assert employees == e["employees_n"], where
        assert fte == q(e["fte_sum"] / n, 1), where
        assert per_1000 == q(Fraction(e["fte_sum"]) / n * 1000 / mean_residents, 2), where
        assert leavers == e["leavers_n"], where
        assert turnover == (q(Fraction(e["leavers_n"]) * 12 / n * 100 / (Fraction(e["permanent_sum"]) / n), 1)
                            if e["permanent_sum"] else None), where
        assert sick == (q(100 * e["sick"] / e["theoretical"], 1) if e["theoretical"] else None), where
        assert agency == q(e["agency"], 1), where
        assert agency_pct == (q(100 * e["agency"] / e["worked"], 1) if e["worked"] else None), where
        assert salaries == q(e["salaries"], 2), where
        assert per_fte == (q(Fraction(e["salaries"]) * 12 / n / (Fraction(e["fte_sum"]) / n), 0)
                           if e["fte_sum"] else None), where
        checked_sick += sick is not None and sick > 0
    assert checked_sick > 20
    assert published_differs(sql, "staff_resources_yearly", ("area_code", "year", "service_code"),
                             ("employees_n", "sick_absence_pct", "salaries_per_fte_eur", "turnover_pct")) == 0


def test_staff_figures_are_plausible(sql):
    """Sick leave near Keva's 15.5 days a year (about 4-7 % of working days), FTE per 1 000 residents
    within the 32-53 staff per 1 000 the municipalities had in 2022 (THL), and the county share of 24-hour
    unit-weeks meeting the minimum near THL's 93-95 %."""
    sick, fte = sql("""select sick_absence_pct, fte_per_1000 from disclosure.dsc_staff_resources_yearly
                       where area_code = 'all' and service_code = 'all' and year = 2024""")[0]
    assert 3 <= sick <= 8, sick
    assert 25 <= fte <= 60, fte
    share = sql("""select 100.0 * sum(units_meeting_minimum_n) / sum(units_judged_n)
                   from disclosure.dsc_staffing_ratio_weekly
                   where area_code = 'all' and unit_oid = 'all' and is_final and week_start < date '2025-01-01'""")[0][0]
    assert 80 <= share <= 99, share


def test_staff_pseudonyms_are_never_a_client_s(sql):
    """Staff identity codes land as keyed pseudonyms in a domain of their own: none equals a client's
    pseudonym (the generator draws some staff codes equal to residents' codes, test_generator), and
    no staff table holds anything shaped like an identity code."""
    staff = {p for (p,) in sql("select distinct staff_pseudonym from business_vault.bv_employment")}
    assert len(staff) > 100 and all(len(p) == 64 for p in staff)
    persons = sql("""select count(*) from raw_vault.hub_person h
                     where h.person_pseudonym = any(%s)""", (list(staff),))[0][0]
    assert persons == 0
    for table in ("sarastia_palvelussuhteet", "titania_tyontekijat", "titania_vuorot", "titania_poissaolot"):
        clear = sql(f"""select count(*) from raw.{table} t
                        where to_jsonb(t)::text ~ '[0-9]{{6}}[-+A-FU-Y][0-9]{{3}}[0-9A-Y]'""")[0][0]
        assert clear == 0, table

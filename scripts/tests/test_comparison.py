"""End to end (issue 22): the comparison with published figures, recomputed in plain Python from the raw
patient-system tables and the published-figures seed, and honest labels in the default warehouse
(several counties, not the whole country)."""

import csv
import datetime as dt
from collections import Counter

import pytest

import raw_recompute as rr
from raw_recompute import TOTAL
from virta.generate.core import DEFAULT_SAMPLE
from virta.paths import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def seed_figures(indicator, period_start):
    with (PROJECT_ROOT / "seeds/reference/ref_published_figures.csv").open(encoding="utf-8") as f:
        return {r["area_code"]: float(r["value"]) for r in csv.DictReader(f)
                if r["published_indicator_id"] == indicator and r["period_start"] == period_start}


def test_the_default_warehouse_calls_no_total_the_whole_country(sql):
    """Six counties are not Finland: the total row is named for what it adds up, and FI is only the
    area of the published figures."""
    total = sql("select area_name_en, area_name_fi, counties_n, is_whole_country from marts.mart_area "
                "where area_code = %s", (TOTAL,))
    n = len(DEFAULT_SAMPLE.counties)
    assert total == [(f"Areas in this warehouse ({n} of 22)", f"Tietovaraston alueet yhteensä ({n}/22)", n, False)]
    tables = [t for (t,) in sql("""select table_name from information_schema.columns
                                   where table_schema = 'marts' and column_name = 'area_code'
                                     and table_name not in ('mart_area', 'mart_indicator_comparison')""")]
    named_fi = [t for t in tables if sql(f"select count(*) from marts.{t} where area_code = 'FI'")[0][0]]
    assert tables and named_fi == []
    levels = {lvl for t in tables for (lvl,) in sql(f"select distinct area_level from marts.{t}")}
    assert levels <= {"county", "total"}, levels


def test_doctor_visits_over_7_days_beside_sotkanet_match_the_raw_visits(sql):
    """Each county's and the total's share of non-urgent general-practice doctor visits over 7 days in
    2024, recomputed from the raw visits, beside Sotkanet 6411: the county's own published figure,
    the country's, the range and the place among the published counties."""
    months = {m for (m,) in sql("select month from business_vault.bv_reporting_month")}
    visits, over = Counter(), Counter()
    for v in rr.primary_care_visits(sql):
        a = v["assessment"]
        if (a is None or a["urgency"] != "NONURGENT" or v["line"] != "general_practice" or v["group"] != "doctor"
                or v["month"].year != 2024 or v["month"] not in months):
            continue
        for area in (v["county"], TOTAL):
            visits[area] += 1
            over[area] += a["wait"] > 7
    published = seed_figures("sotkanet_6411", "2024-01-01")
    counties = {a: x for a, x in published.items() if a != "FI"}
    rows = sql("""select area_code, value, n, value_status, published_value, national_value, published_county_min,
                         published_county_max, published_counties_n, place, places_n,
                         is_definition_different
                  from marts.mart_indicator_comparison
                  where published_indicator_id = 'sotkanet_6411' and period_start = '2024-01-01'""")
    assert sorted(r[0] for r in rows) == sorted([*DEFAULT_SAMPLE.counties, TOTAL])
    shown = 0
    for area, value, n, status, own_published, national, low, high, n_published, place, among, differs in rows:
        assert (float(national), float(low), float(high), n_published) == (
            published["FI"], min(counties.values()), max(counties.values()), 22)
        # the total of six counties is not FI: it has no published figure of its own
        assert (None if own_published is None else float(own_published)) == (counties[area] if area != TOTAL else None)
        assert differs is False
        if status != "shown":
            assert status == "withheld" and value is None and place is None
            continue
        shown += 1
        # the mart adds up months rounded to 0.1: within 0.1 of the share of the visits themselves
        assert n == visits[area]
        assert abs(float(value) - rr.pct(over[area], visits[area])) <= 0.1, (area, value, over[area], visits[area])
        if area == TOTAL:
            assert place is None and among is None
        else:
            better = sum(1 for c, x in counties.items() if c != area and x < float(value))
            assert (place, among) == (1 + better, 22), area
    assert shown >= 3


def test_a_period_the_data_does_not_reach_shows_the_published_figure_alone(sql):
    rows = sql("""select distinct value_status, value is null, is_complete_period, national_value
                  from marts.mart_indicator_comparison
                  where published_indicator_id = 'sotkanet_6411' and period_start = '2021-01-01'""")
    assert [(*r[:3], float(r[3])) for r in rows] == [
        ("period_not_covered", True, False, seed_figures("sotkanet_6411", "2021-01-01")["FI"])]
    assert dt.date(2021, 1, 1) < DEFAULT_SAMPLE.start

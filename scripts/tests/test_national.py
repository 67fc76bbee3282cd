"""End to end (issue 22): one warehouse loaded first with a single county, then with all 22 areas.

A county's own warehouse sees the whole country only through the published figures, and never
calls its own total the country; with every county loaded, the total is the whole country
(computed) and the counties rank 1..22."""

import pytest

from conftest import query_function, run_virta, throwaway_env

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    env = throwaway_env(tmp_path_factory, "virta-national")
    yield env
    run_virta(["db", "stop"], env, check=False)


def ranked_columns(sql):
    return sql("""select table_name, column_name from information_schema.columns
                  where table_schema = 'marts' and column_name like '%%\\_rank'
                    and table_name <> 'mart_indicator_comparison'""")


def test_a_single_county_sees_the_country_only_in_the_published_figures(env):
    run_virta(["run", "--counties", "20", "--scale", "0.05", "--skip-docs"], env, timeout=1800)
    sql, close = query_function(env)
    try:
        assert sql("select area_name_en, counties_n, is_whole_country from marts.mart_area where area_code = 'all'") == [
            ("Areas in this warehouse (1 of 22)", 1, False)]
        # the county's own value beside the published national value, range and place
        rows = sql("""select area_code, value, published_value, national_value, published_county_min,
                             published_county_max, published_counties_n, place, places_n
                      from marts.mart_indicator_comparison
                      where published_indicator_id = 'sotkanet_6411' and period_start = '2024-01-01'""")
        by_area = {r[0]: r[1:] for r in rows}
        assert sorted(by_area) == ["20", "all"]
        value, own, national, low, high, n, place, among = by_area["20"]
        assert value is not None and (float(own), float(national), float(low), float(high), n) == (
            27.1, 43.4, 21.1, 70.4, 22)
        assert among == 22 and 1 <= place <= 22
        assert by_area["all"][1] is None  # one county's total is not Finland: no published figure of its own
        # ranks among one county: never more than one
        for table, column in ranked_columns(sql):
            among = sql(f"select max({column.removesuffix('_rank')}_ranked_areas_n) from marts.{table}")[0][0]
            assert among in (None, 1), (table, column, among)
    finally:
        close()


def test_all_22_areas_make_the_whole_country_and_rank_1_to_22(env):
    # every county at 0.5 % of its size, in proportion: the total is the country in miniature
    run_virta(["run", "--counties", "all", "--scale", "0.005", "--skip-docs"], env, timeout=2400)
    sql, close = query_function(env)
    try:
        assert sql("select area_name_en, area_name_fi, counties_n, is_whole_country from marts.mart_area "
                   "where area_code = 'all'") == [("Whole country (computed)", "Koko maa (laskettu)", 22, True)]
        # the share of residents aged 75+ at the end of each year: every county ranked among 22, 1 the
        # highest (a neutral measure), ties sharing a place (1, 1, 3)
        rows = sql("""select year, aged_75_plus_pct, aged_75_plus_pct_rank, aged_75_plus_pct_ranked_areas_n
                      from marts.mart_population_structure_yearly where area_level = 'county'""")
        years = {y for y, *_ in rows}
        assert years and len(rows) == 22 * len(years)
        for year in years:
            shares = [(float(pct), rank, among) for y, pct, rank, among in rows if y == year]
            assert {among for *_, among in shares} == {22}
            assert sorted(rank for _, rank, _ in shares)[0] == 1
            assert all(rank == 1 + sum(other > pct for other, _, _ in shares) for pct, rank, _ in shares), year
        # the computed total is the whole country: its published figure is FI's, and the computed
        # national share of doctor visits over 7 days in 2024 lies within the stated tolerance (plus
        # three standard errors of a share) of the published one
        [(value, n, status, own, national)] = sql("""
            select value, n, value_status, published_value, national_value from marts.mart_indicator_comparison
            where area_code = 'all' and published_indicator_id = 'sotkanet_6411' and period_start = '2024-01-01'""")
        assert status == "shown" and own == national
        [(tolerance,)] = sql("""select calibration_tolerance from reference.ref_published_indicator_map
                                where published_indicator_id = 'sotkanet_6411'""")
        share = float(value) / 100
        allowed = float(tolerance) + 3 * 100 * (share * (1 - share) / float(n)) ** 0.5
        assert abs(float(value) - float(national)) <= allowed, (value, national, n, allowed)
    finally:
        close()

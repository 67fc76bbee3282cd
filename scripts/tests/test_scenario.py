"""End to end: the population projection and the service-need scenario (issue 21, item 4)
recomputed in plain Python: residents by age band from the raw population register, growth from
the projection seed's CSV, and the scenario from the published users and costs it reads."""

import csv
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
import yaml

import raw_recompute as rr
from virta.paths import PROJECT_ROOT

pytestmark = pytest.mark.e2e

VARS = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]
TOTAL = VARS["total_area_code"]  # the marts' row over every county of the warehouse


def band_of(age):
    lows = VARS["projection_age_bands"]
    low = max(b for b in lows if b <= age)
    i = lows.index(low)
    return f"{low}+" if i == len(lows) - 1 else f"{low}-{lows[i + 1] - 1}"


def rounded(value, places=0):
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def projection():
    """{(county, year, band): (residents of its projection area, area, level)} from the seeds' CSVs."""
    with (PROJECT_ROOT / "seeds/reference/ref_population_projection_areas.csv").open(encoding="utf-8") as fh:
        areas = {r["county_code"]: (r["projection_area_code"], r["projection_area_level"]) for r in csv.DictReader(fh)}
    by_area = defaultdict(int)
    with (PROJECT_ROOT / "seeds/reference/ref_population_projection.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            for column, n in r.items():
                if column.startswith("age_"):
                    age = 100 if column == "age_100_plus" else int(column[4:])
                    for band in (band_of(age), "all"):
                        by_area[(r["projection_area_code"], int(r["year"]), band)] += int(n)
    return {(county, year, band): (n, area, level)
            for county, (area, level) in areas.items()
            for (a, year, band), n in by_area.items() if a == area}


@pytest.fixture
def expected_projection(sql):
    """The projection mart's rows recomputed, {(area, year, band): (base, index, projected, official)},
    and the base year."""
    seeds = projection()
    (base_year,) = {y for (y,) in sql("select distinct base_year from marts.mart_population_projection_yearly")}
    complete = {y for (y,) in sql("""select distinct year from marts.mart_service_users_by_age_yearly
                                     where is_complete_period""")}
    assert base_year == max(complete & {y for _, y, _ in seeds})
    (year_end,) = sql(f"""select max(month_end) from business_vault.bv_reporting_month
                          where extract(year from month) = {base_year}""")[0]
    assert year_end == dt.date(base_year, 12, 31)
    by_band = rr.residents_at_month_ends(sql, [year_end], band=band_of)
    base = defaultdict(int)
    for (area, _, band), n in by_band.items():
        base[(area, band)] += n
        base[(area, "all")] += n
    years = range(base_year, VARS["scenario_last_year"] + 1)
    out, total = {}, defaultdict(Decimal)
    counties = {a for a, _ in base if a != TOTAL}
    for county in counties:
        for year in years:
            for band in {b for a, b in base if a == county}:
                n, _, level = seeds[(county, year, band)]
                index = Decimal(n) / Decimal(seeds[(county, base_year, band)][0])
                out[(county, year, band)] = (base[(county, band)], rounded(index, 4),
                                             rounded(base[(county, band)] * index),
                                             n if level == "county" else None)
                total[(year, band)] += base[(county, band)] * index
    for (year, band), grown in total.items():
        out[(TOTAL, year, band)] = (base[(TOTAL, band)], rounded(grown / base[(TOTAL, band)], 4),
                                      rounded(grown), None)
    return out, base_year


def test_the_population_projection_is_the_registers_residents_grown_by_the_seed(sql, expected_projection):
    expected, _ = expected_projection
    published = {(a, y, b): (base, idx, proj, off) for a, y, b, base, idx, proj, off in sql("""
        select area_code, year, age_band, base_residents_n, growth_index, projected_residents_n,
               official_residents_n
        from marts.mart_population_projection_yearly""")}
    assert published == expected
    # the 75+ of the years ahead: both older bands grow in every county of the sample by 2040
    for (area, year, band), (base, _, projected, _) in published.items():
        if year == VARS["scenario_last_year"] and band in ("75-84", "85+"):
            assert projected > base, (area, band)


def test_the_scenario_grows_the_published_users_and_costs_band_by_band(sql, expected_projection):
    """Withheld bands and users of unknown age grow with the whole population of the area; every
    band by its growth_index as mart_population_projection_yearly publishes it."""
    users = defaultdict(dict)
    for area, year, package, band, n in sql("""
            select area_code, year, package_code, age_band, users_n
            from marts.mart_service_users_by_age_yearly where is_complete_period"""):
        users[(area, year, package)][band] = n
    with (PROJECT_ROOT / "seeds/reference/ref_aura_service_classes.csv").open(encoding="utf-8") as fh:
        package_of = {r["service_code"]: r["package_code"] for r in csv.DictReader(fh)}
    costs = defaultdict(list)
    for area, year, service, net_eur in sql("""
            select area_code, year, service_code, net_eur
            from marts.mart_cost_per_unit_yearly where is_complete_period"""):
        if service in package_of:
            costs[(area, year, package_of[service])].append(net_eur)
    # the scenario grows by the published growth_index (4 decimals), recomputed in the fixture
    rows, base_year = expected_projection
    index = {key: row[1] for key, row in rows.items()}
    expected = {}
    for (area, year, package), bands in users.items():
        if year != base_year:
            continue
        total = bands.get("all")
        for y in range(base_year, VARS["scenario_last_year"] + 1):
            if total is None:
                projected = None
            else:
                known = {b: n for b, n in bands.items()
                         if b not in ("all", "unknown") and n is not None and (area, y, b) in index}
                projected = (sum(n * index[(area, y, b)] for b, n in known.items())
                             + (total - sum(known.values())) * index[(area, y, "all")])
            net = costs.get((area, year, package))
            net = sum(net) if net and None not in net else None
            expected[(area, y, package)] = (
                total,
                None if projected is None else rounded(projected),
                None if projected is None else rounded(projected / total, 4),
                None if net is None or projected is None else rounded(net * projected / total, 2))
    published = {(a, y, p): (base, proj, idx, eur) for a, y, p, base, proj, idx, eur in sql("""
        select area_code, year, package_code, base_users_n, projected_users_n, users_index, projected_net_eur
        from marts.mart_service_need_scenario_yearly""")}
    diff = {k: (published.get(k), expected.get(k)) for k in set(published) | set(expected)
            if published.get(k) != expected.get(k)}
    assert not diff, sorted(diff.items())[:10]
    assert any(v[3] is not None for v in published.values())


def test_users_by_age_add_up_to_the_service_users_mart(sql):
    by_age = defaultdict(dict)
    for area, year, package, band, n in sql("""
            select area_code, year, package_code, age_band, users_n from marts.mart_service_users_by_age_yearly"""):
        by_age[(area, year, package)][band] = n
    totals = {(a, y, p): n for a, y, p, n in sql("""
        select area_code, year, package_code, users_n from marts.mart_service_users_yearly""")}
    assert set(by_age) == set(totals)
    checked = 0
    for key, bands in by_age.items():
        # the same people: published alike and withheld alike (links in both marts' meta)
        assert bands["all"] == totals[key], key
        parts = [n for b, n in bands.items() if b != "all"]
        if bands["all"] is not None and None not in parts:
            assert sum(parts) == bands["all"], key
            checked += 1
    assert checked > len(by_age) / 2
    # a package of one service: its clients in the unit-cost mart are the package's users
    with (PROJECT_ROOT / "seeds/reference/ref_aura_service_classes.csv").open(encoding="utf-8") as fh:
        services = defaultdict(set)
        for r in csv.DictReader(fh):
            services[r["package_code"]].add(r["service_code"])
    only = {next(iter(s)): p for p, s in services.items() if len(s) == 1}
    compared = 0
    for area, year, service, clients, only_one in sql("""
            select area_code, year, service_code, clients_n, is_only_service_of_package
            from marts.mart_cost_per_unit_yearly"""):
        assert only_one == (service in only), service
        if service in only and (area, year, only[service]) in totals:
            assert clients == totals[(area, year, only[service])], (area, year, service)
            compared += 1
    assert compared


def test_primary_and_oral_care_users_by_age_recomputed_from_raw(sql):
    """The base year's users of the primary-care and oral-care packages per age band, from the raw
    visits of both patient systems: completed visits mapped to services by ref_aura_activity_map,
    people by their age at the year's end, once per county and once in the total of the counties."""
    with (PROJECT_ROOT / "seeds/reference/ref_aura_activity_map.csv").open(encoding="utf-8") as fh:
        service_of = {r["activity_attribute"]: r["service_code"] for r in csv.DictReader(fh)
                      if r["activity_source"] == "primary_care_visit"}
    with (PROJECT_ROOT / "seeds/reference/ref_aura_service_classes.csv").open(encoding="utf-8") as fh:
        package_of = {r["service_code"]: r["package_code"] for r in csv.DictReader(fh)}
    (year,) = {y for (y,) in sql("select distinct base_year from marts.mart_service_need_scenario_yearly")}
    year_end = dt.date(year, 12, 31)
    people = defaultdict(set)
    for v in rr.primary_care_visits(sql):
        service = service_of.get(f"{v['line']}:{v['group']}")
        if service is None or v["month"].year != year:
            continue
        package = package_of[service]
        band = band_of(rr.age(v["born"], year_end)) if v["born"] <= year_end else "unknown"
        for area in (v["county"], TOTAL):
            people[(area, package, band)].add(v["person"])
            people[(area, package, "all")].add(v["person"])
    packages = sorted({p for _, p, _ in people})
    assert len(packages) == 2  # primary care and oral care
    published = {(a, p, b): n for a, p, b, n in sql(f"""
        select area_code, package_code, age_band, users_n from marts.mart_service_users_by_age_yearly
        where year = {year} and package_code in ({", ".join(f"'{p}'" for p in packages)})""")}
    expected = {k: len(v) for k, v in people.items()}
    # bands nobody used are published zeros; withheld cells are blank
    shown = {k: n for k, n in published.items() if n is not None and n > 0}
    assert shown == {k: n for k, n in expected.items() if published.get(k) is not None}
    assert len(shown) > 20
    assert sum(1 for k in expected if published.get(k) is None) <= len(expected) // 10

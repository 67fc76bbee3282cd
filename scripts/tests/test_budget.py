"""End to end: budget vs actual (issue 23, item 4) recomputed in plain Python: the direct net cost of
each county's services from the raw ledger line by line, beside the budget seed's CSV."""

import csv
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest

import raw_recompute as rr
from virta.paths import PROJECT_ROOT

pytestmark = pytest.mark.e2e


def test_budget_vs_actual_recomputed_from_the_ledger_and_the_budget_seed(sql):
    """For every county, year and service: net_eur is the ledger's direct net cost (unmapped lines and
    allocations left out), budget_eur the seed's, and the variance the cost less the budget for the
    months the data covers."""
    months = {m for (m,) in sql("select month from business_vault.bv_reporting_month")}
    by_service, _ = rr.costs_by_service(sql)
    actual = defaultdict(Decimal)
    for (county, month, service), amount in by_service.items():
        if month in months and service != "unmapped":
            actual[(county, month.year, service)] += amount
    with (PROJECT_ROOT / "seeds/reference/ref_cost_budget.csv").open(encoding="utf-8") as fh:
        budget = {(r["county_code"], int(r["year"]), r["service_code"]): Decimal(r["budget_eur"])
                  for r in csv.DictReader(fh)}
    months_in = defaultdict(int)
    for m in months:
        months_in[m.year] += 1
    cells = sql("""select area_code, year, service_code, months_n, budget_eur, net_eur, variance_eur
                   from disclosure.dsc_budget_vs_actual_yearly where area_level = 'county' and service_code <> 'all'""")
    assert len(cells) > 100
    cent = Decimal("0.01")
    for county, year, service, months_n, budget_eur, net_eur, variance in cells:
        key = (county, year, service)
        assert months_n == months_in[year]
        assert budget_eur == budget.get(key), key
        expected = actual.get(key)
        assert net_eur == (expected.quantize(cent, rounding=ROUND_HALF_UP) if expected is not None else None), key
        if expected is not None and budget_eur is not None:
            to_date = budget_eur * months_n / 12
            assert abs(variance - (expected - to_date)) <= cent, key
    # each county's row over all services: the sums, and the share of the year's budget used
    for county, year, budget_eur, net_eur, used_pct in sql("""
            select area_code, year, budget_eur, net_eur, budget_used_pct from disclosure.dsc_budget_vs_actual_yearly
            where area_level = 'county' and service_code = 'all'"""):
        spent = sum(v for (c, y, _), v in actual.items() if (c, y) == (county, year))
        planned = sum(v for (c, y, _), v in budget.items() if (c, y) == (county, year))
        assert budget_eur == planned and net_eur == spent.quantize(cent, rounding=ROUND_HALF_UP), (county, year)
        assert used_pct == (100 * spent / planned).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), (county, year)
    # every county-year-service with a cost or a budget has its row
    assert {(c, y, s) for c, y, s, *_ in cells} == {k for k in set(actual) | set(budget) if k[1] in months_in}

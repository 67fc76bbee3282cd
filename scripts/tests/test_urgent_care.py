"""End to end: urgent and non-urgent social services (SHL § 45, issue 23). Every cell of
dsc_social_service_start_by_urgency_yearly (the published mart's cells before disclosure control) is
recomputed in plain Python from raw.procons_asiat, raw.procons_paatokset and raw.org_units: the
granted services by year of initiation, case group and urgency, the days to their start, and the
non-urgent share started within 3 months of the initiation."""

import calendar
import datetime as dt
import math
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest

import raw_recompute as rr
from raw_recompute import TOTAL

pytestmark = pytest.mark.e2e


def add_months(day: dt.date, n: int) -> dt.date:
    """laki 150/1930 § 3: the same-numbered day, else the month's last day."""
    month = day.month - 1 + n
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _round1(value):
    return None if value is None else float(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _percentile(values, q):
    """PostgreSQL's percentile_cont: linear between the two nearest ranks."""
    values = sorted(values)
    h = q * (len(values) - 1)
    lo = math.floor(h)
    hi = min(lo + 1, len(values) - 1)
    return Decimal(values[lo]) + (Decimal(h) - lo) * (values[hi] - values[lo])


def assert_cells_match(sql, table, dims, expected):
    """Every cell of a disclosure.dsc_* table, keyed by `dims`, equals the recompute (counts as ints,
    the rest as floats), and there is no cell more or less."""
    columns = list(next(iter(expected.values())))
    mart = {tuple(row[:len(dims)]): {c: None if v is None else int(v) if c.endswith("_n") else float(v)
                                     for c, v in zip(columns, row[len(dims):])}
            for row in sql(f"select {', '.join(dims + columns)} from disclosure.{table}")}
    assert mart.keys() == expected.keys()
    for k in sorted(expected):
        assert mart[k] == expected[k], k


def expected_cells(sql):
    months = {m for (m,) in sql("select month from business_vault.bv_reporting_month")}
    as_of = sql("select as_of_date from business_vault.bv_data_as_of")[0][0]
    cases = rr.social_cases(sql)
    cells = defaultdict(lambda: {"days": [], "granted_n": 0, "judged": 0, "met": 0})
    for d in rr.social_decisions(sql).values():
        if (d["ratkaisu"] or "").strip().upper() != "MYONTEINEN":
            continue
        case = cases.get(d["asia_id"].strip())
        if case is None or case["county"] is None or case["initiated"].replace(day=1) not in months:
            continue
        group = rr.SOCIAL_CASE_GROUPS.get(case["group"], "unknown")
        urgency = "urgent" if case["urgent"] else "non_urgent"
        started = rr.dmy(d["palvelun_alkamispvm"])
        due = add_months(case["initiated"], 3)
        for area in (case["county"], TOTAL):
            for g in (group, "all"):
                for u in (urgency, "all"):
                    c = cells[(area, case["initiated"].year, g, u)]
                    c["granted_n"] += 1
                    if started is not None:
                        c["days"].append((started - case["initiated"]).days)
                    if urgency == "non_urgent" and (started is not None or due < as_of):
                        c["judged"] += 1
                        c["met"] += started is not None and started <= due
    out = {}
    for k, c in cells.items():
        days = c["days"]
        out[k] = {"granted_n": c["granted_n"], "started_n": len(days), "waiting_n": c["granted_n"] - len(days),
                  "days_to_start_median": _round1(_percentile(days, 0.5)) if days else None,
                  "days_to_start_mean": _round1(Decimal(sum(days)) / len(days)) if days else None,
                  "days_to_start_p90": _round1(_percentile(days, 0.9)) if days else None,
                  "deadline_judged_n": c["judged"], "deadline_met_n": c["met"],
                  "within_deadline_pct": rr.pct(c["met"], c["judged"]) if c["judged"] else None}
    return out


def test_service_starts_by_urgency_recomputed_from_raw_tables(sql):
    expected = expected_cells(sql)
    assert_cells_match(sql, "dsc_social_service_start_by_urgency_yearly", ["area_code", "year", "case_group", "urgency"],
                       expected)
    # urgent services are there, started, and judged by no rule; non-urgent ones are judged
    urgent = [v for (a, _, g, u), v in expected.items() if a == TOTAL and g == "all" and u == "urgent"]
    assert sum(v["started_n"] for v in urgent) > 0 and all(v["deadline_judged_n"] == 0 for v in urgent)
    non_urgent = [v for (a, _, g, u), v in expected.items() if a == TOTAL and g == "all" and u == "non_urgent"]
    assert sum(v["deadline_judged_n"] for v in non_urgent) > 0


URGENCY = {"URGENT": "urgent", "NONURGENT": "non_urgent"}


def test_primary_care_urgency_recomputed_from_raw_tables(sql):
    """dsc_primary_care_urgency_monthly: completed, not deleted visits after an accepted need
    assessment, from the three patient-record layouts, by month, service line and urgency (each also
    'all'): counts, the share the same day and by the next day, median, mean and p90 of the wait."""
    months = {m for (m,) in sql("select month from business_vault.bv_reporting_month")}
    waits = defaultdict(list)
    for v in rr.primary_care_visits(sql):
        a = v["assessment"]
        if a is None or v["month"] not in months:
            continue
        urgency = URGENCY.get(a["urgency"], "unknown")
        for area in (v["county"], TOTAL):
            for line in (v["line"] or "unknown", "all"):
                for u in (urgency, "all"):
                    waits[(area, v["month"], line, u)].append(a["wait"])
    expected = {k: {"visits_n": len(w), "within_0d_n": sum(d <= 0 for d in w), "within_1d_n": sum(d <= 1 for d in w),
                    "within_0d_pct": rr.pct(sum(d <= 0 for d in w), len(w)),
                    "within_1d_pct": rr.pct(sum(d <= 1 for d in w), len(w)),
                    "wait_days_median": _round1(_percentile(w, 0.5)),
                    "wait_days_mean": _round1(Decimal(sum(w)) / len(w)),
                    "wait_days_p90": _round1(_percentile(w, 0.9))} for k, w in waits.items()}
    assert_cells_match(sql, "dsc_primary_care_urgency_monthly", ["area_code", "month", "service_line", "urgency"],
                       expected)
    # urgent care is seen sooner than non-urgent in the sample, and both are there
    def next_day_share(urgency):
        cells = [v for (a, _, line, u), v in expected.items() if (a, line, u) == (TOTAL, "all", urgency)]
        return sum(v["within_1d_n"] for v in cells) / sum(v["visits_n"] for v in cells)

    assert next_day_share("urgent") > next_day_share("non_urgent") > 0

"""`virta report`: the county report site. The plan is checked on a small hand-made input; the site
`virta run` wrote is opened in headless Chromium (Debian's, driven by Playwright): every page renders
every chart without an error, and the data each chart holds equals the published marts, read here
with SQL of the test's own."""

from decimal import Decimal
from pathlib import Path

import pytest

from virta import report
from virta.errors import VirtaError


def _data() -> report.Data:
    ind = {"indicator_id": "x_pct", "use_case": "access_to_care", "series_mart": "mart_access_indicator_monthly",
           "name_fi": "X fi", "name_sv": "X sv", "name_en": "X en", "unit": "percent", "better": "higher",
           "legal_target": 100.0, "legal_basis": "TTL", "formula": "f", "source_mart": "m"}
    row = {"indicator_id": "x_pct", "area_level": "county", "n": 10, "is_suppressed": False}
    series = [
        {**row, "area_code": "20", "month": "2025-04-01", "value": 80.0, "is_complete_period": True},
        {**row, "area_code": "20", "month": "2025-05-01", "value": None, "is_complete_period": True},
        {**row, "area_code": "20", "month": "2025-06-01", "value": 99.0, "is_complete_period": False},
        {**row, "area_code": "all", "area_level": "total", "month": "2025-04-01", "value": 90.0,
         "is_complete_period": True},
        {**row, "area_code": "90", "month": "2025-04-01", "value": 95.0, "is_complete_period": True},
    ]
    forecasts = [{"indicator_id": "x_pct", "area_code": "20", "month": "2025-07-01", "row_type": "forecast",
                  "actual_value": None, "forecast_value": 85.0, "forecast_lower_95": 70.0,
                  "forecast_upper_95": 100.0, "backtest_mae": 6.0}]
    areas = {c: {"area_code": c, "area_name_fi": f"{c} fi", "area_name_sv": f"{c} sv", "area_name_en": f"{c} en"}
             for c in ("all", "20", "90")}
    return report.Data(areas, [ind], series, forecasts)


def test_the_current_value_is_the_latest_complete_month_with_a_published_value():
    data = _data()
    # 2025-05 is withheld and 2025-06 not over: the current value is April's
    assert report.current_value(data, "x_pct", "20")["month"] == "2025-04-01"
    pages = report.plan(data, ["20"])
    assert [(p.area_code, p.lang) for p in pages] == [("20", "fi"), ("20", "en")]
    row = pages[1].sections[0]["rows"][0]
    assert (row["current"]["value"], row["total"]["value"], row["status"]) == (80.0, 90.0, "short of target by 20.0 %-points")
    comparison = pages[1].sections[0]["cards"][0]["comparison"]["data"][0]
    assert list(zip(comparison["customdata"], comparison["y"])) == [("all", 90.0), ("90", 95.0), ("20", 80.0)]
    trend = {t["meta"]["kind"]: t for t in pages[1].sections[0]["cards"][0]["trend"]["data"]}
    assert trend["forecast_lower_95"]["y"] == [70.0] and trend["forecast"]["y"] == [85.0]


def test_a_withheld_month_is_a_gap_in_the_line_and_finnish_pages_use_a_decimal_comma():
    data = _data()
    data.forecasts += [
        {"indicator_id": "x_pct", "area_code": "20", "month": m, "row_type": "actual", "actual_value": v,
         "forecast_value": None, "forecast_lower_95": None, "forecast_upper_95": None, "backtest_mae": 6.0}
        for m, v in (("2025-03-01", 70.0), ("2025-05-01", 75.0))]
    actual = next(t for t in report.trend_figure(data, data.indicators[0], "20", "en")["data"]
                  if t["meta"]["kind"] == "actual" and t["meta"]["area_code"] == "20")
    assert list(zip(actual["x"], actual["y"])) == [("2025-03-01", 70.0), ("2025-04-01", None), ("2025-05-01", 75.0)]
    fi = report.plan(data, ["20"])[0]
    assert fi.sections[0]["rows"][0]["status"] == "jää tavoitteesta 20,0 %-yks."
    assert "80,0 %" in report.render(fi, data, "2026-11-30")


def test_the_report_never_replaces_a_folder_it_did_not_write(tmp_path):
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "thesis.txt").write_text("keep me")
    with pytest.raises(VirtaError, match="not a report"):
        report.write(_data(), mine, ["20"])
    assert (mine / "thesis.txt").read_text() == "keep me"
    site = tmp_path / "site"
    report.write(_data(), site, ["20"])
    written = report.write(_data(), site, ["20"])  # its own folder is replaced whole
    assert sorted(p.relative_to(site).as_posix() for p in written) == ["en/20.html", "fi/20.html", "index.html"]
    assert 'href="fi/90.html"' not in (site / "index.html").read_text()  # only the areas written are linked


def test_an_area_without_data_is_refused():
    with pytest.raises(VirtaError, match="no published series"):
        report.plan(_data(), ["05"])


def test_the_page_names_the_area_in_its_language_and_links_only_inside_the_site():
    data = _data()
    fi, en = report.plan(data, ["20"])
    html = report.render(en, data, "2026-11-30")
    assert "20 en" in html and "20 fi" not in html and 'href="../fi/20.html"' in html
    assert "http://" not in html and "https://" not in html
    assert "20 fi" in report.render(fi, data, "2026-11-30")


# --- the site `virta run` wrote, in a real browser ---

@pytest.fixture(scope="module")
def site(warehouse):
    env, _ = warehouse
    return env, Path(env["DBT_TARGET_PATH"]) / "report"


def _fetch_all(sql, text, params=None):
    return [tuple(float(v) if isinstance(v, Decimal) else v for v in row) for row in sql(text, params)]


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


@pytest.mark.e2e
def test_virta_run_writes_a_page_per_area_and_language(site, sql):
    _, root = site
    areas = {a for (a,) in sql("select distinct area_code from marts.mart_access_indicator_monthly")}
    assert {p.stem for p in (root / "fi").glob("*.html")} == areas
    assert {p.stem for p in (root / "en").glob("*.html")} == areas
    assert (root / "plotly.min.js").stat().st_size > 1_000_000  # the site carries its chart library


@pytest.mark.e2e
def test_every_page_renders_and_its_charts_hold_the_marts_figures(site, sql, tmp_path):
    from playwright.sync_api import sync_playwright

    from virta import docs_check

    assert docs_check.chromium(), "no Chromium: .ci/run installs Debian's chromium"
    _, root = site
    catalogue = {r[0]: r[1] for r in sql("select indicator_id, series_mart from marts.mart_indicator_catalogue")}
    pages = sorted(root.glob("*/*.html"))
    checked = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=docs_check.chromium(),
                                     args=[f for f in docs_check.CHROMIUM_FLAGS if f != "--headless"])
        try:
            for path in pages:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                errors = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
                page.goto(path.as_uri())
                page.wait_for_function(
                    "document.querySelectorAll('div.plot').length > 0 && Array.from("
                    "document.querySelectorAll('div.plot')).every(el => el.querySelector('svg.main-svg'))",
                    timeout=60000)
                assert errors == [], f"{path}: {errors}"
                charts = page.evaluate("""Array.from(document.querySelectorAll('div.plot')).map(el => ({
                    id: el.id, traces: el.data.map(t => ({x: t.x, y: t.y, meta: t.meta, customdata: t.customdata}))}))""")
                area = path.stem
                for chart in charts:
                    for trace in chart["traces"]:
                        checked += _check_trace(sql, catalogue, area, trace)
                if path.parent.name == "en" and area == "20":
                    page.screenshot(path=str(tmp_path / "en_20.png"), full_page=True)
                page.close()
        finally:
            browser.close()
    assert checked > 100


def _check_trace(sql, catalogue, area, trace) -> int:
    """Compare one chart trace with the marts; returns how many values it compared."""
    meta = trace["meta"]
    kind = meta["kind"]
    if kind == "comparison":
        series = catalogue[meta["indicator_id"]]
        expected = dict(_fetch_all(sql, f"select area_code, value from marts.{series} where indicator_id = %s and "
                                        "month = %s and value is not null", (meta["indicator_id"], meta["month"])))
        assert dict(zip(trace["customdata"], trace["y"])) == expected, meta
        assert area in expected  # the page's own area is in its comparison
        return len(expected)
    if kind == "deadline":
        for indicator, month, value in zip(trace["customdata"], meta["months"], trace["x"]):
            series = catalogue[indicator]
            rows = _fetch_all(sql, f"select value from marts.{series} where indicator_id = %s and area_code = %s "
                                   "and month = %s", (indicator, meta["area_code"], month))
            assert rows and rows[0][0] == value, (indicator, meta, value)
        # the area's current month is its latest complete one with a published value
        if meta["area_code"] == area:
            for indicator, month in zip(trace["customdata"], meta["months"]):
                series = catalogue[indicator]
                latest = sql(f"select max(month) from marts.{series} where indicator_id = %s and area_code = %s and "
                             "is_complete_period and value is not null", (indicator, area))[0][0]
                assert _iso(latest) == month, indicator
        return len(trace["x"])
    forecast_mart = report.forecast_mart(catalogue[meta["indicator_id"]])
    column, row_type = {"actual": ("actual_value", "actual"), "forecast": ("forecast_value", "forecast"),
                        "forecast_lower_95": ("forecast_lower_95", "forecast"),
                        "forecast_upper_95": ("forecast_upper_95", "forecast")}[kind]
    expected = _fetch_all(sql, f"select month, {column} from marts.{forecast_mart} where indicator_id = %s and "
                               "area_code = %s and row_type = %s order by month",
                          (meta["indicator_id"], meta["area_code"], row_type))
    # a month without a row, or a blank value (no interval without a back-test), is a gap in the line
    drawn = [(x, y) for x, y in zip(trace["x"], trace["y"]) if y is not None]
    assert drawn == [(_iso(m), v) for m, v in expected if v is not None], meta
    return len(drawn)

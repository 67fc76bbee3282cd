"""`virta report`: a static site per area, in Finnish and English, from the published marts only.

For each use case with an indicator series (access to care, access to social services, costs) a page
shows every headline indicator of the registry (marts.mart_indicator_catalogue):

- the current value (the latest complete month the marts publish for the area) against the legal
  target, and the value of all areas together (`all`) in the same month;
- the share meeting each legal deadline (the indicators whose legal target is 100 %), area against
  all areas together;
- the trend with the forecast and its 95 % interval (mart_*_indicator_forecast);
- the comparison with the other areas and their total in the same month.

Stages, each with one job: `fetch` reads the marts as the analyst role (nothing else is readable to
it, so nothing unpublished can reach a page); `plan` turns the rows into pages (every figure a chart
shows is a mart value, unchanged); `render` fills the HTML template; `write` writes the folder
(index.html, fi/<area>.html, en/<area>.html and plotly.min.js: no address outside the folder).
Every chart trace carries `meta` (indicator, area, kind), so a test can compare a rendered chart's
data with the marts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from virta.errors import VirtaError
from virta.privacy import project_vars

# The marts' total row over the counties loaded (var total_area_code): named "Whole country" only when
# the warehouse holds every county (bv_area), so the report labels it by its name in mart_area.
TOTAL = project_vars()["total_area_code"]

LANGUAGES = ("fi", "en")
USE_CASES = ("access_to_care", "access_to_social_services", "costs")

TEXT = {
    "fi": {
        "title": "Hyvinvointialueen seurantaraportti",
        "use_case": {"access_to_care": "Hoitoon pääsy", "access_to_social_services": "Palveluun pääsy (sosiaalipalvelut)",
                     "costs": "Kustannukset"},
        "current": "Nykytila lakisääteiseen tavoitteeseen verrattuna",
        "deadlines": "Lakisääteisen määräajan täyttävien osuus",
        "indicator": "Tunnusluku", "month": "Kuukausi", "value": "Arvo",
        "target": "Lain tavoite", "status": "Tilanne", "no_target": "laki ei aseta lukua",
        "meets": "täyttyy", "short": "jää tavoitteesta", "points": " %-yks.", "withheld": "ei julkaistu (pieni solu)",
        "no_value": "ei julkaistua arvoa",
        "trend": "Kehitys ja ennuste", "comparison": "Vertailu alueisiin",
        "actual": "toteutunut", "forecast": "ennuste", "interval": "95 %:n ennusteväli",
        "this_area": "tämä alue", "area": "Alue", "other_language": "In English", "areas": "Alueet",
        "legal_basis": "Lakiperuste", "formula": "Laskenta", "source": "Lähde",
        "read_me": ("Luvut ovat julkaistuista marteista (schema marts). Alle viiden henkilön solut ja niistä "
                    "pääteltävissä olevat solut on jätetty julkaisematta (tietosuoja). Nykytila on viimeisin "
                    "päättynyt kuukausi, jolta alueella on julkaistu arvo. Ennuste: menetelmä valitaan "
                    "sarjoittain takautuvin testein, ja jos mikään ei voita vertailukohtia (viimeisin arvo, "
                    "kuuden kuukauden keskiarvo), ennuste on vertailukohta; väli on menetelmän 95 %:n ennusteväli."),
        "as_of": "Tiedot", "generated": "Laadittu", "synthetic": "Synteettinen esimerkkiaineisto: ei todellisia henkilöitä.",
    },
    "en": {
        "title": "Wellbeing services county follow-up report",
        "use_case": {"access_to_care": "Access to care", "access_to_social_services": "Access to social services",
                     "costs": "Costs"},
        "current": "Current state against the legal target",
        "deadlines": "Share meeting each legal deadline",
        "indicator": "Indicator", "month": "Month", "value": "Value",
        "target": "Legal target", "status": "Status", "no_target": "no figure in law",
        "meets": "met", "short": "short of target by", "points": " %-points", "withheld": "withheld (small cell)",
        "no_value": "no published value",
        "trend": "Trend and forecast", "comparison": "Comparison with other areas",
        "actual": "actual", "forecast": "forecast", "interval": "95 % forecast interval",
        "this_area": "this area", "area": "Area", "other_language": "Suomeksi", "areas": "Areas",
        "legal_basis": "Legal basis", "formula": "Formula", "source": "Source",
        "read_me": ("Figures come from the published marts (schema marts). Cells of fewer than five people, and "
                    "cells they could be derived from, are withheld (disclosure control). The current state is "
                    "the latest complete month with a published value for the area. Forecast: the method is chosen "
                    "per series by back-tests, and where nothing beats the benchmarks (the last value, the mean "
                    "of six months) the forecast is the benchmark; the interval is the method's 95 % interval."),
        "as_of": "Data", "generated": "Generated", "synthetic": "Synthetic sample data: no real people.",
    },
}


@dataclass
class Data:
    """What the report reads: rows of the published marts, as plain Python values."""
    areas: dict[str, dict]
    indicators: list[dict]
    series: list[dict]  # the indicator series marts, every row
    forecasts: list[dict]  # the forecast marts, every row


@dataclass
class Page:
    area_code: str
    lang: str
    sections: list[dict] = field(default_factory=list)


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _rows(cur, sql: str) -> list[dict]:
    cur.execute(sql)
    names = [d[0] for d in cur.description]
    return [{n: _plain(v) for n, v in zip(names, row)} for row in cur.fetchall()]


def fetch(conn, schema: str = "marts") -> Data:
    """Read the catalogue, the areas, the series and forecast marts (as whoever `conn` is: the CLI
    connects as the analyst role)."""
    with conn.cursor() as cur:
        # the report is the analyst's: a login that reads the vault could put unpublished figures on a page
        vault = schema.removesuffix("marts") + "business_vault"
        cur.execute("select current_user, exists (select 1 from pg_namespace where nspname = %s "
                    "and has_schema_privilege(current_user, oid, 'USAGE'))", (vault,))
        user, reads_vault = cur.fetchone()
        if reads_vault:
            raise VirtaError(f"the report reads the published marts as the analyst role, and {user} reads {vault}",
                             hint="connect as virta_analyst (PGUSER on an external server)")
        indicators = _rows(cur, f"select * from {schema}.mart_indicator_catalogue order by use_case, indicator_id")
        for mart in {i["series_mart"] for i in indicators}:
            if not re.fullmatch(r"mart_[a-z0-9_]+", mart):
                raise VirtaError(f"mart_indicator_catalogue names a series mart {mart!r} that is not a mart")
        areas = {a["area_code"]: a for a in _rows(
            cur, f"select * from {schema}.mart_area where valid_to is null order by area_code")}
        series, forecasts = [], []
        for mart in sorted({i["series_mart"] for i in indicators}):
            series += _rows(cur, f"select indicator_id, area_code, area_level, month, n, value, is_suppressed, "
                                 f"is_complete_period from {schema}.{mart} order by indicator_id, area_code, month")
            forecasts += _rows(cur, f"select indicator_id, area_code, month, row_type, actual_value, forecast_value, "
                                    f"forecast_lower_95, forecast_upper_95, backtest_mae "
                                    f"from {schema}.{forecast_mart(mart)} order by indicator_id, area_code, month")
    return Data(areas, indicators, series, forecasts)


def forecast_mart(series_mart: str) -> str:
    return series_mart.removesuffix("_monthly") + "_forecast"


def report_areas(data: Data) -> list[str]:
    """The areas with a series: the counties of the data and their total."""
    codes = sorted({r["area_code"] for r in data.series})
    return sorted(codes, key=lambda c: (c != TOTAL, c))


def current_value(data: Data, indicator_id: str, area_code: str) -> dict | None:
    """The latest complete month with a published value for the area (None when there is none)."""
    rows = [r for r in data.series if r["indicator_id"] == indicator_id and r["area_code"] == area_code
            and r["is_complete_period"] and r["value"] is not None]
    return max(rows, key=lambda r: r["month"]) if rows else None


def value_in_month(data: Data, indicator_id: str, area_code: str, month: str) -> dict | None:
    for r in data.series:
        if r["indicator_id"] == indicator_id and r["area_code"] == area_code and r["month"] == month:
            return r
    return None


def _area_name(data: Data, code: str, lang: str) -> str:
    area = data.areas.get(code)
    return area[f"area_name_{lang}"] if area else code


def _status(ind: dict, value: float | None, lang: str) -> str:
    t = TEXT[lang]
    target = ind["legal_target"]
    if target is None:
        return t["no_target"]
    if value is None:
        return t["no_value"]
    gap = round((target - value) if ind["better"] == "higher" else (value - target), 1)
    if gap <= 0:
        return t["meets"]
    return f"{t['short']} {_fmt(gap, '', lang)}{t['points'] if ind['unit'] == 'percent' else ''}"


def _trace(x, y, name, meta, **style) -> dict:
    return {"type": "scatter", "x": x, "y": y, "name": name, "meta": meta, **style}


def trend_figure(data: Data, ind: dict, area_code: str, lang: str) -> dict:
    """Actual values, the forecast with its 95 % interval, and the total's actual values."""
    t = TEXT[lang]
    iid = ind["indicator_id"]
    rows = [r for r in data.forecasts if r["indicator_id"] == iid and r["area_code"] == area_code]
    actual = [r for r in rows if r["row_type"] == "actual"]
    future = [r for r in rows if r["row_type"] == "forecast"]
    traces = []
    if future:
        traces.append(_trace([r["month"] for r in future], [r["forecast_upper_95"] for r in future], t["interval"],
                             {"indicator_id": iid, "area_code": area_code, "kind": "forecast_upper_95"},
                             mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"))
        traces.append(_trace([r["month"] for r in future], [r["forecast_lower_95"] for r in future], t["interval"],
                             {"indicator_id": iid, "area_code": area_code, "kind": "forecast_lower_95"},
                             mode="lines", line={"width": 0}, fill="tonexty", fillcolor="rgba(31,119,180,0.18)"))
    # a month the series withholds has no forecast-mart row: a gap in the line, not a straight bridge
    shown = {r["month"]: r["actual_value"] for r in actual}
    months = _months(min(shown), max(shown)) if shown else []
    traces.append(_trace(months, [shown.get(m) for m in months],
                         f"{_area_name(data, area_code, lang)}: {t['actual']}",
                         {"indicator_id": iid, "area_code": area_code, "kind": "actual"},
                         mode="lines+markers", line={"color": "#1f77b4"}))
    if future:
        traces.append(_trace([r["month"] for r in future], [r["forecast_value"] for r in future], t["forecast"],
                             {"indicator_id": iid, "area_code": area_code, "kind": "forecast"},
                             mode="lines+markers", line={"color": "#1f77b4", "dash": "dash"}))
    if area_code != TOTAL:
        total = {r["month"]: r["actual_value"] for r in data.forecasts if r["indicator_id"] == iid
                   and r["area_code"] == TOTAL and r["row_type"] == "actual"}
        total_months = _months(min(total), max(total)) if total else []
        traces.append(_trace(total_months, [total.get(m) for m in total_months],
                             f"{_area_name(data, TOTAL, lang)}: {t['actual']}",
                             {"indicator_id": iid, "area_code": TOTAL, "kind": "actual"},
                             mode="lines", line={"color": "#888888"}))
    return {"data": traces, "layout": _layout(ind, lang, t["trend"])}


def _months(first: str, last: str) -> list[str]:
    """Every month's first day from `first` to `last` (ISO dates)."""
    out, day = [], dt.date.fromisoformat(first)
    while day.isoformat() <= last:
        out.append(day.isoformat())
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out


def comparison_figure(data: Data, ind: dict, area_code: str, month: str, lang: str) -> dict:
    """Every area's published value in `month`, the page's area highlighted."""
    iid = ind["indicator_id"]
    rows = [r for r in data.series if r["indicator_id"] == iid and r["month"] == month and r["value"] is not None]
    rows.sort(key=lambda r: (r["area_code"] != TOTAL, -r["value"] if ind["better"] != "lower" else r["value"]))
    colours = ["#1f77b4" if r["area_code"] == area_code else "#888888" if r["area_code"] == TOTAL else "#bbbbbb"
               for r in rows]
    trace = {"type": "bar", "x": [_area_name(data, r["area_code"], lang) for r in rows], "y": [r["value"] for r in rows],
             "customdata": [r["area_code"] for r in rows], "marker": {"color": colours},
             "meta": {"indicator_id": iid, "month": month, "kind": "comparison"}, "name": month}
    return {"data": [trace], "layout": _layout(ind, lang, f"{TEXT[lang]['comparison']} {month[:7]}")}


def deadline_figure(data: Data, indicators: list[dict], area_code: str, lang: str) -> dict | None:
    """The indicators whose legal target is 100 %: the area's current value and the total's in the same month."""
    shown = [i for i in indicators if i["legal_target"] == 100]
    if not shown:
        return None
    names, ids, area_values, total_values, months = [], [], [], [], []
    for ind in shown:
        cur = current_value(data, ind["indicator_id"], area_code)
        if cur is None:
            continue
        total = value_in_month(data, ind["indicator_id"], TOTAL, cur["month"])
        names.append(ind[f"name_{lang}"])
        ids.append(ind["indicator_id"])
        months.append(cur["month"])
        area_values.append(cur["value"])
        total_values.append(total["value"] if total else None)
    traces = [{"type": "bar", "orientation": "h", "y": names, "x": area_values, "customdata": ids,
               "name": _area_name(data, area_code, lang), "hovertext": months, "marker": {"color": "#1f77b4"},
               "meta": {"area_code": area_code, "kind": "deadline", "months": months}}]
    if area_code != TOTAL:
        traces.append({"type": "bar", "orientation": "h", "y": names, "x": total_values, "customdata": ids,
                       "name": _area_name(data, TOTAL, lang), "marker": {"color": "#888888"},
                       "meta": {"area_code": TOTAL, "kind": "deadline", "months": months}})
    layout = {"barmode": "group", "height": 120 + 60 * len(names), "margin": {"l": 420, "r": 20, "t": 30, "b": 40},
              "xaxis": {"range": [0, 100], "title": {"text": "%"}}, "legend": {"orientation": "h"},
              "yaxis": {"automargin": True}}
    return {"data": traces, "layout": layout}


# the registry's units (mart_indicator_catalogue.unit) in Finnish; any other unit is shown as it is
UNITS_FI = {"percent": "prosenttia", "days": "päivää", "per 10 000 residents": "/ 10 000 asukasta",
            "EUR per resident": "euroa / asukas", "visits": "käyntiä", "referrals": "lähetettä",
            "decisions": "päätöstä"}


def _unit(unit: str, lang: str) -> str:
    return UNITS_FI.get(unit, unit) if lang == "fi" else unit


def _layout(ind: dict, lang: str, title: str) -> dict:
    return {"title": {"text": title, "font": {"size": 13}}, "height": 320, "margin": {"l": 50, "r": 10, "t": 40, "b": 60},
            "yaxis": {"title": {"text": _unit(ind["unit"], lang)}, "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": -0.25}}


def plan(data: Data, areas: list[str] | None = None) -> list[Page]:
    """Every page: one per area and language, one section per use case."""
    pages = []
    for area_code in areas or report_areas(data):
        if area_code not in {r["area_code"] for r in data.series}:
            raise VirtaError(f"area {area_code!r} has no published series",
                             hint="areas with data: " + ", ".join(report_areas(data)))
        for lang in LANGUAGES:
            page = Page(area_code, lang)
            for use_case in USE_CASES:
                inds = [i for i in data.indicators if i["use_case"] == use_case]
                if not inds:
                    continue
                rows, cards = [], []
                for ind in inds:
                    cur = current_value(data, ind["indicator_id"], area_code)
                    fi = value_in_month(data, ind["indicator_id"], TOTAL, cur["month"]) if cur else None
                    rows.append({"ind": ind, "current": cur, "total": fi,
                                 "status": _status(ind, cur["value"] if cur else None, lang)})
                    cards.append({"ind": ind, "trend": trend_figure(data, ind, area_code, lang),
                                  "comparison": comparison_figure(data, ind, area_code, cur["month"], lang)
                                  if cur else None})
                page.sections.append({"use_case": use_case, "rows": rows, "cards": cards,
                                      "deadlines": deadline_figure(data, inds, area_code, lang)})
            pages.append(page)
    return pages


def _fmt(value, unit: str, lang: str = "en") -> str:
    if value is None:
        return "–"
    text = f"{value:,.1f}".replace(",", "\u202f")
    return (text.replace(".", ",") if lang == "fi" else text) + (" %" if unit == "percent" else "")


def render(page: Page, data: Data, generated_on: str, areas: list[str] | None = None) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("virta", "report_templates"),
                             autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = lambda value, unit: _fmt(value, unit, page.lang)
    env.filters["json"] = lambda obj: json.dumps(obj, ensure_ascii=False).replace("</", "<\\/")
    other = "en" if page.lang == "fi" else "fi"
    as_of = max((r["month"] for r in data.series), default="")
    return env.get_template("area.html").render(
        page=page, t=TEXT[page.lang], lang=page.lang, other=other,
        area_name=_area_name(data, page.area_code, page.lang), total_name=_area_name(data, TOTAL, page.lang),
        areas=[(c, _area_name(data, c, page.lang)) for c in areas or report_areas(data)],
        as_of=as_of[:7], generated_on=generated_on)


def render_index(data: Data, generated_on: str, areas: list[str] | None = None) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("virta", "report_templates"),
                             autoescape=jinja2.select_autoescape(["html"]))
    return env.get_template("index.html").render(
        areas=[(c, {lang: _area_name(data, c, lang) for lang in LANGUAGES}) for c in areas or report_areas(data)],
        generated_on=generated_on)


def plotly_js() -> Path:
    from importlib.resources import files

    path = Path(str(files("plotly") / "package_data" / "plotly.min.js"))
    if not path.exists():
        raise VirtaError("plotly.min.js not found in the plotly package", hint="./virta reinstalls the dependencies")
    return path


def write(data: Data, out: Path, areas: list[str] | None = None) -> list[Path]:
    """Write the site into `out`, replaced whole (no page of an area gone stays behind). A folder
    that is not a report written here (index.html and plotly.min.js) is never replaced."""
    out = out.resolve()
    if out.exists() and any(out.iterdir()) and not ((out / "index.html").exists() and (out / "plotly.min.js").exists()):
        raise VirtaError(f"{out} is a folder with other files, not a report: it is not replaced",
                         hint="give --out an empty or new folder, or the report folder written before")
    pages = plan(data, areas)
    shown = sorted({p.area_code for p in pages}, key=lambda c: (c != TOTAL, c))
    generated_on = dt.date.today().isoformat()
    tmp, old = out.with_name(out.name + ".tmp"), out.with_name(out.name + ".old")
    shutil.rmtree(tmp, ignore_errors=True)
    for lang in LANGUAGES:
        (tmp / lang).mkdir(parents=True)
    shutil.copyfile(plotly_js(), tmp / "plotly.min.js")
    written = [tmp / "index.html"]
    (tmp / "index.html").write_text(render_index(data, generated_on, shown), encoding="utf-8")
    for page in pages:
        path = tmp / page.lang / f"{page.area_code}.html"
        path.write_text(render(page, data, generated_on, shown), encoding="utf-8")
        written.append(path)
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return [out / p.relative_to(tmp) for p in written]


def build(out: Path, areas: list[str] | None = None, conn=None) -> list[Path]:
    """Read the marts as the analyst role and write the site."""
    from virta import db

    from virta.access import schema_prefix

    conn = conn or db.ensure_available("analyst")
    pg = conn.connect()
    try:
        data = fetch(pg, schema=f"{schema_prefix()}marts")
    finally:
        pg.close()
    if not data.series:
        raise VirtaError("the indicator series marts are empty", hint="run `./virta run` (or `./virta dbt build`) first")
    return write(data, out, areas)

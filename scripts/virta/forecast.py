"""Forecasts (ennuste) of the indicator series, each series' method chosen by rolling-origin back-tests.

dbt-postgres runs no Python, so this is a step of the build (`virta forecast`; `virta run`, `virta
daily` and the Dagster job run it between the series marts and the forecast marts): it reads the
published series marts (mart_*_indicator_monthly: only shown values, so a forecast can never reveal a
withheld cell), writes the schema `forecast`, and the forecast marts publish it. Their test
`forecast_is_current` fails when a series changed after its forecasts were made.

Per series (indicator x area), on its shown months up to the last one (the run of consecutive shown
months; a withheld month breaks the series):
1. Rolling origins: the last `forecast_origins` months each serve as an origin, forecasting up to
   `forecast_horizon_months` ahead within the data, from at least `forecast_min_months` of history.
2. The earlier half of the origins chooses, on targets before the later half begins: the better of
   the two benchmarks below by mean absolute error, unless another candidate errs at least
   `forecast_min_gain` (a share) less; then the best of those. Candidates: the benchmarks (naive, seasonal naive, drift,
   mean, mean of the last six months), damped-trend exponential smoothing and Theta (statsforecast),
   and seasonal ETS and Theta once the history holds two full years at every choosing origin and the months
   before the judging origins pass a seasonality test (seasonal naive needs that test too).
3. The later half judges: the chosen method's error there is the published back-test error, as MASE
   (scaled by the in-sample mean absolute month-to-month change before the judging origins) beside
   the two benchmarks' (naive; mean of the last six months). A chosen method that loses to either
   gives way to the better of the two there; the series says so (chosen_method,
   chosen_beats_benchmarks), since that fall-back is a choice made on the judging origins.
4. The published method is fitted on the whole series; its 80 % and 95 % prediction intervals
   (statsforecast's, or from the residuals of the six-month mean) are kept within the indicator's
   bounds, as is the forecast.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist

import numpy as np
import yaml

from virta.errors import VirtaError
from virta.paths import PROJECT_ROOT

# the two benchmarks every published back-test error is judged against (the "same as now"
# and "mean of the last six months")
BENCHMARKS = ("naive", "mean_6")
LEVELS = (80, 95)
SERIES_MARTS_GLOB = "models/marts/*/mart_*_indicator_monthly.sql"


@dataclass(frozen=True)
class Settings:
    horizon: int = 6  # months forecast ahead
    min_train: int = 12  # months of history at the first origin
    origins: int = 12  # rolling origins; the earlier half chooses, the later half judges
    min_origins: int = 4  # fewer: the series is too short to choose honestly, no forecast
    season: int = 12
    seasonal_min_train: int = 24  # seasonal ETS / Theta only with two full years at every choosing origin
    min_gain: float = 0.15  # another method replaces the benchmarks only with this much less error


def settings(root: Path = PROJECT_ROOT) -> Settings:
    """The forecast vars of dbt_project.yml (the marts' documentation reads the same vars)."""
    v = yaml.safe_load((root / "dbt_project.yml").read_text())["vars"]
    return Settings(horizon=int(v["forecast_horizon_months"]), min_train=int(v["forecast_min_months"]),
                    origins=int(v["forecast_origins"]), min_origins=int(v["forecast_min_origins"]),
                    seasonal_min_train=int(v["forecast_seasonal_min_months"]),
                    min_gain=float(v["forecast_min_gain"]))


# --- methods -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Method:
    name: str
    label: str  # what the marts say
    benchmark: bool
    min_train: str = ""  # "seasonal": Settings.seasonal_min_train months and seasonal_test passed


METHODS = {m.name: m for m in (
    Method("naive", "naive (last value carried forward)", True),
    Method("mean_6", "mean of the last six months", True),
    Method("seasonal_naive", "seasonal naive (same month a year before)", True, "seasonal"),
    Method("drift", "drift (straight line from the first to the last value)", True),
    Method("mean", "mean of the history", True),
    Method("ets_damped", "exponential smoothing, damped trend (AutoETS)", False),
    Method("theta", "Theta (AutoTheta)", False),
    Method("ets_seasonal", "exponential smoothing with seasonality (AutoETS, 12 months)", False, "seasonal"),
    Method("theta_seasonal", "Theta with seasonal adjustment (AutoTheta, 12 months)", False, "seasonal"),
)}


def available(method: Method, train_months: int, s: Settings, seasonal: bool = True) -> bool:
    """Whether a method is a candidate from an origin with this much history; seasonal methods also
    need `seasonal`: the history before the judging origins passed seasonal_test."""
    if method.min_train == "seasonal":
        return seasonal and train_months >= s.seasonal_min_train
    return train_months >= 2


def seasonal_test(y: np.ndarray, s: Settings, alpha: float = 0.05) -> bool:
    """Whether the history supports seasonality: on the series less its least-squares line, the
    calendar months differ (one-way analysis of variance, F test at level alpha). Needs every calendar
    month twice."""
    from scipy.stats import f_oneway

    y = np.asarray(y, dtype=float)
    n, m = len(y), s.season
    if n < 2 * m:
        return False
    t = np.arange(n)
    resid = y - np.polyval(np.polyfit(t, y, 1), t)
    if np.ptp(resid) == 0:
        return False
    return bool(f_oneway(*(resid[k::m] for k in range(m))).pvalue < alpha)


def _statsforecast_model(name: str, s: Settings):
    from statsforecast.models import (AutoETS, AutoTheta, HistoricAverage, Naive, RandomWalkWithDrift,
                                      SeasonalNaive)
    return {
        "naive": lambda: Naive(),
        "seasonal_naive": lambda: SeasonalNaive(season_length=s.season),
        "drift": lambda: RandomWalkWithDrift(),
        "mean": lambda: HistoricAverage(),
        "ets_damped": lambda: AutoETS(model="ZZN", damped=True),
        "theta": lambda: AutoTheta(season_length=1),
        "ets_seasonal": lambda: AutoETS(model="ZZZ", season_length=s.season),
        "theta_seasonal": lambda: AutoTheta(season_length=s.season),
    }[name]()


def _window_mean(y: np.ndarray, h: int, levels: tuple[int, ...], window: int = 6) -> dict[str, np.ndarray]:
    """Mean of the last `window` values; its interval at each horizon from the errors the same rule
    made that many months ahead over the history."""
    mean = np.full(h, y[-window:].mean())
    out = {"mean": mean}
    if levels:
        # the rule's own h-step errors over the history: flat for a level, widening for a wandering series
        sigma = np.array([math.sqrt(float(np.mean([(y[t + step] - y[max(0, t - window):t].mean()) ** 2
                                                    for t in range(1, len(y) - step)] or [math.nan])))
                          for step in range(h)])
        sigma = np.fmax.accumulate(np.where(np.isnan(sigma), -np.inf, sigma))  # no narrower further ahead
        for level in levels:
            z = NormalDist().inv_cdf(0.5 + level / 200)
            out[f"lo-{level}"], out[f"hi-{level}"] = mean - z * sigma, mean + z * sigma
    return out


def predict(name: str, y: np.ndarray, h: int, s: Settings, levels: tuple[int, ...] = ()) -> dict[str, np.ndarray]:
    """Forecast h months after y with one method: {'mean', 'lo-80', 'hi-80', ...}. Raises ValueError
    when the method cannot fit y (then it is no candidate there)."""
    y = np.asarray(y, dtype=float)
    if name == "mean_6":
        out = _window_mean(y, h, levels)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out = _statsforecast_model(name, s).forecast(y=y, h=h, level=list(levels) if levels else None)
            except Exception as exc:  # statsforecast raises many kinds on degenerate series
                raise ValueError(f"{name} cannot fit this series: {exc}") from exc
    out = {k: np.asarray(v, dtype=float) for k, v in out.items() if k == "mean" or k[:3] in ("lo-", "hi-")}
    if not all(np.isfinite(v).all() for v in out.values()):
        raise ValueError(f"{name} gave a non-finite forecast")
    return out


# --- choosing and judging ------------------------------------------------------------------------

@dataclass
class Skill:
    method: str  # the published method
    chosen: str  # what the choosing origins picked (differs from method after a fall-back)
    chosen_beats_benchmarks: bool  # the chosen method's judged error no worse than both benchmarks'
    history_months: int
    origins_n: int
    judging_origins_n: int
    backtest_mae: float
    backtest_mase: float | None
    naive_mase: float | None
    mean_6_mase: float | None
    beats_benchmarks: bool  # published error no worse than both benchmarks on the judging origins
    coverage: dict[int, float] = field(default_factory=dict)  # share of judged points inside each interval


def backtest(y: np.ndarray, s: Settings) -> Skill | None:
    """Choose a method on the earlier origins, judge it on the later ones (module docstring). None
    when the series is too short for `min_origins` origins."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    k = min(s.origins, n - s.min_train)
    if k < s.min_origins:
        return None
    first, judge_from = n - k, n - k + k // 2  # training lengths: the first origin, the first judging one
    seasonal = seasonal_test(y[:judge_from], s)  # the history the choice may see
    candidates = [m for m in METHODS.values() if available(m, first, s, seasonal)]
    choose_err = {m.name: [] for m in candidates}
    judge_err = {m.name: [] for m in candidates}
    judge_pred = {m.name: [] for m in candidates}  # (actual, prediction dict, step) for coverage
    failed = set()
    for origin in range(first, n):
        h = min(s.horizon, n - origin)
        for m in candidates:
            if m.name in failed:
                continue
            try:
                pred = predict(m.name, y[:origin], h, s, LEVELS if origin >= judge_from else ())
            except ValueError:
                failed.add(m.name)  # a method that cannot fit every origin is no candidate
                continue
            for step in range(h):
                target = origin + step
                err = abs(pred["mean"][step] - y[target])
                if origin < judge_from and target < judge_from:
                    choose_err[m.name].append(err)
                elif origin >= judge_from:
                    judge_err[m.name].append(err)
                    judge_pred[m.name].append((y[target], {k: v[step] for k, v in pred.items()}))
    usable = [m.name for m in candidates if m.name not in failed and choose_err[m.name]]
    chosen_err = {name: float(np.mean(choose_err[name])) for name in usable}
    # parsimony: the better of the two benchmarks stands unless another method errs `min_gain` less
    chosen = min(BENCHMARKS, key=lambda b: (chosen_err[b], BENCHMARKS.index(b)))
    challenger = min((name for name in usable if name not in BENCHMARKS),
                     key=lambda name: (chosen_err[name], list(METHODS).index(name)), default=None)
    if challenger and chosen_err[challenger] < (1 - s.min_gain) * chosen_err[chosen]:
        chosen = challenger
    judged = {name: float(np.mean(judge_err[name])) for name in usable}
    best_benchmark = min(judged[b] for b in BENCHMARKS)
    chosen_beats = judged[chosen] <= best_benchmark + 1e-9
    # a chosen method that lost to a benchmark where it was judged gives way to the better benchmark
    # there (a choice made on the judging origins: the series says so, chosen_beats_benchmarks false)
    method = chosen if chosen_beats else min(BENCHMARKS, key=lambda b: (judged[b], BENCHMARKS.index(b)))
    steps = np.abs(np.diff(y[:judge_from]))
    scale = float(steps.mean()) if len(steps) and steps.mean() > 0 else None
    coverage = {level: float(np.mean([p[f"lo-{level}"] <= actual <= p[f"hi-{level}"]
                                      for actual, p in judge_pred[method]])) for level in LEVELS}
    return Skill(
        method=method, chosen=chosen, chosen_beats_benchmarks=chosen_beats, history_months=n, origins_n=k, judging_origins_n=n - judge_from,
        backtest_mae=judged[method],
        backtest_mase=judged[method] / scale if scale else None,
        naive_mase=judged["naive"] / scale if scale else None,
        mean_6_mase=judged["mean_6"] / scale if scale else None,
        beats_benchmarks=judged[method] <= best_benchmark + 1e-9,
        coverage=coverage)


def clip(values: dict[str, np.ndarray], bounds: tuple[float | None, float | None]) -> dict[str, np.ndarray]:
    lower, upper = (-np.inf if bounds[0] is None else bounds[0]), (np.inf if bounds[1] is None else bounds[1])
    return {k: np.clip(v, lower, upper) for k, v in values.items()}


@dataclass
class SeriesForecast:
    skill: Skill | None
    values: dict[str, np.ndarray] | None  # the forecast months' mean and intervals, within the bounds
    reason: str | None  # why there is no forecast


def forecast(y, s: Settings, bounds=(None, None), gap: int = 0) -> SeriesForecast:
    """Back-test y, then forecast the `s.horizon` months that follow `gap` months after its last value
    (months at the end of the series whose values are withheld: the forecast starts after the series)."""
    y = np.asarray(y, dtype=float)
    skill = backtest(y, s)
    if skill is None:
        need = s.min_train + s.min_origins
        return SeriesForecast(None, None, f"{len(y)} consecutive shown months up to the last; a forecast needs {need}")
    try:
        values = predict(skill.method, y, gap + s.horizon, s, LEVELS)
    except ValueError:  # it fitted every origin but not the whole series: the naive benchmark instead
        skill.method, skill.beats_benchmarks = "naive", False
        values = predict("naive", y, gap + s.horizon, s, LEVELS)
    return SeriesForecast(skill, clip({k: v[gap:] for k, v in values.items()}, bounds), None)


# --- the build step ------------------------------------------------------------------------------

FORECAST_MACROS = Path("macros/forecast/forecast_tables.sql")


def fingerprint_sql(root: Path = PROJECT_ROOT) -> str:
    """The SQL expression of macro forecast_input_fingerprint (one definition for dbt and Python)."""
    text = (root / FORECAST_MACROS).read_text()
    found = re.search(r"macro forecast_input_fingerprint\(\) -%\}\n(.*?)\n\{%- endmacro", text, re.S)
    if not found:
        raise VirtaError(f"{FORECAST_MACROS}: macro forecast_input_fingerprint() not found")
    return found.group(1).strip()


def series_marts(root: Path = PROJECT_ROOT) -> list[str]:
    return sorted(p.stem for p in root.glob(SERIES_MARTS_GLOB))


def _month_index(month) -> int:
    return month.year * 12 + month.month - 1


def _month(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def series_tail(rows: list[tuple]) -> tuple[list[float], int, int | None]:
    """(values of the consecutive shown months up to the last shown one, months from that one to the
    series' last month, the month index of the last shown month) of one series' (month, value) rows."""
    shown = {_month_index(m): v for m, v in rows if v is not None}
    end = max(_month_index(m) for m, _ in rows)
    if not shown:
        return [], 0, None
    last = max(shown)
    first = last
    while first - 1 in shown:
        first -= 1
    return [shown[t] for t in range(first, last + 1)], end - last, last


def run_step(conn, s: Settings | None = None, root: Path = PROJECT_ROOT) -> dict[str, dict]:
    """Forecast every series of every series mart and replace the forecast tables, in one transaction.
    Returns per series mart: series, forecasts, seconds."""
    import psycopg2
    from psycopg2.extras import execute_values

    from virta.access import Schemas, schema_prefix
    from virta.catalogue import registry_rows

    s = s or settings(root)
    bounds = {row["id"]: tuple(row["bounds"]) for row in registry_rows(root)}
    schemas = Schemas(schema_prefix())
    version = _statsforecast_version()
    summary = {}
    with conn.connect() as pg, pg.cursor() as cur:
        for mart in series_marts(root):
            started = time.perf_counter()
            relation = f"{schemas.marts}.{mart}"
            try:
                cur.execute(f"select {fingerprint_sql(root)} from {relation}")
                fingerprint = cur.fetchone()[0]
                cur.execute(f"select indicator_id, area_code, month, value::float from {relation} "
                            "order by indicator_id, area_code, month")
            except psycopg2.errors.UndefinedTable as exc:
                raise VirtaError(f"{relation} is not built yet: run `virta dbt build` first",
                                 hint="`virta run` builds the marts, forecasts them and builds the forecast marts") from exc
            by_series: dict[tuple[str, str], list] = {}
            for indicator_id, area_code, month, value in cur.fetchall():
                by_series.setdefault((indicator_id, area_code), []).append((month, value))
            skills, values = [], []
            for (indicator_id, area_code), rows in by_series.items():
                tail, gap, last = series_tail(rows)
                result = forecast(tail, s, bounds.get(indicator_id, (None, None)), gap) if tail else \
                    SeriesForecast(None, None, "no shown month")
                k = result.skill
                skills.append((mart, indicator_id, area_code, k and k.method,
                               k and METHODS[k.method].benchmark, k and k.chosen, k and k.chosen_beats_benchmarks,
                               k and k.beats_benchmarks, len(tail), k and k.origins_n, k and k.judging_origins_n,
                               k and k.backtest_mae, k and k.backtest_mase, k and k.naive_mase, k and k.mean_6_mase,
                               k and k.coverage[80], k and k.coverage[95], result.reason))
                for step in range(s.horizon) if result.values else ():
                    v = result.values
                    values.append((mart, indicator_id, area_code, _month(last + gap + 1 + step), step + 1 + gap,
                                   *(float(v[key][step]) for key in ("mean", "lo-80", "hi-80", "lo-95", "hi-95"))))
            table = f"{schemas.forecast}.indicator_forecast"
            try:
                for suffix in ("values", "skill", "inputs"):
                    cur.execute(f"delete from {table}_{suffix} where series_mart = %s", (mart,))
            except psycopg2.errors.UndefinedTable as exc:
                raise VirtaError(f"{table}_*: the forecast tables are missing; any dbt invocation creates them "
                                 "(on-run-start create_forecast_tables)", hint="run `virta dbt build` first") from exc
            execute_values(cur, f"insert into {table}_skill values %s", skills)
            if values:
                execute_values(cur, f"insert into {table}_values values %s", values)
            seconds = time.perf_counter() - started
            forecasts = sum(1 for row in skills if row[3] is not None)
            cur.execute(f"insert into {table}_inputs values (%s, %s, %s, %s, %s, %s, now())",
                        (mart, fingerprint, len(skills), forecasts, seconds, version))
            summary[mart] = {"series": len(skills), "forecasts": forecasts, "seconds": seconds}
        pg.commit()
    return summary


def _statsforecast_version() -> str:
    from importlib.metadata import version

    return version("statsforecast")

"""Forecasts (ennuste) of the indicator series, each series' method chosen by rolling-origin back-tests.

dbt-postgres runs no Python, so this is a step of the build (`virta forecast`; `virta run`, `virta
daily` and the Dagster job run it between the series marts and the forecast marts): it reads the
published series marts (mart_*_indicator_monthly: only shown values, so a forecast can never reveal a
withheld cell), writes the schema `forecast`, and the forecast marts publish it. Their test
`forecast_is_current` warns when a series or the forecast vars changed after its forecasts were made.

Per series (indicator x area), on its final shown months up to the last one (the run of consecutive
months shown and final, is_complete_period; a withheld month breaks the series, and months at the
end not yet final are skipped like withheld ones):
1. Rolling origins: the last `forecast_origins` months each serve as an origin, forecasting up to
   `forecast_horizon_months` ahead within the data, from at least `forecast_min_months` of history
   (so late origins judge short horizons only: the error leans towards the near months).
2. The earlier half of the origins chooses, on targets before the later half begins: the better of
   the two benchmarks (naive; mean of the last six months) by mean absolute error, unless another
   candidate errs at least `forecast_min_gain` (a share) less, a seasonal one
   `forecast_seasonal_min_gain` less; then the best of those. Candidates:
   the benchmarks naive, mean_6, seasonal naive (a year of history), drift and mean; damped-trend
   exponential smoothing and Theta (statsforecast); seasonal ETS and Theta once the history holds
   two full years at every choosing origin and the months before the judging origins pass a
   seasonality test.
3. The later half judges: the chosen method's error there is its honest skill (chosen_mase, MASE:
   scaled by the mean absolute month-to-month change before the judging origins), beside the two
   benchmarks' (naive_mase, mean_6_mase). A chosen method that lost to either gives way to the
   better of the two there (backtest_mase is then that benchmark's): a decision that looks at the
   judging origins, so chosen_mase and chosen_beats_benchmarks keep the honest record.
4. The published method is fitted on the whole series; its 80 % and 95 % prediction intervals
   (statsforecast's, or for mean_6 from its own errors at each horizon) are kept within the
   indicator's bounds, as is the forecast.
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
# the vars a forecast depends on, in the order of macro forecast_settings_key
SETTINGS_VARS = ("forecast_horizon_months", "forecast_min_months", "forecast_origins", "forecast_min_origins",
                 "forecast_seasonal_min_months", "forecast_min_gain", "forecast_seasonal_min_gain")


@dataclass(frozen=True)
class Settings:
    horizon: int = 6  # months forecast ahead
    min_train: int = 12  # months of history at the first origin
    origins: int = 12  # rolling origins; the earlier half chooses, the later half judges
    min_origins: int = 4  # fewer: the series is too short to choose honestly, no forecast
    season: int = 12
    seasonal_min_train: int = 24  # seasonal ETS / Theta only with two full years at every choosing origin
    min_gain: float = 0.15  # another method replaces the benchmarks only with this much less error
    seasonal_min_gain: float = 0.3  # and a seasonal one with this much less


def settings(root: Path = PROJECT_ROOT) -> Settings:
    """The forecast vars of dbt_project.yml (the marts' documentation reads the same vars)."""
    v = yaml.safe_load((root / "dbt_project.yml").read_text())["vars"]
    return Settings(horizon=int(v["forecast_horizon_months"]), min_train=int(v["forecast_min_months"]),
                    origins=int(v["forecast_origins"]), min_origins=int(v["forecast_min_origins"]),
                    seasonal_min_train=int(v["forecast_seasonal_min_months"]),
                    min_gain=float(v["forecast_min_gain"]), seasonal_min_gain=float(v["forecast_seasonal_min_gain"]))


# --- methods -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Method:
    name: str
    label: str  # what the marts say
    benchmark: bool
    min_train: str = ""  # "season": a year of history; "seasonal": seasonal_min_train months and seasonal_test


METHODS = {m.name: m for m in (
    Method("naive", "naive (last value carried forward)", True),
    Method("mean_6", "mean of the last six months", True),
    Method("seasonal_naive", "seasonal naive (same month a year before)", True, "season"),
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
    if method.min_train == "season":
        return train_months >= s.season
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
    chosen_mase: float | None  # the choice's own error on the judging origins: the honest skill
    chosen_beats_benchmarks: bool  # the choice's judged error no worse than both benchmarks'
    history_months: int
    origins_n: int
    judging_origins_n: int
    backtest_mae: float  # the published method's, on the judging origins
    backtest_mase: float | None
    naive_mase: float | None
    mean_6_mase: float | None
    coverage: dict[int, float] = field(default_factory=dict)  # share of judged points inside each interval


@dataclass
class Backtest:
    """Every candidate's errors on the judging origins, and what the choosing origins chose."""
    n: int
    origins_n: int
    judging_origins_n: int
    scale: float | None  # mean absolute month-to-month change before the judging origins
    chosen: str
    judged: dict[str, float]  # mean absolute error per method that fitted every judging origin
    coverage: dict[str, dict[int, float]]

    def mase(self, method: str) -> float | None:
        return self.judged[method] / self.scale if self.scale and method in self.judged else None

    def skill(self, method: str) -> Skill:
        """The figures of `method` as the published one."""
        best_benchmark = min(self.judged[b] for b in BENCHMARKS)
        return Skill(
            method=method, chosen=self.chosen, chosen_mase=self.mase(self.chosen),
            chosen_beats_benchmarks=self.chosen in self.judged and self.judged[self.chosen] <= best_benchmark + 1e-9,
            history_months=self.n, origins_n=self.origins_n, judging_origins_n=self.judging_origins_n,
            backtest_mae=self.judged[method], backtest_mase=self.mase(method), naive_mase=self.mase("naive"),
            mean_6_mase=self.mase("mean_6"), coverage=self.coverage[method])

    def published(self) -> str:
        """The chosen method, or where it lost to a benchmark on the judging origins, the better of
        the two benchmarks there (a decision that looks at the judging origins: chosen_mase keeps the
        honest figure)."""
        best = min(BENCHMARKS, key=lambda b: (self.judged[b], BENCHMARKS.index(b)))
        if self.chosen in self.judged and self.judged[self.chosen] <= self.judged[best] + 1e-9:
            return self.chosen
        return best


def backtest(y: np.ndarray, s: Settings) -> Backtest | None:
    """Choose a method on the earlier origins, judge every candidate on the later ones (module
    docstring). None when the series is too short for `min_origins` origins."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    k = min(s.origins, n - s.min_train)
    if k < s.min_origins:
        return None
    first, judge_from = n - k, n - k + k // 2  # training lengths: the first origin, the first judging one
    seasonal = seasonal_test(y[:judge_from], s)  # the history the choice may see
    candidates = [m.name for m in METHODS.values() if available(m, first, s, seasonal)]
    choose_err = {name: [] for name in candidates}
    judge_err = {name: [] for name in candidates}
    judge_pred = {name: [] for name in candidates}  # (actual, prediction) for the interval coverage
    failed_choosing, failed_judging = set(), set()
    for origin in range(first, n):
        h = min(s.horizon, n - origin)
        judging = origin >= judge_from
        for name in candidates:
            if name in failed_choosing or name in failed_judging:
                continue
            try:
                pred = predict(name, y[:origin], h, s, LEVELS if judging else ())
            except ValueError:  # a method that cannot fit an origin: no candidate, or not judged
                (failed_judging if judging else failed_choosing).add(name)
                continue
            for step in range(h):
                target = origin + step
                err = abs(pred["mean"][step] - y[target])
                if judging:
                    judge_err[name].append(err)
                    judge_pred[name].append((y[target], {key: v[step] for key, v in pred.items()}))
                elif target < judge_from:  # choosing errors never look into the judging months
                    choose_err[name].append(err)
    usable = [name for name in candidates if name not in failed_choosing and choose_err[name]]
    choose_mae = {name: float(np.mean(choose_err[name])) for name in usable}
    # parsimony: the better of the two benchmarks stands unless another method errs `min_gain` less
    # (a seasonal one `seasonal_min_gain` less: on noise the same month a year before wins by luck)
    chosen = min(BENCHMARKS, key=lambda b: (choose_mae[b], BENCHMARKS.index(b)))
    gain = {name: s.seasonal_min_gain if METHODS[name].min_train else s.min_gain for name in usable}
    challengers = [name for name in usable if name not in BENCHMARKS
                   and choose_mae[name] < (1 - gain[name]) * choose_mae[chosen]]
    if challengers:
        chosen = min(challengers, key=lambda name: (choose_mae[name], list(METHODS).index(name)))
    judged_ok = [name for name in usable if name not in failed_judging]
    steps = np.abs(np.diff(y[:judge_from]))
    return Backtest(
        n=n, origins_n=k, judging_origins_n=n - judge_from,
        scale=float(steps.mean()) if len(steps) and steps.mean() > 0 else None, chosen=chosen,
        judged={name: float(np.mean(judge_err[name])) for name in judged_ok},
        coverage={name: {level: float(np.mean([p[f"lo-{level}"] <= actual <= p[f"hi-{level}"]
                                                for actual, p in judge_pred[name]])) for level in LEVELS}
                  for name in judged_ok})


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
    (months at the end of the series whose values are withheld or not final: the forecast starts
    after the series)."""
    y = np.asarray(y, dtype=float)
    tested = backtest(y, s)
    if tested is None:
        need = s.min_train + s.min_origins
        return SeriesForecast(None, None, f"{len(y)} consecutive final shown months up to the last; "
                                          f"a forecast needs {need}")
    method = tested.published()
    try:
        values = predict(method, y, gap + s.horizon, s, LEVELS)
    except ValueError:  # it fitted every origin but not the whole series: the naive benchmark instead
        method = "naive"
        values = predict(method, y, gap + s.horizon, s, LEVELS)
    return SeriesForecast(tested.skill(method), clip({k: v[gap:] for k, v in values.items()}, bounds), None)


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
    """(values of the consecutive final shown months up to the last one, months from that one to the
    series' last month, the month index of that last final shown month) of one series' (month, value,
    is_complete_period) rows. A withheld month breaks the run; a month not yet final counts as one."""
    shown = {_month_index(m): v for m, v, complete in rows if v is not None and complete}
    end = max(_month_index(m) for m, _, _ in rows)
    if not shown:
        return [], 0, None
    last = max(shown)
    first = last
    while first - 1 in shown:
        first -= 1
    return [shown[t] for t in range(first, last + 1)], end - last, last


def settings_key(root: Path = PROJECT_ROOT) -> str:
    """The forecast vars as macro forecast_settings_key renders them: a forecast made with other
    settings is not current either."""
    v = yaml.safe_load((root / "dbt_project.yml").read_text())["vars"]
    return "|".join(str(v[name]) for name in SETTINGS_VARS)


SKILL_COLUMNS = ("series_mart", "indicator_id", "area_code", "method", "is_benchmark", "chosen_method",
                 "chosen_mase", "chosen_beats_benchmarks", "history_months", "backtest_origins_n",
                 "judging_origins_n", "backtest_mae", "backtest_mase", "naive_mase", "mean_6_mase", "coverage_80",
                 "coverage_95", "no_forecast_reason")
VALUE_COLUMNS = ("series_mart", "indicator_id", "area_code", "month", "horizon", "forecast_value", "lower_80",
                 "upper_80", "lower_95", "upper_95")


def _skill_row(mart: str, indicator_id: str, area_code: str, tail: list, result: SeriesForecast) -> tuple:
    k = result.skill
    if k is None:
        return (mart, indicator_id, area_code, *([None] * 5), len(tail), *([None] * 8), result.reason)
    return (mart, indicator_id, area_code, k.method, METHODS[k.method].benchmark, k.chosen, k.chosen_mase,
            k.chosen_beats_benchmarks, len(tail), k.origins_n, k.judging_origins_n, k.backtest_mae, k.backtest_mase,
            k.naive_mase, k.mean_6_mase, k.coverage[80], k.coverage[95], None)


def run_step(conn, s: Settings | None = None, root: Path = PROJECT_ROOT) -> dict[str, dict]:
    """Forecast every series of every series mart and replace the forecast tables, in one transaction
    that also reads the series (repeatable read: the fingerprint and the rows are of one state).
    Returns per series mart: series, forecasts, seconds."""
    import contextlib

    import psycopg2
    from psycopg2.extras import execute_values

    from virta.access import Schemas, schema_prefix
    from virta.catalogue import registry_rows

    s = s or settings(root)
    bounds = {row["id"]: tuple(row["bounds"]) for row in registry_rows(root)}
    schemas = Schemas(schema_prefix())
    table = f"{schemas.forecast}.indicator_forecast"
    version, key = _statsforecast_version(), settings_key(root)
    summary = {}
    with contextlib.closing(conn.connect()) as pg:
        pg.set_session(isolation_level="REPEATABLE READ")
        with pg, pg.cursor() as cur:  # commits at the end, rolls back on any error
            for mart in series_marts(root):
                started = time.perf_counter()
                relation = f"{schemas.marts}.{mart}"
                try:
                    cur.execute(f"select md5({fingerprint_sql(root)} || '|' || %s) from {relation}", (key,))
                    fingerprint = cur.fetchone()[0]
                    cur.execute(f"select indicator_id, area_code, month, value::float, is_complete_period "
                                f"from {relation} order by indicator_id, area_code, month")
                except psycopg2.errors.UndefinedTable as exc:
                    raise VirtaError(f"{relation} is not built yet: run `virta dbt build` first",
                                     hint="`virta run` builds the marts, forecasts them and builds the forecast "
                                          "marts") from exc
                by_series: dict[tuple[str, str], list] = {}
                for indicator_id, area_code, month, value, complete in cur.fetchall():
                    by_series.setdefault((indicator_id, area_code), []).append((month, value, complete))
                skills, values = [], []
                for (indicator_id, area_code), rows in by_series.items():
                    tail, gap, last = series_tail(rows)
                    result = forecast(tail, s, bounds.get(indicator_id, (None, None)), gap) if tail else \
                        SeriesForecast(None, None, "no final shown month")
                    skills.append(_skill_row(mart, indicator_id, area_code, tail, result))
                    for step in range(s.horizon) if result.values else ():
                        v = result.values
                        values.append((mart, indicator_id, area_code, _month(last + gap + 1 + step), step + 1 + gap,
                                       *(float(v[name][step]) for name in ("mean", "lo-80", "hi-80", "lo-95", "hi-95"))))
                try:
                    for suffix in ("values", "skill", "inputs"):
                        cur.execute(f"delete from {table}_{suffix} where series_mart = %s", (mart,))
                except psycopg2.errors.UndefinedTable as exc:
                    raise VirtaError(f"{table}_*: the forecast tables are missing; any dbt invocation creates them "
                                     "(on-run-start create_forecast_tables)", hint="run `virta dbt build` first") from exc
                execute_values(cur, f"insert into {table}_skill ({', '.join(SKILL_COLUMNS)}) values %s", skills)
                if values:
                    execute_values(cur, f"insert into {table}_values ({', '.join(VALUE_COLUMNS)}) values %s", values)
                seconds = time.perf_counter() - started
                forecasts = sum(1 for row in skills if row[3] is not None)
                cur.execute(f"insert into {table}_inputs (series_mart, input_md5, series_n, forecast_n, seconds, "
                            "statsforecast_version, computed_at) values (%s, %s, %s, %s, %s, %s, now())",
                            (mart, fingerprint, len(skills), forecasts, seconds, version))
                summary[mart] = {"series": len(skills), "forecasts": forecasts, "seconds": seconds}
    return summary


def _statsforecast_version() -> str:
    from importlib.metadata import version

    return version("statsforecast")

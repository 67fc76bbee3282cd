{#- Trend and forecast (ennuste) of every series of an indicator-series mart (columns indicator_id,
    area_code, month, value) for the next var('forecast_horizon_months') months, computed in SQL so
    every `dbt build` renews it. Shared by the use cases' forecast marts so they forecast alike.
    Method: additive linear trend + calendar-month seasonality. The trend is a least-squares line
    over the months of the series (regr_slope / regr_intercept); the seasonal index of a calendar
    month is the mean residual of that month around the line. Back-test: the same fit without the
    last `horizon` months, whose forecasts are compared with what happened (mean absolute error).
    Series with fewer than var('forecast_min_months') shown months get no forecast. -#}
{% macro forecast_series(series_relation) -%}
{%- set horizon = var('forecast_horizon_months') %}

with series as (
    select
        indicator_id,
        area_code,
        month,
        value::float as value,
        (extract(year from month) * 12 + extract(month from month))::integer as t,
        row_number() over (partition by indicator_id, area_code order by month desc) as recency
    from {{ series_relation }}
    where value is not null
),

-- where each series ends, shown or withheld: a forecast starts after the data period, never inside it
series_end as (
    select
        indicator_id,
        area_code,
        max(area_level) as area_level,
        max((extract(year from month) * 12 + extract(month from month))::integer) as end_t
    from {{ series_relation }}
    group by indicator_id, area_code
),

fits as (
    select
        'forecast' as fit,
        s.*
    from series as s
    union all
    select
        'backtest' as fit,
        s.*
    from series as s
    where s.recency > {{ horizon }}
),

trend as (
    select
        fit,
        indicator_id,
        area_code,
        regr_slope(value, t) as slope,
        regr_intercept(value, t) as intercept,
        max(t) as last_t,
        count(*) as months_n
    from fits
    group by fit, indicator_id, area_code
    having count(*) >= {{ var('forecast_min_months') }}
),

season as (
    select
        f.fit,
        f.indicator_id,
        f.area_code,
        (f.t - 1) % 12 as month_of_year,
        avg(f.value - (tr.intercept + tr.slope * f.t)) as seasonal_index
    from fits as f
    inner join trend as tr on f.fit = tr.fit and f.indicator_id = tr.indicator_id and f.area_code = tr.area_code
    group by f.fit, f.indicator_id, f.area_code, (f.t - 1) % 12
),

predicted as (
    select
        tr.fit,
        tr.indicator_id,
        tr.area_code,
        tr.origin_t + h.step as t,
        tr.intercept + tr.slope * (tr.origin_t + h.step) + coalesce(se.seasonal_index, 0) as raw_prediction
    from (
        select
            t.*,
            case when t.fit = 'forecast' then e.end_t else t.last_t end as origin_t
        from trend as t
        inner join series_end as e on t.indicator_id = e.indicator_id and t.area_code = e.area_code
    ) as tr
    cross join {{ virta.series(1, horizon, alias='h', column='step') }}
    left join season as se
        on
            tr.fit = se.fit
            and tr.indicator_id = se.indicator_id
            and tr.area_code = se.area_code
            and se.month_of_year = (tr.origin_t + h.step - 1) % 12
),

bounds as (
    -- each indicator's range from the registry (percentages 0-100, counts and rates 0 or more)
    {%- for ind in virta.indicators() %}
    select
        '{{ ind.id }}' as indicator_id,
        cast({{ ind.bounds[0] if ind.bounds[0] is not none else 'null' }} as {{ dbt.type_float() }}) as lower_bound,
        cast({{ ind.bounds[1] if ind.bounds[1] is not none else 'null' }} as {{ dbt.type_float() }}) as upper_bound
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

bounded as (
    select
        p.*,
        greatest(b.lower_bound, least(b.upper_bound, p.raw_prediction)) as prediction
    from predicted as p
    left join bounds as b on p.indicator_id = b.indicator_id
),

grid as (
    select
        indicator_id,
        area_code,
        t
    from series
    union
    select
        indicator_id,
        area_code,
        t
    from bounded
    where fit = 'forecast'
),

joined as (
    select
        g.indicator_id,
        g.area_code,
        make_date((g.t - 1) / 12, (g.t - 1) % 12 + 1, 1) as month,
        s.value as actual_value,
        f.prediction as forecast_value,
        b.prediction as backtest_forecast_value,
        abs(b.prediction - s.value) as backtest_abs_error
    from grid as g
    left join series as s on g.indicator_id = s.indicator_id and g.area_code = s.area_code and g.t = s.t
    left join bounded as f
        on g.indicator_id = f.indicator_id and g.area_code = f.area_code and g.t = f.t and f.fit = 'forecast'
    left join bounded as b
        on g.indicator_id = b.indicator_id and g.area_code = b.area_code and g.t = b.t and b.fit = 'backtest'
),

with_error as (
    select
        j.*,
        -- mean absolute error of the back-test over the held-out months, on every row of the series
        avg(j.backtest_abs_error) over (partition by j.indicator_id, j.area_code) as backtest_mae
    from joined as j
)

select
    w.indicator_id,
    w.area_code,
    {{ area_names('w.area_code') }},
    e.area_level,
    w.month,
    case when w.actual_value is not null then 'actual' else 'forecast' end as row_type,
    {{ virta.round_to('w.actual_value', 1) }} as actual_value,
    {{ virta.round_to('w.forecast_value', 1) }} as forecast_value,
    -- an approximate 95 % interval: errors taken as normal with sd = sqrt(pi / 2) * MAE of the
    -- back-test, kept within the indicator's range; none without a back-test
    -- (greatest and least skip nulls: without a back-test the bounds alone would pass for an interval)
    case when w.backtest_mae is not null and w.forecast_value is not null then
            {{ virta.round_to('greatest(b.lower_bound, least(b.upper_bound, w.forecast_value - 1.96 * 1.2533 * w.backtest_mae))', 1) }}
    end as forecast_lower_95,
    case when w.backtest_mae is not null and w.forecast_value is not null then
            {{ virta.round_to('greatest(b.lower_bound, least(b.upper_bound, w.forecast_value + 1.96 * 1.2533 * w.backtest_mae))', 1) }}
    end as forecast_upper_95,
    {{ virta.round_to('w.backtest_forecast_value', 1) }} as backtest_forecast_value,
    {{ virta.round_to('w.backtest_abs_error', 2) }} as backtest_abs_error,
    {{ virta.round_to('w.backtest_mae', 2) }} as backtest_mae,
    'linear trend + calendar-month seasonality (least squares); back-test on the last '
    || {{ horizon }} || ' months' as method
from with_error as w
inner join series_end as e on w.indicator_id = e.indicator_id and w.area_code = e.area_code
left join bounds as b on w.indicator_id = b.indicator_id
{{ area_join('w.area_code') }}
{%- endmacro %}

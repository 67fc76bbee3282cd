{#- A forecast mart: the shown months of an indicator-series mart (columns indicator_id, area_code,
    area_level, month, value) and, after each series' last month, the forecasts the forecasting step
    made from them (scripts/virta/forecast.py, `virta forecast`: method chosen per series by
    rolling-origin back-tests, 80 % and 95 % prediction intervals), with the series' method and
    back-test skill on every row. Shared by the use cases' forecast marts so they read alike. -#}
{% macro forecast_series(series_mart) -%}
{#- by name: the forecasting step's rows carry the series mart's name (a unit test's ref is a fixture) -#}
{%- set mart = series_mart %}
{%- set series_relation = ref(series_mart) %}

with series as (
    select
        indicator_id,
        area_code,
        month,
        value
    from {{ series_relation }}
    where value is not null
),

series_area as (
    select
        indicator_id,
        area_code,
        max(area_level) as area_level
    from {{ series_relation }}
    group by indicator_id, area_code
),

skill as (
    select *
    from {{ source('forecast', 'indicator_forecast_skill') }}
    where series_mart = '{{ mart }}'
),

forecasts as (
    select *
    from {{ source('forecast', 'indicator_forecast_values') }}
    where series_mart = '{{ mart }}'
),

months as (
    select
        indicator_id,
        area_code,
        month,
        'actual' as row_type,
        value as actual_value,
        null::float as forecast_value,
        null::float as lower_80,
        null::float as upper_80,
        null::float as lower_95,
        null::float as upper_95,
        null::integer as horizon
    from series
    union all
    select
        indicator_id,
        area_code,
        month,
        'forecast' as row_type,
        null as actual_value,
        forecast_value,
        lower_80,
        upper_80,
        lower_95,
        upper_95,
        horizon
    from forecasts
)

select
    m.indicator_id,
    m.area_code,
    {{ area_names('m.area_code') }},
    a.area_level,
    m.month,
    m.row_type,
    m.actual_value,
    {%- for name, column in [('forecast_value', 'forecast_value'), ('forecast_lower_80', 'lower_80'),
                             ('forecast_upper_80', 'upper_80'), ('forecast_lower_95', 'lower_95'),
                             ('forecast_upper_95', 'upper_95')] %}
    {{ virta.round_to('m.' ~ column, 1) }} as {{ name }},
    {%- endfor %}
    m.horizon as horizon_months,
    k.method,
    k.is_benchmark,
    k.chosen_method,
    k.chosen_beats_benchmarks,
    {%- for name, column in [('chosen_mase', 'chosen_mase'), ('backtest_mae', 'backtest_mae'),
                             ('backtest_mase', 'backtest_mase'),
                             ('naive_mase', 'naive_mase'), ('mean_6_mase', 'mean_6_mase'),
                             ('backtest_coverage_80', 'coverage_80'), ('backtest_coverage_95', 'coverage_95')] %}
    {{ virta.round_to('k.' ~ column, 2) }} as {{ name }},
    {%- endfor %}
    k.backtest_origins_n,
    k.history_months,
    k.no_forecast_reason
from months as m
inner join series_area as a on m.indicator_id = a.indicator_id and m.area_code = a.area_code
left join skill as k on m.indicator_id = k.indicator_id and m.area_code = k.area_code
{{ area_join('m.area_code') }}
{%- endmacro %}

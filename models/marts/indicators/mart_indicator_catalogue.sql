-- The indicator registry (var 'indicators') as a table: one row per headline indicator with its
-- names (Finnish, Swedish, English), unit, range, direction of better, legal basis and target, and
-- the detail mart and formula it is read with, so a BI
-- tool can label and explain the series marts (join on indicator_id); and how its forecasts were
-- made and how well they did in their back-tests (the forecasting step's per-series skill).

with registry as (
    {%- for ind in virta.indicators() %}
        select
            '{{ ind.id }}' as indicator_id,
            '{{ ind.use_case }}' as use_case,
            '{{ indicator_series_mart(ind.use_case) }}' as series_mart,
            {{ sql_string(ind.name_fi) }} as name_fi,
            {{ sql_string(ind.name_sv) }} as name_sv,
            {{ sql_string(ind.name_en) }} as name_en,
            '{{ ind.unit }}' as unit,
            cast({{ 'null' if ind.bounds[0] is none else ind.bounds[0] }} as {{ dbt.type_float() }}) as lower_bound,
            cast({{ 'null' if ind.bounds[1] is none else ind.bounds[1] }} as {{ dbt.type_float() }}) as upper_bound,
            '{{ ind.better }}' as better,
            {{ sql_string(ind.legal_basis) }} as legal_basis,
            cast({{ 'null' if ind.get('legal_target') is none else ind.legal_target }} as {{ dbt.type_float() }})
                as legal_target,
            '{{ ind.mart }}' as source_mart,
            {{ sql_string(indicator_formula(ind)) }} as formula
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

forecast_skill as (
    select
        indicator_id,
        count(method) as forecast_series_n,
        count(*) - count(method) as no_forecast_series_n,
        count(*) filter (where chosen_beats_benchmarks) as forecast_chosen_beating_benchmarks_n,
        count(*) filter (where is_benchmark) as forecast_benchmark_series_n,
        percentile_cont(0.5) within group (order by chosen_mase) as forecast_median_chosen_mase,
        avg(coverage_80) as forecast_coverage_80,
        avg(coverage_95) as forecast_coverage_95
    from {{ source('forecast', 'indicator_forecast_skill') }}
    group by indicator_id
),

forecast_methods as (
    select
        indicator_id,
        string_agg(method || ' ' || series_n, ', ' order by series_n desc, method asc) as forecast_methods
    from (
        select
            indicator_id,
            method,
            count(*) as series_n
        from {{ source('forecast', 'indicator_forecast_skill') }}
        where method is not null
        group by indicator_id, method
    ) as by_method
    group by indicator_id
)

select
    r.*,
    replace(r.series_mart, '_monthly', '_forecast') as forecast_mart,
    m.forecast_methods,
    coalesce(f.forecast_series_n, 0) as forecast_series_n,
    coalesce(f.no_forecast_series_n, 0) as no_forecast_series_n,
    coalesce(f.forecast_chosen_beating_benchmarks_n, 0) as forecast_chosen_beating_benchmarks_n,
    coalesce(f.forecast_benchmark_series_n, 0) as forecast_benchmark_series_n,
    {{ virta.round_to('f.forecast_median_chosen_mase', 2) }} as forecast_median_chosen_mase,
    {{ virta.round_to('f.forecast_coverage_80', 2) }} as forecast_coverage_80,
    {{ virta.round_to('f.forecast_coverage_95', 2) }} as forecast_coverage_95,
    '80 % and 95 % prediction intervals of the method' as forecast_interval
from registry as r
left join forecast_skill as f on r.indicator_id = f.indicator_id
left join forecast_methods as m on r.indicator_id = m.indicator_id

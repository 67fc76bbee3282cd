{#- The tables the forecasting step (scripts/virta/forecast.py, `virta forecast`) writes and the
    forecast marts read, created empty before every dbt invocation so that a plain `dbt build` finds
    them; their test forecast_is_current then says when the forecasts are older than the series. -#}
{% macro create_forecast_tables() -%}
    {%- if execute -%}
    {%- set schema = generate_schema_name('forecast', none) -%}
    create table if not exists {{ schema }}.indicator_forecast_inputs (
        series_mart text primary key,
        input_md5 text not null,  -- md5(forecast_input_fingerprint() of the series mart || '|' || forecast_settings_key())
        series_n integer not null,
        forecast_n integer not null,
        seconds double precision not null,
        statsforecast_version text not null,
        computed_at timestamptz not null
    );
    create table if not exists {{ schema }}.indicator_forecast_skill (
        series_mart text not null,
        indicator_id text not null,
        area_code text not null,
        method text,
        is_benchmark boolean,
        chosen_method text,
        chosen_mase double precision,
        chosen_beats_benchmarks boolean,
        history_months integer not null,
        backtest_origins_n integer,
        judging_origins_n integer,
        backtest_mae double precision,
        backtest_mase double precision,
        naive_mase double precision,
        mean_6_mase double precision,
        coverage_80 double precision,
        coverage_95 double precision,
        no_forecast_reason text,
        primary key (series_mart, indicator_id, area_code)
    );
    create table if not exists {{ schema }}.indicator_forecast_values (
        series_mart text not null,
        indicator_id text not null,
        area_code text not null,
        month date not null,
        horizon integer not null,
        forecast_value double precision not null,
        lower_80 double precision not null,
        upper_80 double precision not null,
        lower_95 double precision not null,
        upper_95 double precision not null,
        primary key (series_mart, indicator_id, area_code, month)
    )
    {%- endif -%}
{%- endmacro %}

{#- What a forecast was made from: one hash of a series mart's rows (the step stores it with the
    forecasts, hashed again with forecast_settings_key(); forecast_is_current compares). Python runs
    the same expression, read from here. -#}
{% macro forecast_input_fingerprint() -%}
md5(coalesce(string_agg(
    indicator_id || '|' || area_code || '|' || cast(month as varchar) || '|' || coalesce(cast(value as varchar), '')
    || '|' || cast(is_complete_period as varchar),
    ',' order by indicator_id, area_code, month
), ''))
{%- endmacro %}

{#- The forecast vars a forecast depends on, in the order of SETTINGS_VARS in scripts/virta/forecast.py
    (settings_key renders them alike): forecasts made with other settings are not current. -#}
{% macro forecast_settings_key() -%}
    {%- set parts = [var('forecast_horizon_months'), var('forecast_min_months'), var('forecast_origins'),
                     var('forecast_min_origins'), var('forecast_seasonal_min_months'), var('forecast_min_gain'),
                     var('forecast_seasonal_min_gain')] -%}
    {{ parts | join('|') }}
{%- endmacro %}

{#- A forecast mart's forecasts were made from the series mart as it is now, with the forecast vars
    as they are now: the fingerprint the forecasting step stored for it equals that of now. Warns
    after a plain `dbt build` that changed the series without the step (`virta forecast`; `virta run`,
    `virta daily` and Dagster run it, and the end-to-end tests hold them to it). A warning, not an
    error: the rest of such a build is sound, only the forecasts wait for the step. -#}
{% test forecast_is_current(model, series) %}
{{ config(severity='warn') }}

select
    '{{ series.identifier }}' as series_mart,
    now_.input_md5 as series_now,
    made.input_md5 as forecast_made_from,
    'the forecasts are older than the series: run `virta forecast`' as problem
from (
    select md5({{ virta.forecast_input_fingerprint() }} || '|' || '{{ virta.forecast_settings_key() }}') as input_md5
    from {{ series }}
) as now_
left join {{ source('forecast', 'indicator_forecast_inputs') }} as made
    on made.series_mart = '{{ series.identifier }}'
where made.input_md5 is distinct from now_.input_md5

{% endtest %}

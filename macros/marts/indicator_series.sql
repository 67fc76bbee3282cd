{#- The shape every use case's monthly indicator-series mart shares (and the forecast_series macro
    reads): indicator_id, area_code, area_level, month, n (the count the value rests on),
    is_suppressed, value (hidden under the small-cell threshold) and is_final (the month is over).
    `parts` are CTE names, each with indicator_id, area_code, area_level, month, n and value. -#}
{% macro indicator_series(parts) -%}
select
    s.indicator_id,
    s.area_code,
    s.area_level,
    s.month,
    s.n,
    {{ is_suppressed('s.n') }} as is_suppressed,
    {{ suppressed(virta.round_to('s.value', 1), 's.n') }} as value,
    {{ is_final_month('s.month') }} as is_final
from (
    {%- for part in parts %}
    select
        indicator_id,
        area_code,
        area_level,
        month,
        n,
        value
    from {{ part }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
) as s
{%- endmacro %}

{#- One indicator of a series mart per county and the whole country by month: `value_expr` (an
    aggregate) over the rows of `relation` (which has county_code and month) that pass `where`;
    n = the rows it rests on. -#}
{% macro area_series(indicator_id, relation, value_expr, where=none) -%}
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        '{{ indicator_id }}' as indicator_id,
        count(*) as n,
        {{ value_expr }} as value
    from {{ relation }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
    group by {{ by_county_and_country(['month']) }}
{%- endmacro %}

{#- A share indicator (percent): 100 * rows where `numerator` holds / rows. -#}
{% macro share_series(indicator_id, relation, numerator, where=none) -%}
    {{ area_series(indicator_id, relation, '100.0 * avg(case when ' ~ numerator ~ ' then 1 else 0 end)', where) }}
{%- endmacro %}

{#- The registry (var 'indicators', documented in dbt_project.yml): every indicator, or those of
    one use case, each checked for the keys the series and catalogue read. -#}
{% macro indicators(use_case=none) -%}
    {%- set found, seen = [], [] -%}
    {%- for ind in var('indicators') -%}
        {%- set name = "var 'indicators': " ~ (ind.get('id') or 'entry ' ~ loop.index) -%}
        {%- for key in ['id', 'use_case', 'mart', 'unit', 'bounds', 'better', 'name_en', 'name_fi', 'name_sv',
                     'legal_basis'] -%}
            {%- if ind.get(key) is none -%}
                {{ exceptions.raise_compiler_error(name ~ " has no '" ~ key ~ "'") }}
            {%- endif -%}
        {%- endfor -%}
        {%- if (ind.get('value') is none) == (ind.get('numerator') is none) -%}
            {{ exceptions.raise_compiler_error(name ~ " needs either value (with n) or numerator and denominator") }}
        {%- endif -%}
        {%- if ind.better not in ['higher', 'lower', 'neutral'] -%}
            {{ exceptions.raise_compiler_error(name ~ ": better must be higher, lower or neutral") }}
        {%- endif -%}
        {%- if ind.get('value') and not ind.get('n') or ind.get('numerator') and not ind.get('denominator') -%}
            {{ exceptions.raise_compiler_error(name ~ ": a value needs its count n, a numerator its denominator") }}
        {%- endif -%}
        {%- if ind.bounds is string or ind.bounds | length != 2 -%}
            {{ exceptions.raise_compiler_error(name ~ ": bounds are [lower, upper], null for none") }}
        {%- endif -%}
        {%- for column, value in ind.get('cell', {}).items() -%}
            {%- if value is not string -%}
                {{ exceptions.raise_compiler_error(name ~ ": cell value of " ~ column ~ " must be quoted text, not "
                    ~ value) }}
            {%- endif -%}
        {%- endfor -%}
        {%- if ind.id in seen -%}
            {{ exceptions.raise_compiler_error(name ~ " is registered twice") }}
        {%- endif -%}
        {%- do seen.append(ind.id) -%}
        {%- if ind.use_case not in indicator_series_marts() -%}
            {{ exceptions.raise_compiler_error(name ~ ": use_case must be one of "
                ~ indicator_series_marts().keys() | list) }}
        {%- endif -%}
        {%- if use_case is none or ind.use_case == use_case -%}{%- do found.append(ind) -%}{%- endif -%}
    {%- endfor -%}
    {%- if not found -%}
        {{ exceptions.raise_compiler_error("var 'indicators' has no indicator of use case " ~ use_case) }}
    {%- endif -%}
    {{ return(found) }}
{%- endmacro %}

{#- A ratio entry adds up the cells its `cell` does not pin: it must pin every breakdown the detail
    mart also totals ('all' rows), or those rows count twice (the value stays, n doubles). -#}

{#- A use case's indicator series: every registry indicator of `use_case` read from its detail mart
    (nothing is computed again), in the shape every series mart shares and forecast_series reads:
    indicator_id, area_code, area_level, month, n (the count the value rests on), is_suppressed,
    value (hidden under the small-cell threshold) and is_complete_period (the month is over). -#}
{% macro indicator_series(use_case) -%}
{%- set parts = indicators(use_case) %}
with
{%- for ind in parts %}
{%- set month = "date_trunc('month', d." ~ ind.get('month', 'month') ~ ")::date" if ind.get('month') else 'd.month' %}
{{ ind.id }} as (
    select
        '{{ ind.id }}' as indicator_id,
        d.area_code,
        d.area_level,
        {{ month }} as month,
        {%- if ind.get('value') %}
        d.{{ ind.n }} as n,
        d.{{ ind.value }} as value,
        -- withheld by the detail mart's disclosure control: the series withholds it too
        d.{{ ind.n }} is null or coalesce(d.is_suppressed, false) as is_withheld,
        coalesce(d.is_complete_period, false) as is_complete
        {%- else %}
        sum({{ ind.get('n') or ind.denominator }}) as n,
        {{ virta.to_decimal(ind.get('scale', 1)) }} * sum({{ ind.numerator }}) / nullif(sum({{ ind.denominator }}), 0)
            as value,
        -- a sum over cells one of which is withheld would be wrong, and could give the cell away
        bool_or({{ ind.numerator }} is null or ({{ ind.get('n') or ind.denominator }}) is null) as is_withheld,
        -- complete when every cell added up is (no clock counted in any of them still open)
        coalesce(bool_and(d.is_complete_period), false) as is_complete
        {%- endif %}
    from {{ ref(ind.mart) }} as d
    inner join {{ ref('bv_reporting_month') }} as rm on {{ month }} = rm.month
    where
        true
        {%- for column, value in ind.get('cell', {}).items() %}
        and d.{{ column }} = '{{ value }}'
        {%- endfor %}
        {%- if ind.get('only_when') %}
        and d.{{ ind.only_when }}
        {%- endif %}
    {%- if not ind.get('value') %}
    group by d.area_code, d.area_level, {{ month }}
    {%- endif %}
){{ ',' if not loop.last }}
{%- endfor %}

select
    s.indicator_id,
    s.area_code,
    {{ area_names('s.area_code') }},
    s.area_level,
    s.month,
    case when not s.is_withheld then s.n end as n,
    s.is_withheld or {{ is_suppressed('s.n') }} as is_suppressed,
    case when not s.is_withheld then {{ suppressed(virta.round_to('s.value', 1), 's.n') }} end as value,
    -- the month is over, and the detail rows it is read from are final (no clock still open)
    {{ is_final_month('s.month') }} and s.is_complete as is_complete_period
from (
    {%- for ind in parts %}
    select * from {{ ind.id }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
) as s
{{ area_join('s.area_code') }}
{%- endmacro %}

{#- A text as an SQL string literal, quotes doubled (dbt.string_literal does not escape them). -#}
{% macro sql_string(text) -%}
    '{{ text | replace("'", "''") }}'
{%- endmacro %}

{#- The series mart of each use case (mart_indicator_catalogue says where an indicator is). -#}
{% macro indicator_series_marts() -%}
    {{ return({
        'access_to_care': 'mart_access_indicator_monthly',
        'access_to_social_services': 'mart_social_indicator_monthly',
        'costs': 'mart_cost_indicator_monthly',
        'staff': 'mart_staff_indicator_monthly',
    }) }}
{%- endmacro %}

{% macro indicator_series_mart(use_case) -%}
    {{ return(indicator_series_marts()[use_case]) }}
{%- endmacro %}

{#- How a registry entry reads its detail mart, in words for the catalogue: the column (with its
    count) or the ratio, then the cells and the only_when column. -#}
{% macro indicator_formula(ind) -%}
    {%- set where = [] -%}
    {%- for column, value in ind.get('cell', {}).items() -%}
        {%- do where.append(column ~ ' = ' ~ value) -%}
    {%- endfor -%}
    {%- if ind.get('only_when') -%}{%- do where.append(ind.only_when) -%}{%- endif -%}
    {%- if ind.get('value') -%}
        {%- set read = ind.value ~ ' (n = ' ~ ind.n ~ ')' -%}
    {%- else -%}
        {%- set scale = ind.get('scale', 1) -%}
        {%- set read = (scale ~ ' * ' if scale != 1 else '') ~ 'sum(' ~ ind.numerator ~ ') / sum(' ~ ind.denominator
            ~ ') (n = sum(' ~ (ind.get('n') or ind.denominator) ~ '))' -%}
    {%- endif -%}
    {{ return(read ~ (' where ' ~ where | join(' and ') if where else '')) }}
{%- endmacro %}

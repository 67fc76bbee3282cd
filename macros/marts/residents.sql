{#- Residents behind per-resident figures (bv_population_monthly), per county and the whole country:
    at each reporting month end, and as the mean of a year's month ends (year as an integer). -#}
{% macro residents_by_area_month() -%}
    select
        {{ area_code() }} as area_code,
        month,
        sum(residents_n) as residents_n
    from {{ ref('bv_population_monthly') }}
    group by {{ by_county_and_country(['month']) }}
{%- endmacro %}

{% macro residents_by_area_year() -%}
    select
        m.area_code,
        extract(year from m.month)::integer as year,
        avg(m.residents_n) as residents_n
    from ({{ residents_by_area_month() }}) as m
    group by m.area_code, extract(year from m.month)::integer
{%- endmacro %}

{#- The last reporting month end of each year: the date yearly stock figures are read on. -#}
{% macro year_end_month_ends() -%}
    select max(p.month_end) as month_end
    from {{ ref('bv_population_monthly') }} as p
    group by date_trunc('year', p.month_end)
{%- endmacro %}

{#- Residents behind per-resident figures (bv_population_monthly), per county and for all counties
    together: at each reporting month end, and as the mean of a year's month ends (year as an
    integer). -#}
{% macro residents_by_area_month() -%}
    select
        {{ area_code() }} as area_code,
        month,
        sum(residents_n) as residents_n
    from {{ ref('bv_population_monthly') }}
    group by {{ by_county_and_total(['month']) }}
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

{#- The age-band counts of bv_population_monthly, named for the ages in the vars: older people
    (older_people_age and over), children (under child_age_limit), and the three bands of the
    dependency ratio (dependency_ratio_ages: under the first, between, the second and over). -#}
{% macro population_age_bands() -%}
    {%- set old = var('older_people_age') -%}
    {%- set child = var('child_age_limit') -%}
    {%- set working_from, retired_from = var('dependency_ratio_ages') -%}
    {{ return({
        'older': {'column': 'residents_' ~ old ~ '_plus_n', 'min': old, 'max': none},
        'children': {'column': 'residents_under_' ~ child ~ '_n', 'min': none, 'max': child},
        'young': {'column': 'residents_0_' ~ (working_from - 1) ~ '_n', 'min': none, 'max': working_from},
        'working': {'column': 'residents_' ~ working_from ~ '_' ~ (retired_from - 1) ~ '_n', 'min': working_from, 'max': retired_from},
        'retired': {'column': 'residents_' ~ retired_from ~ '_plus_n', 'min': retired_from, 'max': none},
    }) }}
{%- endmacro %}

{#- Whether `age` (an SQL expression) is in a band of population_age_bands. -#}
{% macro age_band(age, band) -%}
    {%- if band.min is not none and band.max is not none -%}
        {{ age }} >= {{ band.min }} and {{ age }} < {{ band.max }}
    {%- elif band.min is not none -%}
        {{ age }} >= {{ band.min }}
    {%- else -%}
        {{ age }} < {{ band.max }}
    {%- endif -%}
{%- endmacro %}

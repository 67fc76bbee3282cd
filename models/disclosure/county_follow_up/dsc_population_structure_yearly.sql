-- Väestön ikärakenne (age structure of the population) at each year's last reporting month end, per
-- county and all counties together: residents, shares aged 75+ and under 18, and the demographic
-- dependency ratio (väestöllinen huoltosuhde: under-15s and over-64s per 100 aged 15-64), the
-- background of every need and cost comparison. The ages are vars (population_age_bands).

{%- set bands = population_age_bands() %}
{%- set old = var('older_people_age') %}
{%- set child = var('child_age_limit') %}

with year_ends as (
    {{ year_end_month_ends() }}
),

population as (
    select p.*
    from {{ ref('bv_population_monthly') }} as p
    inner join year_ends as y on p.month_end = y.month_end
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month_end,
        sum({{ bands.older.column }}) as {{ bands.older.column }},
        sum({{ bands.children.column }}) as {{ bands.children.column }},
        sum({{ bands.young.column }}) as {{ bands.young.column }},
        sum({{ bands.working.column }}) as {{ bands.working.column }},
        sum({{ bands.retired.column }}) as {{ bands.retired.column }},
        sum(residents_n) as residents_n
    from population
    group by {{ by_county_and_total(['month_end']) }}
),

measured as (
    select
        area_code,
        area_level,
        extract(year from month_end)::integer as year,
        month_end,
        residents_n,
        {{ pct(bands.older.column, 'residents_n') }} as aged_{{ old }}_plus_pct,
        {{ pct(bands.children.column, 'residents_n') }} as under_{{ child }}_pct,
        {{ pct(bands.young.column ~ ' + ' ~ bands.retired.column, bands.working.column) }} as dependency_ratio
    from cells
)

select
    *,
    -- false for a year the data covers only in part
    {{ is_full_year('year') }} as is_full_year
from measured

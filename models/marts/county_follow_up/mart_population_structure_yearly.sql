-- Väestön ikärakenne (age structure of the population) at each year's last reporting month end, per
-- county and the whole country: residents, shares aged 75+ and under 18, and the demographic
-- dependency ratio (väestöllinen huoltosuhde: under-15s and over-64s per 100 aged 15-64), the
-- background of every need and cost comparison.

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
        sum(residents_n) as residents_n,
        sum(residents_75_plus_n) as residents_75_plus_n,
        sum(residents_under_18_n) as residents_under_18_n,
        sum(residents_0_14_n) as residents_0_14_n,
        sum(residents_15_64_n) as residents_15_64_n,
        sum(residents_65_plus_n) as residents_65_plus_n
    from population
    group by {{ by_county_and_country(['month_end']) }}
),

measured as (
    select
        area_code,
        area_level,
        extract(year from month_end)::integer as year,
        month_end,
        residents_n,
        {{ pct('residents_75_plus_n', 'residents_n') }} as aged_75_plus_pct,
        {{ pct('residents_under_18_n', 'residents_n') }} as under_18_pct,
        round(100.0 * (residents_0_14_n + residents_65_plus_n) / nullif(residents_15_64_n, 0), 1) as dependency_ratio
    from cells
)

select
    *,
    -- false for a year the data covers only in part
    {{ is_full_year('year') }} as is_full_year,
    {{ county_rank('aged_75_plus_pct', ['year'], direction='neutral') }} as aged_75_plus_pct_rank
from measured

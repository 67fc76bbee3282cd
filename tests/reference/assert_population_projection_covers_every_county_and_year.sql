-- Every county has the population projection of every year from the projection's first to the
-- var scenario_last_year in every age band (bv_population_projection): a county without a
-- projection area, or a horizon beyond the seed's last year, would otherwise shorten the
-- scenario marts and the whole country's figures silently. One row per county, year and band
-- missing.

with years as (
    select distinct year
    from {{ ref('ref_population_projection') }}
    union
    select {{ var('scenario_last_year') }} as year
),

bands as (
    select distinct age_band
    from {{ ref('bv_population_projection') }}
),

expected as (
    select
        c.county_code,
        y.year,
        b.age_band
    from {{ ref('ref_counties') }} as c
    cross join years as y
    cross join bands as b
    where y.year <= {{ var('scenario_last_year') }}
)

select
    e.county_code,
    e.year,
    e.age_band
from expected as e
left join {{ ref('bv_population_projection') }} as p
    on e.county_code = p.county_code and e.year = p.year and e.age_band = p.age_band
where p.county_code is null

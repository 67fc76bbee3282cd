-- Väestöennuste (population projection) per county and for all counties together, year and age
-- band: the warehouse's residents at the base year's end grown by the official projection of the county's
-- projection area (bv_population_projection: the county itself, or the region whose growth it
-- takes), and the official figure itself where the projection area is the county. The base year is
-- the latest complete year that the projection covers; years run to var scenario_last_year.
-- Residents are published register counts (mart_service_users_by_age_yearly's residents_n).

{%- set total = var('total_area_code') %}

with residents as (
    -- the same in every package's row: one per area, year and band
    select
        area_code,
        area_level,
        year,
        age_band,
        max(residents_n) as residents_n
    from {{ ref('mart_service_users_by_age_yearly') }}
    where is_complete_period and age_band <> 'unknown'
    group by area_code, area_level, year, age_band
),

projection as (
    select
        county_code,
        year,
        age_band,
        residents_n,
        projection_area_code,
        projection_area_level,
        source_code
    from {{ ref('bv_population_projection') }}
    union all
    select
        county_code,
        year,
        'all' as age_band,
        sum(residents_n) as residents_n,
        projection_area_code,
        projection_area_level,
        source_code
    from {{ ref('bv_population_projection') }}
    group by county_code, year, projection_area_code, projection_area_level, source_code
),

base_year as (
    select max(r.year) as base_year
    from residents as r
    where r.year in (select p.year from projection as p)
),

counties as (
    select
        r.area_code,
        r.area_level,
        b.base_year,
        p.year,
        r.age_band,
        r.residents_n as base_residents_n,
        {{ virta.to_decimal('p.residents_n') }} / nullif(p0.residents_n, 0) as growth_index,
        case when p.projection_area_level = 'county' then p.residents_n end as official_residents_n,
        p.projection_area_code,
        p.projection_area_level,
        p.source_code
    from residents as r
    inner join base_year as b on r.year = b.base_year
    inner join projection as p0
        on r.area_code = p0.county_code and r.age_band = p0.age_band and b.base_year = p0.year
    inner join projection as p
        on
            r.area_code = p.county_code and r.age_band = p.age_band
            and p.year between b.base_year and {{ var('scenario_last_year') }}
    where r.area_level = 'county'
),

-- the total of the warehouse's counties: their residents and projected residents added up
-- (a county without a projection area fails the seed's tests, not silently this sum)
total as (
    select
        '{{ total }}' as area_code,
        'total' as area_level,
        c.base_year,
        c.year,
        c.age_band,
        sum(c.base_residents_n) as base_residents_n,
        sum(c.base_residents_n * c.growth_index) / nullif(sum(c.base_residents_n), 0) as growth_index,
        null::bigint as official_residents_n,
        string_agg(distinct c.projection_area_code, ', ' order by c.projection_area_code) as projection_area_code,
        case when bool_and(c.projection_area_level = 'county') then 'county' else 'region' end
            as projection_area_level,
        min(c.source_code) as source_code
    from counties as c
    group by c.base_year, c.year, c.age_band
),

projected as (
    select * from counties
    union all
    select * from total
)

select
    p.area_code,
    area.area_name_fi,
    area.area_name_sv,
    area.area_name_en,
    p.area_level,
    p.base_year,
    p.year,
    -- the base year is the register's year; the later ones are projected
    case when p.year = p.base_year then 'actual' else 'projection' end as row_type,
    p.age_band,
    {{ projection_age_band_min('p.age_band') }} as age_band_min,
    p.base_residents_n,
    round(p.growth_index, 4) as growth_index,
    round(p.base_residents_n * p.growth_index) as projected_residents_n,
    p.official_residents_n,
    p.projection_area_code,
    p.projection_area_level,
    p.source_code
from projected as p
{{ area_join('p.area_code') }}

-- The municipality classification is whole: every county in force has municipalities in force, and
-- their residents add up to the county's published population within 3 % (the two are published
-- for different years: a county missing a large municipality, or a municipality under the wrong
-- county, moves its sum far more). One row per county that fails, with both figures.

with municipalities as (
    select
        county_code,
        count(*) as municipalities_n,
        sum(population) as population
    from {{ ref('ref_municipality_county') }}
    where valid_to is null
    group by county_code
)

select
    c.county_code,
    c.population as county_population,
    m.municipalities_n,
    m.population as municipalities_population
from {{ ref('ref_counties') }} as c
left join municipalities as m on c.county_code = m.county_code
where
    c.valid_to is null
    and (
        m.county_code is null
        or abs(m.population - c.population) > 0.03 * c.population
    )

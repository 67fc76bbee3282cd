-- The population projection (väestöennuste, ref_population_projection) per county, year and age
-- band of the var projection_age_bands: the residents of the county's projection area
-- (ref_population_projection_areas: the county itself, or the region whose growth it takes), with
-- the area's level and the projection's source. The seed is wide (a column per age), so it is
-- read age by age here.

{#- ages 0-99, and 100 for the column of 100 and over -#}
{%- set ages = range(101) | list %}

with ages as (
    select
        p.projection_area_code,
        p.source_code,
        p.year,
        a.age,
        a.residents_n
    from {{ ref('ref_population_projection') }} as p
    cross join lateral (
        values
        {%- for age in ages %}
            ({{ age }}, p.age_{{ age if age < 100 else '100_plus' }}){{ ',' if not loop.last }}
        {%- endfor %}
    ) as a (age, residents_n)
),

banded as (
    select
        projection_area_code,
        source_code,
        year,
        {{ projection_age_band('age') }} as age_band,
        sum(residents_n) as residents_n
    from ages
    group by projection_area_code, source_code, year, {{ projection_age_band('age') }}
)

select
    m.county_code,
    b.year,
    b.age_band,
    {{ projection_age_band_min('b.age_band') }} as age_band_min,
    b.residents_n,
    m.projection_area_code,
    m.projection_area_level,
    b.source_code
from {{ ref('ref_population_projection_areas') }} as m
inner join banded as b on m.projection_area_code = b.projection_area_code

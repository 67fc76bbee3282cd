-- The areas the marts report on, one row per area code and validity: the whole country ('FI'),
-- the wellbeing services counties (hyvinvointialueet, and Helsinki, which organises the services
-- itself) and the municipalities (kunnat), with Finnish, Swedish and English names and the area
-- above each. Every published mart's area_code is one of these; the marts carry the names.

select
    'FI' as area_code,
    'country' as area_level,
    cast(null as {{ dbt.type_string() }}) as parent_area_code,
    'Suomi' as area_name_fi,
    'Finland' as area_name_sv,
    'Finland' as area_name_en,
    sum(c.population) as population,
    max(c.population_year) as population_year,
    min(c.valid_from) as valid_from,
    cast(null as date) as valid_to
from {{ ref('ref_counties') }} as c
where c.valid_to is null

union all

select
    c.county_code as area_code,
    'county' as area_level,
    'FI' as parent_area_code,
    c.name_fi as area_name_fi,
    c.name_sv as area_name_sv,
    c.name_en as area_name_en,
    c.population,
    c.population_year,
    c.valid_from,
    c.valid_to
from {{ ref('ref_counties') }} as c

union all

-- Finnish municipalities are called by their Finnish names in English
select
    m.municipality_code as area_code,
    'municipality' as area_level,
    m.county_code as parent_area_code,
    m.name_fi as area_name_fi,
    m.name_sv as area_name_sv,
    m.name_fi as area_name_en,
    cast(null as integer) as population,
    cast(null as integer) as population_year,
    m.valid_from,
    m.valid_to
from {{ ref('ref_municipality_county') }} as m

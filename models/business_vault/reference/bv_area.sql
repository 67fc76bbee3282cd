-- The areas the marts report on, one row per area code and validity: the whole country ('FI', the
-- area of published national figures), the total of the counties loaded into this warehouse ('all',
-- the marts' total rows), the wellbeing services counties (hyvinvointialueet, and Helsinki, which
-- organises the services itself) and the municipalities (kunnat), with Finnish, Swedish and English
-- names and the area above each. Every published mart's area_code is one of these.
--
-- The total is called the whole country only when it is: when every county in force has residents
-- in this warehouse at its latest month end, or var warehouse_is_national says so. Otherwise its
-- name says how many of the counties it adds up, so a single county's warehouse never shows its own
-- figures as Finland's.

with

current_counties as (
    select *
    from {{ ref('ref_counties') }}
    where valid_to is null
),

-- the counties with residents at the latest month end the register covers: a county whose data
-- stopped, or that has only people who moved away, is not in the warehouse's present
loaded as (
    select distinct p.county_code
    from {{ ref('bv_population_monthly') }} as p
    where
        p.residents_n > 0
        and p.month_end = (select max(l.month_end) from {{ ref('bv_population_monthly') }} as l)
),

scope as (
    select
        count(l.county_code) as counties_n,
        count(*) as counties_in_force_n,
        sum(c.population) filter (where l.county_code is not null) as population,
        count(l.county_code) = count(*) or {{ var('warehouse_is_national') }} as is_whole_country,
        max(c.population_year) as population_year,
        min(c.valid_from) as valid_from
    from current_counties as c
    left join loaded as l on c.county_code = l.county_code
)

select
    '{{ var("country_area_code") }}' as area_code,
    'country' as area_level,
    cast(null as {{ dbt.type_string() }}) as parent_area_code,
    'Koko maa' as area_name_fi,
    'Hela landet' as area_name_sv,
    'Whole country' as area_name_en,
    sum(c.population) as population,
    max(c.population_year) as population_year,
    count(*) as counties_n,
    true as is_whole_country,
    min(c.valid_from) as valid_from,
    cast(null as date) as valid_to
from current_counties as c

union all

select
    '{{ var("total_area_code") }}' as area_code,
    'total' as area_level,
    cast(null as {{ dbt.type_string() }}) as parent_area_code,
    case when s.is_whole_country then 'Koko maa (laskettu)'
        else 'Tietovaraston alueet yhteensä (' || s.counties_n || '/' || s.counties_in_force_n || ')'
    end as area_name_fi,
    case when s.is_whole_country then 'Hela landet (beräknat)'
        else 'Områdena i datalagret sammanlagt (' || s.counties_n || '/' || s.counties_in_force_n || ')'
    end as area_name_sv,
    case when s.is_whole_country then 'Whole country (computed)'
        else 'Areas in this warehouse (' || s.counties_n || ' of ' || s.counties_in_force_n || ')'
    end as area_name_en,
    s.population,
    s.population_year,
    s.counties_n,
    s.is_whole_country,
    s.valid_from,
    cast(null as date) as valid_to
from scope as s

union all

select
    c.county_code as area_code,
    'county' as area_level,
    '{{ var("country_area_code") }}' as parent_area_code,
    c.name_fi as area_name_fi,
    c.name_sv as area_name_sv,
    c.name_en as area_name_en,
    c.population,
    c.population_year,
    1 as counties_n,
    false as is_whole_country,
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
    m.population,
    m.population_year,
    cast(null as integer) as counties_n,
    false as is_whole_country,
    m.valid_from,
    m.valid_to
from {{ ref('ref_municipality_county') }} as m

-- Palvelujen käyttäjät ikäryhmittäin (service users by age band) per county and for all counties together,
-- year and service package: unique people with activity in the year, by their age at the year's
-- last reporting month end in the bands of the var projection_age_bands, beside the residents of
-- the band then. Each person-year has one age, so the bands add up to the 'all' row. The need the
-- service-need scenario grows by the population projection.

{%- set per = var('service_users_rate_base') %}

with year_ends as (
    {{ year_end_month_ends() }}
),

aged as (
    select
        u.county_code,
        u.year,
        u.package_code,
        u.person_hk,
        -- null without a birth date, or when born after the year's end (an error upstream)
        case
            when p.birth_date <= y.month_end then {{ virta.age_in_years('p.birth_date', 'y.month_end') }}
        end as age
    from {{ ref('bv_service_users_yearly') }} as u
    inner join year_ends as y on u.year = extract(year from y.month_end)::integer
    left join {{ ref('bv_person') }} as p on u.person_hk = p.person_hk
),

banded as (
    select
        county_code,
        year,
        package_code,
        person_hk,
        -- counted in 'unknown' when the age is not known
        coalesce({{ projection_age_band('age') }}, 'unknown') as age_band
    from aged
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        year,
        package_code,
        {{ or_all('age_band') }} as age_band,
        -- a person who used the package in two counties is one user of the total
        count(distinct person_hk) as users_n
    from banded
    group by {{ by_area_with_totals(['year', 'package_code'], ['age_band']) }}
),

residents_aged as (
    select
        p.county_code,
        extract(year from p.month_end)::integer as year,
        {{ projection_age_band('p.age') }} as age_band,
        p.residents_n
    from {{ ref('bv_population_by_age_monthly') }} as p
    inner join year_ends as y on p.month_end = y.month_end
),

residents as (
    select
        {{ area_code() }} as area_code,
        year,
        {{ or_all('age_band') }} as age_band,
        sum(residents_n) as residents_n
    from residents_aged
    group by {{ by_area_with_totals(['year'], ['age_band']) }}
),

-- every band with residents, for every package used in the area and year: a band in which nobody
-- used the package is a 0 (and every band's residents are there); 'unknown' where users are of
-- unknown age
grid as (
    select
        c.area_code,
        c.area_level,
        c.year,
        c.package_code,
        r.age_band
    from cells as c
    inner join residents as r on c.area_code = r.area_code and c.year = r.year
    where c.age_band = 'all'
    union
    select
        area_code,
        area_level,
        year,
        package_code,
        age_band
    from cells
),

packages as (
    {{ service_packages() }}
),

measured as (
    select
        g.area_code,
        g.area_level,
        g.year,
        g.package_code,
        p.package_name_fi,
        p.package_name_en,
        g.age_band,
        {{ projection_age_band_min('g.age_band') }} as age_band_min,
        coalesce(c.users_n, 0) as users_n,
        r.residents_n,
        {{ 'round(' ~ per ~ '.0 * coalesce(c.users_n, 0) / nullif(r.residents_n, 0), 1)' }} as users_per_{{ per }}
    from grid as g
    left join cells as c
        on
            g.area_code = c.area_code and g.year = c.year and g.package_code = c.package_code
            and g.age_band = c.age_band
    left join residents as r on g.area_code = r.area_code and g.year = r.year and g.age_band = r.age_band
    left join packages as p on g.package_code = p.package_code
)

select
    *,
    -- false for a year the data covers only in part
    {{ is_full_year('year') }} as is_full_year
from measured

-- Palvelutarveskenaario (service-need scenario) per county and for all counties together, service package
-- and year: the base year's users grown, age band by age band, by the population projection
-- (mart_population_projection_yearly), and the base year's net costs of the package grown with
-- them at the base year's euros per user. Read only from published marts: a band's users withheld
-- by disclosure control grow with the whole population of the area, so nothing withheld is
-- recomputed.

with users as (
    select
        area_code,
        year,
        package_code,
        package_name_fi,
        package_name_en,
        age_band,
        users_n
    from {{ ref('mart_service_users_by_age_yearly') }}
    where is_complete_period
),

projection as (
    select
        area_code,
        area_level,
        base_year,
        year,
        age_band,
        growth_index,
        projection_area_code,
        projection_area_level,
        source_code
    from {{ ref('mart_population_projection_yearly') }}
),

base_years as (
    select distinct
        area_code,
        base_year
    from projection
),

packages as (
    select distinct
        service_code,
        package_code
    from {{ ref('ref_aura_service_classes') }}
),

base as (
    select
        t.area_code,
        t.year as base_year,
        t.package_code,
        t.package_name_fi,
        t.package_name_en,
        t.users_n as base_users_n
    from users as t
    inner join base_years as py
        on t.area_code = py.area_code and t.year = py.base_year
    where t.age_band = 'all'
),

grown as (
    select
        bs.area_code,
        bs.base_year,
        p.year,
        bs.package_code,
        sum(u.users_n * p.growth_index) as banded_users,
        -- the base-year users these bands hold: the rest (withheld, of unknown age, or in a band
        -- without a growth index) grow with the whole population
        sum(u.users_n) as banded_base_users
    from base as bs
    inner join users as u
        on
            bs.area_code = u.area_code and bs.base_year = u.year and bs.package_code = u.package_code
            and u.age_band not in ('all', 'unknown')
    inner join projection as p on u.area_code = p.area_code and u.age_band = p.age_band
    where u.users_n is not null and p.growth_index is not null
    group by bs.area_code, bs.base_year, p.year, bs.package_code
),

costs as (
    -- the package's net costs in the base year: null when a service of it is withheld
    select
        c.area_code,
        c.year,
        s.package_code,
        case when bool_and(c.net_eur is not null) then sum(c.net_eur) end as net_eur
    from {{ ref('mart_cost_per_unit_yearly') }} as c
    inner join packages as s on c.service_code = s.service_code
    where c.is_complete_period
    group by c.area_code, c.year, s.package_code
),

scenario as (
    select
        bs.area_code,
        p.area_level,
        bs.base_year,
        p.year,
        bs.package_code,
        bs.package_name_fi,
        bs.package_name_en,
        bs.base_users_n,
        coalesce(g.banded_users, 0)
        + (bs.base_users_n - coalesce(g.banded_base_users, 0)) * p.growth_index as projected_users,
        k.net_eur as base_net_eur,
        p.projection_area_code,
        p.projection_area_level,
        p.source_code
    from base as bs
    inner join projection as p
        on bs.area_code = p.area_code and bs.base_year = p.base_year and p.age_band = 'all'
    left join grown as g
        on bs.area_code = g.area_code and p.year = g.year and bs.package_code = g.package_code
    left join costs as k
        on bs.area_code = k.area_code and bs.base_year = k.year and bs.package_code = k.package_code
)

select
    s.area_code,
    area.area_name_fi,
    area.area_name_sv,
    area.area_name_en,
    s.area_level,
    s.base_year,
    s.year,
    -- the base year is the data's year; the later ones are projected
    case when s.year = s.base_year then 'actual' else 'projection' end as row_type,
    s.package_code,
    s.package_name_fi,
    s.package_name_en,
    s.base_users_n,
    round(s.projected_users) as projected_users_n,
    round(s.projected_users / nullif(s.base_users_n, 0), 4) as users_index,
    s.base_net_eur,
    round(s.base_net_eur / nullif(s.base_users_n, 0), 2) as base_eur_per_user,
    round(s.base_net_eur * s.projected_users / nullif(s.base_users_n, 0), 2) as projected_net_eur,
    s.projection_area_code,
    s.projection_area_level,
    s.source_code,
    case
        when s.base_users_n is null then 'base-year users withheld by disclosure control'
        when s.base_net_eur is null then 'base-year costs withheld or not booked: users only'
    end as scenario_note
from scenario as s
{{ area_join('s.area_code') }}

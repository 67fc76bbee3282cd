-- Järjestämislaki § 29, ennuste: service need and cost under Statistics Finland's population
-- projection (väestöennuste 2024) per area and service package, every fifth year from the base year,
-- with the projected residents aged 75+ beside them.
select
    s.area_code,
    s.area_name_en,
    s.package_name_en,
    s.year,
    s.base_users_n,
    s.projected_users_n,
    s.users_index,
    s.projected_net_eur,
    o.projected_residents_n as residents_75_84_n,
    s.projection_area_level
from marts.mart_service_need_scenario_yearly as s
left join marts.mart_population_projection_yearly as o
    on s.area_code = o.area_code and s.year = o.year and o.age_band = '75-84'
where (s.year - s.base_year) % 5 = 0
order by s.area_level desc, s.area_code asc, s.package_code asc, s.year asc;

-- Järjestämislaki § 29, nykytila: population, the old, living at home and joint clients in the
-- latest year, per area.
select
    p.area_code,
    p.area_name_en,
    p.year,
    p.residents_n,
    p.aged_75_plus_pct,
    p.under_18_pct,
    p.dependency_ratio,
    h.living_at_home_pct,
    j.joint_clients_pct
from marts.mart_population_structure_yearly as p
left join marts.mart_older_people_at_home_yearly as h on p.area_code = h.area_code and p.year = h.year
left join marts.mart_joint_social_health_clients_yearly as j on p.area_code = j.area_code and p.year = j.year
where p.year = (select max(l.year) from marts.mart_population_structure_yearly as l)
order by p.area_level desc, p.area_code asc;

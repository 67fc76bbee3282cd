-- Kustannukset, vertailu: unit costs per service in the latest complete year, counties against the
-- total of the warehouse's counties (all), with the rank by euros per client (1 = highest) among how many.
select
    u.area_code,
    u.area_name_en,
    u.year,
    u.service_code,
    u.service_name_en,
    u.clients_n,
    u.eur_per_client,
    u.eur_per_visit,
    u.eur_per_care_day,
    u.eur_per_client_rank,
    u.eur_per_client_ranked_areas_n
from marts.mart_cost_per_unit_yearly as u
where u.is_complete_period and u.year = (
        select max(l.year) from marts.mart_cost_per_unit_yearly as l
        where l.is_complete_period
    )
order by u.service_code asc, u.area_level desc, u.area_code asc;

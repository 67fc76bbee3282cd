-- Kustannukset, nykytila: net costs per resident in the latest complete month, by AURA service group
-- (palveluryhmä) and production mode, per area, with each county's rank among how many.
select
    c.area_code,
    c.area_name_en,
    c.month,
    c.class_code,
    c.class_name_en,
    c.production_mode,
    c.net_eur,
    c.net_eur_per_resident,
    c.net_eur_per_resident_rank,
    c.net_eur_per_resident_ranked_areas_n
from marts.mart_costs_by_aura_monthly as c
where
    c.aura_level = 'service_group' and c.production_mode = 'all'
    and c.month = (
        select max(l.month) from marts.mart_costs_by_aura_monthly as l
        where l.is_complete_period
    )
order by c.class_code asc, c.area_level desc, c.area_code asc;

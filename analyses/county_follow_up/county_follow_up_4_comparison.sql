-- Järjestämislaki § 29, vertailu: the share of residents aged 75+ living at home, counties ranked
-- (1 = highest) among how many, against the total of the counties (all).
select
    h.area_code,
    h.area_name_en,
    h.year,
    h.residents_75_plus_n,
    h.living_at_home_pct,
    h.living_at_home_pct_rank,
    h.living_at_home_pct_ranked_areas_n
from marts.mart_older_people_at_home_yearly as h
where h.living_at_home_pct is not null
order by h.year asc, h.area_level desc, h.living_at_home_pct_rank asc;

-- Kustannukset, lain vaatimukset: järjestämislaki § 29 asks the county to follow its costs by
-- service. How much of each area's net cost the AURA classification places (and how much stays
-- 'unmapped', which the county must map), per complete year.
select
    c.area_code,
    c.area_name_en,
    cast(extract(year from c.month) as integer) as year,
    round(sum(c.net_eur) filter (where c.aura_level = 'total'), 0) as net_eur,
    round(sum(c.net_eur) filter (where c.aura_level = 'service_group' and c.class_code = 'unmapped'), 0)
        as unmapped_net_eur,
    round(
        100.0 * sum(c.net_eur) filter (where c.aura_level = 'service_group' and c.class_code = 'unmapped')
        / nullif(sum(c.net_eur) filter (where c.aura_level = 'total'), 0), 2
    ) as unmapped_pct
from marts.mart_costs_by_aura_monthly as c
where c.production_mode = 'all' and c.is_complete_period
group by c.area_code, c.area_name_en, extract(year from c.month)
having count(*) filter (where c.aura_level = 'total') = 12
order by year, c.area_code;

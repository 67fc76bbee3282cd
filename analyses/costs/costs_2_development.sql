-- Kustannukset, kehitys: net costs per resident per area and year (all services), from the monthly
-- series, with the change from the year before; complete months only.
with yearly as (
    select
        s.area_code,
        s.area_name_en,
        cast(extract(year from s.month) as integer) as year,
        count(*) as months_n,
        round(sum(s.value), 1) as net_eur_per_resident
    from marts.mart_cost_indicator_monthly as s
    where s.indicator_id = 'cost_net_eur_per_resident' and s.is_complete_period and s.value is not null
    group by s.area_code, s.area_name_en, extract(year from s.month)
)

select
    y.*,
    round(100.0 * (y.net_eur_per_resident - p.net_eur_per_resident) / nullif(p.net_eur_per_resident, 0), 1)
        as change_pct
from yearly as y
left join yearly as p on y.area_code = p.area_code and y.year = p.year + 1 and y.months_n = p.months_n
order by y.area_code, y.year;

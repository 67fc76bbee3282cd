-- Kustannukset, kehitys: net costs per resident per area and year (all services, complete months),
-- and the change from the same months a year before (a year covered in part is compared over the
-- months both years have).
with monthly as (
    select
        area_code,
        area_name_en,
        month,
        value
    from marts.mart_cost_indicator_monthly
    where indicator_id = 'cost_net_eur_per_resident' and is_complete_period and value is not null
)

select
    m.area_code,
    m.area_name_en,
    cast(extract(year from m.month) as integer) as year,
    count(*) as months_n,
    round(sum(m.value), 1) as net_eur_per_resident,
    round(100.0 * (sum(m.value) filter (where p.value is not null) - sum(p.value)) / nullif(sum(p.value), 0), 1)
        as change_pct
from monthly as m
left join monthly as p
    on m.area_code = p.area_code and p.month = cast(m.month - interval '1 year' as date)
group by m.area_code, m.area_name_en, extract(year from m.month)
order by m.area_code, year;

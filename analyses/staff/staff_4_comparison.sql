-- Henkilöstö, vertailu: the counties side by side in the latest complete year: FTE per 1 000
-- residents, sickness absence and salaries per FTE in 24-hour service housing and in all services.
select
    r.area_code,
    r.area_name_en,
    r.service_code,
    r.year,
    r.fte_per_1000,
    r.sick_absence_pct,
    r.turnover_pct,
    r.salaries_per_fte_eur
from marts.mart_staff_resources_yearly as r
where
    r.service_code in ('all', 'ILL-S-0701')
    and r.year = (
        select max(y.year) from marts.mart_staff_resources_yearly as y
        where y.is_complete_period
    )
order by r.service_code, r.area_code;

-- Henkilöstö, kehitys: staff resources year by year per area (all services): full-time equivalents
-- per 1 000 residents, sickness absence, turnover and the agency staff's share of hours.
select
    r.area_code,
    r.area_name_en,
    r.year,
    r.is_complete_period,
    r.fte_mean,
    r.fte_per_1000,
    r.sick_absence_pct,
    r.turnover_pct,
    r.agency_hours_pct
from marts.mart_staff_resources_yearly as r
where r.service_code = 'all'
order by r.area_code, r.year;

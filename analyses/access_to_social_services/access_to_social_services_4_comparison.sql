-- Palveluun pääsy, vertailu: days from decision to the start of each service per area over the
-- complete months of the latest year, counties against their total (starts-weighted means).
select
    s.area_code,
    s.area_name_en,
    s.service,
    sum(s.starts_n) as starts_n,
    round(sum(s.days_decision_to_start_mean * s.starts_n) / nullif(sum(s.starts_n), 0), 1)
        as days_decision_to_start_mean
from marts.mart_social_service_starts_monthly as s
where
    s.is_complete_period and s.days_decision_to_start_mean is not null
    and extract(year from s.month) = (
        select max(extract(year from l.month)) from marts.mart_social_service_starts_monthly as l
        where l.is_complete_period
    )
group by s.area_code, s.area_name_en, s.area_level, s.service
order by s.service asc, s.area_level desc, s.area_code asc;

-- Hoitoon pääsy, kehitys: general-practice waits per area and year (complete, published months):
-- visits, the mean of the monthly medians, the mean share within 14 days, and its change from the
-- same months a year before (a year covered in part is compared over the months both years have).
with monthly as (
    select
        area_code,
        area_name_en,
        month,
        visits_n,
        wait_days_median,
        within_14d_pct
    from marts.mart_primary_care_waits_monthly
    where
        service_line = 'general_practice' and professional_group = 'all' and age_group = 'all'
        and is_complete_period and not is_suppressed
)

select
    m.area_code,
    m.area_name_en,
    cast(extract(year from m.month) as integer) as year,
    count(*) as months_n,
    sum(m.visits_n) as visits_n,
    round(avg(m.wait_days_median), 1) as wait_days_median_mean,
    round(avg(m.within_14d_pct), 1) as within_14d_pct_mean,
    round(avg(m.within_14d_pct) filter (where p.within_14d_pct is not null) - avg(p.within_14d_pct), 1)
        as within_14d_pct_change
from monthly as m
left join monthly as p
    on m.area_code = p.area_code and p.month = cast(m.month - interval '1 year' as date)
group by m.area_code, m.area_name_en, extract(year from m.month)
order by m.area_code, year;

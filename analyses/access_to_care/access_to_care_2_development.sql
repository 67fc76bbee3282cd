-- Hoitoon pääsy, kehitys: general-practice waits per area and year (complete months only): visits,
-- the mean of the monthly medians and the share within 14 days, and the change from the year before.
with yearly as (
    select
        area_code,
        area_name_en,
        cast(extract(year from month) as integer) as year,
        sum(visits_n) as visits_n,
        round(avg(wait_days_median), 1) as wait_days_median_mean,
        round(avg(within_14d_pct), 1) as within_14d_pct_mean,
        count(*) as months_n
    from marts.mart_primary_care_waits_monthly
    where
        service_line = 'general_practice' and professional_group = 'all' and age_group = 'all'
        and is_complete_period and not is_suppressed
    group by area_code, area_name_en, extract(year from month)
)

select
    y.*,
    y.within_14d_pct_mean - p.within_14d_pct_mean as within_14d_pct_change
from yearly as y
-- a year covered in part (the first and the last) is compared only with as many months
left join yearly as p on y.area_code = p.area_code and y.year = p.year + 1 and y.months_n = p.months_n
order by y.area_code, y.year;

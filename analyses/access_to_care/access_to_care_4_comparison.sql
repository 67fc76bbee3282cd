-- Hoitoon pääsy, vertailu: specialised care's waiting list at the latest complete month end, the
-- counties ranked (1 = fewest waiting over 180 days) among how many, against the whole country.
select
    w.area_code,
    w.area_name_en,
    w.month_end,
    w.waiting_n,
    w.over_180_pct,
    w.over_180_per_10000,
    w.wait_days_median,
    w.over_180_pct_rank,
    w.over_180_pct_ranked_areas_n
from marts.mart_specialised_care_waiting_month_end as w
where
    w.waiting_for = 'all'
    and w.month_end = (
        select max(l.month_end) from marts.mart_specialised_care_waiting_month_end as l
        where l.is_complete_period and l.waiting_for = 'all'
    )
order by w.area_level desc, w.over_180_pct_rank asc, w.area_code asc;

-- Järjestämislaki § 29, yhdenvertaisuus (equality): the gap in median primary-care waits between
-- women and men and between the units' municipalities, per area and year (lower is more equal).
select
    e.area_code,
    e.area_name_en,
    e.year,
    e.breakdown,
    e.groups_n,
    e.wait_days_median_min,
    e.wait_days_median_max,
    e.wait_days_median_gap,
    e.wait_days_median_gap_rank
from marts.mart_wait_equality_yearly as e
where e.wait_days_median_gap is not null
order by e.breakdown, e.year, e.area_code;

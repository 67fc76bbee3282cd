-- Hoitajamitoitus (realised staffing ratio of 24-hour care for older people) per unit and ISO week,
-- per county (unit_oid 'all') and for all counties together, before disclosure control: the week's
-- clients, the counted hours of direct client work and the ratio against the legal minimum
-- (bv_staffing_ratio_weekly computes each unit's week; this adds units up and names them).
-- The county rows: the client-weighted ratio (counted hours over all units / their ratio-one
-- hours) and how many units met the minimum over the three weeks ending with the week (the
-- monitoring period of § 20(3)), of the units judged.

{%- set week_hours = virta.to_decimal(var('staff_full_time_week_hours')) %}

with unit_names as (
    {{ virta.latest_per_key(['c.organisation_unit_hk', 'c.unit_oid', 'c.unit_name', 'c.places'],
        ref('bv_unit_census_daily') ~ ' as c', key=['c.organisation_unit_hk'], latest='c.census_date desc') }}
),

weeks as (
    select
        w.*,
        u.unit_oid,
        u.unit_name,
        u.places
    from {{ ref('bv_staffing_ratio_weekly') }} as w
    inner join unit_names as u on w.organisation_unit_hk = u.organisation_unit_hk
    -- weeks of the reporting period, whose clients were counted
    where
        w.census_days_n > 0
        and w.week_start + 6 >= (select d.first_day from {{ ref('bv_data_as_of') }} as d)
        and w.week_start <= (select d.as_of_date from {{ ref('bv_data_as_of') }} as d)
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        {{ or_all('unit_oid') }} as unit_oid,
        case when grouping(unit_oid) = 0 then max(unit_name) end as unit_name,
        week_start,
        -- a whole week inside the data: every day counted, every shift realised, before the as-of date
        bool_and(is_complete_week)
        and week_start >= (select d.first_day from {{ ref('bv_data_as_of') }} as d)
        and week_start + 6 <= (select d.as_of_date from {{ ref('bv_data_as_of') }} as d) as is_final,
        sum(places) as places_n,
        count(*) as units_n,
        count(meets_minimum) as units_judged_n,
        count(*) filter (where meets_minimum) as units_meeting_minimum_n,
        sum(clients_n) as clients_n,
        sum(client_days_n) as client_days_n,
        sum(counted_hours) as counted_hours,
        sum(minimum_client_days) as minimum_client_days,
        sum(staff_n) as staff_n,
        sum(counting_staff_n) as counting_staff_n,
        sum(census_days_n) as census_days_n,
        sum(imputed_days_n) as imputed_days_n
    from weeks
    group by grouping sets ((county_code, unit_oid, week_start), (county_code, week_start), (week_start))
)

select
    c.area_code,
    c.area_level,
    c.unit_oid,
    c.unit_name,
    c.week_start,
    c.is_final,
    c.places_n,
    c.units_n,
    c.units_judged_n,
    c.units_meeting_minimum_n,
    {{ virta.round_to('100.0 * c.units_meeting_minimum_n / nullif(c.units_judged_n, 0)', 1) }}
        as units_meeting_minimum_pct,
    c.imputed_days_n,
    c.clients_n,
    c.client_days_n,
    {{ virta.round_to('c.client_days_n / nullif(c.census_days_n, 0)', 1) }} as clients_mean,
    {{ virta.round_to('c.counted_hours', 2) }} as counted_hours,
    {{ virta.round_to('c.counted_hours / ' ~ week_hours ~ ' / (nullif(c.census_days_n, 0) / 7.0 / c.units_n)', 2) }}
        as counted_fte,
    c.staff_n,
    c.counting_staff_n,
    {{ virta.round_to('c.client_days_n * ' ~ week_hours ~ ' / 7', 2) }} as ratio_one_hours,
    -- THL publishes the ratio with two decimals; whether it meets the minimum is judged unrounded
    -- (bv_staffing_ratio_weekly); each ratio is one division of exact sums
    {{ virta.round_to('c.counted_hours * 7 / nullif(c.client_days_n * ' ~ week_hours ~ ', 0)', 2) }} as realised_ratio,
    {{ virta.round_to('c.minimum_client_days / nullif(c.client_days_n, 0)', 3) }} as minimum_ratio,
    {{ virta.round_to('(c.counted_hours * 7 - c.minimum_client_days * ' ~ week_hours ~ ')'
        ~ ' / nullif(c.client_days_n * ' ~ week_hours ~ ', 0)', 2) }} as ratio_gap
from cells as c

-- Pääsy terveyskeskussairaalaan (access to health-centre hospital care): per county and for all
-- counties together and month, the non-urgent patients admitted from the wards' queues in the month
-- and whether within the legal deadline of their need assessment (the rule in force then:
-- ref_legal_deadline_rules, 6 months), their median wait, and the non-urgent patients still waiting
-- on the month's last day in bands of 0-90, 91-180 and over 180 days (var
-- specialised_waiting_bands_days: THL's bands for hospital queues), with the county's rank.

{%- set short, long = var('specialised_waiting_bands_days') %}

with admissions as (
    select
        d.county_code,
        date_trunc('month', d.clock_stop_date)::date as month,
        d.deadline_status,
        {{ virta.days_between('d.clock_start_date', 'd.clock_stop_date') }} as wait_days
    from {{ ref('bv_deadline_status') }} as d
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', d.clock_stop_date)::date = rm.month
    -- a clock a rule covers: non-urgent care (an urgent patient is admitted at once)
    where d.clock_type = 'hospital_care_admission' and d.rule_id is not null and d.county_code is not null
),

admitted_cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        count(*) as admitted_n,
        count(*) filter (where deadline_status = 'met') as admitted_in_time_n,
        count(*) filter (where deadline_status = 'late') as admitted_late_n,
        percentile_cont(0.5) within group (order by wait_days) as wait_days_median_exact
    from admissions
    group by {{ by_county_and_total(['month']) }}
),

-- in the queue on the month-end day: assessed by then, neither admitted nor cancelled by then
waiting as (
    select
        h.county_code,
        rm.month,
        {{ virta.days_between('h.assessed_on', 'rm.month_end') }} as wait_days
    from {{ ref('bv_reporting_month') }} as rm
    inner join {{ ref('bv_hospital_period') }} as h
        on
            rm.month_end >= h.assessed_on
            and (h.left_queue_on is null or rm.month_end < h.left_queue_on)
    where h.urgency = 'non_urgent' and h.county_code is not null
),

waiting_cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        count(*) as waiting_n,
        count(*) filter (where wait_days <= {{ short }}) as days_0_{{ short }}_n,
        count(*) filter (where wait_days between {{ short + 1 }} and {{ long }}) as days_{{ short + 1 }}_{{ long }}_n,
        count(*) filter (where wait_days > {{ long }}) as over_{{ long }}_n
    from waiting
    group by {{ by_county_and_total(['month']) }}
),

cells as (
    select
        coalesce(a.area_code, w.area_code) as area_code,
        coalesce(a.area_level, w.area_level) as area_level,
        coalesce(a.month, w.month) as month,
        coalesce(a.admitted_n, 0) as admitted_n,
        coalesce(a.admitted_in_time_n, 0) as admitted_in_time_n,
        coalesce(a.admitted_late_n, 0) as admitted_late_n,
        a.wait_days_median_exact,
        coalesce(w.waiting_n, 0) as waiting_n,
        coalesce(w.days_0_{{ short }}_n, 0) as days_0_{{ short }}_n,
        coalesce(w.days_{{ short + 1 }}_{{ long }}_n, 0) as days_{{ short + 1 }}_{{ long }}_n,
        coalesce(w.over_{{ long }}_n, 0) as over_{{ long }}_n
    from admitted_cells as a
    full outer join waiting_cells as w on a.area_code = w.area_code and a.month = w.month
)

select
    area_code,
    area_level,
    month,
    admitted_n,
    admitted_in_time_n,
    admitted_late_n,
    {{ pct('admitted_in_time_n', 'admitted_n') }} as admitted_in_time_pct,
    {{ virta.round_to('wait_days_median_exact', 1) }} as wait_days_median,
    waiting_n,
    days_0_{{ short }}_n,
    days_{{ short + 1 }}_{{ long }}_n,
    over_{{ long }}_n,
    {{ pct('over_' ~ long ~ '_n', 'waiting_n') }} as over_{{ long }}_pct,
    {{ is_final_month('month') }} as is_final
from cells

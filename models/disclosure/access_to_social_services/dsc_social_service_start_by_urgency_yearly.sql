-- Kiireelliset ja kiireettömät (urgent and non-urgent) social services: granted services by year of
-- the initiation (vireilletulo), case group and urgency, how many started and how many days the
-- start took from the initiation (median, mean, 90th percentile), and for the non-urgent the share
-- started within SHL § 45's 3 months. An urgent case is implemented without delay (SHL § 45), which
-- sets no number of days: its days to start are the measure, and no rule judges it. Per county and
-- for all counties together, each case group and urgency also 'all'.

with clocks as (
    select
        d.county_code,
        extract(year from d.clock_start_date)::integer as year,
        coalesce(c.case_group, 'unknown') as case_group,
        d.urgency,
        d.deadline_status,
        d.clock_stop_date is not null as is_started,
        {{ virta.days_between('d.clock_start_date', 'd.clock_stop_date') }} as days_to_start
    from {{ ref('bv_deadline_status') }} as d
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', d.clock_start_date)::date = rm.month
    left join {{ ref('bv_social_care_decision') }} as c on d.event_hk = c.decision_hk
    where
        d.clock_type = 'social_service_start_from_initiation'
        and d.county_code is not null
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        year,
        {{ or_all('case_group') }} as case_group,
        {{ or_all('urgency') }} as urgency,
        count(*) as granted_n,
        count(*) filter (where is_started) as started_n,
        count(*) filter (where not is_started) as waiting_n,
        percentile_cont(0.5) within group (order by days_to_start) as days_to_start_median,
        avg(days_to_start) as days_to_start_mean,
        percentile_cont(0.9) within group (order by days_to_start) as days_to_start_p90,
        -- the non-urgent services SHL § 45's 3 months judge: met, late or overdue on the as-of date
        count(*) filter (where deadline_status in ('met', 'late', 'overdue')) as deadline_judged_n,
        count(*) filter (where deadline_status = 'met') as deadline_met_n
    from clocks
    group by {{ by_area_with_totals(['year'], ['case_group', 'urgency']) }}
)

select
    area_code,
    area_level,
    year,
    case_group,
    urgency,
    granted_n,
    started_n,
    waiting_n,
    {{ virta.round_to('days_to_start_median', 1) }} as days_to_start_median,
    {{ virta.round_to('days_to_start_mean', 1) }} as days_to_start_mean,
    {{ virta.round_to('days_to_start_p90', 1) }} as days_to_start_p90,
    deadline_judged_n,
    deadline_met_n,
    {{ pct('deadline_met_n', 'deadline_judged_n') }} as within_deadline_pct,
    {{ is_full_year('year') }} as is_full_year
from cells

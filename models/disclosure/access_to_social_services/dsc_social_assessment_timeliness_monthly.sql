-- Palvelutarpeen arviointi ajallaan (service-need assessment on time): cases by month of
-- initiation (vireilletulo), case group and the group the law covers, with the share of
-- assessments started by the 7th arkipäivä (SHL § 36; child welfare: investigation, LSL § 26) and
-- completed within 3 months where the law sets it, and the days to the start and to the completion;
-- per county and for all counties together, with the county's rank.

{%- set dims = ['month', 'case_group', 'legal_group'] %}

with cases as (
    select
        c.county_code,
        date_trunc('month', c.initiated_on)::date as month,
        c.case_group,
        c.legal_group,
        c.days_to_assessment_start,
        c.days_to_assessment_complete,
        s.deadline_status as start_status,
        f.deadline_status as complete_status
    from {{ ref('bv_social_care_case') }} as c
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', c.initiated_on)::date = rm.month
    left join {{ ref('bv_deadline_status') }} as s
        on c.social_care_case_hk = s.event_hk and s.clock_type = 'social_assessment_start'
    left join {{ ref('bv_deadline_status') }} as f
        on c.social_care_case_hk = f.event_hk and f.clock_type = 'social_assessment_complete'
    where c.county_code is not null
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        case_group,
        legal_group,
        count(*) as cases_n,
        count(days_to_assessment_start) as started_n,
        -- decided clocks: met, late, and not started although due (overdue); open ones wait
        count(*) filter (where start_status = 'met') as started_on_time_n,
        count(*) filter (where start_status in ('late', 'overdue')) as started_late_n,
        count(*) filter (where start_status = 'open') as start_open_n,
        -- cases no start deadline covers (the group the law does not name): counted, never judged
        count(*) filter (where start_status = 'no_rule') as start_no_rule_n,
        avg(days_to_assessment_start) as days_to_start_mean,
        percentile_cont(0.5) within group (order by days_to_assessment_start) as days_to_start_median,
        count(days_to_assessment_complete) as completed_n,
        count(*) filter (where complete_status = 'met') as completed_on_time_n,
        count(*) filter (where complete_status in ('late', 'overdue')) as completed_late_n,
        count(*) filter (where complete_status = 'open') as complete_open_n,
        count(*) filter (where complete_status = 'no_rule') as complete_no_rule_n,
        avg(days_to_assessment_complete) as days_to_complete_mean,
        percentile_cont(0.5) within group (order by days_to_assessment_complete) as days_to_complete_median
    from cases
    group by {{ by_county_and_total(dims) }}
),

measured as (
    select
        area_code,
        area_level,
        month,
        case_group,
        legal_group,
        cases_n,
        started_n,
        started_on_time_n,
        started_late_n,
        start_open_n,
        start_no_rule_n,
        completed_n,
        completed_on_time_n,
        completed_late_n,
        complete_open_n,
        complete_no_rule_n,
        {{ pct('started_on_time_n', 'started_on_time_n + started_late_n') }}
            as started_on_time_pct,
        {{ pct('completed_on_time_n', 'completed_on_time_n + completed_late_n') }}
            as completed_on_time_pct,
        {{ 'round(days_to_start_mean, 1)' }} as days_to_start_mean,
        {{ virta.round_to('days_to_start_median', 1) }} as days_to_start_median,
        {{ 'round(days_to_complete_mean, 1)' }} as days_to_complete_mean,
        {{ virta.round_to('days_to_complete_median', 1) }} as days_to_complete_median
    from cells
)

select
    *,
    {{ is_final_month('month', 'start_open_n + complete_open_n') }} as is_final
from measured

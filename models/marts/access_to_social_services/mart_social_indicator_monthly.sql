-- The headline access-to-social-services indicators as one monthly series per indicator and area
-- (county or the whole country), in the same shape as the access-to-care series: the input of the
-- trend and forecast mart. Months the data covers only in part are left out.

with clocks as (
    select
        d.county_code,
        date_trunc('month', d.clock_start_date)::date as month,
        d.clock_type,
        d.service,
        d.deadline_status,
        -- a month is final for a clock type once every clock started in it is past its due date
        bool_and(d.due_date < d.as_of_date)
            over (partition by d.clock_type, d.service, date_trunc('month', d.clock_start_date))
            as is_final_month
    from {{ ref('bv_deadline_status') }} as d
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', d.clock_start_date)::date = rm.month
    where
        d.clock_type like 'social\_%'
        and d.rule_id is not null
        and d.county_code is not null
),

-- decided clocks (met, late, or past due without the event) of final months only: while 3-month
-- clocks of a recent month still run, its share would count only the quick ones
case_clocks as (
    select c.*
    from clocks as c
    where c.is_final_month
),

decisions as (
    select
        d.county_code,
        date_trunc('month', d.decided_on)::date as month,
        d.case_group,
        d.days_initiation_to_decision
    from {{ ref('bv_social_care_decision') }} as d
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', d.decided_on)::date = rm.month
    where d.county_code is not null
),

service_starts as (
    select
        d.county_code,
        date_trunc('month', d.service_started_on)::date as month,
        d.service,
        d.days_decision_to_start
    from {{ ref('bv_social_care_decision') }} as d
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', d.service_started_on)::date = rm.month
    where d.county_code is not null
),

assessment_started_on_time as (
    {{ share_series('sc_assessment_started_on_time_pct', 'case_clocks', "deadline_status = 'met'",
        where="clock_type = 'social_assessment_start' and service = 'service_need_assessment'") }}
),

investigation_started_on_time as (
    {{ share_series('cw_investigation_started_on_time_pct', 'case_clocks', "deadline_status = 'met'",
        where="clock_type = 'social_assessment_start' and service = 'child_welfare'") }}
),

investigation_completed_on_time as (
    {{ share_series('cw_investigation_completed_on_time_pct', 'case_clocks', "deadline_status = 'met'",
        where="clock_type = 'social_assessment_complete' and service = 'child_welfare'") }}
),

started_within_3m_of_initiation as (
    {{ share_series('sc_service_within_3m_of_initiation_pct', 'case_clocks', "deadline_status = 'met'",
        where="clock_type = 'social_service_start_from_initiation'") }}
),

started_within_3m_of_decision as (
    {{ share_series('sc_service_within_3m_of_decision_pct', 'case_clocks', "deadline_status = 'met'",
        where="clock_type = 'social_service_start_from_decision'") }}
),

days_to_decision as (
    {{ area_series('sc_older_people_days_initiation_to_decision_mean', 'decisions',
        'avg(days_initiation_to_decision)', where="case_group = 'older_people'") }}
),

housing_days_to_start as (
    {{ area_series('sc_housing_24h_days_decision_to_start_mean', 'service_starts',
        'avg(days_decision_to_start)', where="service = 'housing_24h'") }}
)

{{ indicator_series([
    'assessment_started_on_time', 'investigation_started_on_time', 'investigation_completed_on_time',
    'started_within_3m_of_initiation', 'started_within_3m_of_decision', 'days_to_decision',
    'housing_days_to_start'
]) }}

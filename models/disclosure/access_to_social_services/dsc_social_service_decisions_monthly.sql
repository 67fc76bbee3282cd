-- Päätökset ja palvelun alkaminen (decisions and service starts): decisions by month of decision
-- and service, with the days from initiation (vireilletulo) to decision and from decision to the
-- start of the granted service, and the shares of granted services started within 3 months of the
-- initiation (SHL § 45) and, for older people, of the decision (vanhuspalvelulaki § 18); per
-- county and all counties together, each case group also over all its services ('all'), with the
-- county's rank.

{%- set dims = ['month', 'case_group', 'service'] %}

with decisions as (
    select
        d.county_code,
        date_trunc('month', d.decided_on)::date as month,
        d.case_group,
        d.service,
        d.outcome,
        d.is_case_known,
        d.days_initiation_to_decision,
        d.days_decision_to_start,
        i.deadline_status as from_initiation_status,
        s.deadline_status as from_decision_status
    from {{ ref('bv_social_care_decision') }} as d
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', d.decided_on)::date = rm.month
    left join {{ ref('bv_deadline_status') }} as i
        on d.decision_hk = i.event_hk and i.clock_type = 'social_service_start_from_initiation'
    left join {{ ref('bv_deadline_status') }} as s
        on d.decision_hk = s.event_hk and s.clock_type = 'social_service_start_from_decision'
    where d.county_code is not null
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        case_group,
        {{ or_all('service') }} as service,
        count(*) as decisions_n,
        count(*) filter (where outcome = 'granted') as granted_n,
        count(days_decision_to_start) as started_n,
        -- decisions whose initiation is known: the days from initiation rest on these
        count(days_initiation_to_decision) as initiation_known_n,
        avg(days_initiation_to_decision) as days_initiation_to_decision_mean,
        percentile_cont(0.5) within group (order by days_initiation_to_decision)
            as days_initiation_to_decision_median,
        avg(days_decision_to_start) as days_decision_to_start_mean,
        percentile_cont(0.5) within group (order by days_decision_to_start) as days_decision_to_start_median,
        count(*) filter (where from_initiation_status = 'met') as within_3m_of_initiation_n,
        count(*) filter (where from_initiation_status in ('met', 'late', 'overdue')) as initiation_deadline_passed_n,
        count(*) filter (where from_decision_status = 'met') as within_3m_of_decision_n,
        count(*) filter (where from_decision_status in ('met', 'late', 'overdue')) as decision_deadline_passed_n,
        count(*) filter (where from_initiation_status = 'open' or from_decision_status = 'open') as open_n,
        -- decisions whose case is known only by its key: no initiation, so no SHL § 45 clock
        count(*) filter (where not is_case_known) as case_unknown_n
    from decisions
    group by {{ by_area_with_totals(['month', 'case_group'], ['service']) }}
),

measured as (
    select
        area_code,
        area_level,
        month,
        case_group,
        service,
        decisions_n,
        granted_n,
        started_n,
        initiation_known_n,
        open_n,
        case_unknown_n,
        -- each measure is hidden on the count it rests on, not on all decisions
        {{ 'round(days_initiation_to_decision_mean, 1)' }}
            as days_initiation_to_decision_mean,
        {{ virta.round_to('days_initiation_to_decision_median', 1) }}
            as days_initiation_to_decision_median,
        {{ 'round(days_decision_to_start_mean, 1)' }} as days_decision_to_start_mean,
        {{ virta.round_to('days_decision_to_start_median', 1) }}
            as days_decision_to_start_median,
        {{ pct('within_3m_of_initiation_n', 'initiation_deadline_passed_n') }}
            as within_3m_of_initiation_pct,
        {{ pct('within_3m_of_decision_n', 'decision_deadline_passed_n') }}
            as within_3m_of_decision_pct
    from cells
)

select
    *,
    {{ is_final_month('month', 'open_n') }} as is_final
from measured

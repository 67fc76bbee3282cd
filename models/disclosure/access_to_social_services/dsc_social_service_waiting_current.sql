-- Myönteisen päätöksen saaneet odottavat (waiting with a positive decision): people whose service
-- was granted by the queue date but has not started, per county and for all counties together and
-- service, with how long they have waited since the decision and the initiation and how many are
-- past the 3-month deadlines (vanhuspalvelulaki § 18 from the decision, SHL § 45 from the
-- initiation). The case-level list is the restricted rst_access_queue_current (clock_type social_*).

{%- set dims = ['queue_date', 'case_group', 'service'] %}

with waiting as (
    select
        q.county_code,
        q.queue_date,
        d.case_group,
        d.service,
        {{ virta.days_between('d.decided_on', 'q.queue_date') }} as days_since_decision,
        q.days_waited as days_since_initiation,
        q.is_overdue as is_overdue_from_initiation,
        coalesce(v.is_overdue, false) as is_overdue_from_decision
    from {{ ref('bv_queue_current') }} as q
    inner join {{ ref('bv_social_care_decision') }} as d on q.event_hk = d.decision_hk
    left join {{ ref('bv_queue_current') }} as v
        on q.event_hk = v.event_hk and v.clock_type = 'social_service_start_from_decision'
    where
        q.clock_type = 'social_service_start_from_initiation'
        and d.decided_on <= q.queue_date
        and q.county_code is not null
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        queue_date,
        case_group,
        service,
        count(*) as waiting_n,
        count(*) filter (where is_overdue_from_decision) as overdue_from_decision_n,
        count(*) filter (where is_overdue_from_initiation) as overdue_from_initiation_n,
        avg(days_since_decision) as days_since_decision_mean,
        max(days_since_decision) as days_since_decision_max,
        avg(days_since_initiation) as days_since_initiation_mean
    from waiting
    group by {{ by_county_and_total(dims) }}
)

select
    area_code,
    area_level,
    queue_date,
    case_group,
    service,
    waiting_n,
    overdue_from_decision_n,
    overdue_from_initiation_n,
    round(days_since_decision_mean, 1) as days_since_decision_mean,
    days_since_decision_max,
    round(days_since_initiation_mean, 1) as days_since_initiation_mean
from cells

-- Every clock a legal deadline can run on, one row per event and clock type, in one shape:
-- which service and population, when the clock started and when (if yet) it stopped.
-- New use cases (specialised care, social services) add their clocks here as further unions.

with assessment_visits as (
    select
        need_assessment_hk,
        count(*) as visit_records,
        min(visit_at) filter (where visit_status = 'completed') as first_completed_visit_at,
        bool_or(visit_status = 'booked') as has_pending_booking
    from {{ ref('bv_primary_care_visit') }}
    where need_assessment_hk is not null and not is_deleted
    group by need_assessment_hk
)

-- contact -> need assessment (same arkipäivä since 2023-09-01, 3 arkipäivää before)
select
    encode(a.need_assessment_hk, 'hex') || ':contact' as clock_id,
    a.need_assessment_hk as event_hk,
    'primary_care_contact' as clock_type,
    a.county_code,
    a.service_line as service,
    a.urgency,
    a.age_at_contact as age_at_clock_start,
    -- customer segments the person is in, comma-delimited ('' = none known); see bv_deadline_status
    '' as segments,
    'contact' as clock_start_event,
    'need_assessment' as clock_stop_event,
    a.contacted_at::date as clock_start_date,
    a.assessed_at::date as clock_stop_date
from {{ ref('bv_primary_care_assessment') }} as a
where a.contacted_at is not null

union all

-- need assessment -> realised visit, for assessments whose visit took place or is still booked;
-- when every visit was cancelled or missed no treatment clock runs (a rebooking is a new visit)
select
    encode(a.need_assessment_hk, 'hex') || ':visit' as clock_id,
    a.need_assessment_hk as event_hk,
    'primary_care_treatment' as clock_type,
    a.county_code,
    a.service_line as service,
    a.urgency,
    a.age_at_assessment as age_at_clock_start,
    '' as segments,
    'need_assessment' as clock_start_event,
    'visit' as clock_stop_event,
    a.assessed_at::date as clock_start_date,
    v.first_completed_visit_at::date as clock_stop_date
from {{ ref('bv_primary_care_assessment') }} as a
inner join assessment_visits as v on a.need_assessment_hk = v.need_assessment_hk
where v.first_completed_visit_at is not null or v.has_pending_booking

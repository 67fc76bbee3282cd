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
),

referrals as (
    select
        r.*,
        -- child and youth psychiatry has its own, shorter deadlines under 23 (TTHL § 53)
        case
            when r.specialty = 'youth_psychiatry' and r.age_at_referral < 23 then 'child_youth_psychiatry'
            else 'specialised_care'
        end as deadline_service,
        case when r.age_at_referral < 23 then 'children_youth' else '' end as segments
    from {{ ref('bv_specialised_care_referral') }} as r
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

union all

-- specialised care: referral arrived -> processing started (3 weeks); not for referrals cancelled
-- before processing
select
    encode(r.referral_hk, 'hex') || ':processing' as clock_id,
    r.referral_hk as event_hk,
    'specialised_care_processing' as clock_type,
    r.county_code,
    'specialised_care' as service,
    'non_urgent' as urgency,
    r.age_at_referral as age_at_clock_start,
    r.segments,
    'referral_arrived' as clock_start_event,
    'referral_processed' as clock_stop_event,
    r.received_on as clock_start_date,
    r.processed_on as clock_stop_date
from referrals as r
where r.processed_on is not null or r.closed_on is null

union all

-- referral arrived -> specialist assessment (3 months; 6 weeks in child and youth psychiatry), for
-- referrals assessed or still waiting (rejected and cancelled ones stop no clock)
select
    encode(r.referral_hk, 'hex') || ':assessment' as clock_id,
    r.referral_hk as event_hk,
    'specialised_care_assessment' as clock_type,
    r.county_code,
    r.deadline_service as service,
    'non_urgent' as urgency,
    r.age_at_referral as age_at_clock_start,
    r.segments,
    'referral_arrived' as clock_start_event,
    'specialist_assessment' as clock_stop_event,
    r.received_on as clock_start_date,
    r.assessed_on as clock_stop_date
from referrals as r
where r.assessed_on is not null or r.closed_on is null

union all

-- queue entry (need for treatment established at the assessment) -> treatment (6 months; 3 months
-- in child and youth psychiatry), for referrals treated or still queued
select
    encode(r.referral_hk, 'hex') || ':treatment' as clock_id,
    r.referral_hk as event_hk,
    'specialised_care_treatment' as clock_type,
    r.county_code,
    r.deadline_service as service,
    'non_urgent' as urgency,
    r.age_at_referral as age_at_clock_start,
    r.segments,
    case
        when r.deadline_service = 'child_youth_psychiatry' then 'need_established' else 'specialist_assessment'
    end as clock_start_event,
    'treatment_start' as clock_stop_event,
    r.queued_on as clock_start_date,
    r.treated_on as clock_stop_date
from referrals as r
where r.queued_on is not null and (r.treated_on is not null or r.closed_on is null)

{{ virta.bv_incremental_config('event_hk', indexes=[
    {'columns': ['clock_id'], 'unique': true}, {'columns': ['event_hk']}
]) }}
-- Every clock a legal deadline can run on, one row per event and clock type, in one shape:
-- which service and population, when the clock started and when (if yet) it stopped.
-- Primary care, specialised care, the health-centre hospital and social services each add their
-- clocks as further unions.
-- Kept incrementally per event (clock_event_news): an event's clocks are recomputed whole when its
-- rows changed, so a clock that no longer runs (a referral cancelled before processing) is dropped.

with
{%- if is_incremental() %}
affected as (
    {{ virta.clock_event_news() }}
),
{%- endif %}

assessment_visits as (
    select
        need_assessment_hk,
        count(*) as visit_records,
        min(visit_at) filter (where visit_status = 'completed') as first_completed_visit_at,
        bool_or(visit_status = 'booked') as has_pending_booking,
        -- where the visits took place: the clock's county and service line when the assessment's
        -- contact is unknown (a quarantined or missing contact row)
        min(county_code) as visit_county_code,
        min(service_line) as visit_service_line
    from {{ ref('bv_primary_care_visit') }}
    where need_assessment_hk is not null and not is_deleted and {{ virta.bv_is_affected('need_assessment_hk') }}
    group by need_assessment_hk
),

referrals as (
    select
        r.*,
        -- child and youth psychiatry has its own, shorter deadlines up to the age its rules set
        -- (under 23, TTHL § 53); the rules' age range, not a segment, decides who they cover
        case
            when
                r.specialty = 'youth_psychiatry'
                and r.age_at_referral < {{ rule_age('child_youth_psychiatry', bound='age_max') }}
                then 'child_youth_psychiatry'
            else 'specialised_care'
        end as deadline_service,
        '' as segments
    from {{ ref('bv_specialised_care_referral') }} as r
    where {{ virta.bv_is_affected('r.referral_hk') }}
),

-- health-centre hospital care periods not cancelled while waiting (a cancelled place ends no clock)
hospital_periods as (
    select h.*
    from {{ ref('bv_hospital_period') }} as h
    where h.cancelled_on is null and {{ virta.bv_is_affected('h.hospital_period_hk') }}
),

social_cases as (
    select
        c.*,
        -- child welfare runs on lastensuojelulaki § 26 (notification -> investigation), disability
        -- services on vammaispalvelulaki (application -> assessment, decision), the other groups on
        -- sosiaalihuoltolaki § 36 (initiation -> service-need assessment)
        c.case_group = 'child_welfare' as is_child_welfare,
        c.case_group = 'disability' as is_disability
    from {{ ref('bv_social_care_case') }} as c
    where c.initiated_on is not null and {{ virta.bv_is_affected('c.social_care_case_hk') }}
),

-- a case's first decision, whatever its outcome: the decision clock stops at it
case_decisions as (
    select
        d.social_care_case_hk,
        min(d.decided_on) as first_decided_on
    from {{ ref('bv_social_care_decision') }} as d
    where d.social_care_case_hk is not null and {{ virta.bv_is_affected('d.social_care_case_hk') }}
    group by d.social_care_case_hk
),

-- the segments a law sets a decision deadline for (ref_legal_deadline_rules: clock stop 'decision')
decision_rule_segments as (
    select distinct r.segment
    from {{ ref('ref_legal_deadline_rules') }} as r
    where r.clock_start_event = 'application' and r.clock_stop_event = 'decision'
),

granted_decisions as (
    select d.*
    from {{ ref('bv_social_care_decision') }} as d
    where d.outcome = 'granted' and {{ virta.bv_is_affected('d.decision_hk') }}
),

assessments as (
    select a.*
    from {{ ref('bv_primary_care_assessment') }} as a
    where {{ virta.bv_is_affected('a.need_assessment_hk') }}
)
,

final as (
    -- contact -> need assessment (same arkipäivä since 2023-09-01, 3 arkipäivää before)
    select
        encode(a.need_assessment_hk, 'hex') || ':contact' as clock_id,
        a.need_assessment_hk as event_hk,
        'primary_care_contact' as clock_type,
        a.county_code,
        a.service_line as service,
        a.urgency,
        a.age_at_contact as age_at_clock_start,
        -- customer segments the person is in, comma-delimited ('' = none known); see bv_deadline_due
        '' as segments,
        'contact' as clock_start_event,
        'need_assessment' as clock_stop_event,
        a.contacted_at::date as clock_start_date,
        a.assessed_at::date as clock_stop_date
    from assessments as a
    where a.contacted_at is not null

    union all

    -- need assessment -> realised visit, for assessments whose visit took place or is still booked;
    -- when every visit was cancelled or missed no treatment clock runs (a rebooking is a new visit)
    select
        encode(a.need_assessment_hk, 'hex') || ':visit' as clock_id,
        a.need_assessment_hk as event_hk,
        'primary_care_treatment' as clock_type,
        coalesce(a.county_code, v.visit_county_code) as county_code,
        coalesce(a.service_line, v.visit_service_line) as service,
        a.urgency,
        a.age_at_assessment as age_at_clock_start,
        '' as segments,
        'need_assessment' as clock_start_event,
        'visit' as clock_stop_event,
        a.assessed_at::date as clock_start_date,
        v.first_completed_visit_at::date as clock_stop_date
    from assessments as a
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

    union all

    -- health-centre hospital: need assessment -> admission (6 months for a non-urgent patient; an
    -- urgent one is admitted at once and no rule covers the clock), for periods admitted or queued
    select
        encode(h.hospital_period_hk, 'hex') || ':admission' as clock_id,
        h.hospital_period_hk as event_hk,
        'hospital_care_admission' as clock_type,
        h.county_code,
        'health_centre_hospital' as service,
        h.urgency,
        h.age_at_assessment as age_at_clock_start,
        '' as segments,
        'need_assessment' as clock_start_event,
        'admission' as clock_stop_event,
        h.assessed_on as clock_start_date,
        h.admitted_on as clock_stop_date
    from hospital_periods as h

    union all

    -- social care: initiation -> service-need assessment started (SHL § 36: 7th arkipäivä for 75+,
    -- highest care allowance); child welfare: notification -> investigation started (LSL § 26);
    -- disability services: application -> need assessed (7th arkipäivä, vammaispalvelulaki)
    select
        encode(c.social_care_case_hk, 'hex') || ':assessment_start' as clock_id,
        c.social_care_case_hk as event_hk,
        'social_assessment_start' as clock_type,
        c.county_code,
        case
            when c.is_child_welfare then 'child_welfare'
            when c.is_disability then 'disability_service'
            else 'service_need_assessment'
        end as service,
        c.urgency,
        c.age_at_initiation as age_at_clock_start,
        c.segments,
        case
            when c.is_child_welfare then 'notification' when c.is_disability then 'application' else 'initiation'
        end as clock_start_event,
        case when c.is_child_welfare then 'investigation_started' else 'assessment_start' end as clock_stop_event,
        c.initiated_on as clock_start_date,
        c.assessment_started_on as clock_stop_date
    from social_cases as c

    union all

    -- application -> decision, for the groups a law sets a decision deadline for (disability
    -- services: 3 months, vammaispalvelulaki 380/1987 § 3 a, 675/2023 from 2025)
    select
        encode(c.social_care_case_hk, 'hex') || ':decision' as clock_id,
        c.social_care_case_hk as event_hk,
        'social_decision' as clock_type,
        c.county_code,
        case when c.is_disability then 'disability_service' else 'social_service' end as service,
        c.urgency,
        c.age_at_initiation as age_at_clock_start,
        c.segments,
        'application' as clock_start_event,
        'decision' as clock_stop_event,
        c.initiated_on as clock_start_date,
        cd.first_decided_on as clock_stop_date
    from social_cases as c
    left join case_decisions as cd on c.social_care_case_hk = cd.social_care_case_hk
    where
        exists (
            select 1 from decision_rule_segments as rs
            where position(',' || rs.segment || ',' in ',' || c.segments || ',') > 0
        )

    union all

    -- initiation -> assessment (investigation) completed (3 months for children: SHL § 36, LSL § 26)
    select
        encode(c.social_care_case_hk, 'hex') || ':assessment_complete' as clock_id,
        c.social_care_case_hk as event_hk,
        'social_assessment_complete' as clock_type,
        c.county_code,
        case when c.is_child_welfare then 'child_welfare' else 'service_need_assessment' end as service,
        c.urgency,
        c.age_at_initiation as age_at_clock_start,
        c.segments,
        'initiation' as clock_start_event,
        case when c.is_child_welfare then 'investigation_completed' else 'assessment_complete' end as clock_stop_event,
        c.initiated_on as clock_start_date,
        c.assessment_completed_on as clock_stop_date
    from social_cases as c

    union all

    -- granted service: initiation -> service start (SHL § 45: 3 months from the initiation in a
    -- non-urgent case; an urgent one without delay, which sets no number of days, so no rule covers
    -- it). Child welfare's cases carry no urgency mark: its open-care support counts as non-urgent
    -- (the urgent placements of LSL § 38 are not in this extract).
    select
        encode(d.decision_hk, 'hex') || ':service_start_shl45' as clock_id,
        d.decision_hk as event_hk,
        'social_service_start_from_initiation' as clock_type,
        d.county_code,
        'social_service' as service,
        coalesce(d.urgency, 'non_urgent') as urgency,
        d.age_at_initiation as age_at_clock_start,
        d.segments,
        'initiation' as clock_start_event,
        'service_start' as clock_stop_event,
        d.initiated_on as clock_start_date,
        d.service_started_on as clock_stop_date
    from granted_decisions as d
    -- a decision whose case is unknown has no initiation date: this clock cannot start
    where d.initiated_on is not null

    union all

    -- granted older people's service: decision -> service start (vanhuspalvelulaki § 18: 3 months)
    select
        encode(d.decision_hk, 'hex') || ':service_start_vpl18' as clock_id,
        d.decision_hk as event_hk,
        'social_service_start_from_decision' as clock_type,
        d.county_code,
        'older_people_service' as service,
        d.urgency,
        d.age_at_initiation as age_at_clock_start,
        d.segments,
        'decision' as clock_start_event,
        'service_start' as clock_stop_event,
        d.decided_on as clock_start_date,
        d.service_started_on as clock_stop_date
    from granted_decisions as d
    where d.case_group = 'older_people'
)

{{ virta.bv_replace_keys_select('final', 'event_hk') }}

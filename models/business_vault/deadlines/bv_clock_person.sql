{{ config(indexes=[{'columns': ['clock_id'], 'unique': true}, {'columns': ['person_hk', 'clock_start_month']}]) }}
-- The person each legal clock (bv_clock_events) runs for, by the event that started it: a need
-- assessment, a specialised-care referral, a hospital care period, a social-care case or decision.
-- What joins a clock to the person's customer segments in the month it started
-- (bv_person_segment_monthly).

with event_people as (
    select
        need_assessment_hk as event_hk,
        person_hk
    from {{ ref('bv_primary_care_assessment') }}
    union all
    select
        referral_hk as event_hk,
        person_hk
    from {{ ref('bv_specialised_care_referral') }}
    union all
    select
        hospital_period_hk as event_hk,
        person_hk
    from {{ ref('bv_hospital_period') }}
    union all
    select
        social_care_case_hk as event_hk,
        person_hk
    from {{ ref('bv_social_care_case') }}
    union all
    select
        decision_hk as event_hk,
        person_hk
    from {{ ref('bv_social_care_decision') }}
)

select
    c.clock_id,
    c.clock_type,
    c.county_code,
    e.person_hk,
    date_trunc('month', c.clock_start_date)::date as clock_start_month
from {{ ref('bv_clock_events') }} as c
inner join event_people as e on c.event_hk = e.event_hk
where e.person_hk is not null and c.county_code is not null and c.clock_start_date is not null

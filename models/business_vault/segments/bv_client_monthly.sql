{{ config(indexes=[{'columns': ['person_hk', 'month']}]) }}
-- Asiakkaat kuukausittain (clients by month): each person in each county and month they used a
-- service (bv_service_activity) or started a path to one (a primary-care need assessment, a
-- specialised-care referral, a social-care case or decision, a legal clock), with the service intensity of the
-- month: the heaviest tier (ref_service_intensity) of the services used, null when none was used
-- (a contact, an assessment, a referral or a case only). The people and months segments are
-- worked out for (bv_person_segment_monthly).

with services as (
    select
        a.person_hk,
        a.county_code,
        a.month,
        min(i.tier_rank) as tier_rank
    from {{ ref('bv_service_activity') }} as a
    left join {{ ref('ref_service_intensity') }} as i
        on
            a.service_code = i.service_code
            and a.month >= i.valid_from
            and (i.valid_to is null or a.month <= i.valid_to)
    where a.person_hk is not null
    group by a.person_hk, a.county_code, a.month
),

paths as (
    select
        person_hk,
        county_code,
        date_trunc('month', assessed_at)::date as month
    from {{ ref('bv_primary_care_assessment') }}
    where assessed_at is not null
    union
    select
        person_hk,
        county_code,
        date_trunc('month', received_on)::date as month
    from {{ ref('bv_specialised_care_referral') }}
    union
    select
        person_hk,
        county_code,
        date_trunc('month', initiated_on)::date as month
    from {{ ref('bv_social_care_case') }}
    where initiated_on is not null
    union
    select
        person_hk,
        county_code,
        date_trunc('month', decided_on)::date as month
    from {{ ref('bv_social_care_decision') }}
    where decided_on is not null
    union
    -- the month a legal clock started (a contact before its assessment's month, say): every clock
    -- finds its person's segments in its start month
    select
        person_hk,
        county_code,
        clock_start_month as month
    from {{ ref('bv_clock_person') }}
),

client_months as (
    select
        person_hk,
        county_code,
        month
    from services
    union
    select
        person_hk,
        county_code,
        month
    from paths
    where person_hk is not null and county_code is not null
),

tiers as (
    select distinct
        tier_rank,
        intensity_tier
    from {{ ref('ref_service_intensity') }}
)

select
    c.person_hk,
    c.county_code,
    c.month,
    (c.month + interval '1 month' - interval '1 day')::date as month_end,
    s.person_hk is not null as used_service,
    t.intensity_tier,
    s.tier_rank
from client_months as c
left join services as s on c.person_hk = s.person_hk and c.county_code = s.county_code and c.month = s.month
left join tiers as t on s.tier_rank = t.tier_rank

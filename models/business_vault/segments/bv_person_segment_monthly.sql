{{ config(indexes=[{'columns': ['person_hk', 'month']}, {'columns': ['county_code', 'month', 'segment_code']}]) }}
-- Asiakassegmentit (customer segments across service lines) per client and month: one row per
-- client-month (bv_client_monthly) and segment the client is in, with the month's service intensity.
-- A client is in a segment when any rule of ref_customer_segment_rules for it, in force on the
-- month's first day, holds: an age band of ref_customer_segments at the month's end, or an event of
-- the rule's kind and codes within its lookback months (the month itself included). Each client is
-- in exactly one life-course segment a month; service-need segments overlap.

with clients as (
    select
        c.person_hk,
        c.county_code,
        c.month,
        c.month_end,
        c.intensity_tier,
        c.tier_rank,
        case
            when p.birth_date <= c.month_end then {{ virta.age_in_years('p.birth_date', 'c.month_end') }}
        end as age
    from {{ ref('bv_client_monthly') }} as c
    left join {{ ref('bv_person') }} as p on c.person_hk = p.person_hk
),

-- what the rules look for, one row per person, kind of evidence, code and month
evidence as (
    select distinct
        person_hk,
        'diagnosis' as criterion,
        icd10_category as code,
        date_trunc('month', visit_on)::date as month
    from {{ ref('bv_visit_diagnosis') }}
    union
    select
        person_hk,
        'referral_specialty' as criterion,
        specialty as code,
        date_trunc('month', received_on)::date as month
    from {{ ref('bv_specialised_care_referral') }}
    where person_hk is not null and specialty is not null
    union
    select
        person_hk,
        'service' as criterion,
        service_code as code,
        month
    from {{ ref('bv_service_activity') }}
    where person_hk is not null
    union
    select
        person_hk,
        'special_ground' as criterion,
        special_ground as code,
        date_trunc('month', initiated_on)::date as month
    from {{ ref('bv_social_care_case') }}
    where person_hk is not null and special_ground is not null and initiated_on is not null
    union
    select
        person_hk,
        'social_case_group' as criterion,
        case_group as code,
        date_trunc('month', initiated_on)::date as month
    from {{ ref('bv_social_care_case') }}
    where person_hk is not null and case_group is not null and initiated_on is not null
    union
    -- a granted social service of the group running in the month (one activity row a month)
    select
        a.person_hk,
        'social_case_group' as criterion,
        s.case_group as code,
        a.month
    from {{ ref('bv_service_activity') }} as a
    inner join {{ ref('ref_social_services') }} as s
        on
            a.activity_attribute = s.service
            and a.month >= s.valid_from
            and (s.valid_to is null or a.month <= s.valid_to)
    where a.activity_source = 'social_decision' and a.person_hk is not null
),

rules as (
    select
        r.rule_id,
        r.segment_code,
        r.criterion,
        r.code_from,
        r.code_to,
        r.lookback_months,
        r.within_age_band,
        r.valid_from,
        r.valid_to,
        s.segment_kind,
        s.parent_segment_code,
        s.age_min,
        s.age_max
    from {{ ref('ref_customer_segment_rules') }} as r
    inner join {{ ref('ref_customer_segments') }} as s on r.segment_code = s.segment_code
),

in_force as (
    select
        c.*,
        r.rule_id,
        r.segment_code,
        r.segment_kind,
        r.parent_segment_code,
        r.criterion,
        r.code_from,
        r.code_to,
        r.lookback_months,
        r.within_age_band,
        (
            c.age is not null
            and (r.age_min is null or c.age >= r.age_min)
            and (r.age_max is null or c.age < r.age_max)
        ) as is_of_age_band
    from clients as c
    inner join rules as r
        on
            c.month >= r.valid_from
            and (r.valid_to is null or c.month <= r.valid_to)
),

-- the months each rule's evidence covers: the event's month and the lookback months after it
-- (a join rather than a correlated lookup per client-month, which did not scale)
covered as (
    select distinct
        e.person_hk,
        r.rule_id,
        cm.covered_month::date as month
    from evidence as e
    inner join rules as r
        on
            e.criterion = r.criterion
            and e.code between r.code_from and r.code_to
    cross join
        lateral (
            select s.covered_month
            from
                {{ virta.series('e.month::timestamp', 'e.month + make_interval(months => r.lookback_months - 1)',
                                '1 month', alias='s', column='covered_month') }}
        ) as cm
),

matched as (
    select
        f.person_hk,
        f.county_code,
        f.month,
        f.intensity_tier,
        f.tier_rank,
        f.age,
        f.segment_code,
        f.segment_kind,
        f.parent_segment_code,
        f.rule_id
    from in_force as f
    left join covered as v
        on
            f.person_hk = v.person_hk
            and f.rule_id = v.rule_id
            and f.month = v.month
    where
        (f.criterion = 'everyone')
        or (f.criterion = 'age' and f.is_of_age_band)
        or (f.criterion = 'age_unknown' and f.age is null)
        or (
            f.criterion not in ('everyone', 'age', 'age_unknown')
            and (f.is_of_age_band or not f.within_age_band)
            and v.person_hk is not null
        )
)

select
    person_hk,
    county_code,
    month,
    segment_code,
    segment_kind,
    parent_segment_code,
    intensity_tier,
    tier_rank,
    age,
    -- the rules that put the client in the segment, for tracing a membership back to its rule
    string_agg(rule_id, ',' order by rule_id) as matched_rule_ids
from matched
group by person_hk, county_code, month, segment_code, segment_kind, parent_segment_code, intensity_tier, tier_rank, age

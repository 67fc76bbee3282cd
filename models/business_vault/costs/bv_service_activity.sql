-- Activity of the patient and client systems attributed to AURA-style services
-- (ref_aura_activity_map), one row per person, service and event: the denominators of euros per
-- client, per visit and per care day. A granted social service counts in every month from its
-- start to its end (the day it ends not included) or the as-of date; care days split by month.

with primary_care as (
    select
        v.county_code,
        v.person_hk,
        'primary_care_visit' as activity_source,
        v.service_line || ':' || v.professional_group as activity_attribute,
        v.visit_at::date as activity_date,
        1 as quantity
    from {{ ref('bv_primary_care_visit') }} as v
    where v.visit_status = 'completed' and not v.is_deleted and v.county_code is not null
),

specialised as (
    select
        r.county_code,
        r.person_hk,
        'specialised_referral' as activity_source,
        'treated' as activity_attribute,
        r.treated_on as activity_date,
        1 as quantity
    from {{ ref('bv_specialised_care_referral') }} as r
    where r.treated_on is not null and r.county_code is not null
),

as_of as (
    select a.as_of_date
    from {{ ref('bv_data_as_of') }} as a
),

social as (
    select
        d.county_code,
        d.person_hk,
        'social_decision' as activity_source,
        d.service as activity_attribute,
        greatest(d.service_started_on, m.month_start) as activity_date,
        -- care days in the month: from the start (or the month's first day) to the month's end, the
        -- day before the service ended, or the as-of date
        least((m.month_start + interval '1 month')::date - 1, a.as_of_date, d.service_ended_on - 1)
        - greatest(d.service_started_on, m.month_start) + 1 as quantity
    from {{ ref('bv_social_care_decision') }} as d
    cross join as_of as a
    cross join
        lateral (
            select gs.month_start::date as month_start
            from
                {{ virta.series("date_trunc('month', d.service_started_on)",
                                'least(a.as_of_date, d.service_ended_on - 1)', '1 month',
                                alias='gs', column='month_start') }}
        ) as m
    where d.outcome = 'granted' and d.service_started_on is not null and d.county_code is not null
),

activity as (
    select * from primary_care
    union all
    select * from specialised
    union all
    select * from social
)

select
    a.county_code,
    a.person_hk,
    a.activity_source,
    a.activity_attribute,
    a.activity_date,
    date_trunc('month', a.activity_date)::date as month,
    m.service_code,
    m.activity_unit,
    a.quantity
from activity as a
inner join {{ ref('ref_aura_activity_map') }} as m
    on
        a.activity_source = m.activity_source
        and a.activity_attribute = m.activity_attribute
        and a.activity_date >= m.valid_from
        and (m.valid_to is null or a.activity_date <= m.valid_to)

-- One row per primary-care need assessment (hoidon tarpeen arviointi) from every patient record
-- system, with the contact it answered, the person and their age on the contact and assessment
-- dates (bv_person: the register's birth date, else the identity code's), and the county of the unit
-- contacted. Current satellite rows only.

with assessments as (
    select
        a.need_assessment_hk,
        a.assessed_at,
        a.urgency,
        a.recorded_max_wait_days,
        'apotti' as source_system
    from ({{ current_rows('sat_assessment_apotti', 'need_assessment_hk') }}) as a
    union all
    select
        l.need_assessment_hk,
        l.assessed_at,
        l.urgency,
        l.recorded_max_wait_days,
        'lifecare' as source_system
    from ({{ current_rows('sat_assessment_lifecare', 'need_assessment_hk') }}) as l
),

contacts as (
    select
        a.contact_hk,
        a.contacted_at,
        a.service_line
    from ({{ current_rows('sat_contact_apotti', 'contact_hk') }}) as a
    union all
    select
        l.contact_hk,
        l.contacted_at,
        l.service_line
    from ({{ current_rows('sat_contact_lifecare', 'contact_hk') }}) as l
),

assessment_person as (
    {{ current_link('link_assessment_person', 'need_assessment_hk', ['person_hk']) }}
),

units as (
    {{ current_rows('sat_unit_org', 'organisation_unit_hk') }}
)

select
    a.need_assessment_hk,
    ac.contact_hk,
    -- the person the assessment names; the contact's when the assessment row named none
    coalesce(ap.person_hk, cp.person_hk) as person_hk,
    cu.organisation_unit_hk,
    a.source_system,
    u.county_code,
    c.service_line,
    a.urgency,
    a.recorded_max_wait_days,
    c.contacted_at,
    a.assessed_at,
    p.birth_date,
    p.sex,
    p.home_municipality_code,
    -- completed years; rules are chosen by the age on the clock-start date
    extract(year from age(c.contacted_at::date, p.birth_date))::integer as age_at_contact,
    extract(year from age(a.assessed_at::date, p.birth_date))::integer as age_at_assessment
from assessments as a
left join {{ ref('link_assessment_contact') }} as ac on a.need_assessment_hk = ac.need_assessment_hk
left join contacts as c on ac.contact_hk = c.contact_hk
left join {{ ref('link_contact_person') }} as cp on ac.contact_hk = cp.contact_hk
left join assessment_person as ap on a.need_assessment_hk = ap.need_assessment_hk
left join {{ ref('bv_person') }} as p on coalesce(ap.person_hk, cp.person_hk) = p.person_hk
left join {{ ref('link_contact_unit') }} as cu on ac.contact_hk = cu.contact_hk
left join units as u on cu.organisation_unit_hk = u.organisation_unit_hk

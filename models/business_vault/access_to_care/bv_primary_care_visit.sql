-- One row per primary-care visit from every patient record system, with the need assessment it
-- followed, the person's age then, and the unit's county: the business view the access-to-care
-- (hoitoon pääsy) marts count from. Current satellite rows only.

with visits as (
    {{ current_rows('sat_visit_apotti', 'visit_hk') }}
),

visits_lifecare as (
    {{ current_rows('sat_visit_lifecare', 'visit_hk') }}
),

all_visits as (
    select
        visit_hk,
        visit_at,
        professional_group,
        visit_status,
        'apotti' as source_system
    from visits
    union all
    select
        visit_hk,
        visit_at,
        professional_group,
        visit_status,
        'lifecare' as source_system
    from visits_lifecare
),

assessments as (
    select
        a.need_assessment_hk,
        a.assessed_at,
        a.urgency,
        a.recorded_max_wait_days
    from ({{ current_rows('sat_assessment_apotti', 'need_assessment_hk') }}) as a
    union all
    select
        l.need_assessment_hk,
        l.assessed_at,
        l.urgency,
        l.recorded_max_wait_days
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

people as (
    {{ current_rows('sat_person_vtj', 'person_hk') }}
),

units as (
    {{ current_rows('sat_unit_org', 'organisation_unit_hk') }}
)

select
    v.visit_hk,
    va.need_assessment_hk,
    ac.contact_hk,
    vp.person_hk,
    vu.organisation_unit_hk,
    v.source_system,
    u.county_code,
    u.municipality_code as unit_municipality_code,
    u.production_mode,
    c.service_line,
    v.professional_group,
    v.visit_status,
    a.urgency,
    a.recorded_max_wait_days,
    c.contacted_at,
    a.assessed_at,
    v.visit_at,
    p.birth_date,
    p.sex,
    -- completed years on the assessment date (age splits are evaluated at the assessment)
    extract(year from age(a.assessed_at::date, p.birth_date))::integer as age_at_assessment,
    -- THL: waiting time = calendar days from the need assessment to the realised visit
    (v.visit_at::date - a.assessed_at::date) as wait_days
from all_visits as v
left join {{ ref('link_visit_assessment') }} as va on v.visit_hk = va.visit_hk
left join assessments as a on va.need_assessment_hk = a.need_assessment_hk
left join {{ ref('link_assessment_contact') }} as ac on va.need_assessment_hk = ac.need_assessment_hk
left join contacts as c on ac.contact_hk = c.contact_hk
left join {{ ref('link_visit_person') }} as vp on v.visit_hk = vp.visit_hk
left join people as p on vp.person_hk = p.person_hk
left join {{ ref('link_visit_unit') }} as vu on v.visit_hk = vu.visit_hk
left join units as u on vu.organisation_unit_hk = u.organisation_unit_hk

{{ virta.bv_incremental_config('need_assessment_hk', indexes=[{'columns': ['need_assessment_hk'], 'unique': true}]) }}
-- One row per primary-care need assessment (hoidon tarpeen arviointi) from every patient record
-- system, with the contact it answered, the person and their age on the contact and assessment
-- dates (bv_person: the register's birth date, else the identity code's), and the county of the unit
-- contacted. Current satellite rows only.

with
{%- if is_incremental() %}
-- contacts whose row, person or unit (or that person's or unit's row) changed since the last refresh
changed_contacts as (
    {{ virta.bv_changed_in_current('bv_current_contact', 'contact_hk') }}
    union
    {{ virta.bv_link_news(ref('link_contact_person'), 'contact_hk', 'person_hk', virta.bv_changed_people()) }}
    union
    {{ virta.bv_link_news(ref('link_contact_unit'), 'contact_hk', 'organisation_unit_hk', virta.bv_changed_units()) }}
),

-- assessments whose own row, contact or person (or any of their rows) changed
affected as (
    select a.need_assessment_hk as affected_key
    from ({{ virta.bv_changed_in_current('bv_current_need_assessment', 'need_assessment_hk') }}) as a
    union
    {{ virta.bv_link_news(ref('link_assessment_contact'), 'need_assessment_hk', 'contact_hk',
        'select x.contact_hk from changed_contacts as x') }}
    union
    {{ virta.bv_link_news(ref('link_assessment_person'), 'need_assessment_hk', 'person_hk', virta.bv_changed_people()) }}
),
{%- endif %}

assessments as (
    select
        a.need_assessment_hk,
        a.assessed_at,
        a.urgency,
        a.recorded_max_wait_days,
        a.source_system
    from {{ virta.bv_affected_rows(ref('bv_current_need_assessment'), 'need_assessment_hk') }} as a
),

-- the contacts the assessments answered
contacts as (
    select
        c.contact_hk,
        c.contacted_at,
        c.service_line
    from {{ virta.bv_affected_rows(ref('bv_current_contact'), 'contact_hk', keys='select ac.contact_hk from '
        ~ ref('link_assessment_contact') ~ ' as ac where ac.need_assessment_hk in (select a.affected_key from affected as a)') }} as c
),

assessment_person as (
    {{ current_link('link_assessment_person', 'need_assessment_hk', ['person_hk'],
        rows=virta.bv_affected_rows(ref('link_assessment_person'), 'need_assessment_hk')) }}
),

-- the organisation register's view of a unit (other systems describe some units too: one row a unit)
units as (
    select * from {{ ref('bv_current_organisation_unit') }}
    where source_system = 'org'
),

final as (
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
        {{ virta.age_in_years('p.birth_date', 'c.contacted_at::date') }} as age_at_contact,
        {{ virta.age_in_years('p.birth_date', 'a.assessed_at::date') }} as age_at_assessment
    from assessments as a
    left join {{ ref('link_assessment_contact') }} as ac on a.need_assessment_hk = ac.need_assessment_hk
    left join contacts as c on ac.contact_hk = c.contact_hk
    left join {{ ref('link_contact_person') }} as cp on ac.contact_hk = cp.contact_hk
    left join assessment_person as ap on a.need_assessment_hk = ap.need_assessment_hk
    left join {{ ref('bv_person') }} as p on coalesce(ap.person_hk, cp.person_hk) = p.person_hk
    left join {{ ref('link_contact_unit') }} as cu on ac.contact_hk = cu.contact_hk
    left join units as u on cu.organisation_unit_hk = u.organisation_unit_hk
)

{{ virta.bv_replace_keys_select('final', 'need_assessment_hk') }}

{{ virta.bv_incremental_config('social_care_case_hk', indexes=[
    {'columns': ['social_care_case_hk'], 'unique': true}
]) }}
-- One row per social-care case (sosiaalihuollon asia) with its initiation (vireilletulo), the
-- client's age then (bv_person: from the register, else the identity code), the group the law's
-- deadlines cover, the county of the responsible office and the start and completion of its
-- service-need assessment (in child welfare the investigation, lastensuojelutarpeen selvitys).
-- Current satellite rows only.

with
{%- if is_incremental() %}
-- cases whose own row, assessment, client or office (or any of their rows) changed since the last refresh
affected as (
    select c.social_care_case_hk as affected_key
    from ({{ virta.bv_changed_in_current('bv_current_social_care_case', 'social_care_case_hk') }}) as c
    union
    {{ virta.bv_link_news(ref('link_social_assessment_case'), 'social_care_case_hk', 'service_need_assessment_hk',
        virta.bv_changed_in_current('bv_current_service_need_assessment', 'service_need_assessment_hk')) }}
    union
    {{ virta.bv_link_news(ref('link_case_person'), 'social_care_case_hk', 'person_hk', virta.bv_changed_people()) }}
    union
    {{ virta.bv_link_news(ref('link_case_unit'), 'social_care_case_hk', 'organisation_unit_hk', virta.bv_changed_units()) }}
),
{%- endif %}

cases as (
    select c.* from {{ virta.bv_affected_rows(ref('bv_current_social_care_case'), 'social_care_case_hk') }} as c
),

-- a case has one assessment in the source; were there several, the first start and completion count
assessments as (
    select
        l.social_care_case_hk,
        min(s.started_on) as assessment_started_on,
        min(s.completed_on) as assessment_completed_on
    from {{ ref('bv_current_service_need_assessment') }} as s
    inner join {{ ref('link_social_assessment_case') }} as l
        on s.service_need_assessment_hk = l.service_need_assessment_hk
    group by l.social_care_case_hk
),

case_person as (
    {{ current_link('link_case_person', 'social_care_case_hk', ['person_hk']) }}
),

case_unit as (
    {{ current_link('link_case_unit', 'social_care_case_hk', ['organisation_unit_hk']) }}
),

-- the organisation register's view of a unit (other systems describe some units too: one row a unit)
units as (
    select * from {{ ref('bv_current_organisation_unit') }}
    where source_system = 'org'
),

joined as (
    select
        c.social_care_case_hk,
        cp.person_hk,
        cu.organisation_unit_hk,
        u.county_code,
        p.home_municipality_code,
        p.sex,
        c.case_group,
        -- SHL § 45: an urgent case's service is implemented without delay (empty in child welfare)
        c.urgency,
        c.initiation_channel,
        c.special_ground,
        c.initiated_on,
        {{ virta.age_in_years('p.birth_date', 'c.initiated_on') }} as age_at_initiation,
        a.assessment_started_on,
        a.assessment_completed_on
    from cases as c
    left join assessments as a on c.social_care_case_hk = a.social_care_case_hk
    left join case_person as cp on c.social_care_case_hk = cp.social_care_case_hk
    left join {{ ref('bv_person') }} as p on cp.person_hk = p.person_hk
    left join case_unit as cu on c.social_care_case_hk = cu.social_care_case_hk
    left join units as u on cu.organisation_unit_hk = u.organisation_unit_hk
),

final as (
    select
        j.*,
        {{ social_care_legal_group('j.case_group', 'j.age_at_initiation', 'j.special_ground') }} as legal_group,
        {{ social_care_segments('j.case_group', 'j.special_ground') }} as segments,
        {{ virta.days_between('j.initiated_on', 'j.assessment_started_on') }} as days_to_assessment_start,
        {{ virta.days_between('j.initiated_on', 'j.assessment_completed_on') }} as days_to_assessment_complete
    from joined as j
)

{{ virta.bv_replace_keys_select('final', 'social_care_case_hk') }}

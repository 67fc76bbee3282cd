{{ virta.bv_incremental_config('visit_hk', indexes=[
    {'columns': ['visit_hk'], 'unique': true}, {'columns': ['need_assessment_hk']}
]) }}
-- One row per primary-care visit from every patient record system, with the need assessment it
-- followed (if any) and the unit's county: the business view the access-to-care (hoitoon pääsy) marts
-- count visits from. Current satellite rows only.

with
{%- if is_incremental() %}
-- visits whose own row, deletion, assessment, person or unit (or that assessment's or unit's row)
-- changed since the last refresh
affected as (
    select v.visit_hk as affected_key
    from ({{ virta.bv_changed_in_current('bv_current_visit', 'visit_hk') }}) as v
    union
    {{ virta.bv_changed_in_current('bv_deleted_visit', 'visit_hk') }}
    union
    {{ virta.bv_link_news(ref('link_visit_assessment'), 'visit_hk', 'need_assessment_hk',
        'select a.need_assessment_hk from ' ~ ref('bv_primary_care_assessment') ~ ' as a where '
        ~ virta.bv_refreshed_since('a')) }}
    union
    {{ virta.bv_link_news(ref('link_visit_person'), 'visit_hk') }}
    union
    {{ virta.bv_link_news(ref('sat_visit_unit_effectivity'), 'visit_hk', 'organisation_unit_hk', virta.bv_changed_units()) }}
),
{%- endif %}

visits as (
    select
        v.visit_hk,
        v.visit_at,
        v.professional_group,
        v.visit_status,
        v.source_system
    from {{ virta.bv_affected_rows(ref('bv_current_visit'), 'visit_hk') }} as v
),

-- the organisation register's view of a unit (other systems describe some units too: one row a unit)
units as (
    select * from {{ ref('bv_current_organisation_unit') }}
    where source_system = 'org'
),

-- the unit in effect now: a visit can be moved to another unit after booking
unit_in_effect as (
    {{ virta.latest_per_key(['e.visit_hk', 'e.organisation_unit_hk'],
        virta.bv_affected_rows(ref('sat_visit_unit_effectivity'), 'visit_hk') ~ ' as e',
        key=['e.visit_hk'], latest='e.effective_from desc') }}
),

-- visits a source system has deleted (record-tracking status satellites)
deleted as (
    select d.visit_hk
    from {{ ref('bv_deleted_visit') }} as d
),

final as (
    select
        v.visit_hk,
        va.need_assessment_hk,
        a.contact_hk,
        vp.person_hk,
        vu.organisation_unit_hk,
        v.source_system,
        u.county_code,
        u.municipality_code as unit_municipality_code,
        u.production_mode,
        -- the contact's service line; for a visit booked without an assessment, the unit's
        coalesce(
            a.service_line,
            case when u.service_area in ('general_practice', 'oral_care') then u.service_area end
        ) as service_line,
        v.professional_group,
        v.visit_status,
        a.urgency,
        -- the visit names a need assessment: it followed one, even when the assessment's own row was
        -- rejected at load (then only its key is known, and the wait cannot be measured)
        (va.need_assessment_hk is not null) as has_need_assessment,
        (va.need_assessment_hk is not null and a.assessed_at is null) as is_assessment_unknown,
        a.recorded_max_wait_days,
        a.contacted_at,
        a.assessed_at,
        v.visit_at,
        a.birth_date,
        a.sex,
        a.age_at_assessment,
        -- THL: waiting time = calendar days from the need assessment to the realised visit
        {{ virta.days_between('a.assessed_at', 'v.visit_at') }} as wait_days,
        -- deleted in the source (entered in error): kept for audit, left out of every count
        (del.visit_hk is not null) as is_deleted
    from visits as v
    left join deleted as del on v.visit_hk = del.visit_hk
    left join {{ ref('link_visit_assessment') }} as va on v.visit_hk = va.visit_hk
    left join {{ ref('bv_primary_care_assessment') }} as a on va.need_assessment_hk = a.need_assessment_hk
    left join {{ ref('link_visit_person') }} as vp on v.visit_hk = vp.visit_hk
    left join unit_in_effect as vu on v.visit_hk = vu.visit_hk
    left join units as u on vu.organisation_unit_hk = u.organisation_unit_hk
)

{{ virta.bv_replace_keys_select('final', 'visit_hk') }}

{{ virta.bv_incremental_config('hospital_period_hk', indexes=[{'columns': ['hospital_period_hk'], 'unique': true}]) }}
-- One row per health-centre hospital care period (terveyskeskussairaalan hoitojakso): the need
-- assessment that found hospital care needed (a non-urgent patient's queue entry), admission,
-- discharge or cancellation as calendar dates, the urgency, the person's age at the assessment and
-- the county of the health centre. Current satellite rows only.

with
{%- if is_incremental() %}
-- periods whose own row, person or unit (or that person's or unit's row) changed since the last refresh
affected as (
    select h.hospital_period_hk as affected_key
    from ({{ virta.bv_changed_in_current('bv_current_hospital_period', 'hospital_period_hk') }}) as h
    union
    {{ virta.bv_link_news(ref('link_hospital_period_person'), 'hospital_period_hk', 'person_hk',
        virta.bv_changed_people()) }}
    union
    {{ virta.bv_link_news(ref('link_hospital_period_unit'), 'hospital_period_hk', 'organisation_unit_hk',
        virta.bv_changed_units()) }}
),
{%- endif %}

periods as (
    select
        h.hospital_period_hk,
        h.urgency,
        h.assessed_at::date as assessed_on,
        h.admitted_at::date as admitted_on,
        h.discharged_at::date as discharged_on,
        h.cancelled_at::date as cancelled_on,
        h.period_status,
        h.source_system
    from {{ virta.bv_affected_rows(ref('bv_current_hospital_period'), 'hospital_period_hk') }} as h
),

-- the patient and the unit the latest delivery names: a period re-delivered with a corrected
-- identity code or unit is one period, not two
period_person as (
    {{ current_link('link_hospital_period_person', 'hospital_period_hk', ['person_hk'],
        rows=virta.bv_affected_rows(ref('link_hospital_period_person'), 'hospital_period_hk')) }}
),

period_unit as (
    {{ current_link('link_hospital_period_unit', 'hospital_period_hk', ['organisation_unit_hk'],
        rows=virta.bv_affected_rows(ref('link_hospital_period_unit'), 'hospital_period_hk')) }}
),

-- the organisation register's view of a unit (other systems describe some units too: one row a unit)
units as (
    select * from {{ ref('bv_current_organisation_unit') }}
    where source_system = 'org'
),

final as (
    select
        h.hospital_period_hk,
        pp.person_hk,
        pu.organisation_unit_hk,
        h.source_system,
        u.county_code,
        h.urgency,
        h.period_status,
        h.assessed_on,
        h.admitted_on,
        h.discharged_on,
        h.cancelled_on,
        -- the day the period left the ward's queue: admitted or cancelled (null while still queued)
        coalesce(h.admitted_on, h.cancelled_on) as left_queue_on,
        p.birth_date,
        {{ virta.age_in_years('p.birth_date', 'h.assessed_on') }} as age_at_assessment
    from periods as h
    left join period_person as pp on h.hospital_period_hk = pp.hospital_period_hk
    left join period_unit as pu on h.hospital_period_hk = pu.hospital_period_hk
    left join units as u on pu.organisation_unit_hk = u.organisation_unit_hk
    left join {{ ref('bv_person') }} as p on pp.person_hk = p.person_hk
)

{{ virta.bv_replace_keys_select('final', 'hospital_period_hk') }}

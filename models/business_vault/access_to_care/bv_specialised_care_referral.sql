{{ virta.bv_incremental_config('referral_hk', indexes=[{'columns': ['referral_hk'], 'unique': true}]) }}
-- One row per specialised-care referral (erikoissairaanhoidon lähete) from every patient record
-- system: the dates of its path as calendar dates, its specialty, the person's age when it
-- arrived and the county of the receiving unit. Current satellite rows only.

with
{%- if is_incremental() %}
-- referrals whose own row, person or unit (or that person's or unit's row) changed since the last refresh
affected as (
    select r.referral_hk as affected_key
    from ({{ virta.bv_changed_in_current('bv_current_referral', 'referral_hk') }}) as r
    union
    {{ virta.bv_link_news(ref('link_referral_person'), 'referral_hk', 'person_hk', virta.bv_changed_people()) }}
    union
    {{ virta.bv_link_news(ref('link_referral_unit'), 'referral_hk', 'organisation_unit_hk', virta.bv_changed_units()) }}
),
{%- endif %}

-- the path's dates as calendar dates (one system gives times, another dates)
referrals as (
    select
        r.referral_hk,
        r.specialty,
        r.received_at::date as received_on,
        r.processed_at::date as processed_on,
        r.assessed_at::date as assessed_on,
        r.queued_at::date as queued_on,
        r.treated_at::date as treated_on,
        r.cancelled_at::date as cancelled_on,
        r.referral_status,
        r.source_system
    from {{ virta.bv_affected_rows(ref('bv_current_referral'), 'referral_hk') }} as r
),

-- the patient and the receiving unit the latest delivery names: a referral re-delivered with a
-- corrected identity code or unit is one referral, not two
referral_person as (
    {{ current_link('link_referral_person', 'referral_hk', ['person_hk'],
        rows=virta.bv_affected_rows(ref('link_referral_person'), 'referral_hk')) }}
),

referral_unit as (
    {{ current_link('link_referral_unit', 'referral_hk', ['organisation_unit_hk'],
        rows=virta.bv_affected_rows(ref('link_referral_unit'), 'referral_hk')) }}
),

-- the organisation register's view of a unit (other systems describe some units too: one row a unit)
units as (
    select * from {{ ref('bv_current_organisation_unit') }}
    where source_system = 'org'
),

final as (
    select
        r.referral_hk,
        rp.person_hk,
        ru.organisation_unit_hk,
        r.source_system,
        u.county_code,
        r.specialty,
        r.referral_status,
        r.received_on,
        r.processed_on,
        r.assessed_on,
        r.queued_on,
        r.treated_on,
        r.cancelled_on,
        -- the day the referral left every queue: treated, cancelled, rejected at processing, or
        -- assessed without a need for treatment (null while it is still open)
        case
            when r.treated_on is not null then r.treated_on
            when r.cancelled_on is not null then r.cancelled_on
            when r.referral_status = 'rejected' then r.processed_on
            when r.assessed_on is not null and r.queued_on is null then r.assessed_on
        end as closed_on,
        p.birth_date,
        {{ virta.age_in_years('p.birth_date', 'r.received_on') }} as age_at_referral,
        -- THL: processing time = calendar days from arrival to the start of processing
        {{ virta.days_between('r.received_on', 'r.processed_on') }} as processing_days
    from referrals as r
    left join referral_person as rp on r.referral_hk = rp.referral_hk
    left join referral_unit as ru on r.referral_hk = ru.referral_hk
    left join units as u on ru.organisation_unit_hk = u.organisation_unit_hk
    left join {{ ref('bv_person') }} as p on rp.person_hk = p.person_hk
)

{{ virta.bv_replace_keys_select('final', 'referral_hk') }}

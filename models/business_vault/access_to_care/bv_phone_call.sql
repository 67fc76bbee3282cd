{{ virta.bv_incremental_config('phone_call_hk', indexes=[{'columns': ['phone_call_hk'], 'unique': true}]) }}
-- One row per call to a health centre's phone service (välitön yhteys, TTHL § 51): where it went,
-- what became of it, when the caller was reached (answered in the queue, or a call-back that reached
-- them) and the contact rule in force on the call day. Calls name no person.
-- The rule (ref_legal_deadline_rules: contact -> contact_answered) judges the calls that arrive on an
-- arkipäivä in office hours (var phone_service_office_hours); the others are counted, not judged.

{%- set office_start, office_end = var('phone_service_office_hours') %}

with
{%- if is_incremental() %}
-- calls whose own row or unit (or that unit's row) changed since the last refresh
affected as (
    select c.phone_call_hk as affected_key
    from ({{ virta.bv_changed_in_current('bv_current_phone_call', 'phone_call_hk') }}) as c
    union
    {{ virta.bv_link_news(ref('link_phone_call_unit'), 'phone_call_hk', 'organisation_unit_hk', virta.bv_changed_units()) }}
),
{%- endif %}

calls as (
    select
        c.phone_call_hk,
        c.source_system,
        c.service_line,
        c.call_outcome,
        c.called_at,
        c.answered_at,
        c.callback_at,
        c.callback_result,
        c.called_at::date as called_on,
        -- reached: answered in the queue, or a call-back that got through
        case
            when c.call_outcome = 'answered' then c.answered_at
            when c.call_outcome = 'callback' and c.callback_result = 'reached' then c.callback_at
        end as reached_at
    from {{ virta.bv_affected_rows(ref('bv_current_phone_call'), 'phone_call_hk') }} as c
),

call_unit as (
    {{ current_link('link_phone_call_unit', 'phone_call_hk', ['organisation_unit_hk'],
        rows=virta.bv_affected_rows(ref('link_phone_call_unit'), 'phone_call_hk')) }}
),

units as (
    select * from {{ ref('bv_current_organisation_unit') }}
    where source_system = 'org'
),

located as (
    select
        c.*,
        cu.organisation_unit_hk,
        u.county_code,
        cal.is_arkipaiva
        and c.called_at::time >= time '{{ office_start }}'
        and c.called_at::time < time '{{ office_end }}' as is_office_hours
    from calls as c
    left join call_unit as cu on c.phone_call_hk = cu.phone_call_hk
    left join units as u on cu.organisation_unit_hk = u.organisation_unit_hk
    left join {{ ref('bv_calendar') }} as cal on c.called_on = cal.calendar_date
),

-- the contact rule in force on the call day, for the calls it judges
ruled as (
    select
        c.*,
        r.rule_id,
        r.deadline_amount,
        r.deadline_unit,
        {{ virta.deadline_calendar_due('c.called_on', 'r.deadline_amount', 'r.deadline_unit') }} as calendar_due
    from located as c
    left join {{ ref('ref_legal_deadline_rules') }} as r
        on
            c.is_office_hours
            and r.service = 'primary_care'
            and r.clock_start_event = 'contact'
            and r.clock_stop_event = 'contact_answered'
            and c.called_on >= r.valid_from
            and (r.valid_to is null or c.called_on <= r.valid_to)
),

dated as (
    select
        r.*,
        {{ virta.deadline_due_date('r', 'r.deadline_unit') }} as due_date
    from ruled as r
    {{ virta.deadline_due_joins('r', 'r.called_on', 'r.deadline_amount', 'r.deadline_unit') }}
),

final as (
    select
        phone_call_hk,
        organisation_unit_hk,
        county_code,
        source_system,
        service_line,
        call_outcome,
        called_at,
        called_on,
        answered_at,
        callback_at,
        callback_result,
        reached_at,
        -- seconds in the queue before a professional answered
        case
            when answered_at is not null then extract(epoch from answered_at - called_at)::integer
        end as answer_wait_seconds,
        -- minutes from the call to the call-back that closed the request
        case
            when callback_at is not null then (extract(epoch from callback_at - called_at) / 60)::integer
        end as callback_delay_minutes,
        coalesce(reached_at::date = called_on, false) as is_reached_same_day,
        is_office_hours,
        rule_id,
        due_date,
        case
            when rule_id is null then 'no_rule'
            when reached_at is not null and reached_at::date <= due_date then 'met'
            -- a call-back still to be made on its due day is open; one never reaching the caller
            -- (abandoned, not reached) or reaching them after the due day is late
            when reached_at is null and call_outcome = 'callback' and callback_result is null then 'open'
            else 'late'
        end as deadline_status
    from dated
)

{{ virta.bv_replace_keys_select('final', 'phone_call_hk') }}

{{ virta.bv_incremental_config('event_hk', indexes=[
    {'columns': ['clock_id'], 'unique': true}, {'columns': ['event_hk']}
]) }}
-- The legal deadline of every clock: the rule in force on the clock-start date for the person's
-- age then (ref_legal_deadline_rules) and its due date by laki 150/1930. Rules are matched on
-- service, segment, clock events, urgency, validity on the clock-start date and age then.
-- Nothing here depends on the as-of date (bv_deadline_status adds the status on it), so the table
-- is kept incrementally: only the events whose clocks changed (clock_event_news, and the clocks
-- recomputed since) are recomputed.
-- depends_on: {{ ref('bv_primary_care_assessment') }}
-- depends_on: {{ ref('bv_primary_care_visit') }}
-- depends_on: {{ ref('bv_specialised_care_referral') }}
-- depends_on: {{ ref('bv_hospital_period') }}
-- depends_on: {{ ref('bv_social_care_case') }}
-- depends_on: {{ ref('bv_social_care_decision') }}

with
{%- if is_incremental() %}
affected as (
    {{ virta.clock_event_news() }}
    union
    -- clocks recomputed since (bv_clock_events refreshed on its own, say after a rule fix)
    select e.event_hk from {{ ref('bv_clock_events') }} as e where {{ virta.bv_refreshed_since('e') }}
),
{%- endif %}

matched as (
    select
        e.*,
        r.rule_id,
        r.law,
        r.section,
        r.deadline_amount,
        r.deadline_unit,
        {{ virta.deadline_calendar_due('e.clock_start_date', 'r.deadline_amount', 'r.deadline_unit') }} as calendar_due
    from {{ ref('bv_clock_events') }} as e
    left join {{ ref('ref_legal_deadline_rules') }} as r
        on
            e.service = r.service
            -- 'all' rules cover everyone; others only the clocks of people in that segment
            and (r.segment = 'all' or position(',' || r.segment || ',' in ',' || e.segments || ',') > 0)
            and e.clock_start_event = r.clock_start_event
            and e.clock_stop_event = r.clock_stop_event
            and (r.urgency = 'any' or e.urgency = r.urgency)
            and e.clock_start_date >= r.valid_from
            and (r.valid_to is null or e.clock_start_date <= r.valid_to)
            and (r.age_min is null or e.age_at_clock_start >= r.age_min)
            and (r.age_max is null or e.age_at_clock_start < r.age_max)
    where {{ virta.bv_is_affected('e.event_hk') }}
),

-- the due date by laki 150/1930: working days and the roll to a working day from the calendar
dated as (
    select
        m.*,
        {{ virta.deadline_due_date('m', 'm.deadline_unit') }} as due_date
    from matched as m
    {{ virta.deadline_due_joins('m', 'm.clock_start_date', 'm.deadline_amount', 'm.deadline_unit') }}
),

-- A person in two covered groups (say, aged 75+ and on the highest care allowance) can match two
-- rules for one clock: the strictest (earliest due date) applies.
strictest as (
    select
        m.*,
        row_number() over (partition by m.clock_id order by m.due_date, m.rule_id) as rule_rank
    from dated as m
),

final as (
    select
        m.clock_id,
        m.event_hk,
        m.clock_type,
        m.county_code,
        m.service,
        m.urgency,
        m.age_at_clock_start,
        m.segments,
        m.clock_start_event,
        m.clock_stop_event,
        m.clock_start_date,
        m.clock_stop_date,
        m.rule_id,
        m.law,
        m.section,
        m.deadline_amount,
        m.deadline_unit,
        m.due_date
    from strictest as m
    where m.rule_rank = 1
)

{{ virta.bv_replace_keys_select('final', 'event_hk') }}

-- Two rules for the same clock (service, start and stop event, segment) whose validity periods,
-- age ranges and urgencies overlap would make "the applicable rule" ambiguous and double-count
-- events. Returns such pairs.

with rules as (
    select
        rule_id,
        service,
        clock_start_event,
        clock_stop_event,
        segment,
        urgency,
        valid_from,
        coalesce(valid_to, date '9999-12-31') as valid_to,
        coalesce(age_min, 0) as age_min,
        coalesce(age_max, 1000) as age_max
    from {{ ref('ref_legal_deadline_rules') }}
)

select
    a.rule_id,
    b.rule_id as overlapping_rule_id
from rules as a
inner join rules as b
    on
        a.rule_id < b.rule_id
        and a.service = b.service
        and a.clock_start_event = b.clock_start_event
        and a.clock_stop_event = b.clock_stop_event
        and a.segment = b.segment
        and (a.urgency = b.urgency or 'any' in (a.urgency, b.urgency))
        and a.valid_from <= b.valid_to
        and a.valid_to >= b.valid_from
        and a.age_min < b.age_max
        and a.age_max > b.age_min

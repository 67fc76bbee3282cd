-- Jonotilanne (current queue): every clock still running on the queue date, with the rule in force,
-- its due date and the days left (negative = overdue). Case level: the restricted list
-- (rst_access_queue_current) and the published waiting counts read it.
-- The queue date is var('queue_date'), default the as-of date of bv_deadline_status.

{%- set chosen_date = "date '" ~ var('queue_date') ~ "'" if var('queue_date', none) else 'null::date' %}

with clocks as (
    select
        d.*,
        coalesce({{ chosen_date }}, d.as_of_date) as queue_date
    from {{ ref('bv_deadline_status') }} as d
    where d.rule_id is not null
)

select
    c.queue_date,
    c.clock_id,
    c.event_hk,
    c.clock_type,
    c.county_code,
    c.service,
    c.urgency,
    c.rule_id,
    c.law,
    c.section,
    c.clock_start_date,
    c.due_date,
    {{ virta.days_between('c.clock_start_date', 'c.queue_date') }} as days_waited,
    {{ virta.days_between('c.queue_date', 'c.due_date') }} as days_to_due,
    c.due_date < c.queue_date as is_overdue
from clocks as c
where
    c.clock_start_date <= c.queue_date
    and (c.clock_stop_date is null or c.clock_stop_date > c.queue_date)

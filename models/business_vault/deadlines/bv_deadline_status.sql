{{ config(materialized='view') }}
-- The legal deadline of every clock (bv_deadline_due: the rule and the due date) and whether it was
-- met, is still open, or is overdue on the as-of date (bv_data_as_of). Marts ask "which rule
-- applied, and was it met" with one join on clock_id or event_hk.
-- A view: the status of a running clock moves with the as-of date every day, so it is computed when
-- read rather than stored and rewritten for every open clock.

select
    d.clock_id,
    d.event_hk,
    d.clock_type,
    d.county_code,
    d.service,
    d.urgency,
    d.age_at_clock_start,
    d.segments,
    d.clock_start_event,
    d.clock_stop_event,
    d.clock_start_date,
    d.clock_stop_date,
    d.rule_id,
    d.law,
    d.section,
    d.deadline_amount,
    d.deadline_unit,
    d.due_date,
    a.as_of_date,
    case
        when d.rule_id is null then 'no_rule'
        when d.clock_stop_date is not null and d.clock_stop_date <= d.due_date then 'met'
        when d.clock_stop_date is not null then 'late'
        when a.as_of_date <= d.due_date then 'open'
        else 'overdue'
    end as deadline_status,
    -- days left (positive) or overdue (negative) for open clocks
    case when d.clock_stop_date is null then {{ virta.days_between('a.as_of_date', 'd.due_date') }} end as days_to_due,
    {{ virta.days_between('d.clock_start_date', 'coalesce(d.clock_stop_date, a.as_of_date)') }} as elapsed_days
from {{ ref('bv_deadline_due') }} as d
cross join {{ ref('bv_data_as_of') }} as a

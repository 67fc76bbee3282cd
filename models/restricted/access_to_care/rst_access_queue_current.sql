-- Jonotilanne (current queue), case level: every clock still running on the queue date with the
-- rule in force, its due date and the days left (negative = overdue), for the county's own
-- operational follow-up. Restricted: stewards only, each county's own rows; the case id is keyed
-- per output (output_id), never the vault's hash of a source id.

select
    {{ virta.output_id('q.clock_id') }} as queue_entry_id,
    q.queue_date,
    q.clock_type,
    q.county_code,
    q.service,
    q.urgency,
    q.rule_id,
    q.law,
    q.section,
    q.clock_start_date,
    q.due_date,
    q.days_waited,
    q.days_to_due,
    q.is_overdue
from {{ ref('bv_queue_current') }} as q

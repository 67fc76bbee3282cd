-- The date the loaded data describes (its "today"): the as_of_date var when set, else the day before
-- the latest delivery was loaded (an extract taken at night holds the days before it). Open legal
-- clocks are judged on this date, and no month after it is reported. Events dated after their
-- delivery are quarantined at load, so no event lies after it.

{%- set as_of_var = "date '" ~ var('as_of_date') ~ "'" if var('as_of_date') else 'null::date' %}

select
    coalesce({{ as_of_var }}, max(b.delivered_at)::date - 1, current_date) as as_of_date,
    max(b.delivered_at) as latest_delivery_at
from {{ ref('audit_batch_log') }} as b

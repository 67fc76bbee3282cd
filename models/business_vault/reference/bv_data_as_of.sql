-- The warehouse's one time anchor, from the batch register (raw._batches) and vars only, so that
-- nothing use-case specific bounds another use case's months:
-- - as_of_date, the date the loaded data describes (its "today"): the as_of_date var when set, else
--   the day before the latest delivery was loaded (an extract taken at night holds the days before
--   it). Open legal clocks are judged on it and no month after it is reported. Events dated after
--   their delivery are quarantined at load, so none lies after it.
-- - first_day, where reporting begins: the reporting_start var when set, else the earliest start of
--   a period the deliveries declare (their manifests' period.start), else the first extract date.

{%- set as_of_var = "date '" ~ var('as_of_date') ~ "'" if var('as_of_date') else 'null::date' %}
{%- set start_var = "date '" ~ var('reporting_start') ~ "'" if var('reporting_start') else 'null::date' %}

select
    coalesce({{ as_of_var }}, max(b.loaded_at)::date - 1, current_date) as as_of_date,
    coalesce({{ start_var }}, min(b.period_start), min(b.delivered_on), current_date) as first_day,
    max(b.loaded_at) as latest_delivery_at
from {{ source('batch_register', '_batches') }} as b

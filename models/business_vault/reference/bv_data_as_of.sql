-- The warehouse's one time anchor, from the batch register (raw._batches), the declared source
-- systems (bv_source_systems, generated from the mappings) and vars only, so that nothing use-case
-- specific bounds another use case's months:
-- - as_of_date, the date the loaded data describes (its "today"): the as_of_date var when set, else
--   the day before the latest delivery was loaded (an extract taken at night holds the days before
--   it). Open legal clocks are judged on it and no month after it is reported. Events dated after
--   their delivery are quarantined at load, so none lies after it.
-- - first_day, where reporting begins: the reporting_start var when set, else the first day every
--   event system covers (the latest of their earliest declared period starts; register snapshots
--   do not bound it), else the first extract date. A month before it would count one system's
--   events without another's.

{%- set as_of_var = "date '" ~ var('as_of_date') ~ "'" if var('as_of_date') else 'null::date' %}
{%- set start_var = "date '" ~ var('reporting_start') ~ "'" if var('reporting_start') else 'null::date' %}

with batches as (
    select
        b.source_system,
        b.delivered_on,
        b.loaded_at,
        b.period_start
    from {{ source('batch_register', '_batches') }} as b
),

system_starts as (
    select
        b.source_system,
        min(b.period_start) as period_start
    from batches as b
    inner join {{ ref('bv_source_systems') }} as s on b.source_system = s.source_system and s.bounds_reporting
    group by b.source_system
)

select
    coalesce({{ as_of_var }}, (select max(b.loaded_at) from batches as b)::date - 1, current_date) as as_of_date,
    coalesce(
        {{ start_var }},
        (select max(s.period_start) from system_starts as s),
        (select min(b.delivered_on) from batches as b),
        current_date
    ) as first_day,
    (select max(b.loaded_at) from batches as b) as latest_delivery_at

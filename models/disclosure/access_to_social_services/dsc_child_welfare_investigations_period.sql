-- Lastensuojelun määräajat (child-welfare deadlines) in THL's periods 1.4-30.9 and 1.10-31.3:
-- notifications whose processing (the start of the investigation, lastensuojelutarpeen selvitys)
-- fell in the period and the share started within 7 arkipäivää, and investigations completed in
-- the period and the share completed within 3 months (lastensuojelulaki § 26); per county and for
-- all counties together, with the county's rank. Only periods the data covers completely. A notification
-- still unprocessed past its deadline at the period end counts as late in that period.

{%- set dims = ['period_start', 'period_end'] %}

with periods as (
    {{ complete_periods('child_welfare_period') }}
),

clocks as (
    select
        d.county_code,
        d.clock_type,
        d.deadline_status,
        -- a processed (or completed) case belongs to the period of that event; one past its
        -- deadline and still open, to the period its due date passed in
        coalesce(d.clock_stop_date, d.due_date + 1) as event_date
    from {{ ref('bv_deadline_status') }} as d
    where
        d.service = 'child_welfare'
        and d.deadline_status in ('met', 'late', 'overdue')
        and d.county_code is not null
),

in_period as (
    select
        c.*,
        p.period_start,
        p.period_end
    from clocks as c
    inner join periods as p on c.event_date between p.period_start and p.period_end
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        period_start,
        period_end,
        count(*) filter (where clock_type = 'social_assessment_start') as processed_n,
        count(*) filter (where clock_type = 'social_assessment_start' and deadline_status = 'met') as started_on_time_n,
        count(*) filter (where clock_type = 'social_assessment_complete') as completed_n,
        count(*) filter (where clock_type = 'social_assessment_complete' and deadline_status = 'met')
            as completed_on_time_n
    from in_period
    group by {{ by_county_and_total(dims) }}
),

measured as (
    select
        area_code,
        area_level,
        period_start,
        period_end,
        processed_n,
        started_on_time_n,
        processed_n - started_on_time_n as started_late_n,
        completed_n,
        completed_on_time_n,
        completed_n - completed_on_time_n as completed_late_n,
        {{ pct('started_on_time_n', 'processed_n') }}
            as started_on_time_pct,
        {{ pct('completed_on_time_n', 'completed_n') }}
            as completed_on_time_pct,
        {{ is_complete_span('period_start', 'period_end') }} as is_final
    from cells
)

select * from measured

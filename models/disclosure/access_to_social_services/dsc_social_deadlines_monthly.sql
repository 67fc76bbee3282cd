-- Sosiaalihuollon määräajat (social-care deadlines) by month of the clock start: the clocks of the
-- legal deadlines of social services (SHL § 36 and § 45, LSL § 26, vanhuspalvelulaki § 18) that a
-- rule covers, per county and for all counties together, clock type and service (and all services), with
-- those met, late, overdue and still open, and the share met of those decided.

{%- set dims = ['month', 'clock_type', 'service'] %}

with clocks as (
    select
        d.county_code,
        date_trunc('month', d.clock_start_date)::date as month,
        d.clock_type,
        d.service,
        d.deadline_status,
        -- every clock of the type and service started in the month, in any county, is past its due
        -- date: the month's share no longer waits for the slow ones
        bool_and(d.due_date < d.as_of_date)
            over (partition by d.clock_type, d.service, date_trunc('month', d.clock_start_date))
            as is_all_due
    from {{ ref('bv_deadline_status') }} as d
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', d.clock_start_date)::date = rm.month
    where
        d.clock_type like 'social\_%'
        and d.rule_id is not null
        and d.county_code is not null
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        clock_type,
        {{ or_all('service') }} as service,
        count(*) as clocks_n,
        count(*) filter (where deadline_status = 'met') as met_n,
        count(*) filter (where deadline_status = 'late') as late_n,
        -- due and the event has not happened
        count(*) filter (where deadline_status = 'overdue') as overdue_n,
        count(*) filter (where deadline_status = 'open') as open_n,
        bool_and(is_all_due) as is_all_due
    from clocks
    group by {{ by_area_with_totals(['month', 'clock_type'], ['service']) }}
),

measured as (
    select
        area_code,
        area_level,
        month,
        clock_type,
        service,
        clocks_n,
        met_n,
        late_n,
        overdue_n,
        open_n,
        met_n + late_n + overdue_n as decided_n,
        {{ pct('met_n', 'met_n + late_n + overdue_n') }} as met_pct,
        is_all_due
    from cells
)

select
    *,
    {{ is_final_month('month', 'open_n') }} as is_final
from measured

-- Yhteydensaanti ja hoidon tarpeen arviointi (contact and need assessment) on time in primary
-- care: the share of contacts assessed within the deadline in force on the contact day (3
-- arkipäivää until 2023-08-31, the same arkipäivä from 2023-09-01), per county and for all counties
-- together, month of contact, service line and rule, with the county's rank.

with clocks as (
    select
        d.county_code,
        date_trunc('month', d.clock_start_date)::date as month,
        d.service as service_line,
        coalesce(d.rule_id, 'no_rule') as rule_id,
        d.deadline_status
    from {{ ref('bv_deadline_status') }} as d
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', d.clock_start_date)::date = rm.month
    where
        d.clock_type = 'primary_care_contact'
        and d.county_code is not null
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        service_line,
        rule_id,
        count(*) as contacts_n,
        count(*) filter (where deadline_status = 'met') as on_time_n,
        -- late includes contacts still unassessed past their deadline on the as-of date (overdue)
        count(*) filter (where deadline_status in ('late', 'overdue')) as late_n,
        count(*) filter (where deadline_status = 'open') as open_n
    from clocks
    group by {{ by_county_and_total(['month', 'service_line', 'rule_id']) }}
),

measured as (
    select
        *,
        {{ pct('on_time_n', 'on_time_n + late_n') }} as on_time_pct
    from cells
)

select
    area_code,
    area_level,
    month,
    service_line,
    rule_id,
    contacts_n,
    on_time_n,
    late_n,
    open_n,
    on_time_pct,
    {{ is_final_month('month', 'open_n') }} as is_final
from measured

-- Palvelun alkaminen (start of granted services) by month of the start: the services that started,
-- per county and for all counties together and service (and all services), with the days from the decision
-- to the start, and the county's rank. Read by start month, a month's figures are complete once it
-- is over (by decision month they would wait for every service still to start).

{%- set dims = ['month', 'service'] %}

with starts as (
    select
        d.county_code,
        date_trunc('month', d.service_started_on)::date as month,
        d.service,
        d.days_decision_to_start
    from {{ ref('bv_social_care_decision') }} as d
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', d.service_started_on)::date = rm.month
    where d.county_code is not null and d.outcome = 'granted'
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        {{ or_all('service') }} as service,
        count(*) as starts_n,
        avg(days_decision_to_start) as days_decision_to_start_mean,
        percentile_cont(0.5) within group (order by days_decision_to_start) as days_decision_to_start_median
    from starts
    group by {{ by_area_with_totals(['month'], ['service']) }}
),

measured as (
    select
        area_code,
        area_level,
        month,
        service,
        starts_n,
        {{ 'round(days_decision_to_start_mean, 1)' }} as days_decision_to_start_mean,
        {{ virta.round_to('days_decision_to_start_median', 1) }}
            as days_decision_to_start_median
    from cells
)

select
    *,
    {{ is_final_month('month') }} as is_final
from measured

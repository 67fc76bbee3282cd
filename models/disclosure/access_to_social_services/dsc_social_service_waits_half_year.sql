-- Odotusajat puolivuosittain (waiting times per half year) in the form counties publish them
-- (vanhuspalvelulaki § 26): for services that started in the half year, mean days from the
-- initiation (vireilletulo) to the decision, from the decision to the start, and from the
-- initiation to the start, per service; per county and for all counties together, with the county's rank.
-- Only half years the data covers completely.

{%- set dims = ['period_start', 'period_end', 'case_group', 'service'] %}

with periods as (
    {{ complete_periods('half_year') }}
),

started as (
    select
        d.county_code,
        p.period_start,
        p.period_end,
        d.case_group,
        d.service,
        d.days_initiation_to_decision,
        d.days_decision_to_start,
        d.days_initiation_to_start
    from {{ ref('bv_social_care_decision') }} as d
    inner join periods as p on d.service_started_on between p.period_start and p.period_end
    where d.outcome = 'granted' and d.county_code is not null
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        period_start,
        period_end,
        case_group,
        service,
        count(*) as started_n,
        avg(days_initiation_to_decision) as days_initiation_to_decision_mean,
        avg(days_decision_to_start) as days_decision_to_start_mean,
        avg(days_initiation_to_start) as days_initiation_to_start_mean,
        percentile_cont(0.5) within group (order by days_initiation_to_start) as days_initiation_to_start_median
    from started
    group by {{ by_county_and_total(dims) }}
),

measured as (
    select
        area_code,
        area_level,
        period_start,
        period_end,
        extract(year from period_start)::integer
        || case when extract(month from period_start) = 1 then ' H1' else ' H2' end as half_year,
        case_group,
        service,
        started_n,
        {{ 'round(days_initiation_to_decision_mean, 1)' }}
            as days_initiation_to_decision_mean,
        {{ 'round(days_decision_to_start_mean, 1)' }} as days_decision_to_start_mean,
        {{ 'round(days_initiation_to_start_mean, 1)' }} as days_initiation_to_start_mean,
        {{ virta.round_to('days_initiation_to_start_median', 1) }}
            as days_initiation_to_start_median,
        {{ is_complete_span('period_start', 'period_end') }} as is_final
    from cells
)

select * from measured

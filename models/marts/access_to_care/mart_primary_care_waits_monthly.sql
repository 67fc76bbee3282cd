-- Hoitoon pääsy (access to care) in primary care: waits from need assessment to realised visit per
-- county, month of the visit, service line, professional group and age group, the way THL
-- measures them (Avohilmo: non-urgent visits preceded by a need assessment, calendar days).

with visits as (
    select
        county_code,
        date_trunc('month', visit_at)::date as month,
        service_line,
        professional_group,
        case when age_at_assessment < 23 then 'under_23' else '23_and_over' end as age_group,
        wait_days
    from {{ ref('bv_primary_care_visit') }}
    where
        visit_status = 'completed'
        and urgency = 'non_urgent'
        and assessed_at is not null
        and county_code is not null
        and age_at_assessment is not null
),

cells as (
    select
        county_code,
        month,
        service_line,
        professional_group,
        age_group,
        count(*) as visits_n,
        percentile_cont(0.5) within group (order by wait_days) as wait_days_median,
        avg(wait_days) as wait_days_mean,
        percentile_cont(0.8) within group (order by wait_days) as wait_days_p80,
        percentile_cont(0.9) within group (order by wait_days) as wait_days_p90,
        avg(case when wait_days <= 7 then 1.0 else 0.0 end) as within_7d_share,
        avg(case when wait_days <= 14 then 1.0 else 0.0 end) as within_14d_share
    from visits
    group by 1, 2, 3, 4, 5
)

select
    county_code,
    month,
    service_line,
    professional_group,
    age_group,
    visits_n,
    {{ is_suppressed('visits_n') }} as is_suppressed,
    {{ suppressed('round(wait_days_median::numeric, 1)', 'visits_n') }} as wait_days_median,
    {{ suppressed('round(wait_days_mean::numeric, 1)', 'visits_n') }} as wait_days_mean,
    {{ suppressed('round(wait_days_p80::numeric, 1)', 'visits_n') }} as wait_days_p80,
    {{ suppressed('round(wait_days_p90::numeric, 1)', 'visits_n') }} as wait_days_p90,
    {{ suppressed('round(100 * within_7d_share, 1)', 'visits_n') }} as within_7d_pct,
    {{ suppressed('round(100 * within_14d_share, 1)', 'visits_n') }} as within_14d_pct
from cells

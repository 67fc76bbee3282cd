-- Kiireellinen ja kiireetön hoito (urgent and non-urgent care) in primary care: realised visits that
-- followed a need assessment, by the urgency the assessment recorded, with the days from the
-- assessment to the visit. THL's access statistics cover the non-urgent visits only (Avohilmo); urgent
-- care is given at once, outside the guarantee's days, so its share seen the same day and by the next
-- day (var urgent_care_wait_cutoffs_days) is the measure here. Per county and for all counties
-- together, month of the visit, service line and urgency (each also 'all'), with the county's rank.

{%- set same, next_ = var('urgent_care_wait_cutoffs_days') %}

with visits as (
    select
        v.county_code,
        date_trunc('month', v.visit_at)::date as month,
        coalesce(v.service_line, 'unknown') as service_line,
        coalesce(v.urgency, 'unknown') as urgency,
        v.wait_days
    from {{ ref('bv_primary_care_visit') }} as v
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', v.visit_at)::date = rm.month
    where {{ is_counted_assessed_visit('v') }}
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        {{ or_all('service_line') }} as service_line,
        {{ or_all('urgency') }} as urgency,
        count(*) as visits_n,
        count(*) filter (where wait_days <= {{ same }}) as within_{{ same }}d_n,
        count(*) filter (where wait_days <= {{ next_ }}) as within_{{ next_ }}d_n,
        percentile_cont(0.5) within group (order by wait_days) as wait_days_median,
        avg(wait_days) as wait_days_mean,
        percentile_cont(0.9) within group (order by wait_days) as wait_days_p90
    from visits
    group by {{ by_area_with_totals(['month'], ['service_line', 'urgency']) }}
)

select
    area_code,
    area_level,
    month,
    service_line,
    urgency,
    visits_n,
    within_{{ same }}d_n,
    within_{{ next_ }}d_n,
    {{ pct('within_' ~ same ~ 'd_n', 'visits_n') }} as within_{{ same }}d_pct,
    {{ pct('within_' ~ next_ ~ 'd_n', 'visits_n') }} as within_{{ next_ }}d_pct,
    {{ virta.round_to('wait_days_median', 1) }} as wait_days_median,
    {{ virta.round_to('wait_days_mean', 1) }} as wait_days_mean,
    {{ virta.round_to('wait_days_p90', 1) }} as wait_days_p90,
    {{ is_final_month('month') }} as is_final
from cells

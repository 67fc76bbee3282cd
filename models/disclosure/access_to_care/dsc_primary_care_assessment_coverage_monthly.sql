-- Hoidon tarpeen arvioinnin kattavuus (coverage of the need assessment) in primary care: the share
-- of realised non-urgent visits that followed a recorded need assessment, per county and for all counties
-- together, month of the visit, service line and professional group, with the county's rank. THL
-- publishes waits only for assessed visits, so a low coverage means the waits speak for fewer visits.

with visits as (
    select
        v.county_code,
        date_trunc('month', v.visit_at)::date as month,
        v.service_line,
        v.professional_group,
        v.has_need_assessment
    from {{ ref('bv_primary_care_visit') }} as v
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', v.visit_at)::date = rm.month
    where {{ is_counted_coverage_visit('v') }}
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        service_line,
        professional_group,
        count(*) as visits_n,
        count(*) filter (where has_need_assessment) as assessed_n
    from visits
    group by {{ by_county_and_total(['month', 'service_line', 'professional_group']) }}
),

measured as (
    select
        *,
        {{ pct('assessed_n', 'visits_n') }} as coverage_pct
    from cells
)

select
    area_code,
    area_level,
    month,
    service_line,
    professional_group,
    visits_n,
    assessed_n,
    coverage_pct,
    {{ is_final_month('month') }} as is_final
from measured

-- Yhdenvertaisuus hoitoon pääsyssä (equality of access): per county and year, the median wait from
-- need assessment to a non-urgent doctor visit in general practice for each sex and each
-- municipality of the unit, and the gap between the longest and the shortest group median (groups
-- under the small-cell threshold are left out of the gap). The total compares its counties'
-- municipalities and both sexes the same way.

with visits as (
    select
        v.county_code,
        extract(year from v.visit_at)::integer as year,
        v.sex,
        v.unit_municipality_code,
        v.wait_days
    from {{ ref('bv_primary_care_visit') }} as v
    where
        {{ is_counted_wait_visit('v') }}
        and v.professional_group = 'doctor'
        and v.service_line = 'general_practice'
),

groups as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        year,
        'sex' as breakdown,
        sex as group_value,
        count(*) as visits_n,
        percentile_cont(0.5) within group (order by wait_days) as wait_days_median
    from visits
    where sex is not null
    group by {{ by_county_and_total(['year', 'sex']) }}
    union all
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        year,
        'unit_municipality' as breakdown,
        unit_municipality_code as group_value,
        count(*) as visits_n,
        percentile_cont(0.5) within group (order by wait_days) as wait_days_median
    from visits
    where unit_municipality_code is not null
    group by {{ by_county_and_total(['year', 'unit_municipality_code']) }}
),

measured as (
    select
        area_code,
        area_level,
        year,
        breakdown,
        count(*) filter (where visits_n >= {{ var('small_cell_threshold') }}) as groups_n,
        sum(visits_n) as visits_n,
        min(wait_days_median) filter (where visits_n >= {{ var('small_cell_threshold') }}) as wait_days_median_min,
        max(wait_days_median) filter (where visits_n >= {{ var('small_cell_threshold') }}) as wait_days_median_max
    from groups
    group by area_code, area_level, year, breakdown
)

select
    area_code,
    area_level,
    year,
    {{ is_full_year('year') }} as is_full_year,
    breakdown,
    groups_n,
    visits_n,
    wait_days_median_min,
    wait_days_median_max,
    -- one group shown: no comparison within the area
    case when groups_n >= 2 then wait_days_median_max - wait_days_median_min end as wait_days_median_gap
from measured

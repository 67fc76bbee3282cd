{{ config(indexes=[{'columns': ['county_code', 'year', 'segment_code']}]) }}
-- Service users' segments per year: one row per person, county, year of reporting months and
-- segment, for the people who used a service in the county that year. The service intensity is the
-- heaviest of the year's months; the life-course segment is the one of the last month the person
-- used a service (so the life-course segments stay a partition of the year's users); a
-- service-need segment holds when it held in any month the person used a service. net_eur is the
-- person's cost of the year in the county (bv_person_cost_monthly), the same on each of their rows.

with service_months as (
    select
        s.person_hk,
        s.county_code,
        extract(year from s.month)::integer as year,
        s.month,
        s.segment_code,
        s.segment_kind,
        s.parent_segment_code,
        -- windows rather than a self-join on a per-person aggregate, whose row estimate led the
        -- planner into a nested loop over every person-year
        min(s.tier_rank) over person_year as year_tier_rank,
        first_value(s.intensity_tier) over (person_year order by s.tier_rank) as year_intensity_tier,
        max(s.month) over person_year as last_service_month
    from {{ ref('bv_person_segment_monthly') }} as s
    inner join {{ ref('bv_reporting_month') }} as rm on s.month = rm.month
    where s.tier_rank is not null
    window person_year as (partition by s.person_hk, s.county_code, extract(year from s.month))
),

segments as (
    select distinct
        person_hk,
        county_code,
        year,
        segment_code,
        segment_kind,
        parent_segment_code,
        year_tier_rank as tier_rank,
        year_intensity_tier as intensity_tier
    from service_months
    where segment_kind <> 'life_course' or month = last_service_month
),

costs as (
    select
        c.person_hk,
        c.county_code,
        extract(year from c.month)::integer as year,
        sum(c.net_eur) as net_eur
    from {{ ref('bv_person_cost_monthly') }} as c
    inner join {{ ref('bv_reporting_month') }} as rm on c.month = rm.month
    group by c.person_hk, c.county_code, extract(year from c.month)
)

select
    s.person_hk,
    s.county_code,
    s.year,
    s.segment_code,
    s.segment_kind,
    s.parent_segment_code,
    s.intensity_tier,
    s.tier_rank,
    coalesce(c.net_eur, 0) as net_eur
from segments as s
left join costs as c
    on s.person_hk = c.person_hk and s.county_code = c.county_code and s.year = c.year

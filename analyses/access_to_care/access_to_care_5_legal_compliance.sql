-- Hoitoon pääsy, lain vaatimukset: per area and year, the share of primary-care visits within the
-- treatment deadline in force (terveydenhuoltolaki § 51, target 100 %) and of need assessments on
-- time (the same arkipäivä since 2023-09-01; both service lines), from the published monthly counts.
-- months_n says how many complete, published months the year's share rests on.
with treatment as (
    select
        area_code,
        area_name_en,
        cast(extract(year from month) as integer) as year,
        count(*) as months_n,
        sum(deadline_judged_n) as judged_n,
        round(sum(deadline_met_pct * deadline_judged_n) / nullif(sum(deadline_judged_n), 0), 1) as deadline_met_pct
    from marts.mart_primary_care_waits_monthly
    where
        service_line = 'all' and professional_group = 'all' and age_group = 'all'
        and is_complete_period and deadline_met_pct is not null
    group by area_code, area_name_en, extract(year from month)
),

assessment as (
    select
        area_code,
        cast(extract(year from month) as integer) as year,
        sum(on_time_n + late_n) as decided_n,
        round(100.0 * sum(on_time_n) / nullif(sum(on_time_n + late_n), 0), 1) as on_time_pct
    from marts.mart_primary_care_assessment_timeliness_monthly
    where is_complete_period and on_time_n is not null and late_n is not null
    group by area_code, extract(year from month)
)

select
    t.area_code,
    t.area_name_en,
    t.year,
    t.months_n,
    t.judged_n,
    t.deadline_met_pct,
    a.decided_n as assessments_decided_n,
    a.on_time_pct as assessment_on_time_pct
from treatment as t
left join assessment as a on t.area_code = a.area_code and t.year = a.year
order by t.year, t.area_code;

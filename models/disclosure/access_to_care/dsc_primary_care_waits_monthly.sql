-- Hoitoon pääsy (access to care) in primary care: waits from need assessment to realised visit per
-- county, month of the visit, service line, professional group and age group, the way THL
-- measures them (Avohilmo: non-urgent visits preceded by a need assessment, calendar days); per
-- county and all counties together, with the county's rank. Every breakdown also has its total ('all'),
-- so no visit is lost between groups.

{%- set dims = ['month', 'service_line', 'professional_group', 'age_group'] %}
{#- THL's cut-points (var primary_care_wait_cutoffs_days): within 7 and within 14 days -#}
{%- set short, long = var('primary_care_wait_cutoffs_days') %}

with visits as (
    select
        v.county_code,
        date_trunc('month', v.visit_at)::date as month,
        coalesce(v.service_line, 'unknown') as service_line,
        coalesce(v.professional_group, 'unknown') as professional_group,
        case
            when v.age_at_assessment < {{ var('young_adult_age_limit') }} then 'under_23'
            when v.age_at_assessment >= {{ var('young_adult_age_limit') }} then '23_and_over'
            else 'unknown'
        end as age_group,
        v.wait_days,
        -- within n months by laki 150/1930 § 3 (same-numbered day, else the month's last day)
        v.visit_at::date <= {{ add_months_fi('v.assessed_at::date', 3) }} as is_within_3m,
        v.visit_at::date <= {{ add_months_fi('v.assessed_at::date', 4) }} as is_within_4m,
        v.visit_at::date <= {{ add_months_fi('v.assessed_at::date', 6) }} as is_within_6m,
        d.deadline_status
    from {{ ref('bv_primary_care_visit') }} as v
    -- the deadline in force for the assessment the visit followed (rule, due date, met or not)
    left join {{ ref('bv_deadline_status') }} as d
        on v.need_assessment_hk = d.event_hk and d.clock_type = 'primary_care_treatment'
    where {{ is_counted_wait_visit('v') }}
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        {{ or_all('service_line') }} as service_line,
        {{ or_all('professional_group') }} as professional_group,
        {{ or_all('age_group') }} as age_group,
        count(*) as visits_n,
        percentile_cont(0.5) within group (order by wait_days) as wait_days_median,
        avg(wait_days) as wait_days_mean,
        percentile_cont(0.8) within group (order by wait_days) as wait_days_p80,
        percentile_cont(0.9) within group (order by wait_days) as wait_days_p90,
        avg(case when wait_days <= {{ short }} then 1.0 else 0.0 end) as within_{{ short }}d_share,
        avg(case when wait_days <= {{ long }} then 1.0 else 0.0 end) as within_{{ long }}d_share,
        avg(case when is_within_3m then 1.0 else 0.0 end) as within_3m_share,
        avg(case when is_within_4m then 1.0 else 0.0 end) as within_4m_share,
        avg(case when is_within_6m then 1.0 else 0.0 end) as within_6m_share,
        avg(case deadline_status when 'met' then 1.0 when 'late' then 0.0 end) as deadline_met_share,
        -- the visits the deadline share rests on: met or late
        count(*) filter (where deadline_status in ('met', 'late')) as deadline_judged_n,
        -- visits no deadline rule covers: counted, never judged
        count(*) filter (where deadline_status = 'no_rule') as deadline_no_rule_n
    from visits
    group by {{ by_area_with_totals(['month'], ['service_line', 'professional_group', 'age_group']) }}
),

measured as (
    select
        area_code,
        area_level,
        month,
        service_line,
        professional_group,
        age_group,
        visits_n,
        deadline_judged_n,
        deadline_no_rule_n,
        {{ virta.round_to('wait_days_median', 1) }} as wait_days_median,
        {{ virta.round_to('wait_days_mean', 1) }} as wait_days_mean,
        {{ virta.round_to('wait_days_p80', 1) }} as wait_days_p80,
        {{ virta.round_to('wait_days_p90', 1) }} as wait_days_p90,
        {{ 'round(100 * within_' ~ short ~ 'd_share, 1)' }} as within_{{ short }}d_pct,
        {{ 'round(100 * within_' ~ long ~ 'd_share, 1)' }} as within_{{ long }}d_pct,
        {{ 'round(100 * within_3m_share, 1)' }} as within_3m_pct,
        {{ 'round(100 * within_4m_share, 1)' }} as within_4m_pct,
        {{ 'round(100 * within_6m_share, 1)' }} as within_6m_pct,
        {{ 'round(100 * deadline_met_share, 1)' }} as deadline_met_pct
    from cells
)

select
    *,
    -- visits are realised: a month's figures are final once the month is over
    {{ is_final_month('month') }} as is_final
from measured

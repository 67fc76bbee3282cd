-- The headline access-to-care indicators as one monthly series per indicator and area (county or
-- the whole country): the input of the trend and forecast mart, and a long table BI tools can pivot.
-- Months the data covers only in part are left out.

with counted_visits as (
    select
        v.county_code,
        date_trunc('month', v.visit_at)::date as month,
        v.service_line,
        v.professional_group,
        v.wait_days,
        d.deadline_status
    from {{ ref('bv_primary_care_visit') }} as v
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', v.visit_at)::date = rm.month
    left join {{ ref('bv_deadline_status') }} as d
        on v.need_assessment_hk = d.event_hk and d.clock_type = 'primary_care_treatment'
    where {{ is_counted_wait_visit('v') }}
),

doctor_visits_within_14d as (
    {{ share_series('pc_doctor_visits_within_14d_pct', 'counted_visits', 'wait_days <= 14',
        where="professional_group = 'doctor' and service_line = 'general_practice'") }}
),

treatment_deadline_met as (
    {{ share_series('pc_treatment_deadline_met_pct', 'counted_visits', "deadline_status = 'met'",
        where="deadline_status in ('met', 'late')") }}
),

-- coverage and assessment on time add up their marts' counts over service lines, professional
-- groups and rules (the marts already hold the county and country rows)
assessment_coverage as (
    select
        c.area_code,
        c.area_level,
        c.month,
        'pc_assessment_coverage_pct' as indicator_id,
        sum(c.visits_n) as n,
        100.0 * sum(c.assessed_n) / sum(c.visits_n) as value
    from {{ ref('mart_primary_care_assessment_coverage_monthly') }} as c
    group by c.area_code, c.area_level, c.month
),

assessment_on_time as (
    select
        t.area_code,
        t.area_level,
        t.month,
        'pc_assessment_on_time_pct' as indicator_id,
        -- decided contacts only (met or late, overdue included); open and no-rule contacts are not judged
        sum(t.on_time_n + t.late_n) as n,
        100.0 * sum(t.on_time_n) / nullif(sum(t.on_time_n + t.late_n), 0) as value
    from {{ ref('mart_primary_care_assessment_timeliness_monthly') }} as t
    group by t.area_code, t.area_level, t.month
),

specialised_month_end as (
    select
        w.area_code,
        w.area_level,
        date_trunc('month', w.month_end)::date as month,
        w.waiting_n as n,
        w.over_180_pct,
        w.over_180_per_10000,
        w.median_wait_days
    from {{ ref('mart_specialised_care_waiting_month_end') }} as w
    where w.waiting_for = 'all'
),

specialised_waiting as (
    select
        e.area_code,
        e.area_level,
        e.month,
        m.indicator_id,
        e.n,
        m.value
    from specialised_month_end as e
    cross join lateral (
        values
        ('esh_waiting_over_180d_pct', e.over_180_pct),
        ('esh_waiting_over_180d_per_10000', e.over_180_per_10000),
        ('esh_waiting_median_days', e.median_wait_days)
    ) as m (indicator_id, value)
),

referral_processing as (
    select
        p.area_code,
        p.area_level,
        p.month,
        'esh_referrals_processed_over_21d_pct' as indicator_id,
        p.processed_n as n,
        p.over_21_pct as value
    from {{ ref('mart_specialised_care_referral_processing_monthly') }} as p
)

{{ indicator_series([
    'doctor_visits_within_14d', 'treatment_deadline_met', 'assessment_coverage', 'assessment_on_time',
    'specialised_waiting', 'referral_processing'
]) }}

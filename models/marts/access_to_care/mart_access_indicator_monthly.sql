-- The headline access-to-care indicators as one monthly series per indicator and area (county or
-- the whole country): the input of the trend and forecast mart, and a long table BI tools can pivot.

with doctor_visits as (
    select
        v.county_code,
        date_trunc('month', v.visit_at)::date as month,
        v.wait_days
    from {{ ref('bv_primary_care_visit') }} as v
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', v.visit_at)::date = rm.month
    where
        {{ is_counted_wait_visit('v') }}
        and v.professional_group = 'doctor'
        and v.service_line = 'general_practice'
),

primary_care as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        'pc_doctor_visits_within_14d_pct' as indicator_id,
        count(*) as n,
        100.0 * avg(case when wait_days <= 14 then 1 else 0 end) as value
    from doctor_visits
    group by {{ by_county_and_country(['month']) }}
),

specialised_waiting as (
    select
        w.area_code,
        w.area_level,
        date_trunc('month', w.month_end)::date as month,
        'esh_waiting_over_180d_pct' as indicator_id,
        w.waiting_n as n,
        w.over_180_pct as value
    from {{ ref('mart_specialised_care_waiting_month_end') }} as w
    where w.waiting_for = 'all'
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
),

series as (
    select * from primary_care
    union all
    select * from specialised_waiting
    union all
    select * from referral_processing
)

select
    s.indicator_id,
    s.area_code,
    s.area_level,
    s.month,
    s.n,
    {{ is_suppressed('s.n') }} as is_suppressed,
    {{ suppressed('round(s.value::numeric, 1)', 's.n') }} as value
from series as s

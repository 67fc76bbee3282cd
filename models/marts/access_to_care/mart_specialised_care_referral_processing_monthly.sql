-- Lähetteiden käsittely (referral processing) in specialised care, THL-comparable: referrals whose
-- processing started, by month of arrival, in bands of 0-3, 4-21 and over 21 calendar days from
-- arrival (the legal maximum is 3 weeks); per county and the whole country, with the county's rank.

with referrals as (
    select
        r.county_code,
        date_trunc('month', r.received_on)::date as month,
        r.processing_days,
        -- still waiting for processing on the as-of date: the month's shares are provisional
        (r.processed_on is null and r.closed_on is null) as is_awaiting_processing
    from {{ ref('bv_specialised_care_referral') }} as r
    inner join {{ ref('bv_reporting_month') }} as rm on date_trunc('month', r.received_on)::date = rm.month
    where r.county_code is not null and (r.processing_days is not null or r.closed_on is null)
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month,
        count(processing_days) as processed_n,
        count(*) filter (where is_awaiting_processing) as awaiting_processing_n,
        count(*) filter (where processing_days <= 3) as within_3d_n,
        count(*) filter (where processing_days between 4 and 21) as days_4_21_n,
        count(*) filter (where processing_days > 21) as over_21_n
    from referrals
    group by {{ by_county_and_country(['month']) }}
),

measured as (
    select
        *,
        {{ suppressed(pct('within_3d_n', 'processed_n'), 'processed_n') }} as within_3d_pct,
        {{ suppressed(pct('days_4_21_n', 'processed_n'), 'processed_n') }} as days_4_21_pct,
        {{ suppressed(pct('over_21_n', 'processed_n'), 'processed_n') }} as over_21_pct
    from cells
)

select
    area_code,
    area_level,
    month,
    processed_n,
    within_3d_n,
    days_4_21_n,
    over_21_n,
    awaiting_processing_n,
    {{ is_suppressed('processed_n') }} as is_suppressed,
    within_3d_pct,
    days_4_21_pct,
    over_21_pct,
    {{ is_final_month('month', 'awaiting_processing_n') }} as is_final,
    {{ county_rank('over_21_pct', ['month'], direction='lower_is_better') }} as over_21_pct_rank
from measured

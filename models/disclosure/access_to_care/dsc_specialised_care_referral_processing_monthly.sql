-- Lähetteiden käsittely (referral processing) in specialised care, THL-comparable: referrals whose
-- processing started, by month of arrival, in bands of 0-3, 4-21 and over 21 calendar days from
-- arrival (the legal maximum is 3 weeks; var referral_processing_bands_days); per county and for
-- all counties together, with the county's rank.

{%- set quick, legal = var('referral_processing_bands_days') %}

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
        count(*) filter (where processing_days <= {{ quick }}) as within_{{ quick }}d_n,
        count(*) filter (where processing_days between {{ quick + 1 }} and {{ legal }})
            as days_{{ quick + 1 }}_{{ legal }}_n,
        count(*) filter (where processing_days > {{ legal }}) as over_{{ legal }}_n
    from referrals
    group by {{ by_county_and_total(['month']) }}
),

measured as (
    select
        *,
        {{ pct('within_' ~ quick ~ 'd_n', 'processed_n') }} as within_{{ quick }}d_pct,
        {{ pct('days_' ~ (quick + 1) ~ '_' ~ legal ~ '_n', 'processed_n') }}
            as days_{{ quick + 1 }}_{{ legal }}_pct,
        {{ pct('over_' ~ legal ~ '_n', 'processed_n') }} as over_{{ legal }}_pct
    from cells
)

select
    area_code,
    area_level,
    month,
    processed_n,
    within_{{ quick }}d_n,
    days_{{ quick + 1 }}_{{ legal }}_n,
    over_{{ legal }}_n,
    awaiting_processing_n,
    within_{{ quick }}d_pct,
    days_{{ quick + 1 }}_{{ legal }}_pct,
    over_{{ legal }}_pct,
    {{ is_final_month('month', 'awaiting_processing_n') }} as is_final
from measured

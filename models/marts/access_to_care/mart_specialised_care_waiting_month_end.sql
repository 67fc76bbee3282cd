-- Hoitoon pääsy erikoissairaanhoidossa (access to specialised care), THL-comparable: the people
-- waiting on the last day of each month, split into waiting for the specialist assessment (from
-- the referral's arrival) and waiting for treatment (from queue entry), in bands of 0-90, 91-180
-- and over 180 days; per county and for the whole country, with the county's rank.

with waiting as (
    select
        rm.month_end,
        r.county_code,
        case
            when r.queued_on <= rm.month_end then 'treatment'
            when r.assessed_on is null or r.assessed_on > rm.month_end then 'assessment'
        end as waiting_for,
        rm.month_end - case when r.queued_on <= rm.month_end then r.queued_on else r.received_on end as wait_days
    from {{ ref('bv_reporting_month') }} as rm
    inner join {{ ref('bv_specialised_care_referral') }} as r
        on
            rm.month_end >= r.received_on
            and (r.closed_on is null or rm.month_end < r.closed_on)
    where r.county_code is not null
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        month_end,
        {{ or_all('waiting_for') }} as waiting_for,
        count(*) as waiting_n,
        count(*) filter (where wait_days <= 90) as days_0_90_n,
        count(*) filter (where wait_days between 91 and 180) as days_91_180_n,
        count(*) filter (where wait_days > 180) as over_180_n,
        percentile_cont(0.5) within group (order by wait_days) as wait_days_median
    from waiting
    -- assessed but not (yet) queued for treatment: nobody waits (THL counts neither)
    where waiting_for is not null
    group by {{ by_area_with_totals(['month_end'], ['waiting_for']) }}
),

population as (
    {{ residents_by_area_month() }}
),

measured as (
    select
        c.*,
        p.residents_n,
        {{ suppressed(pct('c.over_180_n', 'c.waiting_n'), 'c.waiting_n') }} as over_180_pct,
        {{ suppressed('round(10000.0 * c.over_180_n / nullif(p.residents_n, 0), 2)', 'c.waiting_n') }}
            as over_180_per_10000,
        {{ suppressed(virta.round_to('c.wait_days_median', 1), 'c.waiting_n') }} as median_wait_days
    from cells as c
    left join population as p on c.area_code = p.area_code and date_trunc('month', c.month_end)::date = p.month
)

select
    area_code,
    area_level,
    month_end,
    waiting_for,
    waiting_n,
    days_0_90_n,
    days_91_180_n,
    over_180_n,
    {{ is_suppressed('waiting_n') }} as is_suppressed,
    over_180_pct,
    over_180_per_10000,
    median_wait_days,
    residents_n,
    {{ is_final_month("date_trunc('month', month_end)::date") }} as is_final,
    {{ county_rank('over_180_pct', ['month_end', 'waiting_for'], direction='lower_is_better') }} as over_180_pct_rank
from measured

-- Hoitoon pääsy erikoissairaanhoidossa (access to specialised care), THL-comparable: the people
-- waiting on the last day of each month, split into waiting for the specialist assessment (from
-- the referral's arrival) and waiting for treatment (from queue entry), in bands of 0-90, 91-180
-- and over 180 days (var specialised_waiting_bands_days); per county and for all counties together,
-- with the county's rank.

{%- set short, long = var('specialised_waiting_bands_days') %}
{%- set per = var('residents_rate_base') %}

with waiting as (
    select
        rm.month_end,
        r.county_code,
        case
            when r.queued_on <= rm.month_end then 'treatment'
            when r.assessed_on is null or r.assessed_on > rm.month_end then 'assessment'
        end as waiting_for,
        {{ virta.days_between('case when r.queued_on <= rm.month_end then r.queued_on else r.received_on end',
            'rm.month_end') }} as wait_days
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
        count(*) filter (where wait_days <= {{ short }}) as days_0_{{ short }}_n,
        count(*) filter (where wait_days between {{ short + 1 }} and {{ long }}) as days_{{ short + 1 }}_{{ long }}_n,
        count(*) filter (where wait_days > {{ long }}) as over_{{ long }}_n,
        percentile_cont(0.5) within group (order by wait_days) as wait_days_median_exact
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
        {{ pct('c.over_' ~ long ~ '_n', 'c.waiting_n') }} as over_{{ long }}_pct,
        {{ 'round(' ~ per ~ '.0 * c.over_' ~ long ~ '_n / nullif(p.residents_n, 0), 2)' }}
            as over_{{ long }}_per_{{ per }},
        {{ virta.round_to('c.wait_days_median_exact', 1) }} as wait_days_median
    from cells as c
    left join population as p on c.area_code = p.area_code and date_trunc('month', c.month_end)::date = p.month
)

select
    area_code,
    area_level,
    month_end,
    -- the month the stock date ends, as every monthly mart names its month (the first day)
    date_trunc('month', month_end)::date as month,
    waiting_for,
    waiting_n,
    days_0_{{ short }}_n,
    days_{{ short + 1 }}_{{ long }}_n,
    over_{{ long }}_n,
    over_{{ long }}_pct,
    over_{{ long }}_per_{{ per }},
    wait_days_median,
    residents_n,
    {{ is_final_month("date_trunc('month', month_end)::date") }} as is_final
from measured

{{ config(indexes=[{'columns': ['person_hk', 'month']}]) }}
-- Asiakaskohtaiset kustannukset (costs per client): the month's net cost of each service
-- (bv_service_cost_monthly) spread over the people who used it in proportion to their activity
-- (bv_service_activity: visits, treatments started, care days), one row per person, county,
-- month and service. Every euro of a service with activity in the month is given to someone, so
-- the people's costs add up to the service's; the cost of a service with no activity recorded
-- that month (wards, support services not allocated on) is given to nobody. Every client-month of
-- a service is here, at no cost when none was booked for it.

with activity as (
    select
        a.county_code,
        a.month,
        a.service_code,
        a.person_hk,
        sum(a.quantity) as quantity
    from {{ ref('bv_service_activity') }} as a
    where a.person_hk is not null
    group by a.county_code, a.month, a.service_code, a.person_hk
),

shares as (
    select
        a.*,
        a.quantity / {{ virta.to_decimal('nullif(sum(a.quantity) over service_month, 0)') }} as activity_share
    from activity as a
    window service_month as (partition by a.county_code, a.month, a.service_code)
)

select
    s.county_code,
    s.month,
    s.service_code,
    s.person_hk,
    s.quantity,
    s.activity_share,
    -- a service-month with no cost booked (yet) keeps its clients, at no cost
    coalesce(c.net_eur * s.activity_share, 0) as net_eur
from shares as s
left join {{ ref('bv_service_cost_monthly') }} as c
    on s.county_code = c.county_code and s.month = c.month and s.service_code = c.service_code

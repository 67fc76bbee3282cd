-- Talousarvion toteuma (budget vs actual): per county and for all counties together, year and
-- AURA-style service (and all services), the budgeted net cost (ref_cost_budget) beside the direct
-- net cost booked on the service's cost centres (the ledger, before the allocation of shared
-- costs, as budgets are set), the budget for the months the data covers (linear: budget x months
-- / 12), the variance from it and the share of the year's budget used.

{%- set dims = ['year', 'service_code'] %}

with actual as (
    select
        f.county_code,
        cast(extract(year from f.month) as integer) as year,
        f.service_code,
        sum(f.net_eur) as net_eur
    from {{ ref('dsc_costs_monthly') }} as f
    -- the months the data covers, the same months budget_to_date_eur is for
    inner join {{ ref('bv_reporting_month') }} as rm on f.month = rm.month
    where f.cost_kind = 'direct' and f.service_code <> 'unmapped'
    group by f.county_code, extract(year from f.month), f.service_code
),

budget as (
    select
        b.county_code,
        b.year,
        b.service_code,
        b.budget_eur
    from {{ ref('ref_cost_budget') }} as b
    -- the years the data covers (a budget for a later year has nothing to compare with yet)
    where b.year in (select cast(extract(year from rm.month) as integer) from {{ ref('bv_reporting_month') }} as rm)
),

both_sides as (
    select
        coalesce(a.county_code, b.county_code) as county_code,
        coalesce(a.year, b.year) as year,
        coalesce(a.service_code, b.service_code) as service_code,
        a.net_eur,
        b.budget_eur
    from actual as a
    full outer join budget as b
        on a.county_code = b.county_code and a.year = b.year and a.service_code = b.service_code
),

cells as (
    select
        {{ area_code() }} as area_code,
        {{ area_level() }} as area_level,
        year,
        {{ or_all('service_code') }} as service_code,
        sum(net_eur) as net_eur,
        sum(budget_eur) as budget_eur
    from both_sides
    group by {{ by_area_with_totals(['year'], ['service_code']) }}
),

clients as (
    {{ service_clients_by_area_year() }}
),

-- the magnitude rule's contributors: the service's clients; for all services the largest service's
-- (at least that many people share the total)
contributors as (
    select
        area_code,
        year,
        service_code,
        clients_n
    from clients
    union all
    select
        area_code,
        year,
        'all' as service_code,
        max(clients_n) as clients_n
    from clients
    group by area_code, year
),

months as (
    {{ reporting_months_by_year() }}
)

select
    c.area_code,
    c.area_level,
    c.year,
    m.months_n,
    {{ is_full_year('c.year') }} as is_full_year,
    c.service_code,
    s.service_name_fi,
    s.service_name_en,
    c.budget_eur,
    round(c.budget_eur * m.months_n / 12.0, 2) as budget_to_date_eur,
    round(c.net_eur, 2) as net_eur,
    round(c.net_eur - c.budget_eur * m.months_n / 12.0, 2) as variance_eur,
    {{ pct('c.net_eur', 'c.budget_eur') }} as budget_used_pct,
    k.clients_n as service_clients_in_year_n
from cells as c
left join months as m on c.year = m.year
left join contributors as k on c.area_code = k.area_code and c.year = k.year and c.service_code = k.service_code
left join {{ ref('ref_aura_service_classes') }} as s on c.service_code = s.service_code

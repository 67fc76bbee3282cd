-- Kustannukset (costs) per county, month, municipality, production mode and AURA-style service,
-- as booked (cost_kind = 'direct') and as allocated from shared support services ('allocation':
-- negative on the support service, positive on the services that use it). Unmapped ledger lines
-- are kept with a null service so the totals equal the ledger. The fact the cost marts read.

with direct as (
    select
        l.county_code,
        l.month,
        l.municipality_code,
        l.production_mode,
        l.service_code,
        'direct' as cost_kind,
        coalesce(sum(l.amount_eur) filter (where not l.is_income), 0) as gross_eur,
        coalesce(-sum(l.amount_eur) filter (where l.is_income), 0) as income_eur,
        sum(l.amount_eur) as net_eur
    from {{ ref('bv_ledger_entry') }} as l
    group by l.county_code, l.month, l.municipality_code, l.production_mode, l.service_code
),

allocation as (
    select
        a.county_code,
        a.month,
        cast(null as {{ dbt.type_string() }}) as municipality_code,
        cast(null as {{ dbt.type_string() }}) as production_mode,
        a.service_code,
        'allocation' as cost_kind,
        0 as gross_eur,
        0 as income_eur,
        sum(a.allocated_eur) as net_eur
    from {{ ref('bv_cost_allocation_monthly') }} as a
    group by a.county_code, a.month, a.service_code
),

costs as (
    select * from direct
    union all
    select * from allocation
)

select
    c.county_code,
    c.month,
    c.municipality_code,
    c.production_mode,
    c.cost_kind,
    coalesce(c.service_code, 'unmapped') as service_code,
    coalesce(a.service_group_code, 'unmapped') as service_group_code,
    coalesce(a.package_code, 'unmapped') as package_code,
    coalesce(a.activity_code, 'unmapped') as activity_code,
    c.gross_eur,
    c.income_eur,
    c.net_eur
from costs as c
left join {{ ref('ref_aura_service_classes') }} as a
    on
        c.service_code = a.service_code
        and c.month >= a.valid_from
        and (a.valid_to is null or c.month <= a.valid_to)

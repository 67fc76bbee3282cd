-- Net cost (nettokustannus) per county, month and AURA-style service after the allocation of shared
-- costs (bv_cost_allocation_monthly): what each service cost in the month, the amount spread over
-- its clients' activity (bv_person_cost_monthly). Ledger lines with no service mapping are left
-- out here; the cost marts report them as 'unmapped'.

with costs as (
    select
        l.county_code,
        l.month,
        l.service_code,
        l.amount_eur as net_eur
    from {{ ref('bv_ledger_entry') }} as l
    where l.is_mapped and l.service_code is not null
    union all
    select
        a.county_code,
        a.month,
        a.service_code,
        a.allocated_eur as net_eur
    from {{ ref('bv_cost_allocation_monthly') }} as a
)

select
    county_code,
    month,
    service_code,
    sum(net_eur) as net_eur
from costs
group by county_code, month, service_code

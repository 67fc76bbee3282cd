-- Allocation of shared costs (support services) to the services that use them, per county and
-- month, by the key in force on the month's first day (ref_cost_allocation_keys): the source
-- service gives its net cost away (negative row), each target receives its weighted share
-- (positive rows), so totals are unchanged.

with shared as (
    select
        l.county_code,
        l.month,
        l.service_code as source_service_code,
        sum(l.amount_eur) as net_eur
    from {{ ref('bv_ledger_entry') }} as l
    where l.is_mapped
    group by l.county_code, l.month, l.service_code
),

keys as (
    select
        s.county_code,
        s.month,
        s.source_service_code,
        s.net_eur,
        k.allocation_key_id,
        k.target_service_code,
        k.weight / sum(k.weight) over (partition by s.county_code, s.month, s.source_service_code) as share
    from shared as s
    inner join {{ ref('ref_cost_allocation_keys') }} as k
        on
            s.source_service_code = k.source_service_code
            and s.month >= k.valid_from
            and (k.valid_to is null or s.month <= k.valid_to)
),

allocated as (
    -- in cents; the source gives away exactly what its targets receive
    select
        county_code,
        month,
        allocation_key_id,
        source_service_code,
        target_service_code as service_code,
        round(net_eur * share, 2) as allocated_eur
    from keys
)

select
    county_code,
    month,
    allocation_key_id,
    source_service_code,
    service_code,
    allocated_eur
from allocated
union all
select
    county_code,
    month,
    min(allocation_key_id) as allocation_key_id,
    source_service_code,
    source_service_code as service_code,
    -sum(allocated_eur) as allocated_eur
from allocated
group by county_code, month, source_service_code

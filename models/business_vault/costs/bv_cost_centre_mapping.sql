-- The mapping of each cost centre (kustannuspaikka) to its AURA-style service, production mode,
-- municipality and county, with the period each mapping version is valid: a remapping in the
-- ledger arrives as a new satellite row with a new valid-from date, and postings are attributed by
-- the version in force on the posting date.

-- bv_current_cost_centre: the latest delivery of each mapping version
select
    v.cost_centre_hk,
    v.mapping_valid_from,
    v.cost_centre_name,
    v.aura_service_code,
    v.production_mode,
    v.municipality_code,
    v.county_code,
    coalesce(
        lead(v.mapping_valid_from) over (partition by v.cost_centre_hk order by v.mapping_valid_from) - 1,
        date '9999-12-31'
    ) as mapping_valid_to
from {{ ref('bv_current_cost_centre') }} as v

-- The mapping of each cost centre (kustannuspaikka) to its AURA-style service, production mode,
-- municipality and county, with the period each mapping version is valid: a remapping in the
-- ledger arrives as a new satellite row with a new valid-from date, and postings are attributed by
-- the version in force on the posting date.

-- the latest delivery of each mapping version
with versions as (
    {{ virta.latest_per_key(
        ['s.cost_centre_hk', 's.mapping_valid_from', 's.cost_centre_name', 's.aura_service_code',
         's.production_mode', 's.municipality_code', 's.county_code'],
        ref('sat_cost_centre_raindance') ~ ' as s',
        key=['s.cost_centre_hk', 's.mapping_valid_from'], latest='s.load_datetime desc') }}
)

select
    v.*,
    coalesce(
        lead(v.mapping_valid_from) over (partition by v.cost_centre_hk order by v.mapping_valid_from) - 1,
        date '9999-12-31'
    ) as mapping_valid_to
from versions as v

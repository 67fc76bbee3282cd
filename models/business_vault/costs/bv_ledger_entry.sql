{{ config(indexes=[{'columns': ['month', 'county_code']}]) }}
-- One row per ledger line (kirjaus) with the cost centre's mapping in force on the posting date
-- and the service's place in the four-level AURA-style classification. Lines whose cost centre has
-- no mapping are kept (is_mapped = false) with the county of the ledger they were posted in, so
-- unmapped cost is reported, never lost.

with entries as (
    select * from {{ ref('bv_current_ledger_entry') }}
),

entry_cost_centre as (
    {{ current_link('link_ledger_entry_cost_centre', 'ledger_entry_hk', ['cost_centre_hk']) }}
)

select
    e.ledger_entry_hk,
    ec.cost_centre_hk,
    e.posted_on,
    date_trunc('month', e.posted_on)::date as month,
    e.account,
    e.amount_eur,
    -- client fees and other income are booked on 3xxx accounts, negative
    e.account like '3%' as is_income,
    m.mapping_valid_from is not null as is_mapped,
    -- the entry id is "county-voucher-line" (after the record-source prefix of the hub key): the
    -- ledger's county when the cost centre is unknown
    coalesce(m.county_code, split_part(split_part(h.ledger_entry_id, '|', 2), '-', 1)) as county_code,
    m.municipality_code,
    m.production_mode,
    a.service_code,
    a.service_group_code,
    a.package_code,
    a.activity_code
from entries as e
inner join {{ ref('hub_ledger_entry') }} as h on e.ledger_entry_hk = h.ledger_entry_hk
left join entry_cost_centre as ec on e.ledger_entry_hk = ec.ledger_entry_hk
left join {{ ref('bv_cost_centre_mapping') }} as m
    on ec.cost_centre_hk = m.cost_centre_hk and e.posted_on between m.mapping_valid_from and m.mapping_valid_to
left join {{ ref('ref_aura_service_classes') }} as a
    on
        m.aura_service_code = a.service_code
        and e.posted_on >= a.valid_from
        and (a.valid_to is null or e.posted_on <= a.valid_to)


{{ config(
    materialized='incremental',
    unique_key=['source_table', 'batch_id'],
    indexes=[{'columns': ['source_table', 'batch_id'], 'unique': true}]
) }}
-- Batch log: which delivered batches of which raw table are loaded, with row counts. Staging reads
-- only batches missing from here, so this model must run after every vault model:
<% for model in depends_on %>
-- depends_on: {{ ref('<< model >>') }}
<% endfor %>

with delivered as (
<% for checked, unloaded in checked_models %>
    select _source_system, _source_table, _batch_id, _loaded_at, _rejection_reason
    from {{ ref('<< checked >>') }}
    where << unloaded >>
<% if not loop.last %>

    union all

<% endif %>
<% endfor %>
),

counted as (
    select
        _source_system as source_system,
        _source_table as source_table,
        _batch_id as batch_id,
        min(_loaded_at) as delivered_at,
        count(*) as rows_delivered,
        count(*) filter (where _rejection_reason is null) as rows_accepted,
        count(*) filter (where _rejection_reason is not null) as rows_quarantined
    from delivered
    group by 1, 2, 3
)

-- who loaded the batch and a checksum of what was delivered (the batch register), and which dbt
-- invocation took it into the vault (audit.dbt_invocations)
select
    c.*,
    b.loaded_by as batch_loaded_by,
    b.loaded_from as batch_loaded_from,
    b.content_hmac ->> c.source_table as delivered_hmac,
    '{{ invocation_id }}' as dbt_invocation_id,
    now() as processed_at
from counted as c
left join {{ source('batch_register', '_batches') }} as b on c.batch_id = b.batch_id


<% with keys = ['source_table', 'batch_id', 'row_no'] %><% include '_row_keyed_incremental.sql' %><% endwith %>
-- Quarantine: every delivered row that could not be loaded, with its reason and the original row
-- (identity codes replaced by their keyed pseudonyms). Keyed by raw row, so a batch that is read
-- again after a failed run (the batch log was not written) replaces its rows instead of doubling them.

with rejected as (
<% for checked, unloaded in checked_models %>
    select _source_system, _source_table, _batch_id, _row_no, _loaded_at, _rejection_reason, _raw_row
    from {{ ref('<< checked >>') }}
    where _rejection_reason is not null and << unloaded >>
<% if not loop.last %>

    union all

<% endif %>
<% endfor %>
)

select
    _source_system as source_system,
    _source_table as source_table,
    _batch_id as batch_id,
    _row_no as row_no,
    _loaded_at as delivered_at,
    _rejection_reason as reason,
    _raw_row as original_row,
    now() as quarantined_at
from rejected

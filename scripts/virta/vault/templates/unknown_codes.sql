
<% with keys = ['source_table', 'batch_id', 'row_no', 'field'] %><% include '_row_keyed_incremental.sql' %><% endwith %>
-- Unknown codes: accepted rows carrying a code value the source mapping does not know. The row is
-- loaded with the code 'unknown' (its other facts are still good); this table counts every such
-- value per batch so that the mapping can be extended and nothing disappears silently.

with unknown as (
<% for checked, unloaded, field in code_fields %>
    select _source_system, _source_table, _batch_id, _row_no, << field.name | sql_str >>::text as field,
        << field.source_column | sql_str >>::text as source_column, {{ virta.json_text('_raw_row', "<< field.source_column | sql_str >>") }} as source_value
    from {{ ref('<< checked >>') }}
    where _rejection_reason is null and << field.name >> = 'unknown' and << unloaded >>
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
    field,
    source_column,
    source_value,
    now() as recorded_at
from unknown


-- Every delivered raw row is either accepted or quarantined, per table and batch: nothing is lost.
-- Fails with the (table, batch) pairs where raw rows != accepted + quarantined, or where the
-- quarantine does not hold exactly the rows the batch log says it does.

with raw_counts as (
<% for table in tables %>
    select << table.name | sql_str >> as source_table, _batch_id as batch_id, count(*) as raw_rows
    from {{ source(<< table.system.name | sql_str >>, << table.name | sql_str >>) }}
    group by _batch_id
<% if not loop.last %>

    union all

<% endif %>
<% endfor %>
),

quarantined as (
    select source_table, batch_id, count(*) as quarantine_rows
    from {{ ref('audit_quarantine') }}
    group by 1, 2
)

select
    r.source_table,
    r.batch_id,
    r.raw_rows,
    b.rows_accepted,
    b.rows_quarantined,
    q.quarantine_rows
from raw_counts as r
left join {{ ref('audit_batch_log') }} as b
    on r.source_table = b.source_table and r.batch_id = b.batch_id
left join quarantined as q
    on r.source_table = q.source_table and r.batch_id = q.batch_id
where
    b.batch_id is null
    or r.raw_rows != b.rows_accepted + b.rows_quarantined
    or b.rows_quarantined != coalesce(q.quarantine_rows, 0)

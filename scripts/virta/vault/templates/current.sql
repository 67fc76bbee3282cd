
{{ config(materialized='view') }}
-- Current state of << hub >> (<< label_fi >>): each key's latest loaded satellite row
-- from every system describing it (<< systems | join(', ') >>).
-- Business rules read concepts here, never the raw vault.
-- A view: the planner sees the satellites' own statistics and indexes through it.

<% for part in parts %>
select
    s.<< hub >>_hk,
<% for column in part.columns %>
    << column >>,
<% endfor %>
    << part.system | sql_str >> as source_system,
    s.load_datetime,
    s.record_source
from ({{ current_rows('<< part.satellite >>', '<< hub >>_hk') }}) as s
<% if not loop.last %>

union all

<% endif %>
<% endfor %>

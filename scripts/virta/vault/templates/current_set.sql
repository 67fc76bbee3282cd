
{{ config(materialized='view') }}
<% if kind == 'latest_set' %>
-- Current set of << concept >> on << hub >>: each key's rows of its latest load (a delivery replaces
-- the whole set; the multi-active satellite keeps every set delivered) from every system
-- describing it (<< systems | join(', ') >>).
<% else %>
-- Current rows of << concept >> on << hub >>: the latest loaded row of each key and << child_key | join(', ') >>
-- (a delivery may carry only some of a key's rows: they accumulate) from every system describing
-- it (<< systems | join(', ') >>).
<% endif %>
-- Business rules read concepts here, never the raw vault.

<% for part in parts %>
select
    s.<< hub >>_hk,
<% for column in part.columns %>
    << column >>,
<% endfor %>
    << part.system | sql_str >> as source_system,
    s.load_datetime,
    s.record_source
<% if kind == 'latest_set' %>
from (
    select
        d.*,
        max(d.load_datetime) over (partition by d.<< hub >>_hk) as latest_load_datetime
    from {{ ref('<< part.satellite >>') }} as d
) as s
where s.load_datetime = s.latest_load_datetime
<% else %>
from (
    {{ virta.latest_per_key(
        ['*'], ref('<< part.satellite >>'), key=<< row_key | tojson >>, latest='load_datetime desc'
    ) }}
) as s
<% endif %>
<% if not loop.last %>

union all

<% endif %>
<% endfor %>


{{ config(materialized='view') }}
-- << hub | capitalize >> keys a source system has reported deleted (entered in error), from every
-- record-tracking status satellite on the hub: kept for audit, left out of every count.

with deletions as (
<% for part in parts %>
    select
        d.<< hub >>_hk,
        d.deleted_at,
        << part.system | sql_str >> as source_system
    from {{ ref('<< part.satellite >>') }} as d
<% if not loop.last %>

    union all

<% endif %>
<% endfor %>
)

select
    d.<< hub >>_hk,
    min(d.deleted_at) as deleted_at,
    string_agg(distinct d.source_system, ',' order by d.source_system) as source_systems
from deletions as d
group by d.<< hub >>_hk

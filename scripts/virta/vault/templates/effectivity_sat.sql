
{{ config(
    materialized='incremental',
    indexes=[{'columns': ['<< drv >>', 'effective_from']}]
) }}
-- Effectivity satellite of link << link >>, driving key << driving_key >>: one row each time the
-- << driving_key >>'s link changes, effective from that load. The link in effect at time t is the
-- latest row with effective_from <= t. Insert-only; written here rather than with automate-dv's
-- eff_sat, which inserts extra rows on PostgreSQL (automate-dv #231).

with staged as (
<% for stage in stages %>
    select << columns | join(', ') >>, load_datetime, record_source
    from {{ ref('<< stage >>') }}
    where << columns | map('add_suffix', ' is not null') | join(' and ') >>
<% if not loop.last %>

    union all

<% endif %>
<% endfor %>
),

one_per_load as (
    select distinct on (<< drv >>, load_datetime) *
    from staged
    order by << drv >>, load_datetime, record_source, << link >>_hk
),

ordered as (
    select
        o.*,
        lag(o.<< link >>_hk) over (partition by o.<< drv >> order by o.load_datetime) as previous_link_hk
    from one_per_load as o
){% if is_incremental() %},

in_effect as (
    select distinct on (t.<< drv >>) t.<< drv >>, t.<< link >>_hk
    from {{ this }} as t
    where t.<< drv >> in (select n.<< drv >> from one_per_load as n)
    order by t.<< drv >>, t.effective_from desc
){% endif %}

select
    << columns | map('add_prefix', 'o.') | join(', ') >>,
    o.load_datetime as effective_from,
    o.load_datetime,
    o.record_source
from ordered as o
{% if is_incremental() %}
left join in_effect as e on o.<< drv >> = e.<< drv >>
where coalesce(o.previous_link_hk, e.<< link >>_hk) is distinct from o.<< link >>_hk
{% else %}
where o.previous_link_hk is distinct from o.<< link >>_hk
{% endif %}

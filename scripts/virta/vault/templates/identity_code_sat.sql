
{{ config(
    materialized='incremental',
    indexes=[{'columns': ['<< hub >>_hk'], 'unique': true}]
) }}
-- Satellite on hub << hub >>: birth date and sex as the identity code (henkilötunnus) states them, from
-- every source that names the << hub >> by the code. They are a function of the code, so one row per key,
-- from the first load that saw it; insert-only. The population register's own attributes stay in
-- their satellite; this one places people the register does not give (a quarantined or missing row).

with staged as (
<% for stage, field in sources %>
    select << hub >>_hk, << field >>_birth_date as birth_date, << field >>_sex as sex, load_datetime, record_source
    from {{ ref('<< stage >>') }}
    where << hub >>_hk is not null
<% if not loop.last %>

    union all

<% endif %>
<% endfor %>
),

first_seen as (
    select distinct on (<< hub >>_hk) *
    from staged
    order by << hub >>_hk, load_datetime, record_source
)

select
    f.<< hub >>_hk,
    f.birth_date,
    f.sex,
    f.load_datetime,
    f.record_source
from first_seen as f
{% if is_incremental() %}
where not exists (select 1 from {{ this }} as t where t.<< hub >>_hk = f.<< hub >>_hk)
{% endif %}


{{ config(
    materialized='incremental',
    indexes=[{'columns': ['<< sts.hub >>_hk', 'load_datetime'], 'unique': true}]
) }}
-- Record-tracking status satellite on hub << sts.hub >>: << sts.description >>
-- Insert-only: one row per key and load in which the source reported the record deleted.
-- (automate-dv 0.11.5 has no status-tracking satellite macro.)

with deletions as (
    select distinct on (s.<< sts.hub >>_hk, s.load_datetime)
        s.<< sts.hub >>_hk,
        s.load_datetime,
        s.record_source,
        s.<< sts.deleted_at >> as deleted_at
    from {{ ref('<< stage_model >>') }} as s
    where s.<< sts.hub >>_hk is not null
    order by s.<< sts.hub >>_hk, s.load_datetime, s.<< sts.deleted_at >>
)

select
    d.<< sts.hub >>_hk,
    d.load_datetime,
    d.record_source,
    'deleted'::text as record_status,
    d.deleted_at
from deletions as d
{% if is_incremental() %}
where not exists (
    select 1 from {{ this }} as t
    where t.<< sts.hub >>_hk = d.<< sts.hub >>_hk and t.load_datetime = d.load_datetime
)
{% endif %}

-- What analysts have been shown, kept across builds: per cell, the last value a release published
-- and the value it had when a release last withheld it. An intruder remembers earlier releases, so
-- disclosure_pattern reads this (the state before the build): a cell withheld before stays withheld
-- while its value is unchanged, and a cell published before with its current value cannot serve as
-- a complement. Never rebuilt from scratch (full_refresh: false): that would forget what was shown.
{{ config(
    materialized='incremental',
    unique_key='cell_id',
    incremental_strategy='delete+insert',
    full_refresh=false,
    on_schema_change='fail',
    tags=['published']
) }}

select
    p.cell_id,
    p.table_name,
    p.layer,
    p.row_key,
    case
        when not p.is_withheld then p.value
        {%- if is_incremental() %}
        else h.published_value
        {%- endif %}
    end as published_value,
    case when p.is_withheld then p.value end as withheld_value,
    {{ dbt.current_timestamp() }} as released_at
from {{ ref('disclosure_pattern') }} as p
{%- if is_incremental() %}
left join {{ this }} as h on p.cell_id = h.cell_id
{%- endif %}

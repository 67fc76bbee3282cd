
{{ config(materialized='view') }}
-- automate-dv stage of << system.label >>: << description >>
-- Only accepted rows (no rejection reason) of batches not yet loaded reach the vault.

{% set yaml_metadata -%}
<< metadata >>
{%- endset %}

{% set metadata = fromyaml(yaml_metadata) %}

select *
from (
    {{ automate_dv.stage(
        include_source_columns=true,
        source_model=metadata['source_model'],
        derived_columns=metadata['derived_columns'],
        hashed_columns=metadata['hashed_columns']
    ) }}
) as staged
where << where >>

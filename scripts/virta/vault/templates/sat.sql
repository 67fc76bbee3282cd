
{{ config(
    materialized='incremental',
    indexes=[{'columns': ['<< sat.hub >>_hk', 'load_datetime']}]
) }}
-- Satellite << sat.name >> on hub << sat.hub >>: << sat.description >>

{{ automate_dv.sat(
    src_pk='<< sat.hub >>_hk',
    src_hashdiff={'source_column': '<< sat.name >>_hashdiff', 'alias': 'hashdiff'},
    src_payload=<< sat.payload | list | py >>,
    src_ldts='load_datetime',
    src_source='record_source',
    source_model='<< stage_model >>'
) }}

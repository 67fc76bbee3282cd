
{{ config(
    materialized='incremental',
    indexes=[{'columns': ['<< mas.hub >>_hk', 'load_datetime']}]
) }}
-- Multi-active satellite on hub << mas.hub >>: << mas.description >>
-- A new set of rows for a key whenever any row of its set changes (child key << mas.child_key | join(', ') >>).

{{ automate_dv.ma_sat(
    src_pk='<< mas.hub >>_hk',
    src_cdk=<< mas.child_key | list | py >>,
    src_hashdiff={'source_column': '<< mas.name >>_hashdiff', 'alias': 'hashdiff'},
    src_payload=<< mas.payload | list | py >>,
    src_ldts='load_datetime',
    src_source='record_source',
    source_model='<< stage_model >>'
) }}

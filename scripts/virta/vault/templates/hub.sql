
{{ config(
    materialized='incremental',
    indexes=[{'columns': ['<< hub >>_hk'], 'unique': true}]
) }}
-- Hub << hub >> (<< label_fi >>), loaded from: << sources | join(', ') >>.

{{ automate_dv.hub(
    src_pk='<< hub >>_hk',
    src_nk='<< business_key >>',
    src_ldts='load_datetime',
    src_source='record_source',
    source_model=<< sources | py >>
) }}

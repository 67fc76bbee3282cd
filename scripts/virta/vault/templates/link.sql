
{{ config(
    materialized='incremental',
    indexes=[{'columns': ['<< link >>_hk'], 'unique': true}<% for fk in fks %>, {'columns': ['<< fk >>']}<% endfor %>]
) }}
-- Link << link >> (<< label_fi >>) between << hubs | join(', ') >>, loaded from: << sources | join(', ') >>.

{{ automate_dv.link(
    src_pk='<< link >>_hk',
    src_fk=<< fks | py >>,
    src_ldts='load_datetime',
    src_source='record_source',
    source_model=<< sources | py >>
) }}

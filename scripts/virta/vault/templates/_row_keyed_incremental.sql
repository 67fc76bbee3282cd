{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=<< keys | py >>,
    indexes=[{'columns': << keys | py >>, 'unique': true}]
) }}

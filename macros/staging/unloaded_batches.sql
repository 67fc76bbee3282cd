{#- Bounds staging to the delivered batches of a raw table that the vault has not loaded yet, so an
    incremental load costs in proportion to the new batches, not to the history, and reloading a
    loaded batch changes nothing.

    Batches are loaded strictly in order (the loader refuses gaps) and logged only after the vault
    has them, so "after the latest logged batch" is exactly "not loaded yet". The latest logged batch
    is looked up when the query runs (virta_util.last_loaded_batch, created by the access setup with
    the audit schema it reads), so a view or a table read later stays right whether or not the log
    existed when it was built. It sits in a scalar subquery: evaluated once per query and usable as
    an index bound on raw's _batch_id; as a plain filter the function ran once per row. On
    --full-refresh (rebuilding the vault from raw) every batch is read. -#}
{% macro unloaded_batches(source_table) -%}
    {%- if flags.FULL_REFRESH -%}
        true
    {%- else -%}
        _batch_id > (select {{ virta.util_schema() }}.last_loaded_batch('{{ source_table }}'))
    {%- endif -%}
{%- endmacro %}

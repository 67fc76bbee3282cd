{#- Bounds staging to the delivered batches of a raw table that the vault has not loaded yet, so an
    incremental load costs in proportion to the new batches, not to the history, and reloading a
    loaded batch changes nothing.

    Batches are loaded strictly in order (the loader refuses gaps) and logged only after the vault
    has them, so "after the latest logged batch" is exactly "not loaded yet". The latest logged batch
    is looked up when the view is read (virta_util.last_loaded_batch, created by the access setup with
    the audit schema it reads; STABLE: evaluated once, and an
    index range on raw's _batch_id), so the view stays right whether or not the log existed when it
    was created. On --full-refresh (rebuilding the vault from raw) every batch is read. -#}
{% macro unloaded_batches(source_table) -%}
    {%- if flags.FULL_REFRESH -%}
        true
    {%- else -%}
        _batch_id > {{ virta.util_schema() }}.last_loaded_batch('{{ source_table }}')
    {%- endif -%}
{%- endmacro %}

{#- Bounds staging to the delivered batches of a raw table that the vault has not loaded yet, so an
    incremental load costs in proportion to the new batches, not to the history, and reloading a
    loaded batch changes nothing. On the first run (no batch log yet) and on --full-refresh
    (rebuilding the vault from raw) every batch is read. -#}
{% macro unloaded_batches(source_table) -%}
    {%- set batch_log = none -%}
    {%- if execute and not flags.FULL_REFRESH -%}
        {%- set batch_log = adapter.get_relation(
            database=target.database,
            schema=generate_schema_name('audit', none),
            identifier='audit_batch_log'
        ) -%}
    {%- endif -%}
    {%- if batch_log is none -%}
        true
    {%- else -%}
        _batch_id not in (
            select bl.batch_id from {{ batch_log }} as bl
            where bl.source_table = '{{ source_table }}'
        )
    {%- endif -%}
{%- endmacro %}

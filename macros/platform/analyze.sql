{#- Planner statistics for a table just built (views have none of their own), so nothing read right
    after it is planned blind. A table built whole is analysed. An incremental load is analysed when
    it added at least a tenth of the table (or the table has never been analysed): a day's rows on
    two years of history leave the statistics right, and analysing every vault table every day cost
    more than loading the day. PostgreSQL's ANALYZE; an engine that keeps statistics itself needs
    nothing here. -#}
{% macro analyze_table() -%}
    {{ return(adapter.dispatch('analyze_table', 'virta')()) }}
{%- endmacro %}

{% macro postgres__analyze_table() -%}
    {%- if model.config.materialized == 'incremental' and not flags.FULL_REFRESH -%}
        {#- this transaction's inserts against the table's size at its last analyse (-1: never) -#}
        do $analyze$ begin
            if (select c.reltuples < 0 or pg_stat_get_xact_tuples_inserted(c.oid) >= 0.1 * c.reltuples
                from pg_class as c where c.oid = '{{ this }}'::regclass) then
                execute 'analyze {{ this }}';
            end if;
        end $analyze$
    {%- elif model.config.materialized != 'view' -%}analyze {{ this }}{%- endif -%}
{%- endmacro %}

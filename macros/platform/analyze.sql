{#- Planner statistics for a table just built (views have none of their own). PostgreSQL's ANALYZE;
    an engine that keeps statistics itself needs nothing here. -#}
{% macro analyze_table() -%}
    {{ return(adapter.dispatch('analyze_table', 'virta')()) }}
{%- endmacro %}

{% macro postgres__analyze_table() -%}
    {%- if model.config.materialized != 'view' -%}analyze {{ this }}{%- endif -%}
{%- endmacro %}

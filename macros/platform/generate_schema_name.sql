{#- Layers get plain schema names (staging, raw_vault, business_vault, marts, reference) so that
    analysts and BI tools find `marts` where the docs say; VIRTA_SCHEMA_PREFIX isolates
    parallel environments on one server (e.g. dev_staging). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = env_var('VIRTA_SCHEMA_PREFIX', '') -%}
    {%- if custom_schema_name is none -%}
        {{ prefix }}{{ target.schema }}
    {%- else -%}
        {{ prefix }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

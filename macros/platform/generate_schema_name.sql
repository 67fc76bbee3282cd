{#- Layers get plain schema names (staging, raw_vault, business_vault, marts, reference) so that
    analysts and BI tools find `marts` where the docs say; VIRTA_SCHEMA_PREFIX isolates
    parallel environments on one server (e.g. dev_staging). -#}
{#- The prefix is checked as in scripts/virta/access.py: names that need no quoting and carry no SQL. -#}
{% macro schema_prefix() -%}
    {%- set prefix = env_var('VIRTA_SCHEMA_PREFIX', '') -%}
    {%- if prefix and not modules.re.match('^[a-z][a-z0-9_]{0,29}$', prefix) -%}
        {{ exceptions.raise_compiler_error(
            "VIRTA_SCHEMA_PREFIX must be lower-case letters, digits and underscores, starting with a letter, "
            ~ "at most 30 characters; not '" ~ prefix ~ "'") }}
    {%- endif -%}
    {{ prefix }}
{%- endmacro %}

{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = virta.schema_prefix() -%}
    {%- if custom_schema_name is none -%}
        {{ prefix }}{{ target.schema }}
    {%- else -%}
        {{ prefix }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

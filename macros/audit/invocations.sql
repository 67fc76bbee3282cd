{#- Every dbt invocation that builds the warehouse is recorded in audit.dbt_invocations (created by
    the access setup; only the transformer role may write it): who ran it, which command, when it
    ended and how many nodes failed. The batch log names the invocation that loaded each batch. -#}

{% macro record_invocation_start() -%}
    {%- if execute -%}
    insert into {{ generate_schema_name('audit', none) }}.dbt_invocations
        (invocation_id, started_at, command, dbt_version)
    values ('{{ invocation_id }}', now(), '{{ flags.WHICH }}', '{{ dbt_version }}')
    on conflict (invocation_id) do nothing
    {%- endif -%}
{%- endmacro %}

{% macro record_invocation_end(results) -%}
    {%- if execute -%}
    {%- set ok = results | selectattr('status', 'in', ['success', 'pass']) | list -%}
    {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error']) | list -%}
    update {{ generate_schema_name('audit', none) }}.dbt_invocations
    set finished_at = now(), nodes_ok = {{ ok | length }}, nodes_failed = {{ failed | length }}
    where invocation_id = '{{ invocation_id }}'
    {%- endif -%}
{%- endmacro %}

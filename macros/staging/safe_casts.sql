{#- Safe casts: NULL instead of an error for text that does not parse, so that a bad value sends its
    row to quarantine with a reason instead of failing the whole load. PostgreSQL has no TRY_CAST;
    plpgsql (always present, unlike contrib extensions) gives us one. The functions are created by
    the access setup (scripts/virta/access.py), owned by the warehouse owner with a pinned
    search_path: dbt's roles cannot create functions. -#}

{% macro util_schema() -%}
    {{ virta.schema_prefix() }}virta_util
{%- endmacro %}

{#- Each safe cast dispatches on the adapter like macros/platform/portable.sql: PostgreSQL's uses the
    plpgsql helpers and its regular expressions; another engine gets its own (TRY_CAST, try_to_date). -#}
{% macro try_timestamp(column, fmt) -%}
    {{ return(adapter.dispatch('try_timestamp', 'virta')(column, fmt)) }}
{%- endmacro %}

{% macro postgres__try_timestamp(column, fmt) -%}
    {{ virta.util_schema() }}.try_timestamp({{ column }}, {{ fmt }})
{%- endmacro %}

{% macro try_date(column, fmt) -%}
    {{ return(adapter.dispatch('try_date', 'virta')(column, fmt)) }}
{%- endmacro %}

{% macro postgres__try_date(column, fmt) -%}
    {{ virta.util_schema() }}.try_date({{ column }}, {{ fmt }})
{%- endmacro %}

{% macro try_integer(column) -%}
    {{ return(adapter.dispatch('try_integer', 'virta')(column)) }}
{%- endmacro %}

{% macro postgres__try_integer(column) -%}
    case when btrim({{ column }}) ~ '^-?[0-9]{1,9}$' then btrim({{ column }})::integer end
{%- endmacro %}

{#- Amounts as the ledger prints them: optional minus, digits, a decimal comma (or point). -#}
{% macro try_decimal(column, decimal_comma=false) -%}
    {{ return(adapter.dispatch('try_decimal', 'virta')(column, decimal_comma)) }}
{%- endmacro %}

{% macro postgres__try_decimal(column, decimal_comma) -%}
    {%- if decimal_comma -%}
    case when btrim({{ column }}) ~ '^-?[0-9]{1,15}(,[0-9]{1,6})?$' then replace(btrim({{ column }}), ',', '.')::numeric end
    {%- else -%}
    case when btrim({{ column }}) ~ '^-?[0-9]{1,15}(\.[0-9]{1,6})?$' then btrim({{ column }})::numeric end
    {%- endif -%}
{%- endmacro %}

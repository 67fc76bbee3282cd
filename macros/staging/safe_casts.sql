{#- Safe casts: NULL instead of an error for text that does not parse, so that a bad value sends its
    row to quarantine with a reason instead of failing the whole load. PostgreSQL has no TRY_CAST;
    plpgsql (always present, unlike contrib extensions) gives us one. -#}

{% macro util_schema() -%}
    {{ env_var('VIRTA_SCHEMA_PREFIX', '') }}virta_util
{%- endmacro %}

{% macro create_util_functions() %}
    create schema if not exists {{ virta.util_schema() }};

    -- Timestamps are parsed as wall-clock local time; UTC inside the function avoids DST gaps.
    create or replace function {{ virta.util_schema() }}.try_timestamp(value text, fmt text)
    returns timestamp language plpgsql immutable set timezone to 'UTC' as $fn$
    begin
        if value is null or btrim(value) = '' then return null; end if;
        return to_timestamp(btrim(value), fmt)::timestamp;
    exception when others then
        return null;
    end
    $fn$;

    create or replace function {{ virta.util_schema() }}.try_date(value text, fmt text)
    returns date language plpgsql immutable as $fn$
    begin
        if value is null or btrim(value) = '' then return null; end if;
        return to_date(btrim(value), fmt);
    exception when others then
        return null;
    end
    $fn$;
{% endmacro %}

{% macro try_timestamp(column, fmt) -%}
    {{ virta.util_schema() }}.try_timestamp({{ column }}, {{ fmt }})
{%- endmacro %}

{% macro try_date(column, fmt) -%}
    {{ virta.util_schema() }}.try_date({{ column }}, {{ fmt }})
{%- endmacro %}

{% macro try_integer(column) -%}
    case when btrim({{ column }}) ~ '^-?[0-9]{1,9}$' then btrim({{ column }})::integer end
{%- endmacro %}

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

    -- The latest batch of a raw table in the batch log; 0 before the first load (no log yet).
    create or replace function {{ virta.util_schema() }}.last_loaded_batch(batch_log text, source_table text)
    returns bigint language plpgsql stable as $fn$
    declare
        latest bigint;
    begin
        if to_regclass(batch_log) is null then return 0; end if;
        execute format('select coalesce(max(batch_id), 0) from %s where source_table = $1', batch_log)
            into latest using source_table;
        return latest;
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

{#- Amounts as the ledger prints them: optional minus, digits, a decimal comma (or point). -#}
{% macro try_decimal(column, decimal_comma=false) -%}
    {%- if decimal_comma -%}
    case when btrim({{ column }}) ~ '^-?[0-9]{1,15}(,[0-9]{1,6})?$' then replace(btrim({{ column }}), ',', '.')::numeric end
    {%- else -%}
    case when btrim({{ column }}) ~ '^-?[0-9]{1,15}(\.[0-9]{1,6})?$' then btrim({{ column }})::numeric end
    {%- endif -%}
{%- endmacro %}

{#- SQL that says what it means on any engine. Constructs whose meaning differs between engines
    (PostgreSQL's unbounded `::numeric` is DECIMAL(10,0) on Spark, so `round(x::numeric, 1)` rounds
    to whole numbers there; `age()` and `generate_series` do not exist everywhere) are written
    through these adapter-dispatched macros. PostgreSQL is the only implementation for now: a second
    engine is one `<adapter>__` macro per entry here, not a rewrite of the models. There is no
    default__ implementation on purpose: on another engine dbt stops at compile time naming the
    macro it could not find ("No macro named 'days_between' ... Searched for: virta.spark__days_between"),
    never runs PostgreSQL SQL there. scripts/tests/test_portable_sql.py refuses the raw constructs in
    hand-written models. -#}

{#- Whole years from birth_date to on_date (a birthday counts on the day itself), as an integer. -#}
{% macro age_in_years(birth_date, on_date) -%}
    {{ return(adapter.dispatch('age_in_years', 'virta')(birth_date, on_date)) }}
{%- endmacro %}

{% macro postgres__age_in_years(birth_date, on_date) -%}
    extract(year from age({{ on_date }}, {{ birth_date }}))::integer
{%- endmacro %}

{#- A value rounded half away from zero to `scale` decimal places, as an exact decimal: the cast
    keeps the value's own places until the rounding (never an engine's default scale of 0). -#}
{% macro round_to(expression, scale) -%}
    {{ return(adapter.dispatch('round_to', 'virta')(expression, scale)) }}
{%- endmacro %}

{% macro postgres__round_to(expression, scale) -%}
    round(({{ expression }})::numeric, {{ scale }})
{%- endmacro %}

{#- An exact decimal of the expression, unrounded (for a division that must not be integer
    division, or an average of whole numbers). -#}
{% macro to_decimal(expression) -%}
    {{ return(adapter.dispatch('to_decimal', 'virta')(expression)) }}
{%- endmacro %}

{% macro postgres__to_decimal(expression) -%}
    ({{ expression }})::numeric
{%- endmacro %}

{#- Rows `alias`(`column`) from start to stop inclusive, every `step` (SQL interval text, e.g.
    '1 day', or omitted for whole numbers): a from-clause item. -#}
{% macro series(start, stop, step=none, alias='s', column='value') -%}
    {{ return(adapter.dispatch('series', 'virta')(start, stop, step, alias, column)) }}
{%- endmacro %}

{% macro postgres__series(start, stop, step, alias, column) -%}
    generate_series({{ start }}, {{ stop }}{{ ', interval ' ~ "'" ~ step ~ "'" if step }}) as {{ alias }} ({{ column }})
{%- endmacro %}

{#- Whole days from `start` to `end` (dates, or timestamps taken at their date), as an integer:
    PostgreSQL's date - date; elsewhere datediff, which some engines count the other way round. -#}
{% macro days_between(start, end) -%}
    {{ return(adapter.dispatch('days_between', 'virta')(start, end)) }}
{%- endmacro %}

{% macro postgres__days_between(start, end) -%}
    (({{ end }})::date - ({{ start }})::date)
{%- endmacro %}

{#- The latest row of each `key` (a list of columns): `columns` (a list) from `relation` (with its
    alias), the row that sorts first by `latest` (e.g. 's.load_datetime desc'). A select statement. -#}
{% macro latest_per_key(columns, relation, key, latest) -%}
    {{ return(adapter.dispatch('latest_per_key', 'virta')(columns, relation, key, latest)) }}
{%- endmacro %}

{% macro postgres__latest_per_key(columns, relation, key, latest) -%}
    select distinct on ({{ key | join(', ') }})
        {{ columns | join(',\n        ') }}
    from {{ relation }}
    order by {{ key | join(', ') }}, {{ latest }}
{%- endmacro %}

{#- The whole row of table alias `alias` as a JSON object (quarantine keeps the delivered row). -#}
{% macro row_as_json(alias) -%}
    {{ return(adapter.dispatch('row_as_json', 'virta')(alias)) }}
{%- endmacro %}

{% macro postgres__row_as_json(alias) -%}
    to_jsonb({{ alias }})
{%- endmacro %}

{#- The text value of `key` in a JSON object column. -#}
{% macro json_text(column, key) -%}
    {{ return(adapter.dispatch('json_text', 'virta')(column, key)) }}
{%- endmacro %}

{% macro postgres__json_text(column, key) -%}
    {{ column }} ->> {{ key }}
{%- endmacro %}

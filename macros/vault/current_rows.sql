{#- The current (latest loaded) row of each key of a satellite: satellites keep history, most
    business rules want today's view. -#}
{% macro current_rows(satellite, key) -%}
    select distinct on ({{ key }}) *
    from {{ ref(satellite) }}
    order by {{ key }}, load_datetime desc
{%- endmacro %}

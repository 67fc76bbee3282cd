{#- The current (latest loaded) row of each key of a satellite: satellites keep history, most
    business rules want today's view. -#}
{% macro current_rows(satellite, key) -%}
    select distinct on ({{ key }}) *
    from {{ ref(satellite) }}
    order by {{ key }}, load_datetime desc
{%- endmacro %}

{#- The latest loaded row of a link per driving key (`key`), with the other key(s) `columns`: for
    links where the source names one partner per record and a re-delivery may name another. -#}
{% macro current_link(link, key, columns) -%}
    select distinct on (l.{{ key }})
        l.{{ key }},
        {%- for column in columns %}
        l.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref(link) }} as l
    order by l.{{ key }} asc, l.load_datetime desc
{%- endmacro %}

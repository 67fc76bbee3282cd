{#- The current (latest loaded) row of each key of a satellite: satellites keep history, most
    business rules want today's view. -#}
{% macro current_rows(satellite, key) -%}
    {{ virta.latest_per_key(['*'], ref(satellite), key=[key], latest='load_datetime desc') }}
{%- endmacro %}

{#- The latest loaded row of a link per driving key (`key`), with the other key(s) `columns`: for
    links where the source names one partner per record and a re-delivery may name another.
    `rows`: a FROM item to read the link's rows from instead (some of its keys only). -#}
{% macro current_link(link, key, columns, rows=none) -%}
    {%- set selected = ['l.' ~ key] %}
    {%- for column in columns %}{% do selected.append('l.' ~ column) %}{% endfor %}
    {{ virta.latest_per_key(selected, (rows or ref(link)) ~ ' as l', key=['l.' ~ key], latest='l.load_datetime desc') }}
{%- endmacro %}

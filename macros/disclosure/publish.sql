{#- A published mart: its cells (`cells`, private) with the suppression pattern applied. Each count
    or amount the pattern withholds is null, and so is every column derived from it; is_suppressed
    says the cell's population is withheld. Ranks are computed here, over what is published, so a
    withheld cell never takes a rank. The mart's declaration (meta.disclosure) says what is what. -#}
{% macro publish_protected(cells) -%}
{%- set pattern = ref('disclosure_pattern') -%}
{%- if not execute -%}
    select * from {{ cells }}
    {{- return('') -}}
{%- endif -%}
{%- set decl = disclosure_declaration(model.name) -%}
{%- set layers = disclosure_layers(decl) -%}
{%- set key = disclosure_row_key(decl.dimensions, 'c') -%}
{%- set withheld_by = {} -%}
{%- for layer in layers -%}
    {%- set layer_index = loop.index0 -%}
    {%- for column in [layer.column] + layer.derived -%}
        {%- if column in withheld_by -%}
            {{ exceptions.raise_compiler_error(model.name ~ ": meta.disclosure names " ~ column ~ " in two layers") }}
        {%- endif -%}
        {%- do withheld_by.update({column: layer_index}) -%}
    {%- endfor -%}
{%- endfor -%}
{%- set columns = adapter.get_columns_in_relation(cells) | map(attribute='name') | list -%}
{%- if not columns -%}
    {#- the cells table does not exist yet (compiled without a build, as the linter does): this
        select fails if run, so nothing is published unprotected -#}
    select * from {{ cells }}
    {{- return('') -}}
{%- endif -%}
{%- for column in withheld_by if column not in columns -%}
    {{ exceptions.raise_compiler_error(model.name ~ ": meta.disclosure names " ~ column ~ ", which "
        ~ cells.identifier ~ " does not have") }}
{%- endfor -%}
{%- set ranks = decl.get('ranks', []) -%}
{%- set rank_by = decl.dimensions | reject('equalto', 'area_code') | list -%}
select
    published.*
    {%- for r in ranks %},
    {{ county_rank('published.' ~ r.measure, rank_by, r.direction) }} as {{ r.column }}
    {%- endfor %}
from (
    select
        {%- for column in columns %}
        {%- if column in withheld_by %}
        case when p{{ withheld_by[column] }}.is_withheld then null else c.{{ column }} end as {{ column }},
        {%- else %}
        c.{{ column }},
        {%- endif %}
        {%- endfor %}
        coalesce(p0.is_withheld, false) as is_suppressed
    from {{ cells }} as c
    {%- for layer in layers %}
    left join {{ pattern }} as p{{ loop.index0 }}
        on p{{ loop.index0 }}.cell_id = {{ disclosure_cell_id(model.name, layer.column, key) }}
    {%- endfor %}
) as published
{%- endmacro %}

{#- A published mart: its cells (`cells`, private) with the suppression pattern applied. Each count
    or amount the pattern withholds is null, and so is every column derived from it; is_suppressed
    says the cell's population is withheld. Ranks are computed here, over what is published, so a
    withheld cell never takes a rank. The mart's declaration (meta.disclosure) says what is what. -#}
{% macro publish_protected(cells) -%}
{%- set pattern = ref('disclosure_pattern') -%}
{%- set areas = ref('bv_area') -%}  {#- read by area_join: a dependency at parse time too -#}
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
{%- set private = decl.get('private', []) -%}
{%- set previous = decl.get('previous', []) -%}
{%- set layer_names = layers | map(attribute='column') | list -%}
{%- for p in previous if p.layer not in layer_names -%}
    {{ exceptions.raise_compiler_error(model.name ~ ": meta.disclosure.previous names layer " ~ p.layer
        ~ ", which is not a count or amount of the declaration") }}
{%- endfor -%}
{#- a count not declared would be published as it is: refuse it (attributes: counts of the public
    register such as residents, declared as such) -#}
{%- set known = decl.dimensions + (withheld_by.keys() | list) + private + decl.get('attributes', [])
    + (previous | map(attribute='column') | list) -%}
{%- for column in columns if column.endswith('_n') and column not in known -%}
    {{ exceptions.raise_compiler_error(model.name ~ ": column " ~ column ~ " looks like a count but meta.disclosure "
        ~ "neither protects it (a layer or derived of one) nor lists it as private or an attribute") }}
{%- endfor -%}
{%- set ranks = decl.get('ranks', []) -%}
{%- for r in ranks if not r.column.endswith('_rank') -%}
    {{ exceptions.raise_compiler_error(model.name ~ ": rank column " ~ r.column ~ " must be named <measure>_rank") }}
{%- endfor -%}
{%- if 'is_final' in columns and 'is_full_year' in columns -%}
    {{ exceptions.raise_compiler_error(model.name ~ ": the cells have both is_final and is_full_year; the mart "
        ~ "publishes one is_complete_period") }}
{%- endif -%}
{%- set rank_by = decl.dimensions | reject('equalto', 'area_code') | list -%}
{#- the published shape every mart shares (docs/marts.md): area names beside area_code, one name
    for a complete period, and with each rank the number of areas ranked -#}
select
    {%- for column in columns if column not in private %}
    published.{{ published_column_name(column) }},
    {%- if column == 'area_code' %}
    {{ area_names('published.area_code') }},
    {%- endif %}
    {%- endfor %}
    published.is_suppressed
    {%- for r in ranks %},
    {{ county_rank('published.' ~ r.measure, rank_by, r.direction) }} as {{ r.column }},
    {{ ranked_areas_n('published.' ~ r.measure, rank_by) }} as {{ r.column[:-5] }}_ranked_areas_n
    {%- endfor %}
from (
    select
        {%- for column in columns if column not in private %}
        {%- set earlier = previous | selectattr('column', 'equalto', column) | list %}
        {%- if column in withheld_by or earlier %}
        {%- set layer_column = layers[withheld_by[column]].column if column in withheld_by else none %}
        {#- withheld, or a value the pattern has no row for (fail closed) #}
        case
            when {{ '(p' ~ withheld_by[column] ~ '.is_withheld or (c.' ~ layer_column ~ ' is not null and p'
                ~ withheld_by[column] ~ '.cell_id is null))' if column in withheld_by else 'false' }}
                {%- for e in earlier %} or e{{ loop.index0 }}_{{ column }}.is_withheld{% endfor %} then null
            else c.{{ column }}
        end as {{ column }},
        {%- else %}
        c.{{ column }}{{ ' as ' ~ published_column_name(column) if published_column_name(column) != column }},
        {%- endif %}
        {%- endfor %}
        coalesce(p0.is_withheld, false) as is_suppressed
    from {{ cells }} as c
    {%- for layer in layers %}
    left join {{ pattern }} as p{{ loop.index0 }}
        on p{{ loop.index0 }}.cell_id = {{ disclosure_cell_id(model.name, layer.column, key) }}
    {%- endfor %}
    {#- a change from the period before gives that period's value away when it is withheld -#}
    {%- for column in previous | map(attribute='column') | unique %}
    {%- for e in previous | selectattr('column', 'equalto', column) %}
    left join {{ pattern }} as e{{ loop.index0 }}_{{ column }}
        on e{{ loop.index0 }}_{{ column }}.cell_id = {{ disclosure_cell_id(model.name, e.layer, disclosure_row_key(
            decl.dimensions, 'c', replace={e.period: ('cast(c.' ~ e.period ~ ' - ' ~ e.shift ~ ' as date)') if 'interval' in e.shift
                else '(c.' ~ e.period ~ ' - ' ~ e.shift ~ ')'})) }}
    {%- endfor %}
    {%- endfor %}
) as published
{%- if 'area_code' in columns %}
{{ area_join('published.area_code') }}
{%- endif %}
{%- endmacro %}
